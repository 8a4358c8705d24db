"""Held customer orders (issue 13 §2): step 1's holds and releases, and holds by hand.

Apart because holding moves transfers between supplier orders, which is the store's most
intricate write; it reads and writes the same tables as `supplier`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import OXError
from ..model import HELD_BY_HAND, Finding, SupplierOrderState, Transfer, TransferState
from .schema import (
    _aware, _parts, customer_orders, events, findings, now, supplier_orders, transfers,
)


#: step 1's per-supplier-order statements, built once with bound names
_RELEASE_HELD = transfers.update().where(
    transfers.c.id.in_(sa.bindparam("ids", expanding=True)),
    transfers.c.state == TransferState.HELD.value).values(
    state=TransferState.PENDING.value, error_code=None, error_message=None,
    updated_at=sa.bindparam("at"))
_HOLD = transfers.update().where(
    transfers.c.id == sa.bindparam("t_id"),
    transfers.c.state != TransferState.WRITTEN.value).values(
    supplier_order_id=sa.bindparam("target"), state=TransferState.HELD.value,
    error_code=sa.bindparam("t_code"), error_message=sa.bindparam("t_message"),
    updated_at=sa.bindparam("at"))
_ADD_EVENTS = events.insert()


class Holds:
    """Holding and releasing customer orders (a part of `Store`)."""

    engine: Engine

    def record_holds(self, so_id: int, held: Sequence[tuple[Transfer, Finding]],
                     released: Sequence[Transfer], split: bool) -> int | None:
        """Step 1's outcome per customer order, in one transaction (issue 13 §2).

        `held` transfers become `held` with their first blocking finding's code and message;
        `released` ones (held before, passing now) become pending again. With `split`, the held
        ones — with their findings — move into a new supplier order of the same supplier, in
        state check_failed, so this one goes on without them; its id is returned. Each held
        order gets a `held` event in the transfer log, with its code."""
        ts = now()
        with self.engine.begin() as conn:
            if released:
                for part in _parts([t.id for t in released]):
                    conn.execute(_RELEASE_HELD, {"ids": list(part), "at": ts})
                conn.execute(_ADD_EVENTS, [
                    {"at": ts, "supplier_order_id": so_id, "transfer_id": t.id, "step": "check",
                     "outcome": "ok", "message": f"{t.customer_order.number}: no longer held"}
                    for t in released])
            if not held:
                return None
            target = so_id
            if split:
                first = held[0][1]
                target = conn.execute(supplier_orders.insert().values(
                    supplier_id=sa.select(supplier_orders.c.supplier_id)
                    .where(supplier_orders.c.id == so_id).scalar_subquery(),
                    state=SupplierOrderState.CHECK_FAILED.value, created_at=ts, updated_at=ts,
                    error_code=first.code, error_message=first.message)).inserted_primary_key[0]
                for part in _parts([f.order for _t, f in held]):
                    conn.execute(findings.update().where(
                        findings.c.supplier_order_id == so_id,
                        findings.c.order_number.in_(part)).values(supplier_order_id=target))
                conn.execute(events.insert(), [
                    {"at": ts, "supplier_order_id": so_id, "step": "held", "outcome": "error",
                     "message": f"{len(held)} customer orders held, moved to supplier order "
                                f"{target}; the others go on"},
                    {"at": ts, "supplier_order_id": target, "step": "held", "outcome": "error",
                     "code": first.code,
                     "message": f"held customer orders of supplier order {so_id}"}])
            conn.execute(_HOLD, [{"t_id": t.id, "t_code": f.code, "t_message": f.message,
                                  "target": target, "at": ts} for t, f in held])
            # an order held again for the same reason (a retry, the daemon's next run) is no
            # news: the log says when it was held and when the reason changed
            news = [(t, f) for t, f in held
                    if t.state != TransferState.HELD or t.error_code != f.code or split]
            if news:
                conn.execute(_ADD_EVENTS, [
                    {"at": ts, "supplier_order_id": target, "transfer_id": t.id, "step": "held",
                     "outcome": "error", "code": f.code,
                     "message": f"{t.customer_order.number}: held: {f.message}"}
                    for t, f in news])
        return target if split else None

    def held_orders(self, supplier_id: str | None = None) -> list[dict[str, Any]]:
        """Every held customer order (issue 13 §2): order, supplier, supplier order, code,
        message and since when, oldest supplier order first."""
        q = (sa.select(customer_orders.c.number.label("order"),
                       supplier_orders.c.supplier_id.label("supplier"),
                       transfers.c.supplier_order_id.label("supplier_order"),
                       transfers.c.error_code.label("code"),
                       transfers.c.error_message.label("message"), transfers.c.updated_at)
             .join(supplier_orders, supplier_orders.c.id == transfers.c.supplier_order_id)
             .join(customer_orders, customer_orders.c.id == transfers.c.customer_order_id)
             .where(transfers.c.state == TransferState.HELD.value)
             .order_by(transfers.c.supplier_order_id, transfers.c.id))
        if supplier_id is not None:
            q = q.where(supplier_orders.c.supplier_id == supplier_id)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        for r in rows:
            r["updated_at"] = _aware(r["updated_at"])
        return rows

    def hold_by_hand(self, numbers: Sequence[str], supplier_id: str | None = None,
                     release: bool = False) -> list[dict[str, Any]]:
        """`orderexchange hold` / `release` for many customer orders in one transaction.

        Hold: each not yet written transfer of the orders (at `supplier_id`, or at every
        supplier) becomes `held` with OX-HLD-001; step 1 keeps it held until it is released.
        Held transfers leave their supplier order for a new one of held orders (one per source
        supplier order), unless they are all it has — then it simply becomes check_failed.
        Release: held transfers (by hand or by step 1) become pending again; the next send of
        their supplier order (`retry`, the daemon) runs step 1 for them again.
        Returns one row per (order, supplier order): order, supplier, supplier_order, outcome
        and error (an OXError: not found, already written, not at that supplier).
        """
        ts = now()
        out: list[dict[str, Any]] = []
        so, t, co = supplier_orders, transfers, customer_orders
        with self.engine.begin() as conn:
            rows: list[Any] = []
            known: set[str] = set()
            for part in _parts(list(dict.fromkeys(numbers))):
                known.update(conn.execute(sa.select(co.c.number)
                                          .where(co.c.number.in_(part))).scalars())
                q = (sa.select(t.c.id, t.c.state, t.c.error_code, t.c.remote_order_id,
                               t.c.supplier_order_id, so.c.supplier_id,
                               so.c.state.label("so_state"), so.c.claimed_by,
                               so.c.lease_until, co.c.number)
                     .join(so, so.c.id == t.c.supplier_order_id)
                     .join(co, co.c.id == t.c.customer_order_id)
                     .where(co.c.number.in_(part), t.c.action != "cancel",
                            so.c.state != SupplierOrderState.CANCELLED.value)
                     .order_by(t.c.id))
                if supplier_id is not None:
                    q = q.where(so.c.supplier_id == supplier_id)
                rows += conn.execute(q).all()
            seen = {r.number for r in rows}
            for number in dict.fromkeys(numbers):
                if number not in known:
                    out.append({"order": number, "supplier": supplier_id, "supplier_order": None,
                                "outcome": "failed", "error": OXError("OX-STO-002", order=number)})
                elif number not in seen:
                    out.append({"order": number, "supplier": supplier_id, "supplier_order": None,
                                "outcome": "failed", "error": OXError(
                                    "OX-HLD-003", order=number, supplier=supplier_id or "any")})
            todo: dict[int, list[Any]] = defaultdict(list)
            for r in rows:
                row = {"order": r.number, "supplier": r.supplier_id,
                       "supplier_order": r.supplier_order_id, "outcome": "", "error": None}
                out.append(row)
                if r.state == TransferState.WRITTEN.value:
                    row.update(outcome="failed", error=OXError(
                        "OX-HLD-002", order=r.number, supplier=r.supplier_id,
                        remote=r.remote_order_id or "?"))
                elif r.claimed_by and r.lease_until is not None and _aware(r.lease_until) > ts:
                    # a daemon is sending that supplier order right now: moving its orders
                    # under its feet could write an order the command just held
                    row.update(outcome="failed", error=OXError(
                        "OX-HLD-004", order=r.number, supplier=r.supplier_id,
                        id=r.supplier_order_id, owner=r.claimed_by))
                elif release:
                    row["outcome"] = "released" if r.state == TransferState.HELD.value \
                        else "not held"
                    if r.state == TransferState.HELD.value:
                        todo[r.supplier_order_id].append(r)
                elif r.error_code == HELD_BY_HAND and r.state == TransferState.HELD.value:
                    row["outcome"] = "already held"
                else:
                    row["outcome"] = "held"
                    todo[r.supplier_order_id].append(r)
            if release:
                released = [r for rs in todo.values() for r in rs]
                for part in _parts([r.id for r in released]):
                    conn.execute(t.update().where(t.c.id.in_(part)).values(
                        state=TransferState.PENDING.value, error_code=None, error_message=None,
                        updated_at=ts))
                if released:
                    conn.execute(events.insert(), [
                        {"at": ts, "supplier_order_id": r.supplier_order_id, "transfer_id": r.id,
                         "step": "release", "outcome": "ok",
                         "message": f"{r.number}: released; step 1 runs again at the next send"}
                        for r in released])
                return out
            sizes: dict[int, int] = {}
            for part in _parts(list(todo)):
                sizes.update(conn.execute(sa.select(t.c.supplier_order_id, sa.func.count())
                                          .where(t.c.supplier_order_id.in_(part))
                                          .group_by(t.c.supplier_order_id)).all())
            updates: list[dict[str, Any]] = []
            log: list[dict[str, Any]] = []
            moved_to: dict[int, int] = {}
            for so_id, held in todo.items():
                first = OXError(HELD_BY_HAND, order=held[0].number, supplier=held[0].supplier_id)
                target = so_id
                if len(held) < sizes[so_id]:  # the others stay where they are
                    target = conn.execute(so.insert().values(
                        supplier_id=held[0].supplier_id,
                        state=SupplierOrderState.CHECK_FAILED.value, created_at=ts,
                        updated_at=ts, error_code=first.code, error_message=first.message)
                    ).inserted_primary_key[0]
                    for part in _parts([r.number for r in held]):
                        conn.execute(findings.update().where(
                            findings.c.supplier_order_id == so_id,
                            findings.c.order_number.in_(part)).values(supplier_order_id=target))
                    log += [{"at": ts, "supplier_order_id": so_id, "transfer_id": None,
                             "step": "held", "outcome": "ok", "code": None,
                             "message": f"{len(held)} customer orders held by hand, moved to "
                                        f"supplier order {target}"}]
                    moved_to[so_id] = target
                else:
                    conn.execute(so.update().where(so.c.id == so_id).values(
                        state=SupplierOrderState.CHECK_FAILED.value, updated_at=ts,
                        error_code=first.code, error_message=first.message))
                for r in held:
                    message = OXError(HELD_BY_HAND, order=r.number,
                                      supplier=r.supplier_id).message
                    updates.append({"t_id": r.id, "t_so": target, "t_message": message})
                    log.append({"at": ts, "supplier_order_id": target, "transfer_id": r.id,
                                "step": "held", "outcome": "ok", "code": HELD_BY_HAND,
                                "message": f"{r.number}: held by hand"})
            if updates:
                conn.execute(t.update().where(
                    t.c.id == sa.bindparam("t_id"),
                    t.c.state != TransferState.WRITTEN.value).values(
                    supplier_order_id=sa.bindparam("t_so"), state=TransferState.HELD.value,
                    error_code=HELD_BY_HAND, error_message=sa.bindparam("t_message"),
                    updated_at=ts), updates)
            if log:
                conn.execute(events.insert(), log)
            for row in out:
                if row["outcome"] == "held" and row["supplier_order"] in moved_to:
                    row["supplier_order"] = moved_to[row["supplier_order"]]
        return out
