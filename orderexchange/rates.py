"""The distributor's exchange rates: purchase prices quoted in several currencies, compared in one.

Why apart from the shops' rates (plugins/shop_money.py): those convert the amounts written into
one supplier's shop and come from that shop. Choosing the cheapest supplier happens before any
shop is asked, across shops that may disagree, so it uses the distributor's own rates
(`[distributor] currency` and `[distributor.rates]`), stated like the ECB reference rates and the
shops' currency tables: units of a currency for one unit of the distributor's currency.

A price p in currency C is worth p ÷ rate(C) in the distributor's currency. The comparison is
exact: prices and rates are Decimals, and the quotient is kept as a `Fraction`, so two offers
that are worth the same compare as equal instead of differing in the 28th digit. Nothing here
stores a converted amount: the supplier order keeps each price in its own currency. The one
rounding is `line_in`'s, for a supplier's minimum order value: a line's worth to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Rates:
    """The distributor's currency (None: not set) and its rates (code → units per one unit)."""

    base: str | None = None
    per_base: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, distributor: Any) -> Rates:
        """From `[distributor]` (a `DistributorConfig`)."""
        return cls(distributor.currency, dict(distributor.rates))

    def knows(self, currency: str) -> bool:
        """Whether prices in `currency` can be valued in the distributor's currency."""
        return self.base is not None and (currency == self.base or currency in self.per_base)

    def missing(self, currencies: Iterable[str]) -> list[str]:
        """The currencies (sorted) that cannot be valued: all of them while no
        `[distributor] currency` is set, else those without a rate."""
        return sorted({c for c in currencies if not self.knows(c)})

    def value(self, amount: Decimal, currency: str) -> Fraction:
        """`amount` in `currency` as an exact amount of the distributor's currency (KeyError:
        no rate — ask `missing` first)."""
        if not self.knows(currency):
            raise KeyError(currency)
        if currency == self.base:
            return Fraction(amount)
        return Fraction(amount) / Fraction(self.per_base[currency])

    def missing_for(self, currencies: Iterable[str], target: str) -> list[str]:
        """What `line_in(…, target)` lacks for lines in `currencies` (sorted): nothing when all
        are already in `target`, else the currencies (target included) that cannot be valued."""
        others = {c for c in currencies if c != target}
        return self.missing(others | {target}) if others else []

    def line_in(self, amount: Decimal, currency: str, target: str) -> Decimal | None:
        """A line's net amount (unit price × quantity, unrounded) in `currency` as `target`, to
        the cent half up (None: no rate — `missing_for` names it). The same currency needs no
        rate: that is the line's net total as the supplier's documents show it.

        Why per line and to the cent, in build and step 1 alike: a minimum order value is then
        compared with exactly the amount its message shows (an exact 99.9979 EUR neither reads
        as "100.00 is below 100.00" nor passes as 100.00 in one place and fails in the other),
        and an order build lets through is not stopped by step 1 for a rounding difference."""
        if currency != target:
            if self.missing_for([currency], target):
                return None
            exact = self.value(amount, currency)
            if target != self.base:
                exact *= Fraction(self.per_base[target])
            return _to_cent(exact)
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


CENT = Decimal("0.01")
ZERO = Decimal("0")


def documents_currency(quoted: Iterable[str], price_currency: str, shipping: bool) -> str:
    """The one currency a supplier's documents state one order's amounts in (subtotal, its
    `shipping_cost`, VAT, total): that of its lines' prices when they all share one and no
    shipping cost in another currency is added to them, else the supplier's `price_currency`
    (the currency of `shipping_cost`), lines quoted otherwise converted with the distributor's
    rates (`missing_for(quoted, it)` names what that needs). Never the customer order's
    currency: the purchase prices are not converted into it outside the shop."""
    found = set(quoted)
    if len(found) == 1 and (not shipping or price_currency in found):
        return found.pop()
    return price_currency


@dataclass(slots=True)
class Stated:
    """One customer order's purchase lines as a supplier's documents state them: in `currency`
    (`documents_currency`), each line's (unit price, net amount) in it; `missing` names the
    rates that lacks (then `lines` is empty: the documents cannot state the order, step 1 holds
    it with OX-CHK-054)."""

    currency: str
    lines: list[tuple[Decimal, Decimal]]
    missing: list[str]

    @property
    def subtotal(self) -> Decimal:
        return sum([net for _unit, net in self.lines], ZERO)


def stated(rates: Rates, lines: Iterable[tuple[Decimal, Decimal, str]], price_currency: str,
           shipping: bool) -> Stated:
    """Lines given as (unit price, quantity, the currency the price is quoted in) stated the way
    the documents state them: a line quoted in the documents' currency as its own price and
    price × quantity to the cent, a line quoted otherwise converted with `line_in` (unit price
    and net each). The one computation behind the notification, its attachments and the
    supplier-order list's value, so they cannot disagree."""
    lines = lines if isinstance(lines, list) else list(lines)
    quoted = {currency for _price, _quantity, currency in lines}
    currency = documents_currency(quoted, price_currency, shipping)
    if len(quoted) > 1 or currency not in quoted:
        if missing := rates.missing_for(quoted, currency):
            return Stated(currency, [], missing)
    out = []
    for price, quantity, line_currency in lines:
        if line_currency == currency:  # a list's 100,000 supplier orders pass here
            out.append((price.quantize(CENT, ROUND_HALF_UP),
                        (price * quantity).quantize(CENT, ROUND_HALF_UP)))
        else:
            unit, net = (rates.line_in(price, line_currency, currency),
                         rates.line_in(price * quantity, line_currency, currency))
            assert unit is not None and net is not None  # missing_for said so
            out.append((unit, net))
    return Stated(currency, out, [])


def _to_cent(amount: Fraction) -> Decimal:
    """An exact amount to the cent, half up (away from zero), as `Decimal.quantize` rounds."""
    cents = (abs(amount) * 100 + Fraction(1, 2)).__floor__()
    return Decimal(cents if amount >= 0 else -cents).scaleb(-2)
