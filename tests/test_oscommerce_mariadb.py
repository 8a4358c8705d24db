"""The osCommerce connector against a real MariaDB: what lands in the supplier's shop, row by row.

Every test drives the real path — import → build → Dispatcher.send — into a throwaway `mariadbd`
(strict by default, one lenient server for §10) and reads the shop back with plain SQL. Expected
values are written out by hand from the sample data below, not recomputed with the code under
test. No wall-clock assertions: timestamps are only compared with each other.
"""

from __future__ import annotations

import email
import email.policy
import json
from decimal import Decimal
from typing import Any

import pytest
from helpers import bernd_order, create_oscommerce_schema, kill_at_write, sample_order
from shopdb import (  # noqa: F401 - prepare and shop_user are fixtures
    Run, connection_lost, count, prepare, query, root_execute, shop_section, shop_user,
    supplier_alpha,
)

from orderexchange.dispatch import Dispatcher, SendResult
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S, TransferState
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins import oscommerce
from orderexchange.retry import RetryPolicy

ANNA_ID = 1  # the shop's existing customer (seeded by create_oscommerce_schema)
GERMANY, AUSTRIA = ("Germany", 5, 81), ("Austria", 5, 14)  # name, address_format_id, id

# --- sample data ---------------------------------------------------------------------------
# 1001: the known customer Anna, 2 × HAMMER (A-100, purchase price 7.20), 19 % tax.
#   subtotal 14.40, tax 2.736 → 2.74, shipping 4.90, total 22.04
ANNA_ORDER = sample_order("1001")
# 1002: a new customer, billing (with company, suburb, state) differs from delivery (Austria).
#   line 1: 3 × SCREWS (A-200, 10.80) 19 % → 32.40, tax 6.156 → 6.16
#   line 2: 1 × HAMMER (A-100, 7.20)   7 % →  7.20, tax 0.504 → 0.50
#   subtotal 39.60, tax 6.66, shipping 4.90, total 51.16
BERND_ORDER = bernd_order()

ORDER_TOTALS = {  # order number → (class, title, text, value) in sort order
    "1001": [("ot_subtotal", "Sub-Total:", "14,40€", Decimal("14.40")),
             ("ot_shipping", "Shipping:", "4,90€", Decimal("4.90")),
             ("ot_tax", "Tax:", "2,74€", Decimal("2.74")),
             ("ot_total", "Total:", "<strong>22,04€</strong>", Decimal("22.04"))],
    "1002": [("ot_subtotal", "Sub-Total:", "39,60€", Decimal("39.60")),
             ("ot_shipping", "Shipping:", "4,90€", Decimal("4.90")),
             ("ot_tax", "Tax:", "6,66€", Decimal("6.66")),
             ("ot_total", "Total:", "<strong>51,16€</strong>", Decimal("51.16"))],
}
ORDER_LINES = {  # order number → (products_id, model, name, price, final_price, tax, quantity)
    "1001": [(1, "A-100", "Claw hammer 450 g", Decimal("7.20"), Decimal("7.20"),
              Decimal("19"), 2)],
    "1002": [(2, "A-200", "Screwdriver set, 6 pieces", Decimal("10.80"), Decimal("10.80"),
              Decimal("19"), 3),
             (1, "A-100", "Claw hammer 450 g", Decimal("7.20"), Decimal("7.20"),
              Decimal("7"), 1)],
}


# --- shop access ---------------------------------------------------------------------------
def shop_url(db, port: int | None = None) -> str:
    return f"mysql+pymysql://{db.user}@{db.host}:{port or db.port}/{db.database}"


def oscommerce_connector(prefix: str = "") -> dict[str, Any]:
    return {"type": "oscommerce", **({"table_prefix": prefix} if prefix else {})}


alpha = supplier_alpha("oscommerce")


def assert_nothing_written(db, prefix: str = "", customers: int = 1) -> None:
    """The shop still holds only its seed data (Anna and her address)."""
    for table in ("orders", "orders_products", "orders_total", "orders_status_history",
                  "customers_info"):
        assert count(db, prefix + table) == 0, table
    assert count(db, prefix + "customers") == customers
    assert count(db, prefix + "address_book") == customers


# --- full send: shared by the strict, lenient and prefixed shops ---------------------------
def address_columns(prefix: str, name: str | None, company: str | None, street: str,
                    suburb: str | None, city: str, postcode: str, state: str | None,
                    country: tuple[str, int, int]) -> dict[str, Any]:
    cols = {f"{prefix}_company": company, f"{prefix}_street_address": street,
            f"{prefix}_suburb": suburb, f"{prefix}_city": city, f"{prefix}_postcode": postcode,
            f"{prefix}_state": state, f"{prefix}_country": country[0],
            f"{prefix}_address_format_id": country[1]}
    if name is not None:
        cols[f"{prefix}_name"] = name
    return cols


ANNA_ADDRESS = dict(company=None, street="Hauptstr. 1", suburb=None, city="Berlin",
                    postcode="10115", state=None, country=GERMANY)
BERND_ADDRESS = dict(company="Bauer Bau GmbH", street="Lindenallee 7", suburb="Hinterhaus",
                     city="München", postcode="80331", state="Bayern", country=GERMANY)
CLARA_ADDRESS = dict(company=None, street="Seeweg 3", suburb=None, city="Wien", postcode="1010",
                     state=None, country=AUSTRIA)
COMMON_ORDER = {"payment_method": "Drop shipping via orderexchange", "cc_type": "",
                "cc_owner": "", "cc_number": "", "cc_expires": "", "orders_status": 1,
                "orders_date_finished": None, "currency": "EUR",
                "currency_value": Decimal("1.000000")}


def expected_orders(bernd_id: int) -> dict[str, dict[str, Any]]:
    # phone numbers are stored in E.164 form by the import (issue 5), and written so
    return {
        "1001": {"customers_id": ANNA_ID, "customers_name": "Anna Schmidt",
                 "customers_telephone": "+49301234567",
                 "customers_email_address": "anna.schmidt@example.com",
                 **address_columns("customers", None, **ANNA_ADDRESS),
                 **address_columns("billing", "Anna Schmidt", **ANNA_ADDRESS),
                 **address_columns("delivery", "Anna Schmidt", **ANNA_ADDRESS), **COMMON_ORDER},
        "1002": {"customers_id": bernd_id, "customers_name": "Bernd Bauer",
                 "customers_telephone": "+49897654321",
                 "customers_email_address": "bernd.bauer@example.com",
                 **address_columns("customers", None, **BERND_ADDRESS),
                 **address_columns("billing", "Bernd Bauer", **BERND_ADDRESS),
                 **address_columns("delivery", "Clara Bauer", **CLARA_ADDRESS), **COMMON_ORDER},
    }


def full_send_and_verify(db, prepare, prefix: str = "") -> None:
    """Anna (known) and Bernd (new) in one supplier order: every row the shop gets, exactly."""
    t = lambda name: prefix + name  # noqa: E731 - table name in this shop
    run = prepare(alpha(db, connector=oscommerce_connector(prefix)), [ANNA_ORDER, BERND_ORDER])
    assert len(run.so_ids) == 1

    [result] = run.send()
    assert result.error is None, result.as_dict()
    assert result.state == S.NOTIFIED
    assert (result.written, result.already_there, result.customers_created) == (2, 0, 1)
    assert run.store.supplier_order(run.so_ids[0]).state == S.NOTIFIED

    transfers = run.transfers()
    orders = {r["orders_id"]: r for r in query(db, f"SELECT * FROM {t('orders')}")}
    assert len(orders) == 2
    by_number = {number: orders[int(tr.remote_order_id)] for number, tr in transfers.items()}
    assert all(tr.state == TransferState.WRITTEN for tr in transfers.values())

    # customers: Anna is reused; Bernd is new with an address book entry and customers_info
    customers = query(db, f"SELECT * FROM {t('customers')} ORDER BY customers_id")
    assert [c["customers_email_address"] for c in customers] == [
        "anna.schmidt@example.com", "bernd.bauer@example.com"]
    bernd = customers[1]
    bernd_id = bernd["customers_id"]
    assert transfers["1001"].remote_customer_id == str(ANNA_ID)
    assert transfers["1001"].customer_created is False
    assert transfers["1002"].remote_customer_id == str(bernd_id)
    assert transfers["1002"].customer_created is True
    [book] = query(db, f"SELECT * FROM {t('address_book')} WHERE customers_id = :c", c=bernd_id)
    assert bernd == {"customers_id": bernd_id, "customers_gender": None,
                     "customers_firstname": "Bernd", "customers_lastname": "Bauer",
                     "customers_dob": None, "customers_email_address": "bernd.bauer@example.com",
                     "customers_default_address_id": book["address_book_id"],
                     "customers_telephone": "+49897654321", "customers_fax": None,
                     "customers_password": "", "customers_newsletter": "0"}
    assert book == {"address_book_id": book["address_book_id"], "customers_id": bernd_id,
                    "entry_gender": None, "entry_company": "Bauer Bau GmbH",
                    "entry_firstname": "Bernd", "entry_lastname": "Bauer",
                    "entry_street_address": "Lindenallee 7", "entry_suburb": "Hinterhaus",
                    "entry_postcode": "80331", "entry_city": "München", "entry_state": "Bayern",
                    "entry_country_id": GERMANY[2], "entry_zone_id": 0}
    assert count(db, t("address_book")) == 2  # Anna's seeded entry + Bernd's
    [info] = query(db, f"SELECT * FROM {t('customers_info')}")  # none for Anna: she is not new
    assert info == {"customers_info_id": bernd_id, "customers_info_date_of_last_logon": None,
                    "customers_info_number_of_logons": 0,
                    "customers_info_date_account_created": by_number["1002"]["date_purchased"],
                    "customers_info_date_account_last_modified": None,
                    "global_product_notifications": 0, "password_reset_key": None,
                    "password_reset_date": None}

    # orders: names, addresses, country name + address format from the shop, currency
    for number, expected in expected_orders(bernd_id).items():
        row = dict(by_number[number])
        oid = row.pop("orders_id")
        purchased, modified = row.pop("date_purchased"), row.pop("last_modified")
        assert purchased is not None and modified == purchased
        assert row == expected, number

        lines = query(db, f"SELECT products_id, products_model, products_name, products_price, "
                          f"final_price, products_tax, products_quantity FROM "
                          f"{t('orders_products')} WHERE orders_id = :o "
                          f"ORDER BY orders_products_id", o=oid)
        assert [tuple(r.values()) for r in lines] == ORDER_LINES[number]

        totals = query(db, f"SELECT class, title, text, value, sort_order FROM "
                           f"{t('orders_total')} WHERE orders_id = :o ORDER BY sort_order", o=oid)
        assert [tuple(r.values()) for r in totals] == [
            (*row_, i) for i, row_ in enumerate(ORDER_TOTALS[number], start=1)]

        [history] = query(db, f"SELECT * FROM {t('orders_status_history')} "
                              f"WHERE orders_id = :o", o=oid)
        assert history["orders_status_id"] == 1
        assert history["customer_notified"] == 0
        assert history["date_added"] == purchased
        assert history["comments"].startswith(f"[{transfers[number].reference}]")
        assert f"order {number}" in history["comments"]
    assert count(db, t("orders_products")) == 3
    assert count(db, t("orders_total")) == 8
    assert count(db, t("orders_status_history")) == 2

    # one notification per supplier order, naming the shop's order ids
    [eml] = run.eml_files()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "orders@alpha.example"
    assert message["Message-ID"] == result.message_id
    body = message.get_body(preferencelist=("plain",)).get_content()
    for number in ("1001", "1002"):
        assert f"Your shop order {transfers[number].remote_order_id} " in body
        assert f"our order {number}" in body
    assert "(new customer in your shop)" in body
    assert "(existing customer in your shop)" in body


def server_sql_mode(db) -> str:
    return query(db, "SELECT @@GLOBAL.sql_mode AS m")[0]["m"]


# === 1. full send ==========================================================================
def test_full_send_known_and_new_customer_strict(oscommerce_shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(oscommerce_shop)
    full_send_and_verify(oscommerce_shop, prepare)


# === 5. the same on a lenient server, and with a table prefix ==============================
def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    create_oscommerce_schema(mariadb_nonstrict_db.url)
    full_send_and_verify(mariadb_nonstrict_db, prepare)


def test_full_send_with_table_prefix(mariadb_db, prepare):
    create_oscommerce_schema(mariadb_db.url, prefix="oscommerce_")
    full_send_and_verify(mariadb_db, prepare, prefix="oscommerce_")
    tables = {r["t"] for r in query(mariadb_db, "SELECT table_name AS t FROM "
                                    "information_schema.tables WHERE table_schema = DATABASE()")}
    assert tables and all(name.startswith("oscommerce_") for name in tables)


def test_full_send_on_myisam_tables(mariadb_db, prepare):
    """Old installs run MyISAM: the same rows, written so the order shows only at the end."""
    create_oscommerce_schema(mariadb_db.url, engine="MyISAM")
    assert {r["e"] for r in query(mariadb_db, "SELECT ENGINE AS e FROM information_schema.TABLES "
                                             "WHERE TABLE_SCHEMA = DATABASE()")} == {"MyISAM"}
    full_send_and_verify(mariadb_db, prepare)


#: osCommerce's admin order list: only orders with an `ot_total` row and a status that has a
#: name in the admin language
ADMIN_LIST = ("SELECT o.orders_id, o.customers_name, s.orders_status_name AS status, ot.text "
              "FROM orders o LEFT JOIN orders_total ot ON o.orders_id = ot.orders_id, "
              "orders_status s WHERE o.orders_status = s.orders_status_id AND "
              "s.language_id = 1 AND ot.class = 'ot_total' ORDER BY o.orders_id")


lost_connection = connection_lost("INSERT INTO orders_total …")


@pytest.mark.parametrize("engine", ["MyISAM", "InnoDB"])
def test_crash_mid_write_then_retry_writes_the_order_exactly_once(mariadb_db, prepare,
                                                                  monkeypatch, engine):
    create_oscommerce_schema(mariadb_db.url, engine=engine)
    run = prepare(alpha(mariadb_db), [BERND_ORDER])
    with monkeypatch.context() as patch:
        patch.setattr(oscommerce.OsCommerceConnector, "_total_rows", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert failed.error is not None and failed.error.code == "OX-DB-002"
    reference = run.transfers()["1002"].reference
    assert query(mariadb_db, ADMIN_LIST) == []  # never visible half-written
    if engine == "MyISAM":  # no rollback: a hidden order, its reference and lines stayed
        [half] = query(mariadb_db, "SELECT orders_id, orders_status FROM orders")
        assert half["orders_status"] == 0
        [history] = query(mariadb_db, "SELECT comments FROM orders_status_history")
        assert history["comments"].startswith(f"[{reference}]")
        assert count(mariadb_db, "orders_products") == 2
        assert count(mariadb_db, "orders_total") == 0
        assert count(mariadb_db, "customers") == 2  # Bernd was created before the crash
    else:  # rolled back: nothing at all
        assert_nothing_written(mariadb_db)

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [order] = query(mariadb_db, "SELECT orders_id, orders_status FROM orders")
    if engine == "MyISAM":
        assert order["orders_id"] == half["orders_id"]  # completed, not inserted again
    assert order["orders_status"] == 1
    assert run.transfers()["1002"].remote_order_id == str(order["orders_id"])
    assert query(mariadb_db, ADMIN_LIST) == [{
        "orders_id": order["orders_id"], "customers_name": "Bernd Bauer", "status": "Pending",
        "text": "<strong>51,16€</strong>"}]
    lines = query(mariadb_db, "SELECT products_id, products_model, products_name, "
                              "products_price, final_price, products_tax, products_quantity "
                              "FROM orders_products ORDER BY orders_products_id")
    assert [tuple(r.values()) for r in lines] == ORDER_LINES["1002"]
    totals = query(mariadb_db, "SELECT class, title, text, value FROM orders_total "
                               "ORDER BY sort_order")
    assert [tuple(r.values()) for r in totals] == ORDER_TOTALS["1002"]
    assert count(mariadb_db, "orders_status_history") == 1
    assert count(mariadb_db, "customers") == 2


@pytest.mark.parametrize("table, column", [
    ("address_book", None), ("customers", "customers_default_address_id"),
    ("customers_info", None)], ids=["no-address", "no-default-address", "no-customers-info"])
def test_a_customer_half_written_by_a_kill_is_completed_by_the_retry(mariadb_db, prepare,
                                                                     monkeypatch, table, column):
    """MyISAM keeps what a killed write inserted: the new customer's row without its address
    book entry, default address or customers_info. The retry finishes that customer."""
    create_oscommerce_schema(mariadb_db.url, engine="MyISAM")
    run = prepare(alpha(mariadb_db), [BERND_ORDER])
    with monkeypatch.context() as patch:
        kill_at_write(patch, oscommerce, oscommerce.OsCommerceConnector, table, column)
        # a kill: the process is gone, no retry inside this send
        [failed] = Dispatcher(run.config, run.store, PluginHost(),
                              retry=RetryPolicy.none()).send(run.so_ids)
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-002"
    [half] = query(mariadb_db, "SELECT customers_id, customers_default_address_id FROM customers "
                               "WHERE customers_email_address = 'bernd.bauer@example.com'")
    bernd = half["customers_id"]
    assert half["customers_default_address_id"] == 0 or table == "customers_info"

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    assert count(mariadb_db, "customers") == 2  # Anna and Bernd, once
    [whole] = query(mariadb_db, "SELECT c.customers_default_address_id AS d, a.address_book_id, "
                                "a.entry_company, a.entry_street_address, a.entry_city "
                                "FROM customers c JOIN address_book a ON a.customers_id = "
                                "c.customers_id WHERE c.customers_id = :c", c=bernd)
    assert whole["d"] == whole["address_book_id"]
    assert (whole["entry_company"], whole["entry_street_address"], whole["entry_city"]) == (
        "Bauer Bau GmbH", "Lindenallee 7", "München")
    assert query(mariadb_db, "SELECT customers_info_id FROM customers_info") == [
        {"customers_info_id": bernd}]
    transfer = run.transfers()["1002"]
    assert transfer.remote_customer_id == str(bernd) and transfer.customer_created is True
    # the retry's order is the one the admin lists, under Bernd
    assert [r["customers_name"] for r in query(mariadb_db, ADMIN_LIST)] == ["Bernd Bauer"]


def test_least_privilege_user_missing_grant_is_reported_with_the_fix(oscommerce_shop, prepare,
                                                                      shop_user):
    db = oscommerce_shop
    grants = {t: "SELECT" for t in ("countries", "currencies", "products",
                                    "products_description", "orders_status")}
    grants.update({t: "SELECT, INSERT" for t in ("orders_products", "orders_total",
                                                 "orders_status_history", "address_book",
                                                 "customers_info")})
    grants["customers"] = "SELECT, INSERT, UPDATE"
    grants["orders"] = "SELECT, INSERT"  # UPDATE (the status, last) missing
    user = shop_user(db, grants)
    run = prepare({"alpha": user.section({"type": "oscommerce"})}, [ANNA_ORDER])
    connector = run.connector()
    stages = {s.name: s for s in connector.self_test().stages}
    fix = f"GRANT UPDATE ON `{db.database}`.`orders` TO '{user.name}'@'%';"
    assert not stages["grants"].ok
    assert stages["grants"].detail.startswith("OX-DB-007: ") and fix in stages["grants"].detail
    assert stages["trial write"].detail == "skipped: fix the stages above first"

    root_execute(db, fix)
    report = connector.self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert_nothing_written(db)
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(query(db, ADMIN_LIST)) == 1


# === 2. crash between the shop's commit and our state update ===============================
def test_retry_after_crash_between_commit_and_state_update(oscommerce_shop, prepare,
                                                           monkeypatch):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER, BERND_ORDER])
    calls = {"n": 0}

    def crashing(real: Any) -> Any:
        def crash_once(*args: Any, **kwargs: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 1:  # the shop committed; we die before recording it
                raise RuntimeError("simulated crash after the shop's commit")
            real(*args, **kwargs)
        return crash_once

    # the dispatcher records a chunk's outcomes in one store commit: that record crashes
    monkeypatch.setattr(run.store, "set_transfers", crashing(run.store.set_transfers))
    with pytest.raises(RuntimeError, match="simulated crash"):
        run.send()
    written = count(oscommerce_shop, "orders")  # the whole chunk reached the shop
    assert written == 2
    assert all(tr.state == TransferState.PENDING and tr.remote_order_id is None
               for tr in run.transfers().values())
    assert run.store.supplier_order(run.so_ids[0]).state == S.CHECKED

    [result] = run.send()  # a new Dispatcher, as the next CLI run or daemon tick
    assert result.error is None, result.as_dict()
    assert result.state == S.NOTIFIED
    assert (result.already_there, result.written) == (written, 2 - written)
    assert count(oscommerce_shop, "orders") == 2  # one per customer order, none twice
    assert count(oscommerce_shop, "orders_status_history") == 2
    assert count(oscommerce_shop, "customers") == 2

    transfers = run.transfers()
    for number, tr in transfers.items():
        assert tr.state == TransferState.WRITTEN
        [found] = query(oscommerce_shop, "SELECT orders_id FROM orders_status_history "
                                         "WHERE comments LIKE :p", p=f"[{tr.reference}]%")
        assert tr.remote_order_id == str(found["orders_id"]), number
    found_event = [e for e in run.store.events(run.so_ids[0])
                   if e["step"] == "write" and "found already written" in (e["message"] or "")]
    assert [e["message"].split(":")[0] for e in found_event] == ["1001", "1002"][:written]
    assert len(run.eml_files()) == 1


# === 3. a check failure writes nothing =====================================================
def test_inactive_product_fails_the_check_and_writes_nothing(oscommerce_shop, prepare):
    order = sample_order("1003", email="carla.neu@example.com", first="Carla", last="Neu",
                         lines=[{"sku": "HAMMER", "name": "Claw hammer", "quantity": 1,
                                 "unit_price": "12.90", "tax_rate": "19"},
                                {"sku": "LEVEL", "name": "Spirit level", "quantity": 1,
                                 "unit_price": "15.00", "tax_rate": "19"}])
    run = prepare(alpha(oscommerce_shop), [order])

    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert (result.written, result.customers_created) == (0, 0)
    codes = [f.code for f in result.findings if f.blocking]
    assert codes == ["OX-CHK-006"]
    finding = result.findings[0]
    assert finding.order == "1003"
    assert "Order 1003 line 2" in finding.message and "A-300" in finding.message
    assert result.error is not None and result.error.code == "OX-CHK-006"
    stored = run.store.supplier_order(run.so_ids[0])
    assert (stored.state, stored.error_code) == (S.CHECK_FAILED, "OX-CHK-006")
    assert [f.code for f in run.store.findings(run.so_ids[0])] == ["OX-CHK-006"]
    assert_nothing_written(oscommerce_shop)
    assert run.eml_files() == []

    [again] = run.send()  # sending again re-checks; still nothing is written
    assert again.state == S.CHECK_FAILED
    assert_nothing_written(oscommerce_shop)


def test_name_too_long_for_the_shop_column_fails_the_check(oscommerce_shop, prepare):
    root_execute(oscommerce_shop,
                 "ALTER TABLE orders MODIFY customers_name varchar(20) NOT NULL",
                 "ALTER TABLE orders MODIFY delivery_name varchar(20) NOT NULL")
    long_last = "Oberhuber-Zwischenbrunner"  # "Maximiliane " + this = 37 characters
    order = sample_order("1004", email="maximiliane@example.com", first="Maximiliane",
                         last=long_last)
    run = prepare(alpha(oscommerce_shop), [order])

    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    too_long = {f.message for f in result.findings if f.code == "OX-CHK-007"}
    assert too_long == {
        "Order 1004: field orders.customers_name has 37 characters, the supplier shop allows 20.",
        "Order 1004: field orders.delivery_name has 37 characters, the supplier shop allows 20."}
    assert all(f.order == "1004" for f in result.findings)
    assert_nothing_written(oscommerce_shop)


@pytest.mark.parametrize("sql_mode", ["strict", "non-strict"])
def test_column_too_short_in_customers_table_fails_the_check(sql_mode, request, prepare):
    """A new customer also goes into `customers` / `address_book`: their columns count too.

    Before the fix the check only measured `orders`: strict mode then failed in step 2
    (write_failed, OX-DB-006) and a lenient server silently cut the name to 10 characters.
    """
    if sql_mode == "strict":
        db = request.getfixturevalue("oscommerce_shop")
    else:
        db = request.getfixturevalue("mariadb_nonstrict_db")
        create_oscommerce_schema(db.url)
    root_execute(db, "ALTER TABLE customers MODIFY customers_lastname varchar(10) NOT NULL")
    new_customer = sample_order("1005", email="max.lang@example.com", first="Max",
                                last="Langenscheidt")  # 13 characters
    # a known customer's new surname is only written into `orders`: no length finding for it,
    # only the warning that the account of that email is in another name (issue 13)
    known_customer = sample_order("1006", email="Anna.Schmidt@example.com",
                                  last="Schmidt-Langenberg")
    run = prepare(alpha(db), [new_customer, known_customer])

    [result] = run.send()
    assert [(f.code, f.order, f.message) for f in result.findings if f.blocking] == [
        ("OX-CHK-007", "1005", "Order 1005: field customers.customers_lastname has 13 "
                               "characters, the supplier shop allows 10.")]
    assert [(f.code, f.order) for f in result.findings if not f.blocking] == [
        ("OX-CHK-041", "1006")]
    # 1005 is held (issue 13 §2); 1006 goes on, onto Anna's account, nobody's name cut
    assert result.state == S.NOTIFIED and result.held == [("1005", "OX-CHK-007")]
    assert count(db, "customers") == 1
    [row] = query(db, "SELECT customers_id, customers_name FROM orders")
    assert row == {"customers_id": ANNA_ID, "customers_name": "Anna Schmidt-Langenberg"}


def test_check_errors_block_only_their_own_supplier_order(oscommerce_shop, prepare):
    create_oscommerce_schema(oscommerce_shop.url, prefix="b_")  # a second shop, same database
    suppliers = {"alpha": shop_section(oscommerce_shop),
                 "beta": shop_section(oscommerce_shop, name="Beta Tools",
                                          email="orders@beta.example",
                                          connector=oscommerce_connector("b_"))}
    catalogue = ("sku,supplier,supplier_sku,purchase_price,name\n"
                 "HAMMER,alpha,A-100,7.20,Claw hammer\n"
                 "LEVEL,beta,A-300,8.90,Spirit level\n")  # A-300 is inactive in beta's shop
    order = sample_order("1006", lines=[
        {"sku": "HAMMER", "name": "Claw hammer", "quantity": 2, "unit_price": "12.90",
         "tax_rate": "19"},
        {"sku": "LEVEL", "name": "Spirit level", "quantity": 1, "unit_price": "15.00",
         "tax_rate": "19"}])
    run = prepare(suppliers, [order], catalogue=catalogue)
    assert len(run.so_ids) == 2

    results = {r.supplier_id: r for r in run.send()}
    assert results["beta"].state == S.CHECK_FAILED
    assert [f.code for f in results["beta"].findings] == ["OX-CHK-006"]
    assert "Order 1006 line 2" in results["beta"].findings[0].message
    assert results["alpha"].state == S.NOTIFIED, results["alpha"].as_dict()
    assert results["alpha"].written == 1

    [written] = query(oscommerce_shop, "SELECT orders_id, customers_id FROM orders")
    assert written["customers_id"] == ANNA_ID
    [line] = query(oscommerce_shop, "SELECT products_model, products_quantity "
                                    "FROM orders_products")
    assert (line["products_model"], line["products_quantity"]) == ("A-100", 2)
    assert_nothing_written(oscommerce_shop, prefix="b_")
    [eml] = run.eml_files()
    assert "orders@alpha.example" in eml.read_text(encoding="utf-8", errors="replace")


# === 4. connection and schema errors =======================================================
def error_texts(run: Run, result: SendResult) -> str:
    """Every place an error text can reach the user or the transfer log."""
    so = run.store.supplier_order(result.supplier_order_id)
    return "\n".join([str(result.error), result.error.message, result.error.solution,
                      json.dumps(result.as_dict(), default=str), so.error_message or "",
                      *(str(e) for e in run.store.events())])


def test_wrong_password_is_ox_db_001_and_never_shown(oscommerce_shop, prepare):
    wrong = "Wr0ng-Secret-PW-4711"
    section = shop_section(oscommerce_shop,
                               database={"url": shop_url(oscommerce_shop), "password": wrong})
    run = prepare({"alpha": section}, [ANNA_ORDER])

    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-DB-001"
    assert result.state == S.DRAFT  # nothing happened; the next send starts over
    assert oscommerce_shop.user in result.error.message
    stored = run.store.supplier_order(run.so_ids[0])
    assert stored.error_code == "OX-DB-001"
    assert any(e["code"] == "OX-DB-001" for e in run.store.events(run.so_ids[0]))
    texts = error_texts(run, result)
    assert wrong not in texts
    assert oscommerce_shop.password not in texts
    assert_nothing_written(oscommerce_shop)


def test_unreachable_database_is_ox_db_002(oscommerce_shop, prepare, dead_port):
    section = shop_section(oscommerce_shop, database={
        "url": shop_url(oscommerce_shop, port=dead_port), "password": oscommerce_shop.password})
    run = prepare({"alpha": section}, [ANNA_ORDER])

    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-DB-002"
    assert result.error.transient
    assert f"{oscommerce_shop.host}:{dead_port}/{oscommerce_shop.database}" in result.error.message
    assert result.state == S.DRAFT
    assert run.store.supplier_order(run.so_ids[0]).error_code == "OX-DB-002"
    assert oscommerce_shop.password not in error_texts(run, result)


def test_missing_table_is_reported_by_self_test_and_blocks_the_check(oscommerce_shop, prepare):
    root_execute(oscommerce_shop, "DROP TABLE orders_total")
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER])
    connector = run.connector()

    report = connector.self_test()
    assert not report.ok
    assert report.missing == ["orders_total"]
    stage = next(s for s in report.stages if s.name == "tables and columns")
    assert not stage.ok and "orders_total" in stage.detail

    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    [finding] = result.findings
    assert finding.code == "OX-DB-003" and "orders_total" in finding.message
    assert count(oscommerce_shop, "orders") == 0
    assert count(oscommerce_shop, "customers") == 1


STAGES = ["connect", "TLS", "server version", "schema variant", "tables and columns",
          "storage engines", "grants", "reference data", "customers", "trial write"]
WRITTEN = ("orders", "orders_products", "orders_total", "orders_status_history", "customers",
           "address_book", "customers_info")


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_self_test_on_a_good_shop_and_the_trial_write_leaves_nothing(mariadb_db, prepare,
                                                                     engine):
    create_oscommerce_schema(mariadb_db.url, engine=engine)
    run = prepare(alpha(mariadb_db), [ANNA_ORDER])
    connector = run.connector()
    before = {t: count(mariadb_db, t) for t in WRITTEN}

    report = connector.self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert report.missing == []
    assert "MariaDB" in report.server_version
    assert [s.name for s in report.stages] == STAGES
    details = {s.name: s.detail for s in report.stages}
    assert details["schema variant"] == "osCommerce 2.3 (detected), table prefix ''"
    if engine == "MyISAM":
        assert "no transactions on address_book" in details["storage engines"]
    else:
        assert details["storage engines"].endswith("every order is one transaction")
    assert details["reference data"] == "order_status_id 1 = Pending"
    assert details["customers"] == (
        "new orders' customers are matched by email, phone, name+postcode "
        "(customer number skipped: no customer_number_column); phone and name+postcode "
        "through orderexchange's directory of the shop's customers: a send reads only the "
        "customers added since, and all of them every 24 h")
    assert details["trial write"].startswith("sample order for A-100 written as order ")
    assert details["trial write"].endswith("(customer 2, new) and removed again: nothing stayed")
    assert {t: count(mariadb_db, t) for t in WRITTEN} == before  # nothing stayed
    assert connector.db.conn is None  # the self-test closed its connection


def test_variant_setting_overrides_detection(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop, connector={"type": "oscommerce",
                                                    "variant": "modified"}), [ANNA_ORDER])
    report = run.connector().self_test()
    stages = {s.name: s for s in report.stages}
    assert stages["schema variant"].detail.startswith(
        "modified eCommerce 2.x / xt:Commerce 3 (set)")
    assert not stages["tables and columns"].ok  # an osCommerce 2.3 shop lacks modified's columns
    assert "customers_status" in report.missing
    assert stages["tables and columns"].detail.startswith("OX-DB-003: ")


def test_wrong_prefix_is_no_recognisable_shop(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop, connector=oscommerce_connector("shop_")), [ANNA_ORDER])
    stages = {s.name: s for s in run.connector().self_test().stages}
    assert not stages["schema variant"].ok
    assert stages["schema variant"].detail.startswith(
        "OX-DB-010: Supplier alpha: the tables match no osCommerce version this connector knows")


# === 6. a notification failure never causes a second write =================================
def test_mail_failure_then_retry_sends_mail_without_writing_again(oscommerce_shop, prepare,
                                                                  dead_port, tmp_path):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER, BERND_ORDER],
                  mail={"transport": "smtp", "host": "127.0.0.1", "port": dead_port,
                        "security": "none"})

    [failed] = run.send()
    assert failed.state == S.NOTIFY_FAILED
    assert failed.error is not None and failed.error.code == "OX-MAIL-001"
    assert failed.written == 2
    assert run.store.supplier_order(run.so_ids[0]).error_code == "OX-MAIL-001"
    assert count(oscommerce_shop, "orders") == 2
    written_ids = {n: tr.remote_order_id for n, tr in run.transfers().items()}

    run.config.mail.transport = "file"
    run.config.mail.outbox = run.outbox
    [retried] = run.send()
    assert retried.error is None, retried.as_dict()
    assert retried.state == S.NOTIFIED
    assert (retried.written, retried.already_there) == (0, 0)  # the write step did not run
    assert count(oscommerce_shop, "orders") == 2
    assert count(oscommerce_shop, "orders_status_history") == 2
    assert count(oscommerce_shop, "customers") == 2
    assert {n: tr.remote_order_id for n, tr in run.transfers().items()} == written_ids
    [eml] = run.eml_files()
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default) \
        .get_body(preferencelist=("plain",)).get_content()
    assert all(f"Your shop order {oid} " in body for oid in written_ids.values())

    [done] = run.send()  # a third send has nothing left to do
    assert (done.state, done.skipped) == (S.NOTIFIED, "already notified")
    assert count(oscommerce_shop, "orders") == 2
    assert len(run.eml_files()) == 1



# --- chunks: several customer orders in one transaction (InnoDB) ----------------------------
def refuse(*_args: Any, **_kwargs: Any) -> None:
    raise AssertionError("this path must not be taken here")


@pytest.mark.parametrize("engine, unused", [("InnoDB", "write"), ("MyISAM", "write_batch")])
def test_innodb_writes_a_chunk_in_one_transaction_myisam_one_by_one(mariadb_db, prepare,
                                                                    monkeypatch, engine, unused):
    """InnoDB shops get multi-row INSERTs per chunk; MyISAM shops keep the visible-last write
    of one order at a time (a chunk without ROLLBACK could not be all-or-nothing)."""
    create_oscommerce_schema(mariadb_db.url, engine=engine)
    run = prepare(alpha(mariadb_db), [ANNA_ORDER, BERND_ORDER])
    monkeypatch.setattr(oscommerce.OsCommerceConnector, unused, refuse)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 2, result.as_dict()
    listed = query(mariadb_db, ADMIN_LIST)
    assert [r["orders_id"] for r in listed] == sorted(
        int(t.remote_order_id) for t in run.transfers().values())
    assert count(mariadb_db, "orders_status_history") == 2
    assert count(mariadb_db, "orders_products") == sum(map(len, ORDER_LINES.values()))
    assert count(mariadb_db, "orders_total") == sum(map(len, ORDER_TOTALS.values()))


def test_a_bad_order_in_a_chunk_fails_alone_and_the_chunk_leaves_nothing(oscommerce_shop,
                                                                         prepare, monkeypatch):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER, BERND_ORDER])
    real = oscommerce.OsCommerceConnector._line_rows
    chunks = []

    def bad_bernd(self, order_id, transfer, prepared):
        if transfer.customer_order.number == "1002":
            raise OXError("OX-WRT-002", order="1002", supplier="alpha", id=0,
                          detail="a value the shop refuses")
        return real(self, order_id, transfer, prepared)

    real_batch = oscommerce.OsCommerceConnector.write_batch

    def counting_batch(self, so, transfers):
        chunks.append([t.customer_order.number for t in transfers])
        return real_batch(self, so, transfers)

    with monkeypatch.context() as patch:
        patch.setattr(oscommerce.OsCommerceConnector, "_line_rows", bad_bernd)
        patch.setattr(oscommerce.OsCommerceConnector, "write_batch", counting_batch)
        [failed] = run.send()
    assert chunks == [["1001", "1002"]]  # tried as one chunk first
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-WRT-002"
    assert failed.error.facts["order"] == "1002" and failed.written == 1
    # the chunk's rows were rolled back; Anna was then written alone, Bernd not at all
    assert count(oscommerce_shop, "orders") == 1 and count(oscommerce_shop, "customers") == 1
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1 and again.already_there == 0
    assert count(oscommerce_shop, "orders") == 2 and count(oscommerce_shop, "customers") == 2


def test_the_money_text_made_once_per_currency_is_the_shops_number_format():
    """`_CurrencyFormat` (made once per currency and supplier order, its quantum and spec worked
    out then, Python's own separators used as they are) writes what the plain recipe writes —
    quantize half up, then the shop's point and thousands separator put in — for separators,
    places and symbols of real shops and odd ones, on amounts around every rounding edge."""
    import random

    def recipe(row: dict[str, Any], amount: Decimal) -> str:
        places = 2 if row.get("decimal_places") in (None, "") else int(row["decimal_places"])
        value = amount.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
        text = f"{value:,.{places}f}".replace(",", "\0").replace(".", row.get("decimal_point")
                                                                 or ".")
        return (f"{row.get('symbol_left') or ''}"
                f"{text.replace(chr(0), row.get('thousands_point') or '')}"
                f"{row.get('symbol_right') or ''}")

    rows = [{"symbol_left": "$", "decimal_point": ".", "thousands_point": ",",
             "decimal_places": "2"},
            {"symbol_right": " €", "decimal_point": ",", "thousands_point": ".",
             "decimal_places": 2},
            {"symbol_right": " CHF", "decimal_point": ".", "thousands_point": "'"},
            {"symbol_left": "¥", "decimal_places": 0, "thousands_point": ","},
            {"decimal_point": ",", "thousands_point": " ", "decimal_places": "3"},
            {"decimal_point": None, "thousands_point": None, "decimal_places": ""},
            {"decimal_point": ".", "thousands_point": ".", "decimal_places": 1},
            {}]
    rng = random.Random(15)
    amounts = [Decimal(a) for a in ("0", "-0.005", "0.005", "0.015", "999.995", "1000",
                                    "1234567.8949", "-1234.5", "0.0001")]
    amounts += [Decimal(rng.randint(-10**9, 10**9)).scaleb(-rng.randint(0, 5))
                for _ in range(300)]
    for row in rows:
        fmt = oscommerce._CurrencyFormat(row)
        for amount in amounts:
            assert fmt(amount) == recipe(row, amount), (row, amount)
