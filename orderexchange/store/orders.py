"""The state store's customer orders and catalogue: import (with corrections), read, status.

The import writes a chunk of orders in a handful of statements; a corrected copy replaces a stored
order only while nothing of it is in any shop (see `CustomerOrders._corrections`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..errors import OXError
from ..model import (
    Address, CatalogueEntry, Customer, CustomerOrder, OrderLine, TransferState, plain_quantity,
)
from .schema import (
    CUSTOMER_FIELDS, _ADDRESS_FIELDS, _aware, _parts, addresses, catalogue, customer_orders,
    customers, now, order_lines, transfers,
)


class CustomerOrders:
    """Customer orders and the catalogue (a part of `Store`)."""

    engine: Engine

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

    def count_customer_orders(self, status: str) -> int:
        """How many customer orders have this status (e.g. "open"), counted by the database."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(customer_orders)
                                .where(customer_orders.c.status == status)).scalar_one()

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

    def shop_statuses(self, order_ids: Iterable[int]) -> dict[int, str]:
        """Customer order id → its status in the distributor's shop (for supplier triggers)."""
        out: dict[int, str] = {}
        with self.engine.connect() as conn:
            for part in _parts(sorted(set(order_ids))):
                out.update(conn.execute(sa.select(customer_orders.c.id,
                                                  customer_orders.c.shop_status)
                                        .where(customer_orders.c.id.in_(part))).all())
        return out

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


def _line(row: Any) -> OrderLine:
    return OrderLine(row.line_no, row.sku, row.name, plain_quantity(row.quantity), row.unit_price,
                     row.tax_rate, id=row.id, unit=row.unit or "")


#: the columns `_orders_in` reads, in the order of the dataclasses' positional fields: rows are
#: unpacked into them positionally (an attribute look-up per field and a keyword dict per
#: address were most of a 500-order supplier order's load)
_ADDRESS_POSITIONAL = ("first_name", "last_name", "street", "postcode", "city", "country",
                       "company", "street2", "state")  # model.Address's fields
_ADDRESS_READ = [addresses.c.order_id, addresses.c.kind,
                 *(addresses.c[f] for f in _ADDRESS_POSITIONAL)]
_LINE_READ = [order_lines.c.order_id, order_lines.c.line_no, order_lines.c.sku,
              order_lines.c.name, order_lines.c.quantity, order_lines.c.unit_price,
              order_lines.c.tax_rate, order_lines.c.id, order_lines.c.unit]
_CUSTOMER_COLUMNS = tuple(f"customer_{f}" for f in CUSTOMER_FIELDS)  # model.Customer's order
#: the order's own columns, the customer's last (`Customer`'s positional fields)
_ORDER_READ = [customer_orders.c.id, customer_orders.c.number, customer_orders.c.ordered_at,
               customer_orders.c.currency, customer_orders.c.shipping, customer_orders.c.status,
               customer_orders.c.shop_status, customer_orders.c.total, customer_orders.c.tax_mode,
               customer_orders.c.shipping_tax_rate,
               *(customer_orders.c[c] for c in _CUSTOMER_COLUMNS)]


#: the three reads of `_orders_in`, built once (a statement built per call cost more to build
#: and key for the compiled cache than to run): orders by a list of ids ...
_ORDERS_IN = sa.bindparam("ids", expanding=True)
_READ_IN = (sa.select(*_ORDER_READ).where(customer_orders.c.id.in_(_ORDERS_IN)),
            sa.select(*_ADDRESS_READ).where(addresses.c.order_id.in_(_ORDERS_IN)),
            sa.select(*_LINE_READ).where(order_lines.c.order_id.in_(_ORDERS_IN))
            .order_by(order_lines.c.order_id, order_lines.c.line_no))
#: ... and a supplier order's, by its id through `ox_transfers` (no bound value per order)
_OF_SUPPLIER_ORDER = sa.select(transfers.c.customer_order_id).where(
    transfers.c.supplier_order_id == sa.bindparam("so_id"))
_READ_OF = (sa.select(*_ORDER_READ).where(customer_orders.c.id.in_(_OF_SUPPLIER_ORDER)),
            sa.select(*_ADDRESS_READ).where(addresses.c.order_id.in_(_OF_SUPPLIER_ORDER)),
            sa.select(*_LINE_READ).where(order_lines.c.order_id.in_(_OF_SUPPLIER_ORDER))
            .order_by(order_lines.c.order_id, order_lines.c.line_no))


def _orders_in(conn: sa.Connection, ids: Sequence[int]) -> dict[int, CustomerOrder]:
    """Customer orders by id, each with its own customer, addresses and lines (500 ids a
    statement)."""
    return _read_orders(conn, [(_READ_IN, {"ids": list(part)}) for part in _parts(list(ids))])


def _orders_of(conn: sa.Connection, so_id: int) -> dict[int, CustomerOrder]:
    """The customer orders of one supplier order, by id: three statements, whatever its size."""
    return _read_orders(conn, [(_READ_OF, {"so_id": so_id})])


def _read_orders(conn: sa.Connection, reads: Sequence[tuple[tuple[sa.Select, ...], dict[str, Any]]]
                 ) -> dict[int, CustomerOrder]:
    """Each answer is fetched whole (`all()`: one driver call, not one per row) and unpacked by
    position: a supplier order of 500 customer orders reads some 3,000 rows.

    The objects are made with positional arguments in the dataclasses' field order, and a
    quantity that is a Decimal made plain here (`plain_quantity`'s own steps): ~21,000 orders
    and ~56,000 lines per 10,000-order send, where a keyword dict, a generator per customer and
    a call per quantity were a fifth of the load's CPU (tests/test_store*.py read them back)."""
    rows: list[Any] = []
    addr: dict[int, dict[str, Address]] = defaultdict(dict)
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for (read_orders, read_addresses, read_lines), params in reads:
        rows += conn.execute(read_orders, params).all()
        for order_id, kind, *fields in conn.execute(read_addresses, params).all():
            addr[order_id][kind] = Address(*fields)
        for order_id, no, sku, name, quantity, price, rate, line_id, unit in conn.execute(
                read_lines, params).all():
            if type(quantity) is Decimal:  # plain_quantity(quantity), its steps in place
                quantity = (int(quantity) if quantity == quantity.to_integral_value()
                            else quantity.normalize())
            else:
                quantity = plain_quantity(quantity)
            lines[order_id].append(OrderLine(no, sku, name, quantity, price, rate, line_id,
                                             unit or ""))
    out = {}
    zero = Decimal("0")
    for (oid, number, ordered_at, currency, shipping, status, shop_status, total, tax_mode,
         shipping_tax_rate, *customer) in rows:
        own = addr[oid]
        # CustomerOrder's fields in their order (model.py), the customer's as `_ORDER_READ`
        out[oid] = CustomerOrder(
            number, ordered_at if ordered_at.tzinfo else ordered_at.replace(tzinfo=UTC),
            currency, Customer(*[v or "" for v in customer]), own["billing"], own["delivery"],
            lines[oid], shipping, oid, status, shop_status or "", total, tax_mode or "net",
            shipping_tax_rate or zero)
    return out


def _content(order: CustomerOrder) -> tuple[Any, ...]:
    """What an order says, for telling a corrected copy from the same one imported again (its
    shop status is compared apart: a new status alone is a status update)."""
    return (_aware(order.ordered_at), order.currency, order.customer, order.billing,
            order.delivery, order.shipping, order.total, order.tax_mode,
            order.shipping_tax_rate or Decimal("0"),
            [(ln.line_no, ln.sku, ln.name, Decimal(ln.quantity), ln.unit_price, ln.tax_rate,
              ln.unit) for ln in order.lines])


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
