"""Where a send's time goes, for one shipped SQL connector: the profile behind issue 15's cuts.

    .venv/bin/python bench/profile_send.py [--orders 1000] [--shops 10] [--connector opencart3]
        [--split] [--statements] [--memory] [--profile N] [--concurrency 1] [--processes 1]
        [--sink aiosmtpd|lean]

The same send as bench/connectors.py's send A (its throwaway durable mariadbd, its SMTP sink,
the realistic generated orders, one warm-up send first), measured from the inside:

- `--split`: seconds per phase of the send — the shop writes (step 2a), the notification
  (rendering and SMTP), loading the supplier order from the store, step 1 (the checks) — and
  the rest (claims, state updates, connecting). Threads add up, so run it with
  `--concurrency 1` (the default here) to make the phases sum to the send;
- `--statements`: the SQL statements the shop connection ran during the writes, per written
  order, by kind (first word, and the table of an INSERT/UPDATE/DELETE or the function of a
  SELECT of locks): what a round trip too many looks like;
- `--memory`: the process's peak RSS after the send;
- `--resources`: who was busy during the send — its wall time beside the CPU seconds of this
  process, of the throwaway mariadbd and of the SMTP sink (from /proc). When the three CPU
  figures add up to about twice the wall time, both cores were busy; when this process's CPU is
  close to the wall time, the send is bound by our own Python (one core: the GIL), and cutting
  server waits cannot make it faster. With `--processes N` the send's worker processes' CPU is
  a figure of its own ("send workers"; this process then only hands out suppliers);
- `--profile N`: cProfile of the send, the N functions with the highest cumulative time
  (`--sort tottime`: the highest time inside the function itself);
- `--cpu`: the send and `--split`'s phases in CPU seconds of this process (`process_time`)
  instead of wall-clock seconds (with `--profile`, the profile's too). On the shared machine
  a phase's wall time moves with the load (the same send's notification 1.3-2.3 s at load
  6-8); its CPU time stays within a few percent, so two trees compare with `--cpu` where
  wall times cannot. Waiting (the shop's commits, the SMTP server) is left out: compare the
  writes and SMTP in wall time.

Figures only; nothing asserts. Why a script and not a flag of connectors.py: the wrapping and
counting here slow the send down a little, so its figures never go next to the floors.
"""

from __future__ import annotations

import argparse
import cProfile
import collections
import os
import pstats
import re
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import pymysql.cursors  # noqa: E402
import servers  # noqa: E402
from connectors import (  # noqa: E402
    DURABLE, Figures, Shop, generate, peak_rss_now, resources_of_send, send)
from send_throughput import SINKS, SinkSMTP  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402

from orderexchange import dispatch, shop_writes  # noqa: E402
from orderexchange.store import Store  # noqa: E402

#: phase → (object, attribute) whose calls it is made of
PHASES = {
    "writes": (shop_writes.ShopWrites, "_write_all"),
    "notification": (dispatch.Outbox, "send"),
    "store load": (Store, "supplier_order"),
    "step 1": (dispatch, "run_checks"),
}


class Phases:
    """Wall-clock seconds spent inside each phase's function (outermost calls only)."""

    def __init__(self, clock: Any = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = collections.defaultdict(float)
        self.calls: dict[str, int] = collections.defaultdict(int)
        self.current = threading.local()

    def wrap(self, phase: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if getattr(self.current, "phase", None) is not None:
                return fn(*args, **kwargs)  # nested: counted by the outer phase
            self.current.phase = phase
            start = self.clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[phase] += self.clock() - start
                self.calls[phase] += 1
                self.current.phase = None
        return timed

    @contextmanager
    def installed(self) -> Any:
        saved = []
        for phase, (owner, name) in PHASES.items():
            original = getattr(owner, name)
            saved.append((owner, name, original))
            setattr(owner, name, self.wrap(phase, original))
        try:
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)


@contextmanager
def _cpu_of_send() -> Any:
    """CPU seconds spent in `Dispatcher.send` (the timed part of connectors.send: not the import
    and build before it), as a one-item list filled while the context is open."""
    total = [0.0]
    original = dispatch.Dispatcher.send

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            total[0] += time.process_time() - start
    dispatch.Dispatcher.send = timed
    try:
        yield total
    finally:
        dispatch.Dispatcher.send = original


@contextmanager
def _profiled_send(profiler: cProfile.Profile) -> Any:
    """cProfile switched on for `Dispatcher.send` only."""
    original = dispatch.Dispatcher.send

    def profiled(self: Any, *args: Any, **kwargs: Any) -> Any:
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()
    dispatch.Dispatcher.send = profiled
    try:
        yield
    finally:
        dispatch.Dispatcher.send = original


def statement_kind(sql: str) -> str:
    """'INSERT oc_order', 'SELECT oc_customer', 'SELECT GET_LOCK' …: the first word and what it
    touches, with parameters and literals stripped."""
    text = " ".join(sql.split())
    word = text.split(" ", 1)[0].upper()
    if word in ("INSERT", "REPLACE"):
        m = re.search(r"INTO\s+`?([\w]+)`?", text, re.I)
    elif word == "UPDATE":
        m = re.search(r"UPDATE\s+`?([\w]+)`?", text, re.I)
    elif word == "DELETE":
        m = re.search(r"FROM\s+`?([\w]+)`?", text, re.I)
    elif word == "SELECT":
        m = re.search(r"^SELECT\s+(GET_LOCK|RELEASE_LOCK|@@\w+|LAST_INSERT_ID)", text, re.I) \
            or re.search(r"FROM\s+`?([\w]+)`?", text, re.I)
    else:
        m = None
    return f"{word} {m.group(1)}" if m else word


class Statements:
    """Every statement a PyMySQL cursor runs while `active` (the writes phase), by kind."""

    def __init__(self) -> None:
        self.kinds: collections.Counter[str] = collections.Counter()
        self.active = threading.local()

    @contextmanager
    def installed(self, phases: Phases | None) -> Any:
        cursor = pymysql.cursors.Cursor
        original_execute = cursor.execute
        original_query = pymysql.connections.Connection.query
        counter = self

        def execute(cur: Any, query: Any, args: Any = None) -> Any:
            counter.count(query, phases)
            return original_execute(cur, query, args)

        def query(conn: Any, sql: Any, unbuffered: bool = False) -> Any:
            if isinstance(sql, str) and sql.split(" ", 1)[0].upper() in ("BEGIN", "COMMIT",
                                                                           "ROLLBACK"):
                counter.count(sql, phases)
            return original_query(conn, sql, unbuffered)

        def commit(conn: Any) -> Any:
            counter.count("COMMIT", phases)
            return original_commit(conn)

        def begin(conn: Any) -> Any:
            counter.count("BEGIN", phases)
            return original_begin(conn)

        original_commit = pymysql.connections.Connection.commit
        original_begin = pymysql.connections.Connection.begin
        cursor.execute = execute
        pymysql.connections.Connection.query = query
        pymysql.connections.Connection.commit = commit
        pymysql.connections.Connection.begin = begin
        try:
            yield self
        finally:
            cursor.execute = original_execute
            pymysql.connections.Connection.query = original_query
            pymysql.connections.Connection.commit = original_commit
            pymysql.connections.Connection.begin = original_begin

    def count(self, sql: Any, phases: Phases | None) -> None:
        phase = getattr(phases.current, "phase", None) if phases else "writes"
        if phase == "writes":
            self.kinds[statement_kind(sql if isinstance(sql, str) else sql.decode())] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--connector", default="opencart3", choices=sorted(FAMILIES))
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--processes", type=int, default=1,
                        help="worker processes of the send ([daemon] processes)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sink", choices=SINKS, default="aiosmtpd",
                        help="the mail server the notifications go to, in its own process: "
                             "aiosmtpd (as every figure before 2026-12-07) or lean "
                             "(bench/lean_sink.py: its CPU hardly takes from the send's)")
    parser.add_argument("--split", action="store_true", help="seconds per phase")
    parser.add_argument("--statements", action="store_true",
                        help="SQL statements per written order during the writes")
    parser.add_argument("--memory", action="store_true", help="peak RSS after the send")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU seconds of this process instead of wall-clock seconds "
                             "(also --profile's)")
    parser.add_argument("--resources", action="store_true",
                        help="wall time beside the CPU of this process, mariadbd and the SMTP sink")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile: the N functions with the highest cumulative time")
    parser.add_argument("--profile-out", metavar="PATH",
                        help="--profile's statistics also written to PATH (pstats, snakeviz)")
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative",
                        help="--profile's order: cumulative time, or time inside the function")
    args = parser.parse_args()
    server = servers.MariaDBServer(extra_args=DURABLE)
    server.start()
    smtp = SinkSMTP(args.sink)
    smtp.start()
    family = FAMILIES[args.connector]
    try:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            def shops() -> list[Shop]:
                out = []
                for _k in range(args.shops):
                    db = stack.enter_context(servers.temporary_mariadb_database(server))
                    family.create(db)
                    out.append(Shop(db))
                return out

            warm = Path(tmp) / "warm"
            generate(warm / "data", 50, args.shops, args.seed)
            send(args.connector, shops(), warm / "data", warm, smtp, args.concurrency, None,
                 processes=args.processes)
            data = Path(tmp) / "data"
            generate(data, args.orders, args.shops, args.seed)
            work = Path(tmp) / "send"
            work.mkdir()
            clock = time.process_time if args.cpu else time.perf_counter
            phases = Phases(clock) if args.split or args.statements else None
            statements = Statements() if args.statements else None
            fig = Figures(args.connector)
            # with --cpu the profile counts CPU seconds too: a wall-clock profile puts the waits
            # for the shop's replies (recv_into, poll) first, which no cut of ours shortens
            profiler = (cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()) \
                if args.profile else None
            with ExitStack() as hooks:
                if phases is not None:
                    hooks.enter_context(phases.installed())
                if statements is not None:
                    hooks.enter_context(statements.installed(phases))
                if profiler is not None:  # the send alone, not the import and build before it
                    hooks.enter_context(_profiled_send(profiler))
                cpu = hooks.enter_context(_cpu_of_send()) if args.cpu else None
                used = hooks.enter_context(resources_of_send(
                    {"mariadbd": server._proc.pid, "SMTP sink": smtp.proc.pid})) \
                    if args.resources else None
                seconds, _tables = send(args.connector, shops(), data, work, smtp,
                                        args.concurrency, fig, processes=args.processes)
                if cpu is not None:  # send() times itself in wall-clock seconds
                    seconds = cpu[0]
    finally:
        smtp.stop()
        server.stop()
    print(f"{args.connector}: {args.orders} generated orders over {args.shops} shops, "
          f"{fig.orders_written} written, {fig.held} held, {fig.supplier_orders} notified; "
          f"send {seconds:.2f} s{' CPU' if args.cpu else ''} (concurrency {args.concurrency}, "
          f"processes {args.processes})")
    if phases is not None and args.split:
        accounted = 0.0
        for phase in PHASES:
            accounted += phases.seconds[phase]
            print(f"  {phase:<14} {phases.seconds[phase]:7.2f} s  ({phases.calls[phase]} calls)")
        print(f"  {'the rest':<14} {seconds - accounted:7.2f} s")
    if statements is not None:
        written = max(1, fig.orders_written)
        total = sum(statements.kinds.values())
        print(f"  SQL statements during the writes: {total}, {total / written:.2f} per order")
        for kind, n in statements.kinds.most_common():
            print(f"    {n / written:7.2f}  {kind}")
    if used is not None:
        print(f"  wall {used['wall']:.2f} s; CPU s: " + ", ".join(
            f"{name} {used[name]:.2f}" for name in ("orderexchange", "send workers", "mariadbd",
                                                    "SMTP sink") if name in used)
            + f"; load {os.getloadavg()[0]:.1f}")
    if args.memory:
        print(f"  peak RSS {peak_rss_now():.1f} MiB")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)


if __name__ == "__main__":
    main()
