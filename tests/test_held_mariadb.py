"""Issue 13 §2 on a real MariaDB osCommerce shop: one order in a currency the shop lacks is held,
the others are written and notified; after the currency is added, a retry sends the held one.
"""

from __future__ import annotations

import json

from helpers import sample_order
from test_oscommerce_mariadb import (  # noqa: F401 - `prepare` is a fixture
    alpha, prepare, query, root_execute,
)

from orderexchange.importer import import_orders
from orderexchange.model import SupplierOrderState as S, TransferState


def test_an_order_in_a_currency_the_shop_lacks_is_held_and_retried_after_the_fix(
        oscommerce_shop, prepare):
    orders = [sample_order("3001"), sample_order("3002", email="zloty@example.pl",
                                                 first="Ola", last="Nowak", currency="PLN"),
              sample_order("3003", email="c.weber@example.com", first="Carl", last="Weber")]
    run = prepare(alpha(oscommerce_shop), orders)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.error is None, result.as_dict()
    assert (result.written, result.held) == (2, [("3002", "OX-CHK-010")])
    numbers = sorted(r["customers_name"] for r in query(oscommerce_shop,
                                                        "SELECT customers_name FROM orders"))
    assert numbers == ["Anna Schmidt", "Carl Weber"]
    # the notification lists what was written, nothing of the held order
    [eml] = run.eml_files()
    text = eml.read_text(encoding="utf-8")
    assert "3001" in text and "3003" in text and "3002" not in text
    # the held order: its own supplier order, check_failed, with its code and finding
    held = run.store.supplier_order(result.held_in)
    assert held.state == S.CHECK_FAILED and held.error_code == "OX-CHK-010"
    [t] = held.transfers
    assert (t.customer_order.number, t.state, t.error_code) == ("3002", TransferState.HELD,
                                                               "OX-CHK-010")
    assert [(f.code, f.order) for f in run.store.findings(held.id)] == [("OX-CHK-010", "3002")]
    assert [f.order for f in run.store.findings(run.so_ids[0])] == []
    assert [(h["order"], h["code"]) for h in run.store.held_orders("alpha")] == [
        ("3002", "OX-CHK-010")]
    log = run.store.transfer_log(order_number="3002")
    assert [(e["step"], e["code"]) for e in log if e["step"] == "held"][-1] == (
        "held", "OX-CHK-010")

    # retried before the fix: still held, nothing written
    def held_events() -> list[str]:
        return [e["message"] for e in run.store.transfer_log(order_number="3002")
                if e["step"] == "held"]

    before = held_events()
    assert any(m.startswith("3002: held:") for m in before)
    [again] = run.send([held.id])
    assert again.state == S.CHECK_FAILED and again.held == [("3002", "OX-CHK-010")]
    # held again for the same reason: no new `held` event (the daemon retries every run)
    assert held_events() == before
    # the distributor adds the currency to the supplier's shop; the retry sends it
    root_execute(oscommerce_shop,
                 "INSERT INTO currencies (title, code, symbol_left, symbol_right, decimal_point,"
                 " thousands_point, decimal_places, value) VALUES ('Zloty', 'PLN', '', ' zł', ','"
                 ", '.', '2', 4.32)")
    [fixed] = run.send([held.id])
    assert fixed.state == S.NOTIFIED and fixed.written == 1, fixed.as_dict()
    assert run.store.held_orders() == []
    [t] = run.store.supplier_order(held.id).transfers
    assert t.state == TransferState.WRITTEN and t.error_code is None
    assert query(oscommerce_shop, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == 3


def test_hold_policy_supplier_order_writes_nothing(oscommerce_shop, prepare):
    orders = [sample_order("3011"), sample_order("3012", email="zloty@example.pl",
                                                 first="Ola", last="Nowak", currency="PLN")]
    run = prepare(alpha(oscommerce_shop, hold_policy="supplier_order"), orders)
    [result] = run.send()
    assert result.state == S.CHECK_FAILED and result.error.code == "OX-CHK-010"
    assert result.held == [("3012", "OX-CHK-010")] and result.held_in is None
    assert query(oscommerce_shop, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == 0
    states = {t.customer_order.number: t.state for t in run.transfers().values()}
    assert states == {"3011": TransferState.PENDING, "3012": TransferState.HELD}


def test_a_held_order_is_fixed_by_importing_its_corrected_copy(oscommerce_shop, prepare,
                                                               tmp_path):
    italy = {"first_name": "Luca", "last_name": "Rossi", "street": "Via Roma 1",
             "postcode": "00184", "city": "Roma", "country": "IT"}
    munich = {"first_name": "Luca", "last_name": "Rossi", "street": "Ringstr. 9",
              "postcode": "80331", "city": "München", "country": "DE"}
    wrong = sample_order("3021", email="luca@example.it", first="Luca", last="Rossi",
                         delivery=italy)
    run = prepare(alpha(oscommerce_shop), [sample_order("3020"), wrong])
    [result] = run.send()
    assert result.held == [("3021", "OX-CHK-004")] and result.written == 1

    path = tmp_path / "corrected.jsonl"
    corrected = dict(wrong, delivery=munich)
    first_again = sample_order("3020", phone="+49 30 9999999")  # written already: not replaced
    path.write_text(json.dumps(corrected) + "\n" + json.dumps(first_again) + "\n",
                    encoding="utf-8")
    report = import_orders(run.store, path)
    notices = [(n.code, n.facts["order"]) for n in report.notices]
    assert ("OX-IMP-018", "3021") in notices
    assert ("OX-IMP-019", "3020") in notices
    assert "already in a supplier's shop" in next(
        n.message for n in report.notices if n.code == "OX-IMP-019")
    assert report.counts["corrected"] == 1

    [fixed] = run.send([result.held_in])
    assert fixed.state == S.NOTIFIED and fixed.written == 1, fixed.as_dict()
    [row] = query(oscommerce_shop, "SELECT delivery_city, delivery_country FROM orders "
                  "WHERE orders_id = :o", o=int(run.store.supplier_order(result.held_in)
                                                .transfers[0].remote_order_id))
    assert row == {"delivery_city": "München", "delivery_country": "Germany"}
    # the written order kept what it said
    [kept] = [t for t in run.store.supplier_order(run.so_ids[0]).transfers]
    assert kept.customer_order.customer.phone == "+49301234567"
