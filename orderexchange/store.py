"""The state store: customer orders, catalogue, supplier orders and the transfer log.

SQLAlchemy 2 Core, so the same code runs on the zero-set-up SQLite file and on a PostgreSQL or
MariaDB shared by several daemons. Every state change is its own short transaction, committed before
the side effect it precedes (SPEC §5) — a crash can lose at most work in flight, never its record.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .errors import OXError
from .model import (
    HELD_BY_HAND, Address, CatalogueEntry, Customer, CustomerOrder, Finding, OrderLine,
    SupplierLine, SupplierOrder, SupplierOrderState, Transfer, TransferState, plain_quantity,
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

#: what a customer order says about its customer (`Customer` fields), stored with the order
CUSTOMER_FIELDS = ("email", "first_name", "last_name", "phone", "company", "number")

#: one row per email: the key that links the orders of one email address. What an order says about
#: its customer is the order's own snapshot (the `customer_*` columns of ox_customer_orders); the
#: names here are those of the email's first order, kept because the columns are NOT NULL in
#: existing stores — nothing reads them, and a later import never overwrites them
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
    # columns added after the first release carry a server default (or allow NULL), so
    # `_upgrade` can add them to an existing store
    sa.Column("shop_status", sa.String(32), nullable=False, server_default=""),
    sa.Column("total", Money, nullable=True),
    sa.Column("tax_mode", sa.String(8), nullable=False, server_default="net"),
    sa.Column("shipping_tax_rate", Money, nullable=True),
    # the customer as this order states it, forever (issue 13): a later order with the same
    # email never changes it. Nullable for `_upgrade`; `_backfill_customer_snapshot` fills old rows
    *[sa.Column(f"customer_{f}", sa.String(255 if f in ("email", "company") else
                                            64 if f in ("phone", "number") else 128),
                nullable=True) for f in CUSTOMER_FIELDS],
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
    sa.Column("quantity", Money, nullable=False),  # decimal for measured units (1.5 m)
    sa.Column("unit_price", Money, nullable=False),
    sa.Column("tax_rate", Money, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False, server_default=""),
    sa.UniqueConstraint("order_id", "line_no"),
)

catalogue = sa.Table(
    "ox_catalogue", metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("supplier_id", sa.String(64), primary_key=True),
    sa.Column("supplier_sku", sa.String(64), nullable=False),
    sa.Column("purchase_price", Money, nullable=False),
    sa.Column("name", sa.String(255), nullable=False, default=""),
    # added by issue 13 (nullable, so `_upgrade` adds it): the purchase price's ISO 4217
    # currency; NULL on rows stored before — they are in the supplier's `price_currency`
    sa.Column("currency", sa.String(3), nullable=True),
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
    # the claim lives on the row itself: a competing daemon's SKIP LOCKED select re-checks the
    # row it waited for, so it sees the new lease (a claim in another table it would not see)
    sa.Column("claimed_by", sa.String(128)),
    sa.Column("lease_until", UtcDateTime),
    # added later: the supplier's settings fingerprint under which a permanent error (5xx,
    # refused login, schema mismatch …) stopped automatic sends; NULL when none did
    sa.Column("stopped_under", sa.String(32), nullable=True),
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
    # how the customer was found in the shop: email, number, phone, name+postcode, new,
    # distributor, guest (planned by step 1, confirmed by the write)
    sa.Column("customer_match", sa.String(16)),
    sa.Column("error_code", sa.String(16)),
    sa.Column("error_message", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # added later (nullable, so `_upgrade` adds them to an existing store): the cancel action
    # and what read-back saw in the supplier's shop
    sa.Column("cancelled_at", UtcDateTime, nullable=True),
    sa.Column("cancel_message_id", sa.String(255), nullable=True),
    sa.Column("remote_status", sa.String(64), nullable=True),
    sa.Column("remote_status_id", sa.String(32), nullable=True),
    sa.Column("tracking_number", sa.String(128), nullable=True),
    sa.Column("shipped_at", sa.String(32), nullable=True),
    sa.Column("status_read_at", UtcDateTime, nullable=True),
    # issue 15: the shop's highest order key before the first write attempt (see
    # `Transfer.shop_floor`); `_upgrade` sets it to 0 (no bound) on older rows, which may have
    # been attempted before it existed
    sa.Column("shop_floor", sa.BigInteger, nullable=True),
)

transfer_lines = sa.Table(
    "ox_transfer_lines", metadata,
    sa.Column("transfer_id", sa.ForeignKey("ox_transfers.id"), nullable=False, index=True),
    # unique: a customer-order line is forwarded to exactly one supplier, once
    sa.Column("line_id", sa.ForeignKey("ox_order_lines.id"), nullable=False, unique=True),
    sa.Column("supplier_sku", sa.String(64), nullable=False),
    sa.Column("purchase_price", Money, nullable=False),
    # the catalogue's currency of `purchase_price` at build time (NULL: built before issue 13,
    # the supplier's `price_currency`)
    sa.Column("currency", sa.String(3), nullable=True),
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
    # the customer order an event is about when its transfer no longer exists (a dropped one)
    sa.Column("order_number", sa.String(64), nullable=True),
)

settings = sa.Table(
    "ox_settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite store URL (None: not SQLite, or in memory)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _refuse_foreign_file(path: Path) -> None:
    """An existing file must be an SQLite database: SQLite would silently turn an empty file
    (a full disk, a bad copy) into a fresh store, and the licence, the history and the transfer
    log would be gone without a word. OX-STO-003 with the way back (the backup) instead.

    Only `stat`, never `open()`: closing any descriptor of the file drops every POSIX lock this
    process holds on it — SQLite's own locks included, which corrupts a store in use. Content
    that is not SQLite is reported by SQLite itself ("file is not a database", see `Store`)."""
    if path.exists() and path.stat().st_size == 0:
        raise OXError("OX-STO-003", path=path, detail="the file is empty (0 bytes)")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        path = sqlite_path(url)
        if path is not None:
            _refuse_foreign_file(path)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            backend = sa.engine.make_url(url).get_backend_name()
            # MySQL/MariaDB default to REPEATABLE READ, whose gap locks make a daemon's
            # `FOR UPDATE SKIP LOCKED` claim block (and deadlock with) `build` inserting new
            # supplier orders; READ COMMITTED, PostgreSQL's default, locks only the rows read
            options = {"isolation_level": "READ COMMITTED"} if backend in ("mysql", "mariadb") \
                else {}
            self.engine: Engine = sa.create_engine(url, future=True, **options)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            if path is not None:
                names = sa.inspect(self.engine).get_table_names()
                if names and customer_orders.name not in names:
                    raise OXError("OX-STO-003", path=path, detail=(
                        f"it holds other tables ({', '.join(sorted(names)[:3])}"
                        f"{' …' if len(names) > 3 else ''}) but none of orderexchange's"))
            metadata.create_all(self.engine)
            _upgrade(self.engine)
        except sa.exc.DatabaseError as exc:
            if path is not None and "not a database" in str(exc):
                raise OXError("OX-STO-003", path=path,
                              detail="it is not an SQLite database") from None
            if path is not None and "malformed" in str(exc):
                raise OXError("OX-STO-003", path=path, detail=_short(exc)) from None
            raise OXError("OX-STO-001", where=sa.engine.make_url(url).render_as_string(),
                          detail=_short(exc)) from None
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
        result = self.add_customer_orders([order], source)
        return result.ids.get(order.number)

    def add_customer_orders(self, orders: Sequence[CustomerOrder], source: str = "",
                            dry_run: bool = False, since: datetime | None = None) -> ChunkResult:
        """Store a chunk of validated orders in one transaction (the importer's commit unit).

        An order whose number is already stored is not stored again; if the new copy carries
        another shop status, only that status is taken over (so a supplier's trigger, e.g.
        "paid", can be met by importing the order again). With `dry_run` nothing is written,
        the result says what would happen. With `since`, a number that the same source stored
        at or after that time is reported in `same_run` (a CSV whose order rows are not
        together) instead of as an ordinary duplicate.
        """
        if dry_run:
            with self.engine.connect() as conn:
                return self._add_chunk(conn, orders, source, dry_run=True, since=since)
        try:
            with self.engine.begin() as conn:
                return self._add_chunk(conn, orders, source, since=since)
        except IntegrityError:
            # another importer stored some of these numbers meanwhile: one order at a time
            total = ChunkResult()
            for order in orders:
                try:
                    with self.engine.begin() as conn:
                        total.merge(self._add_chunk(conn, [order], source, since=since))
                except IntegrityError:
                    total.duplicates.append(order.number)
            return total

    def _add_chunk(self, conn: sa.Connection, orders: Sequence[CustomerOrder], source: str,
                   dry_run: bool = False, since: datetime | None = None) -> ChunkResult:
        result = ChunkResult()
        existing: dict[str, str] = {}
        numbers = [o.number for o in orders]
        for part in _parts(numbers):
            for number, status, imported_at, src in conn.execute(
                    sa.select(customer_orders.c.number, customer_orders.c.shop_status,
                              customer_orders.c.imported_at, customer_orders.c.source)
                    .where(customer_orders.c.number.in_(part))):
                existing[number] = status
                if since is not None and src == source[:255] and _aware(imported_at) >= since:
                    result.same_run.append(number)
        replace, result.not_corrected = self._corrections(
            conn, [o for o in orders if o.number in existing and o.number not in result.same_run])
        result.corrected = [o.number for _oid, o in replace]
        if replace and not dry_run:
            self._replace(conn, replace)
        new: list[CustomerOrder] = []
        for order in orders:
            if order.number in existing:
                if order.number in result.same_run or order.number in result.corrected:
                    continue
                result.duplicates.append(order.number)
                old = existing[order.number]
                if order.shop_status and order.shop_status != old:
                    result.status_updates.append((order.number, old, order.shop_status))
                    existing[order.number] = order.shop_status
                    if not dry_run:
                        conn.execute(customer_orders.update()
                                     .where(customer_orders.c.number == order.number)
                                     .values(shop_status=order.shop_status))
                continue
            existing[order.number] = order.shop_status  # the same number twice in one chunk
            new.append(order)
        if dry_run:
            result.stored = [o.number for o in new]
            return result
        if not new:
            return result
        customer_ids = self._customer_keys(conn, [o.customer for o in new])
        ts = now()
        # one executemany per table, ids read back by number: a chunk of thousands of orders
        # costs a handful of statements, not several per order
        conn.execute(customer_orders.insert(), [
            {"number": order.number, "ordered_at": order.ordered_at, "currency": order.currency,
             "status": "open", "customer_id": customer_ids[order.customer.email.lower()],
             "shipping": order.shipping, "imported_at": ts, "source": source[:255],
             "shop_status": order.shop_status, "total": order.total, "tax_mode": order.tax_mode,
             "shipping_tax_rate": order.shipping_tax_rate,
             **{f"customer_{f}": getattr(order.customer, f) for f in CUSTOMER_FIELDS}}
            for order in new])
        for part in _parts([o.number for o in new]):
            result.ids.update(conn.execute(
                sa.select(customer_orders.c.number, customer_orders.c.id)
                .where(customer_orders.c.number.in_(part))).all())
        address_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        for order in new:
            order_id = result.ids[order.number]
            result.stored.append(order.number)
            address_rows += [{"order_id": order_id, "kind": kind,
                              **{f: getattr(addr, f) for f in _ADDRESS_FIELDS}}
                             for kind, addr in (("billing", order.billing),
                                                ("delivery", order.delivery))]
            line_rows += [{"order_id": order_id, "line_no": ln.line_no, "sku": ln.sku,
                           "name": ln.name, "quantity": Decimal(ln.quantity),
                           "unit_price": ln.unit_price, "tax_rate": ln.tax_rate,
                           "unit": ln.unit} for ln in order.lines]
        if address_rows:
            conn.execute(addresses.insert(), address_rows)
        if line_rows:
            conn.execute(order_lines.insert(), line_rows)
        return result

    def _corrections(self, conn: sa.Connection, orders: Sequence[CustomerOrder]
                     ) -> tuple[list[tuple[int, CustomerOrder]], list[tuple[str, str]]]:
        """Of orders imported again, those whose content changed: (id, copy) to replace, and
        (number, why not) for those that cannot be replaced any more.

        A corrected copy replaces the stored order while nothing of it is in any shop (not
        written anywhere, not cancelled) and its line numbers are the same — its lines are what
        the supplier orders point at. That is how a held order is fixed: re-import it, retry."""
        if not orders:
            return [], []
        ids: dict[str, int] = {}
        for part in _parts([o.number for o in orders]):
            ids.update(conn.execute(sa.select(customer_orders.c.number, customer_orders.c.id)
                                    .where(customer_orders.c.number.in_(part),
                                           customer_orders.c.status != "cancelled")).all())
        stored = _orders_in(conn, list(ids.values()))
        changed = [(ids[o.number], o) for o in orders if o.number in ids
                   and _content(stored[ids[o.number]]) != _content(o)]
        written: set[int] = set()
        for part in _parts([oid for oid, _o in changed]):
            written.update(conn.execute(
                sa.select(transfers.c.customer_order_id).distinct()
                .where(transfers.c.customer_order_id.in_(part),
                       transfers.c.state == TransferState.WRITTEN.value)).scalars())
        replace, refused = [], []
        for oid, order in changed:
            if oid in written:
                refused.append((order.number, "it is already in a supplier's shop"))
            elif [ln.line_no for ln in stored[oid].lines] != [ln.line_no for ln in order.lines]:
                refused.append((order.number, "its line numbers differ"))
            else:
                replace.append((oid, order))
        return replace, refused

    def _replace(self, conn: sa.Connection, replace: Sequence[tuple[int, CustomerOrder]]) -> None:
        """Overwrite stored orders with their corrected copies (ids of order and lines stay)."""
        for oid, o in replace:
            conn.execute(customer_orders.update().where(customer_orders.c.id == oid).values(
                ordered_at=o.ordered_at, currency=o.currency, shipping=o.shipping,
                total=o.total, tax_mode=o.tax_mode, shipping_tax_rate=o.shipping_tax_rate,
                **({"shop_status": o.shop_status} if o.shop_status else {}),
                **{f"customer_{f}": getattr(o.customer, f) for f in CUSTOMER_FIELDS}))
            for kind, addr in (("billing", o.billing), ("delivery", o.delivery)):
                conn.execute(addresses.update().where(addresses.c.order_id == oid,
                                                      addresses.c.kind == kind)
                             .values(**{f: getattr(addr, f) for f in _ADDRESS_FIELDS}))
            conn.execute(order_lines.update().where(
                order_lines.c.order_id == oid, order_lines.c.line_no == sa.bindparam("l_no"))
                .values(sku=sa.bindparam("l_sku"), name=sa.bindparam("l_name"),
                        quantity=sa.bindparam("l_qty"), unit_price=sa.bindparam("l_price"),
                        tax_rate=sa.bindparam("l_rate"), unit=sa.bindparam("l_unit")),
                [{"l_no": ln.line_no, "l_sku": ln.sku, "l_name": ln.name,
                  "l_qty": Decimal(ln.quantity), "l_price": ln.unit_price,
                  "l_rate": ln.tax_rate, "l_unit": ln.unit} for ln in o.lines])

    def _customer_keys(self, conn: sa.Connection, people: Sequence[Customer]) -> dict[str, int]:
        """Email (lower case) → its ox_customers id, inserting the emails not seen before.

        Never updates a known email: what an order says about its customer is stored with the
        order itself, so a later order of the same email cannot change an earlier one."""
        first: dict[str, Customer] = {}
        for person in people:
            first.setdefault(person.email.lower(), person)
        ids: dict[str, int] = {}
        for part in _parts(list(first)):
            ids.update(conn.execute(sa.select(customers.c.email, customers.c.id)
                                    .where(customers.c.email.in_(part))).all())
        fresh = [{"email": e, "first_name": p.first_name, "last_name": p.last_name,
                  "phone": p.phone, "company": p.company, "number": p.number}
                 for e, p in first.items() if e not in ids]
        if fresh:
            conn.execute(customers.insert(), fresh)
            for part in _parts([row["email"] for row in fresh]):
                ids.update(conn.execute(sa.select(customers.c.email, customers.c.id)
                                        .where(customers.c.email.in_(part))).all())
        return ids

    def customer_orders(self, ids: Iterable[int]) -> dict[int, CustomerOrder]:
        ids = list(ids)
        if not ids:
            return {}
        with self.engine.connect() as conn:
            return _orders_in(conn, ids)

    def list_customer_orders(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = (sa.select(customer_orders.c.id, customer_orders.c.number,
                           customer_orders.c.ordered_at, customer_orders.c.status,
                           customer_orders.c.shop_status,
                           customer_orders.c.customer_email.label("email"),
                           sa.func.count(order_lines.c.id).label("lines"))
                 .join(order_lines, order_lines.c.order_id == customer_orders.c.id)
                 .group_by(customer_orders.c.id, customer_orders.c.customer_email)
                 .order_by(customer_orders.c.id))
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- catalogue --------------------------------------------------------------------------
    def upsert_catalogue(self, entries: Sequence[CatalogueEntry]) -> int:
        with self.engine.begin() as conn:
            for e in entries:
                key = (catalogue.c.sku == e.sku) & (catalogue.c.supplier_id == e.supplier_id)
                values = {"supplier_sku": e.supplier_sku, "purchase_price": e.purchase_price,
                          "name": e.name, "currency": e.currency}
                if conn.execute(catalogue.update().where(key).values(**values)).rowcount == 0:
                    conn.execute(catalogue.insert().values(sku=e.sku, supplier_id=e.supplier_id,
                                                           **values))
        return len(entries)

    def catalogue_entries(self) -> list[CatalogueEntry]:
        with self.engine.connect() as conn:
            return [CatalogueEntry(r.sku, r.supplier_id, r.supplier_sku, r.purchase_price, r.name,
                                   r.currency)
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

    def shop_statuses(self, order_ids: Iterable[int]) -> dict[int, str]:
        """Customer order id → its status in the distributor's shop (for supplier triggers)."""
        out: dict[int, str] = {}
        with self.engine.connect() as conn:
            for part in _parts(sorted(set(order_ids))):
                out.update(conn.execute(sa.select(customer_orders.c.id,
                                                  customer_orders.c.shop_status)
                                        .where(customer_orders.c.id.in_(part))).all())
        return out

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
                    {"transfer_id": t_id, "line_id": line[0], "supplier_sku": line[1],
                     "purchase_price": line[2], "currency": line[3] if len(line) > 3 else None}
                    for line in lines])
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
                          transfer_lines.c.supplier_sku, transfer_lines.c.purchase_price,
                          transfer_lines.c.currency)
                .where(transfer_lines.c.transfer_id.in_([t.id for t in t_rows]))).all()
            order_ids = {t.customer_order_id for t in t_rows}
            # the same customer orders sent to the same supplier in other supplier orders
            earlier: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
            if order_ids:
                for e in conn.execute(
                        sa.select(transfers.c.customer_order_id, transfers.c.supplier_order_id,
                                  transfers.c.remote_order_id)
                        .join(supplier_orders,
                              supplier_orders.c.id == transfers.c.supplier_order_id)
                        .where(transfers.c.customer_order_id.in_(order_ids),
                               supplier_orders.c.supplier_id == row.supplier_id,
                               supplier_orders.c.id != so_id,
                               transfers.c.state == TransferState.WRITTEN.value)
                        .order_by(transfers.c.supplier_order_id)):
                    earlier[e.customer_order_id].append((e.supplier_order_id, e.remote_order_id))
        orders = self.customer_orders(order_ids)
        by_line = {ln.id: ln for o in orders.values() for ln in o.lines}
        mapped = self._catalogue_skus(row.supplier_id, {ln.sku for ln in by_line.values()})
        lines_of = defaultdict(list)
        for lr in l_rows:
            line = by_line[lr.line_id]
            lines_of[lr.transfer_id].append(
                SupplierLine(line, lr.supplier_sku, lr.purchase_price, lr.currency,
                             catalogue_sku=mapped.get(line.sku), catalogue_loaded=True))
        so = _supplier_order(row)
        for t in t_rows:
            so.transfers.append(Transfer(
                customer_order=orders[t.customer_order_id],
                lines=sorted(lines_of[t.id], key=lambda sl: sl.line.line_no),
                reference=t.reference, state=TransferState(t.state),
                remote_order_id=t.remote_order_id, remote_customer_id=t.remote_customer_id,
                customer_created=t.customer_created, error_code=t.error_code,
                error_message=t.error_message, id=t.id, customer_match=t.customer_match,
                sent_before=earlier.get(t.customer_order_id, []), shop_floor=t.shop_floor))
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
                conn.execute(transfers.update().where(
                    transfers.c.supplier_order_id == so.id, transfers.c.shop_floor.is_(None))
                    .values(shop_floor=max(0, int(floor))))
            got = dict(conn.execute(sa.select(transfers.c.id, transfers.c.shop_floor)
                                    .where(transfers.c.supplier_order_id == so.id)).all())
        for t in so.transfers:
            if t.id in got:
                t.shop_floor = got[t.id]

    def _catalogue_skus(self, supplier_id: str, skus: set[str]) -> dict[str, str]:
        """Our SKU → the supplier SKU the catalogue maps it to for this supplier, now."""
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for part in _parts(sorted(skus)):
                out.update(conn.execute(
                    sa.select(catalogue.c.sku, catalogue.c.supplier_sku)
                    .where(catalogue.c.supplier_id == supplier_id, catalogue.c.sku.in_(part))
                ).all())
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
        """Summary rows for tables: counts and net value computed in SQL, no order loading."""
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
                  message_id: str | None = None, step: str | None = None,
                  stopped_under: str | None = None) -> None:
        """Persist a state (with its error); `stopped_under` is the settings fingerprint under
        which a permanent error stops automatic sends — any other state change clears it."""
        values: dict[str, Any] = {"state": state.value, "updated_at": now(),
                                  "error_code": error.code if error else None,
                                  "error_message": error.message if error else None,
                                  "stopped_under": stopped_under}
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
            conn.execute(
                transfers.update().where(transfers.c.id == sa.bindparam("t_id")).values(
                    state=sa.bindparam("t_state"), remote_order_id=sa.bindparam("t_remote"),
                    remote_customer_id=sa.bindparam("t_customer"),
                    customer_created=sa.bindparam("t_created"),
                    customer_match=sa.bindparam("t_match"),
                    error_code=sa.bindparam("t_code"), error_message=sa.bindparam("t_message"),
                    attempts=transfers.c.attempts + 1, updated_at=ts),
                [{"t_id": t.id, "t_state": t.state.value, "t_remote": t.remote_order_id,
                  "t_customer": t.remote_customer_id, "t_created": t.customer_created,
                  "t_match": t.customer_match, "t_code": error.code if error else None,
                  "t_message": error.message if error else None}
                 for t, error, _found in outcomes])
            conn.execute(events.insert(), [
                {"at": ts, "supplier_order_id": so_id, "transfer_id": transfer.id,
                 "step": "write", "outcome": "error" if error else "ok",
                 "code": error.code if error else None,
                 "message": f"{transfer.customer_order.number}: " + (
                     error.message if error else
                     f"{'found already written' if found_existing else 'written'} as shop order "
                     f"{transfer.remote_order_id}")}
                for transfer, error, found_existing in outcomes])

    def save_matches(self, so: SupplierOrder) -> None:
        """Record the customer match step 1 planned for each transfer not written yet."""
        rows = [{"t_id": t.id, "t_match": t.customer_match} for t in so.transfers
                if t.state != TransferState.WRITTEN and t.id is not None]
        if not rows:
            return
        with self.engine.begin() as conn:  # one executemany, not a statement per order
            conn.execute(transfers.update().where(transfers.c.id == sa.bindparam("t_id"))
                         .values(customer_match=sa.bindparam("t_match")), rows)

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
                conn.execute(transfers.update().where(
                    transfers.c.id.in_([t.id for t in released]),
                    transfers.c.state == TransferState.HELD.value).values(
                    state=TransferState.PENDING.value, error_code=None, error_message=None,
                    updated_at=ts))
                conn.execute(events.insert(), [
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
            conn.execute(transfers.update().where(
                transfers.c.id == sa.bindparam("t_id"),
                transfers.c.state != TransferState.WRITTEN.value).values(
                supplier_order_id=target, state=TransferState.HELD.value,
                error_code=sa.bindparam("t_code"), error_message=sa.bindparam("t_message"),
                updated_at=ts),
                [{"t_id": t.id, "t_code": f.code, "t_message": f.message} for t, f in held])
            # an order held again for the same reason (a retry, the daemon's next run) is no
            # news: the log says when it was held and when the reason changed
            news = [(t, f) for t, f in held
                    if t.state != TransferState.HELD or t.error_code != f.code or split]
            if news:
                conn.execute(events.insert(), [
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

    # -- transfer log: events, supplier transfer status, confirm, purge ---------------------
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

    # -- cancel -----------------------------------------------------------------------------
    def customer_order_by_number(self, number: str) -> tuple[int, str]:
        """(id, status) of a customer order; OX-STO-002 when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(customer_orders.c.id, customer_orders.c.status)
                               .where(customer_orders.c.number == number)).first()
        if row is None:
            raise OXError("OX-STO-002", order=number)
        return row.id, row.status

    def set_customer_order_status(self, order_id: int, status: str) -> None:
        self.set_customer_orders_status([order_id], status)

    def set_customer_orders_status(self, order_ids: Sequence[int], status: str) -> None:
        with self.engine.begin() as conn:
            for part in _parts(list(order_ids)):
                conn.execute(customer_orders.update().where(customer_orders.c.id.in_(part))
                             .values(status=status))

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

    # -- read-back --------------------------------------------------------------------------
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
    return OrderLine(row.line_no, row.sku, row.name, plain_quantity(row.quantity), row.unit_price,
                     row.tax_rate, id=row.id, unit=row.unit or "")


def _orders_in(conn: sa.Connection, ids: Sequence[int]) -> dict[int, CustomerOrder]:
    """Customer orders by id, each with its own customer, addresses and lines."""
    rows: list[Any] = []
    addr: dict[int, dict[str, Address]] = defaultdict(dict)
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for part in _parts(list(ids)):
        rows += conn.execute(sa.select(customer_orders)
                             .where(customer_orders.c.id.in_(part))).all()
        for a in conn.execute(sa.select(addresses).where(addresses.c.order_id.in_(part))):
            addr[a.order_id][a.kind] = Address(**{f: getattr(a, f) for f in _ADDRESS_FIELDS})
        for ln in conn.execute(sa.select(order_lines).where(order_lines.c.order_id.in_(part))
                               .order_by(order_lines.c.order_id, order_lines.c.line_no)):
            lines[ln.order_id].append(_line(ln))
    return {
        r.id: CustomerOrder(
            number=r.number, ordered_at=_aware(r.ordered_at), currency=r.currency,
            customer=Customer(**{f: getattr(r, f"customer_{f}") or "" for f in CUSTOMER_FIELDS}),
            billing=addr[r.id]["billing"], delivery=addr[r.id]["delivery"],
            lines=lines[r.id], shipping=r.shipping, id=r.id, status=r.status,
            shop_status=r.shop_status or "", total=r.total, tax_mode=r.tax_mode or "net",
            shipping_tax_rate=r.shipping_tax_rate or Decimal("0"),
        )
        for r in rows
    }


def _content(order: CustomerOrder) -> tuple[Any, ...]:
    """What an order says, for telling a corrected copy from the same one imported again (its
    shop status is compared apart: a new status alone is a status update)."""
    return (_aware(order.ordered_at), order.currency, order.customer, order.billing,
            order.delivery, order.shipping, order.total, order.tax_mode,
            order.shipping_tax_rate or Decimal("0"),
            [(ln.line_no, ln.sku, ln.name, Decimal(ln.quantity), ln.unit_price, ln.tax_rate,
              ln.unit) for ln in order.lines])


def _parts(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices for `IN` lists: every backend has a bound-parameter limit."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _upgrade(engine: Engine) -> None:
    """Add the columns a newer release defined to an existing store (never drops or alters).

    Each such column allows NULL or has a server default, so adding it is safe on SQLite,
    PostgreSQL and MariaDB alike.
    """
    inspector = sa.inspect(engine)
    statements = []
    added: set[tuple[str, str]] = set()
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            added.add((table.name, column.name))
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {column.name} " \
                  f"{column.type.compile(dialect=engine.dialect)}"
            if column.server_default is not None:
                default = str(column.server_default.arg).replace("'", "''")
                ddl += f" DEFAULT '{default}' NOT NULL"
            statements.append(ddl)
    if statements:
        with engine.begin() as conn:
            for ddl in statements:
                conn.exec_driver_sql(ddl)
    if (customer_orders.name, "customer_email") in added:
        _backfill_customer_snapshot(engine)
    if (transfers.name, "shop_floor") in added:
        # transfers from before issue 15 may have been attempted: their look-up stays unbounded
        with engine.begin() as conn:
            conn.execute(transfers.update().values(shop_floor=0))


def _backfill_customer_snapshot(engine: Engine) -> None:
    """Give the orders of a store from before issue 13 their own customer snapshot.

    Those stores kept one customer row per email, overwritten by each import, so the best that
    is known of an old order's customer is that row: it is copied into every order of the email
    still lacking a snapshot. Orders imported from then on keep what they said themselves."""
    c = customers
    with engine.begin() as conn:
        conn.execute(customer_orders.update()
                     .where(customer_orders.c.customer_email.is_(None))
                     .values({customer_orders.c[f"customer_{f}"]:
                              sa.select(c.c[f]).where(c.c.id == customer_orders.c.customer_id)
                              .scalar_subquery() for f in CUSTOMER_FIELDS}))


@dataclass
class ChunkResult:
    """What one import chunk did: stored numbers (with their ids), duplicates, status updates."""

    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    status_updates: list[tuple[str, str, str]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    #: numbers this source stored earlier in the same run (see `add_customer_orders`)
    same_run: list[str] = field(default_factory=list)
    #: imported before, nothing of it in any shop yet: replaced by this corrected copy
    corrected: list[str] = field(default_factory=list)
    #: imported before and different now, but not replaced: (number, why)
    not_corrected: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: ChunkResult) -> None:
        self.same_run += other.same_run
        self.corrected += other.corrected
        self.not_corrected += other.not_corrected
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.status_updates += other.status_updates
        self.ids.update(other.ids)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _supplier_order(row: Any) -> SupplierOrder:
    return SupplierOrder(id=row.id, supplier_id=row.supplier_id,
                         state=SupplierOrderState(row.state), created_at=_aware(row.created_at),
                         updated_at=_aware(row.updated_at), message_id=row.message_id,
                         error_code=row.error_code, error_message=row.error_message,
                         stopped_under=row.stopped_under)


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return text[:300]
