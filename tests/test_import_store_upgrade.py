"""An existing state store (made before issue 5) gains the new columns when it is opened."""

from __future__ import annotations

import json

import sqlalchemy as sa
from helpers import sample_order

from orderexchange.importer import import_orders
from orderexchange.store import Store

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
