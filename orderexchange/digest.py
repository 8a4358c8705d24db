"""The daily digest: one email per supplier listing every supplier order written since the last.

Why a step of its own: a supplier with `notification.digest = true` asked not to get an email per
supplier order. `send` then writes into the shop and stops at `written`; the notification is owed.
This module pays it: it claims the supplier's `written` / `notify_failed` supplier orders (so a
second daemon or a manual `orderexchange digest` cannot mail them at the same time), renders one
digest with every order's attachments, sends it, and marks each supplier order `notified` with the
digest's Message-ID — the same rule as a single notification: recorded once sent, never resent
after a recorded success; a failure leaves them `notify_failed` for the next digest.
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


def _send_one(config: Config, store: Store, host: PluginHost, supplier: SupplierConfig,
              ids: list[int], now: datetime | None) -> DigestResult:
    result = DigestResult(supplier.id, sorted(ids))
    orders = [store.supplier_order(i) for i in result.supplier_orders]
    transport = None
    try:
        attachments = [a for so in orders
                       for a in host.notification_attachments(config, supplier, so)]
        message = render_digest(config, supplier, orders, now=now, attachments=attachments)
        refuse_example_values(config)
        transport = transport_for(config.mail, host.mail_transports())
        transport.open()
        delivery = transport.send(message)
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
    return result


def _event(host: PluginHost, so_id: int, supplier_id: str, state: S, error: OXError | None,
           message_id: str | None) -> None:
    host.dispatch_event(DispatchEvent(
        step=state.value, supplier_order_id=so_id, supplier_id=supplier_id,
        error_code=error.code if error else None,
        error_message=error.message if error else None, message_id=message_id))
