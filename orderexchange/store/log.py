"""The transfer log (events), the settings, supplier status, and purging old supplier orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..model import SupplierOrderState
from .schema import (
    UtcDateTime, _aware, _parts, customer_orders, events, findings, now, settings, supplier_orders,
    transfer_lines, transfers,
)

_GET_SETTING = sa.select(settings.c.value).where(settings.c.key == sa.bindparam("key"))


class TransferLog:
    """Events, settings, status and purge (a part of `Store`)."""

    engine: Engine

    def events(self, so_id: int | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = sa.select(events).order_by(events.c.id)
            if so_id is not None:
                q = q.where(events.c.supplier_order_id == so_id)
            return [dict(r._mapping) for r in conn.execute(q)]

    def get_setting(self, key: str) -> str | None:
        with self.engine.connect() as conn:  # a send asks once per supplier (the licence)
            return conn.execute(_GET_SETTING, {"key": key}).scalar_one_or_none()

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(settings.update().where(settings.c.key == key)
                            .values(value=value)).rowcount == 0:
                conn.execute(settings.insert().values(key=key, value=value))

    def add_event(self, so_id: int | None, step: str, outcome: str = "ok",
                  message: str | None = None, code: str | None = None,
                  transfer_id: int | None = None, order_number: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(events.insert().values(
                at=now(), supplier_order_id=so_id, transfer_id=transfer_id, step=step,
                outcome=outcome, code=code, message=message, order_number=order_number))

    def transfer_log(self, supplier_id: str | None = None, since: datetime | None = None,
                     order_number: str | None = None) -> list[dict[str, Any]]:
        """Events joined with their supplier order and customer order, oldest first."""
        number = sa.func.coalesce(customer_orders.c.number, events.c.order_number)
        q = (sa.select(events.c.id, events.c.at, events.c.supplier_order_id,
                       supplier_orders.c.supplier_id, supplier_orders.c.state,
                       number.label("order_number"), events.c.step,
                       events.c.outcome, events.c.code, events.c.message)
             .outerjoin(supplier_orders, supplier_orders.c.id == events.c.supplier_order_id)
             .outerjoin(transfers, transfers.c.id == events.c.transfer_id)
             .outerjoin(customer_orders, customer_orders.c.id == transfers.c.customer_order_id)
             .order_by(events.c.at, events.c.id))
        if supplier_id is not None:
            q = q.where(supplier_orders.c.supplier_id == supplier_id)
        if since is not None:
            q = q.where(events.c.at >= since)
        if order_number is not None:
            # The order's own events (by its transfer, or by number once the transfer is gone)
            # and the supplier-order-wide ones (build, email, confirm) of the supplier orders it
            # is in. Not the other customer orders' events of those supplier orders: a supplier
            # order holds up to hundreds of them.
            of_order = (sa.select(transfers.c.supplier_order_id)
                        .join(customer_orders,
                              customer_orders.c.id == transfers.c.customer_order_id)
                        .where(customer_orders.c.number == order_number))
            q = q.where(sa.or_(number == order_number,
                               sa.and_(events.c.transfer_id.is_(None),
                                       events.c.order_number.is_(None),
                                       events.c.supplier_order_id.in_(of_order))))
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        for r in rows:
            r["at"] = _aware(r["at"])
            r["action"] = "cancel" if r["step"].startswith("cancel") else "create"
        return rows

    def supplier_status(self) -> dict[str, dict[str, Any]]:
        """Per supplier id in the store: last build, last notification, last failure and the
        number of supplier orders in each state."""
        out: dict[str, dict[str, Any]] = defaultdict(lambda: {
            "last_build": None, "last_sent": None, "last_failure": None, "states": {}})
        so = supplier_orders
        with self.engine.connect() as conn:
            for sid, state, n in conn.execute(
                    sa.select(so.c.supplier_id, so.c.state, sa.func.count())
                    .group_by(so.c.supplier_id, so.c.state)):
                out[sid]["states"][state] = n
            for key, cond in (("last_build", events.c.step == "build"),
                              ("last_sent", (events.c.step == "notified")
                               & (events.c.outcome == "ok"))):
                for sid, at in conn.execute(
                        sa.select(so.c.supplier_id, sa.func.max(events.c.at, type_=UtcDateTime))
                        .join(so, so.c.id == events.c.supplier_order_id).where(cond)
                        .group_by(so.c.supplier_id)):
                    out[sid][key] = _aware(at)
            latest = (sa.select(so.c.supplier_id, sa.func.max(events.c.id).label("eid"))
                      .join(so, so.c.id == events.c.supplier_order_id)
                      .where(events.c.outcome == "error").group_by(so.c.supplier_id)
                      .subquery())
            for r in conn.execute(sa.select(latest.c.supplier_id, events.c.at, events.c.code,
                                            events.c.message, events.c.supplier_order_id)
                                  .join(events, events.c.id == latest.c.eid)):
                out[r.supplier_id]["last_failure"] = {
                    "code": r.code, "at": _aware(r.at), "message": r.message,
                    "supplier_order": r.supplier_order_id}
        return dict(out)

    def purge_candidates(self, before: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Confirmed supplier orders last changed before `before`: (to purge, to keep).

        One is kept while a customer order of it is still `open` (lines left to build): its
        lines' link is what stops a later build from forwarding them a second time."""
        so = supplier_orders
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(
                sa.select(so.c.id, so.c.supplier_id, so.c.updated_at)
                .where(so.c.state == SupplierOrderState.CONFIRMED.value,
                       so.c.updated_at < before).order_by(so.c.id))]
            open_of: dict[int, list[str]] = defaultdict(list)
            for part in _parts([r["id"] for r in rows]):
                for so_id, number in conn.execute(
                        sa.select(transfers.c.supplier_order_id, customer_orders.c.number)
                        .join(customer_orders,
                              customer_orders.c.id == transfers.c.customer_order_id)
                        .where(transfers.c.supplier_order_id.in_(part),
                               customer_orders.c.status == "open")):
                    open_of[so_id].append(number)
        purge, keep = [], []
        for r in rows:
            r["updated_at"] = _aware(r["updated_at"])
            if open_of.get(r["id"]):
                keep.append(dict(r, open_orders=sorted(open_of[r["id"]])))
            else:
                purge.append(r)
        return purge, keep

    def purge(self, so_ids: Sequence[int]) -> dict[str, int]:
        """Delete supplier orders with their transfers, line links, findings and events."""
        counts = {"supplier_orders": 0, "transfers": 0, "lines": 0, "findings": 0, "events": 0}
        with self.engine.begin() as conn:
            for part in _parts(list(so_ids)):
                t_ids = sa.select(transfers.c.id).where(transfers.c.supplier_order_id.in_(part))
                counts["lines"] += conn.execute(transfer_lines.delete().where(
                    transfer_lines.c.transfer_id.in_(t_ids))).rowcount
                counts["events"] += conn.execute(events.delete().where(
                    events.c.supplier_order_id.in_(part))).rowcount
                counts["findings"] += conn.execute(findings.delete().where(
                    findings.c.supplier_order_id.in_(part))).rowcount
                counts["transfers"] += conn.execute(transfers.delete().where(
                    transfers.c.supplier_order_id.in_(part))).rowcount
                counts["supplier_orders"] += conn.execute(supplier_orders.delete().where(
                    supplier_orders.c.id.in_(part))).rowcount
        return counts
