"""Supplier orders as the distributor looks at them: build them, list them, open one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..build import BuildReport, build as build_orders
from ..documents import listed_value
from ..model import SupplierOrderState
from ..rates import Rates
from .app import App


def build(app: App) -> BuildReport:
    """Turn open customer-order lines into supplier orders (one per supplier); the state store
    only — no shop, no email."""
    app.require_licence()
    return build_orders(app.store, app.config)


def supplier_orders(app: App, states: list[str] | None = None,
                    ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Supplier orders (all, or of these states / ids) with their counts and held orders, and
    their net value as their documents state it (`with_values`)."""
    wanted = [SupplierOrderState(s) for s in states] if states else None
    rows = app.store.list_supplier_orders(states=wanted, ids=ids)
    return with_values(app.store, app.config, rows, states=wanted,
                       every=wanted is None and ids is None)


def with_values(store: Any, config: Any, rows: list[dict[str, Any]],
                states: list[SupplierOrderState] | None = None,
                every: bool = False) -> list[dict[str, Any]]:
    """`rows` of `list_supplier_orders` with each one's net value (`documents.listed_value`:
    `net_value`, `currency`, `net_values`, `value_unstated`, `missing_rates`), from the
    purchase lines of these rows only: read by the list's own filter (`states`, or `every`
    supplier order) in one statement, else by the rows' ids; a row that changed state in
    between is read by its id."""
    if every or states is not None:
        lines = store.purchase_lines(states=None if every else states)
        late = [r["id"] for r in rows if r["lines"] and r["id"] not in lines]
        if late:
            lines.update(store.purchase_lines(late))
    else:
        lines = store.purchase_lines([r["id"] for r in rows])
    rates = Rates.of(config.distributor)
    for r in rows:
        r.update(listed_value(config, r["supplier_id"], lines.get(r["id"], []), rates))
    return rows


@dataclass
class SupplierOrderDetail:
    """One supplier order: itself (with its transfers), its findings, its history, and per
    transfer what the read-back saw in the shop (action, status, tracking)."""
    order: Any
    findings: list[Any]
    history: list[dict[str, Any]]
    extras: dict[int, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        so, extras = self.order, self.extras
        return {
            "id": so.id, "supplier": so.supplier_id, "state": so.state.value,
            "message_id": so.message_id, "error_code": so.error_code,
            "error_message": so.error_message,
            "customer_orders": [{
                "number": t.customer_order.number, "reference": t.reference,
                "state": t.state.value, "remote_order_id": t.remote_order_id,
                "remote_customer_id": t.remote_customer_id,
                "customer_created": t.customer_created, "customer_match": t.customer_match,
                "error_code": t.error_code, "error_message": t.error_message,
                "customer": t.customer_order.customer.email,
                "customer_name": f"{t.customer_order.customer.first_name} "
                                 f"{t.customer_order.customer.last_name}".strip(),
                "customer_phone": t.customer_order.customer.phone,
                **{k: extras.get(t.id, {}).get(k) for k in (
                    "action", "remote_status", "tracking_number", "shipped_at")},
                "lines": [{"sku": sl.line.sku, "supplier_sku": sl.supplier_sku,
                           "quantity": sl.line.quantity, "purchase_price": sl.purchase_price}
                          for sl in t.lines]} for t in so.transfers],
            "findings": [f.__dict__ for f in self.findings], "history": self.history}


def supplier_order(app: App, so_id: int) -> SupplierOrderDetail:
    """`orderexchange show` and the menu's Show: one supplier order whole (changes nothing)."""
    store = app.store
    return SupplierOrderDetail(store.supplier_order(so_id), store.findings(so_id),
                               store.events(so_id), store.transfer_extras(so_id))
