"""Chunks of customer orders in one shop transaction for OpenCart, OXID and the generic SQL
connector (issue 15; osCommerce's own multi-row chunks are tested in test_oscommerce_mariadb.py),
against the real throwaway MariaDB.

InnoDB shops get the chunk in one transaction (`write_batch`); MyISAM shops keep the visible-last
write of one order at a time — OpenCart's as a chunk of such writes under one set of locks and
look-ups (`write_each`), the generic connector's one call per order. A chunk with an order the shop itself refuses (a trigger raising a
data error on that order's line: a failure of the shop, not of our code) is rolled back whole and
written again one order at a time, so only the bad order fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import sample_order
from test_generic_sql_mariadb import MAPPING
from shopdb import count, load_schema, prepare, root_execute, shop_section  # noqa: F401

from orderexchange.model import SupplierOrderState as S
from orderexchange.plugins.opencart import OpenCartConnector
from orderexchange.plugins.shop_sql import SqlShopConnector

#: shop → (schema file, table prefix, engine, connector settings, orders table, lines table,
#: the lines table's quantity column)
SHOPS: dict[str, tuple[str, str, str, dict[str, Any], str, str, str]] = {
    "opencart4-innodb": ("opencart4_mysql.sql", "oc_", "InnoDB", {"type": "opencart"},
                         "oc_order", "oc_order_product", "quantity"),
    "opencart3-myisam": ("opencart3_mysql.sql", "oc_", "MyISAM", {"type": "opencart"},
                         "oc_order", "oc_order_product", "quantity"),
    "oxid6-innodb": ("oxid6_mysql.sql", "", "InnoDB", {"type": "oxid"},
                     "oxorder", "oxorderarticles", "OXAMOUNT"),
    "generic-innodb": ("generic_shop_mysql.sql", "", "InnoDB", MAPPING,
                       "shop_order", "shop_order_item", "qty"),
    "generic-myisam": ("generic_shop_mysql.sql", "", "MyISAM", MAPPING,
                       "shop_order", "shop_order_item", "qty"),
}

ORDERS = [sample_order("1001"),
          sample_order("1002", email="bernd.bauer@example.com", first="Bernd", last="Bauer",
                       lines=[{"sku": "HAMMER", "name": "Claw hammer", "quantity": 7,
                               "unit_price": "12.90", "tax_rate": "19"}]),
          sample_order("1003", email="carla.neu@example.com", first="Carla", last="Neu")]


def make_shop(db: Any, kind: str) -> Any:
    schema, prefix, engine, *_rest = SHOPS[kind]
    load_schema(db.url, schema, prefix=prefix, engine=engine)
    db.kind = kind
    return db


@pytest.fixture(params=sorted(SHOPS))
def shop(request, mariadb_db):
    return make_shop(mariadb_db, request.param)


def spy(monkeypatch) -> dict[str, list[list[str]]]:
    """Count the connector calls: which orders went as one chunk, which one by one."""
    calls: dict[str, list[list[str]]] = {"write_batch": [], "write": [], "write_each": []}
    batch, single = SqlShopConnector.write_batch, SqlShopConnector.write
    each = OpenCartConnector.write_each

    def write_each(self, so, transfers):
        calls["write_each"].append([t.customer_order.number for t in transfers])
        return each(self, so, transfers)

    def write_batch(self, so, transfers):
        calls["write_batch"].append([t.customer_order.number for t in transfers])
        return batch(self, so, transfers)

    def write(self, so, transfer):
        calls["write"].append([transfer.customer_order.number])
        return single(self, so, transfer)

    monkeypatch.setattr(SqlShopConnector, "write_batch", write_batch)
    monkeypatch.setattr(SqlShopConnector, "write", write)
    monkeypatch.setattr(OpenCartConnector, "write_each", write_each)
    return calls


def test_innodb_writes_the_chunk_in_one_transaction_myisam_one_by_one(shop, prepare,
                                                                      monkeypatch):
    *_schema, engine, connector, orders, _lines, _qty = SHOPS[shop.kind][1:]
    run = prepare({"alpha": shop_section(shop, connector)}, ORDERS)
    calls = spy(monkeypatch)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 3, result.as_dict()
    if engine == "InnoDB":
        assert calls == {"write_batch": [["1001", "1002", "1003"]], "write": [],
                         "write_each": []}
    elif connector["type"] == "opencart":
        assert calls == {"write_batch": [], "write": [], "write_each": [["1001", "1002", "1003"]]}
    else:
        assert calls == {"write_batch": [], "write": [["1001"], ["1002"], ["1003"]],
                         "write_each": []}
    assert count(shop, orders) == 3
    remote = sorted(t.remote_order_id for t in run.transfers().values())
    assert len(set(remote)) == 3


@pytest.mark.parametrize("kind", sorted(k for k, v in SHOPS.items() if v[2] == "InnoDB"))
def test_an_order_the_shop_refuses_fails_alone_and_the_chunk_leaves_nothing(kind, mariadb_db,
                                                                           prepare, monkeypatch):
    shop = make_shop(mariadb_db, kind)
    _prefix, _engine, connector, orders, lines, qty = SHOPS[kind][1:]
    run = prepare({"alpha": shop_section(shop, connector)}, ORDERS)
    root_execute(shop, f"CREATE TRIGGER refuse_seven BEFORE INSERT ON `{lines}` FOR EACH ROW "
                       f"IF NEW.`{qty}` = 7 THEN SIGNAL SQLSTATE '22001' SET MYSQL_ERRNO = 1406, "
                       f"MESSAGE_TEXT = 'the shop refuses quantity 7'; END IF")
    calls = spy(monkeypatch)
    [failed] = run.send()
    assert calls["write_batch"] == [["1001", "1002", "1003"]]  # tried as one chunk first
    assert calls["write"] == [["1001"], ["1002"], ["1003"]]  # then one by one
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-006"
    assert failed.error.facts["order"] == "1002" and failed.written == 2
    assert "the shop refuses quantity 7" in failed.error.message
    assert count(shop, orders) == 2  # the chunk left nothing; 1001 and 1003 alone

    root_execute(shop, "DROP TRIGGER refuse_seven")
    [again] = run.send()
    assert again.state == S.NOTIFIED and (again.written, again.already_there) == (1, 0)
    assert count(shop, orders) == 3
