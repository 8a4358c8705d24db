"""Money as the supplier's shop shows it: purchase prices converted into the order's currency with
the shop's own exchange rates, and the order's amounts in that currency, to the cent.

Every SQL connector writes the same amounts; what differs per shop is only where it keeps them
(modified and OXID in the order's currency; osCommerce and OpenCart in the shop's default
currency, multiplied by the order's `currency_value` when shown) and which rows it shows, so this
module computes them once and each connector stores them its way.

Rates are what the shops keep per currency: units of that currency for one unit of the shop's
default currency (osCommerce/modified `currencies.value`, OpenCart `currency.value`, OXID's
`aCurrencies` in `oxconfig`). A purchase price p in currency C is p × rate(O) / rate(C) in the
order's currency O. A currency the shop lacks, or lists without a rate, cannot be converted:
step 1 refuses that order with its code (`currency_findings`).

Rounding, as the shops' own checkouts do it: a converted unit price keeps the 4 places of the
shops' price columns; a line is unit × quantity rounded to the cent (half up); VAT is computed per
rate on the net sum of that rate and rounded once (osCommerce's order class and OpenCart's tax
total sum the unrounded line taxes per rate; OXID's netto mode takes VAT from the net sum per
rate). The order's total is net + VAT + shipping, exactly.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orderexchange.config import SupplierConfig
from orderexchange.errors import OXError
from orderexchange.model import SupplierLine, SupplierOrder, Transfer, TransferState, money

from .shop_sql import Findings

#: the shops' price columns are decimal(15,4): converted unit prices keep 4 places
PLACES = Decimal("0.0001")


def four(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ShopRates:
    """A shop's currencies as it keeps them: code → rate (None: listed without a usable rate)."""

    rates: Mapping[str, Decimal | None]
    #: where the shop keeps them, for messages ("currencies", "oxconfig aCurrencies" …)
    where: str

    @classmethod
    def of(cls, rows: Iterable[tuple[str, Any]], where: str) -> ShopRates:
        rates: dict[str, Decimal | None] = {}
        for code, value in rows:
            rate = Decimal(str(value)) if value not in (None, "") else None
            rates[str(code).strip().upper()] = rate if rate is not None and rate > 0 else None
        return cls(rates, where)

    def knows(self, code: str) -> bool:
        return code in self.rates

    def rate(self, code: str) -> Decimal | None:
        return self.rates.get(code)

    def factor(self, source: str, target: str) -> Decimal | None:
        """What one unit of `source` is in `target` by the shop's rates (1 for the same code;
        None: one of them has no rate)."""
        if source == target:
            return Decimal(1)
        to, frm = self.rate(target), self.rate(source)
        return None if to is None or frm is None else to / frm

    def in_default(self, amount: Decimal, code: str) -> Decimal:
        """An amount in `code` as the shop's default currency (4 places): what osCommerce and
        OpenCart store; shown × the order's rate and rounded, it is `amount` again (for rates
        below 100; see docs/connectors). Step 1 made sure `code` has a rate."""
        rate = self.rate(code)
        assert rate is not None, f"{code} has no rate in {self.where}: step 1 refuses it"
        return four(amount / rate)


def price_currency(line: SupplierLine, supplier: SupplierConfig) -> str:
    """The currency of a line's purchase price: the catalogue's, else the supplier's setting."""
    return line.currency or supplier.price_currency


def currencies_of(so: SupplierOrder, supplier: SupplierConfig) -> set[str]:
    """Every currency a supplier order's amounts involve: its orders' and its prices'."""
    return ({t.customer_order.currency for t in so.transfers}
            | {price_currency(sl, supplier) for t in so.transfers for sl in t.lines}
            | {supplier.price_currency})


def currency_findings(out: Findings, so: SupplierOrder, rates: ShopRates, *,
                      rate_always: bool) -> None:
    """Step 1: each pending order's currency is in the shop, and every purchase price (and the
    shipping cost) can be converted into it with the shop's rates. `rate_always`: the shop keeps
    amounts in its default currency (osCommerce, OpenCart), so the order's currency needs a rate
    even when nothing is converted."""
    supplier = out.supplier
    for t in so.transfers:
        if t.state == TransferState.WRITTEN:
            continue
        co = t.customer_order
        target = co.currency
        if not rates.knows(target):
            out.add("OX-CHK-010", co.number, value=target)
            continue
        sources = {price_currency(sl, supplier) for sl in t.lines}
        if supplier.shipping_cost:
            sources.add(supplier.price_currency)
        needs_rate = rate_always or any(c != target for c in sources)
        if needs_rate and rates.rate(target) is None:
            out.add("OX-CHK-051", co.number, value=target, where=rates.where)
        for source in sorted(sources - {target}):
            if not rates.knows(source):
                out.add("OX-CHK-050", co.number, value=source, currency=target,
                        where=rates.where)
            elif rates.rate(source) is None:
                out.add("OX-CHK-051", co.number, value=source, where=rates.where)


@dataclass
class LineAmounts:
    """One line in the order's currency."""

    line: SupplierLine
    quantity: Decimal
    unit_net: Decimal  # 4 places
    net: Decimal  # unit × quantity, to the cent
    rate: Decimal  # VAT %
    #: this line's share of its rate's VAT: per line to the cent, the rounding rest of the rate
    #: on its largest line, so a rate's lines add up to the rate's VAT exactly
    tax: Decimal = Decimal("0")

    @property
    def unit_tax(self) -> Decimal:
        return four(self.unit_net * self.rate / 100)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def unit_gross(self) -> Decimal:
        """Gross unit price to the cent (shops that keep gross unit prices round them so)."""
        return money(self.unit_net * (1 + self.rate / 100))


@dataclass
class OrderAmounts:
    """What one customer order is worth to the supplier, in the order's currency: purchase
    prices, net; VAT per rate, the shipping's (the supplier's `shipping_tax_rate`) included."""

    currency: str
    lines: list[LineAmounts]
    shipping: Decimal
    #: (rate, net at that rate, VAT at that rate), highest rate first
    by_rate: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)
    #: the supplier's `shipping_tax_rate` (0: untaxed) and the shipping's VAT at it, which is
    #: also in its rate's `by_rate` row: shops that show shipping gross (OXID's OXDELCOST,
    #: modified's gross customer groups) or keep its tax apart (WooCommerce) need it alone
    shipping_rate: Decimal = Decimal("0")
    shipping_tax: Decimal = Decimal("0")

    # the two sums once per order: an order's row, its totals and a connector's order values
    # ask for them (and `total`, `gross_lines`) ~8 times; `order_amounts` makes an OrderAmounts
    # complete and nothing changes its lines or rates afterwards
    @functools.cached_property
    def subtotal(self) -> Decimal:
        return sum((a.net for a in self.lines), Decimal("0"))

    @functools.cached_property
    def tax(self) -> Decimal:
        return sum((tax for _r, _n, tax in self.by_rate), Decimal("0"))

    @property
    def lines_tax(self) -> Decimal:
        """The lines' VAT alone (the shipping's taken out)."""
        return self.tax - self.shipping_tax

    @property
    def gross_lines(self) -> Decimal:
        """The lines' gross sum: without the shipping and without the shipping's VAT."""
        return self.subtotal + self.lines_tax

    @property
    def shipping_gross(self) -> Decimal:
        return self.shipping + self.shipping_tax

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax + self.shipping

    def tax_by_rate(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, net at that rate, VAT at that rate), highest rate first."""
        return list(self.by_rate)


class KeptAmounts:
    """A connector's amounts of the orders of the supplier order it works on, worked out once:
    step 1 (the order row's length checks) and the write (order row, lines, totals) share them.
    Worked out in both, they were ~5 % of an OpenCart, OXID or generic SQL send's CPU.

    Kept by the transfer's identity and the rates' (a new rates read is a new object, worked
    out anew); step 1 and the write of one supplier order never change an order's lines.
    Emptied at each step 1 (`clear`) and when `LIMIT` orders are kept: memory stays flat.
    Other per-order figures kept the same way (the generic SQL connector's order values) give
    a tuple of what they are worked out from as the basis, each compared by identity."""

    LIMIT = 1024

    def __init__(self) -> None:
        self._kept: dict[int, tuple[Transfer, Any, Any]] = {}

    def clear(self) -> None:
        self._kept = {}

    def of(self, transfer: Transfer, basis: Any, work: Any) -> Any:
        """`work()`'s answer for this transfer from this basis (the rates, or a tuple of
        objects), worked out the first time."""
        known = self._kept.get(id(transfer))
        if known is not None and known[0] is transfer and _same(known[1], basis):
            return known[2]
        if len(self._kept) >= self.LIMIT:
            self._kept = {}
        value = work()
        self._kept[id(transfer)] = (transfer, basis, value)
        return value


def _same(kept: Any, basis: Any) -> bool:
    """The same object, or tuples of the same objects."""
    if kept is basis:
        return True
    return (type(kept) is tuple and type(basis) is tuple and len(kept) == len(basis)
            and all(map(operator.is_, kept, basis)))


def kept_amounts(connector: Any) -> KeptAmounts:
    """The connector's KeptAmounts (made on first use: connectors are built per send)."""
    kept = connector.__dict__.get("_kept_amounts")
    if kept is None:
        kept = connector._kept_amounts = KeptAmounts()
    return kept


def order_amounts(transfer: Transfer, supplier: SupplierConfig,
                  rates: ShopRates | None = None) -> OrderAmounts:
    """The order in its own currency. Without `rates` nothing may need converting (every price
    already in the order's currency; step 1 refused the others)."""
    target = transfer.customer_order.currency

    def factor(source: str) -> Decimal:
        found = (Decimal(1) if source == target
                 else rates.factor(source, target) if rates is not None else None)
        if found is None:  # the shop changed since step 1, which refuses such an order
            raise OXError("OX-CHK-051", order=transfer.customer_order.number,
                          supplier=supplier.id, value=source,
                          where=rates.where if rates is not None else "the shop")
        return found

    lines = []
    for sl in transfer.lines:
        f = factor(price_currency(sl, supplier))
        unit = sl.purchase_price if f == 1 else four(sl.purchase_price * f)
        quantity = Decimal(sl.line.quantity)
        lines.append(LineAmounts(sl, quantity, unit, money(unit * quantity),
                                 Decimal(sl.line.tax_rate)))
    groups: dict[Decimal, list[LineAmounts]] = {}
    for a in lines:
        groups.setdefault(a.rate.normalize(), []).append(a)
    shipping = money(Decimal(supplier.shipping_cost) * factor(supplier.price_currency))
    shipping_rate = Decimal(supplier.shipping_tax_rate).normalize()
    taxed_shipping = shipping if shipping and shipping_rate else Decimal("0")
    shipping_tax = money(taxed_shipping * shipping_rate / 100)
    by_rate = []
    for rate in sorted(set(groups) | ({shipping_rate} if taxed_shipping else set()),
                       reverse=True):
        members = groups.get(rate, [])
        net = sum((a.net for a in members), Decimal("0"))
        tax = money(net * rate / 100)
        for a in members:
            a.tax = money(a.net * rate / 100)
        if members:
            rest = tax - sum((a.tax for a in members), Decimal("0"))
            max(members, key=lambda a: a.net).tax += rest
        if rate == shipping_rate and taxed_shipping:  # the shipping's VAT joins its rate's row
            net += taxed_shipping
            tax += shipping_tax
        by_rate.append((rate, net, tax))
    return OrderAmounts(target, lines, shipping, by_rate,
                        shipping_rate if taxed_shipping else Decimal("0"), shipping_tax)


def plain_rate(rate: Decimal) -> str:
    """19 rather than 19.00, 7.7 rather than 7.70."""
    value = Decimal(rate).normalize()
    return f"{value:f}"


def rates_text(rates: Iterable[Decimal]) -> str:
    """VAT rates for a message, lowest first, each as `plain_rate` writes it: "0, 7, 19" — not
    "1E+1" for 10.00 (`normalize` alone) nor "0, 19, 7" (sorted as text)."""
    return ", ".join(plain_rate(rate) for rate in sorted(set(map(Decimal, rates))))
