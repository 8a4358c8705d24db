"""The PrestaShop 8 connector against a real MariaDB: what lands in the shop, row by row.

A PrestaShop 8 shop from shop_schemas/prestashop8_mysql.sql (two shops in one group), driven
through the real path (import → build → Dispatcher.send) and read back with the queries the
shop's own admin runs:

- the order list: src/Core/Grid/Query/OrderQueryBuilder.php at commit
  601f1327e0dedbe052be735c51487e7c4336dfa9 (getBaseQueryBuilder's joins and its
  `o.id_shop IN (:context_shop_ids)`, getSearchQueryBuilder's columns, the "new customer"
  sub-select; sorted by id_order as the grid's default);
- the order view: src/Adapter/Order/QueryHandler/GetOrderForViewingHandler.php at commit
  02df58ffe56d54dc2f4fda7797939baf5b7debae — its prices block (getOrderPrices, tax included:
  total_products_wt, total_shipping_tax_incl, total_paid_tax_incl, taxes = total_paid_tax_incl −
  total_paid_tax_excl), its payments (getOrderPayments: no "amount mismatch" warning while the
  payments of the order's reference add up to its total), its carriers (Order::getShipping:
  order_carrier with the carrier's tracking URL); and what it reads through
  classes/order/Order.php at commit 9df699a498beb853f81230fe983622694183a332: getProductsDetail
  (order_detail joined to product and product_shop) and getHistory (history, state, employee).

Expected values are written out by hand from the sample data. No wall-clock assertions.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pymysql
import pytest
import sqlalchemy as sa
from helpers import sample_order
from test_shop_sql import (  # noqa: F401 - prepare and shop_user are fixtures
    count, load_schema, prepare, query, root_execute, server_sql_mode, shop_section, shop_user,
)

from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugins import prestashop

SCHEMA = "prestashop8_mysql.sql"
#: OrderQueryBuilder (commit 601f1327): the grid's columns and joins, for one language and the
#: shops of the admin's context
ADMIN_LIST = (
    "SELECT CONCAT(LEFT(cu.`firstname`, 1), '. ', cu.`lastname`) AS `customer`, o.id_order, "
    "o.reference, o.total_paid_tax_incl, os.paid, osl.name AS osname, o.id_currency, "
    "cur.iso_code, o.current_state, o.id_customer, cu.`id_customer` IS NULL as "
    "`deleted_customer`, os.color, o.payment, s.name AS shop_name, o.date_add, cu.company, "
    "cl.name AS country_name, o.invoice_number, o.delivery_number, "
    "(SELECT IF(count(so.id_order) > 0, 0, 1) FROM ps_orders so WHERE so.id_customer = "
    "o.id_customer AND so.id_order < o.id_order LIMIT 1) AS new "
    "FROM ps_orders o LEFT JOIN ps_customer cu ON o.id_customer = cu.id_customer "
    "LEFT JOIN ps_currency cur ON o.id_currency = cur.id_currency "
    "INNER JOIN ps_address a ON o.id_address_delivery = a.id_address "
    "INNER JOIN ps_country c ON a.id_country = c.id_country "
    "INNER JOIN ps_country_lang cl ON c.id_country = cl.id_country AND cl.id_lang = :lang "
    "LEFT JOIN ps_order_state os ON o.current_state = os.id_order_state "
    "LEFT JOIN ps_order_state_lang osl ON os.id_order_state = osl.id_order_state AND "
    "osl.id_lang = :lang LEFT JOIN ps_shop s ON o.id_shop = s.id_shop "
    "WHERE o.`id_shop` IN :shops ORDER BY o.id_order ASC")
#: Order::getProductsDetail (commit 9df699a4)
PRODUCTS_DETAIL = ("SELECT p.*, ps.*, od.* FROM ps_order_detail od LEFT JOIN ps_product p ON "
                   "(p.id_product = od.product_id) LEFT JOIN ps_product_shop ps ON "
                   "(ps.id_product = p.id_product AND ps.id_shop = od.id_shop) "
                   "WHERE od.`id_order` = :o")
#: Order::getHistory (commit 9df699a4), no filters
HISTORY = ("SELECT os.*, oh.*, e.`firstname` as employee_firstname, e.`lastname` as "
           "employee_lastname, osl.`name` as ostate_name FROM ps_orders o LEFT JOIN "
           "ps_order_history oh ON o.`id_order` = oh.`id_order` LEFT JOIN ps_order_state os ON "
           "os.`id_order_state` = oh.`id_order_state` LEFT JOIN ps_order_state_lang osl ON "
           "(os.`id_order_state` = osl.`id_order_state` AND osl.`id_lang` = 1) LEFT JOIN "
           "ps_employee e ON e.`id_employee` = oh.`id_employee` WHERE oh.id_order = :o "
           "ORDER BY oh.date_add DESC, oh.id_order_history DESC")

ANNA = sample_order("1001")  # 2 × A-100 at 7.20, 19 % → 14.40 + 2.74 + 4.90 = 22.04
BERND = sample_order(  # 3 × A-200 at 10.80 (19 %) + 1 × A-100 at 7.20 (7 %) → 51.16
    "1002", email="bernd.bauer@example.com", first="Bernd", last="Bauer",
    billing={"first_name": "Bernd", "last_name": "Bauer", "company": "Bauer Bau GmbH",
             "street": "Lindenallee 7", "street2": "Hinterhaus", "postcode": "80331",
             "city": "München", "state": "BY", "country": "DE"},
    delivery={"first_name": "Clara", "last_name": "Bauer", "street": "Seeweg 3",
              "postcode": "1010", "city": "Wien", "country": "AT"},
    lines=[{"sku": "SCREWS", "name": "Screwdriver set", "quantity": 3, "unit_price": "19.90",
            "tax_rate": "19"},
           {"sku": "HAMMER", "name": "Claw hammer", "quantity": 1, "unit_price": "12.90",
            "tax_rate": "7"}])


def make_shop(db: Any, engine: str = "InnoDB") -> Any:
    """The shop on `engine`; configuration, customer and employee stay InnoDB (PrestaShop 8's
    indexes on them exceed MyISAM's key length: a MyISAM shop is a 1.6 one carried over)."""
    load_schema(db.url, SCHEMA, prefix="ps_", engine=engine, user_engine="InnoDB")
    return db


@pytest.fixture
def shop(mariadb_db):
    return make_shop(mariadb_db)


def alpha(db, connector: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    return {"alpha": shop_section(db, {"type": "prestashop", **(connector or {})}, **overrides)}


def admin_list(db, shops: tuple[int, ...] = (1,), lang: int = 1) -> list[dict[str, Any]]:
    engine = sa.create_engine(db.root_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            stmt = sa.text(ADMIN_LIST).bindparams(sa.bindparam("shops", expanding=True))
            rows = conn.execute(stmt, {"lang": lang, "shops": list(shops)})
            return [{"id": int(r.id_order), "reference": r.reference, "customer": r.customer,
                     "invoice": int(r.invoice_number),
                     "id_customer": int(r.id_customer), "total": r.total_paid_tax_incl,
                     "currency": r.iso_code, "state": r.osname, "paid": r.paid,
                     "country": r.country_name, "shop": r.shop_name, "new": int(r.new),
                     "payment": r.payment} for r in rows]
    finally:
        engine.dispose()


def full_send_and_verify(db, prepare) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    [result] = run.send()
    assert result.error is None and result.state == S.NOTIFIED, result.as_dict()
    assert (result.written, result.already_there, result.customers_created) == (2, 0, 1)
    transfers = run.transfers()
    assert {n: t.customer_match for n, t in transfers.items()} == {"1001": "email",
                                                                  "1002": "new"}
    ids = {n: int(t.remote_order_id) for n, t in transfers.items()}
    [bernd] = query(db, "SELECT * FROM ps_customer WHERE email = 'bernd.bauer@example.com'")

    listed = admin_list(db)
    for row in listed:
        assert re.fullmatch(r"[A-Z]{9}", row.pop("reference"))
    assert sorted(row.pop("invoice") for row in listed) == [1, 2]  # Order::setInvoice's
    assert listed == [
        {"id": ids["1001"], "customer": "A. Schmidt", "id_customer": 2,
         "total": Decimal("22.040000"), "currency": "EUR", "state": "Payment accepted",
         "paid": 1, "country": "Germany", "shop": "Alpha Tools", "new": 1,
         "payment": "Drop shipping via orderexchange"},
        {"id": ids["1002"], "customer": "B. Bauer", "id_customer": bernd["id_customer"],
         "total": Decimal("51.160000"), "currency": "EUR", "state": "Payment accepted",
         "paid": 1, "country": "Austria", "shop": "Alpha Tools", "new": 1,
         "payment": "Drop shipping via orderexchange"}]
    assert admin_list(db, shops=(2,)) == []  # the other shop's context does not list them

    # the order view: lines with the shop's product, their taxes, the history
    view = query(db, PRODUCTS_DETAIL + " ORDER BY od.id_order_detail", o=ids["1002"])
    assert [(r["product_id"], r["product_name"], r["product_quantity"], r["product_reference"],
             r["unit_price_tax_excl"], r["total_price_tax_excl"], r["total_price_tax_incl"],
             r["tax_name"], r["tax_rate"]) for r in view] == [
        (11, "Screwdriver set, 6 pieces", 3, "A-200", Decimal("10.800000"),
         Decimal("32.400000"), Decimal("38.560000"), "USt. DE 19%", Decimal("19.000")),
        (10, "Claw hammer 450 g", 1, "A-100", Decimal("7.200000"), Decimal("7.200000"),
         Decimal("7.700000"), "USt. DE 7%", Decimal("7.000"))]
    taxes = query(db, "SELECT t.id_tax, t.total_amount FROM ps_order_detail_tax t JOIN "
                      "ps_order_detail d ON d.id_order_detail = t.id_order_detail WHERE "
                      "d.id_order = :o ORDER BY t.id_order_detail", o=ids["1002"])
    assert [(r["id_tax"], r["total_amount"]) for r in taxes] == [
        (1, Decimal("6.160000")), (2, Decimal("0.500000"))]
    history = query(db, HISTORY, o=ids["1002"])
    assert [(r["ostate_name"], r["id_employee"], r["paid"]) for r in history] == [
        ("Payment accepted", 0, 1)]

    # GetOrderForViewingHandler::getOrderPrices (tax included) and getOrderPayments' check
    [prices] = query(db, "SELECT total_products_wt, total_shipping_tax_incl, total_paid_tax_incl,"
                         " total_paid_tax_incl - total_paid_tax_excl AS taxes FROM ps_orders "
                         "WHERE id_order = :o", o=ids["1002"])
    assert prices == {"total_products_wt": Decimal("46.260000"),
                      "total_shipping_tax_incl": Decimal("4.900000"),
                      "total_paid_tax_incl": Decimal("51.160000"), "taxes": Decimal("6.660000")}
    [paid] = query(db, "SELECT SUM(p.amount) AS paid FROM ps_order_payment p JOIN ps_orders o ON "
                       "o.reference = p.order_reference WHERE o.id_order = :o", o=ids["1002"])
    assert paid["paid"] == prices["total_paid_tax_incl"]  # no "amount mismatch" in the view
    [shipping] = query(db, "SELECT c.name AS carrier_name, c.url, oc.weight, oc.tracking_number "
                           "FROM ps_order_carrier oc LEFT JOIN ps_carrier c ON oc.id_carrier = "
                           "c.id_carrier WHERE oc.id_order = :o", o=ids["1002"])
    assert (shipping["carrier_name"], shipping["tracking_number"]) == ("My carrier", "")

    [order] = query(db, "SELECT * FROM ps_orders WHERE id_order = :o", o=ids["1002"])
    assert (order["total_products"], order["total_products_wt"], order["total_shipping"],
            order["total_paid_tax_excl"], order["total_paid_real"], order["conversion_rate"],
            order["round_mode"], order["round_type"], order["valid"], order["module"],
            order["id_shop"], order["id_shop_group"], order["current_state"]) == (
        Decimal("39.600000"), Decimal("46.260000"), Decimal("4.900000"), Decimal("44.500000"),
        Decimal("51.160000"), Decimal("1.000000"), 2, 3, 1, "orderexchange", 1, 1, 2)
    assert order["note"].startswith(f"[{transfers['1002'].reference}] orderexchange")
    assert order["secure_key"] == bernd["secure_key"] and len(bernd["secure_key"]) == 32
    addresses = {r["id_address"]: r for r in query(
        db, "SELECT * FROM ps_address WHERE id_customer = :c", c=bernd["id_customer"])}
    delivery, invoice = addresses[order["id_address_delivery"]], addresses[
        order["id_address_invoice"]]
    assert (delivery["firstname"], delivery["city"], delivery["id_country"]) == (
        "Clara", "Wien", 2)
    assert (invoice["company"], invoice["address2"], invoice["city"], invoice["id_country"]) == (
        "Bauer Bau GmbH", "Hinterhaus", "München", 1)
    [cart] = query(db, "SELECT * FROM ps_cart WHERE id_cart = :c", c=order["id_cart"])
    assert (cart["id_customer"], cart["id_address_delivery"], cart["id_currency"]) == (
        bernd["id_customer"], order["id_address_delivery"], 1)
    [carrier] = query(db, "SELECT * FROM ps_order_carrier WHERE id_order = :o", o=ids["1002"])
    assert (carrier["id_carrier"], carrier["shipping_cost_tax_incl"], carrier["weight"]) == (
        2, Decimal("4.900000"), Decimal("2.850000"))
    [payment] = query(db, "SELECT * FROM ps_order_payment WHERE order_reference = :r",
                      r=order["reference"])
    assert (payment["amount"], payment["transaction_id"]) == (
        Decimal("51.160000"), transfers["1002"].reference)

    # the invoice the "Payment accepted" state (invoice = 1) makes, linked to lines, carrier
    # and payment as Order::setInvoice links them
    [invoice] = query(db, "SELECT * FROM ps_order_invoice WHERE id_order = :o", o=ids["1002"])
    assert (invoice["number"], invoice["total_paid_tax_incl"], invoice["total_products"],
            invoice["total_shipping_tax_incl"]) == (
        order["invoice_number"], Decimal("51.160000"), Decimal("39.600000"),
        Decimal("4.900000"))
    assert {r["id_order_invoice"] for r in view} == {invoice["id_order_invoice"]}
    assert carrier["id_order_invoice"] == invoice["id_order_invoice"]
    assert query(db, "SELECT id_order_payment FROM ps_order_invoice_payment WHERE "
                     "id_order_invoice = :i", i=invoice["id_order_invoice"]) == [
        {"id_order_payment": payment["id_order_payment"]}]
    assert order["invoice_date"] == order["date_add"]

    # the new customer: the shop's customer group, a password nobody knows, not a guest
    assert (bernd["firstname"], bernd["is_guest"], bernd["id_default_group"], bernd["active"],
            bernd["id_shop"], bernd["newsletter"]) == ("Bernd", 0, 3, 1, 1, 0)
    assert query(db, "SELECT id_group FROM ps_customer_group WHERE id_customer = :c",
                 c=bernd["id_customer"]) == [{"id_group": 3}]
    assert count(db, "ps_customer") == 4
    # Anna's known address is reused, not copied
    assert count(db, "ps_address", "id_customer = 2") == 1
    # the stock: sold quantities taken from what is available, reserved until shipped
    stock = {r["id_product"]: (r["quantity"], r["reserved_quantity"]) for r in query(
        db, "SELECT * FROM ps_stock_available WHERE id_shop = 1")}
    assert stock[10] == (497, 3) and stock[11] == (297, 3)


def test_full_send_known_and_new_customer_strict(shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(shop)
    full_send_and_verify(shop, prepare)


def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    full_send_and_verify(make_shop(mariadb_nonstrict_db), prepare)


def test_a_second_send_changes_nothing(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [first] = run.send()
    assert first.state == S.NOTIFIED, first.as_dict()
    before = admin_list(shop)
    with run.connector() as connector:  # the references are found, so nothing is written
        found = connector.find_by_references([t.reference for t in run.transfers().values()])
    assert sorted(int(r.order_id) for r in found.values()) == sorted(r["id"] for r in before)
    run.send()
    assert admin_list(shop) == before
    assert count(shop, "ps_order_detail") == 3


def test_taxed_shipping_is_kept_apart_as_the_shop_does(shop, prepare):
    # shipping_tax_rate 19: 4.90 shipping + 0.93 VAT; the lines 14.40 + 2.74 → total 22.97
    run = prepare(alpha(shop, shipping_tax_rate="19"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop)
    assert row["total"] == Decimal("22.970000")
    [order] = query(shop, "SELECT * FROM ps_orders")
    assert (order["total_products"], order["total_products_wt"],
            order["total_shipping_tax_excl"], order["total_shipping_tax_incl"],
            order["carrier_tax_rate"], order["total_paid_tax_excl"]) == (
        Decimal("14.400000"), Decimal("17.140000"), Decimal("4.900000"), Decimal("5.830000"),
        Decimal("19.000"), Decimal("19.300000"))
    [carrier] = query(shop, "SELECT shipping_cost_tax_excl, shipping_cost_tax_incl FROM "
                            "ps_order_carrier")
    assert carrier == {"shipping_cost_tax_excl": Decimal("4.900000"),
                       "shipping_cost_tax_incl": Decimal("5.830000")}
    assert query(shop, "SELECT type, id_tax, amount FROM ps_order_invoice_tax") == [
        {"type": "shipping", "id_tax": 1, "amount": Decimal("0.930000")}]


def test_a_combination_is_found_by_its_own_reference(shop, prepare):
    """Work gloves in size L (combination A-400-L): the line names the combination as the
    shop's cart does, carries its id, price impact and weight; its stock and the product's
    total move, and come back on cancel."""
    catalogue = ("sku,supplier,supplier_sku,purchase_price,name\n"
                 "GLOVES-L,alpha,A-400-L,2.90,Work gloves L\n")
    order = sample_order("1005", lines=[{"sku": "GLOVES-L", "name": "Work gloves, size L",
                                         "quantity": 2, "unit_price": "6.49",
                                         "tax_rate": "19"}])
    run = prepare(alpha(shop), [order], catalogue=catalogue)
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop)
    assert row["total"] == Decimal("11.80")  # 5.80 + 1.10 VAT + 4.90
    [line] = query(shop, PRODUCTS_DETAIL, o=row["id"])
    assert (line["product_id"], line["product_attribute_id"], line["product_name"],
            line["product_reference"], line["original_product_price"], line["product_weight"],
            line["purchase_supplier_price"]) == (
        13, 2, "Work gloves - Size : L- Color : Black", "A-400-L", Decimal("4.500000"),
        Decimal("0.120000"), Decimal("2.600000"))

    def stock() -> dict[int, tuple[int, int]]:
        return {r["id_product_attribute"]: (r["quantity"], r["reserved_quantity"]) for r in
                query(shop, "SELECT * FROM ps_stock_available WHERE id_product = 13")}

    assert stock() == {0: (68, 2), 1: (50, 0), 2: (18, 2)}
    with run.connector() as connector:
        connector.cancel(run.transfers()["1005"])
    assert stock() == {0: (70, 0), 1: (50, 0), 2: (20, 0)}


def test_realistic_orders_are_listed_once_with_their_state_person_and_total(shop, prepare):
    """tests/orderdata.py's realistic orders (9 locales, four currencies, mixed VAT, shared
    emails): each listed once by the admin grid, in the written state, under the person it
    names (the invoice address the order view shows), with the total the supplier bills in the
    order's currency; the order view's lines and history match."""
    from datetime import date

    import orderdata
    from test_realdata_e2e import CENT, cents, expected_total_eur

    data = orderdata.generate(60, seed=21, bad_share=0, today=date.today(),
                              suppliers={"alpha": ["A-100", "A-200"]})
    good = data.good()
    run = prepare(alpha(shop), [o for o, _lb in good], catalogue=data.catalogue_csv())
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == len(good), result.as_dict()
    listed = {r["id"]: r for r in admin_list(shop)}
    assert len(listed) == len(good)
    rates = {"EUR": Decimal(1), "CHF": Decimal("0.95"), "GBP": Decimal("0.85"),
             "PLN": Decimal("4.30")}
    catalogue = {row["sku"]: Decimal(row["purchase_price"]) for row in data.catalogue}
    transfers = run.transfers()
    wrong = []
    for order, label in good:
        order_id = int(transfers[label.number].remote_order_id)
        row = listed.pop(order_id)
        [person] = query(shop, "SELECT a.firstname, a.lastname FROM ps_orders o JOIN ps_address a "
                               "ON a.id_address = o.id_address_invoice WHERE o.id_order = :o",
                         o=order_id)
        eur = expected_total_eur(order, catalogue)
        want = eur if label.currency == "EUR" else cents(eur * rates[label.currency])
        tolerance = CENT if label.currency == "EUR" else CENT * (len(order["lines"]) + 2)
        lines = query(shop, PRODUCTS_DETAIL, o=order_id)
        history = [h["ostate_name"] for h in query(shop, HISTORY, o=order_id)]
        if ((person["firstname"], person["lastname"]) != (label.first_name, label.last_name)
                or row["state"] != "Payment accepted" or row["currency"] != label.currency
                or abs(row["total"] - want) > tolerance or history != ["Payment accepted"]
                or sum(d["product_quantity"] for d in lines) != sum(
                    int(line["quantity"]) for line in order["lines"])):
            wrong.append((label.number, row, person, str(want), history))
    assert wrong == [] and listed == {}


def test_step_one_refuses_what_the_shop_cannot_take(shop, prepare):
    """A switched-off product (A-300), a country the shop does not sell to (the USA, inactive),
    a currency it does not have (SEK): each with its code, nothing written."""
    catalogue = ("sku,supplier,supplier_sku,purchase_price,name\n"
                 "HAMMER,alpha,A-100,7.20,Claw hammer\nLEVEL,alpha,A-300,8.90,Spirit level\n")
    level = sample_order("1010", email="l@example.com", first="Lea", last="Level",
                         lines=[{"sku": "LEVEL", "name": "Spirit level", "quantity": 1,
                                 "unit_price": "15.40", "tax_rate": "19"}])
    usa = sample_order("1011", email="u@example.com", first="Uma", last="States", country="US")
    sek = sample_order("1012", email="s@example.com", first="Sven", last="Krona",
                       currency="SEK")
    run = prepare(alpha(shop), [level, usa, sek], catalogue=catalogue)
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert {(f.order, f.code) for f in result.findings if f.blocking} == {
        ("1010", "OX-CHK-006"), ("1011", "OX-CHK-004"), ("1012", "OX-CHK-010")}
    assert count(shop, "ps_orders") == 0 and count(shop, "ps_customer") == 3


def test_an_unpaid_state_writes_no_payment(shop, prepare):
    """order_state_id 10 ("Awaiting bank wire payment", paid 0, logable 0): no order_payment,
    nothing paid for real, not valid yet — as validateOrder leaves such an order."""
    run = prepare(alpha(shop, {"order_state_id": 10}), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop)
    assert (row["state"], row["paid"]) == ("Awaiting bank wire payment", 0)
    [order] = query(shop, "SELECT total_paid_real, valid, current_state FROM ps_orders")
    assert order == {"total_paid_real": Decimal("0.000000"), "valid": 0, "current_state": 10}
    assert count(shop, "ps_order_payment") == 0 and count(shop, "ps_order_invoice") == 0
    assert row["invoice"] == 0  # no invoice in a state without `invoice`
    with run.connector() as connector:
        [status] = connector.read_back(list(run.transfers().values())).values()
    assert (status.status_id, status.progressed) == ("10", False)


def test_a_server_refusing_zero_dates_gets_the_orders_date(shop, prepare):
    """invoice_date / delivery_date are PrestaShop's zero date ("none yet"); a session whose
    SQL mode has NO_ZERO_DATE (MySQL 8's default) would refuse it, so the order's own date is
    written there instead."""
    run = prepare(alpha(shop), [ANNA])
    so = run.store.supplier_order(run.so_ids[0])
    connector = run.connector()
    connector.open()
    try:
        connector.conn.exec_driver_sql("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,"
                                       "NO_ZERO_DATE,NO_ZERO_IN_DATE'")
        connector.end_read()
        assert not [f for f in connector.check(so) if f.blocking]
        connector.write(so, so.transfers[0])
    finally:
        connector.close()
    [order] = query(shop, "SELECT invoice_date, delivery_date, date_add FROM ps_orders")
    assert order["invoice_date"] == order["delivery_date"] == order["date_add"]
    [run2_order] = admin_list(shop)
    assert run2_order["total"] == Decimal("22.040000")


# === crash in the middle of a write ============================================================
def lost_connection(*_args: Any, **_kwargs: Any) -> None:
    raise sa.exc.OperationalError("INSERT INTO ps_order_carrier …", {},
                                  pymysql.err.OperationalError(2013, "Lost connection"))


@pytest.mark.parametrize("engine", ["MyISAM", "InnoDB"])
def test_crash_mid_write_then_retry_writes_the_order_exactly_once(mariadb_db, prepare,
                                                                  monkeypatch, engine):
    db = make_shop(mariadb_db, engine)
    run = prepare(alpha(db), [BERND])
    real = prestashop.PrestaShopConnector._insert_lines

    def lines_then_lost(self, *args):
        real(self, *args)
        lost_connection()

    with monkeypatch.context() as patch:
        patch.setattr(prestashop.PrestaShopConnector, "_insert_lines", lines_then_lost)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert failed.error is not None and failed.error.code == "OX-DB-002"
    assert admin_list(db) == []  # never listed half-written
    if engine == "MyISAM":  # no rollback: the order stayed, but in no shop (id_shop 0)
        assert count(db, "ps_orders", "id_shop = 0") == 1
        assert count(db, "ps_order_detail") == 2
    else:
        assert count(db, "ps_orders") == 0 and count(db, "ps_customer") == 3

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [row] = admin_list(db)
    assert run.transfers()["1002"].remote_order_id == str(row["id"])
    assert row["total"] == Decimal("51.160000")
    assert count(db, "ps_orders") == 1 and count(db, "ps_order_detail") == 2
    assert count(db, "ps_customer", "email = 'bernd.bauer@example.com'") == 1


def test_a_half_written_myisam_order_is_hidden_then_replaced(mariadb_db, prepare, monkeypatch):
    db = make_shop(mariadb_db, "MyISAM")
    run = prepare(alpha(db), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(prestashop.PrestaShopConnector, "_insert_lines", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert query(db, "SELECT id_shop FROM ps_orders") == [{"id_shop": 0}]
    assert admin_list(db) == []  # id_shop 0: in no admin shop context
    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    assert query(db, "SELECT id_shop FROM ps_orders") == [{"id_shop": 1}]
    assert len(admin_list(db)) == 1 and count(db, "ps_order_history") == 1


# === chunks: one transaction on InnoDB, one order at a time on MyISAM ===========================
def refuse(*_args: Any, **_kwargs: Any) -> None:
    raise AssertionError("this path must not be taken here")


@pytest.mark.parametrize("engine, unused", [("InnoDB", "write"), ("MyISAM", "write_batch")])
def test_innodb_writes_a_chunk_in_one_transaction_myisam_one_by_one(mariadb_db, prepare,
                                                                    monkeypatch, engine, unused):
    db = make_shop(mariadb_db, engine)
    again = sample_order("1004", email="Bernd.Bauer@example.com", first="Bernd", last="Bauer")
    run = prepare(alpha(db), [ANNA, BERND, again])
    monkeypatch.setattr(prestashop.PrestaShopConnector, unused, refuse)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 3, result.as_dict()
    assert result.customers_created == 1
    listed = admin_list(db)
    assert sorted(r["id"] for r in listed) == sorted(
        int(t.remote_order_id) for t in run.transfers().values())
    assert [r["new"] for r in listed] == [1, 1, 0]  # Bernd's second order: not new any more
    assert count(db, "ps_customer", "email = 'bernd.bauer@example.com'") == 1


def test_a_bad_order_in_a_chunk_fails_alone_and_the_chunk_leaves_nothing(shop, prepare,
                                                                         monkeypatch):
    run = prepare(alpha(shop), [ANNA, BERND])
    real = prestashop.PrestaShopConnector._insert_lines
    chunks = []

    def bad_bernd(self, order_id, transfer, *args):
        if transfer.customer_order.number == "1002":
            raise OXError("OX-WRT-002", order="1002", supplier="alpha", id=0,
                          detail="a value the shop refuses")
        return real(self, order_id, transfer, *args)

    real_batch = prestashop.PrestaShopConnector.write_batch

    def counting_batch(self, so, transfers):
        chunks.append([t.customer_order.number for t in transfers])
        return real_batch(self, so, transfers)

    with monkeypatch.context() as patch:
        patch.setattr(prestashop.PrestaShopConnector, "_insert_lines", bad_bernd)
        patch.setattr(prestashop.PrestaShopConnector, "write_batch", counting_batch)
        [failed] = run.send()
    assert chunks == [["1001", "1002"]]  # tried as one chunk first
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-WRT-002"
    assert failed.written == 1  # Anna then alone; the chunk's rows were rolled back
    assert len(admin_list(shop)) == 1 and count(shop, "ps_order_detail") == 1
    assert count(shop, "ps_order_history") == 1 and count(shop, "ps_customer") == 3
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1 and again.already_there == 0
    assert len(admin_list(shop)) == 2 and count(shop, "ps_order_detail") == 3
    assert count(shop, "ps_order_carrier") == 2 and count(shop, "ps_order_payment") == 2
    assert sorted(r["invoice"] for r in admin_list(shop)) == [1, 2]  # no number lost
    assert count(shop, "ps_order_invoice_payment") == 2


# === invoice numbers: the newest ids and the orders' index, never the whole order_invoice ======
def invoice_row(db, number: int, date: str = "NOW()", id_order: int = 0,
                id_order_invoice: int | None = None) -> None:
    """An order_invoice row as the shop's own admin leaves it (number 0: a delivery slip)."""
    root_execute(db, "INSERT INTO ps_order_invoice (id_order_invoice, id_order, number, "
                     "delivery_number, shipping_tax_computation_method, date_add) VALUES "
                     f"({'NULL' if id_order_invoice is None else id_order_invoice}, "
                     f"{id_order}, {number}, 0, 1, {date})")


def set_config(db, name: str, value: str) -> None:
    root_execute(db, f"DELETE FROM ps_configuration WHERE name = '{name}'",
                 "INSERT INTO ps_configuration (name, value, date_add, date_upd) VALUES "
                 f"('{name}', '{value}', NOW(), NOW())")


def invoice_reads(run) -> tuple[list[Any], list[str]]:
    """Send `run`; the results and the statements that read invoice numbers."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "MAX(" in statement and "ps_order_invoice" in statement:
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        results = run.send()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)
    return results, seen


def test_invoice_numbers_come_from_the_newest_ids_and_the_orders_index(shop, prepare,
                                                                         monkeypatch):
    """order_invoice.number has no index. PrestaShop numbers an invoice MAX(number) + 1 as it
    inserts its row, so the connector reads MAX(number) over the INVOICE_WINDOW newest rows only
    (here 2) and MAX(orders.invoice_number) (indexed), which holds the number of a delivery
    slip's row that the order's invoice reused later (Order::setInvoice). An invoice the shop
    writes after our send is seen; a number on an older row that no order carries (which
    PrestaShop never writes) is not read — the bound. A chunk takes its numbers from one read."""
    invoice_row(shop, 700, id_order_invoice=1)  # the decoy, later
    invoice_row(shop, 0, id_order=9999, id_order_invoice=2)  # a delivery slip, invoiced later
    run = prepare(alpha(shop), [ANNA, BERND])
    [result], seen = invoice_reads(run)
    assert result.state == S.NOTIFIED and result.written == 2, str(result.as_dict())
    assert len(seen) == 1  # one read for the chunk
    assert sorted(r["invoice"] for r in admin_list(shop)) == [701, 702]
    monkeypatch.setattr(prestashop, "INVOICE_WINDOW", 2)
    now = datetime.now()
    with run.connector() as connector:
        def highest() -> int:
            try:
                return connector._highest_invoice_number(now)
            finally:
                connector.end_read()

        assert highest() == 702  # ids 3-4
        invoice_row(shop, 703)  # the shop's admin invoices an order after our send: id 5
        assert highest() == 703
        root_execute(shop, "UPDATE ps_order_invoice SET number = 999 WHERE id_order_invoice = 1")
        assert highest() == 703  # below the window, on no order: not read
        # the delivery slip's order is invoiced: its old row and the order get number 704 (an
        # order of ours stands in for it: only its invoice_number is read)
        order = query(shop, "SELECT id_order FROM ps_orders ORDER BY id_order LIMIT 1")[0]
        root_execute(shop, "UPDATE ps_order_invoice SET number = 704 WHERE id_order_invoice = 2",
                     f"UPDATE ps_orders SET invoice_number = 704 WHERE id_order = "
                     f"{order['id_order']}")
        assert highest() == 704


def test_invoice_numbers_reset_per_year_and_start_number(shop, prepare, monkeypatch):
    """PS_INVOICE_RESET: the highest number of this year's invoices (date_add), a higher one of
    last year is no bound — also in the window, and a window of this year's invoices only looks
    for a later-invoiced delivery slip among this year's invoiced orders. A start number above
    the highest is where numbering goes on."""
    year = datetime.now().year
    set_config(shop, "PS_INVOICE_RESET", "1")
    invoice_row(shop, 500, date=f"'{year - 1}-12-30 10:00:00'")
    invoice_row(shop, 3, date=f"'{year}-01-02 10:00:00'")
    run = prepare(alpha(shop), [ANNA])
    [result], _seen = invoice_reads(run)
    assert result.state == S.NOTIFIED, result.as_dict()
    assert [r["invoice"] for r in admin_list(shop)] == [4]
    monkeypatch.setattr(prestashop, "INVOICE_WINDOW", 1)
    now = datetime.now()
    with run.connector() as connector:
        assert connector._highest_invoice_number(now) == 4
        connector.end_read()
        # a delivery slip of this year, invoiced later: its row is old, its order says 9
        order = query(shop, "SELECT id_order FROM ps_orders")[0]["id_order"]
        root_execute(shop, "UPDATE ps_order_invoice SET number = 9 WHERE number = 3",
                     f"UPDATE ps_orders SET invoice_number = 9, invoice_date = "
                     f"'{year}-01-02 10:00:00' WHERE id_order = {order}")
        assert connector._highest_invoice_number(now) == 9
        connector.end_read()
    set_config(shop, "PS_INVOICE_RESET", "0")
    set_config(shop, "PS_INVOICE_START_NUMBER", "5000")
    monkeypatch.setattr(prestashop, "INVOICE_WINDOW", 1000)
    run = prepare(alpha(shop), [BERND])
    [result], _seen = invoice_reads(run)
    assert result.state == S.NOTIFIED, result.as_dict()
    assert sorted(r["invoice"] for r in admin_list(shop)) == [9, 5000]
    # PrestaShop uses the start number once and clears it (Order::setLastInvoiceNumber:
    # Configuration::updateValue('PS_INVOICE_START_NUMBER', false, …)): left set, the shop's
    # own next invoice would take 5000 again
    assert [r["value"] for r in query(
        shop, "SELECT value FROM ps_configuration WHERE name = 'PS_INVOICE_START_NUMBER'")] == [""]
    run = prepare(alpha(shop), [ANNA])
    [result], _seen = invoice_reads(run)
    assert result.state == S.NOTIFIED, result.as_dict()
    assert max(r["invoice"] for r in admin_list(shop)) == 5001


def test_invoice_numbers_read_the_whole_table_when_the_newest_ids_hold_none(shop, prepare,
                                                                             monkeypatch):
    """Newest invoices without a number (invoicing switched on lately, delivery slips): the
    window proves nothing, so the whole table is read — once per connection."""
    invoice_row(shop, 41)
    invoice_row(shop, 0)
    invoice_row(shop, 0)
    monkeypatch.setattr(prestashop, "INVOICE_WINDOW", 2)
    run = prepare(alpha(shop), [ANNA])
    [result], seen = invoice_reads(run)
    assert result.state == S.NOTIFIED, result.as_dict()
    assert [r["invoice"] for r in admin_list(shop)] == [42]
    assert len(seen) == 2  # the window, then the whole table


# === the exactly-once look-up stays a primary-key range =========================================
def test_reference_lookup_reads_only_above_the_floor(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfer = run.transfers()["1001"]
    marker = f"[{transfer.reference}]"
    plan = query(shop, f"EXPLAIN SELECT id_order FROM ps_orders WHERE "
                       f"SUBSTR(note, 1, {len(marker)}) IN (:m) AND id_order > :floor",
                 m=marker, floor=transfer.shop_floor)
    assert plan[0]["key"] == "PRIMARY" and plan[0]["type"] == "range"
    with run.connector() as connector:
        assert connector.find_by_reference(transfer.reference).order_id == \
            transfer.remote_order_id
        assert connector.find_by_references([transfer.reference],
                                            floor=int(transfer.remote_order_id)) == {}


# === the way back: read-back and cancel ========================================================
def test_read_back_state_tracking_and_cancel(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    anna_id, bernd_id = (int(transfers[n].remote_order_id) for n in ("1001", "1002"))
    # the supplier ships Anna's order: state Shipped with its history row, a tracking number
    root_execute(shop, f"UPDATE ps_orders SET current_state = 4 WHERE id_order = {anna_id}",
                 "INSERT INTO ps_order_history (id_employee, id_order, id_order_state, "
                 f"date_add) VALUES (1, {anna_id}, 4, '2026-03-02 10:00:00')",
                 "UPDATE ps_order_carrier SET tracking_number = '00340434161234567890' "
                 f"WHERE id_order = {anna_id}")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
    anna, bernd = status[transfers["1001"].reference], status[transfers["1002"].reference]
    assert (anna.order_id, anna.status, anna.status_id, anna.progressed, anna.cancelled,
            anna.tracking_number, anna.shipped_at) == (
        str(anna_id), "Shipped", "4", True, False, "00340434161234567890",
        "2026-03-02 10:00:00")
    assert (bernd.status, bernd.progressed, bernd.cancelled, bernd.tracking_number) == (
        "Payment accepted", False, False, None)

    with run.connector() as connector:
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])  # twice: nothing more happens
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])  # already shipped
        status = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004" and "Shipped (4)" in refused.value.message
    assert status[transfers["1002"].reference].cancelled
    assert status[transfers["1002"].reference].status == "Canceled"
    assert {r["id"]: r["state"] for r in admin_list(shop)} == {
        anna_id: "Shipped", bernd_id: "Canceled"}
    assert [r["ostate_name"] for r in query(shop, HISTORY, o=bernd_id)] == [
        "Canceled", "Payment accepted"]
    stock = {r["id_product"]: (r["quantity"], r["reserved_quantity"]) for r in query(
        shop, "SELECT * FROM ps_stock_available WHERE id_shop = 1")}
    assert stock[11] == (300, 0) and stock[10] == (498, 2)  # Bernd's given back, Anna's not

    root_execute(shop, f"DELETE FROM ps_orders WHERE id_order = {bernd_id}")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
        with pytest.raises(OXError) as gone:
            connector.cancel(transfers["1002"])
    assert set(status) == {transfers["1001"].reference}
    assert gone.value.code == "OX-WRT-005"


# === customers and shops ========================================================================
def test_guest_orders_create_guest_customers(shop, prepare):
    run = prepare(alpha(shop, customer_policy="guest", guest_customer_id=0,
                        customer_template={"language": "de"}), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop)
    [guest] = query(shop, "SELECT * FROM ps_customer WHERE id_customer = :c",
                    c=row["id_customer"])
    assert (guest["is_guest"], guest["id_default_group"], guest["email"], guest["id_lang"]) == (
        1, 2, "bernd.bauer@example.com", 2)  # customer_template.language: the shop's Deutsch
    assert query(shop, "SELECT id_group FROM ps_customer_group WHERE id_customer = :c",
                 c=row["id_customer"]) == [{"id_group": 2}]


def test_blind_drop_ship_bills_the_distributor(shop, prepare):
    run = prepare(alpha(shop, customer_policy="distributor", distributor_customer_id=3),
                  [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop)
    assert (row["id_customer"], row["customer"], row["country"]) == (
        3, "A. Distribution", "Austria")
    [order] = query(shop, "SELECT id_address_invoice, id_address_delivery FROM ps_orders")
    assert order["id_address_invoice"] == 3  # the distributor's own address
    assert not any("bernd" in str(v).lower() for r in query(
        shop, "SELECT * FROM ps_address") for v in r.values())
    assert count(shop, "ps_customer") == 3


def test_the_configured_shop_of_a_multistore_install(shop, prepare):
    """Shop 2 'Alpha Outlet': its own product activation, names, prices, stock, currency
    rates and customers (the group shares none); its orders are listed in its context only."""
    [refused] = prepare(alpha(shop, {"id_shop": 2}), [BERND]).send()
    assert refused.state == S.CHECK_FAILED
    assert {(f.order, f.code) for f in refused.findings if f.blocking} == {
        ("1002", "OX-CHK-006")}  # A-200 is switched off in the outlet
    chf = sample_order("1003", email="carla@example.com", first="Carla", last="Neu",
                       currency="CHF", country="CH")
    run = prepare(alpha(shop, {"id_shop": 2}), [ANNA, chf])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert result.customers_created == 2  # Anna is a customer of shop 1 only
    assert admin_list(shop, shops=(1,)) == []
    listed = admin_list(shop, shops=(2,))
    assert [(r["shop"], r["currency"], r["total"]) for r in listed] == [
        ("Alpha Outlet", "EUR", Decimal("22.040000")),
        # 2 × 7.20 EUR at the outlet's own rate 0.94 → 13.54 + 2.57 VAT + 4.61 shipping
        ("Alpha Outlet", "CHF", Decimal("20.720000"))]
    assert {r["product_name"] for r in query(shop, "SELECT product_name FROM "
                                                   "ps_order_detail")} == {
        "Claw hammer 450 g (outlet)"}
    assert query(shop, "SELECT DISTINCT id_shop FROM ps_customer WHERE id_customer > 3") == [
        {"id_shop": 2}]
    stock = {(r["id_product"], r["id_shop"]): r["quantity"] for r in query(
        shop, "SELECT * FROM ps_stock_available")}
    assert stock[(10, 2)] == 36 and stock[(10, 1)] == 500


def test_a_shop_group_sharing_customers_and_stock(shop, prepare):
    """Shop group 1 shares its customers and its stock: shop 2 finds Anna (a customer of shop
    1) and sells from the group's stock rows (id_shop 0, id_shop_group 1), as
    Shop::addSqlRestriction(Shop::SHARE_CUSTOMER) and StockAvailable's group rows make it."""
    root_execute(shop, "UPDATE ps_shop_group SET share_customer = 1, share_stock = 1",
                 "INSERT INTO ps_stock_available (id_product, id_product_attribute, id_shop, "
                 "id_shop_group, quantity, physical_quantity, reserved_quantity, out_of_stock) "
                 "VALUES (10, 0, 0, 1, 900, 900, 0, 2)")
    run = prepare(alpha(shop, {"id_shop": 2}), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert (result.customers_created, run.transfers()["1001"].customer_match) == (0, "email")
    [row] = admin_list(shop, shops=(2,))
    assert (row["id_customer"], row["shop"]) == (2, "Alpha Outlet")
    stock = {(r["id_shop"], r["id_shop_group"]): r["quantity"] for r in query(
        shop, "SELECT * FROM ps_stock_available WHERE id_product = 10")}
    assert stock == {(1, 0): 500, (2, 0): 40, (0, 1): 898}
    with run.connector() as connector:
        report_detail = connector.detect_variant()[1]
    assert "(customers shared, stock shared)" in report_detail


def test_an_order_in_another_currency_carries_the_shops_rate(shop, prepare):
    # 2 × A-100 at 7.20 EUR = 6.84 CHF at the shop's 0.95 → 13.68 + 2.60 VAT + 4.66 shipping
    chf = sample_order("1003", email="carla@example.com", first="Carla", last="Neu",
                       currency="CHF", country="CH")
    run = prepare(alpha(shop), [chf])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop)
    assert (row["currency"], row["country"]) == ("CHF", "Switzerland")
    [order] = query(shop, "SELECT conversion_rate, total_products, id_currency FROM ps_orders")
    assert (order["conversion_rate"], order["total_products"], order["id_currency"]) == (
        Decimal("0.950000"), Decimal("13.680000"), 2)
    assert row["total"] == Decimal("20.940000")


# === test db ==================================================================================
STAGES = ["connect", "TLS", "server version", "schema variant", "tables and columns",
          "storage engines", "grants", "reference data", "customers", "trial write"]
WRITTEN = ["ps_" + n for n in prestashop.WRITTEN]


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_self_test_on_a_good_shop_and_the_trial_write_leaves_nothing(mariadb_db, prepare,
                                                                     engine):
    db = make_shop(mariadb_db, engine)
    run = prepare(alpha(db), [ANNA])
    before = {t: count(db, t) for t in WRITTEN}
    stock = query(db, "SELECT * FROM ps_stock_available ORDER BY id_stock_available")
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert [s.name for s in report.stages] == STAGES
    details = {s.name: s.detail for s in report.stages}
    assert details["schema variant"] == (
        "PrestaShop 8.1.7, shop 1 'Alpha Tools' in group 1 'Default' (customers not shared, "
        "stock not shared), table prefix 'ps_'")
    assert details["reference data"] == (
        "order_state_id 2 = Payment accepted; cancel_state_id 6 = Canceled; currencies CHF, "
        "EUR, GBP, PLN (ps_currency_shop); shop rounding PS_PRICE_ROUND_MODE 2, PS_ROUND_TYPE "
        "1; orders record round_mode 2, round_type 3")
    assert details["trial write"].startswith("sample order for A-100 written as order ")
    assert {t: count(db, t) for t in WRITTEN} == before
    assert query(db, "SELECT * FROM ps_stock_available ORDER BY id_stock_available") == stock


def test_least_privilege_user_missing_grants_are_reported_with_the_fix(mariadb_db, prepare,
                                                                       shop_user):
    db = make_shop(mariadb_db)
    grants = {t: "SELECT, INSERT, UPDATE" for t in WRITTEN}
    grants.update({t: "SELECT" for t in (
        "ps_shop", "ps_shop_group", "ps_lang", "ps_country",
        "ps_country_shop", "ps_currency", "ps_currency_shop", "ps_group", "ps_carrier",
        "ps_order_state", "ps_order_state_lang", "ps_product", "ps_product_shop",
        "ps_product_lang", "ps_tax", "ps_tax_lang", "ps_tax_rule", "ps_product_attribute",
        "ps_product_attribute_shop", "ps_product_attribute_combination", "ps_attribute",
        "ps_attribute_lang", "ps_attribute_group", "ps_attribute_group_lang")})
    grants["ps_configuration"] = "SELECT, UPDATE"  # PS_INVOICE_START_NUMBER is cleared once used
    grants["ps_stock_available"] = "SELECT"  # no UPDATE: the stock cannot be moved
    user = shop_user(db, grants)
    run = prepare({"alpha": user.section({"type": "prestashop"})}, [BERND])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["grants"].ok
    fix = f"GRANT UPDATE ON `{db.database}`.`ps_stock_available` TO '{user.name}'@'%';"
    assert stage["grants"].detail.startswith("OX-DB-007: ") and fix in stage["grants"].detail
    assert stage["trial write"].detail == "skipped: fix the stages above first"
    root_execute(db, fix)
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()  # and the least-privilege user sends for real
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(admin_list(db)) == 1


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_the_grants_supplier_setup_prints_are_all_a_user_needs(mariadb_db, prepare, shop_user,
                                                                engine):
    db = make_shop(mariadb_db, engine)
    account, statements, source = prepare(alpha(db), [ANNA]).connector().setup_grants()
    assert source == "read from the shop's live schema"
    assert any("DELETE" in g for g in statements) is (engine == "MyISAM")
    user = shop_user(db, {})
    root_execute(db, *(g.replace(account, f"'{user.name}'@'%'") for g in statements))
    run = prepare({"alpha": user.section({"type": "prestashop"})}, [BERND])
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(admin_list(db)) == 1


def test_a_shop_of_another_version_is_named(shop, prepare):
    root_execute(shop, "UPDATE ps_configuration SET value = '1.7.8.11' WHERE name = "
                       "'PS_VERSION_DB'")
    report = prepare(alpha(shop), [ANNA]).connector().self_test()
    stage = {s.name: s for s in report.stages}["schema variant"]
    assert not stage.ok and stage.detail.startswith("OX-DB-010") and "1.7.8.11" in stage.detail
