"""Held customer orders and retries: hold and release by hand, and which supplier orders a
retry resends. The `hold`/`release`/`retry` commands and the menu's Hold/Release/Retry call
these."""

from __future__ import annotations

from typing import Any

from ..errors import OXError
from .app import App
from .sending import is_failure


def held_orders(app: App, supplier_id: str | None = None) -> list[dict[str, Any]]:
    """Held customer orders (order, supplier, supplier order, code, message)."""
    return app.store.held_orders(supplier_id)


def hold(app: App, numbers: list[str], supplier_id: str | None = None) -> list[dict[str, Any]]:
    """Hold customer orders not written yet, at every supplier or at `supplier_id`: no send
    writes them until `release`. One row per order and supplier: outcome, and an OXError in
    `error` for an order that could not be held."""
    return _hold_by_hand(app, numbers, supplier_id, release=False)


def release(app: App, numbers: list[str],
            supplier_id: str | None = None) -> list[dict[str, Any]]:
    """End the hold of customer orders (by hand or by step 1): the next send checks them
    again. Rows as `hold`."""
    return _hold_by_hand(app, numbers, supplier_id, release=True)


def _hold_by_hand(app: App, numbers: list[str], supplier_id: str | None,
                  release: bool) -> list[dict[str, Any]]:
    if supplier_id is not None:
        app.config.supplier(supplier_id)  # an unknown supplier is a coded error
    if not numbers:
        raise OXError("OX-CLI-001")
    return app.store.hold_by_hand(list(numbers), supplier_id, release=release)


def released_supplier_orders(rows: list[dict[str, Any]]) -> list[int]:
    """The supplier orders a release touched: a retry of them runs step 1 again."""
    return list(dict.fromkeys(r["supplier_order"] for r in rows if r["outcome"] == "released"))


def retry_ids(app: App, so_ids: list[int], all_failed: bool = False,
              held: bool = False) -> list[int]:
    """The supplier orders a retry resends: those holding held customer orders (`held`), every
    failure `status` counts (`all_failed`), or the ones named — each of which must be a
    failure (OX-LOG-002) that exists (OX-BLD-002). Checks the licence first."""
    app.require_licence()
    if held:
        ids = list(dict.fromkeys(r["supplier_order"] for r in app.store.held_orders()))
        return [r["id"] for r in app.store.list_supplier_orders(ids=ids) if is_failure(r)]
    if all_failed:  # the failures `status` counts, no more, no fewer
        return [r["id"] for r in app.store.list_supplier_orders() if is_failure(r)]
    if so_ids:
        rows = {r["id"]: r for r in app.store.list_supplier_orders(ids=list(so_ids))}
        for so_id in so_ids:
            if so_id not in rows:
                raise OXError("OX-BLD-002", id=so_id)
            if not is_failure(rows[so_id]):
                raise OXError("OX-LOG-002", id=so_id, state=rows[so_id]["state"])
        return list(so_ids)
    raise OXError("OX-CLI-001")


def orders_by_supplier(app: App, so_ids: list[int]) -> dict[str, list[str]]:
    """The customer orders of some supplier orders, per supplier: the menu holds and releases
    what the selected supplier orders hold, at their own supplier only."""
    out: dict[str, dict[str, None]] = {}
    for so_id in so_ids:
        so = app.store.supplier_order(so_id)
        numbers = out.setdefault(so.supplier_id, {})
        for t in so.transfers:
            numbers.setdefault(t.customer_order.number)
    return {sid: list(numbers) for sid, numbers in out.items() if numbers}
