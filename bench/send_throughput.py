"""Send throughput into real MariaDB osCommerce shops, against a raw-SQL floor.

    .venv/bin/python bench/send_throughput.py [--orders 10000] [--lines 3] [--shops 10]
                                              [--connector oscommerce|woocommerce] [--memory]
                                              [--processes 1] [--concurrency 2]
                                              [--via dispatcher|daemon]

Starts a throwaway mariadbd (tests/servers.py) and an SMTP sink on loopback (aiosmtpd, in its
own process), creates S shops of the chosen connector (table prefixes in one database; WooCommerce: HPOS, as a
new shop has it) plus one osCommerce shop for the floor, then:
- orderexchange: import → build → send (checks, state store, writes, one notification per
  supplier order over SMTP), timed for the send step, which is what a distributor waits for;
  half the customers already exist in the shops, half are new;
- floor: the same order rows inserted with hand-written pymysql statements, one transaction per
  customer order, no checks, no look-ups.
Prints orders/s for both, their ratio, and the process's peak RSS. Figures only; nothing asserts.

`--memory`: while sending, a line each time a tenth of the supplier orders is done — the
process's current RSS (does what a send keeps grow with its size?), its peak and the rate since
the line before (does a supplier order cost more as the shops and the store fill?) — and at the end
the steps during which the peak rose, by how much (which step's transient memory sets the peak).
Costs nothing measurable: it reads /proc and getrusage at each step.

`--via daemon`: the send as the daemon's send job makes it (`Daemon.send_claimed`: claims
from the state store, released afterwards) instead of one `Dispatcher.send` of every supplier
order — what a distributor who runs the daemon waits for.

`--processes N`: the send's worker processes (`[daemon] processes`); their largest peak RSS is
printed beside this process's (read from /proc while they run: they share the sender's pages
until they write to them, so the machine holds less than the sum).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import servers  # noqa: E402
from helpers import create_oscommerce_schema, sample_order  # noqa: E402
from test_shop_sql import load_schema  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange.build import build  # noqa: E402
from orderexchange.daemon import Daemon  # noqa: E402
from orderexchange.dispatch import Dispatcher  # noqa: E402
from orderexchange.importer import import_catalogue, import_orders  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.queue import Heartbeat  # noqa: E402
from orderexchange.store import Store  # noqa: E402


def orders(n: int, lines: int, shops: int) -> Iterator[dict]:
    """Half known (Anna, seeded in every shop), half new customers; order i goes to shop i % S.
    Generated on the fly (twice: for the send and for the floor), so the peak RSS printed is
    orderexchange's, not the benchmark's own list of orders."""
    for i in range(n):
        known = i % 2 == 0
        yield (sample_order(
            str(10000 + i), email="anna.schmidt@example.com" if known else f"c{i}@example.com",
            first="Anna" if known else "Kim", last="Schmidt" if known else f"Kunde{i}",
            lines=[{"sku": f"P{i % shops}-{j % 2}", "name": "x", "quantity": 1 + j, "unit_price": "9.90",
                    "tax_rate": "19"} for j in range(lines)]))


#: the sinks a benchmark can send to (`--sink`): "aiosmtpd" (the default, as all figures in
#: bench/README before 2026-12-07) or "lean" (bench/lean_sink.py: a few ms of CPU per message)
SINKS = ("aiosmtpd", "lean")


class SinkSMTP:
    """A mail server in its own process, discarding what it gets: the mail server is another
    process in real life, so its work must not share this process's interpreter (and GIL) with
    the send being measured. `kind` "lean": bench/lean_sink.py, whose CPU hardly takes from
    the send's on a 2-core machine (aiosmtpd's does: ~45 ms per 1.2 MB notification)."""

    def __init__(self, kind: str = "aiosmtpd") -> None:
        if kind not in SINKS:
            raise ValueError(f"unknown sink {kind!r}")
        self.kind = kind
        self.host = "127.0.0.1"
        self.port = servers.free_port(self.host)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        command = ([sys.executable, str(Path(__file__).with_name("lean_sink.py")), self.host,
                    str(self.port)] if self.kind == "lean" else
                   [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                    "-l", f"{self.host}:{self.port}"])
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


NOTIFIED = 0


def create_shop(url: str, connector: str, prefix: str) -> None:
    if connector == "woocommerce":
        load_schema(url, "woocommerce_mysql.sql", prefix=prefix)
    else:
        create_oscommerce_schema(url, prefix=prefix)


def run_orderexchange(db, work: Path, data: Iterable[dict], shops: int, smtp,
                      connector: str = "oscommerce", processes: int = 1,
                      concurrency: int = 2, via: str = "dispatcher") -> float:
    url = f"mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}"
    suppliers = {f"s{k}": {"name": f"Shop {k}", "email": f"s{k}@example.com",
                           "database": {"url": url, "password": db.password},
                           "connector": {"type": connector, "table_prefix": f"s{k}_"}}
                 for k in range(shops)}
    config = config_mod.from_dict({
        "distributor": {"id": "bench", "name": "Bench", "email": "bench@example.com"},
        "store": {"url": f"sqlite:///{work / 'state.sqlite'}"},
        "mail": {"transport": "smtp", "host": smtp.host, "port": smtp.port, "security": "none"},
        "daemon": {"concurrency": concurrency, "processes": processes},
        "suppliers": suppliers})
    store = Store(config.store.url)
    with (work / "orders.jsonl").open("w") as out:
        for o in data:
            out.write(json.dumps(o) + "\n")
    rows = ["sku,supplier,supplier_sku,purchase_price"]
    rows += [f"P{k}-0,s{k},A-100,7.20" for k in range(shops)]
    rows += [f"P{k}-1,s{k},A-200,10.80" for k in range(shops)]
    (work / "cat.csv").write_text("\n".join(rows) + "\n")
    import_catalogue(store, work / "cat.csv", set(suppliers))
    import_orders(store, work / "orders.jsonl")
    created = build(store, config).created
    global MEMORY
    if MEMORY is not None:
        MEMORY = MemoryTrace(len(created))
    global RSS_BEFORE_SEND
    RSS_BEFORE_SEND = peak_rss_mib()
    start = time.perf_counter()
    global NOTIFIED
    with WorkerPeak() as workers:
        if via == "daemon":
            NOTIFIED = send_as_daemon(config, store, len(created))
        else:
            results = Dispatcher(config, store, PluginHost(),
                                 progress=MEMORY.step if MEMORY else None,
                                 concurrency=config.daemon.concurrency,
                                 processes=config.daemon.processes).send(created)
            assert all(r.ok for r in results), [r.error for r in results]
            NOTIFIED = sum(1 for r in results if r.message_id)
    elapsed = time.perf_counter() - start
    global WORKER_PEAK
    WORKER_PEAK = workers.peak
    return elapsed


def send_as_daemon(config, store: Store, expected: int) -> int:
    """The daemon's send job once, with its heartbeat renewing the claims, as `run --once`
    sends (without its fetch, build and digest jobs, which the bench does itself)."""
    daemon = Daemon(config, store, PluginHost())
    daemon.queue.heartbeat()
    try:
        with Heartbeat(daemon.queue):
            sent = daemon.send_claimed()
    finally:
        daemon.queue.stop()
    assert sent == expected, f"the daemon sent {sent} of {expected} supplier orders"
    return sent


RSS_BEFORE_SEND = 0.0
WORKER_PEAK = 0.0


class WorkerPeak(threading.Thread):
    """The largest VmHWM (peak RSS) of this process's send workers, polled from /proc four
    times a second while the send runs (a worker's own figure is gone once it is reaped)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self._done = threading.Event()
        self._me = str(os.getpid())

    def _children(self) -> dict[str, Path]:
        out = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if stat.read_text().rsplit(")", 1)[1].split()[1] == self._me:
                    out[stat.parent.name] = stat.parent
            except OSError:
                continue
        return out

    def run(self) -> None:
        while not self._done.wait(0.25):
            for pid, proc in self._children().items():
                if pid in self._before:  # the SMTP sink, the server: not the send's
                    continue
                try:
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak = max(self.peak, int(line.split()[1]) / 1024)

    def __enter__(self) -> WorkerPeak:
        self._before = set(self._children())
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self.join()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """Resident now (Linux: /proc/self/statm), unlike the peak, which never falls."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class MemoryTrace:
    """`--memory`: the Dispatcher's progress callback. Called after every step from the supplier
    threads, it charges each rise of the peak RSS to the step that just ended (the rise happened
    between the previous step of any thread and this one) and prints the current RSS as the
    send goes on."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.peak = peak_rss_mib()
        self.rises: dict[str, float] = {}
        self.lock = threading.Lock()
        self.start = self.last = time.perf_counter()
        self.last_done = 0

    def step(self, _so_id: int, step: str) -> None:
        with self.lock:
            peak = peak_rss_mib()
            if peak > self.peak:
                self.rises[step] = self.rises.get(step, 0.0) + peak - self.peak
                self.peak = peak
            if step in ("notified", "skipped") or step.endswith("failed"):
                self.done += 1
                if self.done % max(1, self.total // 10) == 0 or self.done == self.total:
                    now = time.perf_counter()
                    rate = (self.done - self.last_done) / max(now - self.last, 1e-9)
                    self.last, self.last_done = now, self.done
                    print(f"  {self.done:6d}/{self.total} supplier orders: RSS "
                          f"{current_rss_mib():6.1f} MiB now, peak {peak:6.1f} MiB; "
                          f"{now - self.start:7.1f} s, {rate:5.2f} supplier orders/s since "
                          "the last line", flush=True)

    def report(self) -> None:
        print("peak RSS rises during the send, by the step that ended them: " + (", ".join(
            f"{step} +{mib:.1f} MiB" for step, mib in
            sorted(self.rises.items(), key=lambda kv: -kv[1])) or "none"))


MEMORY: MemoryTrace | None = None


def run_baseline(db, data: Iterable[dict]) -> float:
    conn = db.connect()
    cur = conn.cursor()
    start = time.perf_counter()
    for o in data:
        b = o["billing"]
        addr = (f"{b['first_name']} {b['last_name']}", b["street"], b["city"], b["postcode"],
                "Germany", 5)
        cur.execute(
            "INSERT INTO orders (customers_id, customers_name, customers_street_address, "
            "customers_city, customers_postcode, customers_country, customers_address_format_id, "
            "customers_telephone, customers_email_address, delivery_name, "
            "delivery_street_address, delivery_city, delivery_postcode, delivery_country, "
            "delivery_address_format_id, billing_name, billing_street_address, billing_city, "
            "billing_postcode, billing_country, billing_address_format_id, payment_method, "
            "date_purchased, orders_status, currency, currency_value) VALUES "
            "(1, %s,%s,%s,%s,%s,%s, '', %s, %s,%s,%s,%s,%s,%s, %s,%s,%s,%s,%s,%s, 'x', NOW(), 1, "
            "'EUR', 1)", (*addr, o["customer"]["email"], *addr, *addr))
        oid = cur.lastrowid
        cur.executemany(
            "INSERT INTO orders_products (orders_id, products_id, products_model, products_name, "
            "products_price, final_price, products_tax, products_quantity) "
            "VALUES (%s, 1, 'A-100', 'x', 7.2, 7.2, 19, %s)",
            [(oid, ln["quantity"]) for ln in o["lines"]])
        cur.executemany(
            "INSERT INTO orders_total (orders_id, title, text, value, class, sort_order) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(oid, t, "1", 1, c, i) for i, (t, c) in enumerate(
                [("Sub-Total:", "ot_subtotal"), ("Shipping:", "ot_shipping"),
                 ("Tax:", "ot_tax"), ("Total:", "ot_total")])])
        cur.execute("INSERT INTO orders_status_history (orders_id, orders_status_id, date_added, "
                    "customer_notified, comments) VALUES (%s, 1, NOW(), 0, 'x')", (oid,))
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--connector", choices=["oscommerce", "woocommerce"],
                        default="oscommerce")
    parser.add_argument("--memory", action="store_true",
                        help="print RSS as the send goes on and which steps raised its peak")
    parser.add_argument("--processes", type=int, default=1,
                        help="worker processes of the send ([daemon] processes)")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="suppliers in flight ([daemon] concurrency)")
    parser.add_argument("--via", choices=["dispatcher", "daemon"], default="dispatcher",
                        help="send with one Dispatcher.send (as `send`) or as the daemon's job")
    args = parser.parse_args()
    global MEMORY
    if args.memory:
        MEMORY = MemoryTrace(0)  # replaced once the build says how many supplier orders
    server = servers.MariaDBServer()
    server.start()
    smtp = SinkSMTP()
    smtp.start()
    try:
        with servers.temporary_mariadb_database(server) as db_ox, \
                servers.temporary_mariadb_database(server) as db_raw, \
                tempfile.TemporaryDirectory() as tmp:
            for k in range(args.shops):
                create_shop(db_ox.url, args.connector, f"s{k}_")
            create_oscommerce_schema(db_raw.url)
            ox = run_orderexchange(db_ox, Path(tmp), orders(args.orders, args.lines, args.shops),
                                   args.shops, smtp, args.connector, args.processes,
                                   args.concurrency, args.via)
            raw = run_baseline(db_raw, orders(args.orders, args.lines, args.shops))
    finally:
        smtp.stop()
        server.stop()
    rss_mib = peak_rss_mib()
    print(f"orders: {args.orders} × {args.lines} lines to {args.shops} {args.connector} shops, "
          f"MariaDB {server.version}, {NOTIFIED} notifications over SMTP")
    print(f"orderexchange send (check + write + notify): {args.orders / ox:8.1f} orders/s "
          f"({ox:.2f} s)")
    print(f"raw pymysql osCommerce rows (write only):    {args.orders / raw:8.1f} orders/s "
          f"({raw:.2f} s)")
    print(f"ratio orderexchange / baseline:              {raw / ox:8.2f}")
    print(f"peak RSS after import + build:               {RSS_BEFORE_SEND:8.1f} MiB")
    print(f"peak RSS (whole run):                        {rss_mib:8.1f} MiB")
    if args.processes > 1:
        print(f"largest peak RSS of a send worker:           {WORKER_PEAK:8.1f} MiB "
              f"({args.processes} workers)")
    if MEMORY is not None:
        MEMORY.report()


if __name__ == "__main__":
    main()
