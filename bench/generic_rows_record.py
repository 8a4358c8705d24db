"""What a generic SQL send writes, recorded so that two trees can be compared row for row on the
same generated orders:

    PYTHONPATH=TREE TREE/.venv/bin/python bench/generic_rows_record.py TREE OUT.json [ORDERS]

Why: a change to how the connector builds its rows (issue 15: the writes' CPU) must leave the
rows as they were. tests/test_realdata_e2e.py's exchange into the ShopKit shop (its generator
at its seed, one shop on a throwaway mariadbd, a send and a resend), twice: on InnoDB (a chunk's
rows queued and inserted several to a statement) and on MyISAM (each order written on its own,
visible last). Every row of the written tables with the write's clock left out, each exchange
reference replaced by its order's number (the store makes new ones each run) and the addresses'
uuids drawn from a seeded generator; and the journal of every transfer. Two trees' files compare
with `cmp`.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from opencart_rows_record import kept_row  # bench/, the script's own folder

TABLES = ("shop_order", "shop_order_item", "shop_order_sum", "shop_order_log", "shop_customer",
          "shop_address", "shop_counter")
#: the write's clock (`{now}`)
STAMPS = {"placed_at", "created_at"}


def seeded_id(form: str = "hex") -> str:
    """The connector's id from the seeded uuid4 above, in its form: the same in both trees."""
    made = uuid.uuid4()
    return made.hex if form == "hex" else str(made)


def record(tree: Path, out: Path, orders: int) -> None:
    sys.path.insert(0, str(tree / "tests"))
    import orderdata
    import servers
    import test_realdata_e2e as e2e

    import orderexchange.plugins.generic_sql as generic
    assert Path(generic.__file__).is_relative_to(tree), generic.__file__  # this tree's plug-in
    data = orderdata.generate(orders, seed=e2e.SEED, today=date(2026, 12, 7),
                              suppliers={"alpha": ["A-100", "A-200"]})
    dump = {}
    with servers.MariaDBServer() as server:
        for engine_name in ("InnoDB", "MyISAM"):
            rng = random.Random(7)
            uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
            if hasattr(generic, "time_ordered_id"):  # since the ids are version 7: seeded too
                generic.time_ordered_id = seeded_id
            family = e2e.Generic()
            family.engine = engine_name
            with servers.temporary_mariadb_database(server) as db, \
                    tempfile.TemporaryDirectory() as folder:
                outcome = e2e._exchange(family, db, Path(folder), data)
                numbers = {t.reference: n for n, t in outcome.transfers.items()}
                engine = sa.create_engine(db.url)
                try:
                    with engine.connect() as conn:
                        for table in TABLES:
                            dump[f"{engine_name}.{table}"] = [
                                kept_row(r, numbers, STAMPS) for r in conn.exec_driver_sql(
                                    f"SELECT * FROM {table} ORDER BY 1").mappings()]
                finally:
                    engine.dispose()
            dump[f"{engine_name}.journal"] = {
                n: [t.remote_order_id, t.remote_customer_id, t.customer_match,
                    t.customer_created, t.state.value]
                for n, t in sorted(outcome.transfers.items())}
    out.write_text(json.dumps(dump, indent=1, sort_keys=True, default=str))
    print({k: len(v) for k, v in dump.items()}, file=sys.stderr)


if __name__ == "__main__":
    record(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1500)
