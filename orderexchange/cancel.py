"""The cancel action: withdraw one customer order from every supplier it was forwarded to.

For each supplier order holding the customer order:
- a transfer not written yet is simply dropped (a supplier order left empty becomes `cancelled`);
- a written transfer is cancelled in the supplier's shop (`connector.cancel`), then recorded as
  action `cancel` in the transfer log, then the supplier gets the cancellation email (recorded
  with its Message-ID). Each step is persisted before the next side effect, so running the same
  cancel again only does what is left: a cancelled shop order is not cancelled again, a sent
  cancellation is not sent again.
Once nothing is left, the customer order's status becomes `cancelled` (a later build ignores it).
The CLI's `cancel` command is a thin shell over `cancel_order`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .connector import Connector, instantiate
from .errors import OXError
from .mail import MailTransport, cancellation_attachments, render_cancellation, transport_for
from .model import TransferState
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
                 reason: str = "") -> CancelResult:
    """Cancel customer order `number` everywhere; see the module docstring. Raises OXError only
    when the order does not exist; failures per supplier are in the result's steps."""
    order_id, status = store.customer_order_by_number(number)
    by_so: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in store.transfers_of(order_id):
        by_so[row["supplier_order_id"]].append(row)
    result = CancelResult(number, status)
    mail = _Mail(config, host)
    try:
        for so_id, rows in by_so.items():
            result.steps += _cancel_in(config, store, host, mail, so_id, rows, number, reason)
    finally:
        mail.close()
    if result.ok and status != "cancelled":
        store.set_customer_order_status(order_id, "cancelled")
        result.status = "cancelled"
    return result


class _Mail:
    """One mail transport for the whole cancel, opened on first use."""

    def __init__(self, config: Config, host: PluginHost) -> None:
        self.config, self.host = config, host
        self.transport: MailTransport | None = None

    def send(self, message: Any) -> None:
        if self.transport is None:
            self.transport = transport_for(self.config.mail, self.host.mail_transports())
            self.transport.open()
        self.transport.send(message)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _cancel_in(config: Config, store: Store, host: PluginHost, mail: _Mail, so_id: int,
               rows: list[dict[str, Any]], number: str, reason: str) -> list[CancelStep]:
    supplier_id = rows[0]["supplier_id"]
    steps: list[CancelStep] = []
    written = [r for r in rows if r["state"] == TransferState.WRITTEN.value]
    for r in rows:
        if r["state"] != TransferState.WRITTEN.value:
            emptied = store.drop_transfer(r["id"], so_id, number, reason)
            steps.append(CancelStep(so_id, supplier_id, "dropped",
                                    supplier_order_cancelled=emptied))
    if not written:
        return steps

    def fail(err: OXError, transfer_id: int | None = None, step: str = "cancel") -> None:
        err.facts.setdefault("order", number)
        err.facts.setdefault("supplier", supplier_id)
        err.facts.setdefault("id", so_id)
        store.add_event(so_id, step, "error", f"{number}: {err.message}", err.code,
                        transfer_id=transfer_id, order_number=number)
        steps.append(CancelStep(so_id, supplier_id, "failed", error=err))

    try:
        supplier = config.supplier(supplier_id)
        so = store.supplier_order(so_id)
    except OXError as err:
        fail(err)
        return steps
    by_id = {t.id: t for t in so.transfers}
    todo = [r for r in written if r["action"] != "cancel"]
    steps += [CancelStep(so_id, supplier_id, "already cancelled",
                         remote_order_id=by_id[r["id"]].remote_order_id,
                         message_id=r["cancel_message_id"])
              for r in written if r["action"] == "cancel"]
    if todo:
        connector: Connector | None = None
        try:
            connector = instantiate(host.connector_types(), supplier)
            connector.open()
            for r in todo:
                transfer = by_id[r["id"]]
                try:
                    connector.cancel(transfer)
                except OXError as err:
                    fail(err, r["id"])
                    continue
                store.mark_cancelled(r["id"], so_id, number, transfer.remote_order_id or "?",
                                     reason)
                steps.append(CancelStep(so_id, supplier_id, "cancelled",
                                        remote_order_id=transfer.remote_order_id))
        except OXError as err:  # the connector could not be made or opened
            fail(err)
        finally:
            if connector is not None:
                connector.close()
    # the email: for every transfer cancelled in the shop whose cancellation was not sent yet
    extras = store.transfer_extras(so_id)
    unsent = [by_id[tid] for tid, x in extras.items()
              if tid in by_id and x["action"] == "cancel" and not x["cancel_message_id"]
              and by_id[tid].customer_order.number == number]
    if unsent:
        try:
            files = cancellation_attachments(config, supplier, so, unsent, reason=reason)
            message = render_cancellation(config, supplier, so, unsent, attachments=files,
                                          reason=reason)
            mail.send(message)
        except OXError as err:
            fail(err, step="cancel_mail")
        else:
            message_id = str(message["Message-ID"])
            store.record_cancel_mail([t.id for t in unsent if t.id is not None], so_id,
                                     message_id)
            for step in steps:
                if step.supplier_order_id == so_id and step.error is None \
                        and step.outcome != "dropped" and not step.message_id:
                    step.message_id = message_id
    closed = store.close_if_all_cancelled(so_id)
    for step in steps:
        if step.supplier_order_id == so_id and step.error is None:
            step.supplier_order_cancelled = closed
    return steps
