"""The cancel action: withdraw customer orders from every supplier they were forwarded to, or from
one (`cancel NUMBER --supplier S`).

For each supplier order holding the customer order:
- a transfer not written yet is simply dropped (a supplier order left empty becomes `cancelled`);
- a written transfer is cancelled in the supplier's shop (`connector.cancel`), then recorded as
  action `cancel` in the transfer log, then the supplier gets the cancellation email (recorded
  with its Message-ID). Each step is persisted before the next side effect, so running the same
  cancel again only does what is left: a cancelled shop order is not cancelled again, a sent
  cancellation is not sent again.
Once nothing is left, the customer order's status becomes `cancelled` (a later build ignores it);
cancelled at one supplier only, it stays as it is while another supplier still has it (its lines
at that supplier are not forwarded again: the order is built).
The CLI's `cancel` command is a thin shell over `cancel_order`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .connector import Connector, instantiate
from .errors import OXError
from .mail import (MailTransport, cancellation_attachments, refuse_example_values,
                   render_cancellation, transport_for)
from .model import TransferState
from .outbox import Outbox
from .plugin_host import PluginHost
from .store import Store


@dataclass
class CancelStep:
    """What happened to one transfer of the customer order."""

    supplier_order_id: int
    supplier_id: str
    #: dropped (not written yet) / cancelled (in the shop now) / already cancelled / failed
    outcome: str
    remote_order_id: str | None = None
    message_id: str | None = None
    supplier_order_cancelled: bool = False
    error: OXError | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"supplier_order": self.supplier_order_id, "supplier": self.supplier_id,
                "outcome": self.outcome, "remote_order_id": self.remote_order_id,
                "message_id": self.message_id,
                "supplier_order_cancelled": self.supplier_order_cancelled,
                "error": self.error.as_dict() if self.error else None}


@dataclass
class CancelResult:
    order: str
    status: str
    steps: list[CancelStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.error is None for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {"order": self.order, "status": self.status, "ok": self.ok,
                "steps": [s.as_dict() for s in self.steps]}


def cancel_order(config: Config, store: Store, host: PluginHost, number: str,
                 reason: str = "", supplier_id: str | None = None) -> CancelResult:
    """Cancel customer order `number` everywhere (or at `supplier_id` only); see
    `cancel_orders`."""
    return cancel_orders(config, store, host, [number], reason, supplier_id)[0]


def cancel_orders(config: Config, store: Store, host: PluginHost, numbers: list[str],
                  reason: str = "", supplier_id: str | None = None) -> list[CancelResult]:
    """Cancel customer orders at every supplier, or at `supplier_id` only; see the module
    docstring. Raises OXError only when an order does not exist (before anything is done);
    failures per supplier are in the results' steps.

    The work is grouped by supplier order: one store transaction drops all its orders not written
    yet, one shop connection cancels its written ones, one email tells the supplier — so a
    thousand orders cost a few dozen statements and emails, not a thousand of each."""
    found = store.transfers_of_orders(numbers, supplier_id)
    results = {n: CancelResult(n, status) for n, (_oid, status, _rows) in found.items()}
    by_so: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for number, (_oid, _status, rows) in found.items():
        for row in rows:
            by_so[row["supplier_order_id"]].append((number, row))
    mail = _Mail(config, host)
    try:
        for so_id, items in by_so.items():
            for number, step in _cancel_in(config, store, host, mail, so_id, items, reason):
                results[number].steps.append(step)
    finally:
        mail.close()
    done = [n for n, r in results.items() if r.ok and r.status != "cancelled"]
    # at one supplier only: the order is cancelled once no other supplier still has it
    live = store.live_orders([found[n][0] for n in done]) if supplier_id is not None else set()
    finished = [n for n in done if found[n][0] not in live]
    if finished:
        store.set_customer_orders_status([found[n][0] for n in finished], "cancelled")
        for n in finished:
            results[n].status = "cancelled"
    return [results[n] for n in dict.fromkeys(numbers)]


class _Mail:
    """One mail transport for the whole cancel, opened on first use."""

    def __init__(self, config: Config, host: PluginHost) -> None:
        self.config, self.host = config, host
        self.transport: MailTransport | None = None

    def send(self, message: Any) -> None:
        if self.transport is None:
            refuse_example_values(self.config)
            self.transport = transport_for(self.config.mail, self.host.mail_transports())
            self.transport.open()
        self.transport.send(message)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _cancel_in(config: Config, store: Store, host: PluginHost, mail: _Mail, so_id: int,
               items: list[tuple[str, dict[str, Any]]], reason: str
               ) -> list[tuple[str, CancelStep]]:
    """Cancel these customer orders' transfers of one supplier order: (number, step) each."""
    supplier_id = items[0][1]["supplier_id"]
    steps: list[tuple[str, CancelStep]] = []
    written = [(n, r) for n, r in items if r["state"] == TransferState.WRITTEN.value]
    dropped = [(n, r) for n, r in items if r["state"] != TransferState.WRITTEN.value]
    if dropped:
        emptied = store.drop_transfers(so_id, [(r["id"], n) for n, r in dropped], reason)
        steps += [(n, CancelStep(so_id, supplier_id, "dropped", supplier_order_cancelled=emptied))
                  for n, _r in dropped]
    if not written:
        return steps

    def fail(number: str, err: OXError, transfer_id: int | None = None,
             step: str = "cancel") -> None:
        err.facts.setdefault("order", number)
        err.facts.setdefault("supplier", supplier_id)
        err.facts.setdefault("id", so_id)
        store.add_event(so_id, step, "error", f"{number}: {err.message}", err.code,
                        transfer_id=transfer_id, order_number=number)
        steps.append((number, CancelStep(so_id, supplier_id, "failed", error=err)))

    try:
        supplier = config.supplier(supplier_id)
        so = store.supplier_order(so_id)
    except OXError as err:
        for n, _r in written:
            fail(n, err)
        return steps
    by_id = {t.id: t for t in so.transfers}
    todo = [(n, r) for n, r in written if r["action"] != "cancel"]
    steps += [(n, CancelStep(so_id, supplier_id, "already cancelled",
                             remote_order_id=by_id[r["id"]].remote_order_id,
                             message_id=r["cancel_message_id"]))
              for n, r in written if r["action"] == "cancel"]
    if todo:
        connector: Connector | None = None
        try:
            connector = instantiate(host.connector_types(), supplier)
            connector.open()
            for n, r in todo:
                transfer = by_id[r["id"]]
                try:
                    connector.cancel(transfer)
                except OXError as err:
                    fail(n, err, r["id"])
                    continue
                store.mark_cancelled(r["id"], so_id, n, transfer.remote_order_id or "?", reason)
                steps.append((n, CancelStep(so_id, supplier_id, "cancelled",
                                            remote_order_id=transfer.remote_order_id)))
        except OXError as err:  # the connector could not be made or opened
            answered = {m for m, _s in steps}
            for n, _r in todo:
                if n not in answered:
                    fail(n, err)
        finally:
            if connector is not None:
                connector.close()
    # the email: for every transfer of these orders cancelled in the shop whose cancellation
    # was not sent yet — one email for all of them
    numbers = {n for n, _r in items}
    extras = store.transfer_extras(so_id)
    unsent = [by_id[tid] for tid, x in extras.items()
              if tid in by_id and x["action"] == "cancel" and not x["cancel_message_id"]
              and by_id[tid].customer_order.number in numbers]
    if unsent:
        # stored before it is sent (outbox.py): a resend after a crash is the same message
        key = f"cancellation:{so_id}:{','.join(str(t.id) for t in unsent)}"
        outbox = Outbox(store)
        try:
            message, _ = outbox.send(key, lambda: render_cancellation(
                config, supplier, so, unsent, reason=reason, attachments=cancellation_attachments(
                    config, supplier, so, unsent, reason=reason)), mail.send)
        except OXError as err:
            for t in unsent:
                fail(t.customer_order.number, err, step="cancel_mail")
        else:
            message_id = str(message["Message-ID"])
            store.record_cancel_mail([t.id for t in unsent if t.id is not None], so_id,
                                     message_id)
            outbox.drop(key)
            for _n, step in steps:
                if step.error is None and step.outcome != "dropped" and not step.message_id:
                    step.message_id = message_id
    closed = store.close_if_all_cancelled(so_id)
    for _n, step in steps:
        if step.error is None:
            step.supplier_order_cancelled = step.supplier_order_cancelled or closed
    return steps
