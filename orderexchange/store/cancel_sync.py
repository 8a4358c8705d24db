"""Transfers after the write: cancelling customer orders and reading their status back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import OXError
from ..model import SupplierOrderState, TransferState
from .schema import _parts, customer_orders, events, now, supplier_orders, transfer_lines, transfers


class CancelAndReadBack:
    """Cancel and read-back of transfers (a part of `Store`)."""

    engine: Engine

    def transfers_of(self, order_id: int) -> list[dict[str, Any]]:
        """Every transfer of a customer order with its supplier order's supplier and state."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                self._transfer_rows().where(transfers.c.customer_order_id == order_id)
                .order_by(transfers.c.id))]

    def transfers_of_orders(self, numbers: Sequence[str], supplier_id: str | None = None
                            ) -> dict[str, tuple[int, str, list[dict[str, Any]]]]:
        """Number → (order id, status, its transfers as `transfers_of` lists them, at
        `supplier_id` only if given), for many orders in a few queries; OX-STO-002 names the
        first number that does not exist."""
        out: dict[str, tuple[int, str, list[dict[str, Any]]]] = {}
        with self.engine.connect() as conn:
            for part in _parts(list(dict.fromkeys(numbers))):
                for r in conn.execute(sa.select(customer_orders.c.number, customer_orders.c.id,
                                                customer_orders.c.status)
                                      .where(customer_orders.c.number.in_(part))):
                    out[r.number] = (r.id, r.status, [])
            number_of = {oid: n for n, (oid, _s, _r) in out.items()}
            for part in _parts(list(number_of)):
                q = self._transfer_rows().where(transfers.c.customer_order_id.in_(part))
                if supplier_id is not None:
                    q = q.where(supplier_orders.c.supplier_id == supplier_id)
                for r in conn.execute(q.order_by(transfers.c.id)):
                    out[number_of[r.customer_order_id]][2].append(dict(r._mapping))
        for number in numbers:
            if number not in out:
                raise OXError("OX-STO-002", order=number)
        return out

    @staticmethod
    def _transfer_rows() -> sa.Select:
        return (sa.select(transfers.c.id, transfers.c.customer_order_id,
                          transfers.c.supplier_order_id, transfers.c.reference,
                          transfers.c.state, transfers.c.action, transfers.c.cancelled_at,
                          transfers.c.cancel_message_id, supplier_orders.c.supplier_id,
                          supplier_orders.c.state.label("supplier_order_state"))
                .join(supplier_orders, supplier_orders.c.id == transfers.c.supplier_order_id))

    def live_orders(self, order_ids: Sequence[int]) -> set[int]:
        """Of these customer orders, those with a transfer left that is not cancelled."""
        out: set[int] = set()
        with self.engine.connect() as conn:
            for part in _parts(list(order_ids)):
                out.update(conn.execute(
                    sa.select(transfers.c.customer_order_id).distinct()
                    .where(transfers.c.customer_order_id.in_(part),
                           transfers.c.action != "cancel")).scalars())
        return out

    def drop_transfer(self, transfer_id: int, so_id: int, order_number: str,
                      reason: str = "") -> bool:
        """Remove a transfer not written yet from its supplier order (see `drop_transfers`)."""
        return self.drop_transfers(so_id, [(transfer_id, order_number)], reason)

    def drop_transfers(self, so_id: int, dropped: Sequence[tuple[int, str]],
                       reason: str = "") -> bool:
        """Remove transfers not written yet — (transfer id, order number) — from their supplier
        order in one transaction; a supplier order left empty becomes cancelled. Returns
        whether the supplier order was cancelled."""
        ts = now()
        ids = [tid for tid, _n in dropped]
        with self.engine.begin() as conn:
            for part in _parts(ids):
                conn.execute(transfer_lines.delete().where(transfer_lines.c.transfer_id.in_(part)))
                conn.execute(transfers.delete().where(
                    transfers.c.id.in_(part), transfers.c.state != TransferState.WRITTEN.value))
            conn.execute(events.insert(), [
                {"at": ts, "supplier_order_id": so_id, "step": "cancel", "outcome": "ok",
                 "order_number": number,
                 "message": f"{number}: dropped (not written yet)"
                            + (f"; reason: {reason}" if reason else "")}
                for _tid, number in dropped])
            left = conn.execute(sa.select(sa.func.count()).select_from(transfers)
                                .where(transfers.c.supplier_order_id == so_id)).scalar_one()
            if left:
                return False
            conn.execute(supplier_orders.update().where(supplier_orders.c.id == so_id).values(
                state=SupplierOrderState.CANCELLED.value, updated_at=ts, error_code=None,
                error_message=None))
            conn.execute(events.insert().values(at=ts, supplier_order_id=so_id,
                                                step="cancelled", outcome="ok",
                                                message="no customer order left"))
        return True

    def mark_cancelled(self, transfer_id: int, so_id: int, order_number: str, remote: str,
                       reason: str = "") -> None:
        """Record the `cancel` action of a written transfer (once: the shop was cancelled)."""
        ts = now()
        with self.engine.begin() as conn:
            hit = conn.execute(transfers.update().where(
                transfers.c.id == transfer_id, transfers.c.action != "cancel").values(
                action="cancel", cancelled_at=ts, updated_at=ts))
            if hit.rowcount:
                conn.execute(events.insert().values(
                    at=ts, supplier_order_id=so_id, transfer_id=transfer_id, step="cancel",
                    outcome="ok", order_number=order_number,
                    message=f"{order_number}: shop order {remote} cancelled"
                            + (f"; reason: {reason}" if reason else "")))

    def record_cancel_mail(self, transfer_ids: Sequence[int], so_id: int,
                           message_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(transfers.update().where(transfers.c.id.in_(list(transfer_ids)))
                         .values(cancel_message_id=message_id))
            conn.execute(events.insert().values(
                at=now(), supplier_order_id=so_id, step="cancel_mail", outcome="ok",
                message=f"cancellation sent, Message-ID {message_id}"))

    def close_if_all_cancelled(self, so_id: int) -> bool:
        """A supplier order whose every transfer was cancelled becomes cancelled itself."""
        with self.engine.begin() as conn:
            actions = conn.execute(sa.select(transfers.c.action)
                                   .where(transfers.c.supplier_order_id == so_id)).scalars().all()
            if any(a != "cancel" for a in actions):
                return False
            ts = now()
            hit = conn.execute(supplier_orders.update().where(
                supplier_orders.c.id == so_id,
                supplier_orders.c.state != SupplierOrderState.CANCELLED.value).values(
                state=SupplierOrderState.CANCELLED.value, updated_at=ts))
            if hit.rowcount:
                conn.execute(events.insert().values(
                    at=ts, supplier_order_id=so_id, step="cancelled", outcome="ok",
                    message="every customer order cancelled"))
            return True

    def sync_candidates(self, supplier_id: str | None = None) -> list[int]:
        """Notified / confirmed supplier orders with written, not cancelled transfers."""
        q = (sa.select(supplier_orders.c.id).distinct()
             .join(transfers, transfers.c.supplier_order_id == supplier_orders.c.id)
             .where(supplier_orders.c.state.in_([SupplierOrderState.NOTIFIED.value,
                                                 SupplierOrderState.CONFIRMED.value]),
                    transfers.c.state == TransferState.WRITTEN.value,
                    transfers.c.action != "cancel")
             .order_by(supplier_orders.c.id))
        if supplier_id is not None:
            q = q.where(supplier_orders.c.supplier_id == supplier_id)
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    def transfer_extras(self, so_id: int) -> dict[int, dict[str, Any]]:
        """Transfer id → action, cancel and read-back columns (what `Transfer` does not hold)."""
        with self.engine.connect() as conn:
            return {r.id: dict(r._mapping) for r in conn.execute(
                sa.select(transfers.c.id, transfers.c.action, transfers.c.cancelled_at,
                          transfers.c.cancel_message_id, transfers.c.remote_status,
                          transfers.c.remote_status_id, transfers.c.tracking_number,
                          transfers.c.shipped_at, transfers.c.status_read_at)
                .where(transfers.c.supplier_order_id == so_id))}

    def save_remote_status(self, transfer_id: int, so_id: int, order_number: str,
                           status: Any, event: bool = True) -> bool:
        """Store what read-back saw (a `RemoteStatus`); an event only when something changed."""
        ts = now()
        values = {"remote_status": (status.status or "")[:64],
                  "remote_status_id": status.status_id, "tracking_number": status.tracking_number,
                  "shipped_at": status.shipped_at}
        with self.engine.begin() as conn:
            old = conn.execute(sa.select(transfers.c.remote_status, transfers.c.remote_status_id,
                                         transfers.c.tracking_number, transfers.c.shipped_at)
                               .where(transfers.c.id == transfer_id)).one()
            changed = tuple(old) != tuple(values.values())
            conn.execute(transfers.update().where(transfers.c.id == transfer_id)
                         .values(status_read_at=ts, **values))
            if changed and event:
                text = f"{order_number}: shop status {status.status}"
                if status.tracking_number:
                    text += f", tracking {status.tracking_number}"
                if status.shipped_at:
                    text += f", shipped {status.shipped_at}"
                conn.execute(events.insert().values(
                    at=ts, supplier_order_id=so_id, transfer_id=transfer_id, step="read_back",
                    outcome="ok", message=text))
        return changed
