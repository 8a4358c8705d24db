"""What `orders --json` and `status` read from a state store holding 100,000 supplier orders.

    .venv/bin/python bench/list_store.py fill STORE.sqlite [--seed-orders 250] [--batches 25]
        [--doublings 9]
    .venv/bin/python bench/list_store.py run STORE.sqlite CONFIG.toml -- orders --json --state draft

`fill` makes a realistic seed (tests/orderdata.py's orders, their 8 products over 8 suppliers
whose catalogue rows are quoted in EUR, CHF and PLN in turn, imported and built in 25 batches:
200 supplier orders, 60 % then confirmed, the others notified but the last batch left as drafts
and the one before it failed) and doubles every table of it server-side `--doublings` times
(ids shifted, unique texts suffixed): 9 doublings make 102,400 supplier orders with their
customer orders, lines, transfers and events, the drafts and failures doubled with them. It writes CONFIG.toml next to the store.

`run` runs one CLI command in this process on the store and prints, as one JSON line, what it
cost: the statements sent, SQLite's virtual-machine instructions (in thousands, counted by a
progress handler: the work the database did for them, whatever the machine's load), the
characters the command printed (counted, not kept), wall and CPU seconds and peak RSS. Run it under two code states (the package on
PYTHONPATH) to compare; counts do not depend on load, times do.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

SUPPLIERS = [f"s{k}" for k in range(10)]
QUOTED = ["EUR", "CHF", "PLN"]

#: table → (id column or None, {column: table whose offset it takes}, unique text columns)
COPIES = [
    ("ox_customers", "id", {}, ["email"]),
    ("ox_customer_orders", "id", {"customer_id": "ox_customers"}, ["number"]),
    ("ox_addresses", "id", {"order_id": "ox_customer_orders"}, []),
    ("ox_order_lines", "id", {"order_id": "ox_customer_orders"}, []),
    ("ox_supplier_orders", "id", {}, []),
    ("ox_transfers", "id", {"supplier_order_id": "ox_supplier_orders",
                            "customer_order_id": "ox_customer_orders"}, ["reference"]),
    ("ox_transfer_lines", None, {"transfer_id": "ox_transfers", "line_id": "ox_order_lines"}, []),
    ("ox_findings", "id", {"supplier_order_id": "ox_supplier_orders"}, []),
    ("ox_events", "id", {"supplier_order_id": "ox_supplier_orders",
                         "transfer_id": "ox_transfers"}, []),
]


def config_text(store: Path) -> str:
    suppliers = "".join(
        f'\n[suppliers.{s}]\nname = "Shop {s}"\nemail = "{s}@example.com"\n'
        f'price_currency = "{QUOTED[k % 3]}"\nshipping_cost = "4.90"\nconnector = "mail-only"\n'
        for k, s in enumerate(SUPPLIERS))
    return (f'[distributor]\nid = "bench"\nname = "Bench"\nemail = "bench@example.com"\n'
            f'currency = "EUR"\n\n[distributor.rates]\nCHF = "0.9412"\nPLN = "4.2750"\n\n'
            f'[store]\nurl = "sqlite:///{store}"\n\n[mail]\ntransport = "file"\n'
            f'outbox = "{store.parent / "outbox"}"\n{suppliers}')


def fill(store_path: Path, seed_orders: int, doublings: int, batches: int) -> None:
    import orderdata
    import sqlalchemy as sa

    from orderexchange import config as config_mod
    from orderexchange.build import build
    from orderexchange.errors import OXError
    from orderexchange.importer import import_catalogue, import_orders
    from orderexchange.model import SupplierOrderState
    from orderexchange.store import Store

    config_path = store_path.with_suffix(".toml")
    config_path.write_text(config_text(store_path), encoding="utf-8")
    config = config_mod.load(config_path)
    store = Store(config.store.url)
    work = store_path.parent / "seed"
    data = orderdata.generate(orders=seed_orders, seed=41, bad_share=0,
                              suppliers={s: [f"{s.upper()}-1"] for s in SUPPLIERS})
    for i, row in enumerate(data.catalogue):
        row["currency"] = QUOTED[i % 3]
    paths = data.write(work)
    import_catalogue(store, paths["catalogue"], config.price_currencies())
    lines = paths["orders"].read_bytes().splitlines(keepends=True)
    step = max(1, len(lines) // batches)
    for batch in range(batches):
        part = work / f"batch{batch}.jsonl"
        part.write_bytes(b"".join(lines[batch * step:(batch + 1) * step]))
        import_orders(store, part)
        created = build(store, config).created
        for so_id in created:
            if batch == batches - 1:
                continue  # drafts
            if batch == batches - 2:
                store.set_state(so_id, SupplierOrderState.NOTIFY_FAILED, error=OXError(
                    "OX-MAIL-001", host="mx", port=25, detail="refused", id=so_id))
                continue
            store.set_state(so_id, SupplierOrderState.NOTIFIED, message_id=f"<{so_id}@bench>")
            if batch < batches * 6 // 10:
                store.set_state(so_id, SupplierOrderState.CONFIRMED)
    engine = store.engine
    with engine.begin() as conn:
        for g in range(1, doublings + 1):
            offsets = {}
            for table, key, _fks, _unique in COPIES:
                column = key or "rowid"
                offsets[table] = conn.execute(
                    sa.text(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")).scalar()
            for table, key, fks, unique in COPIES:
                cols = [c["name"] for c in sa.inspect(conn).get_columns(table)]
                exprs = []
                for c in cols:
                    if c == key:
                        exprs.append(f"{c} + {offsets[table]}")
                    elif c in fks:
                        exprs.append(f"{c} + {offsets[fks[c]]}")
                    elif c in unique:
                        exprs.append(f"{c} || '.g{g}'")
                    else:
                        exprs.append(c)
                conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(cols)}) "
                                     f"SELECT {', '.join(exprs)} FROM {table}"))
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar()
                  for t, *_ in COPIES}
        states = dict(conn.execute(sa.text(
            "SELECT state, COUNT(*) FROM ox_supplier_orders GROUP BY state")).all())
    store.close()
    print(json.dumps({"store": str(store_path), "config": str(config_path), "rows": counts,
                      "supplier_orders": states}))


def run(config_path: Path, args: list[str]) -> None:
    import sqlalchemy as sa
    from orderexchange.cli import main

    cost = {"statements": 0, "vm_kilo_instructions": 0}

    def tick() -> int:
        cost["vm_kilo_instructions"] += 1
        return 0

    @sa.event.listens_for(sa.pool.Pool, "connect")
    def _count_vm(dbapi_connection, _record):  # noqa: ANN001
        if hasattr(dbapi_connection, "set_progress_handler"):
            dbapi_connection.set_progress_handler(tick, 1000)

    @sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
    def _count(*_a):  # noqa: ANN002
        cost["statements"] += 1

    class Counted(io.TextIOBase):
        """stdout as the command writes it, counted and dropped (a terminal or a pipe keeps
        nothing either: CliRunner's captured copy would add the output to the peak RSS)."""
        written = 0

        def writable(self) -> bool:
            return True

        def write(self, text: str) -> int:
            Counted.written += len(text)
            return len(text)

    start, cpu = time.perf_counter(), time.process_time()
    code = 0
    with contextlib.redirect_stdout(Counted()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main.main(["--config", str(config_path), *args], standalone_mode=False)
        except SystemExit as exit_:
            code = exit_.code or 0
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"args": args, "exit": code, **cost, "printed_chars": Counted.written,
                      "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                      "peak_rss_mib": round(resource.getrusage(
                          resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    f = sub.add_parser("fill")
    f.add_argument("store", type=Path)
    f.add_argument("--seed-orders", type=int, default=250)
    f.add_argument("--doublings", type=int, default=9)
    f.add_argument("--batches", type=int, default=25)
    r = sub.add_parser("run")
    r.add_argument("config", type=Path)
    r.add_argument("args", nargs=argparse.REMAINDER)
    a = parser.parse_args()
    if a.what == "fill":
        fill(a.store.resolve(), a.seed_orders, a.doublings, a.batches)
    else:
        run(a.config, [x for x in a.args if x != "--"])


if __name__ == "__main__":
    main()
