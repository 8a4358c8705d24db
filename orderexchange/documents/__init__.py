"""Order documents: one supplier order as CSV, UBL 2.1 Order (Peppol BIS Ordering 3), openTRANS
2.1 ORDER and a PDF order sheet — bytes a supplier's back office can use as they are.

One job: turn a `SupplierOrder` into document bytes. Which documents a supplier gets is decided by
the `attachments` plug-in (plugins/attachments.py) from `[suppliers.X.notification]`; the email
templates read the same facts through `Sheet`, so the email and its attachments always agree.

Totals are those written into the supplier's shop: net purchase lines, the supplier's net
shipping cost per customer order, tax on the lines, and their sum. docs/mail.md describes every
format field by field.


In parts by job: `sheet` (the facts), `csv_columns` + `csv_order`, `xml_orders` (UBL,
openTRANS), `pdf`, `language`, `text`. Every name is importable from here; `documents_for`
looks the renderers up here, so a test that wraps `documents.ubl_order` wraps what it uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .csv_columns import CSV_COLUMNS, DEFAULT_CSV_COLUMNS
from .csv_order import order_csv
from .language import country_name, format_date, format_money, format_number, labels
from .pdf import FONT_CANDIDATES, FontError, order_pdf, pdf_font
from .sheet import (
    FORMATS, LANGUAGES, MAIL_ONLY, Sheet, SheetLine, SheetOrder, Totals, handover_of, language_of,
    reply_address, sample_supplier_order, sheet, listed_value,
)
from .text import amount, clean, encodable, number, unit_code
from .xml_orders import (
    NS_BMECAT, NS_CAC, NS_CANCEL, NS_CBC, NS_OPENTRANS, NS_ORDER, UBL_CANCEL_CUSTOMIZATION,
    UBL_CANCEL_PROFILE, UBL_CUSTOMIZATION, UBL_PROFILE, opentrans_order, order_note, ubl_order,
    ubl_order_cancellation,
)

if TYPE_CHECKING:
    from ..config import SupplierConfig

__all__ = [
    "CSV_COLUMNS", "DEFAULT_CSV_COLUMNS", "FONT_CANDIDATES", "FORMATS", "FontError", "LANGUAGES",
    "MAIL_ONLY", "NS_BMECAT", "NS_CAC", "NS_CANCEL", "NS_CBC", "NS_OPENTRANS", "NS_ORDER", "Sheet",
    "SheetLine", "SheetOrder", "Totals", "UBL_CANCEL_CUSTOMIZATION", "UBL_CANCEL_PROFILE",
    "UBL_CUSTOMIZATION", "UBL_PROFILE", "amount", "attachment_formats", "clean", "country_name",
    "documents_for", "encodable", "format_date", "format_money", "format_number", "handover_of",
    "labels", "language_of", "listed_value", "number", "opentrans_order", "order_csv",
    "order_note", "order_pdf", "pdf_font", "reply_address", "sample_supplier_order", "sheet",
    "ubl_order", "ubl_order_cancellation", "unit_code",
]


def documents_for(sht: Sheet, formats: Iterable[str]) -> list[tuple[str, bytes, str]]:
    """(filename, content, MIME type) for each requested format: CSV and PDF once per supplier
    order, UBL and openTRANS once per customer order (each has its own delivery address)."""
    out: list[tuple[str, bytes, str]] = []
    for fmt in dict.fromkeys(formats):
        if fmt == "csv":
            out.append((f"order-{sht.label}.csv", order_csv(sht), "text/csv"))
        elif fmt == "pdf":
            out.append((f"order-{sht.label}.pdf", order_pdf(sht), "application/pdf"))
        elif fmt == "ubl":
            out += [(f"ubl-order-{o.reference}.xml", ubl_order(sht, o), "application/xml")
                    for o in sht.orders]
        elif fmt == "opentrans":
            out += [(f"opentrans-order-{o.reference}.xml", opentrans_order(sht, o),
                     "application/xml") for o in sht.orders]
        else:
            raise ValueError(f"unknown document format {fmt!r}")
    return out


def attachment_formats(supplier: SupplierConfig) -> list[str]:
    """The formats a supplier gets: its setting, else pdf + csv for mail-only, else none."""
    chosen = supplier.notification.attachments
    if chosen is None:
        return ["pdf", "csv"] if supplier.connector == MAIL_ONLY else []
    return list(chosen)
