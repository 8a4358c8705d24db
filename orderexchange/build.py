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

    def as_dict(self) -> dict[str, object]:
        return {"created": self.created, "unassigned": [e.as_dict() for e in self.unassigned],
                "waiting": [e.as_dict() for e in self.waiting]}


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
    report = BuildReport()
    active = {sid for sid, s in config.suppliers.items() if s.active}
    chosen = choose_suppliers(store.catalogue_entries(), active)
    # supplier → customer order id → [(line id, supplier sku, purchase price)]
    plan: dict[str, dict[int, list[tuple[int, str, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    value: dict[str, Decimal] = defaultdict(Decimal)
    touched: set[int] = set()
    lines = store.open_lines()
    statuses = store.shop_statuses({order_id for order_id, _n, _l in lines})
    waiting: set[tuple[str, str]] = set()
    for order_id, number, line in lines:
        entry = chosen.get(line.sku)
        if entry is None:
            report.unassigned.append(OXError("OX-BLD-001", order=number, line=line.line_no,
                                             sku=line.sku))
            continue
        assert line.id is not None
        supplier = config.suppliers[entry.supplier_id]
        if not supplier.releases(statuses.get(order_id, "")):
            if (number, entry.supplier_id) not in waiting:  # once per order, not per line
                waiting.add((number, entry.supplier_id))
                report.waiting.append(OXError(
                    "OX-BLD-003", order=number, supplier=entry.supplier_id,
                    status=statuses.get(order_id, ""), trigger=" or ".join(supplier.trigger)))
            continue
        plan[entry.supplier_id][order_id].append((line.id, entry.supplier_sku, entry.purchase_price))
        value[entry.supplier_id] += entry.purchase_price * Decimal(line.quantity)
    for supplier_id in sorted(plan):
        minimum = config.suppliers[supplier_id].min_order_value
        if minimum and value[supplier_id] < minimum:
            report.waiting.append(OXError(
                "OX-BLD-004", supplier=supplier_id, value=f"{money(value[supplier_id]):.2f}",
                minimum=f"{minimum:.2f}",
                lines=sum(len(ls) for ls in plan[supplier_id].values())))
            continue
        parts = sorted(plan[supplier_id].items())
        size = config.suppliers[supplier_id].max_customer_orders
        for start in range(0, len(parts), size):
            report.created.append(store.create_supplier_order(supplier_id,
                                                              parts[start:start + size]))
        touched.update(order_id for order_id, _ in parts)
    store.refresh_order_status(touched)
    return report
