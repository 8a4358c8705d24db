"""Send time of every shipped SQL connector against two raw-SQL floors, on one durable server.

    .venv/bin/python bench/connectors.py [--orders 10000] [--shops 10] [--prefill 0[,100000,…]|none]
        [--connectors oscommerce,modified,…] [--concurrency 4] [--processes 2] [--repeat 1]
        [--sink aiosmtpd|lean] [--json PATH] [--quick]

Starts its own throwaway mariadbd configured like a production server
(`innodb_flush_log_at_trx_commit = 1`, doublewrite on, 512 MB buffer pool) and an SMTP sink in
its own process (bench/send_throughput.py's `SinkSMTP`). The orders come from the realistic
generator (tests/orderdata.py: 9 locales, EUR/CHF/GBP/PLN, mixed VAT, shared emails; no bad rows),
written to a file by a child process so that the peak RSS printed is orderexchange's. A warm-up
send (50 orders) first loads the plug-ins and compiles the templates.

Per connector (`HISTORY`: one line each), in this order on the same server, so that the
machine's load hits sends and floors alike:

1. send A: import → build → send (step 1, store, writes, one notification per supplier order
   over SMTP) into S empty shops; only the send is timed;
2. the floors, in a child process, writing exactly the rows send A left in the shops (read back
   from them) into empty copies of the tables: "plain" = one INSERT statement per row and one
   transaction per customer order; "multi" = one multi-row INSERT per table and one transaction
   per 100 orders (the physical limit);
3. per `--prefill` level: send B, the same orders into S fresh shops each pre-filled with that
   many orders (server-side INSERT … SELECT doubling of send A's rows, keys shifted, dates a
   month further back per generation: years of history), then the floors again.

Prints one row per connector: send A, each floor, the ratios the issue sets goals for (A/plain
≤ 1.3 and A/multi ≤ 2 at 10,000 orders over 10 shops; B/A ≤ 1.2 at 1,000,000 orders of history),
per level B/A and its "norm" — B/A divided by how much the floors themselves moved between the
two sends (bench/connectors_report.py: on a shared machine the load moves the figures 3x) — the
1-min load average at the connector's start and end, and its peak RSS (this process's, and
the largest of the send's worker processes, polled from /proc while it runs). With `--repeat N` each
figure is the median of N runs (fresh shops each); a second table lists every run, a third the
CPU seconds of send A (orderexchange with its workers, mariadbd, the sink) and of the multi-row
floor, and what A/multi ≤ 2 leaves orderexchange (connectors_report.cpu_budget). `--json PATH`
writes the same as JSON for scripts. Held orders (a currency or country the test shop lacks) are
counted; the floors write what the send wrote, so they do not distort the ratios. Figures only;
nothing asserts.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import pickle
import queue
import resource
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import pymysql  # noqa: E402
import servers  # noqa: E402
from connectors_report import (  # noqa: E402
    Level, Run, connector_document, cpu_table, read_connectors, runs_table, summary_table)
from send_throughput import SINKS, SinkSMTP, WorkerPeak, peak_rss_mib  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402
from test_shop_sql import shop_section  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange import dispatch  # noqa: E402
from orderexchange.config import DaemonConfig  # noqa: E402
from orderexchange.build import build  # noqa: E402
from orderexchange.connector import instantiate  # noqa: E402
from orderexchange.dispatch import Dispatcher  # noqa: E402
from orderexchange.importer import import_catalogue, import_orders  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402

#: the durable settings of a production server (later arguments win over servers.py's own)
DURABLE = ("--innodb-flush-log-at-trx-commit=1", "--innodb-doublewrite=1",
           "--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M")
@dataclass(frozen=True)
class History:
    """How a connector's shop grows with every order, for the floors and the pre-fill.

    `orders`: the table with one row per order (the floors split the written rows by it);
    `tables`: every table that grows with an order → the columns holding an order's or an
    item's key (copies get them shifted past every key in use — integers — or re-hashed —
    OXID's char keys —, so copied rows stay linked and unique; other auto-increment columns are
    left to the server); `dates`: table → the order date column, moved a month back per
    generation; `where`: table → which rows are orders (WordPress keeps products in `posts`)."""

    orders: str
    tables: dict[str, tuple[str, ...]]
    dates: dict[str, str]
    where: dict[str, str] = field(default_factory=dict)
    #: table → column → what a copy gets instead ({generation} is the copy's number): other
    #: unique columns, our reference
    fresh: dict[str, dict[str, str]] = field(default_factory=dict)
    #: run once a shop is pre-filled (derived tables that follow the orders)
    finish: tuple[str, ...] = ()


def _oscommerce() -> History:
    return History("orders", {t: ("orders_id",) for t in (
        "orders", "orders_status_history", "orders_products", "orders_total")},
        {"orders": "date_purchased"})


def _opencart() -> History:
    return History("oc_order", {f"oc_{t}": ("order_id",) for t in (
        "order", "order_product", "order_total", "order_history")}, {"oc_order": "date_added"})


def _oxid() -> History:
    return History("oxorder", {"oxorder": ("OXID", "OXORDERNR"),
                               "oxorderarticles": ("OXID", "OXORDERID")},
                   {"oxorder": "OXORDERDATE"})


def _woocommerce() -> History:
    orders = "post_type IN ('shop_order', 'shop_order_placehold')"
    return History("wp_posts", {
        "wp_posts": ("ID",), "wp_postmeta": ("post_id",), "wp_wc_orders": ("id",),
        "wp_wc_orders_meta": ("order_id",), "wp_wc_order_addresses": ("order_id",),
        "wp_wc_order_operational_data": ("order_id",),
        "wp_woocommerce_order_items": ("order_item_id", "order_id"),
        "wp_woocommerce_order_itemmeta": ("order_item_id",),
        "wp_wc_order_stats": ("order_id",),
        "wp_wc_order_product_lookup": ("order_item_id", "order_id")},
        {"wp_posts": "post_date", "wp_wc_orders": "date_created_gmt"},
        {"wp_posts": orders,
         "wp_postmeta": f"post_id IN (SELECT ID FROM wp_posts WHERE {orders})"})


#: every shipped SQL connector (tests/test_realdata_e2e.py's FAMILIES key) → how its shop
#: grows. A new connector is one line here (and its family in test_realdata_e2e.py).
HISTORY: dict[str, History] = {
    "oscommerce": _oscommerce(),
    "modified": _oscommerce(),
    "opencart3": _opencart(),  # MyISAM: the single, visible-last writes
    "opencart4": _opencart(),
    "oxid6": _oxid(),
    "oxid7": _oxid(),
    "generic_sql": History("shop_order", {"shop_order": ("id",), "shop_order_item": ("order_id",),
                                          "shop_order_sum": ("order_id",),
                                          "shop_order_log": ("order_id",)},
                           {"shop_order": "placed_at"}),
    "woocommerce_hpos": _woocommerce(),
    "woocommerce_posts": _woocommerce(),
    # invoices too: a shop's every order has one, and the next invoice number is read from them
    "prestashop": History("ps_orders", {f"ps_{t}": ("id_order",) for t in (
        "orders", "order_detail", "order_carrier", "order_history", "order_invoice")},
        {"ps_orders": "date_add", "ps_order_invoice": "date_add"}),
    "magento": History(
        "sales_order", {"sales_order": ("entity_id",), "sales_order_item": ("order_id",),
                        "sales_order_address": ("parent_id",),
                        "sales_order_payment": ("parent_id",),
                        "sales_order_status_history": ("parent_id",)},
        {"sales_order": "created_at"},
        fresh={"sales_order": {"increment_id": "CONCAT('H{generation}-', `increment_id`)",
                               "ext_order_id": "NULL"}},
        # Magento's admin list and order numbers follow its orders
        finish=(
            "INSERT IGNORE INTO sales_order_grid (entity_id, status, store_id, customer_id, "
            "grand_total, base_grand_total, increment_id, order_currency_code, "
            "base_currency_code, customer_email, customer_name, created_at, updated_at) "
            "SELECT entity_id, status, store_id, customer_id, grand_total, base_grand_total, "
            "increment_id, order_currency_code, base_currency_code, customer_email, "
            "CONCAT_WS(' ', customer_firstname, customer_lastname), created_at, updated_at "
            "FROM sales_order",
            "INSERT INTO sequence_order_1 (sequence_value) SELECT MAX(CAST(increment_id AS "
            "UNSIGNED)) FROM sales_order WHERE increment_id REGEXP '^[0-9]+$'")),
}

#: `--quick`: one connector of each kind of write path (osCommerce's own chunk, the queued rows
#: of SqlShopConnector with auto-increment ids, with OXID's char keys, with WordPress's ~18 tables)
QUICK = ("oscommerce", "opencart4", "oxid6", "generic_sql", "woocommerce_hpos")
MULTI = 100  # orders per transaction of the multi-row floor


@dataclass
class Shop:
    db: Any  # servers.MariaDBDatabase
    seed: dict[str, list[tuple]] = field(default_factory=dict)  # table → rows before the send


@dataclass
class Figures:
    family: str
    #: one per `--repeat`: send A, the floors after it, per level send B and the floors again
    runs: list[Run] = field(default_factory=list)
    orders_written: int = 0
    held: int = 0
    supplier_orders: int = 0
    prefill_seconds: dict[int, float] = field(default_factory=dict)
    peak_rss: float = 0.0
    #: the largest peak RSS of a send worker process (`--processes` > 1; 0 with threads)
    worker_peak_rss: float = 0.0
    load_start: float = 0.0  # 1-min load average (uptime's first figure) when the connector began
    load_end: float = 0.0

    def document(self) -> dict[str, Any]:
        """This connector for `--json` (and the progress line on stderr)."""
        return connector_document(
            self.family, self.runs, written=self.orders_written, held=self.held,
            supplier_orders=self.supplier_orders, peak_rss_mib=round(self.peak_rss, 1),
            worker_peak_rss_mib=round(self.worker_peak_rss, 1),
            load_start=self.load_start, load_end=self.load_end,
            prefill_seconds={str(k): v for k, v in self.prefill_seconds.items()})


def root(server: servers.MariaDBServer, database: str | None = None) -> pymysql.Connection:
    """root over TCP, as orderexchange connects (not the unix socket)."""
    return pymysql.connect(host=server.host, port=server.port, user="root", password="",
                           database=database, charset="utf8mb4", autocommit=False)


def rows_of(conn: pymysql.Connection, table: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM `{table}`")
        return list(cur.fetchall())


# --- orderexchange --------------------------------------------------------------------------
def send(family: str, shops: list[Shop], data: Path, work: Path, smtp: SinkSMTP,
         concurrency: int, fig: Figures | None, processes: int = 1) -> tuple[float, list[str]]:
    """Import, build and send the generated orders into `shops`; returns (send seconds, the
    tables the connector writes)."""
    fam = FAMILIES[family]
    suppliers = {f"s{k}": shop_section(s.db, fam.connector()) for k, s in enumerate(shops)}
    config = config_mod.from_dict({
        "distributor": {"id": "bench", "name": "Bench", "email": "bench@example.com"},
        "store": {"url": f"sqlite:///{work / 'state.sqlite'}"},
        "mail": {"transport": "smtp", "host": smtp.host, "port": smtp.port, "security": "none"},
        "daemon": {"concurrency": concurrency, "processes": processes},
        "suppliers": suppliers}, work / "config.toml")
    store = Store(config.store.url)
    try:
        import_catalogue(store, data / "catalogue.csv", set(suppliers))
        import_orders(store, data / "orders.jsonl")
        created = build(store, config).created
        with WorkerPeak() as workers:
            start = time.perf_counter()
            results = Dispatcher(config, store, PluginHost(), concurrency=concurrency,
                                 processes=processes).send(created)
            elapsed = time.perf_counter() - start
        if fig is not None:
            fig.worker_peak_rss = max(fig.worker_peak_rss, workers.peak)
            fig.orders_written = sum(r.written for r in results)
            fig.held = sum(len(r.held) for r in results)
            fig.supplier_orders = sum(1 for r in results if r.message_id)
        connector = instantiate(PluginHost().connector_types(), config.supplier("s0"))
        return elapsed, list(connector._written())
    finally:
        store.close()


# --- the floors (child process) --------------------------------------------------------------
def floor_worker(host: str, port: int, jobs: list[tuple[str, str, str, str]], mode: str,
                 out: Any, server_pid: int | None = None) -> None:
    """For each (shop database, floor database, orders table, pickled seed rows): write the rows
    the send left in the shop into empty copies of its tables; report the write seconds, and
    the CPU seconds this process and the server (`server_pid`) spent while writing."""
    total = 0.0
    cpu = {"floor": 0.0, "mariadbd": 0.0}
    for shop_db, floor_db, orders_table, seed_file in jobs:
        seed: dict[str, list[tuple]] = pickle.loads(Path(seed_file).read_bytes())
        conn = pymysql.connect(host=host, port=port, user="root", password="",
                               charset="utf8mb4", autocommit=False)
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{floor_db}`")
                cur.execute(f"CREATE DATABASE `{floor_db}`")
                new: dict[str, list[tuple]] = {}
                for table, before in seed.items():
                    cur.execute(f"CREATE TABLE `{floor_db}`.`{table}` LIKE `{shop_db}`.`{table}`")
                    old = set(before)
                    cur.execute(f"SELECT * FROM `{shop_db}`.`{table}`")
                    new[table] = [r for r in cur.fetchall() if r not in old]
            conn.commit()
            n = max(1, len(new.get(orders_table, [])))
            # each table's new rows in n consecutive groups: order i's share of every table
            groups = {t: [rows[len(rows) * i // n:len(rows) * (i + 1) // n] for i in range(n)]
                      for t, rows in new.items()}
            sql = {t: f"INSERT INTO `{floor_db}`.`{t}` VALUES ({', '.join(['%s'] * len(r[0]))})"
                   for t, r in new.items() if r}
            start, own = time.perf_counter(), time.process_time()
            server_before = cpu_seconds(server_pid) if server_pid else 0.0
            with conn.cursor() as cur:
                if mode == "plain":
                    for i in range(n):
                        for t in sql:
                            for row in groups[t][i]:
                                cur.execute(sql[t], row)
                        conn.commit()
                else:
                    for first in range(0, n, MULTI):
                        for t in sql:
                            rows = [r for i in range(first, min(n, first + MULTI))
                                    for r in groups[t][i]]
                            if rows:
                                cur.executemany(sql[t], rows)  # PyMySQL: one multi-row INSERT
                        conn.commit()
            total += time.perf_counter() - start
            cpu["floor"] += time.process_time() - own
            if server_pid:
                cpu["mariadbd"] += cpu_seconds(server_pid) - server_before
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE `{floor_db}`")
        finally:
            conn.close()
    out.put((total, cpu))


def floor(server: servers.MariaDBServer, shops: list[Shop], orders_table: str, mode: str,
          work: Path, cpu: dict[str, float] | None = None) -> float:
    """The floor's write seconds (`floor_worker`); its CPU seconds go into `cpu` when given
    ("floor": the writing process, "mariadbd": the server meanwhile)."""
    jobs = []
    for k, s in enumerate(shops):
        seed_file = work / f"seed-{s.db.database}.pickle"
        seed_file.write_bytes(pickle.dumps(s.seed))
        jobs.append((s.db.database, f"{s.db.database}_floor", orders_table, str(seed_file)))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=floor_worker, args=(server.host, server.port, jobs, mode, out,
                                                  server._proc.pid))
    proc.start()
    while True:  # a floor process that dies (e.g. the script edited under it) ends the run
        try:
            seconds, used = out.get(timeout=5)
            break
        except queue.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the floor process ended with exit code {proc.exitcode}")
    proc.join()
    if cpu is not None:
        cpu.update(used)
    return seconds


# --- history: a shop pre-filled with N orders ----------------------------------------------
def prefill(server: servers.MariaDBServer, family: str, source: Shop, target: Shop,
            orders: int) -> None:
    """Copy send A's orders of `source` into `target`, then double them with INSERT … SELECT
    (server-side multi-row copies: 1,000,000 orders in about 10 doublings) until `orders` are
    there. Every generation's keys are new (`History`) and its order dates a month further
    back — also the first copy's: history is older than the send."""
    h = HISTORY[family]
    conn = root(server, target.db.database)
    try:
        with conn.cursor() as cur:
            generation = 0
            while True:
                where = h.where.get(h.orders)
                cur.execute(f"SELECT COUNT(*) FROM `{h.orders}`" + (f" WHERE {where}" if where
                                                                    else ""))
                have = cur.fetchone()[0]
                if generation and (have >= orders or have == 0):
                    break
                generation += 1
                # the first generation copies send A's rows from `source`, later ones double
                # the target's own (the seed rows of the shop are never copied: `where`, keys)
                base = source.db.database if generation == 1 else target.db.database
                shift = 1 + max(_highest(cur, base, t, cols) for t, cols in h.tables.items())
                limit = "" if generation == 1 or orders - have >= have else \
                    f" LIMIT {orders - have}"
                for table, keys in h.tables.items():
                    cols = _columns(cur, target.db.database, table)
                    if not cols:
                        continue
                    picks = []
                    for name, extra, data_type in cols:
                        if name in h.fresh.get(table, {}):
                            picks.append((name, h.fresh[table][name].format(
                                generation=generation)))
                        elif name in keys and data_type in ("char", "varchar"):
                            picks.append((name, f"MD5(CONCAT(`{name}`, 'g{generation}'))"))
                        elif name in keys:
                            picks.append((name, f"`{name}` + {shift}"))
                        elif "auto_increment" in extra:
                            continue
                        elif h.dates.get(table) == name:
                            picks.append((name, f"`{name}` - INTERVAL {30 * generation} DAY"))
                        else:
                            picks.append((name, f"`{name}`"))
                    names = ", ".join(f"`{n}`" for n, _e in picks)
                    filt = h.where.get(table, "").replace("FROM wp_posts",
                                                          f"FROM `{base}`.wp_posts")
                    # the last, partial generation: LIMIT on the orders; their children are
                    # copied whole (rows of orders not copied only add history)
                    cur.execute(f"INSERT INTO `{table}` ({names}) SELECT "
                                f"{', '.join(e for _n, e in picks)} FROM `{base}`.`{table}`"
                                + (f" WHERE {filt}" if filt else "")
                                + (limit if table == h.orders else ""))
                    conn.commit()
            for statement in h.finish:
                cur.execute(statement)
            conn.commit()
    finally:
        conn.close()


def settle(server: servers.MariaDBServer, seconds: float = 120) -> None:
    """Let InnoDB write out the pre-fill's dirty pages before send B: a real shop's history was
    not written a moment ago, and the background flushing of ~2 GB (OXID at 1,000,000 orders)
    slowed send B and the floors after it (bench/README, "A million orders of history")."""
    conn = root(server)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT @@innodb_max_dirty_pages_pct")
            keep = cur.fetchone()[0]
            cur.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0")
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                cur.execute("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
                if int(cur.fetchone()[1]) < 50:
                    break
                time.sleep(1)
            cur.execute("SET GLOBAL innodb_max_dirty_pages_pct = %s", (keep,))
    finally:
        conn.close()


def _highest(cur: Any, database: str, table: str, keys: tuple[str, ...]) -> int:
    """The highest integer key of `table` among `keys` (0 for char keys and empty tables)."""
    best = 0
    for name, _extra, data_type in _columns(cur, database, table):
        if name in keys and data_type not in ("char", "varchar"):
            cur.execute(f"SELECT COALESCE(MAX(`{name}`), 0) FROM `{database}`.`{table}`")
            best = max(best, int(cur.fetchone()[0]))
    return best


def _columns(cur: Any, database: str, table: str) -> list[tuple[str, str, str]]:
    cur.execute("SELECT COLUMN_NAME, EXTRA, DATA_TYPE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                (database, table))
    return list(cur.fetchall())


# --- one connector ---------------------------------------------------------------------------
def reset_peak_rss() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM), so that each
    connector's figure is its own; without it the figure is the whole run's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_now() -> float:
    """VmHWM since the last `reset_peak_rss`, in MiB (else the process's ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mib()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reaped_children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def resources_of_send(pids: dict[str, int]) -> Any:
    """Wall seconds of `Dispatcher.send` and the CPU seconds each of `pids` (and this process)
    spent meanwhile, as a dict filled while the context is open: "wall", "orderexchange" (this
    process), "send workers" (`--processes` > 1) and one key per pid."""
    seen: dict[str, float] = collections.defaultdict(float)
    original = dispatch.Dispatcher.send

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        start, cpu = time.perf_counter(), time.process_time()
        workers = reaped_children_cpu()
        try:
            return original(self, *args, **kwargs)
        finally:
            seen["wall"] += time.perf_counter() - start
            seen["orderexchange"] += time.process_time() - cpu
            # the send's worker processes (`--processes`), reaped before send returns; the
            # server and the sink are children too, but still running, so not counted here
            if self.processes > 1:
                seen["send workers"] += reaped_children_cpu() - workers
            for name, pid in pids.items():
                seen[name] += cpu_seconds(pid) - before[name]
    dispatch.Dispatcher.send = timed
    try:
        yield seen
    finally:
        dispatch.Dispatcher.send = original


def send_cpu(send: dict[str, float], multi: dict[str, float]) -> dict[str, float]:
    """Run.cpu: CPU seconds of send A (orderexchange: the sender and its workers; the server;
    the SMTP sink) and of the multi-row floor after it (its process; the server)."""
    return {"send_orderexchange": send.get("orderexchange", 0.0) + send.get("send workers", 0.0),
            "send_mariadbd": send.get("mariadbd", 0.0), "send_sink": send.get("sink", 0.0),
            "multi_floor": multi.get("floor", 0.0), "multi_mariadbd": multi.get("mariadbd", 0.0)}


def load_now() -> float:
    """The 1-min load average, as `uptime` prints it first."""
    return os.getloadavg()[0]


def measure(family: str, server: servers.MariaDBServer, smtp: SinkSMTP, data: Path,
            work: Path, args: argparse.Namespace) -> Figures:
    """`--repeat` times: send A into empty shops, the floors, then per pre-fill level a send B
    into fresh shops holding that many orders, each followed by the floors again (interleaved:
    the machine's load of the moment hits sends and floors alike)."""
    fig = Figures(family, load_start=load_now())
    fam = FAMILIES[family]
    orders_table = HISTORY[family].orders
    reset_peak_rss()
    for rep in range(args.repeat):
        with ExitStack() as stack:  # each repetition's shops are dropped before the next
            def shops() -> list[Shop]:
                out = []
                for _k in range(args.shops):
                    db = stack.enter_context(servers.temporary_mariadb_database(server))
                    fam.create(db)
                    out.append(Shop(db))
                return out

            load = load_now()
            empty, twins = shops(), shops()
            (work / f"a{rep}").mkdir()
            with resources_of_send({"mariadbd": server._proc.pid, "sink": smtp.proc.pid}
                                   ) as used:
                send_a, written = send(family, empty, data, work / f"a{rep}", smtp,
                                       args.concurrency, fig, args.processes)
            # seed rows: those the freshly created twin shop holds (same schema and seed data)
            for s, twin in zip(empty, twins, strict=True):
                conn = root(server, twin.db.database)
                try:
                    s.seed = {t: rows_of(conn, t) for t in written}
                finally:
                    conn.close()
            multi_cpu: dict[str, float] = {}
            run = Run(send_a, floor(server, empty, orders_table, "plain", work),
                      floor(server, empty, orders_table, "multi", work, multi_cpu), load,
                      cpu=send_cpu(used, multi_cpu))
            for n, level in enumerate(args.levels):
                filled = twins if n == 0 else shops()
                if level:
                    start = time.perf_counter()
                    for s, twin in zip(empty, filled, strict=True):
                        prefill(server, family, s, twin, level)
                    fig.prefill_seconds[level] = time.perf_counter() - start
                    settle(server)
                (work / f"b{rep}-{level}").mkdir()
                send_b, _ = send(family, filled, data, work / f"b{rep}-{level}", smtp,
                                 args.concurrency, None, args.processes)
                run.levels[level] = Level(send_b,
                                          floor(server, empty, orders_table, "plain", work),
                                          floor(server, empty, orders_table, "multi", work))
            fig.runs.append(run)
    fig.peak_rss = peak_rss_now()
    fig.load_end = load_now()
    return fig


GENERATE = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import orderdata
shops = {shops}
# every shop gets products: the generator's eight, twice over under two SKU suffixes
products = [(sku + suffix, name, price, reduced) for suffix in ("", "-B")
            for sku, name, price, reduced in orderdata.PRODUCTS]
suppliers = {{f"s{{k}}": ["A-100" if k % 2 == 0 else "A-200"] for k in range(shops)}}
orderdata.generate({orders}, seed={seed}, bad_share=0, suppliers=suppliers,
                   products=products).write(Path({folder!r}))
"""


def generate(folder: Path, orders: int, shops: int, seed: int) -> None:
    """tests/orderdata.py's realistic orders (no bad rows), in a child process: its lists never
    count towards our RSS."""
    code = GENERATE.format(tests=str(ROOT / "tests"), shops=shops, orders=orders, seed=seed,
                           folder=str(folder))
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)


def commit() -> str:
    """The commit measured (short hash; "+changes" when tracked files differ from it)."""
    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                              check=False).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--prefill", default="0",
                        help="orders already in each shop of send B, one send B per value "
                             "(e.g. 0,100000,1000000); 'none': no send B (only A and the floors)")
    parser.add_argument("--connectors", default=",".join(HISTORY),
                        help=f"comma-separated, of {', '.join(HISTORY)}")
    # what a user's send runs with: the `[daemon]` defaults (before 2026-12-07 this script
    # sent with concurrency 2 and one process: see bench/README for which figures used what)
    daemon = DaemonConfig()
    parser.add_argument("--concurrency", type=int, default=daemon.concurrency,
                        help="suppliers sent to in parallel ([daemon] concurrency, "
                             "default: its default)")
    parser.add_argument("--processes", type=int, default=daemon.processes,
                        help="worker processes of each send ([daemon] processes, "
                             "default: its default)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sink", choices=SINKS, default="aiosmtpd",
                        help="the mail server the notifications go to, in its own process: "
                             "aiosmtpd (as every figure before 2026-12-07) or lean "
                             "(bench/lean_sink.py: its CPU hardly takes from the send's)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="repetitions per connector (fresh shops each); the table gives "
                             "medians, the per-run table each repetition")
    parser.add_argument("--json", metavar="PATH",
                        help="also write every figure as JSON to PATH ('-': to stdout, "
                             "instead of the tables)")
    parser.add_argument("--tables", metavar="PATH",
                        help="measure nothing: print the tables of a --json file, or of the "
                             "progress lines a run printed on stderr (a run stopped half-way)")
    parser.add_argument("--quick", action="store_true",
                        help=f"the re-run in a few minutes: --orders 1000 --shops 10 "
                             f"--connectors {','.join(QUICK)} (other options still apply)")
    args = parser.parse_args(argv)
    if args.quick:
        args.orders, args.shops, args.connectors = 1000, 10, ",".join(QUICK)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.prefill.strip().lower() == "none":
        args.levels = []
    else:
        args.levels = [int(x) for x in args.prefill.split(",") if x.strip()] or [0]
    args.families = [f.strip() for f in args.connectors.split(",") if f.strip()]
    unknown = [f for f in args.families if f not in HISTORY or f not in FAMILIES]
    if unknown:
        parser.error(f"unknown connector(s) {', '.join(unknown)}; known: {', '.join(HISTORY)}")
    return args


def print_tables(connectors: list[dict[str, Any]], levels: list[int], cores: int) -> None:
    print(summary_table(connectors, levels))
    print()
    print("Each run:")
    print()
    print(runs_table(connectors, levels))
    if any(r.get("cpu") for c in connectors for r in c["runs"]):
        print()
        print("CPU seconds of send A and of the multi-row floor (medians of the runs):")
        print()
        print(cpu_table(connectors, cores))


def main() -> None:
    args = parse()
    if args.tables:
        facts, done = read_connectors(Path(args.tables).read_text(encoding="utf-8"))
        if facts:
            print(" ".join(f"{k}={v}" for k, v in facts.items() if k != "levels"))
        levels = facts.get("levels") or sorted(
            {int(n) for c in done for n in c["summary"]["levels"]})
        print_tables(done, levels, int(facts.get("cores") or os.cpu_count() or 1))
        return
    families = args.families
    # stopped from outside: still stop the servers this run started (the `finally` below)
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    doc: dict[str, Any] = {
        "commit": commit(), "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join(sys.argv[1:]), "orders": args.orders, "shops": args.shops,
        "levels": args.levels, "repeat": args.repeat, "concurrency": args.concurrency,
        "processes": args.processes, "sink": args.sink, "cores": os.cpu_count() or 1,
        "load_start": load_now()}
    server = servers.MariaDBServer(extra_args=DURABLE)
    server.start()
    smtp = SinkSMTP(args.sink)
    smtp.start()
    figures: list[Figures] = []
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            generate(data, args.orders, args.shops, args.seed)
            # the process's first send loads the plug-ins and compiles the templates: done
            # once before the figures, so that the first connector's send A is like the others
            warm = Path(tmp) / "warm"
            generate(warm / "data", 50, args.shops, args.seed)
            with ExitStack() as stack:
                shops = []
                for _k in range(args.shops):
                    db = stack.enter_context(servers.temporary_mariadb_database(server))
                    FAMILIES[families[0]].create(db)
                    shops.append(Shop(db))
                send(families[0], shops, warm / "data", warm, smtp, args.concurrency, None,
                     args.processes)
            for family in families:
                work = Path(tmp) / family
                work.mkdir()
                figures.append(measure(family, server, smtp, data, work, args))
                # progress: a run stopped half-way still leaves the connectors done so far
                print(json.dumps(figures[-1].document()), file=sys.stderr, flush=True)
    finally:
        smtp.stop()
        server.stop()
    doc.update(mariadb=server.version, seconds=round(time.perf_counter() - started),
               load_end=load_now(), peak_rss_mib=round(peak_rss_mib(), 1),
               connectors=[f.document() for f in figures])
    if args.json:
        text = json.dumps(doc, indent=1)
        if args.json == "-":
            print(text)
            return
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(f"{args.orders} generated orders over {args.shops} shops, commit {doc['commit']}, "
          f"started {doc['started']}, MariaDB {server.version} (flush_log_at_trx_commit=1, "
          f"doublewrite), send concurrency {args.concurrency}, processes {args.processes}, "
          f"SMTP sink {args.sink}, "
          f"{args.repeat} run(s) per "
          f"connector (medians); send B into shops pre-filled with "
          f"{', '.join(map(str, args.levels)) or '(none)'} orders each; {doc['seconds']} s in "
          f"all, load {doc['load_start']:.1f} → {doc['load_end']:.1f}")
    print()
    print_tables(doc["connectors"], args.levels, doc["cores"])
    print()
    print(f"peak RSS of the whole run: {doc['peak_rss_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
