"""What an import did (`ImportReport`, with bounded lists) and the `--report` file of rejected
rows, written in the input's own format so it can be fixed and imported as it is."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OXError
from .read import _CSV_CUSTOMER, _CSV_LINE, _CSV_ORDER, _REPORT_COLUMNS, CSV_COLUMNS, _Unit
from .validate import _ADDRESS_KEYS


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
    def reject(self, number: str | None, errors: list[OXError], again: bool = False) -> None:
        """A rejected order (or unreadable row) with its errors; `again`: a further run of rows of
        an order already rejected — its errors count, the order not a second time."""
        self.errors.extend(errors)
        self.counts["errors"] += len(errors)
        if again:
            return
        self.counts["rejected"] += 1
        if number and number != "?":
            self.rejected_orders.append(number)

    def warn(self, warnings: list[OXError]) -> None:
        self.notices.extend(warnings)
        self.counts["warnings"] += sum(1 for w in warnings if w.code != "OX-IMP-009")


def _issue(e: OXError) -> dict[str, Any]:
    return {"row": e.facts.get("row"), "order": e.facts.get("order"), "code": e.code,
            "message": e.message, "solution": e.solution}


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
