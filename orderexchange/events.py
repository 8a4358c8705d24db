"""What a dispatch step tells the plug-ins listening on `oe_dispatch_event`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class DispatchEvent:
    #: checked | check_failed | written | write_failed | notified | notify_failed | order_written
    step: str
    supplier_order_id: int
    supplier_id: str
    #: for `order_written`: the customer order and where it landed in the shop
    customer_order: str | None = None
    remote_order_id: str | None = None
    already_there: bool = False
    error_code: str | None = None
    error_message: str | None = None
    message_id: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
