"""Rows the shop's server examines for one send, into an empty shop and into one with history.

    .venv/bin/python bench/history_rows.py [--orders 200] [--history 0,50000] [--top 6]
        [--connectors oscommerce,modified,…] [--durable]

Issue 15's goal "a shop pre-filled with 1,000,000 orders costs at most 1.2x the send into an
empty shop" cannot be timed on a shared 2-core machine (level-0 norms of one run lay between
0.53 and 1.84), but it can be counted: a send whose statements read rows in proportion to the
shop's history shows it in MariaDB's own counters whatever the load.

One throwaway mariadbd with `performance_schema` on; per connector (bench/connectors.py's
`HISTORY` and tests/test_realdata_e2e.py's shops), the same generated orders (tests/orderdata.py,
no bad rows, one shop) are sent once into an empty shop, and once into a fresh shop per history
size pre-filled with that many orders (bench/connectors.py's `prefill`: the first send's rows
copied and doubled server-side, keys shifted, dates a month back per generation) and as many
customers more (`add_customers`: copies of the shop's first customer and address, with emails,
phones and postcodes no order has: customer matching that reads every customer shows).
Around each send the statement digests of performance_schema
(`events_statements_summary_by_digest`, emptied right before the send, read right after it, for
the shop's schema only: the connector's own connections, step 1 and the writes, nothing of the
pre-fill) give per statement kind how often it ran and how many rows it examined; InnoDB's
page reads (global counters) and the shop's tables read from disk (performance_schema's file
I/O) show what a deeper B-tree or a buffer pool smaller than the history costs. Prints per
connector the rows examined per written order at every size and the ratio to the empty shop,
the page reads per written order, then the statement kinds whose rows grew most.
Figures only; tests/test_history_bounded_mariadb.py asserts the bound.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import servers  # noqa: E402
from connectors import (  # noqa: E402
    DURABLE, HISTORY, Shop, _columns, generate, prefill, root, settle)
from send_throughput import SinkSMTP  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402
from test_shop_sql import shop_section  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange.build import build  # noqa: E402
from orderexchange.connector import instantiate, look_up_floor  # noqa: E402
from orderexchange.dispatch import Dispatcher  # noqa: E402
from orderexchange.importer import import_catalogue, import_orders  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402
from orderexchange.store.key_directory import customer_directory  # noqa: E402

#: performance_schema with its statement digests (on by default once the schema is on)
COUNTING = ("--performance-schema=ON",
            "--performance-schema-consumer-statements-digest=ON")
DIGESTS = "performance_schema.events_statements_summary_by_digest"
FILES = "performance_schema.file_summary_by_instance"


@dataclass
class Statements:
    """One send's statements in one shop: digest text → (executions, rows examined)."""

    written: int
    kinds: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: InnoDB's page reads meanwhile (the server's global counters, so background work such as
    #: purge is in them too): from the buffer pool or disk, and of those from disk. Rows
    #: examined miss what a deeper B-tree or a buffer pool too small for the history costs
    pages: int = 0
    disk: int = 0
    #: InnoDB's reads from disk per table of the shop (performance_schema's file I/O, read
    #: operations on the table's .ibd file): which table's pages a buffer pool smaller than the
    #: history no longer held
    files: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(r for _n, r in self.kinds.values())

    def per_order(self) -> float:
        return self.rows / max(1, self.written)


@dataclass(frozen=True)
class Copies:
    """One table of a shop's customers, grown by `add_customers`: `key` its integer (or, OXID,
    char) key; `link` column → the other `Copies` table whose new key it takes (the address's
    customer, the customer's default address); `values` column → SQL for each copy (`{n}` is the
    copy's number, 1…N); every other column is copied from the table's first row (of those
    `where` picks)."""

    table: str
    key: str
    values: dict[str, str] = field(default_factory=dict)
    link: dict[str, str] = field(default_factory=dict)
    where: str = ""  # which rows may serve as the first row (a customer, not an admin)


#: per connector: the customer tables (and their addresses) a shop with years of customers
#: holds. Emails, phones and postcodes that no generated order has: every copy is a customer
#: the send must not match, which only a read of the whole table would touch.
_EMAIL = "CONCAT('history-', {n}, '@customers.invalid')"
_POSTCODE = "CONCAT('HX-', {n})"


def _osc(where: str = "") -> tuple[Copies, ...]:
    return (Copies("customers", "customers_id", {"customers_email_address": _EMAIL,
                                                 "customers_telephone": "''"},
                   {"customers_default_address_id": "address_book"}, where),
            Copies("address_book", "address_book_id", {"entry_postcode": _POSTCODE},
                   {"customers_id": "customers"}))


_OC = (Copies("oc_customer", "customer_id", {"email": _EMAIL, "telephone": "''"}),
       Copies("oc_address", "address_id", {"postcode": _POSTCODE},
              {"customer_id": "oc_customer"}))
_OXID = (Copies("oxuser", "OXID", {"OXUSERNAME": _EMAIL, "OXFON": "''", "OXZIP": _POSTCODE},
                where="OXRIGHTS = 'user'"),)
_WOO = (Copies("wp_users", "ID", {"user_email": _EMAIL, "user_login": "CONCAT('history-', {n})",
                                  "user_nicename": "CONCAT('history-', {n})"}),)
CUSTOMERS: dict[str, tuple[Copies, ...]] = {
    "oscommerce": _osc(), "modified": _osc("account_type = 0"), "opencart3": _OC, "opencart4": _OC,
    "oxid6": _OXID, "oxid7": _OXID, "woocommerce_hpos": _WOO, "woocommerce_posts": _WOO,
    # ShopKit's seed has no address to copy; its match reads shop_customer alone
    "generic_sql": (Copies("shop_customer", "id", {"email": _EMAIL, "phone": "''"}),),
    "prestashop": (Copies("ps_customer", "id_customer", {"email": _EMAIL}),
                   Copies("ps_address", "id_address", {"postcode": _POSTCODE, "phone": "''"},
                          {"id_customer": "ps_customer"})),
    "magento": (Copies("customer_entity", "entity_id", {"email": _EMAIL}),
                Copies("customer_address_entity", "entity_id",
                       {"postcode": _POSTCODE, "telephone": "''"},
                       {"parent_id": "customer_entity"})),
}


def add_customers(server: servers.MariaDBServer, family: str, database: str, n: int) -> None:
    """Add `n` customers (with an address each, where the shop keeps addresses apart) to the
    shop in `database`: server-side `INSERT … SELECT … FROM seq_1_to_N`, each table's first row
    copied with new keys and `Copies.values`."""
    if n <= 0:
        return
    conn = root(server, database)
    try:
        with conn.cursor() as cur:
            shifts: dict[str, int] = {}
            char_keys: set[str] = set()
            for c in CUSTOMERS[family]:
                cols = _columns(cur, database, c.table)
                if not cols:
                    raise RuntimeError(f"{family}: no table {c.table}")
                types = {name: data_type for name, _e, data_type in cols}
                if types[c.key] in ("char", "varchar"):
                    char_keys.add(c.table)
                else:
                    cur.execute(f"SELECT COALESCE(MAX(`{c.key}`), 0) FROM `{c.table}`")
                    shifts[c.table] = int(cur.fetchone()[0])

            def key_of(table: str) -> str:
                if table in char_keys:  # OXID's and ShopKit's char keys: unique per copy
                    return f"LEFT(MD5(CONCAT('{table}-', s.seq)), 32)"
                return f"s.seq + {shifts[table]}"

            for c in CUSTOMERS[family]:
                picks = []
                for name, extra, _t in _columns(cur, database, c.table):
                    if name == c.key:
                        picks.append((name, key_of(c.table)))
                    elif name in c.link:
                        picks.append((name, key_of(c.link[name])))
                    elif name in c.values:
                        picks.append((name, c.values[name].format(n="s.seq")))
                    elif "auto_increment" in extra:
                        continue
                    else:
                        picks.append((name, f"t.`{name}`"))
                where = f" WHERE {c.where}" if c.where else ""
                first = f"SELECT * FROM `{c.table}`{where} ORDER BY `{c.key}` LIMIT 1"
                cur.execute(first)
                if cur.fetchone() is None:
                    raise RuntimeError(f"{family}: {c.table} has no row to copy")
                cur.execute(
                    f"INSERT INTO `{c.table}` ({', '.join(f'`{n}`' for n, _e in picks)}) "
                    f"SELECT {', '.join(e for _n, e in picks)} FROM seq_1_to_{int(n)} s "
                    f"JOIN ({first}) t")
            conn.commit()
    finally:
        conn.close()


def clear(server: servers.MariaDBServer) -> None:
    conn = root(server)
    try:
        with conn.cursor() as cur:
            cur.execute(f"TRUNCATE TABLE {DIGESTS}")
            cur.execute(f"TRUNCATE TABLE {FILES}")
    finally:
        conn.close()


def page_reads(server: servers.MariaDBServer) -> tuple[int, int]:
    """InnoDB's page reads so far: (logical, from disk)."""
    conn = root(server)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN "
                        "('Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')")
            got = {name: int(value) for name, value in cur.fetchall()}
    finally:
        conn.close()
    return got["Innodb_buffer_pool_read_requests"], got["Innodb_buffer_pool_reads"]


def read(server: servers.MariaDBServer, database: str, written: int,
         since: tuple[int, int] = (0, 0)) -> Statements:
    """The statements of `database` since the last `clear`; `since` the `page_reads` taken
    right after it."""
    pages, disk = page_reads(server)
    conn = root(server)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT DIGEST_TEXT, COUNT_STAR, SUM_ROWS_EXAMINED FROM {DIGESTS} "
                        "WHERE SCHEMA_NAME = %s", (database,))
            kinds: dict[str, tuple[int, int]] = {}
            for text, n, rows in cur.fetchall():
                key = " ".join(str(text or "?").split())
                had = kinds.get(key, (0, 0))
                kinds[key] = (had[0] + int(n), had[1] + int(rows))
            cur.execute(f"SELECT FILE_NAME, COUNT_READ FROM {FILES} "
                        "WHERE FILE_NAME LIKE %s AND COUNT_READ > 0",
                        (f"%/{database}/%.ibd",))
            files = {Path(name).stem: int(n) for name, n in cur.fetchall()}
    finally:
        conn.close()
    return Statements(written, kinds, pages - since[0], disk - since[1], files)


def config_for(shop: Shop, family: str, work: Path, smtp: SinkSMTP) -> Any:
    return config_mod.from_dict({
        "distributor": {"id": "bench", "name": "Bench", "email": "bench@example.com"},
        "store": {"url": f"sqlite:///{work / 'state.sqlite'}"},
        "mail": {"transport": "smtp", "host": smtp.host, "port": smtp.port, "security": "none"},
        "daemon": {"concurrency": 1},
        "suppliers": {"s0": shop_section(shop.db, FAMILIES[family].connector())}},
        work / "config.toml")


def warm(config: Any, store: Store, created: list[int]) -> None:
    """Step 1 of every supplier order once, uncounted: the directory of the shop's customer keys
    (orderexchange/store/key_directory.py) is built as by a daemon's earlier sends — its one full
    read of the shop is not the send's cost; the send reads the shop's rows above its watermark."""
    supplier = config.supplier("s0")
    connector = instantiate(PluginHost().connector_types(), supplier)
    connector.customer_keys = customer_directory(store, supplier)
    connector.open()
    try:
        for so_id in created:
            connector.check(store.supplier_order(so_id))
    finally:
        connector.close()


def counted_send(family: str, server: servers.MariaDBServer, shop: Shop, data: Path,
                 work: Path, smtp: SinkSMTP) -> tuple[Statements, Statements]:
    """Send the orders of `data` into `shop` (one supplier, concurrency 1), then look every
    written order's reference up again as a crashed send's next attempt does (the connector's
    `find_by_references` with the floor the send recorded: the exactly-once look-up, which a
    first send never runs for transfers never attempted). Returns what the send's statements
    and the look-up's examined."""
    work.mkdir(parents=True, exist_ok=True)
    config = config_for(shop, family, work, smtp)
    store = Store(config.store.url)
    try:
        import_catalogue(store, data / "catalogue.csv", {"s0"})
        import_orders(store, data / "orders.jsonl")
        created = build(store, config).created
        warm(config, store, created)
        clear(server)
        before = page_reads(server)
        results = Dispatcher(config, store, PluginHost(), concurrency=1).send(created)
        written = sum(r.written for r in results)
        sent = read(server, shop.db.database, written, before)
        transfers = [t for so_id in created for t in store.supplier_order(so_id).transfers
                     if t.remote_order_id]
        connector = instantiate(PluginHost().connector_types(), config.supplier("s0"))
        clear(server)
        before = page_reads(server)
        connector.open()
        try:
            found = connector.find_by_references([t.reference for t in transfers],
                                                 floor=look_up_floor(transfers))
        finally:
            connector.close()
        looked = read(server, shop.db.database, len(transfers), before)
        if len(found) != len(transfers):
            raise RuntimeError(f"{family}: the look-up found {len(found)} of the "
                               f"{len(transfers)} orders written")
        return sent, looked
    finally:
        store.close()


def measure(family: str, server: servers.MariaDBServer, data: Path, work: Path,
            smtp: SinkSMTP, sizes: list[int], settled: bool = False
            ) -> dict[int, tuple[Statements, Statements]]:
    """Per history size: the send's statements into a shop holding that many orders and as many
    customers more (0: the empty shop, whose send's rows are the next sizes' pre-fill source).
    `settled`: the pre-fill's dirty pages written out before the send (bench/connectors.py's
    `settle`), as before a timed send B: background flushing is not the send's page reads."""
    fam = FAMILIES[family]
    out: dict[int, tuple[Statements, Statements]] = {}
    with ExitStack() as stack:
        def shop() -> Shop:
            db = stack.enter_context(servers.temporary_mariadb_database(server))
            fam.create(db)
            return Shop(db)

        empty = shop()
        out[0] = counted_send(family, server, empty, data, work / "0", smtp)
        for size in sizes:
            if size == 0:
                continue
            filled = shop()
            prefill(server, family, empty, filled, size)
            add_customers(server, family, filled.db.database, size)
            if settled:
                settle(server)
            out[size] = counted_send(family, server, filled, data, work / str(size), smtp)
    return out


def growth(base: Statements, other: Statements) -> list[tuple[int, str, int, int]]:
    """Statement kinds by how many more rows they examined in `other` than in `base`:
    (extra rows, digest, rows in base, rows in other), largest first."""
    out = []
    for text in set(base.kinds) | set(other.kinds):
        a = base.kinds.get(text, (0, 0))[1]
        b = other.kinds.get(text, (0, 0))[1]
        out.append((b - a, text, a, b))
    return sorted(out, reverse=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--history", default="0,50000",
                        help="orders already in the shop, one send per value (0 is always sent)")
    parser.add_argument("--connectors", default=",".join(HISTORY))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--durable", action="store_true",
                        help="the server of bench/connectors.py (512 MB buffer pool, a flush "
                             "per commit, doublewrite) and its settling of the pre-fill before "
                             "a send: page reads from disk as a timed send B meets them")
    parser.add_argument("--top", type=int, default=4,
                        help="statement kinds listed per connector (those whose rows grew most)")
    args = parser.parse_args(argv)
    args.sizes = sorted({0, *(int(x) for x in args.history.split(",") if x.strip())})
    args.families = families(parser, args.connectors)
    return args


def families(parser: argparse.ArgumentParser, connectors: str) -> list[str]:
    """The connectors of a comma-separated `--connectors`: those both bench/connectors.py can
    pre-fill and tests/test_realdata_e2e.py can create (an unknown one is the parser's error)."""
    names = [f.strip() for f in connectors.split(",") if f.strip()]
    unknown = [f for f in names if f not in HISTORY or f not in FAMILIES]
    if unknown:
        parser.error(f"unknown connector(s) {', '.join(unknown)}")
    return names


def main() -> None:
    args = parse()
    server = servers.MariaDBServer(extra_args=COUNTING + (DURABLE if args.durable else ()))
    server.start()
    smtp = SinkSMTP()
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            generate(data, args.orders, 1, args.seed)
            big = args.sizes[1:]
            head = " | ".join([f"send {n:,}" for n in args.sizes]
                              + [f"look-up {n:,}" for n in args.sizes]
                              + [f"send ×{n:,}" for n in big] + [f"look-up ×{n:,}" for n in big])
            table = [f"| connector | written | {head} |",
                     "|---|---|" + "---|" * (2 * len(args.sizes) + 2 * len(big))]
            detail = []
            pages = [f"| connector | {' | '.join(f'send {n:,}' for n in args.sizes)} | "
                     f"{' | '.join(f'look-up {n:,}' for n in args.sizes)} |",
                     "|---|" + "---|" * (2 * len(args.sizes))]
            for family in args.families:
                got = measure(family, server, data, Path(tmp) / family, smtp, args.sizes,
                              settled=args.durable)
                cells = [f"{got[n][k].per_order():.1f}" for k in (0, 1) for n in args.sizes]
                cells += [f"{got[n][k].rows / max(1, got[0][k].rows):.2f}"
                          for k in (0, 1) for n in big]
                table.append(f"| {family} | {got[0][0].written} | " + " | ".join(cells) + " |")
                print(table[-1], file=sys.stderr, flush=True)
                pages.append(f"| {family} | " + " | ".join(
                    f"{got[n][k].pages / max(1, got[n][k].written):.1f} "
                    f"({got[n][k].disk / max(1, got[n][k].written):.2f})"
                    for k in (0, 1) for n in args.sizes) + " |")
                print(pages[-1], file=sys.stderr, flush=True)
                top = args.sizes[-1]
                detail.append(f"{family}: rows examined with 0 → {top:,} orders of history "
                              f"(times run with {top:,}), the kinds that grew most:")
                kinds = sorted(
                    [(extra, f"{what}: {text}", a, b, got[top][k].kinds.get(text, (0, 0))[0])
                     for k, what in ((0, "send"), (1, "look-up"))
                     for extra, text, a, b in growth(got[0][k], got[top][k])], reverse=True)
                for extra, text, a, b, runs in kinds[:args.top]:
                    detail.append(f"  {a:>9,} → {b:>9,} ({extra:+,}) ×{runs:<4} {text[:110]}")
                for k, what in ((0, "send"), (1, "look-up")):
                    files = sorted(got[top][k].files.items(), key=lambda f: -f[1])
                    if files:
                        detail.append(f"  {what}, reads from disk with {top:,} orders of "
                                      "history, by table: " + ", ".join(
                                          f"{table} {n:,}" for table, n in files[:args.top]))
    finally:
        smtp.stop()
        server.stop()
    print(f"{args.orders} generated orders, one shop, MariaDB {server.version}; "
          f"rows examined per written order by the send and by the exactly-once look-up of its "
          f"references (performance_schema digests of the shop's schema), and × the empty shop's")
    print()
    print("\n".join(table))
    print()
    print("InnoDB page reads per written order (of them from disk), the server's global "
          "counters around the send and the look-up:")
    print()
    print("\n".join(pages))
    print()
    print("\n".join(detail))


if __name__ == "__main__":
    main()
