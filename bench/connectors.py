"""Send time of every shipped SQL connector against two raw-SQL floors, on one durable server.

    .venv/bin/python bench/connectors.py [--orders 10000] [--shops 10] [--prefill 0]
        [--connectors oscommerce,modified,opencart4,oxid6,generic_sql] [--concurrency 2]

Starts its own throwaway mariadbd configured like a production server
(`innodb_flush_log_at_trx_commit = 1`, doublewrite on, 512 MB buffer pool) and an SMTP sink in
its own process (bench/send_throughput.py's `SinkSMTP`). The orders come from the realistic
generator (tests/orderdata.py: 9 locales, EUR/CHF/GBP/PLN, mixed VAT, shared emails; no bad rows),
written to a file by a child process so that the peak RSS printed is orderexchange's.

Per connector, in this order on the same server (so that the machine's load hits both alike):

1. send A: import → build → send (step 1, store, writes, one notification per supplier order
   over SMTP) into S empty shops; only the send is timed;
2. the floors, in a child process, writing exactly the rows send A left in the shops (read back
   from them) into empty copies of the tables: "plain" = one INSERT statement per row and one
   transaction per customer order; "multi" = one multi-row INSERT per table and one transaction
   per 100 orders (the physical limit);
3. send B: the same into S other shops, each pre-filled with `--prefill` orders (multi-row
   INSERT … SELECT doubling of send A's rows, order dates spread back over the years: history);
4. the floors again.

Prints one row per connector: both sends, each floor (mean of its two runs), the ratios the issue
sets goals for, and the peak RSS. Held orders (a currency or country the test shop lacks) are
counted; the floors write what the send wrote, so they do not distort the ratios. Figures only;
nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import pymysql  # noqa: E402
import servers  # noqa: E402
from send_throughput import SinkSMTP, peak_rss_mib  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402
from test_shop_sql import shop_section  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange.build import build  # noqa: E402
from orderexchange.connector import instantiate  # noqa: E402
from orderexchange.dispatch import Dispatcher  # noqa: E402
from orderexchange.importer import import_catalogue, import_orders  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402

#: the durable settings of a production server (later arguments win over servers.py's own)
DURABLE = ("--innodb-flush-log-at-trx-commit=1", "--innodb-doublewrite=1",
           "--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M")
#: family → (orders table, its date column, the tables that grow with every order)
HISTORY = {
    "oscommerce": ("orders", "date_purchased",
                   ("orders_status_history", "orders_products", "orders_total")),
    "modified": ("orders", "date_purchased",
                 ("orders_status_history", "orders_products", "orders_total")),
    "opencart4": ("oc_order", "date_added", ("oc_order_product", "oc_order_total",
                                             "oc_order_history")),
    "oxid6": ("oxorder", "OXORDERDATE", ("oxorderarticles",)),
    "generic_sql": ("shop_order", "ordered_at", ("shop_order_item", "shop_order_sum")),
    "prestashop": ("ps_orders", "date_add", ("ps_order_detail", "ps_order_carrier",
                                             "ps_order_history")),
    "magento": ("sales_order", "created_at", ("sales_order_item", "sales_order_address",
                                              "sales_order_payment", "sales_order_status_history")),
}
#: columns a copied history order must not share with its original (unique keys, our reference)
FRESH = {"magento": {"increment_id": "CONCAT('H{generation}-', `increment_id`)",
                     "ext_order_id": "NULL"}}
#: run once a shop is pre-filled: Magento's admin list and order numbers follow its orders
FINISH = {"magento": (
    "INSERT IGNORE INTO sales_order_grid (entity_id, status, store_id, customer_id, grand_total, "
    "base_grand_total, increment_id, order_currency_code, base_currency_code, customer_email, "
    "customer_name, created_at, updated_at) SELECT entity_id, status, store_id, customer_id, "
    "grand_total, base_grand_total, increment_id, order_currency_code, base_currency_code, "
    "customer_email, CONCAT_WS(' ', customer_firstname, customer_lastname), created_at, "
    "updated_at FROM sales_order",
    "INSERT INTO sequence_order_1 (sequence_value) SELECT MAX(CAST(increment_id AS UNSIGNED)) "
    "FROM sales_order WHERE increment_id REGEXP '^[0-9]+$'")}
MULTI = 100  # orders per transaction of the multi-row floor


@dataclass
class Shop:
    db: Any  # servers.MariaDBDatabase
    seed: dict[str, list[tuple]] = field(default_factory=dict)  # table → rows before the send


@dataclass
class Figures:
    family: str
    send_empty: float = 0.0
    send_filled: float = 0.0
    plain: list[float] = field(default_factory=list)
    multi: list[float] = field(default_factory=list)
    orders_written: int = 0
    held: int = 0
    supplier_orders: int = 0
    prefill_seconds: float = 0.0


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
         concurrency: int, fig: Figures | None) -> tuple[float, list[str]]:
    """Import, build and send the generated orders into `shops`; returns (send seconds, the
    tables the connector writes)."""
    fam = FAMILIES[family]
    suppliers = {f"s{k}": shop_section(s.db, fam.connector()) for k, s in enumerate(shops)}
    config = config_mod.from_dict({
        "distributor": {"id": "bench", "name": "Bench", "email": "bench@example.com"},
        "store": {"url": f"sqlite:///{work / 'state.sqlite'}"},
        "mail": {"transport": "smtp", "host": smtp.host, "port": smtp.port, "security": "none"},
        "daemon": {"concurrency": concurrency},
        "suppliers": suppliers}, work / "config.toml")
    store = Store(config.store.url)
    try:
        import_catalogue(store, data / "catalogue.csv", set(suppliers))
        import_orders(store, data / "orders.jsonl")
        created = build(store, config).created
        start = time.perf_counter()
        results = Dispatcher(config, store, PluginHost(), concurrency=concurrency).send(created)
        elapsed = time.perf_counter() - start
        if fig is not None:
            fig.orders_written = sum(r.written for r in results)
            fig.held = sum(len(r.held) for r in results)
            fig.supplier_orders = sum(1 for r in results if r.message_id)
        connector = instantiate(PluginHost().connector_types(), config.supplier("s0"))
        return elapsed, list(connector._written())
    finally:
        store.close()


# --- the floors (child process) --------------------------------------------------------------
def floor_worker(host: str, port: int, jobs: list[tuple[str, str, str, str]], mode: str,
                 out: Any) -> None:
    """For each (shop database, floor database, orders table, pickled seed rows): write the rows
    the send left in the shop into empty copies of its tables; report the write seconds."""
    total = 0.0
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
            start = time.perf_counter()
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
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE `{floor_db}`")
        finally:
            conn.close()
    out.put(total)


def floor(server: servers.MariaDBServer, shops: list[Shop], orders_table: str, mode: str,
          work: Path) -> float:
    jobs = []
    for k, s in enumerate(shops):
        seed_file = work / f"seed-{s.db.database}.pickle"
        seed_file.write_bytes(pickle.dumps(s.seed))
        jobs.append((s.db.database, f"{s.db.database}_floor", orders_table, str(seed_file)))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=floor_worker, args=(server.host, server.port, jobs, mode, out))
    proc.start()
    seconds = out.get()
    proc.join()
    return seconds


# --- history: a shop pre-filled with N orders ----------------------------------------------
def prefill(server: servers.MariaDBServer, family: str, source: Shop, target: Shop,
            orders: int) -> None:
    """Copy send A's orders of `source` into `target`, then double them with INSERT … SELECT
    (new keys, each generation's order dates a month further back) until `orders` are there."""
    orders_table, date_column, children = HISTORY[family]
    conn = root(server, target.db.database)
    try:
        with conn.cursor() as cur:
            for table in (orders_table, *children):
                cur.execute(f"INSERT IGNORE INTO `{table}` SELECT * FROM "
                            f"`{source.db.database}`.`{table}`")
            conn.commit()
            generation = 0
            while True:
                cur.execute(f"SELECT COUNT(*) FROM `{orders_table}`")
                have = cur.fetchone()[0]
                if have >= orders or have == 0:
                    break
                generation += 1
                limit = f" LIMIT {orders - have}" if orders - have < have else ""
                for table in (orders_table, *children):
                    cols = _columns(cur, target.db.database, table)
                    picks = []
                    for name, extra, key, data_type in cols:
                        if "auto_increment" in extra:
                            continue
                        if key == "PRI" and data_type in ("char", "varchar"):
                            picks.append((name, "REPLACE(UUID(), '-', '')"))
                        elif table == orders_table and name in FRESH.get(family, {}):
                            picks.append((name, FRESH[family][name].format(
                                generation=generation)))
                        elif table == orders_table and name == date_column:
                            picks.append((name, f"`{name}` - INTERVAL {30 * generation} DAY"))
                        else:
                            picks.append((name, f"`{name}`"))
                    names = ", ".join(f"`{n}`" for n, _e in picks)
                    cur.execute(f"INSERT INTO `{table}` ({names}) SELECT "
                                f"{', '.join(e for _n, e in picks)} FROM `{table}`"
                                + (limit if table == orders_table else ""))
                    conn.commit()
            for statement in FINISH.get(family, ()):
                cur.execute(statement)
            conn.commit()
    finally:
        conn.close()


def _columns(cur: Any, database: str, table: str) -> list[tuple[str, str, str, str]]:
    cur.execute("SELECT COLUMN_NAME, EXTRA, COLUMN_KEY, DATA_TYPE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                (database, table))
    return list(cur.fetchall())


# --- one connector ---------------------------------------------------------------------------
def measure(family: str, server: servers.MariaDBServer, smtp: SinkSMTP, data: Path,
            work: Path, args: argparse.Namespace) -> Figures:
    fig = Figures(family)
    fam = FAMILIES[family]
    orders_table = HISTORY[family][0]
    with ExitStack() as stack:
        def shops() -> list[Shop]:
            out = []
            for _k in range(args.shops):
                db = stack.enter_context(servers.temporary_mariadb_database(server))
                fam.create(db)
                out.append(Shop(db))
            return out

        empty, filled = shops(), shops()
        # the tables the connector writes, and their rows before the send (the seed)
        (work / "a").mkdir()
        fig.send_empty, written = send(family, empty, data, work / "a", smtp, args.concurrency,
                                       fig)
        # seed rows: those the freshly created twin shop holds (same schema and seed data)
        for s, twin in zip(empty, filled, strict=True):
            conn = root(server, twin.db.database)
            try:
                s.seed = {t: rows_of(conn, t) for t in written}
            finally:
                conn.close()
        fig.plain.append(floor(server, empty, orders_table, "plain", work))
        fig.multi.append(floor(server, empty, orders_table, "multi", work))
        if args.prefill:
            start = time.perf_counter()
            for s, twin in zip(empty, filled, strict=True):
                prefill(server, family, s, twin, args.prefill)
            fig.prefill_seconds = time.perf_counter() - start
        (work / "b").mkdir()
        fig.send_filled, _ = send(family, filled, data, work / "b", smtp, args.concurrency, None)
        fig.plain.append(floor(server, empty, orders_table, "plain", work))
        fig.multi.append(floor(server, empty, orders_table, "multi", work))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--prefill", type=int, default=0,
                        help="orders already in each shop of send B (e.g. 100000, 1000000)")
    parser.add_argument("--connectors", default=",".join(HISTORY))
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    families = [f.strip() for f in args.connectors.split(",") if f.strip()]
    # stopped from outside: still stop the servers this run started (the `finally` below)
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    server = servers.MariaDBServer(extra_args=DURABLE)
    server.start()
    smtp = SinkSMTP()
    smtp.start()
    figures = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            generate(data, args.orders, args.shops, args.seed)
            for family in families:
                work = Path(tmp) / family
                work.mkdir()
                figures.append(measure(family, server, smtp, data, work, args))
                print(json.dumps(figures[-1].__dict__), file=sys.stderr, flush=True)
    finally:
        smtp.stop()
        server.stop()
    print(f"{args.orders} generated orders over {args.shops} shops, MariaDB {server.version} "
          f"(flush_log_at_trx_commit=1, doublewrite), send concurrency {args.concurrency}, "
          f"shops of send B pre-filled with {args.prefill} orders each")
    head = ("connector", "written", "held", "send A s", "send B s", "plain s", "multi s",
            "A/plain", "A/multi", "B/A")
    print(" | ".join(f"{h:>11}" for h in head))
    for f in figures:
        plain = sum(f.plain) / len(f.plain)
        multi = sum(f.multi) / len(f.multi)
        cells = (f.family, f.orders_written, f.held, f"{f.send_empty:.2f}",
                 f"{f.send_filled:.2f}", f"{plain:.2f}", f"{multi:.2f}",
                 f"{f.send_empty / plain:.2f}", f"{f.send_empty / multi:.2f}",
                 f"{f.send_filled / f.send_empty:.2f}")
        print(" | ".join(f"{c:>11}" for c in cells))
    print(f"peak RSS of the whole run: {peak_rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
