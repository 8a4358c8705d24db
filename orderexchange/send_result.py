"""What a send did with one supplier order (`SendResult`): the CLI, the menu, the daemon and the
digest read it; `dispatch` and `shop_writes` fill it in.

A module of its own so that both halves of a send can name it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import OXError
from .model import Finding, SupplierOrderState as S


@dataclass
class SendResult:
    supplier_order_id: int
    supplier_id: str
    state: S
    findings: list[Finding] = field(default_factory=list)
    error: OXError | None = None
    written: int = 0
    already_there: int = 0
    customers_created: int = 0
    message_id: str | None = None
    skipped: str | None = None
    #: written; the supplier gets these orders in its daily digest (`notification.digest`)
    digest_pending: bool = False
    #: recipients the mail server refused while it accepted others (OX-MAIL-018 each)
    warnings: list[OXError] = field(default_factory=list)
    #: customer orders step 1 held: (order number, code); `held_in` is the supplier order of
    #: held orders they moved to when the others went on (issue 13 §2)
    held: list[tuple[str, str]] = field(default_factory=list)
    held_in: int | None = None

    @property
    def ok(self) -> bool:
        if self.error is not None:
            return False
        return self.state in (S.NOTIFIED, S.CONFIRMED) or (
            self.digest_pending and self.state in (S.WRITTEN, S.NOTIFY_FAILED))

    def as_dict(self) -> dict[str, object]:
        return {
            "supplier_order": self.supplier_order_id, "supplier": self.supplier_id,
            "state": self.state.value, "ok": self.ok, "written": self.written,
            "already_there": self.already_there, "customers_created": self.customers_created,
            "message_id": self.message_id, "skipped": self.skipped,
            "digest_pending": self.digest_pending,
            "warnings": [w.as_dict() for w in self.warnings],
            "held": [{"order": n, "code": c} for n, c in self.held], "held_in": self.held_in,
            "error": self.error.as_dict() if self.error else None,
            "findings": [f.__dict__ for f in self.findings],
        }
