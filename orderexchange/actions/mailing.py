"""Emails to suppliers outside a send: the daily digest, a preview of one, and the read-back of
what the suppliers did with the orders (`sync-status`)."""

from __future__ import annotations

from typing import Any

from ..errors import OXError
from .app import App


def send_digests(app: App, suppliers: list[str] | None = None) -> list[Any]:
    """Send the daily digest now to every digest supplier, or to `suppliers` (each must be
    configured, OX-CFG, and a digest supplier, OX-MAIL-020)."""
    from ..digest import digest_suppliers, send_digests as send

    app.require_licence()
    known = {s.id for s in digest_suppliers(app.config)}
    for sid in suppliers or []:
        app.config.supplier(sid)  # unknown supplier: its coded error
        if sid not in known:
            raise OXError("OX-MAIL-020", supplier=sid)
    return send(app.config, app.store, app.host, suppliers or None)


def preview(app: App, so_id: int, kind: str = "notification") -> tuple[Any, list[Any]]:
    """The email for a supplier order as it would be sent now (notification or cancellation)
    and its attachments; nothing is sent or stored."""
    from ..mail import cancellation_attachments, render_cancellation, render_notification

    so = app.store.supplier_order(so_id)
    supplier = app.config.supplier(so.supplier_id)
    if kind == "cancellation":
        files = cancellation_attachments(app.config, supplier, so, so.transfers)
        return render_cancellation(app.config, supplier, so, so.transfers,
                                   attachments=files), files
    files = app.host.notification_attachments(app.config, supplier, so)
    return render_notification(app.config, supplier, so, attachments=files), files


def read_back(app: App, supplier_id: str | None = None) -> list[Any]:
    """Read shop status and tracking of written orders back; confirm what the supplier moved
    on (reads the shops only)."""
    from ..sync import sync_status

    app.require_licence()
    return sync_status(app.config, app.store, app.host, supplier_id)
