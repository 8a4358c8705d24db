"""The documents' languages: labels, country names and number and date formats (en, de)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from ..model import money
from .text import number


# --- language: labels, countries, number formats ---------------------------------------------
_LABELS = {
    "en": {
        "title": "Purchase order", "order_for": "Order for", "from": "From",
        "date": "Date", "our_customer_number": "Our customer number",
        "customer_order": "Customer order", "reference": "Reference",
        "your_shop_order": "Your shop order", "deliver_to": "Deliver to",
        "customer": "Customer", "phone": "Phone", "pos": "Pos.", "your_sku": "Your SKU",
        "product": "Product", "qty": "Qty", "unit_price": "Unit net", "line_net": "Net",
        "subtotal": "Subtotal net", "shipping": "Shipping net", "tax": "Tax",
        "total": "Total", "summary": "Summary", "orders": "customer orders",
        "questions": "Questions about this order? Reply to {reply_to}.",
        "page": "Page {page} of {pages}",
        "blind": "Blind drop-shipment",
        "blind_note": "Blind drop-shipment for {distributor}: ship in neutral packaging, no "
                      "prices, invoice or advertising in the parcel; invoice us.",
        "note_in_shop": "Entered in your shop as order {shop_order}.",
        "quote_reference": "Please quote reference {reference}.",
        "by_email": "Handed over by email: please enter this order in your system.",
        "cancelled": "CANCELLED",
    },
    "de": {
        "title": "Bestellung", "order_for": "Bestellung an", "from": "Von",
        "date": "Datum", "our_customer_number": "Unsere Kundennummer",
        "customer_order": "Kundenauftrag", "reference": "Referenz",
        "your_shop_order": "Ihre Shop-Bestellung", "deliver_to": "Lieferadresse",
        "customer": "Kunde", "phone": "Telefon", "pos": "Pos.", "your_sku": "Ihre Art.-Nr.",
        "product": "Artikel", "qty": "Menge", "unit_price": "Einzelpreis netto",
        "line_net": "Netto", "subtotal": "Warenwert netto", "shipping": "Versand netto",
        "tax": "MwSt.", "total": "Gesamt", "summary": "Zusammenfassung",
        "orders": "Kundenaufträge",
        "questions": "Fragen zu dieser Bestellung? Antworten Sie an {reply_to}.",
        "page": "Seite {page} von {pages}",
        "blind": "Neutraler Versand (Streckengeschäft)",
        "blind_note": "Neutraler Versand für {distributor}: bitte in neutraler Verpackung, ohne "
                      "Preise, Rechnung oder Werbung im Paket versenden; die Rechnung geht an uns.",
        "note_in_shop": "In Ihrem Shop als Bestellung {shop_order} angelegt.",
        "quote_reference": "Bitte geben Sie die Referenz {reference} an.",
        "by_email": "Per E-Mail übergeben: bitte erfassen Sie diese Bestellung in Ihrem System.",
        "cancelled": "STORNIERT",
    },
}


def labels(language: str) -> dict[str, str]:
    return _LABELS.get(language, _LABELS["en"])


@functools.lru_cache(maxsize=1024)
def country_name(code: str, language: str) -> str:
    """ISO country name in the supplier's language (pycountry's translations), else the code.
    Cached: a 100-order email names a country per order, and each look-up opened the gettext
    catalogue anew."""
    import gettext

    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    if language != "en":
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
            name = tr.gettext(country.name)
        except OSError:
            pass
    return name


@functools.lru_cache(maxsize=8192)
def format_money(value: Decimal, language: str) -> str:
    """1,234.50 (en) or 1.234,50 (de). Cached: an email repeats the same prices line after line
    (equal amounts, e.g. 5.2 and 5.20, read the same)."""
    text = f"{money(Decimal(value)):,.2f}"
    if language == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


@functools.lru_cache(maxsize=16)
def money_formatter(language: str) -> Callable[[Decimal], str]:
    """`format_money(value, language)` as a function of the value alone, with a cache of its
    own: the email templates' `money` filter, called a dozen times per customer order (a
    lambda around `format_money` was a Python call more per amount)."""
    return functools.lru_cache(maxsize=8192)(
        functools.partial(format_money.__wrapped__, language=language))


def format_number(value: Decimal | int, language: str) -> str:
    text = number(value)
    return text.replace(".", ",") if language == "de" else text


def format_date(value: datetime, language: str) -> str:
    """2026-01-15 (en) or 15.01.2026 (de). A date or datetime's text depends on its day alone,
    so it is made once per day and language (`strftime` was ~2 us, twice per customer order
    of a notification); anything else is formatted as it always was."""
    if type(value) is datetime or type(value) is date:
        key = (value.year, value.month, value.day, language == "de")
        text = _DAYS.get(key)
        if text is None:
            if len(_DAYS) > 20_000:
                _DAYS.clear()
            text = _DAYS[key] = _format_date(value, language)
        return text
    return _format_date(value, language)


#: (year, month, day, German) → `format_date`'s text (a few hundred days per year of orders)
_DAYS: dict[tuple[int, int, int, bool], str] = {}


def _format_date(value: datetime, language: str) -> str:
    return f"{value:%d.%m.%Y}" if language == "de" else f"{value:%Y-%m-%d}"
