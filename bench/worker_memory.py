"""Peak RSS of a send's worker processes, with and without orderexchange/memory.py's settings.

    .venv/bin/python bench/worker_memory.py [--orders 40000] [--shops 10] [--connector oscommerce]
        [--runs 2]

A send worker is a fork of the sending process: it starts with every page resident there (the
import's leftovers included) and grows by what it makes while it sends. This script imports and
builds tests/orderdata.py's realistic orders (as bench/connectors.py does: a throwaway mariadbd,
the SMTP sink in its own process, a SQLite store), then sends them with two worker processes
(concurrency 4, the defaults' shape) and prints, per run, the sending process's RSS just before
the send, the largest worker's peak RSS (polled from /proc) and the send's seconds — alternately
as shipped ("tuned") and with `memory.tune` / `memory.give_back` made no-ops ("untuned", glibc's
defaults). The data file is kept in --data between runs. Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import connectors as bench  # noqa: E402
from send_throughput import WorkerPeak  # noqa: E402

from orderexchange import memory  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one_send(family: str, shops: int, data: Path, server, smtp) -> tuple[float, float, float]:
    """(sender RSS before the send, largest worker peak, send seconds), fresh shops and store."""
    fam = bench.FAMILIES[family]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        suppliers = {}
        for k in range(shops):
            db = stack.enter_context(bench.servers.temporary_mariadb_database(server))
            fam.create(db)
            suppliers[f"s{k}"] = bench.shop_section(db, fam.connector())
        config = bench.config_mod.from_dict({
            "distributor": {"id": "bench", "name": "Bench", "email": "bench@example.com"},
            "store": {"url": f"sqlite:///{tmp}/state.sqlite"},
            "mail": {"transport": "smtp", "host": smtp.host, "port": smtp.port,
                     "security": "none"},
            "daemon": {"concurrency": 4, "processes": 2}, "suppliers": suppliers},
            Path(tmp) / "config.toml")
        store = bench.Store(config.store.url)
        try:
            bench.import_catalogue(store, data / "catalogue.csv", set(suppliers))
            bench.import_orders(store, data / "orders.jsonl")
            created = bench.build(store, config).created
            before = rss_mib()
            with WorkerPeak() as workers:
                start = time.perf_counter()
                bench.Dispatcher(config, store, bench.PluginHost(), concurrency=4,
                                 processes=2).send(created)
                seconds = time.perf_counter() - start
        finally:
            store.close()
    return before, workers.peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=40000)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--connector", default="oscommerce", choices=sorted(bench.FAMILIES))
    parser.add_argument("--runs", type=int, default=2, help="runs of each way, alternating")
    parser.add_argument("--data", help="folder for the generated orders (kept)")
    args = parser.parse_args()
    data = Path(args.data or f"/tmp/ox-worker-memory-{args.orders}x{args.shops}")
    if not (data / "orders.jsonl").exists():
        bench.generate(data, args.orders, args.shops, seed=7)
    tune, give_back = memory.tune, memory.give_back
    server = bench.servers.MariaDBServer()
    server.start()
    smtp = bench.SinkSMTP("lean")
    smtp.start()
    rows: dict[str, list[tuple[float, float, float]]] = {"untuned": [], "tuned": []}
    try:
        for _run in range(args.runs):
            for way in rows:
                # glibc's settings cannot be undone in a process: each way in a fresh child
                rows[way].append(_in_child(way, args, data, server, smtp, tune, give_back))
    finally:
        smtp.stop()
        server.stop()
    print(f"{args.orders} generated orders over {args.shops} {args.connector} shops, two send "
          f"workers (concurrency 4), commit {bench.commit()}, load now {bench.load_now():.1f}")
    print()
    print("| way | sender before the send MiB | largest worker peak MiB | send s |")
    print("|---|---|---|---|")
    for way, runs in rows.items():
        for before, peak, seconds in runs:
            print(f"| {way} | {before:.1f} | {peak:.1f} | {seconds:.1f} |")
    for way, runs in rows.items():
        print(f"median worker peak, {way}: {statistics.median(r[1] for r in runs):.1f} MiB")


def _in_child(way, args, data, server, smtp, tune, give_back) -> tuple[float, float, float]:
    """One send in a forked child, so that each starts from glibc's defaults (a fork of this
    process, which has not sent anything and so never tuned)."""
    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe(duplex=False)

    def child() -> None:
        if way == "untuned":
            memory.tune = lambda: False
            memory.give_back = lambda: None
        there.send(one_send(args.connector, args.shops, data, server, smtp))

    proc = ctx.Process(target=child)
    proc.start()
    result = here.recv()
    proc.join()
    memory.tune, memory.give_back = tune, give_back
    return result


if __name__ == "__main__":
    main()
