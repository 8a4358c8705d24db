"""Open customer-order lines become supplier orders: one per supplier per build.

Each line goes to the cheapest active supplier that lists its SKU in the catalogue. A line no active
supplier delivers is reported (OX-BLD-001) and stays open for the next build — never dropped
silently, never half-forwarded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .config import Config
from .errors import OXError
from .model import CatalogueEntry
from .store import Store


@dataclass
class BuildReport:
    created: list[int] = field(default_factory=list)
    unassigned: list[OXError] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"created": self.created, "unassigned": [e.as_dict() for e in self.unassigned]}


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
    touched: set[int] = set()
    for order_id, number, line in store.open_lines():
        entry = chosen.get(line.sku)
        if entry is None:
            report.unassigned.append(OXError("OX-BLD-001", order=number, line=line.line_no,
                                             sku=line.sku))
            continue
        assert line.id is not None
        plan[entry.supplier_id][order_id].append((line.id, entry.supplier_sku, entry.purchase_price))
        touched.add(order_id)
    for supplier_id in sorted(plan):
        parts = sorted(plan[supplier_id].items())
        report.created.append(store.create_supplier_order(supplier_id, parts))
    store.refresh_order_status(touched)
    return report
