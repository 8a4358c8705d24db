"""The Magento 2.4 connector against a real MariaDB: what lands in the shop, row by row.

A Magento Open Source 2.4 shop from shop_schemas/magento24_mysql.sql (our own schema, written
from the modules' db_schema.xml), driven through the real path (import → build →
Dispatcher.send) and read back with the queries Magento's own admin runs (magento/magento2):

- the order list: the ui_component sales_order_grid's data source is
  app/code/Magento/Sales/Model/ResourceModel/Order/Grid/Collection.php (commit
  56af1e73ce21867b770a7458ab6e109f4a1eface): a UiComponent SearchResult whose main table is
  `sales_order_grid` — `SELECT main_table.* FROM sales_order_grid AS main_table` — and nothing
  else; the status column shows the label of sales_order_status (Ui/Component/Listing/Column/
  Status/Options). The grid row is what app/code/Magento/Sales/etc/di.xml (commit
  719ecf12cb7b866969302973d56acb1c8bf9c013), virtual type Order\\Grid, copies from the order.
- the order view: app/code/Magento/Sales/Controller/Adminhtml/Order/View.php (commit
  cad82c853e1f258823b334f863aa295a61c56328) loads the order by entity_id through the
  OrderRepository (`sales_order`), its blocks read the addresses (`sales_order_address` by
  parent_id), the items (`sales_order_item` by order_id), the payment (`sales_order_payment` by
  parent_id), the comments (`sales_order_status_history` by parent_id) and the totals from the
  order's own columns.

Expected values are written out by hand from the sample data. No wall-clock assertions.
"""

from __future__ import annotations

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
from orderexchange.plugins import magento

SCHEMA = "magento24_mysql.sql"
#: Order\Grid\Collection (SearchResult on sales_order_grid) with the status label it shows
GRID = ("SELECT main_table.*, s.label AS status_label FROM sales_order_grid AS main_table "
        "LEFT JOIN sales_order_status s ON s.status = main_table.status "
        "ORDER BY main_table.entity_id")
#: the order view's order (OrderRepository::get: the sales_order row by entity_id)
VIEW_ORDER = "SELECT * FROM sales_order WHERE entity_id = :o"
VIEW_ADDRESSES = "SELECT * FROM sales_order_address WHERE parent_id = :o ORDER BY entity_id"
VIEW_ITEMS = "SELECT * FROM sales_order_item WHERE order_id = :o ORDER BY item_id"
VIEW_PAYMENT = "SELECT * FROM sales_order_payment WHERE parent_id = :o"
VIEW_HISTORY = ("SELECT * FROM sales_order_status_history WHERE parent_id = :o "
                "ORDER BY created_at DESC, entity_id DESC")

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
#: in CHF: 2 × A-100 at 7.20 EUR × 0.9412 = 6.7766 → 13.55 + 2.57 VAT + 4.61 shipping = 20.73
CARLA = sample_order("1003", email="carla@example.com", first="Carla", last="Keller",
                     country="CH", currency="CHF")


def make_shop(db: Any) -> Any:
    load_schema(db.url, SCHEMA)
    return db


@pytest.fixture
def shop(mariadb_db):
    return make_shop(mariadb_db)


def alpha(db, connector: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    return {"alpha": shop_section(db, {"type": "magento", **(connector or {})}, **overrides)}


def grid(db) -> list[dict[str, Any]]:
    return query(db, GRID)


def listed(db) -> list[tuple[Any, ...]]:
    """(increment id, status label, customer id, customer name, email, grand total, currency)
    of every row of the admin's order list."""
    return [(r["increment_id"], r["status_label"], r["customer_id"], r["customer_name"],
             r["customer_email"], r["grand_total"], r["order_currency_code"]) for r in grid(db)]


def full_send_and_verify(db, prepare) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    [result] = run.send()
    assert result.error is None and result.state == S.NOTIFIED, result.as_dict()
    assert (result.written, result.already_there, result.customers_created) == (2, 0, 1)
    transfers = run.transfers()
    assert {n: t.customer_match for n, t in transfers.items()} == {"1001": "email",
                                                                  "1002": "new"}
    # the order number the supplier's admin shows: the store's sequence, 9 digits
    assert {n: t.remote_order_id for n, t in transfers.items()} == {"1001": "000000001",
                                                                   "1002": "000000002"}
    [bernd] = query(db, "SELECT * FROM customer_entity WHERE email = 'bernd.bauer@example.com'")
    assert listed(db) == [
        ("000000001", "Pending", 1, "Anna Schmidt", "anna.schmidt@example.com",
         Decimal("22.0400"), "EUR"),
        ("000000002", "Pending", bernd["entity_id"], "Bernd Bauer", "bernd.bauer@example.com",
         Decimal("51.1600"), "EUR")]
    row = grid(db)[1]
    assert (row["billing_name"], row["shipping_name"], row["billing_address"],
            row["shipping_address"], row["payment_method"], row["shipping_information"],
            row["store_name"], row["base_grand_total"], row["subtotal"],
            row["shipping_and_handling"], row["customer_group"]) == (
        "Bernd Bauer", "Clara Bauer", "Lindenallee 7\nHinterhaus, München, BY, 80331",
        "Seeweg 3, Wien, 1010", "checkmo", "Drop shipping",
        "Main Website\nMain Website Store\nDefault Store View", Decimal("51.1600"),
        Decimal("39.6000"), Decimal("4.9000"), "1")

    # the order view
    entity = row["entity_id"]
    [order] = query(db, VIEW_ORDER, o=entity)
    assert (order["state"], order["status"], order["ext_order_id"], order["customer_is_guest"],
            order["customer_group_id"], order["base_currency_code"],
            order["order_currency_code"], order["base_to_order_rate"]) == (
        "new", "pending", transfers["1002"].reference, 0, 1, "EUR", "EUR", Decimal("1.0000"))
    assert (order["subtotal"], order["tax_amount"], order["shipping_amount"],
            order["shipping_tax_amount"], order["grand_total"], order["total_due"],
            order["subtotal_incl_tax"], order["total_qty_ordered"],
            order["total_item_count"]) == (
        Decimal("39.6000"), Decimal("6.6600"), Decimal("4.9000"), Decimal("0.0000"),
        Decimal("51.1600"), Decimal("51.1600"), Decimal("46.2600"), Decimal("4.0000"), 2)
    assert order["send_email"] == 0  # the shop never mails the end customer about it
    addresses = {a["address_type"]: a for a in query(db, VIEW_ADDRESSES, o=entity)}
    assert (order["billing_address_id"], order["shipping_address_id"]) == (
        addresses["billing"]["entity_id"], addresses["shipping"]["entity_id"])
    assert (addresses["billing"]["company"], addresses["billing"]["street"],
            addresses["billing"]["region"], addresses["billing"]["telephone"]) == (
        "Bauer Bau GmbH", "Lindenallee 7\nHinterhaus", "BY", "+49405001002")
    assert (addresses["shipping"]["firstname"], addresses["shipping"]["city"],
            addresses["shipping"]["country_id"]) == ("Clara", "Wien", "AT")
    items = query(db, VIEW_ITEMS, o=entity)
    assert [(i["sku"], i["name"], i["qty_ordered"], i["price"], i["row_total"],
             i["tax_percent"], i["tax_amount"], i["row_total_incl_tax"], i["product_id"])
            for i in items] == [
        ("A-200", "Screwdriver set, 6 pieces", Decimal("3.0000"), Decimal("10.8000"),
         Decimal("32.4000"), Decimal("19.0000"), Decimal("6.1600"), Decimal("38.5600"), 2),
        ("A-100", "Claw hammer 450 g", Decimal("1.0000"), Decimal("7.2000"),
         Decimal("7.2000"), Decimal("7.0000"), Decimal("0.5000"), Decimal("7.7000"), 1)]
    [payment] = query(db, VIEW_PAYMENT, o=entity)
    assert (payment["method"], payment["amount_ordered"]) == ("checkmo", Decimal("51.1600"))
    [history] = query(db, VIEW_HISTORY, o=entity)
    assert history["comment"].startswith(f"[{transfers['1002'].reference}] ")
    taxes = query(db, "SELECT percent, amount FROM sales_order_tax WHERE order_id = :o "
                      "ORDER BY percent DESC", o=entity)
    assert taxes == [{"percent": Decimal("19.0000"), "amount": Decimal("6.1600")},
                     {"percent": Decimal("7.0000"), "amount": Decimal("0.5000")}]
    assert count(db, "sales_order_tax_item") == 3

    # the new customer, in the admin's customer list too
    assert (bernd["firstname"], bernd["website_id"], bernd["group_id"], bernd["password_hash"],
            bernd["created_in"]) == ("Bernd", 1, 1, None, "Default Store View")
    customer_addresses = query(db, "SELECT * FROM customer_address_entity WHERE parent_id = :c "
                                   "ORDER BY entity_id", c=bernd["entity_id"])
    assert [(a["city"], a["telephone"]) for a in customer_addresses] == [
        ("München", "+49405001002"), ("Wien", "+49405001002")]
    assert (bernd["default_billing"], bernd["default_shipping"]) == (
        customer_addresses[0]["entity_id"], customer_addresses[1]["entity_id"])
    [flat] = query(db, "SELECT * FROM customer_grid_flat WHERE entity_id = :c",
                   c=bernd["entity_id"])
    assert (flat["name"], flat["email"], flat["billing_city"], flat["billing_telephone"]) == (
        "Bernd Bauer", "bernd.bauer@example.com", "München", "+49405001002")
    assert count(db, "sequence_order_1") == 2


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
    before = grid(shop)
    with run.connector() as connector:  # the references are found, so nothing is written
        found = connector.find_by_references([t.reference for t in run.transfers().values()])
    assert sorted(r.order_id for r in found.values()) == ["000000001", "000000002"]
    run.send()
    assert grid(shop) == before
    assert count(shop, "sales_order") == 2 and count(shop, "sales_order_item") == 3


def test_an_order_in_another_currency_keeps_base_amounts_by_the_shops_rate(shop, prepare):
    run = prepare(alpha(shop), [CARLA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = grid(shop)
    assert (row["grand_total"], row["order_currency_code"], row["base_grand_total"],
            row["base_currency_code"]) == (Decimal("20.7300"), "CHF", Decimal("22.0251"), "EUR")
    [order] = query(shop, VIEW_ORDER, o=row["entity_id"])
    assert (order["base_to_order_rate"], order["subtotal"], order["base_subtotal"],
            order["tax_amount"], order["shipping_amount"]) == (
        Decimal("0.9412"), Decimal("13.5500"), Decimal("14.3965"), Decimal("2.5700"),
        Decimal("4.6100"))
    [item] = query(shop, VIEW_ITEMS, o=row["entity_id"])
    assert (item["price"], item["base_price"]) == (Decimal("6.7766"), Decimal("7.2000"))


def test_an_order_in_a_currency_the_shop_does_not_allow_is_held(shop, prepare):
    pln = sample_order("1004", email="piotr@example.com", first="Piotr", last="Nowak",
                       country="PL", currency="PLN")
    run = prepare(alpha(shop), [pln, ANNA])
    [result] = run.send()
    assert {(f.order, f.code) for f in result.findings if f.blocking} == {("1004", "OX-CHK-010")}
    assert [r[0] for r in listed(shop)] == ["000000001"]


def test_guest_orders_have_no_customer(shop, prepare):
    run = prepare(alpha(shop, customer_policy="guest", guest_customer_id=0), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = grid(shop)
    assert (row["customer_id"], row["customer_name"], row["customer_email"],
            row["customer_group"]) == (None, "Bernd Bauer", "bernd.bauer@example.com", "0")
    [order] = query(shop, VIEW_ORDER, o=row["entity_id"])
    assert (order["customer_is_guest"], order["customer_group_id"]) == (1, 0)
    assert count(shop, "customer_entity") == 2


def test_blind_drop_ship_bills_the_distributor(shop, prepare):
    run = prepare(alpha(shop, customer_policy="distributor", distributor_customer_id=2),
                  [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = grid(shop)
    assert (row["customer_id"], row["customer_name"], row["billing_name"],
            row["shipping_name"], row["customer_group"]) == (
        2, "ACME Distribution", "ACME Distribution", "Clara Bauer", "2")
    assert not any("bernd" in str(v).lower() for r in query(
        shop, "SELECT * FROM sales_order_address") for v in r.values())


def test_taxed_shipping(shop, prepare):
    # shipping_tax_rate 19: 4.90 shipping + 0.93 VAT; the lines 14.40 + 2.74 → total 22.97
    run = prepare(alpha(shop, shipping_tax_rate="19"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = grid(shop)
    [order] = query(shop, VIEW_ORDER, o=row["entity_id"])
    assert (order["grand_total"], order["tax_amount"], order["shipping_tax_amount"],
            order["shipping_incl_tax"], order["subtotal_incl_tax"]) == (
        Decimal("22.9700"), Decimal("3.6700"), Decimal("0.9300"), Decimal("5.8300"),
        Decimal("17.1400"))
    assert query(shop, "SELECT taxable_item_type, amount FROM sales_order_tax_item "
                       "ORDER BY tax_item_id") == [
        {"taxable_item_type": "product", "amount": Decimal("2.7400")},
        {"taxable_item_type": "shipping", "amount": Decimal("0.9300")}]


# === crash in the middle of a write ============================================================
def lost_connection(*_args: Any, **_kwargs: Any) -> None:
    raise sa.exc.OperationalError("INSERT INTO sales_order_item …", {},
                                  pymysql.err.OperationalError(2013, "Lost connection"))


def test_crash_mid_write_then_retry_writes_the_order_exactly_once(shop, prepare, monkeypatch):
    run = prepare(alpha(shop), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(magento.MagentoConnector, "_flush_tails", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert failed.error is not None and failed.error.code == "OX-DB-002"
    assert grid(shop) == [] and count(shop, "sales_order") == 0
    assert count(shop, "customer_entity") == 2  # the new customer went with the rollback

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [row] = grid(shop)
    assert run.transfers()["1002"].remote_order_id == row["increment_id"]
    assert row["grand_total"] == Decimal("51.1600")
    assert count(shop, "sales_order") == 1 and count(shop, "sales_order_item") == 2
    assert count(shop, "customer_entity", "email = 'bernd.bauer@example.com'") == 1


def test_commit_landed_but_the_answer_was_lost_heals_exactly_once(shop, prepare, monkeypatch):
    """The link dies between the shop's COMMIT and its answer: the dispatcher looks the
    references up again before writing anything and finds the order; it is not written twice."""
    run = prepare(alpha(shop), [ANNA])
    real = magento.MagentoConnector.write_batch

    def commit_then_die(self, so, transfers):
        real(self, so, transfers)
        raise OXError("OX-DB-002", supplier="alpha", where="shop", detail="connection lost")

    with monkeypatch.context() as patch:
        patch.setattr(magento.MagentoConnector, "write_batch", commit_then_die)
        [healed] = run.send()
    assert healed.state == S.NOTIFIED, healed.as_dict()
    assert healed.written + healed.already_there == 1
    [row] = grid(shop)
    assert run.transfers()["1001"].remote_order_id == row["increment_id"] == "000000001"
    assert count(shop, "sales_order") == 1 and count(shop, "sequence_order_1") == 1


# === chunks: one transaction ====================================================================
def refuse(*_args: Any, **_kwargs: Any) -> None:
    raise AssertionError("this path must not be taken here")


def test_a_chunk_is_one_transaction_and_one_new_customer_twice_is_one_customer(shop, prepare,
                                                                               monkeypatch):
    again = sample_order("1004", email="Bernd.Bauer@example.com", first="Bernd", last="Bauer",
                         phone="+49 40 5001002")
    run = prepare(alpha(shop), [BERND, again, ANNA])
    monkeypatch.setattr(magento.MagentoConnector, "write", refuse)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 3, result.as_dict()
    assert result.customers_created == 1
    assert {n: t.customer_match for n, t in run.transfers().items()} == {
        "1001": "email", "1002": "new", "1004": "email"}
    [bernd] = query(shop, "SELECT entity_id FROM customer_entity WHERE email = "
                          "'bernd.bauer@example.com'")
    assert sorted(r[2] for r in listed(shop)) == [1, bernd["entity_id"], bernd["entity_id"]]
    assert count(shop, "customer_grid_flat") == 3


def test_a_bad_order_in_a_chunk_fails_alone_and_the_chunk_leaves_nothing(shop, prepare,
                                                                         monkeypatch):
    run = prepare(alpha(shop), [ANNA, BERND])
    real = magento.MagentoConnector._write_order

    def bad_bernd(self, transfer, *args):
        written = real(self, transfer, *args)  # its order row is in: the chunk must roll back
        if transfer.customer_order.number == "1002":
            raise OXError("OX-WRT-002", order="1002", supplier="alpha", id=0,
                          detail="a value the shop refuses")
        return written

    with monkeypatch.context() as patch:
        patch.setattr(magento.MagentoConnector, "_write_order", bad_bernd)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-WRT-002"
    assert failed.written == 1  # Anna then alone; the chunk's rows were rolled back
    assert len(grid(shop)) == 1 and count(shop, "customer_entity") == 2
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1 and again.already_there == 0
    assert len(grid(shop)) == 2 and count(shop, "customer_entity") == 3


# === the exactly-once look-up stays an index look-up ============================================
def test_reference_lookup_is_one_index_dive_in_a_shop_with_many_orders(shop, prepare):
    """200,000 orders of other origins in the shop (MariaDB's sequence engine makes them):
    the look-up by ext_order_id reads one row through SALES_ORDER_EXT_ORDER_ID."""
    root_execute(shop, "INSERT INTO sales_order (increment_id, store_id, state, status, "
                       "grand_total, ext_order_id) SELECT LPAD(seq, 9, '0'), 0, 'complete', "
                       "'complete', 10, IF(seq % 3 = 0, CONCAT('AMZ-', seq), NULL) "
                       "FROM seq_1_to_200000",
                 "ANALYZE TABLE sales_order")
    run = prepare(alpha(shop), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    reference = run.transfers()["1001"].reference
    plan = query(shop, "EXPLAIN SELECT ext_order_id, entity_id, increment_id, customer_id, "
                       "status FROM sales_order WHERE ext_order_id IN (:r) ORDER BY entity_id",
                 r=reference)
    assert plan[0]["key"] == "SALES_ORDER_EXT_ORDER_ID" and int(plan[0]["rows"]) <= 2
    bounded = query(shop, "EXPLAIN SELECT entity_id FROM sales_order WHERE ext_order_id IN "
                          "(:r) AND entity_id > 200000", r=reference)
    assert bounded[0]["key"] in ("SALES_ORDER_EXT_ORDER_ID", "PRIMARY")
    assert int(bounded[0]["rows"]) <= 2
    with run.connector() as connector:
        assert connector.find_by_reference(reference).order_id == \
            run.transfers()["1001"].remote_order_id
        assert connector.shop_floor() == query(
            shop, "SELECT MAX(entity_id) AS m FROM sales_order")[0]["m"]


# === the way back: read-back and cancel ========================================================
def test_read_back_status_tracking_and_cancel(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    anna_id, bernd_id = (query(shop, "SELECT entity_id FROM sales_order WHERE ext_order_id = "
                                     ":r", r=transfers[n].reference)[0]["entity_id"]
                         for n in ("1001", "1002"))
    root_execute(shop,
                 f"UPDATE sales_order SET state = 'complete', status = 'complete' "
                 f"WHERE entity_id = {anna_id}",
                 f"INSERT INTO sales_shipment (entity_id, store_id, order_id, increment_id, "
                 f"created_at) VALUES (1, 1, {anna_id}, '000000001', '2026-03-02 10:00:00')",
                 f"INSERT INTO sales_shipment_track (parent_id, order_id, track_number, title, "
                 f"carrier_code, created_at) VALUES (1, {anna_id}, '00340434161234567890', "
                 f"'DHL', 'custom', '2026-03-02 10:00:00')")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
    anna, bernd = status[transfers["1001"].reference], status[transfers["1002"].reference]
    assert (anna.order_id, anna.status, anna.status_id, anna.progressed, anna.cancelled,
            anna.tracking_number, anna.shipped_at) == (
        "000000001", "Complete", "complete", True, False, "00340434161234567890",
        "2026-03-02 10:00:00")
    assert (bernd.order_id, bernd.status, bernd.progressed, bernd.cancelled,
            bernd.tracking_number) == ("000000002", "Pending", False, False, None)

    with run.connector() as connector:
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])  # twice: nothing more happens
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])  # already complete
        status = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004" and "complete (complete)" in refused.value.message
    assert status[transfers["1002"].reference].cancelled
    assert status[transfers["1002"].reference].status == "Canceled"
    [order] = query(shop, VIEW_ORDER, o=bernd_id)
    assert (order["state"], order["status"], order["total_canceled"],
            order["subtotal_canceled"]) == ("canceled", "canceled", Decimal("51.1600"),
                                            Decimal("39.6000"))
    assert [i["qty_canceled"] for i in query(shop, VIEW_ITEMS, o=bernd_id)] == [
        Decimal("3.0000"), Decimal("1.0000")]
    assert [h["status"] for h in query(shop, VIEW_HISTORY, o=bernd_id)] == ["canceled",
                                                                          "pending"]
    assert {r[0]: r[1] for r in listed(shop)} == {"000000001": "Pending",  # grid not ours
                                                  "000000002": "Canceled"}

    root_execute(shop, f"DELETE FROM sales_order WHERE entity_id = {bernd_id}")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
        with pytest.raises(OXError) as gone:
            connector.cancel(transfers["1002"])
    assert set(status) == {transfers["1001"].reference}
    assert gone.value.code == "OX-WRT-005"


# === test db ==================================================================================
STAGES = ["connect", "TLS", "server version", "schema variant", "tables and columns",
          "storage engines", "grants", "optional features", "reference data", "customers",
          "trial write"]
WRITTEN = ["sales_order", "sales_order_grid", "sales_order_address", "sales_order_item",
           "sales_order_payment", "sales_order_status_history", "sales_order_tax",
           "sales_order_tax_item", "customer_entity", "customer_address_entity",
           "customer_grid_flat", "sequence_order_1"]


def test_self_test_on_a_good_shop_and_the_trial_write_leaves_nothing(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    before = {t: count(shop, t) for t in WRITTEN}
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert [s.name for s in report.stages] == STAGES
    details = {s.name: s.detail for s in report.stages}
    assert details["schema variant"] == (
        "Magento 2.4, store 1 'Default Store View' of website 1 'Main Website', base currency "
        "EUR, order numbers from sequence_order_1, sales_order_grid written with each order, "
        "table prefix ''")
    assert details["reference data"] == (
        "order_status pending (state new); new customers in group 1 (General); currencies "
        "EUR 1, GBP 0.8565, CHF 0.9412")
    assert details["optional features"] == "tracking read-back: on; stock check: on"
    assert details["trial write"].startswith("sample order for A-100 written as order ")
    assert {t: count(shop, t) for t in WRITTEN} == before


def test_least_privilege_user_missing_grants_are_reported_with_the_fix(shop, prepare,
                                                                       shop_user):
    account, statements, _source = prepare(alpha(shop), [ANNA]).connector().setup_grants()
    grid_grant = next(g for g in statements if "`sales_order_grid`" in g)
    user = shop_user(shop, {})
    root_execute(shop, *(g.replace(account, f"'{user.name}'@'%'") for g in statements
                         if g != grid_grant and not g.startswith("--")))
    run = prepare({"alpha": user.section({"type": "magento"})}, [BERND])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["grants"].ok
    fix = f"GRANT INSERT, SELECT, UPDATE ON `{shop.database}`.`sales_order_grid` " \
          f"TO '{user.name}'@'%';"
    assert stage["grants"].detail.startswith("OX-DB-007: ") and fix in stage["grants"].detail
    assert stage["trial write"].detail == "skipped: fix the stages above first"
    root_execute(shop, fix)
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()  # and the least-privilege user sends for real
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(grid(shop)) == 1


def test_missing_grid_table_is_reported(shop, prepare):
    root_execute(shop, "DROP TABLE sales_order_grid")
    report = prepare(alpha(shop), [ANNA]).connector().self_test()
    assert report.missing == ["sales_order_grid"]
    assert report.stages[-1].name == "tables and columns"


def test_a_table_prefix_and_a_sequence_prefix(mariadb_db, prepare):
    load_schema(mariadb_db.url, SCHEMA, prefix="mg_")
    root_execute(mariadb_db, "UPDATE mg_sales_sequence_profile SET prefix = 'DE-', "
                             "start_value = 1000, step = 1 WHERE meta_id = 2",
                 "ALTER TABLE mg_sequence_order_1 AUTO_INCREMENT = 1000")
    run = prepare(alpha(mariadb_db, {"table_prefix": "mg_"}), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert run.transfers()["1001"].remote_order_id == "DE-000001000"
    assert [r["increment_id"] for r in query(mariadb_db, "SELECT increment_id FROM "
                                                         "mg_sales_order_grid")] == [
        "DE-000001000"]


def test_a_table_that_is_not_innodb_stops_test_db_and_step_1(shop, prepare):
    """Magento declares every table InnoDB; one converted to MyISAM would make a chunk half
    visible after a crash: test db says which, and step 1 holds every order."""
    root_execute(shop, "ALTER TABLE sales_order_grid ENGINE=MyISAM")
    run = prepare(alpha(shop), [ANNA])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["schema variant"].ok
    assert stage["schema variant"].detail.startswith("OX-DB-010: ")
    assert "sales_order_grid not InnoDB" in stage["schema variant"].detail
    assert stage["trial write"].detail == "skipped: fix the stages above first"
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert {f.code for f in result.findings if f.blocking} == {"OX-DB-010"}
    assert count(shop, "sales_order") == 0 and count(shop, "sales_order_grid") == 0
