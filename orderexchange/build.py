"""Open customer-order lines become supplier orders: one per supplier per build (several when
it has more than the supplier's `max_customer_orders`).

Each line goes to the cheapest active supplier that lists its SKU in the catalogue. A line no active
supplier delivers is reported (OX-BLD-001) and stays open for the next build — never dropped
silently, never half-forwarded. "Cheapest" compares prices in one currency: offers in different
currencies are valued with the distributor's rates (`[distributor] currency`, `[distributor.rates]`,
see `rates`); without the rate a SKU needs, its lines wait (OX-BLD-005) rather than have 9.00 GBP
beat 9.50 EUR for being the smaller number.

Two supplier settings hold lines back rather than block a supplier order in step 1 later, where
one unpaid order would stop every other order of the batch:
- `trigger`: a customer order goes to the supplier only once its shop status releases it (e.g.
  "paid"); until then its lines wait (OX-BLD-003). Importing the order again updates its status.
- `min_order_value`: a supplier order is built only when its lines reach the minimum net value;
  below it they wait for the next build (OX-BLD-004). The minimum is in the supplier's
  `price_currency`; catalogue rows quoted in another currency are valued with the distributor's
  rates, and without the rate the supplier's lines wait (OX-BLD-006).
Step 1 checks both again (OX-CHK-026, OX-CHK-025): the settings may change after a build.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .config import Config
from .errors import OXError
from .model import CatalogueEntry
from .rates import Rates
from .store import Store


@dataclass
class BuildReport:
    created: list[int] = field(default_factory=list)
    unassigned: list[OXError] = field(default_factory=list)
    #: lines held back on purpose: trigger not met, minimum order value not reached
    waiting: list[OXError] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        """Why lines did not go out, counted: customer orders waiting for their `trigger`,
        lines below a `min_order_value`, lines no active supplier delivers, lines whose
        suppliers quote in currencies the distributor has no rate for."""
        return {"trigger": sum(1 for e in self.waiting if e.code == "OX-BLD-003"),
                "minimum": sum(int(str(e.facts["lines"])) for e in self.waiting
                               if e.code in ("OX-BLD-004", "OX-BLD-006")),
                "no_supplier": sum(1 for e in self.unassigned if e.code == "OX-BLD-001"),
                "no_rate": sum(1 for e in self.unassigned if e.code == "OX-BLD-005")}

    def as_dict(self) -> dict[str, object]:
        return {"created": self.created, "unassigned": [e.as_dict() for e in self.unassigned],
                "waiting": [e.as_dict() for e in self.waiting], "reasons": self.reasons()}


@dataclass
class SupplierChoice:
    """Build's choice per SKU, and the SKUs it could not choose for."""

    #: SKU → the catalogue entry of its cheapest active supplier
    chosen: dict[str, CatalogueEntry] = field(default_factory=dict)
    #: SKU → (its active offers, the currencies without a rate): offers in several currencies
    #: that the distributor's rates cannot compare; their lines wait (OX-BLD-005)
    incomparable: dict[str, tuple[list[CatalogueEntry], list[str]]] = field(default_factory=dict)


def choose_suppliers(entries: Iterable[CatalogueEntry], active: set[str],
                     price_currencies: Mapping[str, str], rates: Rates) -> SupplierChoice:
    """SKU → the catalogue entry of its cheapest active supplier (ties: supplier id order).

    Prices are compared in one currency: an entry's own (`currency`, else its supplier's
    `price_currency`). Offers all in the same currency compare as they are, without any rate;
    offers in several are valued in the distributor's currency with its rates. When a rate is
    missing the SKU is not guessed at — not even among the offers that could be compared, since
    the one that cannot might be the cheapest — and lands in `incomparable`."""
    offers: dict[str, list[CatalogueEntry]] = defaultdict(list)
    for e in entries:
        if e.supplier_id in active:
            offers[e.sku].append(e)
    choice = SupplierChoice()
    for sku, those in offers.items():
        currencies = {_currency_of(e, price_currencies) for e in those}
        if len(currencies) == 1:
            choice.chosen[sku] = min(those, key=lambda e: (e.purchase_price, e.supplier_id))
            continue
        missing = rates.missing(currencies)
        if missing:
            choice.incomparable[sku] = (sorted(those, key=lambda e: e.supplier_id), missing)
            continue
        choice.chosen[sku] = min(those, key=lambda e: (
            rates.value(e.purchase_price, _currency_of(e, price_currencies)), e.supplier_id))
    return choice


def _currency_of(entry: CatalogueEntry, price_currencies: Mapping[str, str]) -> str:
    """The currency of a catalogue price: the row's own, else its supplier's `price_currency`."""
    return entry.currency or price_currencies[entry.supplier_id]


def _no_rate(number: str, line_no: int, sku: str, choice: SupplierChoice,
             price_currencies: Mapping[str, str], rates: Rates) -> OXError:
    """OX-BLD-005 for one line of a SKU whose offers cannot be compared."""
    those, missing = choice.incomparable[sku]
    offers = ", ".join(f"{e.supplier_id} {e.purchase_price} {_currency_of(e, price_currencies)}"
                       for e in those)
    base = rates.base
    if base is None:
        reason = "[distributor] has no `currency` to compare them in"
        # the solution suggests one of the offers' currencies (EUR if quoted) and the others' rates
        base = "EUR" if "EUR" in missing else missing[0]
        missing = [c for c in missing if c != base]
    else:
        reason = f"[distributor.rates] has no rate for {', '.join(missing)} against {base}"
    return OXError("OX-BLD-005", order=number, line=line_no, sku=sku, offers=offers,
                   reason=reason, missing=", ".join(missing), base=base)


def _below_minimum(supplier_id: str, amounts: Mapping[str, Decimal], lines: int,
                   minimum: Decimal, currency: str, rates: Rates) -> OXError | None:
    """Why a supplier's open lines wait for its `min_order_value` (None: they may go).

    The minimum is in the supplier's `price_currency`; `amounts` holds, per currency the lines
    are quoted in, their worth in it (`Rates.line_in`: each line to the cent, with the
    distributor's rates for another currency). Without a rate they wait (OX-BLD-006) rather
    than be summed as bare numbers, which would let 30 PLN count as 30 EUR."""
    if not minimum:
        return None
    missing = rates.missing_for(amounts, currency)
    if missing:
        if rates.base is None:
            reason = "[distributor] has no `currency` to convert them in"
        else:
            reason = f"[distributor.rates] has no rate for {', '.join(missing)} against {rates.base}"
        return OXError("OX-BLD-006", supplier=supplier_id, currency=currency,
                       currencies=", ".join(sorted(amounts)), reason=reason, lines=lines,
                       missing=", ".join(missing), base=rates.base or currency)
    total = sum(amounts.values(), Decimal(0))
    if total >= minimum:
        return None
    return OXError("OX-BLD-004", supplier=supplier_id, value=f"{total:.2f}",
                   minimum=f"{minimum:.2f}", currency=currency, lines=lines)


def build(store: Store, config: Config) -> BuildReport:
    """Two streaming passes over the open lines, so memory stays flat with 100,000 orders:
    the first assigns each line to its supplier, reports what cannot go and what waits, and sums
    each supplier's value (the minimum order value needs the whole sum); the second creates the
    supplier orders of the suppliers that may get one, `max_customer_orders` at a time."""
    report = BuildReport()
    active = {sid for sid, s in config.suppliers.items() if s.active}
    price_currencies = config.price_currencies()
    rates = Rates.of(config.distributor)
    choice = choose_suppliers(store.catalogue_entries(), active, price_currencies, rates)
    chosen = choice.chosen
    value: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    count: dict[str, int] = defaultdict(int)
    waiting: set[tuple[str, str]] = set()
    for chunk in store.open_line_chunks():
        for _order_id, number, status, line in chunk:
            entry = chosen.get(line.sku)
            if entry is None:
                report.unassigned.append(
                    _no_rate(number, line.line_no, line.sku, choice, price_currencies, rates)
                    if line.sku in choice.incomparable else
                    OXError("OX-BLD-001", order=number, line=line.line_no, sku=line.sku))
                continue
            supplier = config.suppliers[entry.supplier_id]
            if not supplier.releases(status):
                if (number, entry.supplier_id) not in waiting:  # once per order, not per line
                    waiting.add((number, entry.supplier_id))
                    report.waiting.append(OXError(
                        "OX-BLD-003", order=number, supplier=entry.supplier_id, status=status,
                        trigger=" or ".join(supplier.trigger)))
                continue
            # per currency quoted, valued in the supplier's `price_currency` (that of its
            # `min_order_value`), each line to the cent as step 1 values it; nothing to value
            # without a minimum
            amounts = value[entry.supplier_id]  # (made here: the supplier has lines to go)
            if supplier.min_order_value:
                quoted = _currency_of(entry, price_currencies)
                amounts[quoted] += rates.line_in(
                    entry.purchase_price * Decimal(line.quantity), quoted,
                    price_currencies[entry.supplier_id]) or 0  # None: no rate, named below
            count[entry.supplier_id] += 1
    allowed = set()
    for supplier_id in sorted(value):
        waits = _below_minimum(supplier_id, value[supplier_id], count[supplier_id],
                               config.suppliers[supplier_id].min_order_value,
                               price_currencies[supplier_id], rates)
        if waits is None:
            allowed.add(supplier_id)
        else:
            report.waiting.append(waits)
    if not allowed:
        return report
    # supplier → customer order id → [(line id, supplier sku, purchase price, its currency)],
    # in order id order
    pending: dict[str, dict[int, list[tuple[int, str, Decimal, str | None]]]] = defaultdict(dict)

    def flush(supplier_id: str, everything: bool) -> None:
        size = config.suppliers[supplier_id].max_customer_orders
        parts = sorted(pending[supplier_id].items())
        while parts and (len(parts) >= size or everything):
            group, parts = parts[:size], parts[size:]
            report.created.append(store.create_supplier_order(supplier_id, group))
            store.refresh_order_status(order_id for order_id, _lines in group)
        pending[supplier_id] = dict(parts)

    for chunk in store.open_line_chunks():
        for order_id, _number, status, line in chunk:
            entry = chosen.get(line.sku)
            if entry is None or entry.supplier_id not in allowed:
                continue
            if not config.suppliers[entry.supplier_id].releases(status):
                continue
            assert line.id is not None
            pending[entry.supplier_id].setdefault(order_id, []).append(
                (line.id, entry.supplier_sku, entry.purchase_price, entry.currency))
        # a chunk holds whole customer orders: full supplier orders can be made now
        for supplier_id in sorted(pending):
            flush(supplier_id, everything=False)
    for supplier_id in sorted(pending):
        flush(supplier_id, everything=True)
    return report
