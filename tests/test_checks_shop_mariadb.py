"""Step 1's shop rules and customer matching, against a real (strict) MariaDB osCommerce shop.

Each rule is shown failing (and writing nothing) and passing. The shop is the seeded one of
`oscommerce_shop`: products A-100 (9.90, active), A-200 (14.50, active), A-300 (inactive), stock
100 each; countries DE, AT, CH, GB, FR, US; currencies EUR, USD; customer 1 = Anna Schmidt
(anna.schmidt@example.com, +49 30 1234567, Hauptstr. 1, 10115 Berlin).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from helpers import sample_order, supplier_section
from test_oscommerce_mariadb import (  # noqa: F401 - `prepare` is a fixture
    ANNA_ID, ANNA_ORDER, BERND_ORDER, alpha, assert_nothing_written, count, prepare, query,
    root_execute,
)

from orderexchange import hookimpl
from orderexchange.build import build
from orderexchange.connector import instantiate
from orderexchange.dispatch import Dispatcher, SendResult
from orderexchange.importer import import_orders
from orderexchange.model import CatalogueEntry, SupplierOrderState as S, TransferState
from orderexchange.plugin_host import PluginHost
from orderexchange.store import Store


def check(run) -> list:
    """`orderexchange check`: step 1 alone, with a fresh Dispatcher."""
    return Dispatcher(run.config, run.store, PluginHost()).check(run.so_ids)


def codes(result) -> list[tuple[str, str, str | None]]:
    return [(f.severity, f.code, f.order) for f in result.findings]


def add_shop_customer(db, cid: int, first: str, last: str, email: str, phone: str,
                      street: str = "Ringstr. 9", postcode: str = "80331", city: str = "München",
                      country_id: int = 81) -> None:
    root_execute(
        db,
        f"INSERT INTO customers (customers_id, customers_firstname, customers_lastname, "
        f"customers_email_address, customers_telephone, customers_password, "
        f"customers_newsletter, customers_default_address_id) VALUES ({cid}, '{first}', "
        f"'{last}', '{email}', '{phone}', 'x', '0', {cid * 10})",
        f"INSERT INTO address_book (address_book_id, customers_id, entry_firstname, "
        f"entry_lastname, entry_street_address, entry_postcode, entry_city, entry_country_id, "
        f"entry_zone_id) VALUES ({cid * 10}, {cid}, '{first}', '{last}', '{street}', "
        f"'{postcode}', '{city}', {country_id}, 0)")


# === check alone ==============================================================================
def test_check_alone_writes_nothing_records_matches_and_send_then_writes(oscommerce_shop,
                                                                          prepare):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER, BERND_ORDER])
    [result] = check(run)
    assert result.state == S.CHECKED and result.findings == [] and result.error is None
    assert run.store.supplier_order(run.so_ids[0]).state == S.CHECKED
    assert_nothing_written(oscommerce_shop)
    assert run.eml_files() == []
    planned = {n: (t.customer_match, t.state) for n, t in run.transfers().items()}
    assert planned == {"1001": ("email", TransferState.PENDING),
                       "1002": ("new", TransferState.PENDING)}
    assert [e["step"] for e in run.store.events(run.so_ids[0])] == ["build", "checked"]

    [sent] = run.send()  # send checks again, then writes
    assert sent.state == S.NOTIFIED and (sent.written, sent.customers_created) == (2, 1)
    done = run.transfers()
    assert (done["1001"].customer_match, done["1001"].remote_customer_id) == ("email", "1")
    assert done["1002"].customer_match == "new" and done["1002"].customer_created


def test_check_of_a_failing_order_persists_check_failed(oscommerce_shop, prepare):
    order = sample_order("1003", lines=[{"sku": "LEVEL", "name": "Spirit level", "quantity": 1,
                                         "unit_price": "15.00", "tax_rate": "19"}])
    run = prepare(alpha(oscommerce_shop), [order])
    [result] = check(run)
    assert result.state == S.CHECK_FAILED and result.error.code == "OX-CHK-006"
    stored = run.store.supplier_order(run.so_ids[0])
    assert (stored.state, stored.error_code) == (S.CHECK_FAILED, "OX-CHK-006")
    assert [f.code for f in run.store.findings(run.so_ids[0])] == ["OX-CHK-006"]
    assert_nothing_written(oscommerce_shop)


# === shop reference data =====================================================================
def test_country_unknown_to_the_shop(oscommerce_shop, prepare):
    italy = {"first_name": "Luca", "last_name": "Rossi", "street": "Via Roma 1",
             "postcode": "00184", "city": "Roma", "country": "IT"}
    run = prepare(alpha(oscommerce_shop), [
        ANNA_ORDER, sample_order("1010", email="luca@example.it", first="Luca", last="Rossi",
                                 delivery=italy)])
    [result] = run.send()
    assert codes(result) == [("error", "OX-CHK-004", "1010")]
    assert "delivery country IT" in result.findings[0].message
    # 1010 is held (issue 13 §2), Anna's order goes on
    assert result.state == S.NOTIFIED and result.held == [("1010", "OX-CHK-004")]
    assert count(oscommerce_shop, "orders") == 1


def test_currency_unknown_to_the_shop(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop), [sample_order("1011", currency="PLN")])
    [result] = run.send()
    assert codes(result) == [("error", "OX-CHK-010", "1011")]
    assert_nothing_written(oscommerce_shop)
    root_execute(oscommerce_shop, "INSERT INTO currencies (title, code, symbol_left, "
                                  "decimal_point, thousands_point, decimal_places, value) VALUES "
                                  "('Zloty', 'PLN', '', ',', '.', '2', 4.32)")
    [again] = run.send()
    assert again.state == S.NOTIFIED, again.as_dict()


def test_new_order_status_missing_in_the_shop(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop, connector={"type": "oscommerce",
                                                    "order_status_id": 99}), [ANNA_ORDER])
    [result] = run.send()
    assert [f.code for f in result.findings] == ["OX-CHK-009"]
    assert "status id 99" in result.findings[0].message
    assert_nothing_written(oscommerce_shop)


def test_value_too_long_for_the_order_line_column(oscommerce_shop, prepare):
    root_execute(oscommerce_shop,
                 "ALTER TABLE orders_products MODIFY products_model varchar(4)")
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER])
    [result] = run.send()
    assert [(f.code, f.message) for f in result.findings] == [
        ("OX-CHK-007", "Order 1001: field orders_products.products_model has 5 characters, "
                       "the supplier shop allows 4.")]
    assert_nothing_written(oscommerce_shop)


# === lines ===================================================================================
def test_stock_rule_counts_the_whole_supplier_order(oscommerce_shop, prepare):
    root_execute(oscommerce_shop, "UPDATE products SET products_quantity = 3 "
                                  "WHERE products_model = 'A-100'")
    orders = [ANNA_ORDER, sample_order("1012", email="carla@example.com", first="Carla",
                                       last="Neu")]  # 2 + 2 hammers, 3 in stock
    run = prepare(alpha(oscommerce_shop, check_stock=True), orders)
    [result] = run.send()
    assert codes(result) == [("error", "OX-CHK-023", "1012")]
    assert result.findings[0].message == (
        "Order 1012 line 1: 4 × A-100 needed in this supplier order, supplier alpha's shop has "
        "3 in stock.")
    assert result.state == S.NOTIFIED and result.held == [("1012", "OX-CHK-023")]
    assert count(oscommerce_shop, "orders") == 1  # Anna's two hammers; 1012 is held

    run.config.suppliers["alpha"].check_stock = False  # the setting decides
    [again] = run.send([result.held_in])
    assert again.state == S.NOTIFIED and again.findings == [] and again.written == 1


@pytest.mark.parametrize("settings, state, expected", [
    ({}, S.NOTIFIED, []),  # no tolerance set: the rule is off
    ({"price_tolerance": "30"}, S.NOTIFIED, []),  # 7.20 vs 9.90 is 27.3 % off
    ({"price_tolerance": "10"}, S.NOTIFIED, [("warning", "OX-CHK-024", "1001")]),
    ({"price_tolerance": "10", "price_mismatch": "error"}, S.CHECK_FAILED,
     [("error", "OX-CHK-024", "1001")]),
])
def test_purchase_price_tolerance(oscommerce_shop, prepare, settings, state, expected):
    run = prepare(alpha(oscommerce_shop, **settings), [ANNA_ORDER])
    [result] = run.send()
    assert result.state == state
    assert codes(result) == expected
    if expected:
        assert "purchase price 7.20 for A-100 differs by 27.3% from supplier alpha's shop " \
               "price 9.90 (tolerance 10%)" in result.findings[0].message
    assert count(oscommerce_shop, "orders") == (1 if state == S.NOTIFIED else 0)


def test_decimal_quantity_is_refused_by_a_shop_with_whole_quantities(oscommerce_shop, prepare):
    cable = sample_order("1013", lines=[
        {"sku": "HAMMER", "name": "Claw hammer", "quantity": "1.5", "unit": "m",
         "unit_price": "12.90", "tax_rate": "19"}])
    run = prepare(alpha(oscommerce_shop), [cable, ANNA_ORDER | {"number": "1014"}])
    [result] = run.send()
    assert codes(result) == [("error", "OX-CHK-031", "1013")]
    assert "quantity 1.5 m is not a whole number" in result.findings[0].message
    assert result.held == [("1013", "OX-CHK-031")] and result.written == 1
    assert count(oscommerce_shop, "orders") == 1  # 1014 went on


# === the exchange reference ==================================================================
def test_order_already_in_the_shop_is_a_warning_and_is_not_written_again(oscommerce_shop,
                                                                          prepare, monkeypatch):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER, BERND_ORDER])
    real = run.store.set_transfers

    def crash_once(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(run.store, "set_transfers", real)
        raise RuntimeError("crash after the shop's commit")

    monkeypatch.setattr(run.store, "set_transfers", crash_once)
    with pytest.raises(RuntimeError):
        run.send()  # both orders committed in the shop as one chunk, neither recorded
    [checked] = check(run)
    assert checked.state == S.CHECKED
    assert codes(checked) == [("warning", "OX-CHK-028", "1001"), ("warning", "OX-CHK-028", "1002")]
    shop_orders = query(oscommerce_shop, "SELECT orders_id FROM orders ORDER BY orders_id")
    assert f"as order {shop_orders[0]['orders_id']}" in checked.findings[0].message
    [sent] = run.send()
    assert (sent.state, sent.already_there, sent.written) == (S.NOTIFIED, 2, 0)
    assert count(oscommerce_shop, "orders") == 2


# === customer matching =======================================================================
def match_of(run, number: str) -> tuple[str | None, str | None, bool | None]:
    t = run.transfers()[number]
    return t.customer_match, t.remote_customer_id, t.customer_created


ANNA_ELSEWHERE = [
    ANNA_ORDER,  # email (case and all other keys agree)
    # another email, Anna's phone written differently: the phone finds her
    sample_order("1020", email="anna.work@example.com", phone="030 / 123 45 67"),
    # another email, no phone: first + last name + postcode (any case) find her
    sample_order("1021", email="a.schmidt@example.org", first="ANNA", last="schmidt",
                 phone=""),
]


def test_phone_and_name_matches_of_another_email_are_off_by_default(oscommerce_shop, prepare):
    """Issue 13 §1: an account of another email may be another person — by default the order
    gets a new customer, and step 1 names the account it passed over."""
    run = prepare(alpha(oscommerce_shop), ANNA_ELSEWHERE)
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert codes(result) == [("warning", "OX-CHK-040", "1020"),
                             ("warning", "OX-CHK-040", "1021")]
    assert result.findings[0].message == (
        "Order 1020: supplier alpha's shop has customer 1 with the same phone but another "
        "email; the order gets a new shop customer.")
    assert "match_name_postcode = true" in result.findings[1].solution
    assert match_of(run, "1001") == ("email", str(ANNA_ID), False)
    for number in ("1020", "1021"):
        key, cid, created = match_of(run, number)
        assert (key, created) == ("new", True) and cid != str(ANNA_ID)
    assert count(oscommerce_shop, "customers") == 3


def test_match_by_email_then_phone_then_name_and_postcode(oscommerce_shop, prepare):
    orders = [
        ANNA_ORDER,  # email (case and all other keys agree)
        # another email, Anna's phone written differently: the phone finds her
        sample_order("1020", email="anna.work@example.com", phone="030 / 123 45 67"),
        # another email, no phone: first + last name + postcode (any case) find her
        sample_order("1021", email="a.schmidt@example.org", first="ANNA", last="schmidt",
                     phone=""),
        # same name, other postcode: nobody; a new customer
        sample_order("1022", email="anna.s@example.net", phone="", billing={
            "first_name": "Anna", "last_name": "Schmidt", "street": "Am Markt 2",
            "postcode": "20095", "city": "Hamburg", "country": "DE"}),
    ]
    run = prepare(alpha(oscommerce_shop, match_phone=True, match_name_postcode=True), orders)
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert codes(result) == []
    assert match_of(run, "1001") == ("email", str(ANNA_ID), False)
    assert match_of(run, "1020") == ("phone", str(ANNA_ID), False)
    assert match_of(run, "1021") == ("name+postcode", str(ANNA_ID), False)
    key, new_id, created = match_of(run, "1022")
    assert (key, created) == ("new", True) and new_id != str(ANNA_ID)
    assert count(oscommerce_shop, "customers") == 2


def test_customer_number_key_needs_its_column(oscommerce_shop, prepare):
    root_execute(oscommerce_shop,
                 "ALTER TABLE customers ADD customers_cid varchar(32) NULL",
                 "UPDATE customers SET customers_cid = 'K-4711' WHERE customers_id = 1")
    order = sample_order("1030", email="buying@schmidt.example", phone="",
                         first="Annette", last="Schmitt",
                         customer={"email": "buying@schmidt.example", "first_name": "Annette",
                                   "last_name": "Schmitt", "number": "K-4711"})
    # without the setting the number is not a key: a new customer
    run = prepare(alpha(oscommerce_shop), [order])
    [result] = check(run)
    assert result.state == S.CHECKED
    assert run.transfers()["1030"].customer_match == "new"
    # with it, the supplier's customer number finds Anna's account
    run.config.suppliers["alpha"].settings["customer_number_column"] = "customers_cid"
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert match_of(run, "1030") == ("number", str(ANNA_ID), False)


def test_ambiguous_match_names_both_customers(oscommerce_shop, prepare):
    add_shop_customer(oscommerce_shop, 2, "Max", "Meier", "max@example.com", "+49 89 555 0101")
    # Max's email, Anna's phone: two different shop customers
    # (keys that agree on one customer are no conflict: Anna's own orders match all her keys)
    ambiguous = sample_order("1040", email="max@example.com", first="Max", last="Meier",
                             phone="+49 30 1234567")
    run = prepare(alpha(oscommerce_shop, match_phone=True), [ambiguous])
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert codes(result) == [("error", "OX-CHK-029", "1040")]
    assert result.findings[0].message == (
        "Order 1040: the customer matches two different customers in supplier alpha's shop: "
        "2 by email and 1 by phone.")
    assert count(oscommerce_shop, "orders") == 0

    root_execute(oscommerce_shop, "UPDATE customers SET customers_telephone = '+49 30 999' "
                                  "WHERE customers_id = 1")  # the shop data corrected
    [again] = run.send()
    assert again.state == S.NOTIFIED, again.as_dict()
    assert match_of(run, "1040") == ("email", "2", False)


# === customer policies =======================================================================
DISTRIBUTOR_ID = 5


def test_distributor_policy_is_a_blind_drop_ship(oscommerce_shop, prepare):
    add_shop_customer(oscommerce_shop, DISTRIBUTOR_ID, "ACME", "Einkauf", "shop@acme.example",
                      "+49 40 123", street="Hafenstr. 5", postcode="20457", city="Hamburg")
    run = prepare(alpha(oscommerce_shop, customer_policy="distributor",
                        distributor_customer_id=DISTRIBUTOR_ID), [BERND_ORDER])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert match_of(run, "1002") == ("distributor", str(DISTRIBUTOR_ID), False)
    [row] = query(oscommerce_shop, "SELECT * FROM orders")
    assert {k: row[k] for k in ("customers_id", "customers_name", "customers_email_address",
                                "customers_street_address", "billing_name", "billing_city",
                                "delivery_name", "delivery_street_address", "delivery_city",
                                "delivery_country")} == {
        "customers_id": DISTRIBUTOR_ID, "customers_name": "ACME Einkauf",
        "customers_email_address": "shop@acme.example", "customers_street_address": "Hafenstr. 5",
        "billing_name": "ACME Einkauf", "billing_city": "Hamburg",
        "delivery_name": "Clara Bauer", "delivery_street_address": "Seeweg 3",
        "delivery_city": "Wien", "delivery_country": "Austria"}
    # the end customer is not made a customer of the supplier
    assert count(oscommerce_shop, "customers") == 2
    assert "bernd" not in str(row).lower()


def test_distributor_policy_needs_an_existing_account(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop, customer_policy="distributor",
                        distributor_customer_id=999), [ANNA_ORDER])
    [result] = run.send()
    assert codes(result) == [("error", "OX-CHK-030", None)]
    assert "distributor_customer_id = 999" in result.findings[0].message
    assert "no customer with this id" in result.findings[0].message
    assert_nothing_written(oscommerce_shop)


def test_guest_policy_books_on_the_pseudo_customer(oscommerce_shop, prepare):
    add_shop_customer(oscommerce_shop, 7, "Gast", "Kunde", "guest@alpha.example", "")
    run = prepare(alpha(oscommerce_shop, customer_policy="guest", guest_customer_id=7),
                  [BERND_ORDER])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert match_of(run, "1002") == ("guest", "7", False)
    [row] = query(oscommerce_shop, "SELECT customers_id, customers_name, "
                                   "customers_email_address, delivery_name FROM orders")
    assert row == {"customers_id": 7, "customers_name": "Bernd Bauer",
                   "customers_email_address": "bernd.bauer@example.com",
                   "delivery_name": "Clara Bauer"}
    assert count(oscommerce_shop, "customers") == 2  # Anna and the pseudo customer

    run.config.suppliers["alpha"].guest_customer_id = 70  # a pseudo customer that is gone
    other = prepare(alpha(oscommerce_shop, customer_policy="guest", guest_customer_id=70),
                    [sample_order("1050", email="x@example.com", first="X", last="Y")])
    [failed] = other.send()
    assert [f.code for f in failed.findings] == ["OX-CHK-030"]


# === customer template =======================================================================
def test_new_customers_inherit_the_template(oscommerce_shop, prepare):
    root_execute(oscommerce_shop, "ALTER TABLE customers ADD customers_status int NULL")
    template = {"newsletter": True, "group": 3, "columns": {"customers_gender": "d"}}
    run = prepare(alpha(oscommerce_shop, customer_template=template,
                        connector={"type": "oscommerce", "group_column": "customers_status"}),
                  [BERND_ORDER])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [bernd] = query(oscommerce_shop, "SELECT customers_newsletter, customers_status, "
                                     "customers_gender FROM customers WHERE customers_id <> 1")
    assert bernd == {"customers_newsletter": "1", "customers_status": 3, "customers_gender": "d"}


@pytest.mark.parametrize("template, connector, named", [
    ({"group": 3}, {}, "customer_template.group"),
    ({"columns": {"customers_loyalty": 1}}, {}, "customer_template.columns.customers_loyalty"),
    ({"columns": {"customers_gender": "long"}}, {}, "4 characters, the column allows 1"),
])
def test_a_template_the_shop_cannot_store_fails_the_check(oscommerce_shop, prepare, template,
                                                           connector, named):
    run = prepare(alpha(oscommerce_shop, customer_template=template,
                        connector={"type": "oscommerce", **connector}), [BERND_ORDER])
    [result] = run.send()
    assert [f.code for f in result.findings] == ["OX-CHK-032"]
    assert named in result.findings[0].message
    assert_nothing_written(oscommerce_shop)


def test_new_customer_defaults_to_no_newsletter(oscommerce_shop, prepare):
    run = prepare({"alpha": supplier_section(oscommerce_shop)}, [BERND_ORDER])
    assert run.send()[0].state == S.NOTIFIED
    [bernd] = query(oscommerce_shop, "SELECT customers_newsletter FROM customers "
                                     "WHERE customers_id <> 1")
    assert bernd == {"customers_newsletter": "0"}


# === step 2 guards ===========================================================================
class DeactivateAfterCheck:
    """A dispatch-event plug-in that changes the shop between step 1 and step 2."""

    def __init__(self, db) -> None:
        self.db = db

    @hookimpl
    def oe_dispatch_event(self, event):
        if event.step == "checked":
            root_execute(self.db, "UPDATE products SET products_status = 0 "
                                  "WHERE products_model = 'A-100'")


def test_shop_changed_between_check_and_write_is_refused(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER])
    host = PluginHost()
    host.register(DeactivateAfterCheck(oscommerce_shop), "deactivate", "test", "0")
    [result] = Dispatcher(run.config, run.store, host).send(run.so_ids)
    assert result.state == S.WRITE_FAILED
    assert result.error.code == "OX-WRT-002"
    assert "changed since the check" in result.error.message
    assert_nothing_written(oscommerce_shop)


def test_write_refuses_a_supplier_order_that_is_not_checked(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop), [ANNA_ORDER])
    host = PluginHost()
    so = run.store.supplier_order(run.so_ids[0])
    connector = instantiate(host.connector_types(), run.config.supplier("alpha"))
    with connector:
        error = Dispatcher(run.config, run.store, host)._write_all(
            so, connector, SendResult(so.id, so.supplier_id, so.state))
    assert error.code == "OX-WRT-001" and "state draft" in error.message
    assert_nothing_written(oscommerce_shop)


def test_supplier_without_a_database_is_coded(make_config, tmp_path):
    config = make_config(suppliers={"alpha": {"name": "A", "email": "a@example.com"}})
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"))])
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps(sample_order("1")) + "\n")
    import_orders(store, path)
    ids = build(store, config).created
    [result] = Dispatcher(config, store, PluginHost()).check(ids)
    assert result.error.code == "OX-CHK-011"
    assert "[suppliers.alpha.database]" in result.error.message
    store.close()
