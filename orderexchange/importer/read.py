"""Reading an order file as a stream: JSON Lines one order per line, CSV one line per row with
the rows of an order grouped on the fly (`_Unit`: one order, or one unreadable row)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import OXError
from ..model import CustomerOrder
from .validate import _ADDRESS_KEYS, _bad_utf8, validate_order


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


_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass
class CsvScan:
    """What the first pass over a CSV found: the orders none of whose rows may be stored.

    `apart`: orders whose rows come in more than one run, other orders between them. `unreadable`:
    order → an unreadable row (OX-IMP-008) that belongs to it, or may: one whose own order number
    is readable names its order; one whose number is not may belong to the order before it or the
    one after it, so both are refused. Either way the order is refused whole, every run of it, so
    the error report holds all its rows to fix and import again."""

    apart: set[str] = field(default_factory=set)
    unreadable: dict[str, int] = field(default_factory=dict)

    def refusals(self, unit: _Unit) -> list[OXError]:
        """The errors that refuse this run of rows because of the rest of its order."""
        out = []
        if unit.number in self.apart:
            out.append(OXError("OX-IMP-015", order=unit.number, row=unit.row))
        if unit.number in self.unreadable:
            out.append(OXError("OX-IMP-020", order=unit.number, row=unit.row,
                               bad_row=self.unreadable[unit.number]))
        return out


def _csv_scan(stream: IO[bytes]) -> CsvScan:
    """The first pass over a CSV: which orders to refuse whole (see `CsvScan`).

    Why a pass of its own: the import commits orders in chunks as it streams, so by the time the
    second run of an order's rows (or an unreadable row of it) shows up, the first run may be
    stored already — and whether it is would depend on the chunk size. This pass reads only the
    order number column with the plain csv reader and keeps the set of order numbers seen, so a
    file of any size costs one set of numbers, not its rows. Rows are grouped exactly as `_csv`
    groups them: a run ends where the number changes or an unreadable row comes between."""
    scan = CsvScan()
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None or _SURROGATE.search("\x00".join(header)):
        return scan  # no rows, or every row unreadable (`_csv` checks the header with each row)
    keys = [k.strip() for k in header]
    # the last column of that name, as a dict of the row keeps it
    column = max((i for i, k in enumerate(keys) if k == "order_number"), default=None)
    seen: set[str] = set()
    last: str | None = None  # the order of the run being read; None after an unreadable row
    unknown_before: int | None = None  # an unreadable row of no readable order, just before

    def number_of(row: list[str]) -> str:
        return row[column].strip() if column is not None and column < len(row) else ""

    for row in reader:
        if not row:
            continue  # the dict reader skips empty lines too
        if _SURROGATE.search("\x00".join(row)):
            line = reader.line_num
            number = number_of(row)
            if number and not _SURROGATE.search(number):
                scan.unreadable.setdefault(number, line)
            else:
                if last:
                    scan.unreadable.setdefault(last, line)
                unknown_before = line
            last = None
            continue
        number = number_of(row)
        if number != last:
            if number in seen:
                scan.apart.add(number)
            seen.add(number)
            if unknown_before is not None and number:
                scan.unreadable.setdefault(number, unknown_before)
            last = number
        unknown_before = None
    return scan


def scan_csv(path: Path) -> CsvScan:
    """`_csv_scan` of a CSV file (opened on its own: the import reads it again as it streams)."""
    stream, _suffix = _open(Path(path))
    with stream:
        return _csv_scan(stream)


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
    scan = scan_csv(path) if suffix == ".csv" else CsvScan()
    with stream:
        for unit in (_csv(stream) if suffix == ".csv" else _jsonl(stream)):
            if unit.data is None:
                yield unit.row, None, unit.errors
                continue
            parsed = validate_order(unit.data, unit.row, unit.line_rows)
            errors = unit.errors + parsed.errors + (scan.refusals(unit) if unit.number else [])
            yield unit.row, (None if errors else parsed.order), errors
