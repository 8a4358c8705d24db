"""The exactly-once look-up reads only the orders above the floor recorded before the first write
(issue 15), on every SQL connector, against the real throwaway MariaDB.

How the bound is proven without a clock: before the send, an order carrying the transfer's own
reference is planted in the shop (a decoy: by construction no such order can exist below the
floor). The send records the shop's highest key as the floor first, so the decoy lies below it:
a bounded look-up does not see it and writes the order (a second one with that reference); an
unbounded look-up would have taken the decoy for our order. A transfer from a store older than
the floor (floor 0, what `_upgrade` sets) keeps the unbounded look-up and finds the decoy.
The crash-healing tests of each connector (tests/test_*_mariadb.py, tests/test_faults*.py) run
unchanged on the bounded look-up.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from helpers import create_oscommerce_schema, sample_order
from test_generic_sql_mariadb import MAPPING
from shopdb import load_schema, prepare, query, root_execute, shop_section  # noqa: F401

from orderexchange.model import SupplierOrderState as S
from orderexchange.store import transfers as transfers_table

#: connector → (create the shop, connector settings, SQL counting the orders of :ref,
#: statements that age the decoy below the floor where the floor is not the highest key)
SHOPS: dict[str, tuple[Any, dict[str, Any], str, tuple[str, ...]]] = {
    "oscommerce": (lambda url: create_oscommerce_schema(url), {"type": "oscommerce"},
                   "SELECT COUNT(*) AS n FROM orders_status_history WHERE comments LIKE :like",
                   ()),
    "modified": (lambda url: load_schema(url, "modified_mysql.sql"), {"type": "oscommerce"},
                 "SELECT COUNT(*) AS n FROM orders_status_history WHERE comments LIKE :like",
                 ()),
    "opencart-myisam": (lambda url: load_schema(url, "opencart3_mysql.sql", prefix="oc_",
                                                engine="MyISAM"), {"type": "opencart"},
                        "SELECT COUNT(*) AS n FROM oc_order WHERE comment LIKE :like", ()),
    "opencart": (lambda url: load_schema(url, "opencart4_mysql.sql", prefix="oc_"),
                 {"type": "opencart"},
                 "SELECT COUNT(*) AS n FROM oc_order WHERE comment LIKE :like", ()),
    "oxid": (lambda url: load_schema(url, "oxid6_mysql.sql"), {"type": "oxid"},
             "SELECT COUNT(*) AS n FROM oxorder WHERE OXTRANSID = :ref",
             ("UPDATE oxorder SET OXORDERDATE = '2020-01-31 12:00:00'",)),
    "prestashop": (lambda url: load_schema(url, "prestashop8_mysql.sql", prefix="ps_"),
                   {"type": "prestashop"},
                   "SELECT COUNT(*) AS n FROM ps_orders WHERE note LIKE :like", ()),
    "generic": (lambda url: load_schema(url, "generic_shop_mysql.sql"), MAPPING,
                "SELECT COUNT(*) AS n FROM shop_order WHERE ext_ref = :ref", ()),
    "magento": (lambda url: load_schema(url, "magento24_mysql.sql"), {"type": "magento"},
                "SELECT COUNT(*) AS n FROM sales_order WHERE ext_order_id = :ref", ()),
}


def carrying(db: Any, counting: str, reference: str) -> int:
    return query(db, counting, ref=reference, like=f"[{reference}]%")[0]["n"]


def plant_decoy(run: Any) -> str:
    """Write the supplier order's first customer order into the shop through the connector
    itself, as a complete order carrying the transfer's reference; returns the reference."""
    so = run.store.supplier_order(run.so_ids[0])
    transfer = so.transfers[0]
    assert transfer.shop_floor is None  # never attempted
    connector = run.connector()
    connector.open()
    try:
        assert not [f for f in connector.check(so) if f.blocking]
        connector.write(so, transfer)
    finally:
        connector.close()
    return transfer.reference


def shop_with_decoy(kind: str, db: Any, prepare: Any) -> tuple[Any, str, str]:
    """A `kind` shop, one supplier order built for it, and the decoy of its reference (aged
    below the floor where the floor is a date); returns (run, reference, counting SQL)."""
    create, connector, counting, age = SHOPS[kind]
    create(db.url)
    run = prepare({"alpha": shop_section(db, connector)}, [sample_order("1001")])
    reference = plant_decoy(run)
    if age:
        root_execute(db, *age)
    assert carrying(db, counting, reference) == 1
    return run, reference, counting


@pytest.mark.parametrize("kind", sorted(SHOPS))
def test_look_up_reads_only_above_the_floor_recorded_before_the_first_write(kind, mariadb_db,
                                                                             prepare):
    run, reference, counting = shop_with_decoy(kind, mariadb_db, prepare)

    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    # step 1 did not ask about a transfer never attempted; the write's look-up stayed above
    # the floor, below which the decoy lies
    assert not any(f.code == "OX-CHK-028" for f in result.findings)
    assert (result.written, result.already_there) == (1, 0)
    assert carrying(mariadb_db, counting, reference) == 2
    [transfer] = run.store.supplier_order(run.so_ids[0]).transfers
    assert transfer.shop_floor is not None and transfer.shop_floor > 0


@pytest.mark.parametrize("kind", sorted(SHOPS))
def test_a_transfer_from_before_the_floor_keeps_the_whole_look_up(kind, mariadb_db, prepare):
    """Floor 0 (a store upgraded from before issue 15: the transfer may have been attempted by
    the old release) reads every order and finds the one carrying its reference."""
    run, reference, counting = shop_with_decoy(kind, mariadb_db, prepare)
    with run.store.engine.begin() as conn:
        conn.execute(transfers_table.update().values(shop_floor=0))

    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert [f.code for f in result.findings] == ["OX-CHK-028"]
    assert (result.written, result.already_there) == (0, 1)
    assert carrying(mariadb_db, counting, reference) == 1


def test_upgrading_a_store_gives_its_transfers_floor_0(tmp_path, prepare, mariadb_db):
    """`_upgrade` adds the column to an existing store and sets 0 (no bound) on its rows."""
    create_oscommerce_schema(mariadb_db.url)
    run = prepare({"alpha": shop_section(mariadb_db, {"type": "oscommerce"})},
                  [sample_order("1001")])
    url = run.store.url
    with run.store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE ox_transfers DROP COLUMN shop_floor")
    run.store.close()
    from orderexchange.store import Store
    again = Store(url)
    try:
        with again.engine.connect() as conn:
            floors = conn.execute(sa.select(transfers_table.c.shop_floor)).scalars().all()
        assert floors == [0]
    finally:
        again.close()
