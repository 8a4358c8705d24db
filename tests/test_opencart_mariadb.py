"""The OpenCart connector against a real MariaDB: what lands in the shop, row by row.

Two shops from shop_schemas/: OpenCart 3.0 as shipped (MyISAM — no transactions) and OpenCart 4.x
on InnoDB; both are driven through the real path (import → build → Dispatcher.send) and read
back with the queries OpenCart's own admin runs (order list: `order_status_id > 0`; order view:
addresses, lines, totals, history). Expected values are written out by hand from the sample data.
No wall-clock assertions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from helpers import bernd_order, kill_at_write, sample_order, send_at_once
from shopdb import (  # noqa: F401 - prepare and shop_user are fixtures
    connection_lost, count, load_schema, prepare, query, root_execute, server_sql_mode,
    shop_section, shop_user, supplier_alpha,
)

from orderexchange.dispatch import Dispatcher
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S, TransferState
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins import opencart
from orderexchange.retry import RetryPolicy

OC3 = ("opencart3_mysql.sql", "MyISAM")
OC4 = ("opencart4_mysql.sql", "InnoDB")
SHOPS = {"oc3-myisam": OC3, "oc4-innodb": OC4}

# --- sample data (values worked out by hand) -----------------------------------------------
# 1001: the known customer Anna (the shop spells her email with capitals), 2 × A-100 at 7.20,
#   19 % → net 14.40, tax 2.736 → 2.74, shipping 4.90, total 22.04
ANNA = sample_order("1001")
# 1002: a new customer; billing in Bavaria with company and suburb, delivery to Vienna.
#   3 × A-200 at 10.80, 19 % → 32.40, tax 6.156 → 6.16
#   1 × A-100 at  7.20,  7 % →  7.20, tax 0.504 → 0.50
#   subtotal 39.60, tax 6.66, shipping 4.90, total 51.16
BERND = bernd_order()

TOTALS = {  # order number → (code, title, value, sort_order) in sort order
    "1001": [("sub_total", "Sub-Total", Decimal("14.4000"), 1),
             ("shipping", "Shipping", Decimal("4.9000"), 3),
             ("tax", "VAT (19%)", Decimal("2.7400"), 5),
             ("total", "Total", Decimal("22.0400"), 9)],
    "1002": [("sub_total", "Sub-Total", Decimal("39.6000"), 1),
             ("shipping", "Shipping", Decimal("4.9000"), 3),
             ("tax", "VAT (19%)", Decimal("6.1600"), 5),
             ("tax", "VAT (7%)", Decimal("0.5000"), 5),
             ("total", "Total", Decimal("51.1600"), 9)],
}
LINES = {  # order number → (product_id, name, model, quantity, price, total, tax per unit)
    "1001": [(1, "Claw hammer 450 g", "A-100", 2, Decimal("7.2000"), Decimal("14.4000"),
              Decimal("1.3680"))],
    "1002": [(2, "Screwdriver set, 6 pieces", "A-200", 3, Decimal("10.8000"),
              Decimal("32.4000"), Decimal("2.0520")),
             (1, "Claw hammer 450 g", "A-100", 1, Decimal("7.2000"), Decimal("7.2000"),
              Decimal("0.5040"))],
}

#: the admin's order list (admin/model/sale/order.php getOrders), language 1
ADMIN_LIST = ("SELECT o.order_id, CONCAT(o.firstname, ' ', o.lastname) AS customer, "
              "(SELECT os.name FROM oc_order_status os WHERE os.order_status_id = "
              "o.order_status_id AND os.language_id = 1) AS order_status, o.total, "
              "o.currency_code, o.currency_value FROM `oc_order` o "
              "WHERE o.order_status_id > '0' ORDER BY o.order_id")


@pytest.fixture(params=sorted(SHOPS))
def shop(request, mariadb_db):
    """An OpenCart shop on the strict server: 3.0/MyISAM and 4.x/InnoDB."""
    schema, engine = SHOPS[request.param]
    load_schema(mariadb_db.url, schema, prefix="oc_", engine=engine)
    mariadb_db.version = "3" if schema == OC3[0] else "4"
    return mariadb_db


alpha = supplier_alpha("opencart")


def admin_list(db) -> list[dict[str, Any]]:
    return query(db, ADMIN_LIST)


def order_view(db, order_id: int) -> dict[str, Any]:
    """What the admin's order info page reads for one order."""
    [order] = query(db, "SELECT * FROM oc_order WHERE order_id = :o", o=order_id)
    lines = query(db, "SELECT product_id, name, model, quantity, price, total, tax "
                      "FROM oc_order_product WHERE order_id = :o ORDER BY order_product_id",
                  o=order_id)
    totals = query(db, "SELECT code, title, value, sort_order FROM oc_order_total "
                       "WHERE order_id = :o ORDER BY sort_order, order_total_id", o=order_id)
    history = query(db, "SELECT h.order_status_id, s.name, h.notify, h.comment FROM "
                        "oc_order_history h JOIN oc_order_status s ON s.order_status_id = "
                        "h.order_status_id AND s.language_id = 1 WHERE h.order_id = :o "
                        "ORDER BY h.order_history_id", o=order_id)
    return {"order": order, "lines": [tuple(r.values()) for r in lines],
            "totals": [tuple(r.values()) for r in totals], "history": history}


def address_of(order: dict[str, Any], prefix: str) -> tuple:
    return tuple(order[f"{prefix}_{c}"] for c in (
        "firstname", "lastname", "company", "address_1", "address_2", "city", "postcode",
        "country", "country_id", "zone", "zone_id"))


def full_send_and_verify(db, prepare, version: str) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    [result] = run.send()
    assert result.error is None, result.as_dict()
    assert result.state == S.NOTIFIED
    assert (result.written, result.already_there, result.customers_created) == (2, 0, 1)
    transfers = run.transfers()
    assert {n: t.customer_match for n, t in transfers.items()} == {"1001": "email",
                                                                  "1002": "new"}
    ids = {n: int(t.remote_order_id) for n, t in transfers.items()}
    [bernd] = query(db, "SELECT * FROM oc_customer WHERE email = 'bernd.bauer@example.com'")

    # the admin list shows both, with customer, status and gross total
    assert admin_list(db) == [
        {"order_id": ids["1001"], "customer": "Anna Schmidt", "order_status": "Pending",
         "total": Decimal("22.0400"), "currency_code": "EUR",
         "currency_value": Decimal("1.00000000")},
        {"order_id": ids["1002"], "customer": "Bernd Bauer", "order_status": "Pending",
         "total": Decimal("51.1600"), "currency_code": "EUR",
         "currency_value": Decimal("1.00000000")}]

    anna = order_view(db, ids["1001"])
    o = anna["order"]
    assert (o["customer_id"], o["customer_group_id"], o["email"], o["telephone"]) == (
        1, 1, "anna.schmidt@example.com", "+49301234567")
    assert (o["store_name"], o["invoice_prefix"], o["invoice_no"], o["language_id"]) == (
        "Alpha Tools Shop", "INV-2026-00", 0, 1)
    berlin = ("Anna", "Schmidt", "", "Hauptstr. 1", "", "Berlin", "10115", "Germany", 81,
              "", 0)
    assert address_of(o, "payment") == berlin and address_of(o, "shipping") == berlin
    assert o["payment_address_format"].startswith("{company}")
    assert o["comment"].startswith(f"[{transfers['1001'].reference}] orderexchange: customer "
                                   f"order 1001")
    assert anna["lines"] == LINES["1001"]
    assert anna["totals"] == TOTALS["1001"]
    assert [(h["name"], h["notify"]) for h in anna["history"]] == [("Pending", 0)]

    b = order_view(db, ids["1002"])
    o = b["order"]
    assert (o["customer_id"], o["firstname"], o["email"], o["telephone"]) == (
        bernd["customer_id"], "Bernd", "bernd.bauer@example.com", "+49897654321")
    assert address_of(o, "payment") == ("Bernd", "Bauer", "Bauer Bau GmbH", "Lindenallee 7",
                                        "Hinterhaus", "München", "80331", "Germany", 81,
                                        "Bayern", 1256)
    assert address_of(o, "shipping") == ("Clara", "Bauer", "", "Seeweg 3", "", "Wien", "1010",
                                         "Austria", 14, "", 0)
    assert b["lines"] == LINES["1002"]
    assert b["totals"] == TOTALS["1002"]
    assert sum(t[2] for t in b["totals"] if t[0] != "total") == o["total"]

    # the new customer: empty password, group 1, its address is the billing address
    assert (bernd["firstname"], bernd["lastname"], bernd["telephone"], bernd["password"],
            bernd["status"], bernd["customer_group_id"], bernd["newsletter"]) == (
        "Bernd", "Bauer", "+49897654321", "", 1, 1, 0)
    [address] = query(db, "SELECT * FROM oc_address WHERE customer_id = :c",
                      c=bernd["customer_id"])
    assert (address["company"], address["address_1"], address["address_2"], address["city"],
            address["postcode"], address["country_id"], address["zone_id"]) == (
        "Bauer Bau GmbH", "Lindenallee 7", "Hinterhaus", "München", "80331", 81, 1256)
    assert count(db, "oc_customer") == 3  # Anna, the distributor's account, Bernd

    if version == "3":
        assert (o["payment_method"], o["payment_code"], o["shipping_code"], o["fax"]) == (
            "Drop shipping via orderexchange", "orderexchange", "orderexchange.orderexchange",
            "")
        assert bernd["address_id"] == address["address_id"]
    else:
        assert o["payment_method"] == ('{"name": "Drop shipping via orderexchange", '
                                       '"code": "orderexchange"}')
        assert (o["language_code"], o["payment_address_id"]) == ("en-gb", address["address_id"])
        assert address["default"] == 1


# === full send, both versions / engines, strict and lax ======================================
def test_full_send_known_and_new_customer_strict(shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(shop)
    full_send_and_verify(shop, prepare, shop.version)


@pytest.mark.parametrize("schema", [OC3, OC4], ids=["oc3-myisam", "oc4-innodb"])
def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare, schema):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    load_schema(mariadb_nonstrict_db.url, schema[0], prefix="oc_", engine=schema[1])
    full_send_and_verify(mariadb_nonstrict_db, prepare, "3" if schema == OC3 else "4")


def test_taxed_shipping_joins_its_rates_tax_row(shop, prepare):
    """`shipping_tax_rate = "19"`: OpenCart's shipping total is net and adds its VAT to the
    taxes by rate, so one "VAT (19%)" row holds the lines' 2.74 and the shipping's 0.93;
    total 14.40 + 4.90 + 3.67 = 22.97 (the admin list and the order view)."""
    run = prepare(alpha(shop, shipping_tax_rate="19"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [listed] = admin_list(shop)
    assert listed["total"] == Decimal("22.9700")
    assert order_view(shop, listed["order_id"])["totals"] == [
        ("sub_total", "Sub-Total", Decimal("14.4000"), 1),
        ("shipping", "Shipping", Decimal("4.9000"), 3),
        ("tax", "VAT (19%)", Decimal("3.6700"), 5),
        ("total", "Total", Decimal("22.9700"), 9)]


def test_an_extension_adds_a_not_null_column_and_strict_inserts_still_work(shop, prepare):
    # extensions add columns OpenCart's checkout fills; we never saw them and must not fail
    root_execute(shop, "ALTER TABLE oc_order ADD COLUMN ext_vendor_ref varchar(32) NOT NULL, "
                       "ADD COLUMN ext_flags text NOT NULL, ADD COLUMN ext_due datetime NOT NULL")
    run = prepare(alpha(shop), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = query(shop, "SELECT ext_vendor_ref, ext_flags, ext_due FROM oc_order")
    assert (row["ext_vendor_ref"], row["ext_flags"]) == ("", "")
    assert row["ext_due"] is not None


# === customer policies =======================================================================
def test_guest_policy_writes_opencart_guest_orders(shop, prepare):
    run = prepare(alpha(shop, customer_policy="guest", guest_customer_id=0), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert result.customers_created == 0
    [order] = query(shop, "SELECT customer_id, customer_group_id, email, firstname, "
                          "payment_city FROM oc_order")
    assert order == {"customer_id": 0, "customer_group_id": 1,
                     "email": "bernd.bauer@example.com", "firstname": "Bernd",
                     "payment_city": "München"}
    assert count(shop, "oc_customer") == 2 and count(shop, "oc_address") == 2
    assert run.transfers()["1002"].customer_match == "guest"


def test_blind_drop_ship_bills_the_distributor_and_ships_to_the_customer(shop, prepare):
    run = prepare(alpha(shop, customer_policy="distributor", distributor_customer_id=2),
                  [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [order] = query(shop, "SELECT * FROM oc_order")
    assert (order["customer_id"], order["firstname"], order["lastname"], order["email"],
            order["telephone"]) == (2, "ACME", "Distribution", "orders@acme.example",
                                    "+49 40 9999999")
    assert address_of(order, "payment") == ("ACME", "Distribution", "ACME Distribution GmbH",
                                            "Hafenweg 5", "", "Hamburg", "20457", "Germany",
                                            81, "", 0)
    assert address_of(order, "shipping")[:7] == ("Clara", "Bauer", "", "Seeweg 3", "", "Wien",
                                                 "1010")
    # the end customer's contact data never reaches the supplier
    assert not any("bernd" in str(v).lower() for v in order.values())
    assert count(shop, "oc_customer") == 2
    assert run.transfers()["1002"].customer_match == "distributor"


def test_two_accounts_with_one_email_block_the_order(shop, prepare):
    root_execute(shop, "INSERT INTO oc_customer (customer_group_id, language_id, firstname, "
                       "lastname, email, telephone, custom_field, password, status, safe, "
                       "commenter, token, code, date_added) VALUES (1, 1, 'Anna', 'S.', "
                       "'ANNA.SCHMIDT@example.com', '', '[]', '', 1, 0, 0, '', '', NOW())"
                 if shop.version == "4" else
                 "INSERT INTO oc_customer (customer_group_id, language_id, firstname, "
                 "lastname, email, telephone, fax, password, salt, custom_field, ip, status, "
                 "safe, token, code, date_added) VALUES (1, 1, 'Anna', 'S.', "
                 "'ANNA.SCHMIDT@example.com', '', '', '', '', '[]', '', 1, 0, '', '', NOW())")
    run = prepare(alpha(shop), [ANNA])
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert [(f.code, f.order) for f in result.findings if f.blocking] == [("OX-CHK-029", "1001")]
    assert count(shop, "oc_order") == 0


def test_an_account_of_the_email_in_another_name_is_used_with_a_warning(shop, prepare):
    """Issue 13 §1: one email is one shop login — a family member's order goes on that account,
    its own name on the order row, and step 1 says so."""
    clara = sample_order("1009", first="Clara", last="Schmidt")  # Anna's email
    run = prepare(alpha(shop), [clara])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert [(f.severity, f.code, f.order) for f in result.findings] == [
        ("warning", "OX-CHK-041", "1009")]
    assert "in the name of Anna Schmidt; the order is for Clara Schmidt" in \
        result.findings[0].message
    [row] = query(shop, "SELECT firstname, lastname FROM oc_order")
    assert row == {"firstname": "Clara", "lastname": "Schmidt"}


# === step 1 ===================================================================================
def test_inactive_product_and_too_long_company_fail_the_check(shop, prepare):
    long_company = "Zimmerei und Holzbau Oberhuber-Zwischenbrunner GmbH"  # 51 characters
    order = sample_order("1003", email="carla@example.com", first="Carla", last="Neu",
                         delivery={"first_name": "Carla", "last_name": "Neu",
                                   "company": long_company, "street": "Weg 2",
                                   "postcode": "10115", "city": "Berlin", "country": "DE"},
                         lines=[{"sku": "LEVEL", "name": "Spirit level", "quantity": 1,
                                 "unit_price": "15.00", "tax_rate": "19"}])
    run = prepare(alpha(shop), [order])
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    limit = 40 if shop.version == "3" else 60
    expected = [("OX-CHK-006", "Order 1003 line 1: supplier SKU A-300 does not exist or is "
                               "inactive in supplier alpha's shop.")]
    if len(long_company) > limit:
        expected.append(("OX-CHK-007", f"Order 1003: field oc_order.shipping_company has 51 "
                                       f"characters, the supplier shop allows {limit}."))
    assert [(f.code, f.message) for f in result.findings] == expected
    assert count(shop, "oc_order") == 0 and count(shop, "oc_customer") == 2


# === crash in the middle of a write: MyISAM completes, InnoDB rolled back ====================
lost_connection = connection_lost("INSERT INTO oc_order_total …")


@pytest.mark.parametrize("engine", ["MyISAM", "InnoDB"])
def test_crash_mid_write_then_retry_writes_the_order_exactly_once(mariadb_db, prepare,
                                                                  monkeypatch, engine):
    load_schema(mariadb_db.url, OC3[0], prefix="oc_", engine=engine)
    run = prepare(alpha(mariadb_db), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(opencart.OpenCartConnector, "_insert_totals", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert failed.error is not None and failed.error.code == "OX-DB-002"
    reference = run.transfers()["1002"].reference
    assert admin_list(mariadb_db) == []  # never visible half-written
    if engine == "MyISAM":  # no rollback: a hidden order with its lines stayed behind
        [half] = query(mariadb_db, "SELECT order_id, order_status_id, comment FROM oc_order")
        assert half["order_status_id"] == 0 and half["comment"].startswith(f"[{reference}]")
        assert count(mariadb_db, "oc_order_product") == 2
        assert count(mariadb_db, "oc_order_history") == 0
    else:  # rolled back: nothing at all
        assert count(mariadb_db, "oc_order") == 0 and count(mariadb_db, "oc_customer") == 2

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [order] = query(mariadb_db, "SELECT order_id, order_status_id FROM oc_order")
    if engine == "MyISAM":
        assert order["order_id"] == half["order_id"]  # completed, not inserted again
    assert order["order_status_id"] == 1
    assert run.transfers()["1002"].remote_order_id == str(order["order_id"])
    view = order_view(mariadb_db, order["order_id"])
    assert view["lines"] == LINES["1002"] and view["totals"] == TOTALS["1002"]
    assert len(view["history"]) == 1
    assert count(mariadb_db, "oc_customer", "email = 'bernd.bauer@example.com'") == 1


# === a customer half-written by a killed MyISAM send is completed by the retry ===============
@pytest.mark.parametrize("schema, table, column", [
    (OC3, "oc_address", None), (OC3, "oc_customer", "address_id"), (OC4, "oc_address", None)],
    ids=["oc3-no-address", "oc3-no-default", "oc4-no-address"])
def test_a_customer_half_written_by_a_kill_is_completed_by_the_retry(mariadb_db, prepare,
                                                                     monkeypatch, schema, table,
                                                                     column):
    load_schema(mariadb_db.url, schema[0], prefix="oc_", engine="MyISAM")
    # a shop's own customer without any address (OpenCart 3.0+ registers without one): not ours,
    # so never "completed" from an order
    root_execute(mariadb_db, "SET SESSION sql_mode = ''",  # the columns not named: their ''/0
                 "INSERT INTO oc_customer (customer_group_id, store_id, language_id, "
                 "firstname, lastname, email, telephone, password, custom_field, status, "
                 "date_added) VALUES (1, 0, 1, 'Carla', 'Cruz', 'carla@example.com', '', 'hash', "
                 "'[]', 1, NOW())")
    carla = sample_order("3001", email="carla@example.com", first="Carla", last="Cruz")
    run = prepare(alpha(mariadb_db), [BERND, carla])
    with monkeypatch.context() as patch:
        kill_at_write(patch, opencart, opencart.OpenCartConnector, table, column)
        # a kill: the process is gone, no retry inside this send
        [failed] = Dispatcher(run.config, run.store, PluginHost(),
                              retry=RetryPolicy.none()).send(run.so_ids)
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-002"
    linked = schema == OC3
    [half] = query(mariadb_db, "SELECT * FROM oc_customer WHERE email = 'bernd.bauer@example.com'")
    bernd_id = half["customer_id"]
    addresses = count(mariadb_db, "oc_address", "customer_id = :c", c=bernd_id)
    assert addresses == (0 if column is None else 1)  # what the kill left behind
    if linked:
        assert half["address_id"] == 0

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    assert count(mariadb_db, "oc_customer", "email = 'bernd.bauer@example.com'") == 1
    [address] = query(mariadb_db, "SELECT * FROM oc_address WHERE customer_id = :c", c=bernd_id)
    assert (address["company"], address["address_1"], address["address_2"], address["city"],
            address["postcode"], address["country_id"]) == (
        "Bauer Bau GmbH", "Lindenallee 7", "Hinterhaus", "München", "80331", 81)
    transfers = run.transfers()
    order = order_view(mariadb_db, int(transfers["1002"].remote_order_id))["order"]
    assert order["customer_id"] == bernd_id
    if linked:
        [whole] = query(mariadb_db, "SELECT address_id FROM oc_customer WHERE customer_id = :c",
                        c=bernd_id)
        assert whole["address_id"] == address["address_id"]
    else:
        assert order["payment_address_id"] == address["address_id"]
    assert transfers["1002"].customer_created is True
    # Carla's order went to her account, which stays as the shop keeps it
    [carla_row] = query(mariadb_db, "SELECT customer_id FROM oc_customer "
                                    "WHERE email = 'carla@example.com'")
    assert count(mariadb_db, "oc_address", "customer_id = :c", c=carla_row["customer_id"]) == 0
    assert transfers["3001"].remote_customer_id == str(carla_row["customer_id"])


# === two sends at the same moment ============================================================
def test_two_concurrent_sends_to_the_same_shop(shop, prepare):
    # both supplier orders have a new customer with the same email: one account, not two
    first = prepare(alpha(shop), [BERND, sample_order("2001", email="dora@example.com",
                                                      first="Dora", last="Dorn")])
    second = prepare(alpha(shop), [sample_order("3001", email="bernd.bauer@example.com",
                                                first="Bernd", last="Bauer"),
                                   sample_order("3002", email="emil@example.com",
                                                first="Emil", last="Eck")])
    for [result] in send_at_once(first, second):
        assert result.state == S.NOTIFIED, result.as_dict()
        assert result.written == 2
    rows = admin_list(shop)
    assert len(rows) == 4 and len({r["order_id"] for r in rows}) == 4
    references = [t.reference for run in (first, second) for t in run.transfers().values()]
    for reference in references:
        assert count(shop, "oc_order", "comment LIKE :p", p=f"[{reference}]%") == 1
    assert count(shop, "oc_customer", "LOWER(email) = 'bernd.bauer@example.com'") == 1
    assert count(shop, "oc_customer") == 2 + 3  # Bernd, Dora, Emil


# === the way back: read-back and cancel ======================================================
def test_read_back_status_tracking_and_cancel(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    anna_id, bernd_id = (int(transfers[n].remote_order_id) for n in ("1001", "1002"))
    # the supplier ships Anna's order and records the parcel
    root_execute(shop, f"UPDATE oc_order SET order_status_id = 3 WHERE order_id = {anna_id}",
                 f"INSERT INTO oc_order_history (order_id, order_status_id, notify, comment, "
                 f"date_added) VALUES ({anna_id}, 3, 1, 'shipped', '2026-03-02 10:00:00')",
                 f"INSERT INTO oc_order_shipment (order_id, date_added, shipping_courier_id, "
                 f"tracking_number) VALUES ({anna_id}, '2026-03-02 10:00:00', 'dhl', "
                 f"'00340434161234567890')")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
    anna, bernd = status[transfers["1001"].reference], status[transfers["1002"].reference]
    assert (anna.order_id, anna.status, anna.status_id, anna.progressed, anna.cancelled,
            anna.tracking_number, anna.shipped_at) == (
        str(anna_id), "Shipped", "3", True, False, "00340434161234567890",
        "2026-03-02 10:00:00")
    assert (bernd.status, bernd.progressed, bernd.cancelled, bernd.tracking_number) == (
        "Pending", False, False, None)

    with run.connector() as connector:
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])  # twice: nothing more happens
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])  # already shipped
        status = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004"
    assert "moved shop order" in refused.value.message and "Shipped (3)" in refused.value.message
    assert status[transfers["1002"].reference].cancelled
    assert status[transfers["1002"].reference].status == "Canceled"
    history = order_view(shop, bernd_id)["history"]
    assert [(h["name"], h["comment"].split("] ")[1]) for h in history] == [
        ("Pending", "orderexchange: customer order 1002 forwarded in supplier order "
                    f"{run.so_ids[0]}"),
        ("Canceled", "orderexchange: cancelled by the distributor (customer order 1002)")]
    assert [r["order_status"] for r in admin_list(shop)] == ["Shipped", "Canceled"]

    root_execute(shop, f"DELETE FROM oc_order WHERE order_id = {bernd_id}")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
        with pytest.raises(OXError) as gone:
            connector.cancel(transfers["1002"])
    assert set(status) == {transfers["1001"].reference}  # a deleted order is simply absent
    assert gone.value.code == "OX-WRT-005"


# === test db ==================================================================================
STAGES = ["connect", "TLS", "server version", "schema variant", "tables and columns",
          "storage engines", "grants", "optional features", "reference data", "customers",
          "trial write"]


def test_self_test_on_a_good_shop_and_the_trial_write_leaves_nothing(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    before = {t: count(shop, t) for t in ("oc_order", "oc_order_product", "oc_order_total",
                                          "oc_order_history", "oc_customer", "oc_address")}
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert [s.name for s in report.stages] == STAGES
    details = {s.name: s.detail for s in report.stages}
    label = "OpenCart 3.0" if shop.version == "3" else "OpenCart 4.x"
    assert details["schema variant"] == f"{label} (detected), table prefix 'oc_'"
    if shop.version == "3":
        assert "MyISAM: oc_address" in details["storage engines"]
        assert "no transactions on oc_address" in details["storage engines"]
    else:
        assert details["storage engines"].endswith("every order is one transaction")
    assert details["reference data"] == ("order_status_id 1 = Pending; cancelled_status_id 7 = "
                                         "Canceled; language_id 1 = en-gb; customer group 1 = "
                                         "Default")
    assert details["trial write"].startswith("sample order for A-100 written as order ")
    # how matching reads the shop's customers: OpenCart 4.x's install declares KEY email,
    # 3.0's install SQL has none, so test db names the cost and the index that removes it
    if shop.version == "3":
        assert details["customers"] == (
            "customers are matched by email through orderexchange's directory of the shop's "
            "customers (no index starts with it; CREATE INDEX `email` ON `oc_customer` "
            "(`email`) would make it an index read): a send reads only the customers added "
            "since, and all of them every 24 h; new ones are created")
        root_execute(shop, "CREATE INDEX email ON oc_customer (email)")
        report = run.connector().self_test()
        details = {s.name: s.detail for s in report.stages}
    assert details["customers"] == ("customers are matched by email through its index; new ones "
                                    "are created")
    after = {t: count(shop, t) for t in before}
    assert after == before


def test_least_privilege_user_missing_grants_are_reported_with_the_fix(shop, prepare,
                                                                       shop_user):
    reads = ["oc_order_status", "oc_customer_group", "oc_customer_group_description",
             "oc_country", "oc_zone", "oc_currency", "oc_language", "oc_product",
             "oc_product_description", "oc_setting", "oc_order_shipment"]
    grants = {t: "SELECT" for t in reads}
    grants.update({"oc_order": "SELECT, INSERT", "oc_order_product": "SELECT, INSERT",
                   "oc_order_total": "SELECT, INSERT", "oc_customer": "SELECT, INSERT, UPDATE",
                   "oc_address": "SELECT, INSERT"})  # no UPDATE on order, nothing on history
    user = shop_user(shop, grants)
    run = prepare({"alpha": user.section({"type": "opencart"})}, [BERND])
    report = run.connector().self_test()
    assert not report.ok
    stage = {s.name: s for s in report.stages}
    # a table without any privilege is invisible in information_schema: said so, and the
    # grants stage still runs to print the fix
    assert not stage["tables and columns"].ok
    assert ("oc_order_history: not visible to the database user, who has no privilege on it"
            in stage["tables and columns"].detail)
    assert not stage["grants"].ok
    db = shop.database
    myisam = shop.version == "3"
    delete = "DELETE, " if myisam else ""
    fixes = [f"GRANT {delete}INSERT, SELECT ON `{db}`.`oc_order_history` TO '{user.name}'@'%';",
             f"GRANT {delete}UPDATE ON `{db}`.`oc_order` TO '{user.name}'@'%';"]
    if myisam:  # no ROLLBACK: removing the trial write needs DELETE on every written table
        fixes = [f"GRANT DELETE ON `{db}`.`oc_address` TO '{user.name}'@'%';",
                 f"GRANT DELETE ON `{db}`.`oc_customer` TO '{user.name}'@'%';",
                 fixes[1], fixes[0],
                 f"GRANT DELETE ON `{db}`.`oc_order_product` TO '{user.name}'@'%';",
                 f"GRANT DELETE ON `{db}`.`oc_order_total` TO '{user.name}'@'%';"]
    fixes = sorted(fixes, key=lambda f: f.split("`.`")[1].split("`")[0])
    for fix in fixes:
        assert fix in stage["grants"].detail
    assert stage["grants"].detail.startswith("OX-DB-007: ")
    assert stage["trial write"].detail == "skipped: fix the stages above first"
    with run.connector() as connector:
        assert connector.grant_fixes() == fixes

    root_execute(shop, *fixes)  # the administrator runs exactly what was printed
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert count(shop, "oc_order") == 0
    [result] = run.send()  # and the least-privilege user sends for real
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(admin_list(shop)) == 1


def test_store_settings_without_their_grant_are_said_in_test_db_and_at_send(shop, prepare,
                                                                             shop_user):
    """A user without any privilege gets the whole GRANT list (OX-DB-014, not OX-DB-001); the
    administrator leaves out oc_setting (information_schema hides it, so it used to be never
    asked for): `test db` says the store settings are off, and so does every send's check,
    while the orders still go — with our store name and no invoice prefix — until it is
    granted."""
    user = shop_user(shop, {})
    run = prepare({"alpha": user.section({"type": "opencart"})}, [ANNA])
    report = run.connector().self_test()
    assert report.stages[0].detail.startswith("OX-DB-014: ")
    setting = f"GRANT SELECT ON `{shop.database}`.`oc_setting` TO '{user.name}'@'%';"
    shipment = f"GRANT SELECT ON `{shop.database}`.`oc_order_shipment` TO '{user.name}'@'%';"
    assert {setting, shipment, "-- optional, for store settings:",
            "-- optional, for tracking read-back:"} <= set(report.grants)
    root_execute(shop, *[line for line in report.grants
                         if not line.startswith("--") and line != setting])

    report = run.connector().self_test()
    assert report.ok and report.grants == ["-- optional, for store settings:", setting]
    stage = {s.name: s for s in report.stages}
    assert stage["grants"].warning and stage["optional features"].warning
    assert stage["optional features"].detail.startswith(
        "store settings: OFF — OX-DB-015: Supplier alpha: store settings is off: database user "
        f"'{user.name}'@'%' lacks SELECT on table oc_setting; orders get the store name "
        "'Alpha Tools GmbH' instead of the shop's own")
    assert stage["optional features"].detail.endswith("tracking read-back: on")

    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert [(f.severity, f.code) for f in result.findings] == [("warning", "OX-DB-015")]
    assert "store settings is off" in result.findings[0].message
    [order] = query(shop, "SELECT store_name, invoice_prefix FROM oc_order")
    assert order == {"store_name": "Alpha Tools GmbH", "invoice_prefix": ""}

    root_execute(shop, setting)
    later = prepare({"alpha": user.section({"type": "opencart"})}, [sample_order("1003")])
    [result] = later.send()
    assert result.state == S.NOTIFIED and result.findings == []
    assert query(shop, "SELECT store_name, invoice_prefix FROM oc_order ORDER BY order_id")[1] \
        == {"store_name": "Alpha Tools Shop", "invoice_prefix": "INV-2026-00"}


def test_wrong_status_id_and_missing_table_are_reported(shop, prepare):
    run = prepare(alpha(shop, {"order_status_id": 99}), [ANNA])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["reference data"].ok
    assert stage["reference data"].detail.startswith(
        "OX-DB-009: Supplier alpha: order_status_id = 99 does not exist in its shop")
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert [f.code for f in result.findings] == ["OX-CHK-009"]

    root_execute(shop, "DROP TABLE oc_order_history")
    report = prepare(alpha(shop), [ANNA]).connector().self_test()
    assert report.missing == ["oc_order_history"]
    assert [s.name for s in report.stages][-1] == "tables and columns"
    assert report.stages[-1].detail.startswith("OX-DB-003: Supplier alpha: table "
                                               "oc_order_history lacks oc_order_history")


def test_transfer_state_is_recorded(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    [result] = run.send()
    [transfer] = run.transfers().values()
    assert transfer.state == TransferState.WRITTEN and result.state == S.NOTIFIED
    assert transfer.remote_customer_id == "1"


def test_cli_test_db_prints_the_missing_grant_and_never_the_password(shop, shop_user,
                                                                     tmp_path, monkeypatch):
    """`orderexchange test db` as the distributor runs it, with the password in the environment."""
    import json

    from click.testing import CliRunner

    from orderexchange.cli import main

    grants = {t: "SELECT" for t in (
        "oc_order_status", "oc_customer_group", "oc_customer_group_description", "oc_country",
        "oc_zone", "oc_currency", "oc_language", "oc_product", "oc_product_description",
        "oc_setting", "oc_order_shipment")}
    writes = "SELECT, INSERT, DELETE" if shop.version == "3" else "SELECT, INSERT"
    grants.update({"oc_order": writes.replace("SELECT", "SELECT, UPDATE"),
                   "oc_order_product": writes, "oc_order_total": writes,
                   "oc_order_history": writes, "oc_address": writes,
                   "oc_customer": "SELECT, INSERT"})  # UPDATE missing
    user = shop_user(shop, grants)
    monkeypatch.setenv("ALPHA_SHOP_PASSWORD", user.password)
    config = tmp_path / "config.toml"
    config.write_text(f"""
[distributor]
id = "acme"
name = "ACME Distribution"
email = "orders@acme.example"

[store]
url = "sqlite:///{tmp_path / 'state.sqlite'}"

[suppliers.alpha]
name = "Alpha Tools GmbH"
email = "orders@alpha.example"

[suppliers.alpha.database]
url = "mysql+pymysql://{user.name}@{shop.host}:{shop.port}/{shop.database}"
password = "${{ALPHA_SHOP_PASSWORD}}"

[suppliers.alpha.connector]
type = "opencart"
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "test", "db", "alpha", "--json"])
    assert result.exit_code == 1, result.output
    [report] = json.loads(result.output)
    stages = {s["name"]: s for s in report["stages"]}
    fix = f"GRANT UPDATE ON `{shop.database}`.`oc_customer` TO '{user.name}'@'%';"
    if shop.version == "3":
        fix = f"GRANT DELETE, UPDATE ON `{shop.database}`.`oc_customer` TO '{user.name}'@'%';"
    assert not stages["grants"]["ok"] and fix in stages["grants"]["detail"]
    assert report["grants"] == [fix]
    assert user.password not in result.output
    table = CliRunner().invoke(main, ["--config", str(config), "test", "db", "alpha"])
    # the list to copy, each statement whole on its own line (no wrapping, no markup lost)
    assert "GRANT statements for the database user of alpha" in table.output
    assert fix in table.output.splitlines()

    root_execute(shop, fix)
    result = CliRunner().invoke(main, ["--config", str(config), "test", "db", "alpha"])
    assert result.exit_code == 0, result.output
    assert "trial write" in result.output and user.password not in result.output
    assert "GRANT statements" not in result.output


def test_unrecognised_order_table_is_ox_db_010(mariadb_db, prepare):
    load_schema(mariadb_db.url, OC3[0], prefix="oc_", engine="InnoDB")
    root_execute(mariadb_db, "ALTER TABLE oc_order DROP COLUMN payment_code, DROP COLUMN fax")
    report = prepare(alpha(mariadb_db), [ANNA]).connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["schema variant"].ok
    assert stage["schema variant"].detail.startswith(
        "OX-DB-010: Supplier alpha: the tables match no OpenCart version this connector knows "
        "(oc_order has neither payment_code (3.0) nor payment_address_id (4.x))")
    report = prepare(alpha(mariadb_db, {"version": "3"}), [ANNA]).connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]  # `version` overrides


def test_tls_asked_for_but_the_server_has_none_is_ox_db_012(mariadb_db, prepare,
                                                             tls_certificates):
    load_schema(mariadb_db.url, OC4[0], prefix="oc_", engine="InnoDB")
    section = shop_section(mariadb_db, {"type": "opencart"})
    section["database"]["url"] += f"?ssl_ca={tls_certificates.ca_file}"
    run = prepare({"alpha": section}, [ANNA])
    report = run.connector().self_test()
    assert [(s.name, s.ok) for s in report.stages] == [("connect", False)]
    assert report.stages[0].detail.startswith(
        f"OX-DB-012: Supplier alpha: the connection to {mariadb_db.host}:{mariadb_db.port}/"
        f"{mariadb_db.database} is not encrypted although the config asks for TLS.")
    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-DB-012"
    assert count(mariadb_db, "oc_order") == 0


def test_an_orders_amounts_are_worked_out_once_per_send(shop, prepare, monkeypatch):
    """Step 1 (the `order` row's length checks) and the write (order row, lines, totals) share
    one working-out of each order's amounts: it was done in both, 5 % of a send's CPU. The
    shop's admin list shows the same totals either way (full_send_and_verify checks them)."""
    from orderexchange.plugins import opencart_rows as rows  # where it calls order_amounts

    worked_out: list[str] = []
    original = rows.order_amounts

    def counted(transfer: Any, *args: Any) -> Any:
        worked_out.append(transfer.customer_order.number)
        return original(transfer, *args)

    monkeypatch.setattr(rows, "order_amounts", counted)
    orders = [sample_order(str(4000 + k), email=f"k{k}@example.com", first="Kim",
                           last=f"Kunde{k}") for k in range(6)]
    run = prepare(alpha(shop), [ANNA, *orders])
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 7
    assert sorted(worked_out) == sorted(o["number"] for o in [ANNA, *orders])
    assert len(admin_list(shop)) == 7
