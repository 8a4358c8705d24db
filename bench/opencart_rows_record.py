"""What an OpenCart 3 (MyISAM) send writes, recorded so that two trees can be compared row for
row on the same generated orders:

    PYTHONPATH=TREE TREE/.venv/bin/python bench/opencart_rows_record.py TREE OUT.json [ORDERS]

Why: a change to how the orders are sent (issue 15: several orders to a query) must leave the
rows as they were. tests/test_realdata_e2e.py's exchange (its generator at its seed, one shop on
a throwaway mariadbd, a send and a resend); every row of the written tables with the date stamps
left out and each exchange reference replaced by its order's number (the store makes new ones
each run), and the journal of every transfer. Two trees' files compare with `cmp`.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

TABLES = ("oc_order", "oc_order_product", "oc_order_total", "oc_order_history", "oc_customer",
          "oc_address")
STAMPS = {"date_added", "date_modified"}


def record(tree: Path, out: Path, orders: int) -> None:
    sys.path.insert(0, str(tree / "tests"))
    import orderdata
    import servers
    import test_realdata_e2e as e2e

    data = orderdata.generate(orders, seed=e2e.SEED, today=date(2026, 12, 7),
                              suppliers={"alpha": ["A-100", "A-200"]})
    with servers.MariaDBServer() as server, servers.temporary_mariadb_database(server) as db, \
            tempfile.TemporaryDirectory() as folder:
        outcome = e2e._exchange(e2e.FAMILIES["opencart3"], db, Path(folder), data)
        numbers = {t.reference: n for n, t in outcome.transfers.items()}
        engine = sa.create_engine(db.url)
        try:
            with engine.connect() as conn:
                dump = {table: [kept_row(r, numbers) for r in conn.exec_driver_sql(
                    f"SELECT * FROM {table} ORDER BY 1").mappings()] for table in TABLES}
        finally:
            engine.dispose()
    dump["journal"] = {n: [t.remote_order_id, t.remote_customer_id, t.customer_match,
                           t.customer_created, t.state.value]
                       for n, t in sorted(outcome.transfers.items())}
    out.write_text(json.dumps(dump, indent=1, sort_keys=True, default=str))
    print({k: len(v) for k, v in dump.items()}, file=sys.stderr)


def kept_row(row: dict, numbers: dict[str, str], stamps: set[str] = STAMPS) -> dict:
    """A recorded row: its date stamps (`stamps`) left out, each exchange reference replaced by
    its order's number, decimals and dates as text (bench/generic_rows_record.py uses it too)."""
    kept = {}
    for column, value in row.items():
        if column in stamps:
            continue
        if isinstance(value, str) and "OX-" in value:
            for reference, number in numbers.items():
                value = value.replace(reference, f"<{number}>")
        kept[column] = str(value) if isinstance(value, (Decimal, date)) else value
    return kept


if __name__ == "__main__":
    record(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1500)
