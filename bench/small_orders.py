"""What one small supplier order costs: a send of one-order supplier orders, per connector.

    PYTHONPATH=$PWD .venv/bin/python bench/small_orders.py [--orders 200] [--seed 13]
        [--connectors oscommerce,generic_sql,…]

Why: a daemon that runs every few minutes sends each supplier a supplier order of a handful of
customer orders, so what a supplier order costs whatever its size (issue 15's "per-supplier-order
fixed costs") is what its send costs. bench/connectors.py measures supplier orders of ~1,000
orders each, where that fixed part disappears among the orders.

Per connector: `--orders` realistic orders (tests/orderdata.py: 9 locales, returning customers,
shared emails, CHF/GBP/PLN; no bad rows) for one shop built from the shop's install schema
(tests/test_realdata_e2e.py's families), imported and built **one at a time**, so each customer
order is a supplier order of its own; then one send of all of them as `send --all` does it (one
Dispatcher, one supplier, an SQLite state store, the lean SMTP sink in its own process) on a
throwaway mariadbd configured like connectors.py's (a flush per commit, doublewrite on). Orders
the shop cannot take (a currency it lacks) are held by step 1, as in a real send.

The send's once-only costs (connection, schema reads, template compilation) are spread over the
supplier orders: a few hundred show the steady cost, twenty do not.

Prints per connector: supplier orders sent, orders written, CPU and wall milliseconds per supplier
order, and the statements per supplier order that reached the state store and the shop
(SQLAlchemy's `before_cursor_execute`, by engine). Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]

import servers  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from connectors import DURABLE, HISTORY, Shop, generate  # noqa: E402
from history_rows import config_for, families  # noqa: E402
from send_throughput import SinkSMTP  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402

from orderexchange.build import build  # noqa: E402
from orderexchange.dispatch import Dispatcher  # noqa: E402
from orderexchange.importer import import_catalogue, import_orders  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402


class Statements:
    """Statements that reach the state store and the shop while counting (SQLAlchemy's
    `before_cursor_execute`, listened to only meanwhile: a process that imports this module, the
    test's, pays nothing for it on its other statements)."""

    def __init__(self, store: Store) -> None:
        self.store_engine = store.engine
        self.store = self.shop = 0

    def __enter__(self) -> Statements:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._count)

    def _count(self, conn: Any, *_args: Any) -> None:
        if conn.engine is self.store_engine:
            self.store += 1
        else:
            self.shop += 1


def one_order_supplier_orders(store: Store, config: Any, data: Path, work: Path) -> list[int]:
    """Every order of `data` imported and built on its own: one supplier order each."""
    import_catalogue(store, data / "catalogue.csv", {"s0"})
    created: list[int] = []
    lines = (data / "orders.jsonl").read_text().splitlines()
    for i, line in enumerate(lines):
        path = work / f"order-{i}.jsonl"
        path.write_text(line + "\n")
        import_orders(store, path)
        created += build(store, config).created
    return created


def measure(family: str, server: servers.MariaDBServer, data: Path, work: Path,
            smtp: SinkSMTP) -> dict[str, Any]:
    work.mkdir(parents=True)
    with servers.temporary_mariadb_database(server) as db:
        FAMILIES[family].create(db)
        config = config_for(Shop(db), family, work, smtp)
        store = Store(config.store.url)
        try:
            created = one_order_supplier_orders(store, config, data, work)
            with Statements(store) as statements:
                cpu, wall = time.process_time(), time.monotonic()
                results = Dispatcher(config, store, PluginHost(), concurrency=1).send(created)
                cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        finally:
            store.close()
    sent = max(1, len(results))
    return {"connector": family, "supplier_orders": len(results),
            "written": sum(r.written for r in results),
            "cpu_ms": 1000 * cpu / sent, "wall_ms": 1000 * wall / sent,
            "store_statements": statements.store / sent,
            "shop_statements": statements.shop / sent}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--connectors", default=",".join(HISTORY))
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    args.families = families(parser, args.connectors)
    return args


def main() -> None:
    args = parse()
    server = servers.MariaDBServer(extra_args=DURABLE)
    server.start()
    smtp = SinkSMTP("lean")
    smtp.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            generate(data, args.orders, 1, args.seed)
            for family in args.families:
                rows.append(measure(family, server, data, Path(tmp) / family, smtp))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    finally:
        smtp.stop()
        server.stop()
    print(f"{args.orders} generated orders, each its own supplier order, one shop, "
          f"MariaDB {server.version}; per supplier order sent:")
    print()
    print("| connector | supplier orders | written | CPU ms | wall ms | store statements "
          "| shop statements |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['connector']} | {r['supplier_orders']} | {r['written']} | {r['cpu_ms']:.1f} "
              f"| {r['wall_ms']:.1f} | {r['store_statements']:.1f} | {r['shop_statements']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
