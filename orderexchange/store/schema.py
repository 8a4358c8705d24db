"""The state store's tables and column types, and the small helpers every part of it uses.

One `metadata` for all tables: `Store` creates them and `connect._upgrade` adds the columns a newer
release defined, so a table's definition here is the single place that says what a store holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..model import TransferState


class DecimalText(sa.types.TypeDecorator):
    """Exact decimals on every backend: SQLite has no decimal type and would go through float."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """`process_result_value` as one plain function: TypeDecorator's wrapper around it was
        two calls per value, and a supplier order's load converts some 10,000 (the impl, a
        String, has no result processing of its own to keep)."""
        return _decimal_or_none


def _decimal_or_none(value: Any) -> Decimal | None:
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
    # indexed: loading a supplier order looks up the same customer orders' earlier sends to
    # its supplier (OX-CHK-027) by this column; unindexed, each load read every transfer of
    # the supplier, a cost that grew with the store's history
    sa.Column("customer_order_id", sa.ForeignKey("ox_customer_orders.id"), nullable=False,
              index=True),
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


def _parts(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices for `IN` lists: every backend has a bound-parameter limit."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
