"""Units, numbers and text as every document writes them: UN/ECE unit codes, plain decimals,
XML-safe text and transliteration for legacy encodings."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from ..model import money, plain_quantity


# --- units, numbers, text --------------------------------------------------------------------
_UNIT_CODES = {
    "": "C62", "pc": "C62", "pcs": "C62", "piece": "C62", "pieces": "C62", "stk": "C62",
    "stück": "C62", "ea": "C62", "each": "C62", "set": "SET", "pair": "PR", "pack": "PK",
    "kg": "KGM", "g": "GRM", "t": "TNE", "lb": "LBR", "oz": "ONZ", "m": "MTR", "cm": "CMT",
    "mm": "MMT", "km": "KMT", "ft": "FOT", "in": "INH", "yd": "YRD", "m2": "MTK", "m²": "MTK",
    "qm": "MTK", "m3": "MTQ", "m³": "MTQ", "l": "LTR", "ml": "MLT", "cl": "CLT", "gal": "GLL",
    "h": "HUR", "hr": "HUR", "min": "MIN",
}


def unit_code(unit: str) -> str:
    """UN/ECE Recommendation 20 code of a unit; codes pass through, anything else counts pieces."""
    key = unit.strip()
    if key.casefold() in _UNIT_CODES:
        return _UNIT_CODES[key.casefold()]
    if re.fullmatch(r"[A-Z0-9]{2,3}", key):
        return key
    return "C62"


def amount(value: Decimal) -> str:
    """Money in documents: two decimals, dot, no grouping (e.g. 1234.50)."""
    return f"{money(Decimal(value)):.2f}"


def number(value: Decimal | int) -> str:
    """A quantity or rate as people write it: 2, 1.5, 19 (never 2.0000 or 1E+1)."""
    value = plain_quantity(value)
    return str(value) if isinstance(value, int) else f"{value:f}"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: object) -> str:
    """Text safe for XML 1.0 and for single-line fields: no control characters."""
    return _XML_BAD.sub("", str(text))


_TRANSLIT = {"ß": "ss", "ẞ": "SS", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O",
             "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "€": "EUR", "–": "-",
             "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "…": "...",
             "\u00a0": " "}


def encodable(text: str, encoding: str) -> str:
    """`text` with every character the encoding lacks transliterated (ł → l, € → EUR), or "?".

    Used where a supplier insists on a legacy encoding (CSV as cp1252, the PDF's core font):
    the email body still carries the exact text."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode(encoding)
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        alt = _TRANSLIT.get(ch)
        if alt is None:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if not unicodedata.combining(c))
            alt = base if base and base != ch else "?"
        try:
            alt.encode(encoding)
        except UnicodeEncodeError:
            alt = "?"
        out.append(alt)
    return "".join(out)
