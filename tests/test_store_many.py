"""store/many.py writes exactly what SQLAlchemy's own executemany writes (SQLite: its fast path)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from orderexchange.store import Store
from orderexchange.store.many import Many
from orderexchange.store.schema import events, transfer_lines, transfers


def _rows(store: Store, table: str) -> list[tuple]:
    """The table as SQLite holds it (the supplier order's own build event left out: its time is
    each store's own)."""
    where = " WHERE step <> 'build'" if table == "ox_events" else ""
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT * FROM {table}{where} ORDER BY 1").all()


def _seed(store: Store) -> None:
    """Two customer orders with a line each, in one supplier order, as raw rows."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ox_customers (id, email, first_name, last_name, phone, company, number) "
            "VALUES (1, 'a@example.com', 'A', 'B', '', '', '')")
        for n in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO ox_customer_orders (id, number, ordered_at, currency, status, "
                "customer_id, shipping, imported_at, source) VALUES (?, ?, "
                "'2026-01-01 00:00:00.000000', 'EUR', 'open', 1, '0', "
                "'2026-01-01 00:00:00.000000', '')", (n, f"N{n}"))
            conn.exec_driver_sql(
                "INSERT INTO ox_order_lines (id, order_id, line_no, sku, name, quantity, "
                "unit_price, tax_rate, unit) VALUES (?, ?, 1, 'S', 'n', '1', '1', '19', '')",
                (n, n))
    store.create_supplier_order("alpha", [])


def test_many_writes_what_sqlalchemy_writes(tmp_path):
    """Timestamps, booleans, exact decimals, NULLs and a statement's own value (`attempts + 1`)
    come out of the fast path byte for byte as SQLAlchemy's executemany stores them."""
    at = datetime(2026, 12, 6, 5, 41, 24, 775581, tzinfo=UTC)
    outcome = transfers.update().where(transfers.c.id == sa.bindparam("t_id")).values(
        state=sa.bindparam("t_state"), customer_created=sa.bindparam("t_created"),
        error_code=sa.bindparam("t_code"), attempts=transfers.c.attempts + 1,
        updated_at=sa.bindparam("t_at"))
    outcome_keys = ("t_id", "t_state", "t_created", "t_code", "t_at")
    outcomes = [(1, "written", True, None, at), (2, "failed", False, "OX-DB-003", at)]
    event_keys = ("at", "supplier_order_id", "transfer_id", "step", "outcome", "message")
    logged = [(at, 1, 1, "write", "ok", "N1: written"),
              (datetime(2026, 12, 6, 5, 41, 25, tzinfo=UTC), 1, 2, "write", "error", None)]
    line_keys = ("transfer_id", "line_id", "supplier_sku", "purchase_price", "currency")
    lines = [(1, 1, "X1", Decimal("7.2000"), None), (2, 2, "X2", Decimal("0.1"), "EUR")]
    stores = [Store(f"sqlite:///{tmp_path / name}.sqlite") for name in ("many", "sqlalchemy")]
    try:
        for store in stores:
            _seed(store)
        fast, plain = stores
        with fast.engine.begin() as conn:
            conn.execute(transfers.insert(), [
                {"id": n, "supplier_order_id": 1, "customer_order_id": n, "reference": f"R{n}",
                 "state": "pending", "attempts": 0, "updated_at": at} for n in (1, 2)])
            Many(transfer_lines.insert(), line_keys)(conn, lines)
            Many(outcome, outcome_keys)(conn, outcomes)
            Many(events.insert(), event_keys)(conn, logged)
        with plain.engine.begin() as conn:
            conn.execute(transfers.insert(), [
                {"id": n, "supplier_order_id": 1, "customer_order_id": n, "reference": f"R{n}",
                 "state": "pending", "attempts": 0, "updated_at": at} for n in (1, 2)])
            conn.execute(transfer_lines.insert(), [dict(zip(line_keys, r)) for r in lines])
            conn.execute(outcome, [dict(zip(outcome_keys, r)) for r in outcomes])
            conn.execute(events.insert(), [dict(zip(event_keys, r)) for r in logged])
        for table in ("ox_transfers", "ox_transfer_lines", "ox_events"):
            assert _rows(fast, table) == _rows(plain, table)
        written = _rows(fast, "ox_transfers")
        assert [(r[0], r[5], r[8], r[10], r[12]) for r in written] == [
            (1, "written", 1, None, 1), (2, "failed", 0, "OX-DB-003", 1)]
        assert _rows(fast, "ox_transfer_lines")[0][3] == "7.2000"
    finally:
        for store in stores:
            store.close()
