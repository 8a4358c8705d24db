"""The distributor's exchange rates: purchase prices quoted in several currencies, compared in one.

Why apart from the shops' rates (plugins/shop_money.py): those convert the amounts written into
one supplier's shop and come from that shop. Choosing the cheapest supplier happens before any
shop is asked, across shops that may disagree, so it uses the distributor's own rates
(`[distributor] currency` and `[distributor.rates]`), stated like the ECB reference rates and the
shops' currency tables: units of a currency for one unit of the distributor's currency.

A price p in currency C is worth p ÷ rate(C) in the distributor's currency. The comparison is
exact: prices and rates are Decimals, and the quotient is kept as a `Fraction`, so two offers
that are worth the same compare as equal instead of differing in the 28th digit. Nothing here
rounds or stores a converted amount: the supplier order keeps each price in its own currency.
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
        """What `total_in(…, target)` lacks (sorted): nothing when every amount is already in
        `target`, else the currencies (target included) that cannot be valued."""
        others = {c for c in currencies if c != target}
        return self.missing(others | {target}) if others else []

    def total_in(self, amounts: Mapping[str, Decimal], target: str) -> Fraction:
        """Amounts per currency as one exact amount of `target` (KeyError: a rate is missing —
        ask `missing_for` first). Amounts already in `target` need no rate at all."""
        total = Fraction(0)
        for currency, amount in amounts.items():
            if currency == target:
                total += Fraction(amount)
                continue
            in_base = self.value(amount, currency)
            if target != self.base:
                if not self.knows(target):
                    raise KeyError(target)
                in_base *= Fraction(self.per_base[target])
            total += in_base
        return total


def shown(amount: Fraction | Decimal) -> str:
    """An exact amount as a message shows it: to the cent, half up (never used to compare)."""
    value = Decimal(amount.numerator) / Decimal(amount.denominator) \
        if isinstance(amount, Fraction) else amount
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"
