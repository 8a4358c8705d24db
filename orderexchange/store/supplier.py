"""The state store's supplier orders: build, load, state changes and write outcomes.

Every state change is its own short transaction, committed before the side effect it precedes
(SPEC §5).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import OXError
from ..model import (
    Finding, OrderLine, SupplierLine, SupplierOrder, SupplierOrderState, Transfer, TransferState,
)
from .schema import (
    _aware, _parts, catalogue, customer_orders, events, findings, new_reference, now, order_lines,
    supplier_orders, transfer_lines, transfers,
)
from .many import Many
from .orders import _line, _orders_of

#: the columns of `ox_transfers` a loaded `Transfer` holds (unpacked in this order)
_TRANSFER_READ = [transfers.c.id, transfers.c.customer_order_id, transfers.c.reference,
                  transfers.c.state, transfers.c.remote_order_id,
                  transfers.c.remote_customer_id, transfers.c.customer_created,
                  transfers.c.error_code, transfers.c.error_message, transfers.c.customer_match,
                  transfers.c.shop_floor]

#: the statements a send runs per supplier order or per chunk, built once with bound names: a
#: statement built per call (`.values(**…)`, `== so_id`) cost more to build and to key for the
#: compiled cache than SQLite took to run it — each state change about three times its own work
_SO_ID = sa.bindparam("so_id")
_LOAD_HEAD = sa.select(supplier_orders).where(supplier_orders.c.id == _SO_ID)
_LOAD_TRANSFERS = (sa.select(*_TRANSFER_READ).where(transfers.c.supplier_order_id == _SO_ID)
                   .order_by(transfers.c.id))
_LOAD_LINES = (sa.select(transfer_lines.c.line_id, transfer_lines.c.transfer_id,
                         transfer_lines.c.supplier_sku, transfer_lines.c.purchase_price,
                         transfer_lines.c.currency)
               .join(transfers, transfers.c.id == transfer_lines.c.transfer_id)
               .where(transfers.c.supplier_order_id == _SO_ID))
_LOAD_SENT = (sa.select(transfers.c.customer_order_id, transfers.c.supplier_order_id,
                        transfers.c.remote_order_id)
              .where(transfers.c.customer_order_id.in_(
                         sa.select(transfers.c.customer_order_id)
                         .where(transfers.c.supplier_order_id == _SO_ID)),
                     transfers.c.supplier_order_id != _SO_ID,
                     transfers.c.state == TransferState.WRITTEN.value)
              .order_by(transfers.c.supplier_order_id))
_LOAD_SAME_SUPPLIER = sa.select(supplier_orders.c.id).where(
    supplier_orders.c.id.in_(sa.bindparam("ids", expanding=True)),
    supplier_orders.c.supplier_id == sa.bindparam("supplier_id"))
_LOAD_CATALOGUE = sa.select(catalogue.c.sku, catalogue.c.supplier_sku).where(
    catalogue.c.supplier_id == sa.bindparam("supplier_id"),
    catalogue.c.sku.in_(sa.bindparam("skus", expanding=True)))
_ADD_TRANSFERS = transfers.insert()
_TRANSFER_IDS = sa.select(transfers.c.reference, transfers.c.id).where(
    transfers.c.supplier_order_id == _SO_ID)
_ADD_TRANSFER_LINES = transfer_lines.insert()
#: the columns to set come with the parameters (`so_id` names the row)
_UPDATE_SO = supplier_orders.update().where(supplier_orders.c.id == _SO_ID)
_ADD_EVENTS = events.insert()
_SET_TRANSFERS = transfers.update().where(transfers.c.id == sa.bindparam("t_id")).values(
    state=sa.bindparam("t_state"), remote_order_id=sa.bindparam("t_remote"),
    remote_customer_id=sa.bindparam("t_customer"), customer_created=sa.bindparam("t_created"),
    customer_match=sa.bindparam("t_match"), error_code=sa.bindparam("t_code"),
    error_message=sa.bindparam("t_message"), attempts=transfers.c.attempts + 1,
    updated_at=sa.bindparam("t_at"))
_SET_MATCHES = Many(transfers.update().where(transfers.c.id == sa.bindparam("t_id")).values(
    customer_match=sa.bindparam("t_match")), ("t_id", "t_match"))
#: a chunk's outcomes and their events: many rows each (see many.py)
_SET_OUTCOMES = Many(_SET_TRANSFERS, ("t_id", "t_state", "t_remote", "t_customer", "t_created",
                                      "t_match", "t_code", "t_message", "t_at"))
_OUTCOME_EVENTS = Many(events.insert(), ("at", "supplier_order_id", "transfer_id", "step",
                                         "outcome", "code", "message"))
_DROP_FINDINGS = findings.delete().where(findings.c.supplier_order_id == _SO_ID)
_ADD_FINDINGS = findings.insert()
_SET_FLOOR = transfers.update().where(transfers.c.supplier_order_id == _SO_ID,
                                      transfers.c.shop_floor.is_(None)).values(
    shop_floor=sa.bindparam("floor"))
_FLOORS = sa.select(transfers.c.id, transfers.c.shop_floor).where(
    transfers.c.supplier_order_id == _SO_ID)


class SupplierOrders:
    """Building and sending supplier orders (a part of `Store`)."""

    engine: Engine

    def open_lines(self) -> list[tuple[int, str, OrderLine]]:
        """Lines of open customer orders not yet forwarded: (order id, order number, line)."""
        with self.engine.connect() as conn:
            q = (sa.select(order_lines, customer_orders.c.number)
                 .join(customer_orders, customer_orders.c.id == order_lines.c.order_id)
                 .outerjoin(transfer_lines, transfer_lines.c.line_id == order_lines.c.id)
                 .where(transfer_lines.c.line_id.is_(None), customer_orders.c.status == "open")
                 .order_by(order_lines.c.order_id, order_lines.c.line_no))
            return [(r.order_id, r.number, _line(r)) for r in conn.execute(q)]

    def open_line_chunks(self, orders_per_chunk: int = 2000
                         ) -> Iterator[list[tuple[int, str, str, OrderLine]]]:
        """`open_lines` in chunks of whole customer orders, each line with its order's shop
        status: (order id, order number, shop status, line). A build streams these, so its
        memory does not grow with the number of open orders."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                ids = [r[0] for r in conn.execute(
                    sa.select(customer_orders.c.id)
                    .where(customer_orders.c.status == "open", customer_orders.c.id > last)
                    .order_by(customer_orders.c.id).limit(orders_per_chunk))]
                if not ids:
                    return
                q = (sa.select(order_lines, customer_orders.c.number,
                               customer_orders.c.shop_status)
                     .join(customer_orders, customer_orders.c.id == order_lines.c.order_id)
                     .outerjoin(transfer_lines, transfer_lines.c.line_id == order_lines.c.id)
                     .where(transfer_lines.c.line_id.is_(None),
                            order_lines.c.order_id.in_(ids))
                     .order_by(order_lines.c.order_id, order_lines.c.line_no))
                chunk = [(r.order_id, r.number, r.shop_status or "", _line(r))
                         for r in conn.execute(q)]
            last = ids[-1]
            if chunk:
                yield chunk

    def create_supplier_order(
        self, supplier_id: str,
        parts: Sequence[tuple[int, Sequence[tuple[Any, ...]]]],
    ) -> int:
        """One supplier order with its transfers: parts are (order id, [(line id, SKU, price[,
        price currency])]) — without a currency the line's price is in the supplier's
        `price_currency`.

        Each transfer gets its exchange reference here, once: random rather than derived from our
        ids, so a reset or second state store can never produce a reference that already names a
        different order in the supplier's shop.

        All in one transaction; the unique line id makes a concurrent second build fail instead
        of forwarding a line twice.
        """
        parts = list(parts)
        ts = now()
        with self.engine.begin() as conn:
            so_id = conn.execute(supplier_orders.insert().values(
                supplier_id=supplier_id, state=SupplierOrderState.DRAFT.value,
                created_at=ts, updated_at=ts)).inserted_primary_key[0]
            # one executemany per table, the transfers' ids read back by their (unique)
            # references: two statements per customer order were most of a build's time
            references = [new_reference() for _part in parts]
            if parts:
                conn.execute(_ADD_TRANSFERS, [
                    {"supplier_order_id": so_id, "customer_order_id": order_id,
                     "reference": reference, "action": "create",
                     "state": TransferState.PENDING.value, "attempts": 0, "updated_at": ts}
                    for (order_id, _lines), reference in zip(parts, references)])
                ids = dict(conn.execute(_TRANSFER_IDS, {"so_id": so_id}).all())
                rows = [{"transfer_id": ids[reference], "line_id": line[0],
                         "supplier_sku": line[1], "purchase_price": line[2],
                         "currency": line[3] if len(line) > 3 else None}
                        for (_order_id, lines), reference in zip(parts, references)
                        for line in lines]
                if rows:
                    conn.execute(_ADD_TRANSFER_LINES, rows)
            conn.execute(events.insert().values(at=ts, supplier_order_id=so_id, step="build",
                                                outcome="ok", message=f"{len(parts)} customer orders"))
        return so_id

    def refresh_order_status(self, order_ids: Iterable[int]) -> None:
        """An order is `built` once every one of its lines belongs to a supplier order."""
        with self.engine.begin() as conn:
            for part in _parts(sorted(set(order_ids))):
                # one query per 500 orders: those with a line not yet in any supplier order
                left = {r[0] for r in conn.execute(
                    sa.select(order_lines.c.order_id).distinct()
                    .outerjoin(transfer_lines, transfer_lines.c.line_id == order_lines.c.id)
                    .where(order_lines.c.order_id.in_(part),
                           transfer_lines.c.line_id.is_(None)))}
                done = [oid for oid in part if oid not in left]
                if done:
                    conn.execute(customer_orders.update().where(customer_orders.c.id.in_(done))
                                 .values(status="built"))

    def supplier_order(self, so_id: int) -> SupplierOrder:
        key = {"so_id": so_id}
        with self.engine.connect() as conn:
            row = conn.execute(_LOAD_HEAD, key).first()
            if row is None:
                raise OXError("OX-BLD-002", id=so_id)
            # the columns a `Transfer` holds, no others (the cancel and read-back timestamps
            # were parsed for every transfer and never used here)
            t_rows = conn.execute(_LOAD_TRANSFERS, key).all()
            # the supplier order's own rows are selected by its id through `ox_transfers`, not
            # by lists of hundreds of ids bound one by one: a load is a fixed handful of statements
            l_rows = conn.execute(_LOAD_LINES, key).all()
            # the same customer orders sent to the same supplier in other supplier orders: their
            # written transfers first, found by `customer_order_id`'s index, then which of those
            # supplier orders are this supplier's. Joined in one statement, SQLite (no table
            # statistics) read every transfer of the supplier instead, each load costing more
            # as the store's history grew
            earlier: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
            sent = conn.execute(_LOAD_SENT, key).all() if t_rows else []
            same_supplier: set[int] = set()
            for part in _parts(sorted({e.supplier_order_id for e in sent})):
                same_supplier.update(conn.execute(_LOAD_SAME_SUPPLIER, {
                    "ids": list(part), "supplier_id": row.supplier_id}).scalars())
            for e in sent:
                if e.supplier_order_id in same_supplier:
                    earlier[e.customer_order_id].append((e.supplier_order_id, e.remote_order_id))
            orders = _orders_of(conn, so_id) if t_rows else {}
            # line id → (transfer id, supplier SKU, purchase price, currency)
            own_lines = {line_id: rest for line_id, *rest in l_rows}
            del l_rows
            mapped = self._catalogue_skus(
                row.supplier_id, {ln.sku for o in orders.values() for ln in o.lines
                                  if ln.id in own_lines}, conn)
        so = _supplier_order(row)
        append = so.transfers.append
        no_line = (None, None, None, None)
        for (t_id, order_id, reference, state, remote_order_id, remote_customer_id,
             customer_created, error_code, error_message, customer_match, shop_floor) in t_rows:
            order = orders[order_id]
            # the customer order's lines come in line_no order: the transfer's lines are those
            # of them built into this transfer, in that order
            lines = []
            for line in order.lines:
                owner, supplier_sku, price, currency = own_lines.get(line.id, no_line)
                if owner == t_id:
                    lines.append(SupplierLine(line, supplier_sku, price, currency,
                                              catalogue_sku=mapped.get(line.sku),
                                              catalogue_loaded=True))
            append(Transfer(
                customer_order=order, lines=lines, reference=reference,
                state=TransferState(state), remote_order_id=remote_order_id,
                remote_customer_id=remote_customer_id, customer_created=customer_created,
                error_code=error_code, error_message=error_message, id=t_id,
                customer_match=customer_match, sent_before=earlier.get(order_id, []),
                shop_floor=shop_floor))
        return so

    def record_floor(self, so: SupplierOrder, floor: int) -> None:
        """Record the shop's highest order key as the floor of every transfer of `so` that has
        none yet, before anything of them is written, and load the floors that count.

        Why first-wins (`IS NULL`) and read back: a concurrent sender of the same supplier order
        may have recorded a lower floor and written above it; the lowest recorded floor is the
        one every later look-up must use. A floor too low only costs reading; too high would
        miss an order we wrote."""
        ids = [t.id for t in so.transfers if t.id is not None]
        if not ids:
            return
        with self.engine.begin() as conn:
            if any(t.shop_floor is None for t in so.transfers):
                conn.execute(_SET_FLOOR, {"so_id": so.id, "floor": max(0, int(floor))})
            got = dict(conn.execute(_FLOORS, {"so_id": so.id}).all())
        for t in so.transfers:
            if t.id in got:
                t.shop_floor = got[t.id]

    def _catalogue_skus(self, supplier_id: str, skus: set[str],
                        conn: sa.Connection | None = None) -> dict[str, str]:
        """Our SKU → the supplier SKU the catalogue maps it to for this supplier, now (on
        `conn` when given: a supplier order's load reads it on its own connection)."""
        if conn is None:
            with self.engine.connect() as own:
                return self._catalogue_skus(supplier_id, skus, own)
        out: dict[str, str] = {}
        for part in _parts(sorted(skus)):
            out.update(conn.execute(_LOAD_CATALOGUE, {"supplier_id": supplier_id,
                                                      "skus": list(part)}).all())
        return out

    def supplier_order_heads(self, ids: Iterable[int]) -> dict[int, tuple[str, SupplierOrderState]]:
        """id → (supplier, state) without loading the orders: what a send needs to group its
        work before it loads one supplier order at a time."""
        wanted = list(ids)
        out: dict[int, tuple[str, SupplierOrderState]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                q = sa.select(supplier_orders.c.id, supplier_orders.c.supplier_id,
                              supplier_orders.c.state).where(
                    supplier_orders.c.id.in_(wanted[start:start + 500]))
                out.update({r.id: (r.supplier_id, SupplierOrderState(r.state))
                            for r in conn.execute(q)})
        return out

    def list_supplier_orders(self, states: Iterable[SupplierOrderState] | None = None,
                             ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Summary rows for tables: counts computed in SQL, no order loading. The net value is
        not here: stating it needs the supplier's settings and the distributor's rates
        (`purchase_lines` + `documents.listed_value`), and most callers (send, status, hold)
        want the states and counts only."""
        with self.engine.connect() as conn:
            q = (sa.select(
                    supplier_orders.c.id, supplier_orders.c.supplier_id, supplier_orders.c.state,
                    supplier_orders.c.created_at, supplier_orders.c.updated_at,
                    supplier_orders.c.error_code, supplier_orders.c.message_id,
                    supplier_orders.c.stopped_under,
                    sa.func.count(sa.distinct(transfers.c.id)).label("customer_orders"),
                    sa.func.count(sa.distinct(sa.case(
                        (transfers.c.state == TransferState.HELD.value, transfers.c.id)))
                    ).label("held"),
                    sa.func.count(transfer_lines.c.line_id).label("lines"))
                 .outerjoin(transfers, transfers.c.supplier_order_id == supplier_orders.c.id)
                 .outerjoin(transfer_lines, transfer_lines.c.transfer_id == transfers.c.id)
                 .group_by(supplier_orders.c.id).order_by(supplier_orders.c.id))
            if states is not None:
                q = q.where(supplier_orders.c.state.in_([s.value for s in states]))
            if ids is not None:
                q = q.where(supplier_orders.c.id.in_(list(ids)))
            return [dict(r._mapping) for r in conn.execute(q)]

    def supplier_order_counts(self) -> dict[tuple[str, str], int]:
        """(supplier id, state) → how many supplier orders: what `status` reports, counted by
        the database (reading every summary row cost `status` as much as listing them all)."""
        with self.engine.connect() as conn:
            return {(sid, state): n for sid, state, n in conn.execute(
                sa.select(supplier_orders.c.supplier_id, supplier_orders.c.state,
                          sa.func.count()).group_by(supplier_orders.c.supplier_id,
                                                    supplier_orders.c.state)
                .order_by(supplier_orders.c.supplier_id, supplier_orders.c.state))}

    def purchase_lines(self, so_ids: Iterable[int] | None = None,
                       states: Iterable[SupplierOrderState] | None = None
                       ) -> dict[int, list[list[tuple[Decimal, Decimal, str | None]]]]:
        """Supplier order id → its customer orders' purchase lines (transfer by transfer, in
        the order `supplier_order` loads them): (purchase price, quantity, the catalogue's
        currency or None) — what a list needs to state a supplier order's value the way its
        documents do (`documents.listed_value`).

        Reads the lines of the supplier orders a list shows, no others: `so_ids` (500 ids a
        statement; each asked id is in the answer), else those in `states` (one statement on
        the state's index), else every supplier order's (one statement: the whole list). The
        last two answer only supplier orders with lines."""
        q = (sa.select(transfers.c.supplier_order_id, transfers.c.id,
                       transfer_lines.c.purchase_price, order_lines.c.quantity,
                       transfer_lines.c.currency)
             .join(transfer_lines, transfer_lines.c.transfer_id == transfers.c.id)
             .join(order_lines, order_lines.c.id == transfer_lines.c.line_id))
        out: dict[int, dict[int, list[tuple[Decimal, Decimal, str | None]]]] = {}
        if so_ids is not None:
            wanted = sorted(set(so_ids))
            out = {so_id: {} for so_id in wanted}
            statements = [q.where(transfers.c.supplier_order_id.in_(part))
                          for part in _parts(wanted)]
        elif states is not None:
            statements = [q.join(supplier_orders,
                                 supplier_orders.c.id == transfers.c.supplier_order_id)
                          .where(supplier_orders.c.state.in_([s.value for s in states]))]
        else:
            statements = [q]
        with self.engine.connect() as conn:
            for statement in statements:
                for so_id, t_id, price, quantity, currency in conn.execute(statement):
                    by_transfer = out.get(so_id)
                    if by_transfer is None:
                        by_transfer = out[so_id] = {}
                    lines = by_transfer.get(t_id)
                    if lines is None:
                        lines = by_transfer[t_id] = []
                    lines.append((price, quantity, currency))
        # transfers in id order as `supplier_order` loads them, sorted here: an ORDER BY made
        # SQLite sort every line of the list in a temporary b-tree
        return {so_id: [lines for _t, lines in sorted(by_transfer.items())]
                for so_id, by_transfer in out.items()}

    def set_state(self, so_id: int, state: SupplierOrderState, error: OXError | None = None,
                  message_id: str | None = None, step: str | None = None,
                  stopped_under: str | None = None,
                  also: Callable[[sa.Connection], Any] | None = None) -> None:
        """Persist a state (with its error); `stopped_under` is the settings fingerprint under
        which a permanent error stops automatic sends — any other state change clears it.
        `also` runs in the same transaction (the sender drops the sent message from the outbox
        with `notified`: one commit, and never the one without the other)."""
        values: dict[str, Any] = {"so_id": so_id, "state": state.value, "updated_at": now(),
                                  "error_code": error.code if error else None,
                                  "error_message": error.message if error else None,
                                  "stopped_under": stopped_under}
        if message_id is not None:
            values["message_id"] = message_id
        with self.engine.begin() as conn:
            conn.execute(_UPDATE_SO, values)
            conn.execute(_ADD_EVENTS, {
                "at": values["updated_at"], "supplier_order_id": so_id,
                "step": step or state.value, "outcome": "error" if error else "ok",
                "code": error.code if error else None,
                "message": error.message if error else (f"Message-ID {message_id}"
                                                        if message_id else state.value)})
            if also is not None:
                also(conn)

    def set_transfers(self, so_id: int,
                      outcomes: Sequence[tuple[Transfer, OXError | None, bool]]) -> None:
        """Record the write outcome of several customer orders in one store transaction.

        Why one: a commit per order was a fifth of a send's time. Recording a chunk after the shop
        committed it is as safe as recording each order: a crash in between leaves the orders
        unrecorded, and the next send finds them in the shop by their reference.
        Each outcome is (transfer, error or None, found already written).
        """
        if not outcomes:
            return
        ts = now()
        with self.engine.begin() as conn:
            _SET_OUTCOMES(conn, [
                (t.id, t.state.value, t.remote_order_id, t.remote_customer_id,
                 t.customer_created, t.customer_match, error.code if error else None,
                 error.message if error else None, ts)
                for t, error, _found in outcomes])
            _OUTCOME_EVENTS(conn, [
                (ts, so_id, transfer.id, "write", "error" if error else "ok",
                 error.code if error else None,
                 f"{transfer.customer_order.number}: " + (
                     error.message if error else
                     f"{'found already written' if found_existing else 'written'} as shop order "
                     f"{transfer.remote_order_id}"))
                for transfer, error, found_existing in outcomes])

    def save_matches(self, so: SupplierOrder) -> None:
        """Record the customer match step 1 planned for each transfer not written yet."""
        rows = [(t.id, t.customer_match) for t in so.transfers
                if t.state != TransferState.WRITTEN and t.id is not None]
        if not rows:
            return
        with self.engine.begin() as conn:  # one executemany, not a statement per order
            _SET_MATCHES(conn, rows)

    def save_findings(self, so_id: int, found: Sequence[Finding]) -> None:
        with self.engine.begin() as conn:
            conn.execute(_DROP_FINDINGS, {"so_id": so_id})
            if found:
                conn.execute(_ADD_FINDINGS, [
                    {"supplier_order_id": so_id, "severity": f.severity, "code": f.code,
                     "order_number": f.order, "message": f.message, "solution": f.solution}
                    for f in found])

    def findings(self, so_id: int) -> list[Finding]:
        with self.engine.connect() as conn:
            return [Finding(r.severity, r.code, r.message, r.solution, r.order_number)
                    for r in conn.execute(sa.select(findings)
                                          .where(findings.c.supplier_order_id == so_id)
                                          .order_by(findings.c.id))]

    def confirm(self, so_id: int, step: str = "confirm",
                message: str = "confirmed: the supplier received it") -> SupplierOrderState:
        """notified → confirmed. Returns the state found; only a notified order is changed."""
        ts = now()
        with self.engine.begin() as conn:
            state = conn.execute(sa.select(supplier_orders.c.state)
                                 .where(supplier_orders.c.id == so_id)).scalar_one_or_none()
            if state is None:
                raise OXError("OX-BLD-002", id=so_id)
            if state != SupplierOrderState.NOTIFIED.value:
                return SupplierOrderState(state)
            hit = conn.execute(supplier_orders.update().where(
                supplier_orders.c.id == so_id,
                supplier_orders.c.state == SupplierOrderState.NOTIFIED.value).values(
                state=SupplierOrderState.CONFIRMED.value, updated_at=ts, error_code=None,
                error_message=None))
            if hit.rowcount != 1:  # changed meanwhile
                return SupplierOrderState(conn.execute(
                    sa.select(supplier_orders.c.state)
                    .where(supplier_orders.c.id == so_id)).scalar_one())
            conn.execute(events.insert().values(at=ts, supplier_order_id=so_id, step=step,
                                                outcome="ok", message=message))
        return SupplierOrderState.NOTIFIED


def _supplier_order(row: Any) -> SupplierOrder:
    return SupplierOrder(id=row.id, supplier_id=row.supplier_id,
                         state=SupplierOrderState(row.state), created_at=_aware(row.created_at),
                         updated_at=_aware(row.updated_at), message_id=row.message_id,
                         error_code=row.error_code, error_message=row.error_message,
                         stopped_under=row.stopped_under)
