"""Customer orders in: JSON Lines or CSV, every row validated before anything is stored.

Rule from the POS bulk import we learned from: bad rows are reported with their error and skipped,
good rows go in. The unit of "all or nothing" is the customer order — an order with one bad line is
rejected whole (a half order forwarded to a supplier is worse than none), and every error of it is
reported at once so the user fixes the source in one pass.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import email_validator
import pycountry

from .errors import OXError
from .model import Address, CatalogueEntry, Customer, CustomerOrder, OrderLine
from .store import Store

# Lengths of the state store's columns: a longer value is an error here, never a silent cut.
LIMITS = {"number": 64, "email": 255, "first_name": 128, "last_name": 128, "phone": 64,
          "company": 255, "customer_number": 64, "street": 255, "street2": 255, "postcode": 255,
          "city": 255, "state": 255, "sku": 64, "name": 255}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDRESS_KEYS = ("first_name", "last_name", "company", "street", "street2", "postcode", "city",
                 "state", "country")
_ADDRESS_REQUIRED = {"first_name", "last_name", "street", "postcode", "city", "country"}


@dataclass
class ImportReport:
    path: str
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[OXError] = field(default_factory=list)
    notices: list[OXError] = field(default_factory=list)
    rejected_orders: list[str] = field(default_factory=list)
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "stored": self.stored,
                "duplicates": self.duplicates, "rejected": self.rejected_orders,
                "errors": [e.as_dict() for e in self.errors],
                "notices": [e.as_dict() for e in self.notices]}


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
            return email_validator.validate_email(value, check_deliverability=False).normalized
        except email_validator.EmailNotValidError as exc:
            self.fail("OX-IMP-005", field=field_name, value=value, detail=str(exc))
            return value

    def country(self, data: dict[str, Any], key: str, field_name: str) -> str:
        value = self.text(data, key, field_name).upper()
        if value and (len(value) != 2 or pycountry.countries.get(alpha_2=value) is None):
            self.fail("OX-IMP-006", field=field_name, value=value)
        return value

    def integer(self, data: dict[str, Any], key: str, field_name: str, minimum: int = 1) -> int:
        raw = self.text(data, key, field_name)
        if not raw:
            return 0
        try:
            number = Decimal(raw)
            if number != number.to_integral_value():
                raise InvalidOperation
            value = int(number)
        except (InvalidOperation, ValueError):
            self.fail("OX-IMP-007", field=field_name, kind="whole number", value=raw)
            return 0
        if value < minimum:
            self.fail("OX-IMP-010", field=field_name, value=raw, detail=f"must be at least {minimum}")
        return value

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


def parse_order(data: dict[str, Any], row: int, line_rows: list[int] | None = None
                ) -> tuple[CustomerOrder | None, list[OXError]]:
    """Validate one order in its JSON shape; returns the order, or None with every error."""
    number = str(data.get("number") or "").strip()
    v = _Validator(number, row)
    v.text(data, "number", "number")
    ordered_at = v.date(data, "ordered_at", "ordered_at")
    currency = v.text(data, "currency", "currency").upper()
    if currency and pycountry.currencies.get(alpha_3=currency) is None:
        v.fail("OX-IMP-010", field="currency", value=currency, detail="not an ISO 4217 code")
    shipping = v.decimal(data, "shipping", "shipping", required=False)
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
        lines.append(OrderLine(
            line_no=i,
            sku=v.text(item, "sku", f"lines[{i}].sku"),
            name=v.text(item, "name", f"lines[{i}].name"),
            quantity=v.integer(item, "quantity", f"lines[{i}].quantity"),
            unit_price=v.decimal(item, "unit_price", f"lines[{i}].unit_price"),
            tax_rate=v.decimal(item, "tax_rate", f"lines[{i}].tax_rate", required=False,
                               maximum=Decimal(100)),
        ))
    if v.errors:
        return None, v.errors
    return CustomerOrder(number=number, ordered_at=ordered_at, currency=currency,
                         customer=customer, billing=billing, delivery=delivery, lines=lines,
                         shipping=shipping), []


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


def _jsonl(text: str) -> Iterator[tuple[int, dict[str, Any] | None, list[OXError], None]]:
    for row, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        sample = _bad_utf8(line)
        if sample is not None:
            yield row, None, [OXError("OX-IMP-008", row=row, sample=sample)], None
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield row, None, [OXError("OX-IMP-003", row=row, detail=exc.msg)], None
            continue
        if not isinstance(data, dict):
            yield row, None, [OXError("OX-IMP-003", row=row, detail="not an object")], None
            continue
        yield row, data, [], None


# CSV: one row per order line; order, customer and address columns repeat on every row.
_CSV_ORDER = {"order_number": "number", "ordered_at": "ordered_at", "currency": "currency",
              "shipping": "shipping"}
_CSV_CUSTOMER = {"email": "email", "first_name": "first_name", "last_name": "last_name",
                 "phone": "phone", "company": "company", "customer_number": "number"}
_CSV_LINE = ("sku", "name", "quantity", "unit_price", "tax_rate")


def _csv(text: str) -> Iterator[tuple[int, dict[str, Any] | None, list[OXError], list[int]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    groups: dict[str, dict[str, Any]] = {}
    bad: list[tuple[int, OXError]] = []
    for rec in reader:
        row = reader.line_num
        sample = _bad_utf8(list(rec.values()) + list(rec.keys()))
        if sample is not None:
            bad.append((row, OXError("OX-IMP-008", row=row, sample=sample)))
            continue
        rec = {k.strip(): (v or "") for k, v in rec.items() if k}
        number = rec.get("order_number", "").strip()
        header = {
            **{dst: rec.get(src, "") for src, dst in _CSV_ORDER.items()},
            "customer": {dst: rec.get(src, "") for src, dst in _CSV_CUSTOMER.items()},
            "billing": {k: rec.get(f"billing_{k}", "") for k in _ADDRESS_KEYS},
            "delivery": {k: rec.get(f"delivery_{k}", "") for k in _ADDRESS_KEYS},
        }
        group = groups.get(number)
        if group is None:
            group = groups[number] = {"data": {**header, "lines": []}, "rows": [], "errors": []}
        elif header != {k: group["data"][k] for k in header}:
            first = group["data"]
            key = next(k for k in header if header[k] != first[k])
            group["errors"].append(OXError("OX-IMP-012", order=number or "?", row=row, field=key,
                                           value=str(header[key])[:40], first=str(first[key])[:40]))
        group["data"]["lines"].append({k: rec.get(k, "") for k in _CSV_LINE})
        group["rows"].append(row)
    for row, err in bad:
        yield row, None, [err], None
    for group in groups.values():
        yield group["rows"][0], group["data"], group["errors"], group["rows"]


def read_orders(path: Path) -> Iterator[tuple[int, CustomerOrder | None, list[OXError]]]:
    """Yield (row, order or None, errors) for every order of a file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv"):
        raise OXError("OX-IMP-002", path=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OXError("OX-IMP-001", path=path, detail=exc.strerror or str(exc)) from None
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    source = _csv(text) if suffix == ".csv" else _jsonl(text)
    for row, data, errors, line_rows in source:
        if data is None:
            yield row, None, errors
            continue
        order, order_errors = parse_order(data, row, line_rows)
        errors = errors + order_errors
        yield row, (None if errors else order), errors


def import_orders(store: Store, path: Path, dry_run: bool = False) -> ImportReport:
    report = ImportReport(str(path))
    for _row, order, errors in read_orders(path):
        report.rows += 1
        if errors:
            report.errors.extend(errors)
            number = errors[0].facts.get("order")
            if number and number != "?":
                report.rejected_orders.append(str(number))
            continue
        assert order is not None
        if dry_run:
            if store.has_order(order.number):
                report.duplicates.append(order.number)
            else:
                report.stored.append(order.number)
            continue
        if store.add_customer_order(order, source=str(path)) is None:
            report.duplicates.append(order.number)
            report.notices.append(OXError("OX-IMP-009", order=order.number))
        else:
            report.stored.append(order.number)
    return report


def import_catalogue(store: Store, path: Path, suppliers: set[str]) -> tuple[int, list[OXError]]:
    """Catalogue CSV: sku, supplier, supplier_sku, purchase_price[, name]. Bad rows skipped."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    except OSError as exc:
        raise OXError("OX-IMP-001", path=path, detail=exc.strerror or str(exc)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    good: list[CatalogueEntry] = []
    errors: list[OXError] = []
    for rec in reader:
        row = reader.line_num
        rec = {(k or "").strip(): (v or "").strip() for k, v in rec.items()}
        sample = _bad_utf8(list(rec.values()))
        if sample is not None:
            errors.append(OXError("OX-IMP-008", row=row, sample=sample))
            continue
        missing = [k for k in ("sku", "supplier", "supplier_sku", "purchase_price") if not rec.get(k)]
        if missing:
            errors.append(OXError("OX-CAT-001", row=row, detail=f"{', '.join(missing)} missing"))
            continue
        if rec["supplier"] not in suppliers:
            errors.append(OXError("OX-CAT-002", row=row, supplier=rec["supplier"]))
            continue
        try:
            price = Decimal(rec["purchase_price"])
            if not price.is_finite() or price < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(OXError("OX-CAT-001", row=row,
                                  detail=f"purchase_price {rec['purchase_price']!r} is not a price"))
            continue
        too_long = [k for k in ("sku", "supplier_sku") if len(rec[k]) > LIMITS["sku"]]
        if too_long or len(rec.get("name", "")) > LIMITS["name"]:
            errors.append(OXError("OX-CAT-001", row=row,
                                  detail=f"{(too_long or ['name'])[0]} is too long"))
            continue
        good.append(CatalogueEntry(rec["sku"], rec["supplier"], rec["supplier_sku"], price,
                                   rec.get("name", "")))
    store.upsert_catalogue(good)
    return len(good), errors
