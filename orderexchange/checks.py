"""Step 1 of sending: every rule that must hold before anything is written anywhere.

Core rules live here (the `core_checks` plug-in runs them); connector rules (the product exists in
*this* shop, the value fits *that* column) come from the connector. An error blocks its own
supplier order only; warnings inform and never block.
"""

from __future__ import annotations

import email_validator

from .config import Config, SupplierConfig
from .connector import Connector
from .errors import OXError
from .model import Finding, SupplierOrder

_REQUIRED_ADDRESS = ("first_name", "last_name", "street", "postcode", "city", "country")


def core_findings(supplier: SupplierConfig, so: SupplierOrder) -> list[Finding]:
    out: list[Finding] = []

    def err(code: str, order: str, **facts: object) -> None:
        out.append(Finding.from_error(OXError(code, order=order, supplier=supplier.id, **facts),
                                      order=order))

    if not supplier.active:
        return [Finding.from_error(OXError("OX-CHK-008", supplier=supplier.id))]
    for t in so.transfers:
        co = t.customer_order
        if not t.lines:
            err("OX-CHK-001", co.number)
        for field in ("email", "first_name", "last_name"):
            if not getattr(co.customer, field):
                err("OX-CHK-002", co.number, field=f"customer.{field}")
        for kind in ("billing", "delivery"):
            addr = getattr(co, kind)
            for field in _REQUIRED_ADDRESS:
                if not getattr(addr, field):
                    err("OX-CHK-002", co.number, field=f"{kind}.{field}")
        if co.customer.email:
            try:
                email_validator.validate_email(co.customer.email, check_deliverability=False)
            except email_validator.EmailNotValidError:
                err("OX-CHK-003", co.number, value=co.customer.email)
        for sl in t.lines:
            if sl.line.quantity <= 0:
                err("OX-CHK-005", co.number, line=sl.line.line_no, value=sl.line.quantity)
    return out


def run_checks(host, config: Config, supplier: SupplierConfig, so: SupplierOrder,
               connector: Connector) -> list[Finding]:
    """All plug-in rules, then — only if those pass — the connector's rules against the shop."""
    findings = host.check_supplier_order(config, supplier, so)
    if any(f.blocking for f in findings):
        return findings
    return findings + connector.check(so)
