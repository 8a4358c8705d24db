"""The generic SQL connector's rows from columns compiled once per section (`_row`): what
`render` gives column by column — the same values, types and column order — with a child row's
own placeholders (a line's, a total's, a history entry's) taken from its own dict. And an
order's values, kept per supplier order (`_order_values`): what a write puts on top of them
(its time, customer, number, a distributor's account) never sticks to them."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from shopdb import connector_of

from orderexchange import config as config_mod
from orderexchange.plugins.generic_sql import render
from orderexchange.plugins.shop_money import ShopRates
from orderexchange.plugins.shop_sql import Product, sample_transfer

MAPPING = tomllib.loads((Path(__file__).parent.parent / "orderexchange" / "shop_schemas"
                         / "generic_shop_connector.toml").read_text(encoding="utf-8"))
NOW = datetime(2026, 1, 2, 3, 4, 5)

#: every kind of mapped value: constants of each TOML type, escaped braces, text mixing the
#: row's own placeholders with the order's, a lone placeholder of a value not given
EXTRA = {
    "order": {"flag": True, "off": False, "rate": 1.25, "count": 7, "note": "plain {{x}}",
              "empty": "", "title": "{{ {order.number} }} for {customer.name} at {now}",
              "nothing": "{order.shop_number}", "day": "{today}"},
    "lines": {"flag": True, "rate": 0.5, "label": "{line.no}. {line.sku} of {order.number}",
              "fixed": "x"},
    "totals": {"label2": "{total.title}: {total.value} ({order.currency})", "one": 1},
    "history": {"text": "{history.status}/{order.reference}", "zero": 0.0},
}

ORDER_VALUES: dict[str, Any] = {
    "now": NOW, "today": NOW.date(), "order.number": "R-1", "order.reference": "OX-1",
    "order.currency": "EUR", "order.subtotal": Decimal("10.00"), "order.tax": Decimal("1.90"),
    "order.shipping": Decimal("4.90"), "order.total": Decimal("16.80"), "order.id": 42,
    "order.shop_number": None, "customer.id": 7, "customer.email": "a@b.example",
    "customer.name": "Anna Berg", "billing.name": "Anna Berg", "billing.company": "",
    "billing.street": "Weg 1", "billing.postcode": "12345", "billing.city": "Köln",
    "billing.country_id": 1, "delivery.name": "Anna Berg", "delivery.street": "Weg 1",
    "delivery.postcode": "12345", "delivery.city": "Köln", "delivery.country": "DE",
}
LINE = {"line.no": 2, "line.sku": "A-100", "line.name": "Hammer", "line.quantity": 3,
        "line.unit_price": Decimal("3.50"), "line.tax_rate": Decimal("19"),
        "line.net": Decimal("10.50"), "line.tax": Decimal("2.00"), "line.product_id": None}
TOTAL = {"total.code": "tax", "total.title": "VAT 19 %", "total.value": Decimal("1.90"),
         "total.sort": 3, "total.rate": Decimal("19")}
HISTORY = {"history.status": "new", "history.comment": "[OX-1] sent"}


def connector(tmp_path: Path, monkeypatch: Any, **supplier: Any) -> Any:
    mapping = copy.deepcopy(MAPPING)
    for section, columns in EXTRA.items():
        mapping[section]["columns"].update(columns)
    monkeypatch.setenv("GAMMA_SHOP_PASSWORD", "secret")
    config = config_mod.from_dict({
        "distributor": {"id": "acme", "name": "ACME", "email": "o@acme.example"},
        "suppliers": {"gamma": {
            "name": "Gamma", "email": "orders@gamma.example", "shipping_cost": "4.90",
            "database": {"url": "mysql+pymysql://exchange@shop.gamma.example:3306/shopkit",
                         "password": "${GAMMA_SHOP_PASSWORD}"},
            "connector": mapping, **supplier}}}, tmp_path / "config.toml")
    return connector_of(config, "gamma")


def typed(row: dict[str, Any]) -> list[tuple[str, type, Any]]:
    return [(column, type(value), value) for column, value in row.items()]


def rendered(section: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {column: render(template, values) for column, template in section.columns.items()}


def test_rows_are_what_render_gives_in_value_type_and_column_order(tmp_path, monkeypatch):
    c = connector(tmp_path, monkeypatch)
    s = c.settings
    for _twice in range(2):  # the second time from the kept plans
        for section, own in ((s.order, None), (s.customer, None), (s.address, None),
                             (s.lines, LINE), (s.totals, TOTAL), (s.history, HISTORY)):
            expected = rendered(section, {**ORDER_VALUES, **(own or {})})
            assert typed(c._row(section, ORDER_VALUES, own)) == typed(expected), section.section
    order = c._row(s.order, ORDER_VALUES)
    assert (order["flag"], order["off"], order["rate"], order["note"], order["title"],
            order["nothing"], order["day"]) == (1, 0, Decimal("1.25"), "plain {x}",
                                                "{ R-1 } for Anna Berg at 2026-01-02 03:04:05",
                                                None, date(2026, 1, 2))
    assert type(order["flag"]) is int


def test_a_history_row_from_one_dict_as_cancel_gives_it(tmp_path, monkeypatch):
    """`cancel` hands the history entry's own values inside the order's."""
    c = connector(tmp_path, monkeypatch)
    values = {**ORDER_VALUES, **HISTORY}
    assert typed(c._row(c.settings.history, values)) == typed(
        rendered(c.settings.history, values))
    assert c._row(c.settings.history, values)["text"] == "new/OX-1"


def test_rows_of_one_line_do_not_leak_into_the_next(tmp_path, monkeypatch):
    c = connector(tmp_path, monkeypatch)
    first = c._row(c.settings.lines, ORDER_VALUES, LINE)
    second = c._row(c.settings.lines, ORDER_VALUES, {**LINE, "line.no": 3, "line.sku": "B"})
    assert (first["label"], second["label"]) == ("2. A-100 of R-1", "3. B of R-1")
    assert first is not second and first["order_id"] == second["order_id"] == 42


def ref(country: str = "DE") -> dict[str, Any]:
    return {"rates": ShopRates.of([("EUR", "1")], "test"), "products": {},
            "countries": {country: {"id": 9, "name": "Deutschland"}}}


def test_an_orders_values_are_kept_and_each_write_gets_its_own_copy(tmp_path, monkeypatch):
    c = connector(tmp_path, monkeypatch)
    so, transfer = sample_transfer("gamma", "OX-AAAABBBBCCCCDDDDEEEE", "A-100", "DE", "EUR")
    shop = ref()
    first = c._values(so, transfer, shop, customer_id=None, account=None, now=NOW)
    first["order.id"] = 1  # what a write adds to its values
    later = NOW.replace(hour=9)
    second = c._values(so, transfer, shop, customer_id=7, account=None, now=later, number=5001)
    assert (second["now"], second["today"], second["customer.id"], second["order.shop_number"]) \
        == (later, later.date(), 7, 5001)
    assert "order.id" not in second and first["customer.id"] is None
    assert {k: v for k, v in first.items() if k not in ("order.id", "now", "today")} == {
        k: v for k, v in second.items() if k not in ("now", "today", "customer.id",
                                                       "order.shop_number")} | {
        "customer.id": None, "order.shop_number": None}
    assert list(second)[:2] == ["now", "today"]  # the keys in their order of before
    assert second["billing.country_id"] == 9 and second["order.reference"] == transfer.reference
    other = c._values(so, transfer, ref("FR"), customer_id=None, account=None, now=NOW)
    assert (other["billing.country_id"], other["billing.country_name"]) == (None, "Germany")


def test_a_distributor_account_is_laid_over_the_kept_values_not_into_them(tmp_path,
                                                                         monkeypatch):
    c = connector(tmp_path, monkeypatch, customer_policy="distributor",
                  distributor_customer_id=3)
    so, transfer = sample_transfer("gamma", "OX-AAAABBBBCCCCDDDDEEEE", "A-100", "DE", "EUR")
    shop = ref()
    account = {"id": 3, "email": "shop@acme.example", "first_name": "ACME", "last_name": "Einkauf",
               "country": "DE", "street": "Hafen 2"}
    booked = c._values(so, transfer, shop, customer_id=3, account=account, now=NOW)
    plain = c._values(so, transfer, shop, customer_id=None, account=None, now=NOW)
    assert (booked["customer.email"], booked["billing.street"]) == ("shop@acme.example",
                                                                    "Hafen 2")
    assert (plain["customer.email"], plain["billing.street"]) == (
        transfer.customer_order.customer.email, "Teststr. 1")


def test_the_values_step_1_worked_out_serve_the_write_of_the_uncopied_supplier_order(
        tmp_path, monkeypatch):
    """Step 1 checks a copy of the supplier order (checks.run_checks: the orders not held); the
    write gets the original. The values are worked out once for both, each with its own id."""
    c = connector(tmp_path, monkeypatch)
    so, transfer = sample_transfer("gamma", "OX-AAAABBBBCCCCDDDDEEEE", "A-100", "DE", "EUR")
    checked = dataclasses.replace(so, transfers=[transfer])
    worked = []
    work_out = c._work_out_values
    monkeypatch.setattr(c, "_work_out_values", lambda *a: worked.append(a) or work_out(*a))
    shop = ref()
    in_step_1 = c._values(checked, transfer, shop, customer_id=None, account=None, now=NOW)
    in_write = c._values(so, transfer, shop, customer_id=None, account=None, now=NOW)
    assert len(worked) == 1
    assert in_step_1 == in_write and in_write["supplier_order.id"] == so.id
    other = dataclasses.replace(so, id=so.id + 1)
    assert c._values(other, transfer, shop, customer_id=None, account=None,
                     now=NOW)["supplier_order.id"] == so.id + 1


def test_an_orders_lines_are_worked_out_once_for_step_1_and_the_write(tmp_path, monkeypatch):
    c = connector(tmp_path, monkeypatch)
    _so, transfer = sample_transfer("gamma", "OX-AAAABBBBCCCCDDDDEEEE", "A-100", "DE", "EUR")
    shop = ref()
    amounts = c._amounts(transfer, shop["rates"])
    worked = []
    work_out = c._work_out_lines
    monkeypatch.setattr(c, "_work_out_lines", lambda *a: worked.append(a) or work_out(*a))
    in_step_1 = c._line_values(transfer, shop, amounts)
    assert c._line_values(transfer, shop, amounts) is in_step_1 and len(worked) == 1
    (line,) = in_step_1
    assert (line["line.sku"], line["line.quantity"], line["line.product_id"]) == ("A-100", 1, None)
    renamed = {"A-100": Product(5, "A-100", True, "Shop name")}
    (line,) = c._line_values(transfer, dict(shop, products=renamed), amounts)
    assert (line["line.name"], line["line.product_id"], len(worked)) == ("Shop name", 5, 2)
