"""OpenCart on a real MariaDB: an order in a currency the shop has but has switched off
(`currency.status = 0`) is held with OX-CHK-052 and nothing of it is written — OpenCart's storefront
offers only enabled currencies, and its admin edits an order through the storefront's API, which
refuses a disabled one — as the other connectors hold an order in a currency their shop lacks
(OX-CHK-010, PrestaShop also for an inactive one). Once the shop enables it, a retry sends it.
Purchase prices in a disabled currency still convert: the admin's currency library (and the ECB
refresh) keep every row's rate, enabled or not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import orderdata
import pytest
from helpers import sample_order
from shopdb import (  # noqa: F401 - prepare is a fixture
    load_schema, prepare, query, root_execute, supplier_alpha,
)
from test_realdata_e2e import OpenCart

from orderexchange.model import SupplierOrderState as S, TransferState

SHOPS = {"oc3-myisam": ("opencart3_mysql.sql", "MyISAM"),
         "oc4-innodb": ("opencart4_mysql.sql", "InnoDB")}
alpha = supplier_alpha("opencart")
#: ECB-style rate of CHF in the EUR test shop
CHF_RATE = "0.94120000"


def add_currency(db, code: str, value: str, status: int) -> None:
    root_execute(db, f"INSERT INTO oc_currency (title, code, symbol_left, symbol_right, "
                     f"decimal_place, value, status, date_modified) VALUES ('{code}', '{code}', "
                     f"'', ' {code}', '2', {value}, {status}, NOW())")


@pytest.fixture(params=sorted(SHOPS))
def shop(request, mariadb_db):
    schema, engine = SHOPS[request.param]
    load_schema(mariadb_db.url, schema, prefix="oc_", engine=engine)
    return mariadb_db


def test_an_order_in_a_disabled_currency_is_held_then_sent_once_enabled(shop, prepare):
    add_currency(shop, "CHF", CHF_RATE, status=0)
    orders = [sample_order("1001"),
              sample_order("1002", email="reto@example.ch", first="Reto", last="Meier",
                           country="DE", currency="CHF")]
    run = prepare(alpha(shop), orders)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.error is None, result.as_dict()
    assert (result.written, result.held) == (1, [("1002", "OX-CHK-052")])
    [finding] = [f for f in result.findings if f.order == "1002"]
    assert finding.message == (
        "Order 1002: currency CHF is in supplier alpha's shop but disabled (oc_currency); the "
        "shop takes no orders in it (its storefront and its admin's order editing offer only "
        "enabled currencies).")
    assert [r["currency_code"] for r in query(shop, "SELECT currency_code FROM oc_order")] == [
        "EUR"]

    # retried while still disabled: held again, nothing written
    [again] = run.send([result.held_in])
    assert again.state == S.CHECK_FAILED and again.held == [("1002", "OX-CHK-052")]
    assert query(shop, "SELECT COUNT(*) AS n FROM oc_order")[0]["n"] == 1

    # the supplier enables CHF in its admin: the retry writes the order, shown in CHF
    root_execute(shop, "UPDATE oc_currency SET status = 1 WHERE code = 'CHF'")
    [fixed] = run.send([result.held_in])
    assert fixed.state == S.NOTIFIED and fixed.written == 1, fixed.as_dict()
    [t] = run.store.supplier_order(result.held_in).transfers
    assert t.state == TransferState.WRITTEN
    [o] = query(shop, "SELECT currency_code, currency_value, order_status_id FROM oc_order "
                      "WHERE order_id = :o", o=int(t.remote_order_id))
    assert o["currency_code"] == "CHF" and o["order_status_id"] == 1
    assert f"{o['currency_value']:.4f}" == "0.9412"


def test_purchase_prices_in_a_disabled_currency_still_convert(shop, prepare):
    add_currency(shop, "CHF", CHF_RATE, status=0)
    catalogue = ("sku,supplier,supplier_sku,purchase_price,name,currency\n"
                 "HAMMER,alpha,A-100,9.41,Claw hammer,CHF\n")
    run = prepare(alpha(shop, shipping_cost="0"), [sample_order("1001")], catalogue=catalogue)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 1, result.as_dict()
    # 9.41 CHF at 0.9412 per EUR = 9.9979 EUR per unit (4 places)
    [line] = query(shop, "SELECT price FROM oc_order_product")
    assert f"{line['price']:.4f}" == "9.9979"


def test_test_db_names_a_configured_currency_that_is_disabled(shop, prepare):
    add_currency(shop, "CHF", CHF_RATE, status=0)
    run = prepare(alpha(shop, currencies=["EUR", "CHF"]), [sample_order("1001")])
    with run.connector() as connector:
        report = connector.self_test()
    stage = {s.name: s for s in report.stages}["reference data"]
    assert not stage.ok
    assert "OX-DB-009" in stage.detail and "currencies = CHF" in stage.detail
    assert "oc_currency with status enabled" in stage.detail
    assert "EUR" not in stage.detail.split("currencies = ")[1][:4]


def test_realistic_orders_in_a_disabled_currency_are_held_the_others_written(mariadb_db,
                                                                              prepare):
    """The generator's EUR/CHF/GBP/PLN orders into an OpenCart 4 shop with GBP enabled, CHF
    disabled and no PLN: every CHF order held with OX-CHK-052, every PLN order with OX-CHK-010,
    none of them in the shop; every EUR and GBP order written and listed by the admin."""
    OpenCart("4").create(mariadb_db)
    add_currency(mariadb_db, "GBP", "0.85650000", status=1)
    add_currency(mariadb_db, "CHF", CHF_RATE, status=0)
    data = orderdata.generate(90, seed=52, today=date(2026, 11, 30))
    good = [o for o, _lb in data.good()]
    run = prepare(alpha(mariadb_db), good, catalogue=data.catalogue_csv())
    results = run.send()
    held: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for number, code in r.held:
            held[number].add(code)
    by_currency = defaultdict(set)
    for o in good:
        by_currency[o["currency"]].add(o["number"])
    assert by_currency["CHF"] and by_currency["PLN"] and by_currency["GBP"]
    assert {n: held[n] for n in by_currency["CHF"]} == {n: {"OX-CHK-052"}
                                                        for n in by_currency["CHF"]}
    assert {n: held[n] for n in by_currency["PLN"]} == {n: {"OX-CHK-010"}
                                                        for n in by_currency["PLN"]}
    listed = {r["currency_code"] for r in query(
        mariadb_db, "SELECT currency_code FROM oc_order WHERE order_status_id > 0")}
    assert listed == {"EUR", "GBP"}
    written = sum(r.written for r in results)
    assert written == len(by_currency["EUR"] | by_currency["GBP"]) - len(
        set(held) - by_currency["CHF"] - by_currency["PLN"])
    assert query(mariadb_db, "SELECT COUNT(*) AS n FROM oc_order WHERE order_status_id > 0"
                 )[0]["n"] == written
