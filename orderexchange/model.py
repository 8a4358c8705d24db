"""The domain: customer orders as the distributor's shop sold them, supplier orders as we forward them.

Plain dataclasses, no I/O: the importer produces them, the store persists them, checks and
connectors read them. Money is `Decimal` everywhere — a float never touches a price.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to the cent the way shops and invoices do (half up, not banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


#: Units of measure whose quantities may be decimal (1.5 m of cable, 2.25 kg of nails): common
#: abbreviations and their UN/ECE Recommendation 20 codes. Every other unit — including none,
#: "piece", "set", "C62", "H87" — counts in whole numbers.
DECIMAL_UNITS = frozenset(u.casefold() for u in (
    "kg", "g", "t", "lb", "oz", "m", "cm", "mm", "km", "ft", "in", "yd", "m2", "m²", "qm",
    "m3", "m³", "l", "ml", "cl", "gal", "h", "hr", "min",
    "KGM", "GRM", "TNE", "LBR", "MTR", "CMT", "MMT", "KMT", "FOT", "INH", "YRD", "MTK", "MTQ",
    "LTR", "MLT", "CLT", "GLL", "HUR", "MIN"))


def allows_decimal(unit: str) -> bool:
    """Whether a quantity in this unit may have decimals (measured, not counted)."""
    return unit.strip().casefold() in DECIMAL_UNITS


def plain_quantity(value: Decimal | int) -> int | Decimal:
    """A quantity as people write it: 2 rather than 2.0000, 1.5 rather than 1.5000."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


#: How the customer of an inserted order was found in the supplier shop (`Transfer.customer_match`)
MATCH_KEYS = ("email", "number", "phone", "name+postcode", "new", "distributor", "guest")


@dataclass
class Address:
    first_name: str
    last_name: str
    street: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    company: str = ""
    street2: str = ""
    state: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Customer:
    email: str
    first_name: str
    last_name: str
    phone: str = ""
    company: str = ""
    number: str = ""  # the distributor's own customer number, if its shop has one


@dataclass
class OrderLine:
    line_no: int
    sku: str
    name: str
    quantity: int | Decimal  # whole, except for measured units (see `allows_decimal`)
    unit_price: Decimal  # as sold to the end customer; net or gross per the order's tax mode
    tax_rate: Decimal  # percent, e.g. 19
    id: int | None = None
    unit: str = ""  # unit of measure; empty = pieces


@dataclass
class CustomerOrder:
    number: str
    ordered_at: datetime
    currency: str
    customer: Customer
    billing: Address
    delivery: Address
    lines: list[OrderLine]
    shipping: Decimal = Decimal("0")
    id: int | None = None
    status: str = "open"  # ours: open (lines left to build) / built
    #: the order's status in the distributor's shop ("paid", "processing" …), for triggers
    shop_status: str = ""
    #: the order total as the distributor's shop states it (None: the source gave none)
    total: Decimal | None = None
    #: "net": unit prices and shipping exclude tax, the total adds it; "gross": they include it
    tax_mode: str = "net"
    shipping_tax_rate: Decimal = Decimal("0")


class SupplierOrderState(str, enum.Enum):
    """SPEC §5 life cycle. Every transition is persisted before the next side effect."""

    DRAFT = "draft"
    CHECKED = "checked"
    CHECK_FAILED = "check_failed"
    WRITTEN = "written"
    WRITE_FAILED = "write_failed"
    NOTIFIED = "notified"
    NOTIFY_FAILED = "notify_failed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"

    @property
    def sendable(self) -> bool:
        """States from which `send` has work left to do (it resumes at the failed step)."""
        return self in SENDABLE


SENDABLE = frozenset({
    SupplierOrderState.DRAFT, SupplierOrderState.CHECKED, SupplierOrderState.CHECK_FAILED,
    SupplierOrderState.WRITTEN, SupplierOrderState.WRITE_FAILED, SupplierOrderState.NOTIFY_FAILED,
})


class TransferState(str, enum.Enum):
    """State of one customer order inside one supplier order, in the supplier's shop."""

    PENDING = "pending"
    WRITTEN = "written"
    FAILED = "failed"
    #: step 1 found a blocking problem with this order alone (its error code says which), or it
    #: was held by hand (OX-HLD-001): it waits in a supplier order of held orders, the others
    #: of its supplier order went on (issue 13 §2)
    HELD = "held"


#: the error code of a transfer held by hand (`orderexchange hold`); only `release` clears it
HELD_BY_HAND = "OX-HLD-001"


@dataclass
class SupplierLine:
    """A customer-order line as the supplier sees it: its SKU and the purchase price we pay."""

    line: OrderLine
    supplier_sku: str
    purchase_price: Decimal  # net unit price the distributor pays the supplier
    #: ISO 4217 currency of `purchase_price` (the catalogue's); None: a line built before
    #: catalogues had a currency — it is the supplier's `price_currency`
    currency: str | None = None
    #: the supplier SKU the catalogue holds *now* for this product and supplier (None: no row
    #: any more); filled by the store (`catalogue_loaded`) so step 1 can tell whether the line is
    #: still mapped to this supplier
    catalogue_sku: str | None = None
    catalogue_loaded: bool = False

    @property
    def mapped(self) -> bool:
        return not self.catalogue_loaded or self.catalogue_sku == self.supplier_sku

    @property
    def net_total(self) -> Decimal:
        return money(self.purchase_price * self.line.quantity)

    @property
    def tax_total(self) -> Decimal:
        return money(self.net_total * self.line.tax_rate / 100)


@dataclass
class Transfer:
    """One customer order written into one supplier's shop: the unit of exactly-once."""

    customer_order: CustomerOrder
    lines: list[SupplierLine]
    reference: str  # stable exchange reference, stored in the supplier shop and looked up first
    state: TransferState = TransferState.PENDING
    remote_order_id: str | None = None
    remote_customer_id: str | None = None
    customer_created: bool | None = None
    error_code: str | None = None
    error_message: str | None = None
    id: int | None = None
    #: how the customer was found in the shop (one of MATCH_KEYS): planned by the connector's
    #: check, confirmed by its write; recorded in the transfer log
    customer_match: str | None = None
    #: (supplier order id, shop order id) of earlier transfers of this customer order to the same
    #: supplier that were written (filled by the store; step 1 mentions them)
    sent_before: list[tuple[int, str | None]] = field(default_factory=list)
    #: the supplier shop's highest order key (id or number, the connector's `shop_floor`) read
    #: before this transfer's first write attempt and stored before it: whatever we wrote lies
    #: above it, so the exactly-once look-up reads only the keys above it (an index range, not
    #: the shop's history). None: never attempted, nothing of it can be in the shop. 0: no bound.
    shop_floor: int | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.net_total for line in self.lines), Decimal("0"))

    @property
    def tax(self) -> Decimal:
        return sum((line.tax_total for line in self.lines), Decimal("0"))


@dataclass
class SupplierOrder:
    id: int
    supplier_id: str
    state: SupplierOrderState
    created_at: datetime
    transfers: list[Transfer] = field(default_factory=list)
    updated_at: datetime | None = None
    message_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    #: the settings fingerprint under which a permanent error stopped its retries (see dispatch.py)
    stopped_under: str | None = None

    @property
    def line_count(self) -> int:
        return sum(len(t.lines) for t in self.transfers)

    @property
    def net_value(self) -> Decimal:
        return sum((t.subtotal for t in self.transfers), Decimal("0"))


@dataclass
class CatalogueEntry:
    sku: str
    supplier_id: str
    supplier_sku: str
    purchase_price: Decimal
    name: str = ""
    #: ISO 4217 currency of `purchase_price`; None: a row stored before catalogues had a
    #: currency — it is the supplier's `price_currency`
    currency: str | None = None


@dataclass
class Finding:
    """A result of a check: an error blocks its own customer order (`order`) or, without an
    order, its whole supplier order; a warning only informs."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    solution: str
    order: str | None = None

    @classmethod
    def from_error(cls, error, severity: str = "error", order: str | None = None) -> Finding:
        return cls(severity, error.code, error.message, error.solution, order)

    @property
    def blocking(self) -> bool:
        return self.severity == "error"
