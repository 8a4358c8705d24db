"""UBL 2.1 Order / OrderCancellation (Peppol BIS Ordering 3) and openTRANS 2.1 ORDER, written
by a tiny deterministic XML writer that escapes everything and drops control characters."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from ..model import Address
from .language import country_name, labels
from .sheet import Sheet, SheetOrder
from .text import amount, clean, number


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
