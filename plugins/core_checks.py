"""The built-in step-1 rules, shipped as a plug-in like any other (SPEC §8).

Registered `trylast` so a third-party check runs first and its findings are listed first.
"""

from __future__ import annotations

from orderexchange import hookimpl
from orderexchange.checks import core_findings
from orderexchange.config import Config, SupplierConfig
from orderexchange.model import Finding, SupplierOrder
from orderexchange.rates import Rates

__version__ = "0.1.0"


@hookimpl(trylast=True)
def oe_check_supplier_order(config: Config, supplier: SupplierConfig,
                            supplier_order: SupplierOrder) -> list[Finding]:
    return core_findings(supplier, supplier_order, rates=Rates.of(config.distributor))
