"""Cancelling customer orders: in the shop (status), by email to the supplier, in the transfer
log. `orderexchange cancel` and the menu's Cancel both call `cancel`."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cancel import CancelResult, cancel_orders
from ..errors import OXError
from .app import App


def cancel(app: App, numbers: list[str], *, reason: str = "",
           supplier_id: str | None = None) -> list[CancelResult]:
    """Cancel customer orders at every supplier, or at `supplier_id` only (see
    `cancel.cancel_orders`); failures per supplier are in the results' steps."""
    app.require_licence()
    if supplier_id is not None:
        app.config.supplier(supplier_id)  # an unknown supplier is a coded error
    if not numbers:
        raise OXError("OX-CLI-001")
    return cancel_orders(app.config, app.store, app.host, list(numbers), reason=reason,
                         supplier_id=supplier_id)


@dataclass
class CancelPlan:
    """What cancelling the customer orders of some supplier orders touches: the orders (in
    selection order), the supplier orders selected that hold none, and the other supplier
    orders the same customer orders are in (id → supplier), which are cancelled there too."""
    numbers: list[str] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    also: dict[int, str] = field(default_factory=dict)


def cancel_plan(app: App, so_ids: list[int]) -> CancelPlan:
    """The menu cancels by supplier order: cancelling is about the customer order (the end
    customer withdrew it), so it is cancelled at every supplier it went to, and the plan names
    those other supplier orders so nobody is surprised by a second shop."""
    app.require_licence()
    store = app.store
    plan = CancelPlan()
    numbers: dict[str, None] = {}  # ordered set
    for so_id in so_ids:
        transfers = store.supplier_order(so_id).transfers
        if not transfers:
            plan.empty.append(so_id)
        for t in transfers:
            numbers.setdefault(t.customer_order.number)
    plan.numbers = list(numbers)
    for number in plan.numbers:
        order_id, _status = store.customer_order_by_number(number)
        for row in store.transfers_of(order_id):
            if row["supplier_order_id"] not in so_ids and row["action"] != "cancel":
                plan.also[row["supplier_order_id"]] = row["supplier_id"]
    return plan
