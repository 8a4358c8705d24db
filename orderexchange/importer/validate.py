"""Validation of one customer order in its JSON shape: every field checked, every error of the
order collected at once, the same order rules as step 1 where they need no supplier shop."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import email_validator
import pycountry

from ..checks import normalise_phone, normalised_email, order_rules
from ..errors import OXError
from ..model import Address, Customer, CustomerOrder, OrderLine, allows_decimal


# Lengths of the state store's columns: a longer value is an error here, never a silent cut.
LIMITS = {"number": 64, "email": 255, "first_name": 128, "last_name": 128, "phone": 64,
          "company": 255, "customer_number": 64, "street": 255, "street2": 255, "postcode": 255,
          "city": 255, "state": 255, "sku": 64, "name": 255, "status": 32, "unit": 16}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_ADDRESS_KEYS = ("first_name", "last_name", "company", "street", "street2", "postcode", "city",
                 "state", "country")


#: the postcode is required only where the country uses postcodes (see checks.postcode_rules)
_ADDRESS_REQUIRED = {"first_name", "last_name", "street", "city", "country"}


TAX_MODES = ("net", "gross")


class _Validator:
    """Collects every error of one order instead of stopping at the first."""

    def __init__(self, order: str, row: int) -> None:
        self.order = order or "?"
        self.row = row
        self.errors: list[OXError] = []

    def fail(self, code: str, **facts: Any) -> None:
        self.errors.append(OXError(code, order=self.order, row=self.row, **facts))

    def text(self, data: dict[str, Any], key: str, field_name: str, required: bool = True,
             limit_key: str | None = None) -> str:
        value = data.get(key)
        value = "" if value is None else str(value).strip()
        if not value:
            if required:
                self.fail("OX-IMP-004", field=field_name)
            return ""
        if _CONTROL.search(value):
            self.fail("OX-IMP-014", field=field_name)
        limit = LIMITS.get(limit_key or key)
        if limit and len(value) > limit:
            self.fail("OX-IMP-011", field=field_name, length=len(value), limit=limit)
        return value

    def email(self, data: dict[str, Any], key: str, field_name: str) -> str:
        value = self.text(data, key, field_name)
        if not value:
            return ""
        try:
            return normalised_email(value)
        except email_validator.EmailNotValidError as exc:
            self.fail("OX-IMP-005", field=field_name, value=value, detail=str(exc))
            return value

    def country(self, data: dict[str, Any], key: str, field_name: str) -> str:
        value = self.text(data, key, field_name).upper()
        if value and (len(value) != 2 or pycountry.countries.get(alpha_2=value) is None):
            self.fail("OX-IMP-006", field=field_name, value=value)
        return value

    def quantity(self, data: dict[str, Any], key: str, field_name: str, unit: str
                 ) -> int | Decimal:
        """A positive whole number; a positive decimal for measured units (kg, m, l …)."""
        raw = self.text(data, key, field_name)
        if not raw:
            return 0
        decimal_ok = allows_decimal(unit)
        try:
            number = Decimal(raw)
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.fail("OX-IMP-007", field=field_name,
                      kind="decimal number" if decimal_ok else "whole number", value=raw)
            return 0
        whole = number == number.to_integral_value()
        if not whole and not decimal_ok:
            self.fail("OX-IMP-007", field=field_name, kind="whole number", value=raw)
            return 0
        if number <= 0:
            self.fail("OX-IMP-010", field=field_name, value=raw,
                      detail="must be at least 1" if not decimal_ok else "must be positive")
        return int(number) if whole else number.normalize()

    def decimal(self, data: dict[str, Any], key: str, field_name: str, required: bool = True,
                default: str = "0", maximum: Decimal | None = None) -> Decimal:
        raw = self.text(data, key, field_name, required=required)
        if not raw:
            return Decimal(default)
        try:
            value = Decimal(raw)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.fail("OX-IMP-007", field=field_name, kind="decimal number", value=raw)
            return Decimal(default)
        if value < 0 or (maximum is not None and value > maximum):
            self.fail("OX-IMP-010", field=field_name, value=raw,
                      detail="must not be negative" if value < 0 else f"must be at most {maximum}")
        return value

    def date(self, data: dict[str, Any], key: str, field_name: str) -> datetime:
        raw = self.text(data, key, field_name)
        if not raw:
            return datetime.now(UTC)
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            self.fail("OX-IMP-013", field=field_name, value=raw)
            return datetime.now(UTC)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def address(self, data: dict[str, Any], prefix: str) -> Address:
        values = {}
        for key in _ADDRESS_KEYS:
            name = f"{prefix}.{key}"
            if key == "country":
                values[key] = self.country(data, key, name)
            else:
                values[key] = self.text(data, key, name, required=key in _ADDRESS_REQUIRED)
        return Address(**values)


@dataclass
class Parsed:
    """One order as the importer sees it: the order if it may be stored, its errors, warnings."""

    order: CustomerOrder | None
    errors: list[OXError]
    warnings: list[OXError]


def validate_order(data: dict[str, Any], row: int, line_rows: list[int] | None = None,
                   now: datetime | None = None) -> Parsed:
    """Validate one order in its JSON shape: syntax, then the shop-independent step-1 rules."""
    number = str(data.get("number") or "").strip()
    v = _Validator(number, row)
    v.text(data, "number", "number")
    ordered_at = v.date(data, "ordered_at", "ordered_at")
    currency = v.text(data, "currency", "currency").upper()
    if currency and pycountry.currencies.get(alpha_3=currency) is None:
        v.fail("OX-IMP-010", field="currency", value=currency, detail="not an ISO 4217 code")
    shipping = v.decimal(data, "shipping", "shipping", required=False)
    status = v.text(data, "status", "status", required=False)
    tax_mode = v.text(data, "tax_mode", "tax_mode", required=False).lower() or "net"
    if tax_mode not in TAX_MODES:
        v.fail("OX-IMP-010", field="tax_mode", value=tax_mode, detail="must be net or gross")
    shipping_tax_rate = v.decimal(data, "shipping_tax_rate", "shipping_tax_rate",
                                  required=False, maximum=Decimal(100))
    total = None
    if str(data.get("total") or "").strip():
        total = v.decimal(data, "total", "total")
    cust = data.get("customer") if isinstance(data.get("customer"), dict) else {}
    customer = Customer(
        email=v.email(cust, "email", "customer.email"),
        first_name=v.text(cust, "first_name", "customer.first_name"),
        last_name=v.text(cust, "last_name", "customer.last_name"),
        phone=v.text(cust, "phone", "customer.phone", required=False),
        company=v.text(cust, "company", "customer.company", required=False),
        number=v.text(cust, "number", "customer.number", required=False,
                      limit_key="customer_number"),
    )
    billing = v.address(data.get("billing") if isinstance(data.get("billing"), dict) else {},
                        "billing")
    delivery_data = data.get("delivery")
    delivery = v.address(delivery_data, "delivery") if isinstance(delivery_data, dict) \
        and any(delivery_data.values()) else billing
    raw_lines = data.get("lines") if isinstance(data.get("lines"), list) else []
    if not raw_lines:
        v.fail("OX-IMP-004", field="lines")
    lines = []
    for i, item in enumerate(raw_lines, start=1):
        item = item if isinstance(item, dict) else {}
        if line_rows:
            v.row = line_rows[i - 1]
        unit = v.text(item, "unit", f"lines[{i}].unit", required=False)
        lines.append(OrderLine(
            line_no=i,
            sku=v.text(item, "sku", f"lines[{i}].sku"),
            name=v.text(item, "name", f"lines[{i}].name"),
            quantity=v.quantity(item, "quantity", f"lines[{i}].quantity", unit),
            unit_price=v.decimal(item, "unit_price", f"lines[{i}].unit_price"),
            tax_rate=v.decimal(item, "tax_rate", f"lines[{i}].tax_rate", required=False,
                               maximum=Decimal(100)),
            unit=unit,
        ))
    v.row = row
    order = CustomerOrder(number=number, ordered_at=ordered_at, currency=currency,
                          customer=customer, billing=billing, delivery=delivery, lines=lines,
                          shipping=shipping, shop_status=status, total=total, tax_mode=tax_mode,
                          shipping_tax_rate=shipping_tax_rate)
    syntax_ok = not v.errors
    warnings: list[OXError] = []
    for severity, error in order_rules(order, now=now, syntax=False):
        if error.code == "OX-CHK-014" and not syntax_ok:
            continue  # a total cannot be compared with prices that did not parse
        error.facts.setdefault("row", row)
        (v.errors if severity == "error" else warnings).append(error)
    if v.errors:
        return Parsed(None, v.errors, warnings)
    # stored in E.164 form when it parses; order_rules warned (OX-CHK-020) when it does not
    customer.phone = normalise_phone(customer.phone, billing.country) or customer.phone
    if len(customer.phone) > LIMITS["phone"]:  # pragma: no cover - E.164 is at most 16 chars
        return Parsed(None, [OXError("OX-IMP-011", order=number, row=row, field="customer.phone",
                                     length=len(customer.phone), limit=LIMITS["phone"])], warnings)
    return Parsed(order, [], warnings)


def parse_order(data: dict[str, Any], row: int, line_rows: list[int] | None = None
                ) -> tuple[CustomerOrder | None, list[OXError]]:
    """Validate one order in its JSON shape; returns the order, or None with every error."""
    parsed = validate_order(data, row, line_rows)
    return parsed.order, parsed.errors


def _bad_utf8(value: Any) -> str | None:
    """Text decoded with surrogateescape keeps undecodable bytes as lone surrogates: find them."""
    if isinstance(value, str):
        match = re.search(r"[\udc80-\udcff]", value)
        if match:
            start = max(0, match.start() - 10)
            return value[start:match.start() + 10].encode("utf-8", "replace").decode("utf-8")
    elif isinstance(value, dict):
        for v in value.values():
            found = _bad_utf8(v)
            if found is not None:
                return found
    elif isinstance(value, list):
        for v in value:
            found = _bad_utf8(v)
            if found is not None:
                return found
    return None
