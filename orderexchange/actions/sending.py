"""Step 1 and step 2 of the supplier orders: check, send, and which of them count as failed.

`check` and `send` are what the `check`/`send` commands and the menu's Check/Send entries run;
`retry_ids` picks what `retry` (and the menu's Retry) resends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..dispatch import Dispatcher, SendResult
from ..errors import OXError
from ..model import SupplierOrderState
from .app import App

FAILED_STATES = [SupplierOrderState.CHECK_FAILED, SupplierOrderState.WRITE_FAILED,
                 SupplierOrderState.NOTIFY_FAILED]

OnStep = Callable[[int, str], None]
"""Progress of one supplier order: (id, step), called from the Dispatcher's worker threads."""


def is_failure(row: dict[str, Any]) -> bool:
    """A supplier order waiting for a retry: *_failed, or a transient failure (e.g. shop
    unreachable) left in a sendable state with its code. `status`, `retry` and the menu's
    Retry all ask this, so they never disagree."""
    state = SupplierOrderState(row["state"])
    return state in FAILED_STATES or bool(row["error_code"] and state.sendable)


@dataclass
class CheckOutcome:
    """Step 1's results, and per supplier order where each customer was found in the shop
    (customer-order number → match key)."""
    results: list[SendResult]
    matches: dict[int, dict[str, str | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.skipped or r.error is None for r in self.results)


def check(app: App, so_ids: list[int], check_all: bool = False) -> CheckOutcome:
    """Run step 1 alone on the selected supplier orders (or every one not written yet): the
    findings and the checked / check_failed state are stored exactly as `send` stores them."""
    app.require_licence()
    ids = list(so_ids)
    if check_all:
        ids = [r["id"] for r in app.store.list_supplier_orders(states=[
            SupplierOrderState.DRAFT, SupplierOrderState.CHECKED,
            SupplierOrderState.CHECK_FAILED])]
    elif not ids:
        raise OXError("OX-CLI-001")
    results = Dispatcher(app.config, app.store, app.host).check(ids) if ids else []
    matches = {r.supplier_order_id: {t.customer_order.number: t.customer_match
                                     for t in app.store.supplier_order(r.supplier_order_id).transfers}
               for r in results}
    return CheckOutcome(results, matches)


def send_ids(app: App, so_ids: list[int], send_all: bool) -> list[int]:
    """The supplier orders a send covers: those named, or with `send_all` every sendable one.
    Checks the licence first, so a missing one is said before "name an order"."""
    app.require_licence()
    if send_all:
        return [r["id"] for r in app.store.list_supplier_orders(
            states=[s for s in SupplierOrderState if s.sendable])]
    if not so_ids:
        raise OXError("OX-CLI-001")
    return list(so_ids)


def send(app: App, so_ids: list[int], *, on_step: OnStep | None = None,
         automatic: bool = False, worker: str = "send") -> list[SendResult]:
    """Check, write and notify the supplier orders (step 1, then step 2) with the Dispatcher.

    `automatic` is the cron kind of send (`send --all`): it leaves supplier orders stopped by a
    permanent error alone until something changed; naming them sends them anyway. `worker`
    names the sender in the work queue (`send`, `menu`)."""
    app.require_licence()
    if not so_ids:
        return []
    return Dispatcher(app.config, app.store, app.host, on_step,
                      concurrency=app.config.daemon.concurrency, automatic=automatic,
                      worker=worker, processes=app.config.daemon.processes).send(list(so_ids))


def sendable_failures(rows: dict[int, dict[str, Any]], ids: list[int]) -> tuple[list[int],
                                                                                 list[int]]:
    """The menu's Retry on a selection: (failed ones to retry, the others left alone)."""
    failed = [i for i in ids if is_failure(rows[i])]
    return failed, [i for i in ids if i not in failed]
