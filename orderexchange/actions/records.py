"""The transfer log and what is done to finished supplier orders: read the log, confirm
notified ones, purge old confirmed ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import OXError
from ..model import SupplierOrderState
from .app import App


def parse_when(option: str, value: str, *, age_only: bool = False) -> Any:
    """A date (2026-11-01, midnight UTC) or an age (7d, 12h, 2w) → an aware UTC datetime."""
    text = value.strip().lower()
    m = re.fullmatch(r"(\d+)\s*([dhw])", text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
        return datetime.now(UTC) - delta
    if not age_only:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC) \
                if "t" not in text and ":" not in text else \
                datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            pass
    raise OXError("OX-LOG-003", option=option, value=value)


def transfer_log(app: App, supplier_id: str | None = None, since: str | None = None,
                 order_number: str | None = None) -> list[dict[str, Any]]:
    """Every step of every supplier order, newest last; `since` as `parse_when` reads it."""
    return app.store.transfer_log(supplier_id, parse_when("--since", since) if since else None,
                                  order_number)


def confirm(app: App, so_ids: list[int]) -> tuple[list[int], list[OXError]]:
    """Mark notified supplier orders confirmed (the supplier has received them): the ids
    confirmed, and an OX-LOG-001 for each one in another state."""
    done, refused = [], []
    for so_id in so_ids:
        was = app.store.confirm(so_id)
        if was == SupplierOrderState.NOTIFIED:
            done.append(so_id)
        else:
            refused.append(OXError("OX-LOG-001", id=so_id, state=was.value))
    return done, refused


@dataclass
class PurgePlan:
    before: datetime
    purge: list[dict[str, Any]]
    keep: list[dict[str, Any]]


def purge_plan(app: App, older_than: str) -> PurgePlan:
    """The confirmed supplier orders older than `older_than` (an age: 90d, 12w), and those kept
    because their customer orders still have lines to build."""
    before = parse_when("--older-than", older_than, age_only=True)
    purge, keep = app.store.purge_candidates(before)
    return PurgePlan(before, purge, keep)


def purge(app: App, plan: PurgePlan) -> dict[str, int]:
    """Delete the plan's supplier orders and their transfer log from the state store for good
    (never from the shops); how many rows of each kind went."""
    return app.store.purge([r["id"] for r in plan.purge])
