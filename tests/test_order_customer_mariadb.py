"""Issue 13 §1 on a real MariaDB osCommerce shop: every order keeps its own customer.

Two people share one email (a family): Anna Alt in Berlin and Bernd Neu in München. Before, the
store kept one customer per email and the second import overwrote the first, so both shop orders
said "Bernd Neu". Now each order carries what it said about its customer, into the shop's order
rows, the notification and its documents; the shop account of the email is not rewritten.
"""

from __future__ import annotations

from helpers import sample_order
from test_oscommerce_mariadb import (  # noqa: F401 - `prepare` is a fixture
    alpha, prepare, query,
)

from orderexchange.model import SupplierOrderState as S

BERLIN = {"first_name": "Anna", "last_name": "Alt", "street": "Hauptstr. 1", "postcode": "10115",
          "city": "Berlin", "country": "DE"}
MUENCHEN = {"first_name": "Bernd", "last_name": "Neu", "street": "Ringstr. 9",
            "postcode": "80331", "city": "München", "country": "DE"}
ANNA = sample_order("2001", email="shared@example.com", first="Anna", last="Alt",
                    phone="+49 30 1234567", billing=BERLIN, delivery=BERLIN)
BERND = sample_order("2002", email="shared@example.com", first="Bernd", last="Neu",
                     phone="+49 89 7654321", billing=MUENCHEN, delivery=MUENCHEN)


def test_two_people_sharing_one_email_each_keep_their_name_and_phone(oscommerce_shop, prepare):
    run = prepare(alpha(oscommerce_shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    remote = {n: int(t.remote_order_id) for n, t in run.transfers().items()}
    rows = {r["orders_id"]: r for r in query(
        oscommerce_shop, "SELECT orders_id, customers_id, customers_name, customers_telephone, "
        "customers_city, delivery_name, billing_name FROM orders")}
    anna, bernd = rows[remote["2001"]], rows[remote["2002"]]
    assert (anna["customers_name"], anna["customers_telephone"], anna["customers_city"],
            anna["delivery_name"], anna["billing_name"]) == (
        "Anna Alt", "+49301234567", "Berlin", "Anna Alt", "Anna Alt")
    assert (bernd["customers_name"], bernd["customers_telephone"], bernd["customers_city"],
            bernd["delivery_name"], bernd["billing_name"]) == (
        "Bernd Neu", "+49897654321", "München", "Bernd Neu", "Bernd Neu")
    # one shop account per email (the shop's login); it is the first order's person, and the
    # second order did not rewrite it
    [account] = query(oscommerce_shop, "SELECT customers_id, customers_firstname, "
                      "customers_lastname, customers_telephone FROM customers "
                      "WHERE customers_email_address = 'shared@example.com'")
    assert anna["customers_id"] == bernd["customers_id"] == account["customers_id"]
    assert (account["customers_firstname"], account["customers_lastname"],
            account["customers_telephone"]) == ("Anna", "Alt", "+49301234567")
    # the notification names each order's own person too
    [eml] = run.eml_files()
    text = eml.read_text(encoding="utf-8")
    assert "Anna Alt" in text and "Bernd Neu" in text


def test_phone_match_of_another_person_is_a_warning_not_their_account(oscommerce_shop, prepare):
    """Anna Alt has the phone number of the shop's Anna Schmidt: by default her order is not
    put on that account (with `match_phone = true` it is, see below)."""
    run = prepare(alpha(oscommerce_shop), [ANNA])
    [result] = run.send()
    assert [(f.severity, f.code, f.order) for f in result.findings] == [
        ("warning", "OX-CHK-040", "2001")]
    assert run.transfers()["2001"].customer_match == "new"
    assert run.transfers()["2001"].remote_customer_id != "1"


def test_phone_match_of_another_email_when_the_supplier_switched_it_on(oscommerce_shop, prepare):
    again = prepare(alpha(oscommerce_shop, match_phone=True),
                    [sample_order("2003", email="anna.alt@example.org", first="Anna", last="Alt",
                                  phone="+49 30 1234567", billing=BERLIN, delivery=BERLIN)])
    [result] = again.send()
    assert result.findings == []
    t = again.transfers()["2003"]
    assert (t.customer_match, t.remote_customer_id) == ("phone", "1")


def test_same_email_in_another_name_goes_on_that_account_with_a_warning(oscommerce_shop,
                                                                       prepare):
    first = prepare(alpha(oscommerce_shop), [ANNA])
    [sent] = first.send()
    account = first.transfers()["2001"].remote_customer_id
    later = prepare(alpha(oscommerce_shop), [BERND])
    [result] = later.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [warning] = [f for f in result.findings if f.code == "OX-CHK-041"]
    assert warning.message == (
        f"Order 2002: shared@example.com is customer {account} in supplier alpha's shop, in the "
        "name of Anna Alt; the order is for Bernd Neu and goes on that account with its own "
        "name and addresses.")
    t = later.transfers()["2002"]
    assert (t.customer_match, t.remote_customer_id) == ("email", account)
    [row] = query(oscommerce_shop, "SELECT customers_name, customers_telephone FROM orders "
                  "WHERE orders_id = :o", o=int(t.remote_order_id))
    assert (row["customers_name"], row["customers_telephone"]) == ("Bernd Neu", "+49897654321")


def test_update_customer_makes_the_later_order_the_accounts_master_data(oscommerce_shop,
                                                                       prepare):
    first = prepare(alpha(oscommerce_shop), [ANNA])
    [sent] = first.send()
    account = int(first.transfers()["2001"].remote_customer_id)
    later = prepare(alpha(oscommerce_shop, update_customer=True), [BERND])
    [result] = later.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = query(oscommerce_shop, "SELECT c.customers_firstname, c.customers_lastname, "
                  "c.customers_telephone, a.entry_city, a.entry_street_address FROM customers c "
                  "JOIN address_book a ON a.address_book_id = c.customers_default_address_id "
                  "WHERE c.customers_id = :c", c=account)
    assert row == {"customers_firstname": "Bernd", "customers_lastname": "Neu",
                   "customers_telephone": "+49897654321", "entry_city": "München",
                   "entry_street_address": "Ringstr. 9"}
    # Anna's order row still says what her order said
    [anna] = query(oscommerce_shop, "SELECT customers_name, customers_city FROM orders "
                   "WHERE orders_id = :o", o=int(first.transfers()["2001"].remote_order_id))
    assert anna == {"customers_name": "Anna Alt", "customers_city": "Berlin"}
