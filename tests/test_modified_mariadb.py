"""The osCommerce connector's modified eCommerce variant against a real MariaDB.

The shop is shop_schemas/modified_mysql.sql (modified 2.x's tables with all their NOT NULL
columns, customer groups 2 "New customer" with gross prices and 3 "Merchant" with net prices).
Everything runs through the real path (import → build → Dispatcher.send) and is read back with
the queries modified's admin runs: the order list (joined to `orders_status` in the admin
language and to the `ot_total` row), the customer list (inner join on the default address) and
the order view (addresses, lines, totals). Expected values are worked out by hand below.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from helpers import bernd_order, sample_order, send_at_once
from shopdb import (  # noqa: F401 - prepare and shop_user are fixtures
    connection_lost, count, load_schema, prepare, query, root_execute, server_sql_mode, shop_user,
    supplier_alpha,
)

from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S, TransferState
from orderexchange.plugins import oscommerce

SCHEMA = "modified_mysql.sql"
ANNA_ID, BERND_GUEST_ID, ACME_ID = 1, 2, 3  # seeded customers

# --- sample data (worked out by hand) ---------------------------------------------------------
# 1001: Anna (registered, group 2 "New customer": gross prices), 2 × A-100 at 7.20 net, 19 %:
#   unit gross 8.568 → 8.57, line 17.14; tax contained 17.14 × 19/119 = 2.7366 → 2.74;
#   sub-total 17.14 + shipping 4.90 = total 22.04
ANNA = sample_order("1001")
# 1002: Bernd, new (his earlier guest checkout, account_type 1, must not be matched), customer
#   number K-2002, billing Munich with company and suburb, delivery to Clara in Vienna.
#   3 × A-200 at 10.80, 19 %: net 32.40, VAT 6.156 → 6.16, gross line 38.56 (unit 12.8533)
#   1 × A-100 at  7.20,  7 %: net  7.20, VAT 0.504 → 0.50, gross line  7.70
#   sub-total 46.26 + shipping 4.90 = total 51.16 = net 39.60 + VAT 6.66 + shipping 4.90; the
#   shop's own "incl." arithmetic on the gross lines gives the same VAT (38.56 × 19/119 = 6.157)
BERND = bernd_order(customer={"number": "K-2002"})

LINES = {  # order → (products_id, model, name, products_price, final_price, tax, qty, allow_tax)
    "1001": [(1, "A-100", "Claw hammer 450 g", Decimal("8.5700"), Decimal("17.1400"),
              Decimal("19.0000"), 2, 1)],
    "1002": [(2, "A-200", "Screwdriver set, 6 pieces", Decimal("12.8533"), Decimal("38.5600"),
              Decimal("19.0000"), 3, 1),
             (1, "A-100", "Claw hammer 450 g", Decimal("7.7000"), Decimal("7.7000"),
              Decimal("7.0000"), 1, 1)],
}
TOTALS = {  # order → (class, title, text, value, sort_order)
    "1001": [("ot_subtotal", "Sub-Total:", "17,14 EUR", Decimal("17.1400"), 10),
             ("ot_shipping", "Shipping:", "4,90 EUR", Decimal("4.9000"), 30),
             ("ot_tax", "incl. 19% VAT:", "2,74 EUR", Decimal("2.7400"), 50),
             ("ot_total", "Total:", "<strong>22,04 EUR</strong>", Decimal("22.0400"), 99)],
    "1002": [("ot_subtotal", "Sub-Total:", "46,26 EUR", Decimal("46.2600"), 10),
             ("ot_shipping", "Shipping:", "4,90 EUR", Decimal("4.9000"), 30),
             ("ot_tax", "incl. 19% VAT:", "6,16 EUR", Decimal("6.1600"), 50),
             ("ot_tax", "incl. 7% VAT:", "0,50 EUR", Decimal("0.5000"), 50),
             ("ot_total", "Total:", "<strong>51,16 EUR</strong>", Decimal("51.1600"), 99)],
}

#: modified's admin order list: status name in the admin language, the `ot_total` row
ADMIN_LIST = ("SELECT o.orders_id, o.customers_cid, o.customers_name, s.orders_status_name AS "
              "status, ot.value AS total, ot.text FROM orders o "
              "JOIN orders_total ot ON ot.orders_id = o.orders_id AND ot.class = 'ot_total' "
              "JOIN orders_status s ON s.orders_status_id = o.orders_status AND "
              "s.language_id = 1 ORDER BY o.orders_id")
#: modified's admin customer list: inner join on the default address, group name
CUSTOMER_LIST = ("SELECT c.customers_id, c.customers_cid, c.customers_firstname, "
                 "c.customers_lastname, c.customers_email_address, c.account_type, "
                 "cs.customers_status_name AS grp, a.entry_city FROM customers c "
                 "JOIN address_book a ON a.customers_id = c.customers_id AND "
                 "a.address_book_id = c.customers_default_address_id "
                 "LEFT JOIN customers_status cs ON cs.customers_status_id = c.customers_status "
                 "AND cs.language_id = 1 ORDER BY c.customers_id")
WRITTEN = ("orders", "orders_products", "orders_total", "orders_status_history", "customers",
           "address_book", "customers_info")


@pytest.fixture(params=["InnoDB", "MyISAM"])
def shop(request, mariadb_db):
    """A modified shop on the strict server, with InnoDB and with MyISAM tables."""
    load_schema(mariadb_db.url, SCHEMA, engine=request.param)
    mariadb_db.engine = request.param
    return mariadb_db


alpha = supplier_alpha("oscommerce")


def order_view(db, order_id: int) -> dict[str, Any]:
    """What modified's admin order page reads for one order."""
    [order] = query(db, "SELECT * FROM orders WHERE orders_id = :o", o=order_id)
    lines = query(db, "SELECT products_id, products_model, products_name, products_price, "
                      "final_price, products_tax, products_quantity, allow_tax FROM "
                      "orders_products WHERE orders_id = :o ORDER BY orders_products_id",
                  o=order_id)
    totals = query(db, "SELECT class, title, text, value, sort_order FROM orders_total "
                       "WHERE orders_id = :o ORDER BY sort_order, orders_total_id", o=order_id)
    history = query(db, "SELECT h.orders_status_id, s.orders_status_name AS name, "
                        "h.customer_notified, h.comments FROM orders_status_history h "
                        "JOIN orders_status s ON s.orders_status_id = h.orders_status_id AND "
                        "s.language_id = 1 WHERE h.orders_id = :o "
                        "ORDER BY h.orders_status_history_id", o=order_id)
    return {"order": order, "lines": [tuple(r.values()) for r in lines],
            "totals": [tuple(r.values()) for r in totals], "history": history}


def address_of(order: dict[str, Any], prefix: str) -> tuple:
    cols = ["name", "firstname", "lastname", "gender", "company", "street_address", "suburb",
            "city", "postcode", "state", "country", "address_format_id"]
    if prefix != "customers":
        cols.append("country_iso_code_2")
    else:
        cols.remove("name")
    return tuple(order[f"{prefix}_{c}"] for c in cols)


def full_send_and_verify(db, prepare) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    [result] = run.send()
    assert result.error is None, result.as_dict()
    assert result.state == S.NOTIFIED
    assert (result.written, result.already_there, result.customers_created) == (2, 0, 1)
    transfers = run.transfers()
    assert {n: t.customer_match for n, t in transfers.items()} == {"1001": "email",
                                                                  "1002": "new"}
    assert all(t.state == TransferState.WRITTEN for t in transfers.values())
    ids = {n: int(t.remote_order_id) for n, t in transfers.items()}
    bernd_id = int(transfers["1002"].remote_customer_id)
    assert bernd_id not in (ANNA_ID, BERND_GUEST_ID, ACME_ID)

    # the admin's order list shows both: customer number, name, status, gross total
    assert query(db, ADMIN_LIST) == [
        {"orders_id": ids["1001"], "customers_cid": "K-1001", "customers_name": "Anna Schmidt",
         "status": "Pending", "total": Decimal("22.0400"),
         "text": "<strong>22,04 EUR</strong>"},
        {"orders_id": ids["1002"], "customers_cid": "K-2002", "customers_name": "Bernd Bauer",
         "status": "Pending", "total": Decimal("51.1600"),
         "text": "<strong>51,16 EUR</strong>"}]

    anna = order_view(db, ids["1001"])
    o = anna["order"]
    assert (o["customers_id"], o["customers_status"], o["customers_status_name"],
            o["account_type"], o["customers_email_address"], o["customers_telephone"]) == (
        ANNA_ID, 2, "New customer", 0, "anna.schmidt@example.com", "+49301234567")
    berlin = ("Anna", "Schmidt", "f", None, "Hauptstr. 1", None, "Berlin", "10115", None,
              "Germany", 5)
    assert address_of(o, "customers") == berlin
    assert address_of(o, "billing") == ("Anna Schmidt", *berlin, "DE")
    assert address_of(o, "delivery") == ("Anna Schmidt", *berlin, "DE")
    assert (o["payment_method"], o["payment_class"], o["shipping_method"],
            o["shipping_class"], o["currency"], o["currency_value"]) == (
        "Drop shipping via orderexchange", "orderexchange", "Drop shipping",
        "orderexchange_orderexchange", "EUR", Decimal("1.000000"))
    # NOT NULL columns the shop's checkout fills from the session: neutral values, never NULL
    assert (o["customers_ip"], o["language"], o["campaign"], o["content_type"]) == (
        "", "", "", "")
    assert (o["languages_id"], o["customers_country_iso_code_2"]) == (1, "DE")
    assert o["last_modified"] == o["date_purchased"]
    assert anna["lines"] == LINES["1001"]
    assert anna["totals"] == TOTALS["1001"]
    [history] = anna["history"]
    assert (history["name"], history["customer_notified"]) == ("Pending", 0)
    assert history["comments"].startswith(f"[{transfers['1001'].reference}] orderexchange: "
                                          f"order 1001")

    b = order_view(db, ids["1002"])
    o = b["order"]
    assert (o["customers_id"], o["customers_cid"], o["customers_status"],
            o["customers_status_name"], o["customers_firstname"], o["customers_lastname"]) == (
        bernd_id, "K-2002", 2, "New customer", "Bernd", "Bauer")
    munich = ("Bernd", "Bauer", "", "Bauer Bau GmbH", "Lindenallee 7", "Hinterhaus", "München",
              "80331", "Bayern", "Germany", 5)
    assert address_of(o, "billing") == ("Bernd Bauer", *munich, "DE")
    assert address_of(o, "delivery") == ("Clara Bauer", "Clara", "Bauer", "", None, "Seeweg 3",
                                         None, "Wien", "1010", None, "Austria", 5, "AT")
    assert b["lines"] == LINES["1002"]
    assert b["totals"] == TOTALS["1002"]
    assert sum(t[3] for t in b["totals"] if t[0] in ("ot_subtotal", "ot_shipping")) == \
        b["totals"][-1][3]  # gross group: the tax is contained in the sub-total

    # the customer list shows the new account (not a guest) with its default address
    customers = {c["customers_id"]: c for c in query(db, CUSTOMER_LIST)}
    assert customers[bernd_id] == {
        "customers_id": bernd_id, "customers_cid": "K-2002", "customers_firstname": "Bernd",
        "customers_lastname": "Bauer", "customers_email_address": "bernd.bauer@example.com",
        "account_type": 0, "grp": "New customer", "entry_city": "München"}
    assert len(customers) == 4
    [new] = query(db, "SELECT customers_password, customers_gender, customers_dob, "
                      "password_request_key, customers_date_added FROM customers "
                      "WHERE customers_id = :c", c=bernd_id)
    assert (new["customers_password"], new["customers_gender"],
            new["password_request_key"]) == ("", "", "")
    assert new["customers_dob"] is not None and new["customers_date_added"] is not None
    [book] = query(db, "SELECT entry_gender, entry_company, entry_suburb, entry_state, "
                       "entry_country_id FROM address_book WHERE customers_id = :c", c=bernd_id)
    assert book == {"entry_gender": "", "entry_company": "Bauer Bau GmbH",
                    "entry_suburb": "Hinterhaus", "entry_state": "Bayern",
                    "entry_country_id": 81}
    assert count(db, "customers_info", "customers_info_id = :c", c=bernd_id) == 1


# === full send: InnoDB and MyISAM, strict and lax =============================================
def test_full_send_known_and_new_customer_strict(shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(shop)
    full_send_and_verify(shop, prepare)


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare, engine):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    load_schema(mariadb_nonstrict_db.url, SCHEMA, engine=engine)
    full_send_and_verify(mariadb_nonstrict_db, prepare)


# === customer policies ==========================================================================
def test_blind_drop_ship_bills_the_merchant_account_with_net_prices(shop, prepare):
    """The distributor's account is in group 3 "Merchant" (allow_tax 0): net prices, tax added.
    3 × A-200 at 10.80 → 32.40, tax 6.16; 1 × A-100 at 7.20 → 7.20, tax 0.50;
    sub-total 39.60 + shipping 4.90 + tax 6.66 = total 51.16."""
    run = prepare(alpha(shop, customer_policy="distributor", distributor_customer_id=ACME_ID),
                  [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert result.customers_created == 0
    [row] = query(shop, "SELECT orders_id FROM orders")
    view = order_view(shop, row["orders_id"])
    o = view["order"]
    assert (o["customers_id"], o["customers_cid"], o["customers_status"],
            o["customers_status_name"], o["customers_name"], o["customers_email_address"]) == (
        ACME_ID, "H-900", 3, "Merchant", "ACME Einkauf", "shop@acme.example")
    assert address_of(o, "billing") == ("ACME Einkauf", "ACME", "Einkauf", "m",
                                        "ACME Distribution GmbH", "Hafenstr. 5", None,
                                        "Hamburg", "20457", None, "Germany", 5, "DE")
    assert address_of(o, "delivery")[:4] == ("Clara Bauer", "Clara", "Bauer", "")
    assert o["delivery_country_iso_code_2"] == "AT"
    # the end customer's contact data never reaches the supplier
    assert not any("bernd" in str(v).lower() for v in o.values())
    assert view["lines"] == [
        (2, "A-200", "Screwdriver set, 6 pieces", Decimal("10.8000"), Decimal("32.4000"),
         Decimal("19.0000"), 3, 0),
        (1, "A-100", "Claw hammer 450 g", Decimal("7.2000"), Decimal("7.2000"),
         Decimal("7.0000"), 1, 0)]
    assert view["totals"] == [
        ("ot_subtotal", "Sub-Total:", "39,60 EUR", Decimal("39.6000"), 10),
        ("ot_shipping", "Shipping:", "4,90 EUR", Decimal("4.9000"), 30),
        ("ot_tax", "plus 19% VAT:", "6,16 EUR", Decimal("6.1600"), 50),
        ("ot_tax", "plus 7% VAT:", "0,50 EUR", Decimal("0.5000"), 50),
        ("ot_total", "Total:", "<strong>51,16 EUR</strong>", Decimal("51.1600"), 99)]
    assert count(shop, "customers") == 3
    assert run.transfers()["1002"].customer_match == "distributor"


def test_taxed_shipping_is_gross_for_a_gross_group_and_net_plus_vat_for_a_net_group(shop,
                                                                                    prepare):
    """`shipping_tax_rate = "19"`, as modified's ot_shipping does it: a gross group (Anna, 2 "New
    customer") sees the shipping gross, 4.90 + 0.93 = 5.83, and its VAT inside "incl. 19%"
    (2.74 + 0.93 = 3.67); total 17.14 + 5.83 = 22.97. A net group (the distributor's account, 3
    "Merchant") sees it net and the VAT added: 14.40 + 4.90 + 3.67 = 22.97."""
    run = prepare(alpha(shop, shipping_tax_rate="19"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = query(shop, "SELECT orders_id FROM orders")
    assert order_view(shop, row["orders_id"])["totals"] == [
        ("ot_subtotal", "Sub-Total:", "17,14 EUR", Decimal("17.1400"), 10),
        ("ot_shipping", "Shipping:", "5,83 EUR", Decimal("5.8300"), 30),
        ("ot_tax", "incl. 19% VAT:", "3,67 EUR", Decimal("3.6700"), 50),
        ("ot_total", "Total:", "<strong>22,97 EUR</strong>", Decimal("22.9700"), 99)]
    assert [(r["total"], r["text"]) for r in query(shop, ADMIN_LIST)] == [
        (Decimal("22.9700"), "<strong>22,97 EUR</strong>")]

    merchant = prepare(alpha(shop, customer_policy="distributor",
                             distributor_customer_id=ACME_ID, shipping_tax_rate="19"),
                       [sample_order("1003")])
    [result] = merchant.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = query(shop, "SELECT orders_id FROM orders WHERE customers_id = :c", c=ACME_ID)
    assert order_view(shop, row["orders_id"])["totals"] == [
        ("ot_subtotal", "Sub-Total:", "14,40 EUR", Decimal("14.4000"), 10),
        ("ot_shipping", "Shipping:", "4,90 EUR", Decimal("4.9000"), 30),
        ("ot_tax", "plus 19% VAT:", "3,67 EUR", Decimal("3.6700"), 50),
        ("ot_total", "Total:", "<strong>22,97 EUR</strong>", Decimal("22.9700"), 99)]


def test_guest_policy_books_on_a_guest_account(shop, prepare):
    root_execute(shop, "INSERT INTO customers (customers_id, customers_status, customers_gender, "
                       "customers_firstname, customers_lastname, customers_dob, "
                       "customers_email_address, customers_default_address_id, "
                       "customers_telephone, customers_password, account_type, "
                       "password_request_key, password_request_time, payment_unallowed, "
                       "shipping_unallowed, customers_cid, customers_vat_id, "
                       "customers_warning, customers_fax) VALUES (7, 1, '', 'Gast', 'Kunde', "
                       "NOW(), 'guest@alpha.example', 0, '', '', 1, '', NOW(), '', '', '', '', "
                       "'', '')")
    run = prepare(alpha(shop, customer_policy="guest", guest_customer_id=7), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [o] = query(shop, "SELECT customers_id, customers_status, customers_status_name, "
                      "account_type, customers_name, customers_email_address, billing_city, "
                      "delivery_city FROM orders")
    assert o == {"customers_id": 7, "customers_status": 1, "customers_status_name": "Guest",
                 "account_type": 1, "customers_name": "Bernd Bauer",
                 "customers_email_address": "bernd.bauer@example.com",
                 "billing_city": "München", "delivery_city": "Wien"}
    assert count(shop, "customers") == 4  # nobody created
    assert run.transfers()["1002"].customer_match == "guest"


def test_known_customer_found_by_customer_number(shop, prepare):
    """modified's `customers_cid` is a matching key without any setting."""
    order = sample_order("1030", email="einkauf@schmidt.example", phone="", first="Anna",
                         last="Schmidt",
                         customer={"email": "einkauf@schmidt.example", "first_name": "Anna",
                                   "last_name": "Schmidt", "number": "K-1001"})
    run = prepare(alpha(shop), [order])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    transfer = run.transfers()["1030"]
    assert (transfer.customer_match, transfer.remote_customer_id) == ("number", str(ANNA_ID))
    assert count(shop, "customers") == 3


# === crash mid-write: MyISAM completes the hidden order, InnoDB rolled back ====================
lost_connection = connection_lost("INSERT INTO orders_total …")


def test_crash_mid_write_then_retry_writes_the_order_exactly_once(shop, prepare, monkeypatch):
    run = prepare(alpha(shop), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(oscommerce.OsCommerceConnector, "_total_rows", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert failed.error is not None and failed.error.code == "OX-DB-002"
    reference = run.transfers()["1002"].reference
    assert query(shop, ADMIN_LIST) == []  # never visible half-written
    if shop.engine == "MyISAM":  # no rollback: a hidden order with its lines stayed behind
        [half] = query(shop, "SELECT orders_id, orders_status FROM orders")
        assert half["orders_status"] == 0
        assert count(shop, "orders_products") == 2 and count(shop, "orders_total") == 0
        [h] = query(shop, "SELECT comments FROM orders_status_history")
        assert h["comments"].startswith(f"[{reference}]")
    else:
        assert count(shop, "orders") == 0 and count(shop, "customers") == 3

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [order] = query(shop, "SELECT orders_id, orders_status FROM orders")
    if shop.engine == "MyISAM":
        assert order["orders_id"] == half["orders_id"]  # completed, not inserted again
    assert order["orders_status"] == 1
    assert run.transfers()["1002"].remote_order_id == str(order["orders_id"])
    view = order_view(shop, order["orders_id"])
    assert view["lines"] == LINES["1002"] and view["totals"] == TOTALS["1002"]
    assert len(view["history"]) == 1
    assert count(shop, "customers", "customers_email_address = 'bernd.bauer@example.com' "
                                    "AND account_type = 0") == 1


# === the way back: read-back and cancel ========================================================
def test_read_back_tracking_and_cancel(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    anna_id, bernd_id = (int(transfers[n].remote_order_id) for n in ("1001", "1002"))
    root_execute(shop, f"UPDATE orders SET orders_status = 3 WHERE orders_id = {anna_id}",
                 f"INSERT INTO orders_status_history (orders_id, orders_status_id, date_added, "
                 f"customer_notified, comments) VALUES ({anna_id}, 3, '2026-03-02 10:00:00', 1, "
                 f"'shipped')",
                 f"INSERT INTO orders_tracking (orders_id, carrier_id, parcel_id) VALUES "
                 f"({anna_id}, 1, '00340434161234567890')")
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
        connector.cancel(transfers["1002"])  # modified's stock status 4, no setting needed
        connector.cancel(transfers["1002"])  # twice: nothing more happens
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])  # already shipped
        status = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004" and "Shipped (3)" in refused.value.message
    assert status[transfers["1002"].reference].cancelled
    assert status[transfers["1002"].reference].status == "Canceled"
    assert [h["name"] for h in order_view(shop, bernd_id)["history"]] == ["Pending", "Canceled"]
    assert [r["status"] for r in query(shop, ADMIN_LIST)] == ["Shipped", "Canceled"]


# === test db =====================================================================================
STAGES = ["connect", "TLS", "server version", "schema variant", "tables and columns",
          "storage engines", "grants", "optional features", "reference data", "customers",
          "trial write"]


def test_self_test_detects_modified_and_the_trial_write_leaves_nothing(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    before = {t: count(shop, t) for t in WRITTEN}
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert [s.name for s in report.stages] == STAGES
    details = {s.name: s.detail for s in report.stages}
    assert details["schema variant"] == ("modified eCommerce 2.x / xt:Commerce 3 (detected), "
                                         "table prefix ''")
    if shop.engine == "MyISAM":
        assert "no transactions on address_book" in details["storage engines"]
    else:
        assert details["storage engines"].endswith("every order is one transaction")
    assert details["reference data"] == ("order_status_id 1 = Pending; cancelled_status_id 4 = "
                                         "Canceled; customer group 2 = New customer (gross "
                                         "prices)")
    assert details["customers"] == ("new orders' customers are matched by email, number, "
                                    "phone, name+postcode; number, phone and name+postcode "
                                    "through orderexchange's directory of the shop's "
                                    "customers: a send reads only the customers added since, "
                                    "and all of them every 24 h")
    assert details["trial write"].startswith("sample order for A-100 written as order ")
    assert {t: count(shop, t) for t in WRITTEN} == before


def run_grants(db, lines: list[str]) -> None:
    """What the shop's database administrator does with the printed list: runs it all."""
    root_execute(db, *[line for line in lines if not line.startswith("--")])


def test_a_user_without_any_privilege_gets_every_grant_in_one_round(shop, prepare, shop_user):
    """No privilege at all: not OX-DB-001 (the login works) but OX-DB-014 and the whole GRANT
    list — modified's own tables and the optional orders_tracking included, although nothing
    can be seen to tell the variant — after which nothing is missing: one round, not two."""
    user = shop_user(shop, {})
    run = prepare({"alpha": user.section({"type": "oscommerce"})}, [BERND])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["connect"].ok and "grants" in stage, report.stages
    assert stage["connect"].detail.startswith(f"OX-DB-014: Supplier alpha: user {user.name} "
                                              f"logs in but has no privilege at all")
    assert not stage["grants"].ok
    grant = f"ON `{shop.database}`.`{{}}` TO '{user.name}'@'%';"
    # the engine cannot be seen either: DELETE is asked for too (needed on MyISAM tables)
    assert "GRANT DELETE, INSERT, SELECT, UPDATE " + grant.format("orders") in report.grants
    assert report.grants.index("-- only if this is a modified eCommerce shop:") < \
        report.grants.index("GRANT SELECT " + grant.format("customers_status"))
    assert "GRANT SELECT " + grant.format("orders_tracking") in report.grants
    run_grants(shop, report.grants)

    again = run.connector().self_test()
    assert again.ok and again.grants == [], [(s.name, s.detail) for s in again.stages]
    stage = {s.name: s for s in again.stages}
    assert stage["schema variant"].detail.startswith("modified eCommerce")
    assert not stage["grants"].warning and not stage["optional features"].warning
    assert stage["optional features"].detail == "tracking read-back: on"
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()


def test_tracking_without_its_grant_is_said_in_test_db_and_at_read_back(shop, prepare,
                                                                        shop_user):
    """Every grant sending needs, none on orders_tracking (information_schema hides it):
    `test db` asks for it and says tracking is off; read-back warns instead of an empty
    tracking number, in the transfer log once."""
    from orderexchange.plugin_host import PluginHost
    from orderexchange.sync import sync_status

    admin = shop_user(shop, {})
    full = prepare({"alpha": admin.section({"type": "oscommerce"})}, [BERND])
    run_grants(shop, [line for line in full.connector().self_test().grants
                      if "orders_tracking" not in line])
    report = full.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    fix = f"GRANT SELECT ON `{shop.database}`.`orders_tracking` TO '{admin.name}'@'%';"
    assert report.grants == ["-- optional, for tracking read-back:", fix]
    assert stage["grants"].ok and stage["grants"].warning and fix in stage["grants"].detail
    assert stage["optional features"].warning
    assert stage["optional features"].detail.startswith(
        "tracking read-back: OFF — OX-DB-015: Supplier alpha: tracking read-back is off: "
        f"database user '{admin.name}'@'%' lacks SELECT on table orders_tracking")

    [result] = full.send()
    assert result.state == S.NOTIFIED
    for _ in range(2):  # the daemon's job repeats: the log gets the warning once
        [synced] = sync_status(full.config, full.store, PluginHost())
        assert [w.code for w in synced.warnings] == ["OX-DB-015"]
        assert "read-back shows no parcel numbers" in synced.warnings[0].message
    logged = [e for e in full.store.events(full.so_ids[0]) if e["outcome"] == "warning"]
    assert [(e["step"], e["code"]) for e in logged] == [("read_back", "OX-DB-015")]

    root_execute(shop, fix)
    [synced] = sync_status(full.config, full.store, PluginHost())
    assert synced.warnings == []


def test_missing_customer_group_is_ox_db_009(shop, prepare):
    run = prepare(alpha(shop, {"customer_group_id": 9}), [ANNA])
    stage = {s.name: s for s in run.connector().self_test().stages}
    assert not stage["reference data"].ok
    assert stage["reference data"].detail.startswith(
        "OX-DB-009: Supplier alpha: customer_group_id = 9 does not exist in its shop "
        "(no customers_status row in language 1)")
    assert stage["trial write"].detail == "skipped: fix the stages above first"


def test_least_privilege_user_missing_grant_is_reported_with_the_fix(shop, prepare,
                                                                      shop_user):
    reads = ["customers_status", "countries", "currencies", "products", "products_description",
             "orders_status", "orders_tracking"]
    writes = "SELECT, INSERT" + (", DELETE" if shop.engine == "MyISAM" else "")
    grants = {t: "SELECT" for t in reads}
    grants.update({t: writes for t in ("orders_products", "orders_total",
                                       "orders_status_history", "address_book",
                                       "customers_info")})
    grants["orders"] = writes + ", UPDATE"
    grants["customers"] = writes  # UPDATE (the new customer's default address) missing
    user = shop_user(shop, grants)
    run = prepare({"alpha": user.section({"type": "oscommerce"})}, [BERND])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert stage["schema variant"].detail.startswith("modified eCommerce")
    assert stage["tables and columns"].ok
    fix = f"GRANT UPDATE ON `{shop.database}`.`customers` TO '{user.name}'@'%';"
    assert not stage["grants"].ok
    assert stage["grants"].detail.startswith("OX-DB-007: Supplier alpha: database user "
                                             f"'{user.name}'@'%' lacks UPDATE on table "
                                             "customers.")
    assert fix in stage["grants"].detail
    assert stage["trial write"].detail == "skipped: fix the stages above first"
    with run.connector() as connector:
        assert connector.grant_fixes() == [fix]

    root_execute(shop, fix)  # the administrator runs exactly what was printed
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert count(shop, "orders") == 0
    [result] = run.send()  # and the least-privilege user sends for real
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(query(shop, ADMIN_LIST)) == 1


# === two sends at the same moment ================================================================
def test_two_concurrent_sends_to_the_same_shop(shop, prepare):
    """Both supplier orders bring the same new customer: one account, each order once."""

    dora = sample_order("2001", email="dora@example.com", first="Dora", last="Dorn")
    first = prepare(alpha(shop), [BERND, dora])
    second = prepare(alpha(shop), [sample_order("3001", email="bernd.bauer@example.com",
                                                first="Bernd", last="Bauer"),
                                   sample_order("3002", email="emil@example.com", first="Emil",
                                                last="Eck")])
    for [result] in send_at_once(first, second):
        assert result.state == S.NOTIFIED, result.as_dict()
        assert result.written == 2
    listed = query(shop, ADMIN_LIST)
    assert len(listed) == 4 and len({r["orders_id"] for r in listed}) == 4
    for run in (first, second):
        for t in run.transfers().values():
            assert count(shop, "orders_status_history", "comments LIKE :p",
                         p=f"[{t.reference}]%") == 1
    assert count(shop, "customers", "customers_email_address = 'bernd.bauer@example.com' "
                                    "AND account_type = 0") == 1
    assert count(shop, "customers") == 3 + 3  # Bernd, Dora, Emil


def test_update_customer_rewrites_the_matched_account_on_modified(shop, prepare):
    """Issue 13 §1: with `update_customer = true` Anna's account takes her newer order's name,
    phone and billing address (modified stamps both rows' last-modified)."""
    moved = sample_order("1003", first="Anna", last="Schmidt-Berg", phone="+49 40 5555555",
                         billing={"first_name": "Anna", "last_name": "Schmidt-Berg",
                                  "street": "Elbchaussee 5", "postcode": "22763",
                                  "city": "Hamburg", "country": "DE"})
    run = prepare(alpha(shop, update_customer=True), [moved])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()["error"]
    [row] = query(shop, "SELECT c.customers_lastname, c.customers_telephone, "
                  "c.customers_last_modified IS NOT NULL AS stamped, a.entry_lastname, "
                  "a.entry_city FROM customers c JOIN address_book a "
                  "ON a.address_book_id = c.customers_default_address_id "
                  "WHERE c.customers_id = :c", c=ANNA_ID)
    assert row == {"customers_lastname": "Schmidt-Berg", "customers_telephone": "+49405555555",
                   "stamped": 1, "entry_lastname": "Schmidt-Berg", "entry_city": "Hamburg"}
