"""The daily digest: one email per supplier listing every supplier order written since the last.

Why a step of its own: a supplier with `notification.digest = true` asked not to get an email per
supplier order. `send` then writes into the shop and stops at `written`; the notification is owed.
This module pays it: it claims the supplier's `written` / `notify_failed` supplier orders (so a
second daemon or a manual `orderexchange digest` cannot mail them at the same time), renders one
digest with every order's attachments, sends it, and marks each supplier order `notified` with the
digest's Message-ID — the same rule as a single notification: recorded once sent, never resent
after a recorded success; a failure leaves them `notify_failed` for the next digest. The digest is
stored before it is sent (outbox.py, with the supplier orders it lists): after a crash the next run
sends that same digest for those supplier orders — or, when one of them was already recorded as
notified (the crash cut the recording short), records the others under its Message-ID without
mailing again. Orders written since wait for the next digest.
The daemon runs it at each supplier's `digest_at` (local time); `orderexchange digest` runs it now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from .config import Config, SupplierConfig
from .errors import OXError
from .events import DispatchEvent
from .mail import Delivery, refuse_example_values, render_digest, transport_for
from .model import SupplierOrderState as S
from .outbox import Outbox
from .plugin_host import PluginHost
from .queue import WorkQueue
from .store import Store

#: supplier-order states whose notification a digest owes
OWED = (S.WRITTEN, S.NOTIFY_FAILED)


@dataclass
class DigestResult:
    supplier_id: str
    supplier_orders: list[int] = field(default_factory=list)
    message_id: str | None = None
    error: OXError | None = None
    warnings: list[OXError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return {"supplier": self.supplier_id, "supplier_orders": self.supplier_orders,
                "ok": self.ok, "message_id": self.message_id,
                "error": self.error.as_dict() if self.error else None,
                "warnings": [w.as_dict() for w in self.warnings]}


def digest_suppliers(config: Config) -> list[SupplierConfig]:
    return [s for s in config.suppliers.values() if s.active and s.notification.digest]


def digest_time(supplier: SupplierConfig) -> time:
    hour, minute = supplier.notification.digest_at.split(":")
    return time(int(hour), int(minute))


def due_today(supplier: SupplierConfig, now: datetime | None = None) -> bool:
    """True once today's digest time has passed (local time): what `daemon --once` asks."""
    now = now or datetime.now().astimezone()
    return now.time() >= digest_time(supplier)


def record_delivery_warnings(store: Store, so_id: int, delivery: Any,
                             supplier: str | None = None) -> list[OXError]:
    """A message some recipients refused went to the others: the supplier order counts as
    notified, and each refused recipient is a warning in the transfer log (OX-MAIL-018)."""
    if not isinstance(delivery, Delivery):
        return []  # a plug-in transport that reports nothing
    warnings = delivery.warnings
    for warning in warnings:
        if supplier:
            warning.facts.setdefault("supplier", supplier)
        store.add_event(so_id, "notify", outcome="warning", code=warning.code,
                        message=warning.message)
    return warnings


def send_digests(config: Config, store: Store, host: PluginHost,
                 suppliers: Iterable[str] | None = None, *, owner: str | None = None,
                 now: datetime | None = None) -> list[DigestResult]:
    """Send the digest of every digest supplier (or of the named ones) that owes one."""
    wanted = set(suppliers) if suppliers is not None else None
    queue = WorkQueue(store, owner=owner)
    results = []
    for supplier in digest_suppliers(config):
        if wanted is not None and supplier.id not in wanted:
            continue
        ids = queue.claim_supplier_orders(limit=1000, supplier_id=supplier.id, states=OWED)
        if not ids:
            continue
        try:
            results.append(_send_one(config, store, host, supplier, ids, now))
        finally:
            queue.release(ids)
    return results


def _pending(store: Store, outbox: Outbox, key: str, ids: list[int]
             ) -> tuple[list[int], str | None] | None:
    """A digest stored and maybe sent before a crash: (its supplier orders to send it for, or
    to record as notified, and its Message-ID when it certainly went out); None when there is
    none. A covered supplier order already `notified` proves it went out."""
    pending = outbox.pending(key)
    if pending is None:
        return None
    heads = store.supplier_order_heads(pending.covers)
    if any(state == S.NOTIFIED for _sid, state in heads.values()):
        return [i for i in pending.covers if i in ids], str(pending.message["Message-ID"])
    return [i for i in pending.covers if i in ids], None


def _send_one(config: Config, store: Store, host: PluginHost, supplier: SupplierConfig,
              ids: list[int], now: datetime | None) -> DigestResult:
    outbox = Outbox(store)
    key = f"digest:{supplier.id}"
    earlier = _pending(store, outbox, key, ids)
    if earlier is not None:
        covered, sent_as = earlier
        if sent_as is not None:  # it went out; only its record was cut short
            outbox.drop(key)
            result = DigestResult(supplier.id, sorted(covered), message_id=sent_as)
            for so_id in result.supplier_orders:
                store.set_state(so_id, S.NOTIFIED, message_id=sent_as, step="digest")
                _event(host, so_id, supplier.id, S.NOTIFIED, None, sent_as)
            return result
        if covered:
            ids = covered  # the stored digest, for the orders it lists; the rest wait
        else:
            outbox.drop(key)  # none of its orders is owed any more
    result = DigestResult(supplier.id, sorted(ids))
    orders = [store.supplier_order(i) for i in result.supplier_orders]
    transport = None

    def render() -> Any:
        attachments = [a for so in orders
                       for a in host.notification_attachments(config, supplier, so)]
        message = render_digest(config, supplier, orders, now=now, attachments=attachments)
        refuse_example_values(config)
        return message

    def deliver(message: Any) -> Any:
        nonlocal transport
        transport = transport_for(config.mail, host.mail_transports())
        transport.open()
        return transport.send(message)

    try:
        message, delivery = outbox.send(key, render, deliver, covers=result.supplier_orders)
    except OXError as err:
        err.facts.setdefault("supplier", supplier.id)
        err.facts.setdefault("id", ", ".join(map(str, result.supplier_orders)))
        result.error = err
        for so in orders:
            store.set_state(so.id, S.NOTIFY_FAILED, error=err, step="digest")
            _event(host, so.id, supplier.id, S.NOTIFY_FAILED, err, None)
        return result
    finally:
        if transport is not None:
            transport.close()
    result.message_id = str(message["Message-ID"])
    for so in orders:
        store.set_state(so.id, S.NOTIFIED, message_id=result.message_id, step="digest")
        result.warnings = record_delivery_warnings(store, so.id, delivery, supplier.id)
        _event(host, so.id, supplier.id, S.NOTIFIED, None, result.message_id)
    outbox.drop(key)
    return result


def _event(host: PluginHost, so_id: int, supplier_id: str, state: S, error: OXError | None,
           message_id: str | None) -> None:
    host.dispatch_event(DispatchEvent(
        step=state.value, supplier_order_id=so_id, supplier_id=supplier_id,
        error_code=error.code if error else None,
        error_message=error.message if error else None, message_id=message_id))
