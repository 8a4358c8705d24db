"""Customer orders in: JSON Lines or CSV, every row validated before anything is stored.

Rule from the POS bulk import we learned from: bad rows are reported with their error and skipped,
good rows go in. The unit of "all or nothing" is the customer order — an order with one bad line is
rejected whole (a half order forwarded to a supplier is worse than none), and every error of it is
reported at once so the user fixes the source in one pass.

The file is read as a stream and good orders are committed in chunks (default 1,000 rows), so a
file of a million rows needs the memory of one chunk (and, for a CSV, the set of its order
numbers), not of the file. A CSV is grouped by order on the fly, so the rows of one order must
follow each other: a first pass over its order numbers (`read.CsvScan`) finds the orders whose
rows are apart (OX-IMP-015) or that have an unreadable row (OX-IMP-020), and those are refused
whole, whatever the chunk size.

Validation uses the same rules as step 1 of sending, where they need no supplier shop
(`checks.order_rules`): postcodes where the country uses them, the phone number (stored in E.164
form when it parses, kept as typed with a warning otherwise), a plausible order date, and — when
the file states a `total` — lines × prices + shipping (+ tax for net prices) = total, to the cent.

`--report FILE` writes the rejected rows with an `error` column: fix them there and import the
report file itself (the `error` column is ignored on import).

In parts: `read` (the streaming readers), `validate` (one order), `report` (the report and
the file of rejected rows); the import itself is here. Every name is importable from here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry

from ..errors import OXError
from ..model import CatalogueEntry, CustomerOrder
from ..store import Store
from .read import CSV_COLUMNS, CsvScan, _csv, _jsonl, _open, _Unit, read_orders, scan_csv
from .report import LIST_LIMIT, ImportReport, _RejectWriter
from .validate import LIMITS, TAX_MODES, Parsed, _bad_utf8, parse_order, validate_order

__all__ = [
    "CHUNK_ROWS", "CSV_COLUMNS", "LIMITS", "LIST_LIMIT", "TAX_MODES", "CsvScan", "ImportReport",
    "Parsed", "import_catalogue", "import_orders", "parse_order", "read_orders", "scan_csv",
    "validate_order",
]

#: file rows per commit; an order is never split across two commits. 1,000 rather than 5,000
#: (until 2026-12-07): a chunk's orders are the import's working set, and a daemon imports and
#: then forks its send workers, which start with the memory the import left behind (not given
#: back to the system): 100,000 realistic orders left 164 MB at 5,000, 125 MB at 1,000, and a
#: send worker's peak went over 200 MB. Committing five times as often cost nothing measurable
#: (27.2 s against 25.3 s for those 100,000 orders into a SQLite store; bench/README)
CHUNK_ROWS = 1000


# --- the import ------------------------------------------------------------------------------
def import_orders(store: Store, path: Path, dry_run: bool = False,
                  chunk_rows: int = CHUNK_ROWS, report_path: Path | None = None) -> ImportReport:
    """Validate and store every order of a file; bad orders are reported and skipped.

    Good orders are committed in chunks of about `chunk_rows` file rows (never splitting an
    order); memory holds one chunk. With `report_path`, rejected rows are written there.
    A CSV is first scanned for orders to refuse whole (`read.CsvScan`), so what is stored never
    depends on `chunk_rows`.
    """
    path = Path(path)
    report = ImportReport(str(path))
    stream, suffix = _open(path)
    try:
        scan = scan_csv(path) if suffix == ".csv" else CsvScan()
    except BaseException:
        stream.close()
        raise
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
    refused: set[str] = set()  # orders of the scan already counted as rejected

    def reject(unit: _Unit, errors: list[OXError]) -> None:
        # an order refused whole is one rejected order, however many runs of rows it has
        again = unit.number in refused
        if unit.number and (unit.number in scan.apart or unit.number in scan.unreadable):
            refused.add(unit.number)
        report.reject(unit.number or next((str(e.facts["order"]) for e in errors
                                           if e.facts.get("order")), None), errors, again=again)
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
        # stored by this source since the run began: the scan refuses an order whose rows are
        # apart, so only a second import of the same file running meanwhile gets here
        for number in result.same_run:
            unit = units[number]
            reject(unit, [OXError("OX-IMP-015", order=number, row=unit.row)])
        # an order whose status changed gets OX-IMP-017 alone: OX-IMP-009 would say its new
        # copy is ignored while the status is taken over
        updated = {number for number, _old, _new in result.status_updates}
        for number in result.duplicates:
            if number in result.same_run:
                continue
            report.duplicates.append(number)
            report.counts["duplicates"] += 1
            if number not in updated:
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
                if unit.number:
                    errors += scan.refusals(unit)
                if errors:
                    reject(unit, errors)
                    continue
                assert parsed.order is not None
                report.warn(parsed.warnings)
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
