"""Customer orders in: JSON Lines or CSV, every row validated before anything is stored.

Rule from the POS bulk import we learned from: bad rows are reported with their error and skipped,
good rows go in. The unit of "all or nothing" is the customer order — an order with one bad line is
rejected whole (a half order forwarded to a supplier is worse than none), and every error of it is
reported at once so the user fixes the source in one pass.

The file is read as a stream and good orders are committed in chunks (default 5,000 rows), so a
file of a million rows needs the memory of one chunk, not of the file. A CSV is grouped by order
on the fly, so the rows of one order must follow each other (OX-IMP-015 otherwise).

Validation uses the same rules as step 1 of sending, where they need no supplier shop
(`checks.order_rules`): postcodes where the country uses them, the phone number (stored in E.164
form when it parses, kept as typed with a warning otherwise), a plausible order date, and — when
the file states a `total` — lines × prices + shipping (+ tax for net prices) = total, to the cent.

`--report FILE` writes the rejected rows with an `error` column: fix them there and import the
report file itself (the `error` column is ignored on import).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import email_validator
import pycountry

from .checks import normalise_phone, order_rules
from .errors import OXError
from .model import Address, CatalogueEntry, Customer, CustomerOrder, OrderLine, allows_decimal
from .store import Store

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
#: file rows per commit; an order is never split across two commits
CHUNK_ROWS = 5000
#: at most this many order numbers / errors are kept in the report's lists (counts stay exact);
#: the --report file holds every rejected row
LIST_LIMIT = 10_000


class _Capped(list):
    """A list that stops growing at LIST_LIMIT (the import of a huge file keeps bounded memory)."""

    def append(self, item: Any) -> None:
        if len(self) < LIST_LIMIT:
            super().append(item)

    def extend(self, items: Any) -> None:
        for item in items:
            self.append(item)


@dataclass
class ImportReport:
    path: str
    stored: list[str] = field(default_factory=_Capped)
    duplicates: list[str] = field(default_factory=_Capped)
    errors: list[OXError] = field(default_factory=_Capped)
    notices: list[OXError] = field(default_factory=_Capped)
    rejected_orders: list[str] = field(default_factory=_Capped)
    rows: int = 0  # orders (or unreadable rows) read
    file_rows: int = 0  # physical rows of the file (CSV: one per order line)
    counts: dict[str, int] = field(default_factory=lambda: {
        "stored": 0, "duplicates": 0, "rejected": 0, "errors": 0, "warnings": 0,
        "status_updated": 0, "corrected": 0, "commits": 0})
    report_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "file_rows": self.file_rows,
                "stored": self.stored, "duplicates": self.duplicates,
                "rejected": self.rejected_orders, "counts": dict(self.counts),
                "truncated": any(self.counts[k] > LIST_LIMIT for k in ("stored", "errors")),
                "errors": [_issue(e) for e in self.errors],
                "notices": [_issue(e) for e in self.notices],
                "report": self.report_path}

    def issues(self) -> list[dict[str, Any]]:
        """The results table: row, order, severity, code, message, solution — in file order."""
        rows = [dict(_issue(e), severity="error") for e in self.errors]
        rows += [dict(_issue(e), severity="warning") for e in self.notices]
        return sorted(rows, key=lambda r: (r["row"] if isinstance(r["row"], int) else 0))

    # bookkeeping -----------------------------------------------------------------------------
    def reject(self, number: str | None, errors: list[OXError]) -> None:
        self.errors.extend(errors)
        self.counts["errors"] += len(errors)
        self.counts["rejected"] += 1
        if number and number != "?":
            self.rejected_orders.append(number)

    def warn(self, warnings: list[OXError]) -> None:
        self.notices.extend(warnings)
        self.counts["warnings"] += sum(1 for w in warnings if w.code != "OX-IMP-009")


def _issue(e: OXError) -> dict[str, Any]:
    return {"row": e.facts.get("row"), "order": e.facts.get("order"), "code": e.code,
            "message": e.message, "solution": e.solution}


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


# --- reading: one `_Unit` per order (or per unreadable row) ----------------------------------
@dataclass
class _Unit:
    row: int
    data: dict[str, Any] | None  # the order in its JSON shape; None: the row is unreadable
    errors: list[OXError]
    line_rows: list[int] | None = None
    raw: list[Any] = field(default_factory=list)  # the file's own records, for the report
    number: str = ""


def _jsonl(stream: IO[bytes]) -> Iterator[_Unit]:
    for row, raw_line in enumerate(stream, start=1):
        line = raw_line.decode("utf-8", errors="surrogateescape")
        if row == 1:
            line = line.removeprefix("\ufeff")
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        sample = _bad_utf8(line)
        if sample is not None:
            yield _Unit(row, None, [OXError("OX-IMP-008", row=row, sample=sample)], raw=[line])
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Unit(row, None, [OXError(
                "OX-IMP-003", row=row, detail=f"{exc.msg} at column {exc.colno}")], raw=[line])
            continue
        if not isinstance(data, dict):
            yield _Unit(row, None, [OXError("OX-IMP-003", row=row, detail="not an object")],
                        raw=[line])
            continue
        yield _Unit(row, data, [], raw=[data], number=str(data.get("number") or "").strip())


# CSV: one row per order line; order, customer and address columns repeat on every row.
_CSV_ORDER = {"order_number": "number", "ordered_at": "ordered_at", "currency": "currency",
              "shipping": "shipping", "status": "status", "total": "total",
              "tax_mode": "tax_mode", "shipping_tax_rate": "shipping_tax_rate"}
_CSV_CUSTOMER = {"email": "email", "first_name": "first_name", "last_name": "last_name",
                 "phone": "phone", "company": "company", "customer_number": "number"}
_CSV_LINE = ("sku", "name", "quantity", "unit", "unit_price", "tax_rate")
#: every column of the CSV format, in the order the error report writes them
CSV_COLUMNS = [*_CSV_ORDER, *_CSV_CUSTOMER,
               *(f"{kind}_{k}" for kind in ("billing", "delivery") for k in _ADDRESS_KEYS),
               *_CSV_LINE]
#: columns the importer ignores: the error report's own
_REPORT_COLUMNS = ("error", "raw")


def _csv(stream: IO[bytes]) -> Iterator[_Unit]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    group: _Unit | None = None
    for rec in reader:
        row = reader.line_num
        raw = dict(rec)
        sample = _bad_utf8(list(rec.values()) + list(rec.keys()))
        if sample is not None:
            if group is not None:
                yield group
                group = None
            yield _Unit(row, None, [OXError("OX-IMP-008", row=row, sample=sample)], raw=[raw])
            continue
        rec = {k.strip(): (v or "") for k, v in rec.items() if k}
        number = rec.get("order_number", "").strip()
        header = {
            **{dst: rec.get(src, "") for src, dst in _CSV_ORDER.items()},
            "customer": {dst: rec.get(src, "") for src, dst in _CSV_CUSTOMER.items()},
            "billing": {k: rec.get(f"billing_{k}", "") for k in _ADDRESS_KEYS},
            "delivery": {k: rec.get(f"delivery_{k}", "") for k in _ADDRESS_KEYS},
        }
        if group is not None and group.number != number:
            yield group
            group = None
        if group is None:
            group = _Unit(row, {**header, "lines": []}, [], line_rows=[], number=number)
        elif header != {k: group.data[k] for k in header}:
            first = group.data
            key = next(k for k in header if header[k] != first[k])
            group.errors.append(OXError("OX-IMP-012", order=number or "?", row=row, field=key,
                                        value=str(header[key])[:40], first=str(first[key])[:40]))
        group.data["lines"].append({k: rec.get(k, "") for k in _CSV_LINE})
        group.line_rows.append(row)
        group.raw.append(raw)
    if group is not None:
        yield group


def _open(path: Path) -> tuple[IO[bytes], str]:
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv"):
        raise OXError("OX-IMP-002", path=path)
    try:
        return path.open("rb"), suffix
    except OSError as exc:
        raise OXError("OX-IMP-001", path=path, detail=exc.strerror or str(exc)) from None


def read_orders(path: Path) -> Iterator[tuple[int, CustomerOrder | None, list[OXError]]]:
    """Yield (row, order or None, errors) for every order of a file, streaming."""
    path = Path(path)
    stream, suffix = _open(path)
    with stream:
        for unit in (_csv(stream) if suffix == ".csv" else _jsonl(stream)):
            if unit.data is None:
                yield unit.row, None, unit.errors
                continue
            parsed = validate_order(unit.data, unit.row, unit.line_rows)
            errors = unit.errors + parsed.errors
            yield unit.row, (None if errors else parsed.order), errors


# --- the error report ------------------------------------------------------------------------
class _RejectWriter:
    """Writes rejected rows with an `error` column, in a form the importer reads back.

    A CSV input gives a CSV report with the input's own columns. A JSON Lines input gives JSON
    Lines (each object with an `error` key) for a `.jsonl` report, or the CSV import format for a
    `.csv` report. A row that could not be read at all keeps its text in a `raw` column. Bytes
    that were not UTF-8 are written back unchanged, so the fix happens in the report.
    """

    def __init__(self, path: Path, input_suffix: str) -> None:
        self.path = path
        self.as_csv = path.suffix.lower() == ".csv"
        if path.suffix.lower() not in (".csv", ".jsonl", ".ndjson"):
            raise OXError("OX-IMP-016", path=path, detail="the name must end in .csv or .jsonl")
        self.input_csv = input_suffix == ".csv"
        if self.input_csv and not self.as_csv:
            raise OXError("OX-IMP-016", path=path,
                          detail="a CSV import writes a .csv report (its own columns)")
        try:
            self.file = path.open("w", encoding="utf-8", errors="surrogateescape", newline="")
        except OSError as exc:
            raise OXError("OX-IMP-016", path=path, detail=exc.strerror or str(exc)) from None
        self.writer: csv.DictWriter | None = None
        self.count = 0

    def _csv_writer(self, columns: list[str]) -> csv.DictWriter:
        if self.writer is None:
            columns = [c for c in columns if c not in _REPORT_COLUMNS] + list(_REPORT_COLUMNS)
            self.writer = csv.DictWriter(self.file, columns, extrasaction="ignore")
            self.writer.writeheader()
        return self.writer

    def write(self, unit: _Unit, errors: list[OXError]) -> None:
        self.count += 1
        by_row: dict[Any, list[str]] = {}
        for e in errors:
            by_row.setdefault(e.facts.get("row", unit.row), []).append(f"{e.code} {e.message}")
        everything = "; ".join(m for msgs in by_row.values() for m in msgs)
        if not self.as_csv:
            for raw in unit.raw:
                obj = dict(raw, error=everything) if isinstance(raw, dict) else \
                    {"raw": raw, "error": everything}
                self.file.write(json.dumps(obj, ensure_ascii=False) + "\n")
            return
        if self.input_csv:
            rows = unit.line_rows or [unit.row]
            for i, raw in enumerate(unit.raw):
                row = rows[i] if i < len(rows) else unit.row
                messages = by_row.get(row, [])
                if i == 0:  # errors of rows that are not in this unit go on its first row
                    messages = messages + [m for r, ms in by_row.items() if r not in rows
                                           for m in ms]
                record = {k: v for k, v in raw.items() if k}
                writer = self._csv_writer([k for k in raw if k])
                writer.writerow(dict(record, error="; ".join(messages), raw=""))
            return
        writer = self._csv_writer(CSV_COLUMNS)
        for record in _flatten(unit):
            writer.writerow(dict(record, error=everything))
            everything = ""  # once per order, on its first row

    def close(self) -> None:
        if self.writer is None and self.as_csv:
            self._csv_writer(CSV_COLUMNS)  # an empty report still has its header
        self.file.close()


def _flatten(unit: _Unit) -> Iterator[dict[str, Any]]:
    """A JSON Lines order as rows of the CSV import format (or its raw text if unreadable)."""
    data = unit.data
    if data is None:
        yield {"raw": unit.raw[0] if unit.raw else ""}
        return

    def sub(key: str) -> dict[str, Any]:
        value = data.get(key)
        return value if isinstance(value, dict) else {}

    head: dict[str, Any] = {src: data.get(dst, "") for src, dst in _CSV_ORDER.items()}
    head.update({src: sub("customer").get(dst, "") for src, dst in _CSV_CUSTOMER.items()})
    for kind in ("billing", "delivery"):
        head.update({f"{kind}_{k}": sub(kind).get(k, "") for k in _ADDRESS_KEYS})
    lines = data.get("lines") if isinstance(data.get("lines"), list) else []
    for item in lines or [{}]:
        item = item if isinstance(item, dict) else {}
        yield {**head, **{k: item.get(k, "") for k in _CSV_LINE}, "raw": ""}


# --- the import ------------------------------------------------------------------------------
def import_orders(store: Store, path: Path, dry_run: bool = False,
                  chunk_rows: int = CHUNK_ROWS, report_path: Path | None = None) -> ImportReport:
    """Validate and store every order of a file; bad orders are reported and skipped.

    Good orders are committed in chunks of about `chunk_rows` file rows (never splitting an
    order); memory holds one chunk. With `report_path`, rejected rows are written there.
    """
    path = Path(path)
    report = ImportReport(str(path))
    stream, suffix = _open(path)
    writer = None
    if report_path is not None:
        try:
            writer = _RejectWriter(Path(report_path), suffix)
        except OXError:
            stream.close()
            raise
        report.report_path = str(report_path)
    started = datetime.now(UTC)
    pending: list[tuple[_Unit, CustomerOrder]] = []
    pending_rows = 0
    in_chunk: dict[str, int] = {}  # CSV: order number → first row, in the pending chunk
    seen: set[str] | None = set() if dry_run and suffix == ".csv" else None

    def reject(unit: _Unit, errors: list[OXError]) -> None:
        report.reject(unit.number or next((str(e.facts["order"]) for e in errors
                                           if e.facts.get("order")), None), errors)
        if writer is not None:
            writer.write(unit, errors)

    def flush() -> None:
        nonlocal pending, pending_rows
        if not pending:
            return
        result = store.add_customer_orders([o for _u, o in pending], source=str(path),
                                           dry_run=dry_run, since=started if suffix == ".csv"
                                           else None)
        report.counts["commits"] += 0 if dry_run else 1
        units = {o.number: u for u, o in pending}
        for number in result.stored:
            report.stored.append(number)
            report.counts["stored"] += 1
        for number in result.same_run:  # a CSV order whose rows are not together
            unit = units[number]
            reject(unit, [OXError("OX-IMP-015", order=number, row=unit.row)])
        for number in result.duplicates:
            if number in result.same_run:
                continue
            report.duplicates.append(number)
            report.counts["duplicates"] += 1
            report.warn([OXError("OX-IMP-009", order=number, row=units[number].row)])
        for number in result.corrected:
            report.counts["corrected"] += 1
            report.warn([OXError("OX-IMP-018", order=number, row=units[number].row)])
        for number, reason in result.not_corrected:
            report.warn([OXError("OX-IMP-019", order=number, row=units[number].row,
                                 reason=reason)])
        for number, old, new in result.status_updates:
            report.counts["status_updated"] += 1
            report.warn([OXError("OX-IMP-017", order=number, row=units[number].row, old=old,
                                 new=new)])
        pending, pending_rows = [], 0
        in_chunk.clear()

    try:
        with stream:
            for unit in (_csv(stream) if suffix == ".csv" else _jsonl(stream)):
                report.rows += 1
                report.file_rows += len(unit.line_rows or [unit.row])
                if unit.data is None:
                    reject(unit, unit.errors)
                    continue
                parsed = validate_order(unit.data, unit.row, unit.line_rows)
                errors = unit.errors + parsed.errors
                if suffix == ".csv" and unit.number:
                    if unit.number in in_chunk or (seen is not None and unit.number in seen):
                        errors.append(OXError("OX-IMP-015", order=unit.number, row=unit.row))
                if errors:
                    reject(unit, errors)
                    continue
                assert parsed.order is not None
                report.warn(parsed.warnings)
                if suffix == ".csv":
                    in_chunk[unit.number] = unit.row
                    if seen is not None:
                        seen.add(unit.number)
                pending.append((unit, parsed.order))
                pending_rows += len(unit.line_rows or [unit.row])
                if pending_rows >= chunk_rows:
                    flush()
            flush()
    finally:
        if writer is not None:
            writer.close()
    return report


def import_catalogue(store: Store, path: Path, suppliers: Mapping[str, str] | Iterable[str]
                     ) -> tuple[int, list[OXError]]:
    """Catalogue CSV: sku, supplier, supplier_sku, purchase_price[, name][, currency]. Bad rows
    skipped.

    `suppliers`: supplier id → its `price_currency`, the currency of rows without a `currency`
    (a plain set of ids leaves such rows without one: the supplier's setting applies when the
    price is used)."""
    defaults: dict[str, str | None] = (dict(suppliers) if isinstance(suppliers, Mapping)
                                       else dict.fromkeys(suppliers))
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
        extra = rec.pop(None, None)  # csv's restkey: more fields than the header names
        if extra:
            errors.append(OXError("OX-CAT-001", row=row, detail=(
                f"{len(extra)} more field(s) than the header names ({', '.join(extra)!s}); a "
                "value with a comma needs double quotes, e.g. \"Hammer, 450 g\"")))
            continue
        rec = {(k or "").strip(): (v or "").strip() for k, v in rec.items()}
        sample = _bad_utf8(list(rec.values()))
        if sample is not None:
            errors.append(OXError("OX-IMP-008", row=row, sample=sample))
            continue
        missing = [k for k in ("sku", "supplier", "supplier_sku", "purchase_price") if not rec.get(k)]
        if missing:
            errors.append(OXError("OX-CAT-001", row=row, detail=f"{', '.join(missing)} missing"))
            continue
        if rec["supplier"] not in defaults:
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
        currency = rec.get("currency", "").upper() or defaults[rec["supplier"]]
        if currency is not None and pycountry.currencies.get(alpha_3=currency) is None:
            errors.append(OXError("OX-CAT-001", row=row, detail=f"currency {rec['currency']!r} "
                                                                f"is not an ISO 4217 code"))
            continue
        good.append(CatalogueEntry(rec["sku"], rec["supplier"], rec["supplier_sku"], price,
                                   rec.get("name", ""), currency))
    store.upsert_catalogue(good)
    return len(good), errors
