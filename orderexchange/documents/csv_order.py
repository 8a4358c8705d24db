"""The CSV attachment: one row per line, in the supplier's columns, delimiter, decimal mark and
encoding, guarded against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
import re

from .csv_columns import CSV_COLUMNS, DEFAULT_CSV_COLUMNS
from .sheet import Sheet
from .text import clean, encodable


_NUMERIC_COLUMNS = {"line_no", "quantity", "unit_price", "line_net", "tax_rate", "line_tax",
                    "shipping"}


_NUMBER_LIKE = re.compile(r"^[+-]?[\d\s()/.,-]*\d[\d\s()/.,-]*$")


def _guard(value: str) -> str:
    """Spreadsheet formula injection: a text cell starting with = + - @ (and not a number or a
    phone number) gets a leading apostrophe, so Excel/LibreOffice show it instead of running it."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER_LIKE.match(value):
        return "'" + value
    return value


def order_csv(sht: Sheet) -> bytes:
    """All lines of the supplier order, one row per line, header row with the column names."""
    note = sht.supplier.notification
    columns = list(note.csv_columns or DEFAULT_CSV_COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=note.csv_delimiter, lineterminator="\r\n",
                        quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for o in sht.orders:
        for line in o.lines:
            row = []
            for name in columns:
                value = clean(CSV_COLUMNS[name][1](sht, o, line, note.csv_decimal))
                if name not in _NUMERIC_COLUMNS:
                    value = _guard(" ".join(value.split()))  # one physical line per record
                row.append(encodable(value, note.csv_encoding))
            writer.writerow(row)
    return buffer.getvalue().encode(note.csv_encoding)
