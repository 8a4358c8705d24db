"""Order documents: one supplier order as CSV, UBL 2.1 Order (Peppol BIS Ordering 3), openTRANS
2.1 ORDER and a PDF order sheet — bytes a supplier's back office can use as they are.

One job: turn a `SupplierOrder` into document bytes. Which documents a supplier gets is decided by
the `attachments` plug-in (plugins/attachments.py) from `[suppliers.X.notification]`; the email
templates read the same facts through `Sheet`, so the email and its attachments always agree.

Totals are those written into the supplier's shop: net purchase lines, the supplier's net
shipping cost per customer order, tax on the lines, and their sum. docs/mail.md describes every
format field by field.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from .model import (Address, Customer, CustomerOrder, OrderLine, SupplierLine, SupplierOrder,
                    SupplierOrderState, Transfer, TransferState, money, plain_quantity)

if TYPE_CHECKING:
    from .config import Config, SupplierConfig

#: connector type of the shipped connector that writes no database (plugins/mail_only.py)
MAIL_ONLY = "mail-only"
FORMATS = ("csv", "ubl", "pdf", "opentrans")
LANGUAGES = ("en", "de")

UBL_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:order:3"
UBL_PROFILE = "urn:fdc:peppol.eu:poacc:bis:ordering:3"
UBL_CANCEL_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:order_cancellation:3"
UBL_CANCEL_PROFILE = "urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3"
NS_ORDER = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
NS_CANCEL = "urn:oasis:names:specification:ubl:schema:xsd:OrderCancellation-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_OPENTRANS = "http://www.opentrans.org/XMLSchema/2.1"
NS_BMECAT = "http://www.bmecat.org/bmecat/2005"


# --- the facts of one supplier order, as the supplier sees them ------------------------------
@dataclass(frozen=True)
class SheetLine:
    line_no: int
    sku: str  # the distributor's SKU
    supplier_sku: str
    name: str
    quantity: int | Decimal
    unit: str  # as the distributor's shop wrote it ("" = pieces)
    unit_code: str  # UN/ECE Recommendation 20 code (C62 = one piece)
    unit_price: Decimal  # net purchase price
    net_total: Decimal
    tax_rate: Decimal
    tax: Decimal


@dataclass
class SheetOrder:
    """One customer order inside the supplier order."""

    number: str  # the order number in the distributor's shop
    reference: str  # exchange reference: in the supplier shop, the key to quote back
    shop_order_id: str | None  # the order number in the supplier's shop (None: not written)
    ordered_at: datetime
    currency: str
    customer: Customer
    billing: Address
    delivery: Address
    #: who the customer of the order in the supplier shop is: customer | distributor | guest
    policy: str
    customer_created: bool | None
    customer_match: str | None
    lines: list[SheetLine]
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    transfer: Transfer

    @property
    def blind(self) -> bool:
        """Blind drop-ship: the distributor is the customer; the end customer only receives."""
        return self.policy == "distributor"

    @property
    def recipient(self) -> str:
        """The delivery address's first line: company, else the person."""
        return self.delivery.company or self.delivery.name


@dataclass(frozen=True)
class Totals:
    currency: str
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


@dataclass
class Sheet:
    """What every rendering (email, CSV, UBL, openTRANS, PDF) of a supplier order shows."""

    config: Config
    supplier: SupplierConfig
    supplier_order: SupplierOrder
    label: str  # "acme-42": distributor id + supplier order id
    language: str
    #: "shop": the orders were written into the supplier's shop; "email": this mail hands them over
    handover: str
    issued_at: datetime
    orders: list[SheetOrder]
    reply_to: str
    customer_number: str | None
    totals: list[Totals] = field(default_factory=list)  # one per currency

    @property
    def line_count(self) -> int:
        return sum(len(o.lines) for o in self.orders)


def language_of(supplier: SupplierConfig) -> str:
    """"de-AT" / "de_DE" → "de"; the shipped languages are en and de, others fall back to en
    (a template folder may still hold templates for them: see `template_languages`)."""
    return re.split(r"[-_]", (supplier.language or "en").strip().lower(), maxsplit=1)[0] or "en"


def handover_of(supplier: SupplierConfig) -> str:
    return "email" if supplier.connector == MAIL_ONLY else "shop"


def reply_address(config: Config, supplier: SupplierConfig) -> str:
    note = supplier.notification
    return note.reply_to or config.distributor.reply_to or config.distributor.email


def sheet(config: Config, supplier: SupplierConfig, so: SupplierOrder,
          transfers: Sequence[Transfer] | None = None, now: datetime | None = None) -> Sheet:
    """The facts of `so` (or of `transfers` of it, e.g. the cancelled ones) for `supplier`."""
    policy = getattr(supplier, "customer_policy", "customer")
    shipping = money(Decimal(supplier.shipping_cost))
    shipping_tax = money(shipping * Decimal(supplier.shipping_tax_rate) / 100)
    orders = []
    for t in (so.transfers if transfers is None else transfers):
        co = t.customer_order
        lines = []
        for sl in t.lines:  # each line's amounts once (a 500-order email has thousands)
            net = sl.net_total
            lines.append(SheetLine(
                line_no=sl.line.line_no, sku=sl.line.sku, supplier_sku=sl.supplier_sku,
                name=sl.line.name, quantity=plain_quantity(sl.line.quantity), unit=sl.line.unit,
                unit_code=unit_code(sl.line.unit), unit_price=money(sl.purchase_price),
                net_total=net, tax_rate=Decimal(sl.line.tax_rate).normalize(),
                tax=money(net * sl.line.tax_rate / 100)))
        subtotal = sum((line.net_total for line in lines), Decimal("0"))
        tax = sum((line.tax for line in lines), Decimal("0")) + shipping_tax
        orders.append(SheetOrder(
            number=co.number, reference=t.reference,
            shop_order_id=t.remote_order_id,
            ordered_at=co.ordered_at, currency=co.currency, customer=co.customer,
            billing=co.billing, delivery=co.delivery, policy=policy,
            customer_created=t.customer_created, customer_match=t.customer_match, lines=lines,
            subtotal=subtotal, shipping=shipping, tax=tax, total=subtotal + shipping + tax,
            transfer=t))
    totals: dict[str, list[Decimal]] = {}
    for o in orders:
        acc = totals.setdefault(o.currency, [Decimal("0")] * 4)
        for i, value in enumerate((o.subtotal, o.shipping, o.tax, o.total)):
            acc[i] += value
    return Sheet(
        config=config, supplier=supplier, supplier_order=so,
        label=f"{config.distributor.id}-{so.id}", language=language_of(supplier),
        handover=handover_of(supplier), issued_at=now or datetime.now(UTC), orders=orders,
        reply_to=reply_address(config, supplier),
        customer_number=supplier.notification.customer_number,
        totals=[Totals(c, *v) for c, v in totals.items()])


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


# --- CSV ---------------------------------------------------------------------------------------
def _decimal(value: Decimal | int, sep: str) -> str:
    return number(value).replace(".", sep) if sep != "." else number(value)


def _money(value: Decimal, sep: str) -> str:
    return amount(value).replace(".", sep) if sep != "." else amount(value)


_Cell = Callable[[Sheet, SheetOrder, SheetLine, str], object]

#: name → (meaning, value). The order of this table is the order `config check` lists them in.
CSV_COLUMNS: dict[str, tuple[str, _Cell]] = {
    "supplier_order": ("our supplier order, e.g. acme-42", lambda s, o, l, d: s.label),
    "reference": ("exchange reference of the customer order (quote it back)",
                  lambda s, o, l, d: o.reference),
    "shop_order": ("the order number in your shop (empty: handed over by email)",
                   lambda s, o, l, d: o.shop_order_id if s.handover == "shop" else ""),
    "order_number": ("the customer order number in our shop", lambda s, o, l, d: o.number),
    "order_date": ("customer order date, YYYY-MM-DD",
                   lambda s, o, l, d: f"{o.ordered_at:%Y-%m-%d}"),
    "customer_number": ("our customer number with you", lambda s, o, l, d: s.customer_number or ""),
    "line_no": ("line number in the customer order", lambda s, o, l, d: l.line_no),
    "supplier_sku": ("your article number", lambda s, o, l, d: l.supplier_sku),
    "sku": ("our article number", lambda s, o, l, d: l.sku),
    "name": ("product name", lambda s, o, l, d: l.name),
    "quantity": ("quantity", lambda s, o, l, d: _decimal(l.quantity, d)),
    "unit": ("unit, UN/ECE Rec. 20 code (C62 = piece)", lambda s, o, l, d: l.unit_code),
    "unit_price": ("net purchase price per unit", lambda s, o, l, d: _money(l.unit_price, d)),
    "line_net": ("net line total", lambda s, o, l, d: _money(l.net_total, d)),
    "tax_rate": ("tax rate in percent", lambda s, o, l, d: _decimal(l.tax_rate, d)),
    "line_tax": ("tax of the line", lambda s, o, l, d: _money(l.tax, d)),
    "currency": ("ISO 4217 currency", lambda s, o, l, d: o.currency),
    "shipping": ("net shipping of the customer order (repeated on each of its lines)",
                 lambda s, o, l, d: _money(o.shipping, d)),
    "drop_ship": ("blind drop-ship: yes / no", lambda s, o, l, d: "yes" if o.blind else "no"),
    "customer_name": ("end customer's name", lambda s, o, l, d:
                      f"{o.customer.first_name} {o.customer.last_name}".strip()),
    "customer_email": ("end customer's email (empty for blind drop-ship)",
                       lambda s, o, l, d: "" if o.blind else o.customer.email),
    "customer_phone": ("end customer's phone, for the carrier",
                       lambda s, o, l, d: o.customer.phone),
    "delivery_company": ("ship-to company", lambda s, o, l, d: o.delivery.company),
    "delivery_name": ("ship-to person", lambda s, o, l, d: o.delivery.name),
    "delivery_first_name": ("ship-to first name", lambda s, o, l, d: o.delivery.first_name),
    "delivery_last_name": ("ship-to last name", lambda s, o, l, d: o.delivery.last_name),
    "delivery_street": ("ship-to street and number", lambda s, o, l, d: o.delivery.street),
    "delivery_street2": ("ship-to address addition", lambda s, o, l, d: o.delivery.street2),
    "delivery_postcode": ("ship-to postcode", lambda s, o, l, d: o.delivery.postcode),
    "delivery_city": ("ship-to city", lambda s, o, l, d: o.delivery.city),
    "delivery_state": ("ship-to state / region", lambda s, o, l, d: o.delivery.state),
    "delivery_country": ("ship-to country, ISO 3166-1 alpha-2",
                         lambda s, o, l, d: o.delivery.country),
}

DEFAULT_CSV_COLUMNS = (
    "supplier_order", "reference", "shop_order", "order_number", "order_date", "line_no",
    "supplier_sku", "name", "quantity", "unit", "unit_price", "line_net", "tax_rate", "currency",
    "drop_ship", "delivery_company", "delivery_name", "delivery_street", "delivery_street2",
    "delivery_postcode", "delivery_city", "delivery_country", "customer_phone")

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


# --- a tiny XML writer (deterministic, escapes everything, drops control characters) ---------
class _El:
    def __init__(self, tag: str, text: object = None, **attrib: object) -> None:
        self.tag = tag
        self.text = None if text is None else clean(text)
        self.attrib = {k.replace("__", ":"): clean(v) for k, v in attrib.items()}
        self.children: list[_El] = []

    def add(self, tag: str, text: object = None, **attrib: object) -> _El:
        child = _El(tag, text, **attrib)
        self.children.append(child)
        return child

    def opt(self, tag: str, text: object, **attrib: object) -> _El | None:
        """Add only when there is a value (an empty element would break the schema's facets)."""
        if text is None or str(text).strip() == "":
            return None
        return self.add(tag, str(text).strip(), **attrib)

    def write(self, out: list[str], depth: int = 0) -> None:
        pad = "  " * depth
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in self.attrib.items())
        if self.children:
            out.append(f"{pad}<{self.tag}{attrs}>\n")
            for child in self.children:
                child.write(out, depth + 1)
            out.append(f"{pad}</{self.tag}>\n")
        elif self.text is None:
            out.append(f"{pad}<{self.tag}{attrs}/>\n")
        else:
            out.append(f"{pad}<{self.tag}{attrs}>{escape(self.text)}</{self.tag}>\n")

    def document(self) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        self.write(out)
        return "".join(out).encode("utf-8")


def _endpoint(party: _El, peppol_id: str | None, email: str) -> None:
    if peppol_id:
        scheme, _, value = peppol_id.partition(":")
        party.add("cbc:EndpointID", value, schemeID=scheme)
    else:  # EAS code EM: an email address as electronic address
        party.add("cbc:EndpointID", email, schemeID="EM")


def _ubl_address(parent: _El, tag: str, a: Address) -> None:
    addr = parent.add(tag)
    addr.opt("cbc:StreetName", a.street)
    addr.opt("cbc:AdditionalStreetName", a.street2)
    addr.opt("cbc:CityName", a.city)
    addr.opt("cbc:PostalZone", a.postcode)
    addr.opt("cbc:CountrySubentity", a.state)
    addr.add("cac:Country").add("cbc:IdentificationCode", a.country)


def _ubl_parties(root: _El, sht: Sheet) -> None:
    cfg, sup, note = sht.config, sht.supplier, sht.supplier.notification
    buyer = root.add("cac:BuyerCustomerParty").add("cac:Party")
    _endpoint(buyer, note.peppol_buyer_id, cfg.distributor.email)
    if sht.customer_number:
        buyer.add("cac:PartyIdentification").add("cbc:ID", sht.customer_number)
    buyer.add("cac:PartyName").add("cbc:Name", cfg.distributor.name)
    buyer.add("cac:PartyLegalEntity").add("cbc:RegistrationName", cfg.distributor.name)
    buyer.add("cac:Contact").add("cbc:ElectronicMail", sht.reply_to)
    seller = root.add("cac:SellerSupplierParty").add("cac:Party")
    _endpoint(seller, note.peppol_seller_id, sup.email)
    seller.add("cac:PartyName").add("cbc:Name", sup.name)
    seller.add("cac:PartyLegalEntity").add("cbc:RegistrationName", sup.name)


def _tax_category(parent: _El, rate: Decimal) -> None:
    cat = parent.add("cac:ClassifiedTaxCategory")
    cat.add("cbc:ID", "S" if rate > 0 else "Z")
    cat.add("cbc:Percent", number(rate))
    cat.add("cac:TaxScheme").add("cbc:ID", "VAT")


def ubl_order(sht: Sheet, order: SheetOrder) -> bytes:
    """A UBL 2.1 Order of one customer order, following Peppol BIS Ordering 3 (T01) as far as
    our data goes: the distributor buys, the end customer's address is the delivery location."""
    cur = order.currency
    root = _El("Order", xmlns=NS_ORDER, xmlns__cac=NS_CAC, xmlns__cbc=NS_CBC)
    root.add("cbc:CustomizationID", UBL_CUSTOMIZATION)
    root.add("cbc:ProfileID", UBL_PROFILE)
    root.add("cbc:ID", order.reference)
    root.add("cbc:IssueDate", f"{sht.issued_at:%Y-%m-%d}")
    root.add("cbc:IssueTime", f"{sht.issued_at:%H:%M:%S}")
    root.add("cbc:OrderTypeCode", "220")
    root.opt("cbc:Note", order_note(sht, order))
    root.add("cbc:DocumentCurrencyCode", cur)
    root.add("cbc:CustomerReference", order.number)
    _ubl_parties(root, sht)
    delivery = root.add("cac:Delivery")
    _ubl_address(delivery.add("cac:DeliveryLocation"), "cac:Address", order.delivery)
    party = delivery.add("cac:DeliveryParty")
    party.add("cac:PartyName").add("cbc:Name", order.recipient)
    contact = party.add("cac:Contact")
    contact.add("cbc:Name", order.delivery.name or order.recipient)
    contact.opt("cbc:Telephone", order.customer.phone)
    if not order.blind:
        contact.opt("cbc:ElectronicMail", order.customer.email)
    if order.shipping:
        charge = root.add("cac:AllowanceCharge")
        charge.add("cbc:ChargeIndicator", "true")
        charge.add("cbc:AllowanceChargeReasonCode", "FC")
        charge.add("cbc:AllowanceChargeReason", "Shipping")
        charge.add("cbc:Amount", amount(order.shipping), currencyID=cur)
        if sht.supplier.shipping_tax_rate:  # VAT on shipping: its category and rate
            category = charge.add("cac:TaxCategory")
            category.add("cbc:ID", "S")
            category.add("cbc:Percent", number(Decimal(sht.supplier.shipping_tax_rate)))
            category.add("cac:TaxScheme").add("cbc:ID", "VAT")
    root.add("cac:TaxTotal").add("cbc:TaxAmount", amount(order.tax), currencyID=cur)
    total = root.add("cac:AnticipatedMonetaryTotal")
    total.add("cbc:LineExtensionAmount", amount(order.subtotal), currencyID=cur)
    total.add("cbc:TaxExclusiveAmount", amount(order.subtotal + order.shipping), currencyID=cur)
    total.add("cbc:TaxInclusiveAmount", amount(order.total), currencyID=cur)
    if order.shipping:
        total.add("cbc:ChargeTotalAmount", amount(order.shipping), currencyID=cur)
    total.add("cbc:PayableAmount", amount(order.total), currencyID=cur)
    for line in order.lines:
        item = root.add("cac:OrderLine").add("cac:LineItem")
        item.add("cbc:ID", line.line_no)
        item.add("cbc:Quantity", number(line.quantity), unitCode=line.unit_code)
        item.add("cbc:LineExtensionAmount", amount(line.net_total), currencyID=cur)
        price = item.add("cac:Price")
        price.add("cbc:PriceAmount", amount(line.unit_price), currencyID=cur)
        price.add("cbc:BaseQuantity", "1", unitCode=line.unit_code)
        article = item.add("cac:Item")
        article.add("cbc:Name", line.name)
        article.add("cac:BuyersItemIdentification").add("cbc:ID", line.sku)
        article.add("cac:SellersItemIdentification").add("cbc:ID", line.supplier_sku)
        _tax_category(article, line.tax_rate)
    return root.document()


def ubl_order_cancellation(sht: Sheet, order: SheetOrder, reason: str) -> bytes:
    """A UBL 2.1 OrderCancellation of one customer order (Peppol BIS Advanced Ordering 3)."""
    root = _El("OrderCancellation", xmlns=NS_CANCEL, xmlns__cac=NS_CAC, xmlns__cbc=NS_CBC)
    root.add("cbc:CustomizationID", UBL_CANCEL_CUSTOMIZATION)
    root.add("cbc:ProfileID", UBL_CANCEL_PROFILE)
    root.add("cbc:ID", f"{order.reference}-C")
    root.add("cbc:IssueDate", f"{sht.issued_at:%Y-%m-%d}")
    root.add("cbc:IssueTime", f"{sht.issued_at:%H:%M:%S}")
    root.add("cbc:CancellationNote", reason)
    root.add("cac:OrderReference").add("cbc:ID", order.reference)
    _ubl_parties(root, sht)
    return root.document()


def order_note(sht: Sheet, order: SheetOrder) -> str:
    """The one free-text note of an order document, in the supplier's language."""
    t = labels(sht.language)
    parts = []
    if sht.handover == "shop" and order.shop_order_id:
        parts.append(t["note_in_shop"].format(shop_order=order.shop_order_id))
    if order.blind:
        parts.append(t["blind_note"].format(distributor=sht.config.distributor.name))
    parts.append(t["quote_reference"].format(reference=order.reference))
    return " ".join(parts)


# --- openTRANS 2.1 ORDER -----------------------------------------------------------------------
_LANG3 = {"de": "deu", "en": "eng"}


def _ot_address(party: _El, name: str, language: str, *, contact: tuple[str, str] | None = None,
                a: Address | None = None, phone: str = "", email: str = "") -> None:
    addr = party.add("ADDRESS")
    addr.add("bmecat:NAME", name)
    if a is not None and a.company and a.name:
        addr.add("bmecat:NAME2", a.name)
    if contact is not None:
        details = addr.add("CONTACT_DETAILS")
        details.add("bmecat:CONTACT_NAME", contact[1] or contact[0])
        details.opt("bmecat:FIRST_NAME", contact[0] if contact[1] else "")
    if a is not None:
        # BMEcat has one STREET: a second address line (c/o, floor) follows there, since
        # NAME3 is a name line and a label printer would put it above the person
        addr.opt("bmecat:STREET", ", ".join(v for v in (a.street, a.street2) if v))
        addr.opt("bmecat:ZIP", a.postcode)
        addr.opt("bmecat:CITY", a.city)
        addr.opt("bmecat:STATE", a.state)
        addr.add("bmecat:COUNTRY", country_name(a.country, language))
        addr.add("bmecat:COUNTRY_CODED", a.country)
    addr.opt("bmecat:PHONE", phone, type="other")
    addr.opt("bmecat:EMAIL", email)


def opentrans_order(sht: Sheet, order: SheetOrder) -> bytes:
    """An openTRANS 2.1 ORDER of one customer order: buyer (the distributor), supplier and the
    delivery party (the end customer), lines with the supplier's article numbers.

    Written from the openTRANS 2.1 element order as published in sample orders, without the
    official schema at hand (docs/mail.md says so); test it with the supplier's importer first."""
    cfg, sup = sht.config, sht.supplier
    buyer_id = sht.customer_number or cfg.distributor.id
    root = _El("ORDER", xmlns=NS_OPENTRANS, xmlns__bmecat=NS_BMECAT, version="2.1",
               type="standard")
    header = root.add("ORDER_HEADER")
    control = header.add("CONTROL_INFO")
    control.add("GENERATOR_INFO", "orderexchange")
    control.add("GENERATION_DATE", sht.issued_at.isoformat(timespec="seconds"))
    info = header.add("ORDER_INFO")
    info.add("ORDER_ID", order.reference)
    info.add("ORDER_DATE", sht.issued_at.isoformat(timespec="seconds"))
    info.add("bmecat:LANGUAGE", _LANG3.get(sht.language, "eng"), default="true")
    parties = info.add("PARTIES")
    buyer = parties.add("PARTY")
    buyer.add("bmecat:PARTY_ID", buyer_id,
              type="supplier_specific" if sht.customer_number else "buyer_specific")
    buyer.add("PARTY_ROLE", "buyer")
    _ot_address(buyer, cfg.distributor.name, sht.language, email=sht.reply_to)
    supplier = parties.add("PARTY")
    supplier.add("bmecat:PARTY_ID", sup.id, type="buyer_specific")
    supplier.add("PARTY_ROLE", "supplier")
    _ot_address(supplier, sup.name, sht.language, email=sup.email)
    delivery = parties.add("PARTY")
    delivery.add("bmecat:PARTY_ID", order.reference, type="buyer_specific")
    delivery.add("PARTY_ROLE", "delivery")
    _ot_address(delivery, order.recipient, sht.language, a=order.delivery,
                contact=(order.delivery.first_name, order.delivery.last_name),
                phone=order.customer.phone, email="" if order.blind else order.customer.email)
    info.add("CUSTOMER_ORDER_REFERENCE").add("ORDER_ID", order.number)
    refs = info.add("ORDER_PARTIES_REFERENCE")
    refs.add("bmecat:BUYER_IDREF", buyer_id,
             type="supplier_specific" if sht.customer_number else "buyer_specific")
    refs.add("bmecat:SUPPLIER_IDREF", sup.id, type="buyer_specific")
    refs.add("SHIPMENT_PARTIES_REFERENCE").add("DELIVERY_IDREF", order.reference,
                                                type="buyer_specific")
    info.add("bmecat:CURRENCY", order.currency)
    info.add("PARTIAL_SHIPMENT_ALLOWED", "true")
    info.add("REMARKS", order_note(sht, order), type="general")
    items = root.add("ORDER_ITEM_LIST")
    for line in order.lines:
        item = items.add("ORDER_ITEM")
        item.add("LINE_ITEM_ID", line.line_no)
        pid = item.add("PRODUCT_ID")
        pid.add("bmecat:SUPPLIER_PID", line.supplier_sku, type="supplier_specific")
        pid.add("bmecat:BUYER_PID", line.sku, type="buyer_specific")
        pid.add("bmecat:DESCRIPTION_SHORT", line.name[:150])
        item.add("QUANTITY", number(line.quantity))
        item.add("bmecat:ORDER_UNIT", line.unit_code)
        price = item.add("PRODUCT_PRICE_FIX")
        price.add("bmecat:PRICE_AMOUNT", amount(line.unit_price))
        tax = price.add("TAX_DETAILS_FIX")
        tax.add("bmecat:TAX_TYPE", "vat")
        tax.add("bmecat:TAX", number(line.tax_rate / 100))
        item.add("PRICE_LINE_AMOUNT", amount(line.net_total))
    summary = root.add("ORDER_SUMMARY")
    summary.add("TOTAL_ITEM_NUM", len(order.lines))
    summary.add("TOTAL_AMOUNT", amount(order.subtotal))
    if order.shipping:  # the shipping charge, with its VAT rate, as an order-level surcharge
        charges = summary.add("ALLOW_OR_CHARGES_FIX")
        charge = charges.add("ALLOW_OR_CHARGE", type="surcharge")
        charge.add("ALLOW_OR_CHARGE_SEQUENCE", 1)
        charge.add("ALLOW_OR_CHARGE_NAME", "Shipping")
        charge.add("ALLOW_OR_CHARGE_TYPE", "shipping")
        charge.add("ALLOW_OR_CHARGE_VALUE").add("AOC_MONETARY_AMOUNT", amount(order.shipping))
        tax = charge.add("TAX_DETAILS_FIX")
        tax.add("bmecat:TAX_TYPE", "vat")
        tax.add("bmecat:TAX", number(Decimal(sht.supplier.shipping_tax_rate) / 100))
    return root.document()


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


def country_name(code: str, language: str) -> str:
    """ISO country name in the supplier's language (pycountry's translations), else the code."""
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


def format_money(value: Decimal, language: str) -> str:
    """1,234.50 (en) or 1.234,50 (de)."""
    text = f"{money(Decimal(value)):,.2f}"
    if language == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_number(value: Decimal | int, language: str) -> str:
    text = number(value)
    return text.replace(".", ",") if language == "de" else text


def format_date(value: datetime, language: str) -> str:
    return f"{value:%d.%m.%Y}" if language == "de" else f"{value:%Y-%m-%d}"


# --- PDF ---------------------------------------------------------------------------------------
#: Unicode TrueType fonts looked for when pdf_font = "auto" (regular, bold)
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
     "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)


class FontError(ValueError):
    """The configured PDF font cannot be used."""


def pdf_font(setting: str, base: Path | None = None) -> tuple[Path, Path] | None:
    """(regular, bold) TrueType files for the PDF, or None for the built-in Helvetica.
    A relative path is relative to `base` (the config file's folder)."""
    if setting == "core":
        return None
    if setting == "auto":
        for regular, bold in FONT_CANDIDATES:
            if Path(regular).is_file():
                return Path(regular), Path(bold) if Path(bold).is_file() else Path(regular)
        return None
    path = Path(setting).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.is_file():
        raise FontError(f"pdf_font {setting!r}: no such file")
    bold = path.with_name(path.stem + "-Bold" + path.suffix)
    return path, bold if bold.is_file() else path


def order_pdf(sht: Sheet, cancelled: bool = False) -> bytes:
    """An A4 order sheet: header, one section per customer order (delivery address, lines,
    totals), a summary, the reply address and page numbers."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    t = labels(sht.language)
    lang = sht.language
    font = pdf_font(sht.supplier.notification.pdf_font,
                    sht.config.path.parent if sht.config.path else None)
    cfg = sht.config

    class _Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, "", 8)
            self.cell(0, 5, txt(t["questions"].format(reply_to=sht.reply_to)), align="L")
            self.cell(0, 5, txt(t["page"].format(page=self.page_no(), pages="{nb}")),
                      align="R")

    pdf = _Sheet(format="A4", unit="mm")
    pdf.set_creation_date(sht.issued_at)
    pdf.set_title(f"{t['title']} {sht.label}")
    pdf.set_author(cfg.distributor.name)
    pdf.set_creator("orderexchange")
    if font is not None:
        family = "oxsans"
        pdf.add_font(family, "", str(font[0]))
        pdf.add_font(family, "B", str(font[1]))

        def txt(value: object) -> str:
            return clean(value)
    else:
        family = "helvetica"

        def txt(value: object) -> str:
            return encodable(clean(value), "latin-1")
    pdf.set_auto_page_break(True, margin=20)
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 10, bold: bool = False, h: float = 5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(width, h, txt(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(cfg.distributor.name, 16, bold=True, h=8)
    title = f"{t['title']} {sht.label}" + (f" — {t['cancelled']}" if cancelled else "")
    line(title, 13, bold=True, h=7)
    line(f"{t['date']}: {format_date(sht.issued_at, lang)}")
    line(f"{t['order_for']}: {sht.supplier.name} <{sht.supplier.email}>")
    if sht.customer_number:
        line(f"{t['our_customer_number']}: {sht.customer_number}")
    if sht.handover == "email":
        line(t["by_email"], bold=True)
    for o in sht.orders:
        pdf.ln(4)
        head = f"{t['customer_order']} {o.number} · {t['reference']} {o.reference}"
        if sht.handover == "shop" and o.shop_order_id:
            head += f" · {t['your_shop_order']} {o.shop_order_id}"
        line(head, 11, bold=True, h=6)
        if o.blind:
            line(t["blind_note"].format(distributor=cfg.distributor.name), 9, bold=True)
        address = [o.delivery.company, o.delivery.name,
                   o.delivery.street + (f", {o.delivery.street2}" if o.delivery.street2 else ""),
                   f"{o.delivery.postcode} {o.delivery.city}",
                   (o.delivery.state + ", " if o.delivery.state else "")
                   + country_name(o.delivery.country, lang)]
        line(f"{t['deliver_to']}:", 9, bold=True, h=4.5)
        line("\n".join(a for a in address if a.strip()), 10)
        if o.customer.phone:
            line(f"{t['phone']}: {o.customer.phone}", 9)
        if not o.blind:
            line(f"{t['customer']}: {o.customer.first_name} {o.customer.last_name} "
                 f"<{o.customer.email}>", 9)
        pdf.ln(2)
        pdf.set_font(family, "", 9)
        with pdf.table(col_widths=(10, 30, 74, 16, 20, 20),
                       text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
                       line_height=5, first_row_as_headings=True) as table:
            table.row([txt(x) for x in (t["pos"], t["your_sku"], t["product"], t["qty"],
                                        t["unit_price"], t["line_net"])])
            for ln in o.lines:
                unit = "" if ln.unit_code == "C62" else f" {ln.unit or ln.unit_code}"
                table.row([txt(x) for x in (
                    ln.line_no, ln.supplier_sku, ln.name,
                    format_number(ln.quantity, lang) + unit,
                    format_money(ln.unit_price, lang), format_money(ln.net_total, lang))])
        for key, value in (("subtotal", o.subtotal), ("shipping", o.shipping), ("tax", o.tax),
                           ("total", o.total)):
            pdf.set_font(family, "B" if key == "total" else "", 9)
            pdf.cell(width - 30, 5, txt(t[key]), align="R")
            pdf.cell(30, 5, txt(f"{format_money(value, lang)} {o.currency}"), align="R",
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(sht.orders) > 1:
        pdf.ln(4)
        line(f"{t['summary']}: {len(sht.orders)} {t['orders']}", 11, bold=True, h=6)
        for tot in sht.totals:
            line(f"{t['subtotal']} {format_money(tot.subtotal, lang)} · {t['shipping']} "
                 f"{format_money(tot.shipping, lang)} · {t['tax']} {format_money(tot.tax, lang)}"
                 f" · {t['total']} {format_money(tot.total, lang)} {tot.currency}", 10)
    return bytes(pdf.output())


# --- sample data: what `config check` and `preview --sample` render --------------------------
def sample_supplier_order(supplier: SupplierConfig) -> SupplierOrder:
    """A realistic supplier order with two customer orders (one of them with a company and an
    address addition, one a measured unit) for render checks of templates and documents."""
    when = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    first = Address("Anna", "Schmidt", "Hauptstr. 1", "10115", "Berlin", "DE",
                    company="Werkstatt Schmidt", street2="Hinterhaus")
    second = Address("Jürgen", "Łukasz-Müller", "Ringstraße 7", "8010", "Graz", "AT",
                     state="Steiermark")
    orders = [
        CustomerOrder("S-1001", when, "EUR",
                      Customer("anna.schmidt@example.com", "Anna", "Schmidt", "+49 30 1234567"),
                      first, first,
                      [OrderLine(1, "HAMMER", "Claw hammer 450 g", 2, Decimal("12.90"),
                                 Decimal("19"))]),
        CustomerOrder("S-1002", when, "EUR",
                      Customer("j.mueller@example.com", "Jürgen", "Łukasz-Müller", "+43 316 1234"),
                      second, second,
                      [OrderLine(1, "CABLE", "Garden hose 1/2\"", Decimal("12.5"),
                                 Decimal("1.20"), Decimal("20"), unit="m"),
                       OrderLine(2, "GLOVES", "Work gloves, size 9", 3, Decimal("4.50"),
                                 Decimal("20"))]),
    ]
    prices = {"HAMMER": ("A-100", "7.20"), "CABLE": ("A-310", "0.84"), "GLOVES": ("A-455", "2.10")}
    transfers = []
    for i, co in enumerate(orders, start=1):
        lines = [SupplierLine(line, prices[line.sku][0], Decimal(prices[line.sku][1]))
                 for line in co.lines]
        written = supplier.connector != MAIL_ONLY
        transfers.append(Transfer(
            co, lines, reference=f"OX-SAMPLE{i:015d}", state=TransferState.WRITTEN,
            remote_order_id=str(4710 + i) if written else f"OX-SAMPLE{i:015d}",
            remote_customer_id=str(70 + i) if written else None,
            customer_created=(i == 2) if written else None,
            customer_match=("email" if i == 1 else "new") if written else None))
    return SupplierOrder(0, supplier.id, SupplierOrderState.WRITTEN, when, transfers)


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

