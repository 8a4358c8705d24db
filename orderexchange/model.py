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
    quantity: int
    unit_price: Decimal  # net, as sold to the end customer
    tax_rate: Decimal  # percent, e.g. 19
    id: int | None = None


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
    status: str = "open"


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


@dataclass
class SupplierLine:
    """A customer-order line as the supplier sees it: its SKU and the purchase price we pay."""

    line: OrderLine
    supplier_sku: str
    purchase_price: Decimal  # net unit price the distributor pays the supplier

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


@dataclass
class Finding:
    """A result of a check: an error blocks its supplier order, a warning only informs."""

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
