"""The state store: customer orders, catalogue, supplier orders and the transfer log.

SQLAlchemy 2 Core, so the same code runs on the zero-set-up SQLite file and on a PostgreSQL or
MariaDB shared by several daemons. Every state change is its own short transaction, committed before
the side effect it precedes (SPEC §5) — a crash can lose at most work in flight, never its record.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .errors import OXError
from .model import (
    Address, CatalogueEntry, Customer, CustomerOrder, Finding, OrderLine, SupplierLine,
    SupplierOrder, SupplierOrderState, Transfer, TransferState,
)


class DecimalText(sa.types.TypeDecorator):
    """Exact decimals on every backend: SQLite has no decimal type and would go through float."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


Money = sa.Numeric(18, 4, asdecimal=True).with_variant(DecimalText(), "sqlite")
UtcDateTime = sa.DateTime(timezone=True)


def new_reference() -> str:
    return "OX-" + uuid.uuid4().hex[:20].upper()


def now() -> datetime:
    return datetime.now(UTC)


metadata = sa.MetaData()

customers = sa.Table(
    "ox_customers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(255), nullable=False, unique=True),
    sa.Column("first_name", sa.String(128), nullable=False),
    sa.Column("last_name", sa.String(128), nullable=False),
    sa.Column("phone", sa.String(64), nullable=False, default=""),
    sa.Column("company", sa.String(255), nullable=False, default=""),
    sa.Column("number", sa.String(64), nullable=False, default=""),
)

customer_orders = sa.Table(
    "ox_customer_orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(64), nullable=False, unique=True),
    sa.Column("ordered_at", UtcDateTime, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="open"),
    sa.Column("customer_id", sa.ForeignKey("ox_customers.id"), nullable=False),
    sa.Column("shipping", Money, nullable=False),
    sa.Column("imported_at", UtcDateTime, nullable=False),
    sa.Column("source", sa.String(255), nullable=False, default=""),
)

_ADDRESS_FIELDS = ("first_name", "last_name", "company", "street", "street2", "postcode", "city",
                   "state", "country")
addresses = sa.Table(
    "ox_addresses", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("ox_customer_orders.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    *[sa.Column(f, sa.String(255), nullable=False, default="") for f in _ADDRESS_FIELDS],
    sa.UniqueConstraint("order_id", "kind"),
)

order_lines = sa.Table(
    "ox_order_lines", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("ox_customer_orders.id"), nullable=False, index=True),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", Money, nullable=False),
    sa.Column("tax_rate", Money, nullable=False),
    sa.UniqueConstraint("order_id", "line_no"),
)

catalogue = sa.Table(
    "ox_catalogue", metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("supplier_id", sa.String(64), primary_key=True),
    sa.Column("supplier_sku", sa.String(64), nullable=False),
    sa.Column("purchase_price", Money, nullable=False),
    sa.Column("name", sa.String(255), nullable=False, default=""),
)

supplier_orders = sa.Table(
    "ox_supplier_orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("supplier_id", sa.String(64), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("message_id", sa.String(255)),
    sa.Column("error_code", sa.String(16)),
    sa.Column("error_message", sa.Text),
)

transfers = sa.Table(
    "ox_transfers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("supplier_order_id", sa.ForeignKey("ox_supplier_orders.id"), nullable=False,
              index=True),
    sa.Column("customer_order_id", sa.ForeignKey("ox_customer_orders.id"), nullable=False),
    sa.Column("reference", sa.String(64), nullable=False, unique=True),
    sa.Column("action", sa.String(8), nullable=False, default="create"),
    sa.Column("state", sa.String(16), nullable=False, default=TransferState.PENDING.value),
    sa.Column("remote_order_id", sa.String(64)),
    sa.Column("remote_customer_id", sa.String(64)),
    sa.Column("customer_created", sa.Boolean),
    sa.Column("error_code", sa.String(16)),
    sa.Column("error_message", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

transfer_lines = sa.Table(
    "ox_transfer_lines", metadata,
    sa.Column("transfer_id", sa.ForeignKey("ox_transfers.id"), nullable=False, index=True),
    # unique: a customer-order line is forwarded to exactly one supplier, once
    sa.Column("line_id", sa.ForeignKey("ox_order_lines.id"), nullable=False, unique=True),
    sa.Column("supplier_sku", sa.String(64), nullable=False),
    sa.Column("purchase_price", Money, nullable=False),
)

findings = sa.Table(
    "ox_findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("supplier_order_id", sa.ForeignKey("ox_supplier_orders.id"), nullable=False,
              index=True),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("order_number", sa.String(64)),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("solution", sa.Text, nullable=False),
)

events = sa.Table(
    "ox_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("supplier_order_id", sa.Integer, index=True),
    sa.Column("transfer_id", sa.Integer),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("code", sa.String(16)),
    sa.Column("message", sa.Text),
)

settings = sa.Table(
    "ox_settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(url, future=True)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            raise OXError("OX-STO-001", where=sa.engine.make_url(url).render_as_string(),
                          detail=_short(exc)) from None

    def close(self) -> None:
        self.engine.dispose()

    # -- customer orders --------------------------------------------------------------------
    def has_order(self, number: str) -> bool:
        with self.engine.connect() as conn:
            q = sa.select(customer_orders.c.id).where(customer_orders.c.number == number)
            return conn.execute(q).first() is not None

    def add_customer_order(self, order: CustomerOrder, source: str = "") -> int | None:
        """Store one customer order atomically. Returns its id, or None if the number exists."""
        try:
            with self.engine.begin() as conn:
                if conn.execute(sa.select(customer_orders.c.id)
                                .where(customer_orders.c.number == order.number)).first():
                    return None
                customer_id = self._upsert_customer(conn, order.customer)
                order_id = conn.execute(customer_orders.insert().values(
                    number=order.number, ordered_at=order.ordered_at, currency=order.currency,
                    status="open", customer_id=customer_id, shipping=order.shipping,
                    imported_at=now(), source=source,
                )).inserted_primary_key[0]
                conn.execute(addresses.insert(), [
                    {"order_id": order_id, "kind": kind,
                     **{f: getattr(addr, f) for f in _ADDRESS_FIELDS}}
                    for kind, addr in (("billing", order.billing), ("delivery", order.delivery))
                ])
                conn.execute(order_lines.insert(), [
                    {"order_id": order_id, "line_no": ln.line_no, "sku": ln.sku, "name": ln.name,
                     "quantity": ln.quantity, "unit_price": ln.unit_price, "tax_rate": ln.tax_rate}
                    for ln in order.lines
                ])
                return order_id
        except IntegrityError:
            # another importer stored the same number between our check and our insert
            return None

    def _upsert_customer(self, conn: sa.Connection, customer: Customer) -> int:
        email = customer.email.lower()
        row = conn.execute(sa.select(customers.c.id).where(customers.c.email == email)).first()
        values = {"first_name": customer.first_name, "last_name": customer.last_name,
                  "phone": customer.phone, "company": customer.company, "number": customer.number}
        if row:
            conn.execute(customers.update().where(customers.c.id == row.id).values(**values))
            return row.id
        return conn.execute(customers.insert().values(email=email, **values)).inserted_primary_key[0]

    def customer_orders(self, ids: Iterable[int]) -> dict[int, CustomerOrder]:
        ids = list(ids)
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(customer_orders, customers.c.email, customers.c.first_name,
                          customers.c.last_name, customers.c.phone, customers.c.company,
                          customers.c.number.label("customer_number"))
                .join(customers, customers.c.id == customer_orders.c.customer_id)
                .where(customer_orders.c.id.in_(ids))
            ).all()
            addr = defaultdict(dict)
            for a in conn.execute(sa.select(addresses).where(addresses.c.order_id.in_(ids))):
                addr[a.order_id][a.kind] = Address(**{f: getattr(a, f) for f in _ADDRESS_FIELDS})
            lines = defaultdict(list)
            for ln in conn.execute(sa.select(order_lines).where(order_lines.c.order_id.in_(ids))
                                   .order_by(order_lines.c.order_id, order_lines.c.line_no)):
                lines[ln.order_id].append(_line(ln))
        return {
            r.id: CustomerOrder(
                number=r.number, ordered_at=_aware(r.ordered_at), currency=r.currency,
                customer=Customer(r.email, r.first_name, r.last_name, r.phone, r.company,
                                  r.customer_number),
                billing=addr[r.id]["billing"], delivery=addr[r.id]["delivery"],
                lines=lines[r.id], shipping=r.shipping, id=r.id, status=r.status,
            )
            for r in rows
        }

    def list_customer_orders(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = (sa.select(customer_orders.c.id, customer_orders.c.number,
                           customer_orders.c.ordered_at, customer_orders.c.status,
                           customers.c.email, sa.func.count(order_lines.c.id).label("lines"))
                 .join(customers, customers.c.id == customer_orders.c.customer_id)
                 .join(order_lines, order_lines.c.order_id == customer_orders.c.id)
                 .group_by(customer_orders.c.id, customers.c.email)
                 .order_by(customer_orders.c.id))
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- catalogue --------------------------------------------------------------------------
    def upsert_catalogue(self, entries: Sequence[CatalogueEntry]) -> int:
        with self.engine.begin() as conn:
            for e in entries:
                key = (catalogue.c.sku == e.sku) & (catalogue.c.supplier_id == e.supplier_id)
                values = {"supplier_sku": e.supplier_sku, "purchase_price": e.purchase_price,
                          "name": e.name}
                if conn.execute(catalogue.update().where(key).values(**values)).rowcount == 0:
                    conn.execute(catalogue.insert().values(sku=e.sku, supplier_id=e.supplier_id,
                                                           **values))
        return len(entries)

    def catalogue_entries(self) -> list[CatalogueEntry]:
        with self.engine.connect() as conn:
            return [CatalogueEntry(r.sku, r.supplier_id, r.supplier_sku, r.purchase_price, r.name)
                    for r in conn.execute(sa.select(catalogue).order_by(catalogue.c.sku))]

    # -- build ------------------------------------------------------------------------------
    def open_lines(self) -> list[tuple[int, str, OrderLine]]:
        """Lines of open customer orders not yet forwarded: (order id, order number, line)."""
        with self.engine.connect() as conn:
            q = (sa.select(order_lines, customer_orders.c.number)
                 .join(customer_orders, customer_orders.c.id == order_lines.c.order_id)
                 .outerjoin(transfer_lines, transfer_lines.c.line_id == order_lines.c.id)
                 .where(transfer_lines.c.line_id.is_(None), customer_orders.c.status == "open")
                 .order_by(order_lines.c.order_id, order_lines.c.line_no))
            return [(r.order_id, r.number, _line(r)) for r in conn.execute(q)]

    def create_supplier_order(
        self, supplier_id: str,
        parts: Sequence[tuple[int, Sequence[tuple[int, str, Decimal]]]],
    ) -> int:
        """One supplier order with its transfers: parts are (order id, [(line id, SKU, price)]).

        Each transfer gets its exchange reference here, once: random rather than derived from our
        ids, so a reset or second state store can never produce a reference that already names a
        different order in the supplier's shop.

        All in one transaction; the unique line id makes a concurrent second build fail instead
        of forwarding a line twice.
        """
        ts = now()
        with self.engine.begin() as conn:
            so_id = conn.execute(supplier_orders.insert().values(
                supplier_id=supplier_id, state=SupplierOrderState.DRAFT.value,
                created_at=ts, updated_at=ts)).inserted_primary_key[0]
            for order_id, lines in parts:
                t_id = conn.execute(transfers.insert().values(
                    supplier_order_id=so_id, customer_order_id=order_id,
                    reference=new_reference(), action="create",
                    state=TransferState.PENDING.value, attempts=0, updated_at=ts,
                )).inserted_primary_key[0]
                conn.execute(transfer_lines.insert(), [
                    {"transfer_id": t_id, "line_id": lid, "supplier_sku": ssku,
                     "purchase_price": price} for lid, ssku, price in lines])
            conn.execute(events.insert().values(at=ts, supplier_order_id=so_id, step="build",
                                                outcome="ok", message=f"{len(parts)} customer orders"))
        return so_id

    def refresh_order_status(self, order_ids: Iterable[int]) -> None:
        """An order is `built` once every one of its lines belongs to a supplier order."""
        with self.engine.begin() as conn:
            for oid in order_ids:
                left = conn.execute(
                    sa.select(sa.func.count()).select_from(order_lines)
                    .outerjoin(transfer_lines, transfer_lines.c.line_id == order_lines.c.id)
                    .where(order_lines.c.order_id == oid, transfer_lines.c.line_id.is_(None))
                ).scalar_one()
                if left == 0:
                    conn.execute(customer_orders.update().where(customer_orders.c.id == oid)
                                 .values(status="built"))

    # -- supplier orders --------------------------------------------------------------------
    def supplier_order(self, so_id: int) -> SupplierOrder:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(supplier_orders)
                               .where(supplier_orders.c.id == so_id)).first()
            if row is None:
                raise OXError("OX-BLD-002", id=so_id)
            t_rows = conn.execute(sa.select(transfers).where(transfers.c.supplier_order_id == so_id)
                                  .order_by(transfers.c.id)).all()
            l_rows = conn.execute(
                sa.select(transfer_lines.c.transfer_id, transfer_lines.c.line_id,
                          transfer_lines.c.supplier_sku, transfer_lines.c.purchase_price)
                .where(transfer_lines.c.transfer_id.in_([t.id for t in t_rows]))).all()
        orders = self.customer_orders({t.customer_order_id for t in t_rows})
        by_line = {ln.id: ln for o in orders.values() for ln in o.lines}
        lines_of = defaultdict(list)
        for lr in l_rows:
            lines_of[lr.transfer_id].append(
                SupplierLine(by_line[lr.line_id], lr.supplier_sku, lr.purchase_price))
        so = _supplier_order(row)
        for t in t_rows:
            so.transfers.append(Transfer(
                customer_order=orders[t.customer_order_id],
                lines=sorted(lines_of[t.id], key=lambda sl: sl.line.line_no),
                reference=t.reference, state=TransferState(t.state),
                remote_order_id=t.remote_order_id, remote_customer_id=t.remote_customer_id,
                customer_created=t.customer_created, error_code=t.error_code,
                error_message=t.error_message, id=t.id))
        return so

    def list_supplier_orders(self, states: Iterable[SupplierOrderState] | None = None,
                             ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Summary rows for tables: counts and net value computed in SQL, no order loading."""
        with self.engine.connect() as conn:
            q = (sa.select(
                    supplier_orders.c.id, supplier_orders.c.supplier_id, supplier_orders.c.state,
                    supplier_orders.c.created_at, supplier_orders.c.updated_at,
                    supplier_orders.c.error_code, supplier_orders.c.message_id,
                    sa.func.count(sa.distinct(transfers.c.id)).label("customer_orders"),
                    sa.func.count(transfer_lines.c.line_id).label("lines"))
                 .outerjoin(transfers, transfers.c.supplier_order_id == supplier_orders.c.id)
                 .outerjoin(transfer_lines, transfer_lines.c.transfer_id == transfers.c.id)
                 .group_by(supplier_orders.c.id).order_by(supplier_orders.c.id))
            if states is not None:
                q = q.where(supplier_orders.c.state.in_([s.value for s in states]))
            if ids is not None:
                q = q.where(supplier_orders.c.id.in_(list(ids)))
            rows = [dict(r._mapping) for r in conn.execute(q)]
            values: dict[int, Decimal] = defaultdict(Decimal)
            vq = (sa.select(transfers.c.supplier_order_id, transfer_lines.c.purchase_price,
                            order_lines.c.quantity)
                  .join(transfer_lines, transfer_lines.c.transfer_id == transfers.c.id)
                  .join(order_lines, order_lines.c.id == transfer_lines.c.line_id))
            if ids is not None:
                vq = vq.where(transfers.c.supplier_order_id.in_(list(ids)))
            for r in conn.execute(vq):
                values[r.supplier_order_id] += r.purchase_price * r.quantity
        for r in rows:
            r["net_value"] = values[r["id"]].quantize(Decimal("0.01"))
        return rows

    def set_state(self, so_id: int, state: SupplierOrderState, error: OXError | None = None,
                  message_id: str | None = None, step: str | None = None) -> None:
        values: dict[str, Any] = {"state": state.value, "updated_at": now(),
                                  "error_code": error.code if error else None,
                                  "error_message": error.message if error else None}
        if message_id is not None:
            values["message_id"] = message_id
        with self.engine.begin() as conn:
            conn.execute(supplier_orders.update().where(supplier_orders.c.id == so_id)
                         .values(**values))
            conn.execute(events.insert().values(
                at=values["updated_at"], supplier_order_id=so_id, step=step or state.value,
                outcome="error" if error else "ok", code=error.code if error else None,
                message=error.message if error else (f"Message-ID {message_id}" if message_id
                                                     else state.value)))

    def set_transfer(self, transfer: Transfer, so_id: int, error: OXError | None = None,
                     found_existing: bool = False) -> None:
        ts = now()
        with self.engine.begin() as conn:
            conn.execute(transfers.update().where(transfers.c.id == transfer.id).values(
                state=transfer.state.value, remote_order_id=transfer.remote_order_id,
                remote_customer_id=transfer.remote_customer_id,
                customer_created=transfer.customer_created,
                error_code=error.code if error else None,
                error_message=error.message if error else None,
                attempts=transfers.c.attempts + 1, updated_at=ts))
            msg = (error.message if error else
                   f"{'found already written' if found_existing else 'written'} as shop order "
                   f"{transfer.remote_order_id}")
            conn.execute(events.insert().values(
                at=ts, supplier_order_id=so_id, transfer_id=transfer.id, step="write",
                outcome="error" if error else "ok", code=error.code if error else None,
                message=f"{transfer.customer_order.number}: {msg}"))

    def save_findings(self, so_id: int, found: Sequence[Finding]) -> None:
        with self.engine.begin() as conn:
            conn.execute(findings.delete().where(findings.c.supplier_order_id == so_id))
            if found:
                conn.execute(findings.insert(), [
                    {"supplier_order_id": so_id, "severity": f.severity, "code": f.code,
                     "order_number": f.order, "message": f.message, "solution": f.solution}
                    for f in found])

    def findings(self, so_id: int) -> list[Finding]:
        with self.engine.connect() as conn:
            return [Finding(r.severity, r.code, r.message, r.solution, r.order_number)
                    for r in conn.execute(sa.select(findings)
                                          .where(findings.c.supplier_order_id == so_id)
                                          .order_by(findings.c.id))]

    def events(self, so_id: int | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = sa.select(events).order_by(events.c.id)
            if so_id is not None:
                q = q.where(events.c.supplier_order_id == so_id)
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- settings ---------------------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(settings.c.value)
                                .where(settings.c.key == key)).scalar_one_or_none()

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(settings.update().where(settings.c.key == key)
                            .values(value=value)).rowcount == 0:
                conn.execute(settings.insert().values(key=key, value=value))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL survives a crash of the process; a power cut may lose the last commits, which
    # the exchange-reference lookup heals (a written order is found, not written again).
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _line(row: Any) -> OrderLine:
    return OrderLine(row.line_no, row.sku, row.name, row.quantity, row.unit_price, row.tax_rate,
                     id=row.id)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _supplier_order(row: Any) -> SupplierOrder:
    return SupplierOrder(id=row.id, supplier_id=row.supplier_id,
                         state=SupplierOrderState(row.state), created_at=_aware(row.created_at),
                         updated_at=_aware(row.updated_at), message_id=row.message_id,
                         error_code=row.error_code, error_message=row.error_message)


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return text[:300]
