"""`Sheet`: the facts of one supplier order as the supplier sees them, built once and read by
every rendering (email, CSV, UBL, openTRANS, PDF), so the email and its attachments agree."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..model import (Address, Customer, CustomerOrder, OrderLine, SupplierLine, SupplierOrder,
                    SupplierOrderState, Transfer, TransferState, money, plain_quantity)
from ..errors import OXError
from ..rates import ZERO, Rates, stated
from .text import unit_code

if TYPE_CHECKING:
    from ..config import Config, SupplierConfig


#: connector type of the shipped connector that writes no database (plugins/mail_only.py)
MAIL_ONLY = "mail-only"


FORMATS = ("csv", "ubl", "pdf", "opentrans")


LANGUAGES = ("en", "de")


# --- the facts of one supplier order, as the supplier sees them ------------------------------
@dataclass(frozen=True)
class SheetLine:
    line_no: int
    sku: str  # the distributor's SKU
    supplier_sku: str
    name: str
    quantity: int | Decimal
    unit: str  # as the distributor's shop wrote it ("" = pieces)
    unit_code: str  # UN/ECE Recommendation 20 code (C62 = one piece)
    unit_price: Decimal  # net purchase price
    net_total: Decimal
    tax_rate: Decimal
    tax: Decimal


_new = object.__new__
_set = object.__setattr__


def _sheet_line(line_no: int, sku: str, supplier_sku: str, name: str, quantity: int | Decimal,
                unit: str, unit_code: str, unit_price: Decimal, net_total: Decimal,
                tax_rate: Decimal, tax: Decimal) -> SheetLine:
    """`SheetLine(...)` with these values, its attributes set at once: the frozen dataclass's
    own `__init__` sets them one `object.__setattr__` at a time (1.4 us a line, keywords 2.0;
    this 0.7), and a 400-order notification has ~900 lines. The same object: equal, the same
    hash and repr (tests/test_documents.py)."""
    made = _new(SheetLine)
    _set(made, "__dict__", {
        "line_no": line_no, "sku": sku, "supplier_sku": supplier_sku, "name": name,
        "quantity": quantity, "unit": unit, "unit_code": unit_code, "unit_price": unit_price,
        "net_total": net_total, "tax_rate": tax_rate, "tax": tax})
    return made


@dataclass
class SheetOrder:
    """One customer order inside the supplier order."""

    number: str  # the order number in the distributor's shop
    reference: str  # exchange reference: in the supplier shop, the key to quote back
    shop_order_id: str | None  # the order number in the supplier's shop (None: not written)
    ordered_at: datetime
    currency: str
    customer: Customer
    billing: Address
    delivery: Address
    #: who the customer of the order in the supplier shop is: customer | distributor | guest
    policy: str
    customer_created: bool | None
    customer_match: str | None
    lines: list[SheetLine]
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    transfer: Transfer

    @property
    def blind(self) -> bool:
        """Blind drop-ship: the distributor is the customer; the end customer only receives."""
        return self.policy == "distributor"

    @property
    def recipient(self) -> str:
        """The delivery address's first line: company, else the person."""
        return self.delivery.company or self.delivery.name


@dataclass(frozen=True)
class Totals:
    currency: str
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


@dataclass
class Sheet:
    """What every rendering (email, CSV, UBL, openTRANS, PDF) of a supplier order shows."""

    config: Config
    supplier: SupplierConfig
    supplier_order: SupplierOrder
    label: str  # "acme-42": distributor id + supplier order id
    language: str
    #: "shop": the orders were written into the supplier's shop; "email": this mail hands them over
    handover: str
    issued_at: datetime
    orders: list[SheetOrder]
    reply_to: str
    customer_number: str | None
    totals: list[Totals] = field(default_factory=list)  # one per currency

    @property
    def line_count(self) -> int:
        return sum(len(o.lines) for o in self.orders)


def language_of(supplier: SupplierConfig) -> str:
    """"de-AT" / "de_DE" → "de"; the shipped languages are en and de, others fall back to en
    (a template folder may still hold templates for them: see `template_languages`)."""
    return re.split(r"[-_]", (supplier.language or "en").strip().lower(), maxsplit=1)[0] or "en"


def handover_of(supplier: SupplierConfig) -> str:
    return "email" if supplier.connector == MAIL_ONLY else "shop"


def reply_address(config: Config, supplier: SupplierConfig) -> str:
    note = supplier.notification
    return note.reply_to or config.distributor.reply_to or config.distributor.email


def sheet(config: Config, supplier: SupplierConfig, so: SupplierOrder,
          transfers: Sequence[Transfer] | None = None, now: datetime | None = None) -> Sheet:
    """The facts of `so` (or of `transfers` of it, e.g. the cancelled ones) for `supplier`."""
    policy = getattr(supplier, "customer_policy", "customer")
    shipping = money(Decimal(supplier.shipping_cost))
    shipping_tax = money(shipping * Decimal(supplier.shipping_tax_rate) / 100)
    rates = Rates.of(config.distributor)
    codes: dict[str, str] = {}  # unit → its code (`unit_code`), once per unit
    orders = []
    for t in (so.transfers if transfers is None else transfers):
        co = t.customer_order
        # the purchase prices' currency, not the customer order's: the amounts are the
        # distributor's purchase prices and the supplier's `shipping_cost`, never converted into
        # the order's currency here (only the shop does that, with its own rates)
        quoted = [sl.currency or supplier.price_currency for sl in t.lines]
        st = stated(rates, [(sl.purchase_price, Decimal(sl.line.quantity), c)
                            for sl, c in zip(t.lines, quoted, strict=True)],
                    supplier.price_currency, bool(shipping))
        if st.missing:  # step 1 stops such an order first
            raise OXError("OX-CHK-054", order=co.number, supplier=supplier.id,
                          currencies=", ".join(sorted(set(quoted))), currency=st.currency,
                          missing=", ".join(st.missing), base=rates.base or st.currency)
        currency = st.currency
        lines = []
        # the lines' net and tax added up as they are made, in line order from 0 (the sums of
        # the sheet's lines, in the same order: the same Decimals)
        subtotal = tax = Decimal("0")
        # each line's amounts once (a 500-order email has thousands)
        for sl, (unit_price, net) in zip(t.lines, st.lines, strict=True):
            line = sl.line
            quantity, unit, tax_rate = line.quantity, line.unit, line.tax_rate
            code = codes.get(unit)
            if code is None:
                code = codes[unit] = unit_code(unit)
            line_tax = money(net * tax_rate / 100)
            lines.append(_sheet_line(
                line.line_no, line.sku, sl.supplier_sku, line.name,
                quantity if type(quantity) is int else plain_quantity(quantity), unit, code,
                unit_price, net, Decimal(tax_rate).normalize(), line_tax))
            subtotal += net
            tax += line_tax
        tax += shipping_tax
        orders.append(SheetOrder(
            number=co.number, reference=t.reference,
            shop_order_id=t.remote_order_id,
            ordered_at=co.ordered_at, currency=currency, customer=co.customer,
            billing=co.billing, delivery=co.delivery, policy=policy,
            customer_created=t.customer_created, customer_match=t.customer_match, lines=lines,
            subtotal=subtotal, shipping=shipping, tax=tax, total=subtotal + shipping + tax,
            transfer=t))
    totals: dict[str, list[Decimal]] = {}
    for o in orders:
        acc = totals.setdefault(o.currency, [Decimal("0")] * 4)
        acc[0] += o.subtotal
        acc[1] += o.shipping
        acc[2] += o.tax
        acc[3] += o.total
    return Sheet(
        config=config, supplier=supplier, supplier_order=so,
        label=f"{config.distributor.id}-{so.id}", language=language_of(supplier),
        handover=handover_of(supplier), issued_at=now or datetime.now(UTC), orders=orders,
        reply_to=reply_address(config, supplier),
        customer_number=supplier.notification.customer_number,
        totals=[Totals(c, *v) for c, v in totals.items()])


# --- a supplier order's value in lists ---------------------------------------------------------
#: a customer order's purchase lines as the list reads them from the store: (unit price,
#: quantity, the catalogue's currency or None for the supplier's `price_currency`)
PurchaseLine = tuple[Decimal, Decimal, "str | None"]


def listed_value(config: Config, supplier_id: str, orders: Sequence[Sequence[PurchaseLine]],
                 rates: Rates | None = None) -> dict[str, Any]:
    """A supplier order's net value as the supplier-order list (`orders`, its `--json`, the
    menu) shows it: the net subtotal(s) its notification states, per currency as `Sheet.totals`
    adds them up (`stated`, the documents' own computation), the amounts as exact strings.

    `net_value` and `currency` are set when the documents state one currency (nothing listed:
    0.00 in the supplier's `price_currency`). When they cannot state the order — a rate step 1
    would hold it for (OX-CHK-054), or a supplier no longer configured — `net_values` holds the
    lines' amounts per currency they are quoted in, never one bare sum, and `value_unstated`
    says why (`missing_rates`: the currencies without a rate)."""
    supplier = config.suppliers.get(supplier_id)
    rates = rates if rates is not None else Rates.of(config.distributor)
    totals: dict[str | None, Decimal] = {}
    unstated: str | None = None
    missing: set[str] = set()
    if supplier is None:
        unstated = f"supplier {supplier_id} is not configured"
    else:
        shipping = bool(money(Decimal(supplier.shipping_cost)))
        own = supplier.price_currency
        for lines in orders:
            if any(c is None for _p, _q, c in lines):
                lines = [(p, q, c or own) for p, q, c in lines]
            st = stated(rates, lines, own, shipping)
            if st.missing:
                missing.update(st.missing)
            else:
                totals[st.currency] = totals.get(st.currency, ZERO) + st.subtotal
        if missing:
            unstated = (f"no exchange rate for {', '.join(sorted(missing))} "
                        f"(OX-CHK-054): amounts per quoted currency")
    if unstated is not None:  # each line to the cent in the currency it is quoted in
        totals = {}
        default = supplier.price_currency if supplier is not None else None
        for lines in orders:
            for price, quantity, currency in lines:
                key = currency or default
                totals[key] = totals.get(key, Decimal("0")) + money(price * quantity)
        totals = dict(sorted(totals.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))
    values = [{"currency": c, "amount": str(a)} for c, a in totals.items()]
    single = unstated is None and len(values) <= 1
    return {"net_value": (values[0]["amount"] if values else "0.00") if single else None,
            "currency": (values[0]["currency"] if values else supplier.price_currency)
            if single and supplier is not None else None,
            "net_values": values, "value_unstated": unstated, "missing_rates": sorted(missing)}


# --- sample data: what `config check` and `preview --sample` render --------------------------
def sample_supplier_order(supplier: SupplierConfig) -> SupplierOrder:
    """A realistic supplier order with two customer orders (one of them with a company and an
    address addition, one a measured unit) for render checks of templates and documents."""
    when = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    first = Address("Anna", "Schmidt", "Hauptstr. 1", "10115", "Berlin", "DE",
                    company="Werkstatt Schmidt", street2="Hinterhaus")
    second = Address("Jürgen", "Łukasz-Müller", "Ringstraße 7", "8010", "Graz", "AT",
                     state="Steiermark")
    orders = [
        CustomerOrder("S-1001", when, "EUR",
                      Customer("anna.schmidt@example.com", "Anna", "Schmidt", "+49 30 1234567"),
                      first, first,
                      [OrderLine(1, "HAMMER", "Claw hammer 450 g", 2, Decimal("12.90"),
                                 Decimal("19"))]),
        CustomerOrder("S-1002", when, "EUR",
                      Customer("j.mueller@example.com", "Jürgen", "Łukasz-Müller", "+43 316 1234"),
                      second, second,
                      [OrderLine(1, "CABLE", "Garden hose 1/2\"", Decimal("12.5"),
                                 Decimal("1.20"), Decimal("20"), unit="m"),
                       OrderLine(2, "GLOVES", "Work gloves, size 9", 3, Decimal("4.50"),
                                 Decimal("20"))]),
    ]
    prices = {"HAMMER": ("A-100", "7.20"), "CABLE": ("A-310", "0.84"), "GLOVES": ("A-455", "2.10")}
    transfers = []
    for i, co in enumerate(orders, start=1):
        lines = [SupplierLine(line, prices[line.sku][0], Decimal(prices[line.sku][1]))
                 for line in co.lines]
        written = supplier.connector != MAIL_ONLY
        transfers.append(Transfer(
            co, lines, reference=f"OX-SAMPLE{i:015d}", state=TransferState.WRITTEN,
            remote_order_id=str(4710 + i) if written else f"OX-SAMPLE{i:015d}",
            remote_customer_id=str(70 + i) if written else None,
            customer_created=(i == 2) if written else None,
            customer_match=("email" if i == 1 else "new") if written else None))
    return SupplierOrder(0, supplier.id, SupplierOrderState.WRITTEN, when, transfers)
