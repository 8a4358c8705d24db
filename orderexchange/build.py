"""Open customer-order lines become supplier orders: one per supplier per build (several when
it has more than the supplier's `max_customer_orders`).

Each line goes to the cheapest active supplier that lists its SKU in the catalogue. A line no active
supplier delivers is reported (OX-BLD-001) and stays open for the next build — never dropped
silently, never half-forwarded.

Two supplier settings hold lines back rather than block a supplier order in step 1 later, where
one unpaid order would stop every other order of the batch:
- `trigger`: a customer order goes to the supplier only once its shop status releases it (e.g.
  "paid"); until then its lines wait (OX-BLD-003). Importing the order again updates its status.
- `min_order_value`: a supplier order is built only when its lines reach the minimum net value;
  below it they wait for the next build (OX-BLD-004).
Step 1 checks both again (OX-CHK-026, OX-CHK-025): the settings may change after a build.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .config import Config
from .errors import OXError
from .model import CatalogueEntry, money
from .store import Store


@dataclass
class BuildReport:
    created: list[int] = field(default_factory=list)
    unassigned: list[OXError] = field(default_factory=list)
    #: lines held back on purpose: trigger not met, minimum order value not reached
    waiting: list[OXError] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        """Why lines did not go out, counted: customer orders waiting for their `trigger`,
        lines below a `min_order_value`, lines no active supplier delivers."""
        return {"trigger": sum(1 for e in self.waiting if e.code == "OX-BLD-003"),
                "minimum": sum(int(str(e.facts["lines"])) for e in self.waiting
                               if e.code == "OX-BLD-004"),
                "no_supplier": len(self.unassigned)}

    def as_dict(self) -> dict[str, object]:
        return {"created": self.created, "unassigned": [e.as_dict() for e in self.unassigned],
                "waiting": [e.as_dict() for e in self.waiting], "reasons": self.reasons()}


def choose_suppliers(entries: list[CatalogueEntry], active: set[str]) -> dict[str, CatalogueEntry]:
    """SKU → the catalogue entry of its cheapest active supplier (ties: supplier id order)."""
    best: dict[str, CatalogueEntry] = {}
    for e in entries:
        if e.supplier_id not in active:
            continue
        current = best.get(e.sku)
        if current is None or (e.purchase_price, e.supplier_id) < (current.purchase_price,
                                                                   current.supplier_id):
            best[e.sku] = e
    return best


def build(store: Store, config: Config) -> BuildReport:
    """Two streaming passes over the open lines, so memory stays flat with 100,000 orders:
    the first assigns each line to its supplier, reports what cannot go and what waits, and sums
    each supplier's value (the minimum order value needs the whole sum); the second creates the
    supplier orders of the suppliers that may get one, `max_customer_orders` at a time."""
    report = BuildReport()
    active = {sid for sid, s in config.suppliers.items() if s.active}
    chosen = choose_suppliers(store.catalogue_entries(), active)
    value: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    waiting: set[tuple[str, str]] = set()
    for chunk in store.open_line_chunks():
        for _order_id, number, status, line in chunk:
            entry = chosen.get(line.sku)
            if entry is None:
                report.unassigned.append(OXError("OX-BLD-001", order=number, line=line.line_no,
                                                 sku=line.sku))
                continue
            supplier = config.suppliers[entry.supplier_id]
            if not supplier.releases(status):
                if (number, entry.supplier_id) not in waiting:  # once per order, not per line
                    waiting.add((number, entry.supplier_id))
                    report.waiting.append(OXError(
                        "OX-BLD-003", order=number, supplier=entry.supplier_id, status=status,
                        trigger=" or ".join(supplier.trigger)))
                continue
            value[entry.supplier_id] += entry.purchase_price * Decimal(line.quantity)
            count[entry.supplier_id] += 1
    allowed = set()
    for supplier_id in sorted(value):
        minimum = config.suppliers[supplier_id].min_order_value
        if minimum and value[supplier_id] < minimum:
            report.waiting.append(OXError(
                "OX-BLD-004", supplier=supplier_id, value=f"{money(value[supplier_id]):.2f}",
                minimum=f"{minimum:.2f}", lines=count[supplier_id]))
        else:
            allowed.add(supplier_id)
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
