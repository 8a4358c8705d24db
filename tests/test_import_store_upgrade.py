"""An existing state store (made before issue 5) gains the new columns when it is opened."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from helpers import sample_order

from orderexchange.importer import import_orders, parse_order
from orderexchange.store import CUSTOMER_FIELDS, Store

OLD_SCHEMA = [
    "CREATE TABLE ox_customers (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE, "
    "first_name VARCHAR(128) NOT NULL, last_name VARCHAR(128) NOT NULL, phone VARCHAR(64) NOT "
    "NULL, company VARCHAR(255) NOT NULL, number VARCHAR(64) NOT NULL)",
    "CREATE TABLE ox_customer_orders (id INTEGER PRIMARY KEY, number VARCHAR(64) NOT NULL UNIQUE,"
    " ordered_at DATETIME NOT NULL, currency VARCHAR(3) NOT NULL, status VARCHAR(16) NOT NULL, "
    "customer_id INTEGER NOT NULL REFERENCES ox_customers(id), shipping VARCHAR(40) NOT NULL, "
    "imported_at DATETIME NOT NULL, source VARCHAR(255) NOT NULL)",
    "INSERT INTO ox_customers VALUES (1, 'old@example.com', 'Old', 'Customer', '', '', '')",
    "INSERT INTO ox_customer_orders VALUES (1, 'OLD-1', '2026-01-01 00:00:00', 'EUR', 'open', 1,"
    " '0', '2026-01-01 00:00:00', '')",
]


def test_old_store_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for stmt in OLD_SCHEMA:
            conn.exec_driver_sql(stmt)
    engine.dispose()

    store = Store(url)
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("ox_customer_orders")}
    assert {"shop_status", "total", "tax_mode", "shipping_tax_rate"} <= columns
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT number, shop_status, tax_mode FROM "
                                   "ox_customer_orders")).one()
    assert tuple(row) == ("OLD-1", "", "net")
    # the old order gets its own customer snapshot from the customer row it used to share
    with store.engine.connect() as conn:
        old = conn.execute(sa.text("SELECT customer_email, customer_first_name, "
                                   "customer_last_name, customer_phone FROM ox_customer_orders"
                                   )).one()
    assert tuple(old) == ("old@example.com", "Old", "Customer", "")
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps(sample_order("2", status="paid", total="35.60")) + "\n")
    assert import_orders(store, path).stored == ["2"]
    with store.engine.connect() as conn:
        snapshots = conn.execute(sa.text("SELECT number, customer_email, customer_first_name "
                                         "FROM ox_customer_orders ORDER BY id")).all()
    assert [tuple(r) for r in snapshots] == [("OLD-1", "old@example.com", "Old"),
                                             ("2", "anna.schmidt@example.com", "Anna")]
    Store(url).close()  # opening again changes nothing
    store.close()


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_shared_store_gets_each_order_its_customer_snapshot(backend, request):
    """Issue 13 §1 on the shared stores: a store from before the per-order customer columns
    gets them on opening, each old order filled from the customer row it used to share."""
    url = request.getfixturevalue("pg_url") if backend == "postgresql" \
        else request.getfixturevalue("mariadb_db").url
    store = Store(url)
    old_orders = [parse_order(sample_order(n, email="shared@example.com", first=first),
                               row=1)[0] for n, first in (("1", "Anna"), ("2", "Bernd"))]
    for order in old_orders:
        store.add_customer_order(order)
    with store.engine.begin() as conn:  # back to the old layout: one customer row per email
        for f in CUSTOMER_FIELDS:
            conn.exec_driver_sql(f"ALTER TABLE ox_customer_orders DROP COLUMN customer_{f}")
        conn.exec_driver_sql("UPDATE ox_customers SET first_name = 'Bernd'")
    store.close()
    again = Store(url)
    orders = again.customer_orders([1, 2])
    assert [orders[i].customer.first_name for i in (1, 2)] == ["Bernd", "Bernd"]
    assert all(o.customer.email == "shared@example.com" for o in orders.values())
    third = parse_order(sample_order("3", email="shared@example.com", first="Clara"), row=1)[0]
    new_id = again.add_customer_order(third)
    assert again.customer_orders([new_id])[new_id].customer.first_name == "Clara"
    assert again.customer_orders([1])[1].customer.first_name == "Bernd"
    again.close()


def test_an_existing_store_gains_the_index_loading_a_supplier_order_needs(tmp_path):
    """A store made before `ox_transfers.customer_order_id` was indexed gets the index when it
    is opened (create_all makes indexes only with new tables); its rows stay, and SQLite's plan
    for the earlier-sends look-up of a supplier order's load uses it."""
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    Store(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_ox_transfers_customer_order_id")
    engine.dispose()

    store = Store(url)
    names = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("ox_transfers")}
    assert "ix_ox_transfers_customer_order_id" in names
    with store.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT supplier_order_id FROM ox_transfers "
            "WHERE customer_order_id IN (1, 2)"))
    assert "ix_ox_transfers_customer_order_id" in plan
    store.close()
    Store(url).close()  # opening again changes nothing
