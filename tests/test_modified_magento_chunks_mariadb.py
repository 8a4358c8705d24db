"""Round trips of a modified eCommerce and a Magento chunk (issue 15), on the real MariaDB.

What made modified twice as slow as osCommerce at 10,000 orders was two look-ups per order in
the chunk path (the customer's group facts: its row, then its group's name and price mode).
Each test counts the statements the shop's server received during one send of several orders
and reads the orders back with the shop admin's own list and view queries.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from helpers import bernd_order, sample_order
from shopdb import load_schema, prepare, query  # noqa: F401 - prepare: fixture
import test_magento_mariadb as magento
from test_chunk_round_trips_mariadb import statements  # noqa: F401 - fixture
from test_modified_mariadb import (
    ACME_ID, ADMIN_LIST, ANNA_ID, LINES, TOTALS, alpha, order_view,
)

from orderexchange.model import SupplierOrderState as S


def test_modified_chunk_reads_the_customers_group_facts_once_not_per_order(
        mariadb_db, prepare, statements):
    """Eight orders in one InnoDB chunk: Anna (group 2, gross prices), the distributor's
    merchant account found by its email (group 3, net prices, number H-900) and six new
    customers. The customers' group facts are one query for the chunk and the groups one
    for the send; each order still shows its own group, number and totals in the admin."""
    load_schema(mariadb_db.url, "modified_mysql.sql", engine="InnoDB")
    new = [sample_order(str(1010 + k), email=f"new{k}@example.com", first=f"Neu{k}",
                        last="Kunde") for k in range(6)]
    acme = sample_order("1009", email="shop@acme.example", first="ACME", last="Einkauf")
    run = prepare(alpha(mariadb_db), [sample_order("1001"), acme, *new])
    statements.clear()
    [result] = run.send()
    assert result.error is None and result.state == S.NOTIFIED, result.as_dict()
    assert (result.written, result.customers_created) == (8, 6)
    assert statements["SELECT customers_status"] == 1  # not once per order
    # step 1's matching (2), the chunk's confirmation of ids and emails (2) and the group
    # facts (1): none per order (12 when the facts were asked per order)
    assert statements["SELECT customers"] <= 5, statements
    assert statements["INSERT orders"] == 1 and statements["INSERT orders_total"] == 1

    transfers = run.transfers()
    ids = {n: int(t.remote_order_id) for n, t in transfers.items()}
    listed = {r["orders_id"]: r for r in query(mariadb_db, ADMIN_LIST)}
    assert len(listed) == 8
    assert (listed[ids["1001"]]["customers_cid"], listed[ids["1001"]]["total"],
            listed[ids["1001"]]["text"]) == ("K-1001", Decimal("22.0400"),
                                             "<strong>22,04 EUR</strong>")
    assert listed[ids["1009"]]["customers_cid"] == "H-900"
    anna, merchant = order_view(mariadb_db, ids["1001"]), order_view(mariadb_db, ids["1009"])
    assert (anna["order"]["customers_id"], anna["order"]["customers_status_name"]) == (
        ANNA_ID, "New customer")
    assert anna["totals"] == TOTALS["1001"]
    o = merchant["order"]
    assert (o["customers_id"], o["customers_status"], o["customers_status_name"],
            o["currency"]) == (ACME_ID, 3, "Merchant", "EUR")
    # net group: 2 × 7.20 = 14.40 net, shipping 4.90 net, 19 % VAT 2.74 added, 22.04
    assert merchant["totals"] == [
        ("ot_subtotal", "Sub-Total:", "14,40 EUR", Decimal("14.4000"), 10),
        ("ot_shipping", "Shipping:", "4,90 EUR", Decimal("4.9000"), 30),
        ("ot_tax", "plus 19% VAT:", "2,74 EUR", Decimal("2.7400"), 50),
        ("ot_total", "Total:", "<strong>22,04 EUR</strong>", Decimal("22.0400"), 99)]
    for k in range(6):
        view = order_view(mariadb_db, ids[str(1010 + k)])
        o = view["order"]
        assert (o["customers_name"], o["customers_email_address"], o["customers_status_name"],
                o["account_type"]) == (f"Neu{k} Kunde", f"new{k}@example.com",
                                       "New customer", 0)
        assert int(o["customers_id"]) == int(transfers[str(1010 + k)].remote_customer_id)
        assert view["totals"] == TOTALS["1001"]


def test_modified_myisam_writes_each_order_with_the_groups_read_once(
        mariadb_db, prepare, statements):
    """MyISAM keeps the visible-last single write per order (its lines and totals one
    multi-row INSERT each, driver statements); the group's name and price mode are read once
    per send, and each order is listed and shown right."""
    load_schema(mariadb_db.url, "modified_mysql.sql", engine="MyISAM")
    run = prepare(alpha(mariadb_db), [sample_order("1001"), bernd_order(),
                                      sample_order("1003", email="c3@example.com",
                                                   first="Carl", last="Drei")])
    statements.clear()
    [result] = run.send()
    assert result.error is None and result.written == 3, result.as_dict()
    assert statements["SELECT customers_status"] == 1
    assert statements["UPDATE orders"] == 3  # each order made visible last, on its own
    # an order's lines and its totals: one INSERT each (4 lines and 13 totals were 17)
    assert (statements["INSERT orders_products"], statements["INSERT orders_total"]) == (3, 3)
    view = order_view(mariadb_db, 2)
    assert (view["order"]["customers_name"], view["lines"], view["totals"]) == (
        "Bernd Bauer", LINES["1002"], TOTALS["1002"])
    assert [(r["customers_name"], r["status"]) for r in query(mariadb_db, ADMIN_LIST)] == [
        ("Anna Schmidt", "Pending"), ("Bernd Bauer", "Pending"), ("Carl Drei", "Pending")]


def test_magento_chunk_reads_known_customers_groups_once_not_per_order(
        mariadb_db, prepare, statements):
    """Eight orders in one chunk: Anna twice (group 1), ACME's account by its email (group 2)
    twice and four new customers (the default group 1). One look-up of the known customers'
    groups for the chunk instead of one per order, the sequence profile once; the admin's order grid shows each order
    with its customer, group and total, numbered from the store's sequence in one INSERT."""
    load_schema(mariadb_db.url, magento.SCHEMA)
    acme = [sample_order(n, email="orders@acme.example", first="ACME", last="Distribution")
            for n in ("1003", "1004")]
    new = [sample_order(str(1010 + k), email=f"new{k}@example.com", first=f"Neu{k}",
                        last="Kunde") for k in range(4)]
    run = prepare(magento.alpha(mariadb_db),
                  [sample_order("1001"), sample_order("1002"), *acme, *new])
    statements.clear()
    [result] = run.send()
    assert result.error is None and result.state == S.NOTIFIED, result.as_dict()
    assert (result.written, result.customers_created) == (8, 4)
    # step 1's match, the chunk's match and the chunk's groups (8 when asked per order)
    assert statements["SELECT customer_entity"] <= 3, statements
    assert statements["INSERT sequence_order_1"] == 1
    # the store's sequence profile: read once per connection (3 per chunk before)
    assert statements["SELECT sales_sequence_meta"] == 1, statements
    assert statements["INSERT sales_order"] == 1 and statements["INSERT sales_order_grid"] == 1

    rows = {r["increment_id"]: r for r in magento.grid(mariadb_db)}
    assert sorted(rows) == [f"{k:09d}" for k in range(1, 9)]
    by_number = {t.customer_order.number: t.remote_order_id
                 for t in run.transfers().values()}
    total = Decimal("22.0400")  # 2 × 7.20 + 19 % + 4.90 shipping, as every order here
    for number, (cid, name, group) in {
            "1001": (1, "Anna Schmidt", "1"), "1002": (1, "Anna Schmidt", "1"),
            "1003": (2, "ACME Distribution", "2"), "1004": (2, "ACME Distribution", "2")
    }.items():
        row = rows[by_number[number]]
        assert (row["customer_id"], row["customer_name"], row["customer_group"],
                row["grand_total"], row["order_currency_code"], row["status_label"]) == (
            cid, name, group, total, "EUR", "Pending"), number
        [order] = query(mariadb_db, magento.VIEW_ORDER, o=row["entity_id"])
        assert (order["customer_id"], order["customer_group_id"], order["grand_total"]) == (
            cid, int(group), total)
    for k in range(4):
        row = rows[by_number[str(1010 + k)]]
        assert (row["customer_name"], row["customer_email"], row["customer_group"],
                row["grand_total"]) == (f"Neu{k} Kunde", f"new{k}@example.com", "1", total)
        assert row["customer_id"] not in (None, 1, 2)


def test_magento_reads_the_shops_reference_data_once_per_send_not_per_supplier_order(
        mariadb_db, prepare):
    """Three supplier orders of one order each (max_customer_orders = 1) in one send, over one
    connection. The shop's reference data — the tables' columns and engines, the order
    sequence, the store, its configuration, the product attributes' ids, the currency rates,
    the status's state, the countries — is read during the first supplier order only; every
    later one reads just its own: its products (two statements: the entities, then their
    name, status, price and weight from the three value tables in one UNION ALL) and stock,
    its customers, the exactly-once look-up and floor, its writes (29 statements per supplier
    order before, 24 now)."""
    load_schema(mariadb_db.url, magento.SCHEMA)
    orders = [sample_order(str(1001 + k), email=f"new{k}@example.com", first=f"Neu{k}",
                           last="Kunde") for k in range(3)]
    run = prepare(magento.alpha(mariadb_db, max_customer_orders=1), orders)
    seen: list[str] = []

    def note(conn, _cursor, statement, *_args) -> None:
        if conn.dialect.name != "sqlite":
            seen.append(" ".join(statement.split()))

    sa.event.listen(Engine, "before_cursor_execute", note)
    try:
        results = run.send()
    finally:
        sa.event.remove(Engine, "before_cursor_execute", note)
    assert [(r.state, r.written) for r in results] == [(S.NOTIFIED, 1)] * 3, [
        r.as_dict() for r in results]
    ends = [i for i, s in enumerate(seen) if s.startswith("SELECT RELEASE_LOCK")]
    assert len(ends) == 3
    first, *later = (seen[a + 1:b + 1] for a, b in zip([-1, *ends], ends))
    reference = ("information_schema", "sales_sequence_meta", "`store`", "core_config_data",
                 "eav_attribute", "directory_currency_rate", "sales_order_status_state",
                 "directory_country", "SHOW GRANTS")
    for kind in reference:
        assert sum(kind in s for s in first) >= 1, kind
        assert not [s for so in later for s in so if kind in s], kind
    for so in later:
        assert sum(s.startswith("SELECT") and "catalog_product_entity" in s for s in so) == 2
        assert len(so) <= 24, so
    assert len(first) <= 36, first
    # the orders are whole in the admin's grid: numbered from the store's sequence, each
    # with its new customer and total
    rows = {r["increment_id"]: r for r in magento.grid(mariadb_db)}
    assert sorted(rows) == ["000000001", "000000002", "000000003"]
    assert sorted((r["customer_email"], r["grand_total"]) for r in rows.values()) == [
        (f"new{k}@example.com", Decimal("22.0400")) for k in range(3)]
