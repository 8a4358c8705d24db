"""Issue 13 §3 on the real throwaway MariaDB: orders in several currencies, with a EUR catalogue,
land in every SQL connector's shop so that the shop's own admin list and order view show the
order's currency and the right amounts in it, and the totals add up to the cent — in strict and
lenient SQL mode. A currency the shop lacks (PLN) is refused at step 1 with OX-CHK-010.

The expected amounts are worked out here from the shop's rates, independently of the connector:
unit = EUR price × rate(order) ÷ rate(EUR), 4 places; line = unit × quantity to the cent; VAT per
rate on the rate's net sum; shipping 4.90 EUR converted likewise.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from typing import Any

import pytest
from helpers import create_oscommerce_schema, sample_order
from shopdb import (  # noqa: F401 - prepare is a fixture
    load_schema, prepare, query, root_execute, shop_section,
)

from orderexchange.model import SupplierOrderState as S

CATALOGUE = ("sku,supplier,supplier_sku,purchase_price,name,currency\n"
             "HAMMER,alpha,A-100,7.20,Claw hammer,EUR\n"
             "SCREWS,alpha,A-200,10.85,Screwdriver set,EUR\n")
LINES = [{"sku": "HAMMER", "name": "Claw hammer", "quantity": 3, "unit_price": "12.90",
          "tax_rate": "19"},
         {"sku": "SCREWS", "name": "Screwdriver set", "quantity": 7, "unit_price": "19.90",
          "tax_rate": "7"}]
PRICES = {"A-100": (D("7.20"), 3, D("19")), "A-200": (D("10.85"), 7, D("7"))}
CENT = D("0.01")


def cents(value: Any) -> D:
    return D(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def digits(text: str) -> str:
    """The digits a formatted amount shows ("<strong>CHF 1'234.50</strong>" → "123450")."""
    return re.sub(r"\D", "", re.sub(r"<[^>]+>", "", text))


def expected(rates: dict[str, D], currency: str) -> dict[str, Any]:
    factor = rates[currency] / rates["EUR"]
    lines, by_rate = {}, {}
    for sku, (price, qty, vat) in PRICES.items():
        unit = (price * factor).quantize(D("0.0001"), rounding=ROUND_HALF_UP)
        lines[sku] = cents(unit * qty)
        by_rate[vat] = by_rate.get(vat, D(0)) + lines[sku]
    tax = {vat: cents(net * vat / 100) for vat, net in by_rate.items()}
    net = sum(lines.values(), D(0))
    shipping = cents(D("4.90") * factor)
    return {"lines": lines, "net": net, "tax": tax, "shipping": shipping,
            "total": net + sum(tax.values(), D(0)) + shipping}


# --- the shops: schema, rates, and how their admin shows an order ------------------------------
def setup_oscommerce(db) -> dict[str, D]:
    create_oscommerce_schema(db.url)
    return rates_of(db, "SELECT code, value FROM currencies")


def setup_modified(db) -> dict[str, D]:
    load_schema(db.url, "modified_mysql.sql")
    return rates_of(db, "SELECT code, value FROM currencies")


def setup_opencart(db) -> dict[str, D]:
    """OpenCart 3 (MyISAM) with its stock currencies: default USD, EUR 0.78460002, GBP 0.61250001
    (install/opencart-en-gb.sql) — a EUR catalogue in a USD shop."""
    load_schema(db.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    root_execute(db, "UPDATE oc_currency SET value = 0.78460002 WHERE code = 'EUR'",
                 "UPDATE oc_currency SET value = 1.00000000 WHERE code = 'USD'",
                 "INSERT INTO oc_currency (title, code, symbol_left, symbol_right, decimal_place, "
                 "value, status, date_modified) VALUES ('Pound Sterling', 'GBP', '£', '', '2', "
                 "0.61250001, 1, NOW())",
                 "UPDATE oc_setting SET value = 'USD' WHERE `key` = 'config_currency'")
    return rates_of(db, "SELECT code, value FROM oc_currency")


def setup_oxid(db) -> dict[str, D]:
    load_schema(db.url, "oxid7_mysql.sql")
    # OXID's stock aCurrencies (initial_data.sql), as the schema seeds it
    return {"EUR": D("1.00"), "GBP": D("0.8565"), "CHF": D("1.4326"), "USD": D("1.2994")}


def rates_of(db, sql: str) -> dict[str, D]:
    return {r["code"]: D(str(r["value"])) for r in query(db, sql)}


def shown_oscommerce(db, order_id: int) -> dict[str, Any]:
    """admin/orders.php: the list shows `strip_tags(ot.text)` of `ot_total`; the order view the
    `text` of each total row and each line as format(final_price × qty, currency_value)."""
    [o] = query(db, "SELECT o.currency, o.currency_value, ot.text FROM orders o LEFT JOIN "
                    "orders_total ot ON o.orders_id = ot.orders_id WHERE ot.class = 'ot_total' "
                    "AND o.orders_id = :o", o=order_id)
    totals = query(db, "SELECT class, text FROM orders_total WHERE orders_id = :o "
                       "ORDER BY sort_order", o=order_id)
    lines = query(db, "SELECT products_model, final_price, products_quantity FROM "
                      "orders_products WHERE orders_id = :o", o=order_id)
    rate = D(str(o["currency_value"]))
    return {"currency": o["currency"], "list": digits(o["text"]),
            "rows": [(t["class"], digits(t["text"])) for t in totals],
            "lines": {ln["products_model"]: cents(D(str(ln["final_price"]))
                                                  * ln["products_quantity"] * rate)
                      for ln in lines}}


def shown_modified(db, order_id: int) -> dict[str, Any]:
    """admin/includes/modules/orders_listing.php: format_price(get_order_total()) — the
    `ot_total` value as it is, no conversion; orders_info_blocks.php: each total row's `text`
    and each line's format_price(final_price)."""
    [o] = query(db, "SELECT currency, (SELECT value FROM orders_total WHERE orders_id = :o AND "
                    "class IN ('ot_total', 'ot_subtotal_no_tax', 'ot_subtotal') ORDER BY "
                    "sort_order DESC LIMIT 1) AS total FROM orders WHERE orders_id = :o",
                 o=order_id)
    totals = query(db, "SELECT class, text FROM orders_total WHERE orders_id = :o "
                       "ORDER BY sort_order", o=order_id)
    lines = query(db, "SELECT products_model, final_price, allow_tax FROM orders_products "
                      "WHERE orders_id = :o", o=order_id)
    return {"currency": o["currency"], "list": digits(f"{cents(o['total'])}"),
            "rows": [(t["class"], digits(t["text"])) for t in totals],
            "lines": {ln["products_model"]: cents(ln["final_price"]) for ln in lines},
            "gross": bool(lines[0]["allow_tax"])}


def shown_opencart(db, order_id: int) -> dict[str, Any]:
    """admin/model/sale/order.php getOrders + controller sale/order: the list shows
    currency->format(total, currency_code, currency_value); the info page each `order_total`
    value and each product's total the same way (value × currency_value, rounded)."""
    [o] = query(db, "SELECT total, currency_code, currency_value FROM oc_order WHERE "
                    "order_id = :o AND order_status_id > '0'", o=order_id)
    rate = D(str(o["currency_value"]))
    totals = query(db, "SELECT code, value FROM oc_order_total WHERE order_id = :o "
                       "ORDER BY sort_order, order_total_id", o=order_id)
    lines = query(db, "SELECT model, total FROM oc_order_product WHERE order_id = :o",
                  o=order_id)
    return {"currency": o["currency_code"], "list": digits(f"{cents(D(str(o['total'])) * rate)}"),
            "rows": [(t["code"], digits(f"{cents(D(str(t['value'])) * rate)}")) for t in totals],
            "lines": {ln["model"]: cents(D(str(ln["total"])) * rate) for ln in lines}}


def shown_oxid(db, order_id: str) -> dict[str, Any]:
    """Admin order_list (OXTOTALORDERSUM with OXCURRENCY) and order_overview (net sum, VAT
    slots, gross sum, delivery cost, total; each article's OXNETPRICE), all in the order's
    currency as stored."""
    [o] = query(db, "SELECT * FROM oxorder WHERE (OXID = :o OR OXORDERNR = :o) AND "
                    "OXTRANSSTATUS = 'OK' AND OXFOLDER = 'ORDERFOLDER_NEW'", o=order_id)
    lines = query(db, "SELECT OXARTNUM, OXNETPRICE, OXVATPRICE FROM oxorderarticles WHERE "
                      "OXORDERID = :o", o=o["OXID"])
    rows = [("net", digits(f"{cents(o['OXTOTALNETSUM'])}")),
            ("shipping", digits(f"{cents(o['OXDELCOST'])}"))]
    rows += [("tax", digits(f"{cents(o[f'OXARTVATPRICE{i}'])}")) for i in (1, 2)
             if o[f"OXARTVAT{i}"]]
    rows.append(("total", digits(f"{cents(o['OXTOTALORDERSUM'])}")))
    return {"currency": o["OXCURRENCY"], "list": digits(f"{cents(o['OXTOTALORDERSUM'])}"),
            "rows": rows, "lines": {ln["OXARTNUM"]: cents(ln["OXNETPRICE"]) for ln in lines},
            "rate": D(str(o["OXCURRATE"])),
            "brut": cents(o["OXTOTALBRUTSUM"]), "vat_lines": sum(
                (cents(ln["OXVATPRICE"]) for ln in lines), D(0))}


SHOPS = {  # name → (setup, connector section, admin view, currencies written, their rows)
    "oscommerce": (setup_oscommerce, {"type": "oscommerce", "variant": "oscommerce2"},
                   shown_oscommerce, ["EUR", "CHF", "GBP"]),
    "modified": (setup_modified, {"type": "oscommerce"}, shown_modified, ["EUR", "CHF", "USD"]),
    "opencart3": (setup_opencart, {"type": "opencart"}, shown_opencart, ["EUR", "GBP", "USD"]),
    "oxid7": (setup_oxid, {"type": "oxid"}, shown_oxid, ["EUR", "CHF", "GBP"]),
}


def orders(currencies: list[str]) -> list[dict[str, Any]]:
    return [sample_order(f"{c}-1", email=f"{c.lower()}@example.com", currency=c, lines=LINES)
            for c in currencies]


def digits_of(amount: D) -> str:
    return digits(f"{amount:.2f}")


@pytest.mark.parametrize("mode", ["strict", "lenient"])
@pytest.mark.parametrize("name", sorted(SHOPS))
def test_orders_show_in_their_currency_with_the_right_amounts(name, mode, request, prepare):
    db = request.getfixturevalue("mariadb_db" if mode == "strict" else "mariadb_nonstrict_db")
    setup, connector, shown, currencies = SHOPS[name]
    rates = setup(db)
    run = prepare({"alpha": shop_section(db, connector)}, orders(currencies),
                  catalogue=CATALOGUE)
    [result] = run.send()
    assert result.error is None and result.state == S.NOTIFIED, result.as_dict()
    for number, t in run.transfers().items():
        currency = number.split("-")[0]
        want = expected(rates, currency)
        view = shown(db, int(t.remote_order_id) if name != "oxid7" else t.remote_order_id)
        assert view["currency"] == currency
        assert view["list"] == digits_of(want["total"]), (number, view, want)
        assert view["lines"] == {"A-100": want["lines"]["A-100"],
                                 "A-200": want["lines"]["A-200"]} or view.get("gross"), view
        taxes = [digits_of(want["tax"][D("19")]), digits_of(want["tax"][D("7")])]
        if name == "oxid7":
            assert view["rate"] == rates[currency]
            assert view["rows"] == [("net", digits_of(want["net"])),
                                    ("shipping", digits_of(want["shipping"])),
                                    ("tax", taxes[0]), ("tax", taxes[1]),
                                    ("total", digits_of(want["total"]))]
            # the articles add up to the order's sums
            assert view["vat_lines"] == want["tax"][D("19")] + want["tax"][D("7")]
            assert view["brut"] == want["net"] + view["vat_lines"]
            continue
        if name == "oscommerce":
            assert view["rows"] == [("ot_subtotal", digits_of(want["net"])),
                                    ("ot_shipping", digits_of(want["shipping"])),
                                    ("ot_tax", digits_of(sum(want["tax"].values(), D(0)))),
                                    ("ot_total", digits_of(want["total"]))]
        elif name == "modified":  # a gross group (stock group 2): VAT contained, "incl."
            assert view["gross"]
            gross = {sku: want["lines"][sku] + want["tax"][PRICES[sku][2]]
                     for sku in PRICES}  # one line per rate: the line carries the rate's VAT
            assert view["lines"] == gross
            assert view["rows"] == [("ot_subtotal", digits_of(sum(gross.values(), D(0)))),
                                    ("ot_shipping", digits_of(want["shipping"])),
                                    ("ot_tax", taxes[0]), ("ot_tax", taxes[1]),
                                    ("ot_total", digits_of(want["total"]))]
        else:
            assert view["rows"] == [("sub_total", digits_of(want["net"])),
                                    ("shipping", digits_of(want["shipping"])),
                                    ("tax", taxes[0]), ("tax", taxes[1]),
                                    ("total", digits_of(want["total"]))]


def test_worked_example_chf_on_modified(mariadb_db, prepare):
    """By hand, modified's stock CHF 1.2044: A-100 7.20 → 8.6717 × 3 = 26.02 (+19 % 4.94);
    A-200 10.85 → 13.0677 × 7 = 91.47 (+7 % 6.40); shipping 4.90 → 5.90;
    total 26.02 + 4.94 + 91.47 + 6.40 + 5.90 = 134.73."""
    setup_modified(mariadb_db)
    run = prepare({"alpha": shop_section(mariadb_db, {"type": "oscommerce"})}, orders(["CHF"]),
                  catalogue=CATALOGUE)
    [result] = run.send()
    assert result.error is None, result.as_dict()
    order_id = int(run.transfers()["CHF-1"].remote_order_id)
    view = shown_modified(mariadb_db, order_id)
    assert (view["currency"], view["list"]) == ("CHF", "13473")
    assert view["lines"] == {"A-100": D("30.96"), "A-200": D("97.87")}
    [o] = query(mariadb_db, "SELECT currency_value FROM orders WHERE orders_id = :o", o=order_id)
    assert D(str(o["currency_value"])) == D("1.2044")


@pytest.mark.parametrize("name", sorted(SHOPS))
def test_a_currency_the_shop_lacks_is_refused_at_step_1(name, mariadb_db, prepare):
    setup, connector, _shown, _currencies = SHOPS[name]
    setup(mariadb_db)
    run = prepare({"alpha": shop_section(mariadb_db, connector)}, orders(["PLN"]),
                  catalogue=CATALOGUE)
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    codes = {(f.order, f.code) for f in result.findings if f.blocking}
    assert ("PLN-1", "OX-CHK-010") in codes, codes
