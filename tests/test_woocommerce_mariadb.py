"""The WooCommerce connector against a real MariaDB: what lands in the shop, row by row.

A WordPress 6 / WooCommerce 9 shop from shop_schemas/woocommerce_mysql.sql in its three order
storages — HPOS (a new shop's default), the legacy posts storage, and HPOS with the
compatibility mode that keeps the posts in step — driven through the real path (import → build →
Dispatcher.send) and read back with the queries WooCommerce's own admin order list runs:

- HPOS: plugins/woocommerce/src/Internal/Admin/Orders/ListTable.php prepare_items → wc_get_orders
  → OrdersTableQuery (`type IN ('shop_order') AND status IN (…the statuses of the "All" view…)
  ORDER BY date_created_gmt DESC`), each order then read by OrdersTableDataStore
  get_order_data_for_ids_from_db (wc_orders LEFT JOIN wc_order_addresses … address_type =
  'billing').
- posts: edit.php?post_type=shop_order, the WP_Query WooCommerce's
  includes/admin/list-tables/class-wc-admin-list-table-orders.php request_query filter restricts
  to the order statuses (`post_type = 'shop_order' AND post_status IN (…) ORDER BY post_date
  DESC`), the columns read from postmeta (_order_total, _order_currency, _billing_*).

Expected values are written out by hand from the sample data. No wall-clock assertions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import phpserialize
import pytest
from helpers import bernd_order, sample_order
from shopdb import (  # noqa: F401 - prepare and shop_user are fixtures
    connection_lost, count, load_schema, prepare, query, root_execute, server_sql_mode, shop_user,
    supplier_alpha,
)

from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugins import woocommerce

SCHEMA = "woocommerce_mysql.sql"
#: the statuses of the admin list's "All" view: wc_get_order_statuses() without those registered
#: with show_in_admin_all_list = false (wc-checkout-draft)
ALL_VIEW = ("'wc-pending', 'wc-processing', 'wc-on-hold', 'wc-completed', 'wc-cancelled', "
            "'wc-refunded', 'wc-failed'")
HPOS_LIST = ("SELECT o.id, o.status, o.total_amount AS total, o.currency, o.customer_id, "
             "CONCAT(b.first_name, ' ', b.last_name) AS name, b.email, b.phone "
             "FROM wp_wc_orders o LEFT JOIN wp_wc_order_addresses b ON b.order_id = o.id "
             "AND b.address_type = 'billing' "
             f"WHERE o.type IN ('shop_order') AND o.status IN ({ALL_VIEW}) "
             "ORDER BY o.date_created_gmt DESC, o.id DESC")
POSTS_LIST = ("SELECT p.ID AS id, p.post_status AS status, "
              "(SELECT meta_value FROM wp_postmeta WHERE post_id = p.ID AND meta_key = "
              "'_order_total') AS total, "
              "(SELECT meta_value FROM wp_postmeta WHERE post_id = p.ID AND meta_key = "
              "'_order_currency') AS currency, "
              "(SELECT meta_value FROM wp_postmeta WHERE post_id = p.ID AND meta_key = "
              "'_customer_user') AS customer_id, "
              "CONCAT((SELECT meta_value FROM wp_postmeta WHERE post_id = p.ID AND meta_key = "
              "'_billing_first_name'), ' ', (SELECT meta_value FROM wp_postmeta WHERE post_id = "
              "p.ID AND meta_key = '_billing_last_name')) AS name, "
              "(SELECT meta_value FROM wp_postmeta WHERE post_id = p.ID AND meta_key = "
              "'_billing_email') AS email, "
              "(SELECT meta_value FROM wp_postmeta WHERE post_id = p.ID AND meta_key = "
              "'_billing_phone') AS phone "
              "FROM wp_posts p WHERE p.post_type = 'shop_order' "
              f"AND p.post_status IN ({ALL_VIEW}) ORDER BY p.post_date DESC, p.ID DESC")

ANNA = sample_order("1001")  # 2 × A-100 at 7.20, 19 % → 14.40 + 2.74 + 4.90 = 22.04
# 3 × A-200 at 10.80 (19 %) + 1 × A-100 at 7.20 (7 %) → 51.16; WooCommerce's state code, and
# the phone number sample_order gives a new customer of order 1002
BERND = bernd_order(customer={"phone": "+49 40 5001002"}, billing={"state": "BY"})

STORAGES = {"hpos": ("yes", "no"), "posts": ("no", "no"), "hpos-sync": ("yes", "yes")}


def make_shop(db: Any, storage: str, engine: str = "InnoDB") -> Any:
    load_schema(db.url, SCHEMA, prefix="wp_", engine=engine)
    hpos, sync = STORAGES[storage]
    root_execute(db, f"UPDATE wp_options SET option_value = '{hpos}' WHERE option_name = "
                     f"'woocommerce_custom_orders_table_enabled'",
                 f"UPDATE wp_options SET option_value = '{sync}' WHERE option_name = "
                 f"'woocommerce_custom_orders_table_data_sync_enabled'")
    db.storage = storage
    return db


@pytest.fixture(params=sorted(STORAGES))
def shop(request, mariadb_db):
    return make_shop(mariadb_db, request.param)


alpha = supplier_alpha("woocommerce")


def admin_list(db, storage: str) -> list[dict[str, Any]]:
    rows = query(db, HPOS_LIST if storage.startswith("hpos") else POSTS_LIST)
    return [{"id": int(r["id"]), "status": r["status"], "total": Decimal(str(r["total"])),
             "currency": r["currency"], "customer_id": int(r["customer_id"]), "name": r["name"],
             "email": r["email"], "phone": r["phone"]} for r in rows]


def items(db, order_id: int) -> list[tuple[str, str, dict[str, str]]]:
    """The order view's items (WC_Abstract_Order::get_items reads them with their meta)."""
    out = []
    for item in query(db, "SELECT order_item_id, order_item_name, order_item_type FROM "
                          "wp_woocommerce_order_items WHERE order_id = :o ORDER BY "
                          "order_item_id", o=order_id):
        meta = {r["meta_key"]: r["meta_value"] for r in query(
            db, "SELECT meta_key, meta_value FROM wp_woocommerce_order_itemmeta WHERE "
                "order_item_id = :i", i=item["order_item_id"])}
        out.append((item["order_item_type"], item["order_item_name"], meta))
    return out


def full_send_and_verify(db, prepare, storage: str) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    [result] = run.send()
    assert result.error is None and result.state == S.NOTIFIED, result.as_dict()
    assert (result.written, result.already_there, result.customers_created) == (2, 0, 1)
    transfers = run.transfers()
    assert {n: t.customer_match for n, t in transfers.items()} == {"1001": "email",
                                                                  "1002": "new"}
    ids = {n: int(t.remote_order_id) for n, t in transfers.items()}
    [bernd] = query(db, "SELECT * FROM wp_users WHERE user_email = 'bernd.bauer@example.com'")

    listed = admin_list(db, storage)
    assert sorted(listed, key=lambda r: r["id"]) == [
        {"id": ids["1001"], "status": "wc-processing", "total": Decimal("22.04"),
         "currency": "EUR", "customer_id": 2, "name": "Anna Schmidt",
         "email": "anna.schmidt@example.com", "phone": "+49301234567"},
        {"id": ids["1002"], "status": "wc-processing", "total": Decimal("51.16"),
         "currency": "EUR", "customer_id": bernd["ID"], "name": "Bernd Bauer",
         "email": "bernd.bauer@example.com", "phone": "+49405001002"}]

    # the order view: lines with the shop's product, tax items per rate, shipping
    view = items(db, ids["1002"])
    assert [(kind, name) for kind, name, _m in view] == [
        ("line_item", "Screwdriver set, 6 pieces"), ("line_item", "Claw hammer 450 g"),
        ("tax", "AT-MwSt.-1"), ("tax", "AT-MwSt. ermäßigt-2"), ("shipping", "Drop shipping")]
    line = view[0][2]
    assert (line["_product_id"], line["_qty"], line["_line_total"], line["_line_tax"],
            line["_tax_class"]) == ("11", "3", "32.40", "6.16", "")
    assert phpserialize.loads(line["_line_tax_data"].encode(), decode_strings=True) == {
        "total": {1: "6.16"}, "subtotal": {1: "6.16"}}
    assert view[1][2]["_tax_class"] == "reduced-rate" and view[1][2]["_line_tax"] == "0.50"
    assert [(m["rate_id"], m["tax_amount"], m["rate_percent"]) for k, _n, m in view
            if k == "tax"] == [("1", "6.16", "19"), ("2", "0.50", "7")]
    assert view[4][2]["cost"] == "4.90"

    if storage.startswith("hpos"):
        [order] = query(db, "SELECT * FROM wp_wc_orders WHERE id = :o", o=ids["1002"])
        assert (order["tax_amount"], order["type"], order["payment_method_title"]) == (
            Decimal("6.66000000"), "shop_order", "Drop shipping via orderexchange")
        addresses = {r["address_type"]: r for r in query(
            db, "SELECT * FROM wp_wc_order_addresses WHERE order_id = :o", o=ids["1002"])}
        assert (addresses["billing"]["company"], addresses["billing"]["address_2"],
                addresses["billing"]["state"]) == ("Bauer Bau GmbH", "Hinterhaus", "BY")
        assert (addresses["shipping"]["first_name"], addresses["shipping"]["city"],
                addresses["shipping"]["country"]) == ("Clara", "Wien", "AT")
        [op] = query(db, "SELECT * FROM wp_wc_order_operational_data WHERE order_id = :o",
                     o=ids["1002"])
        assert op["order_key"].startswith("wc_order_") and op["created_via"] == "orderexchange"
        assert op["shipping_total_amount"] == Decimal("4.90000000")
        [post] = query(db, "SELECT post_type, post_status FROM wp_posts WHERE ID = :o",
                       o=ids["1002"])
        synced = storage == "hpos-sync"
        assert post == ({"post_type": "shop_order", "post_status": "wc-processing"} if synced
                        else {"post_type": "shop_order_placehold", "post_status": "draft"})
        assert bool(count(db, "wp_postmeta", "post_id = :o", o=ids["1002"])) == synced
    else:
        assert count(db, "wp_wc_orders") == 0  # the HPOS tables stay untouched
        meta = {r["meta_key"]: r["meta_value"] for r in query(
            db, "SELECT meta_key, meta_value FROM wp_postmeta WHERE post_id = :o",
            o=ids["1002"])}
        assert (meta["_order_tax"], meta["_order_shipping"], meta["_shipping_city"],
                meta["_billing_company"]) == ("6.66", "4.90", "Wien", "Bauer Bau GmbH")

    # the new customer: a WordPress user with the customer role and no password
    assert (bernd["user_login"], bernd["user_pass"], bernd["display_name"]) == (
        "bernd.bauer@example.com", "", "Bernd Bauer")
    umeta = {r["meta_key"]: r["meta_value"] for r in query(
        db, "SELECT meta_key, meta_value FROM wp_usermeta WHERE user_id = :u", u=bernd["ID"])}
    assert umeta["wp_capabilities"] == 'a:1:{s:8:"customer";b:1;}'
    assert (umeta["billing_city"], umeta["shipping_city"], umeta["billing_phone"]) == (
        "München", "Wien", "+49405001002")
    assert count(db, "wp_users") == 4

    # the analytics reports' rows
    stats = {r["order_id"]: r for r in query(db, "SELECT * FROM wp_wc_order_stats")}
    assert set(stats) == set(ids.values())
    s = stats[ids["1002"]]
    assert (s["status"], s["num_items_sold"], s["total_sales"], s["tax_total"],
            s["shipping_total"], s["net_total"]) == ("wc-processing", 4, 51.16, 6.66, 4.9, 39.6)
    assert stats[ids["1001"]]["customer_id"] == 1  # Anna's existing analytics customer
    assert count(db, "wp_wc_order_product_lookup") == 3
    assert count(db, "wp_wc_customer_lookup", "email = 'bernd.bauer@example.com'") == 1


def test_full_send_known_and_new_customer_strict(shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(shop)
    full_send_and_verify(shop, prepare, shop.storage)


@pytest.mark.parametrize("storage", ["hpos", "posts"])
def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare, storage):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    full_send_and_verify(make_shop(mariadb_nonstrict_db, storage), prepare, storage)


def test_a_second_send_changes_nothing(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [first] = run.send()
    assert first.state == S.NOTIFIED, first.as_dict()
    before = admin_list(shop, shop.storage)
    with run.connector() as connector:  # the references are found, so nothing is written
        found = connector.find_by_references([t.reference for t in run.transfers().values()])
    assert sorted(int(r.order_id) for r in found.values()) == sorted(r["id"] for r in before)
    run.send()
    assert admin_list(shop, shop.storage) == before
    assert count(shop, "wp_woocommerce_order_items") == 8


def test_guest_orders_have_customer_zero(shop, prepare):
    run = prepare(alpha(shop, customer_policy="guest", guest_customer_id=0), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(shop, shop.storage)
    assert (row["customer_id"], row["name"], row["email"]) == (0, "Bernd Bauer",
                                                               "bernd.bauer@example.com")
    assert count(shop, "wp_users") == 3
    [guest] = query(shop, "SELECT user_id, email FROM wp_wc_customer_lookup WHERE email = "
                          "'bernd.bauer@example.com'")
    assert guest["user_id"] is None


def test_blind_drop_ship_bills_the_distributor(mariadb_db, prepare):
    db = make_shop(mariadb_db, "hpos")
    run = prepare(alpha(db, customer_policy="distributor", distributor_customer_id=3), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(db, "hpos")
    assert (row["customer_id"], row["name"], row["email"]) == (3, "ACME Distribution",
                                                               "orders@acme.example")
    shipping = query(db, "SELECT first_name, city FROM wp_wc_order_addresses WHERE "
                         "address_type = 'shipping'")
    assert shipping == [{"first_name": "Clara", "city": "Wien"}]
    assert not any("bernd" in str(v).lower() for r in query(
        db, "SELECT * FROM wp_wc_order_addresses") for v in r.values())


def test_taxed_shipping_is_the_shipping_items_own_tax(mariadb_db, prepare):
    # shipping_tax_rate 19: 4.90 shipping + 0.93 VAT; the lines 14.40 + 2.74 → total 22.97
    db = make_shop(mariadb_db, "hpos-sync")
    run = prepare(alpha(db, shipping_tax_rate="19"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = admin_list(db, "hpos-sync")
    assert row["total"] == Decimal("22.97")
    [order] = query(db, "SELECT tax_amount FROM wp_wc_orders")
    [op] = query(db, "SELECT shipping_tax_amount, shipping_total_amount FROM "
                     "wp_wc_order_operational_data")
    assert (order["tax_amount"], op["shipping_tax_amount"], op["shipping_total_amount"]) == (
        Decimal("2.74000000"), Decimal("0.93000000"), Decimal("4.90000000"))
    view = {kind: meta for kind, _n, meta in items(db, row["id"])}
    assert (view["tax"]["tax_amount"], view["tax"]["shipping_tax_amount"]) == ("2.74", "0.93")
    assert view["shipping"]["total_tax"] == "0.93"
    assert phpserialize.loads(view["shipping"]["taxes"].encode(), decode_strings=True) == {
        "total": {1: "0.93"}}
    meta = {r["meta_key"]: r["meta_value"] for r in query(
        db, "SELECT meta_key, meta_value FROM wp_postmeta WHERE post_id = :o", o=row["id"])}
    assert (meta["_order_tax"], meta["_order_shipping_tax"], meta["_order_total"]) == (
        "2.74", "0.93", "22.97")
    [stats] = query(db, "SELECT tax_total, shipping_total, net_total FROM wp_wc_order_stats")
    assert stats == {"tax_total": 3.67, "shipping_total": 4.9, "net_total": 14.4}


def test_an_order_in_another_currency_is_refused(shop, prepare):
    # WooCommerce keeps one shop currency and no exchange rates
    chf = sample_order("1003", email="carla@example.com", first="Carla", last="Neu",
                       currency="CHF")
    run = prepare(alpha(shop), [chf])
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert {(f.order, f.code) for f in result.findings if f.blocking} == {("1003", "OX-CHK-010")}
    assert admin_list(shop, shop.storage) == [] and count(shop, "wp_posts") == 3


# === crash in the middle of a write ============================================================
lost_connection = connection_lost("INSERT INTO wp_wc_order_stats …")


@pytest.mark.parametrize("engine", ["MyISAM", "InnoDB"])
@pytest.mark.parametrize("storage", ["hpos", "posts"])
def test_crash_mid_write_then_retry_writes_the_order_exactly_once(mariadb_db, prepare,
                                                                  monkeypatch, engine, storage):
    db = make_shop(mariadb_db, storage, engine)
    run = prepare(alpha(db), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(woocommerce.WooCommerceConnector, "_insert_analytics", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED
    assert failed.error is not None and failed.error.code == "OX-DB-002"
    assert admin_list(db, storage) == []  # never listed half-written
    if engine == "MyISAM":  # no rollback: a hidden order with its items stayed behind
        assert count(db, "wp_woocommerce_order_items") == 5
        assert count(db, "wp_posts", "post_status = 'draft' AND post_type LIKE 'shop_order%'") == 1
    else:
        assert count(db, "wp_woocommerce_order_items") == 0 and count(db, "wp_users") == 3

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [row] = admin_list(db, storage)
    assert run.transfers()["1002"].remote_order_id == str(row["id"])
    assert row["total"] == Decimal("51.16")
    assert count(db, "wp_woocommerce_order_items") == 5  # the half-written one is gone
    assert count(db, "wp_posts", "post_type LIKE 'shop_order%'") == 1
    assert count(db, "wp_users", "user_email = 'bernd.bauer@example.com'") == 1
    assert count(db, "wp_wc_order_stats") == 1


# === chunks: one transaction on InnoDB, one order at a time on MyISAM ===========================
def refuse(*_args: Any, **_kwargs: Any) -> None:
    raise AssertionError("this path must not be taken here")


@pytest.mark.parametrize("engine, unused", [("InnoDB", "write"), ("MyISAM", "write_batch")])
def test_innodb_writes_a_chunk_in_one_transaction_myisam_one_by_one(mariadb_db, prepare,
                                                                    monkeypatch, engine, unused):
    db = make_shop(mariadb_db, "hpos", engine)
    run = prepare(alpha(db), [ANNA, BERND])
    monkeypatch.setattr(woocommerce.WooCommerceConnector, unused, refuse)
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 2, result.as_dict()
    assert sorted(r["id"] for r in admin_list(db, "hpos")) == sorted(
        int(t.remote_order_id) for t in run.transfers().values())
    assert count(db, "wp_woocommerce_order_items") == 3 + 5


def test_one_new_customer_twice_in_a_chunk_becomes_one_user(mariadb_db, prepare):
    db = make_shop(mariadb_db, "hpos")
    again = sample_order("1004", email="Bernd.Bauer@example.com", first="Bernd", last="Bauer",
                         phone="+49 40 5001002")
    run = prepare(alpha(db), [BERND, again, ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 3, result.as_dict()
    assert result.customers_created == 1
    assert {n: t.customer_match for n, t in run.transfers().items()} == {
        "1001": "email", "1002": "new", "1004": "email"}
    [bernd] = query(db, "SELECT ID FROM wp_users WHERE user_email = 'bernd.bauer@example.com'")
    assert sorted(r["customer_id"] for r in admin_list(db, "hpos")) == [2, bernd["ID"],
                                                                         bernd["ID"]]
    assert count(db, "wp_wc_customer_lookup") == 3  # Anna, ACME, Bernd
    stats = query(db, "SELECT returning_customer FROM wp_wc_order_stats ORDER BY order_id")
    assert [r["returning_customer"] for r in stats] == [0, 1, 0]


def test_a_bad_order_in_a_chunk_fails_alone_and_the_chunk_leaves_nothing(mariadb_db, prepare,
                                                                         monkeypatch):
    db = make_shop(mariadb_db, "hpos")
    run = prepare(alpha(db), [ANNA, BERND])
    real = woocommerce.WooCommerceConnector._insert_items
    chunks = []

    def bad_bernd(self, order_id, transfer, *args):
        if transfer.customer_order.number == "1002":
            raise OXError("OX-WRT-002", order="1002", supplier="alpha", id=0,
                          detail="a value the shop refuses")
        return real(self, order_id, transfer, *args)

    real_batch = woocommerce.WooCommerceConnector.write_batch

    def counting_batch(self, so, transfers):
        chunks.append([t.customer_order.number for t in transfers])
        return real_batch(self, so, transfers)

    with monkeypatch.context() as patch:
        patch.setattr(woocommerce.WooCommerceConnector, "_insert_items", bad_bernd)
        patch.setattr(woocommerce.WooCommerceConnector, "write_batch", counting_batch)
        [failed] = run.send()
    assert chunks == [["1001", "1002"]]  # tried as one chunk first
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-WRT-002"
    assert failed.written == 1  # Anna then alone; the chunk's rows were rolled back
    assert len(admin_list(db, "hpos")) == 1 and count(db, "wp_users") == 3
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1 and again.already_there == 0
    assert len(admin_list(db, "hpos")) == 2 and count(db, "wp_users") == 4


# === the exactly-once look-up stays an index look-up ============================================
@pytest.mark.parametrize("storage", ["hpos", "posts"])
def test_reference_lookup_uses_an_index(mariadb_db, prepare, storage):
    db = make_shop(mariadb_db, storage)
    run = prepare(alpha(db), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    reference = run.transfers()["1001"].reference
    if storage == "hpos":
        plan = query(db, "EXPLAIN SELECT o.id FROM wp_wc_orders_meta m JOIN wp_wc_orders o ON "
                         "o.id = m.order_id WHERE m.meta_key = :k AND m.meta_value IN (:r)",
                     k=woocommerce.REFERENCE_KEY, r=reference)
        assert plan[0]["table"] == "m" and plan[0]["key"] in ("meta_key_value",
                                                              "order_id_meta_key_meta_value")
    else:
        plan = query(db, "EXPLAIN SELECT p.ID FROM wp_postmeta m JOIN wp_posts p ON p.ID = "
                         "m.post_id WHERE m.meta_key = :k AND m.meta_value IN (:r)",
                     k=woocommerce.REFERENCE_KEY, r=reference)
        assert plan[0]["table"] == "m" and plan[0]["key"] == "meta_key"
    with run.connector() as connector:
        assert connector.find_by_reference(reference).order_id == \
            run.transfers()["1001"].remote_order_id


# === the way back: read-back and cancel ========================================================
def test_read_back_status_tracking_and_cancel(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    anna_id, bernd_id = (int(transfers[n].remote_order_id) for n in ("1001", "1002"))
    tracking = phpserialize.dumps([{"tracking_provider": "dhl",
                                    "tracking_number": "00340434161234567890",
                                    "date_shipped": 1772445600}]).decode()
    if shop.storage.startswith("hpos"):
        root_execute(shop, f"UPDATE wp_wc_orders SET status = 'wc-completed' WHERE id = {anna_id}")
        meta = "wp_wc_orders_meta (order_id"
    else:
        root_execute(shop, f"UPDATE wp_posts SET post_status = 'wc-completed' "
                           f"WHERE ID = {anna_id}")
        meta = "wp_postmeta (post_id"
    conn = shop.root_connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO {meta}, meta_key, meta_value) VALUES (%s, %s, %s)",
                        (anna_id, "_wc_shipment_tracking_items", tracking))
        conn.commit()
    finally:
        conn.close()
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
    anna, bernd = status[transfers["1001"].reference], status[transfers["1002"].reference]
    assert (anna.order_id, anna.status, anna.status_id, anna.progressed, anna.cancelled,
            anna.tracking_number, anna.shipped_at) == (
        str(anna_id), "Completed", "wc-completed", True, False, "00340434161234567890",
        "2026-03-02 10:00:00")
    assert (bernd.status, bernd.progressed, bernd.cancelled, bernd.tracking_number) == (
        "Processing", False, False, None)

    with run.connector() as connector:
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])  # twice: nothing more happens
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])  # already completed
        status = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004" and "Completed (wc-completed)" in \
        refused.value.message
    assert status[transfers["1002"].reference].cancelled
    assert status[transfers["1002"].reference].status == "Cancelled"
    assert {r["id"]: r["status"] for r in admin_list(shop, shop.storage)} == {
        anna_id: "wc-completed", bernd_id: "wc-cancelled"}
    assert query(shop, "SELECT status FROM wp_wc_order_stats WHERE order_id = :o",
                 o=bernd_id) == [{"status": "wc-cancelled"}]
    if shop.storage == "hpos-sync":  # the synchronised post follows
        assert query(shop, "SELECT post_status FROM wp_posts WHERE ID = :o", o=bernd_id) == [
            {"post_status": "wc-cancelled"}]

    table, column = (("wp_wc_orders", "id") if shop.storage.startswith("hpos")
                     else ("wp_posts", "ID"))
    root_execute(shop, f"DELETE FROM {table} WHERE {column} = {bernd_id}")
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
WRITTEN = ["wp_posts", "wp_postmeta", "wp_users", "wp_usermeta", "wp_woocommerce_order_items",
           "wp_woocommerce_order_itemmeta", "wp_wc_order_stats", "wp_wc_order_product_lookup",
           "wp_wc_customer_lookup", "wp_wc_orders", "wp_wc_order_addresses",
           "wp_wc_order_operational_data", "wp_wc_orders_meta"]


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_self_test_on_a_good_shop_and_the_trial_write_leaves_nothing(mariadb_db, prepare,
                                                                     engine):
    db = make_shop(mariadb_db, "hpos-sync", engine)
    run = prepare(alpha(db), [ANNA])
    before = {t: count(db, t) for t in WRITTEN}
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert [s.name for s in report.stages] == STAGES
    details = {s.name: s.detail for s in report.stages}
    assert details["schema variant"] == ("WooCommerce 9.4.2, HPOS (wc_orders) from the shop's "
                                         "settings, compatibility mode on (both storages "
                                         "written), table prefix 'wp_'")
    assert details["reference data"] == ("order_status wc-processing = Processing; shop "
                                         "currency EUR (woocommerce_currency); 2 tax rates")
    assert details["optional features"] == "tax rates: on"
    assert details["trial write"].startswith("sample order for A-100 written as order ")
    assert {t: count(db, t) for t in WRITTEN} == before


def test_least_privilege_user_missing_grants_are_reported_with_the_fix(mariadb_db, prepare,
                                                                       shop_user):
    db = make_shop(mariadb_db, "hpos")
    grants = {t: "SELECT, INSERT, UPDATE" for t in WRITTEN}
    grants.update({"wp_options": "SELECT", "wp_wc_product_meta_lookup": "SELECT",
                   "wp_woocommerce_tax_rates": "SELECT",
                   "wp_wc_orders": "SELECT, INSERT"})  # no UPDATE: the status cannot be set
    user = shop_user(db, grants)
    run = prepare({"alpha": user.section({"type": "woocommerce"})}, [BERND])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["grants"].ok
    fix = f"GRANT UPDATE ON `{db.database}`.`wp_wc_orders` TO '{user.name}'@'%';"
    assert stage["grants"].detail.startswith("OX-DB-007: ") and fix in stage["grants"].detail
    assert stage["trial write"].detail == "skipped: fix the stages above first"
    root_execute(db, fix)
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()  # and the least-privilege user sends for real
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(admin_list(db, "hpos")) == 1


def test_missing_hpos_table_is_reported(mariadb_db, prepare):
    db = make_shop(mariadb_db, "hpos")
    root_execute(db, "DROP TABLE wp_wc_order_addresses")
    report = prepare(alpha(db), [ANNA]).connector().self_test()
    assert report.missing == ["wp_wc_order_addresses"]
    assert report.stages[-1].name == "tables and columns"


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_the_grants_supplier_setup_prints_are_all_a_user_needs(mariadb_db, prepare, shop_user,
                                                                engine):
    """`supplier-setup` reads the live schema with the shop's own user and prints the least
    privileges; a user given exactly those passes `test db` and sends (DELETE only on MyISAM)."""
    db = make_shop(mariadb_db, "hpos-sync", engine)
    account, statements, source = prepare(alpha(db), [ANNA]).connector().setup_grants()
    assert source == "read from the shop's live schema"
    assert any("`wp_wc_orders`" in g for g in statements)
    assert any("DELETE" in g for g in statements) is (engine == "MyISAM")
    user = shop_user(db, {})
    root_execute(db, *(g.replace(account, f"'{user.name}'@'%'") for g in statements))
    run = prepare({"alpha": user.section({"type": "woocommerce"})}, [BERND])
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert len(admin_list(db, "hpos-sync")) == 1
