"""Order documents: CSV, UBL 2.1 Order / OrderCancellation, openTRANS 2.1 ORDER, PDF order sheet.

Every UBL document these tests produce is validated against the OASIS UBL 2.4 schemas copied
into tests/schemas/ubl-2.4 (UBL minor versions are backward compatible, so a UBL 2.1 Order
validates there): an autouse fixture wraps the two UBL builders, so whatever builds one — a test,
the attachments plug-in, a dispatch — has it validated. The PDF is opened with pypdf and its text
is checked.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from orderexchange import documents
from orderexchange.model import (Address, Customer, CustomerOrder, OrderLine, SupplierLine,
                                 SupplierOrder, SupplierOrderState, Transfer, TransferState)
from orderexchange.plugin_host import PluginHost

SCHEMAS = Path(__file__).resolve().parent / "schemas" / "ubl-2.4" / "maindoc"
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
NS = {"o": documents.NS_ORDER, "c": documents.NS_CANCEL, "cac": documents.NS_CAC,
      "cbc": documents.NS_CBC, "ot": documents.NS_OPENTRANS, "bme": documents.NS_BMECAT}
#: every UBL document validated in this session: (document type, xml)
PRODUCED: list[tuple[str, bytes]] = []


# --- UBL validation of everything produced -----------------------------------------------------
def load_ubl_schemas() -> dict[str, etree.XMLSchema]:
    return {name: etree.XMLSchema(etree.parse(str(SCHEMAS / f"UBL-{name}-2.4.xsd")))
            for name in ("Order", "OrderCancellation")}


@pytest.fixture(scope="session")
def ubl_schemas():
    return load_ubl_schemas()


def assert_valid(schema: etree.XMLSchema, xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml)
    if not schema.validate(doc):
        raise AssertionError("UBL document invalid:\n" + "\n".join(
            f"line {e.line}: {e.message}" for e in schema.error_log) + "\n" + xml.decode())
    return doc


def validating(monkeypatch, schemas) -> None:
    """Make the UBL builders validate what they build (used as an autouse fixture)."""
    order, cancellation = documents.ubl_order, documents.ubl_order_cancellation

    def checked_order(*args, **kwargs):
        xml = order(*args, **kwargs)
        assert_valid(schemas["Order"], xml)
        PRODUCED.append(("Order", xml))
        return xml

    def checked_cancellation(*args, **kwargs):
        xml = cancellation(*args, **kwargs)
        assert_valid(schemas["OrderCancellation"], xml)
        PRODUCED.append(("OrderCancellation", xml))
        return xml

    monkeypatch.setattr(documents, "ubl_order", checked_order)
    monkeypatch.setattr(documents, "ubl_order_cancellation", checked_cancellation)


@pytest.fixture(autouse=True)
def validate_every_ubl_document(monkeypatch, ubl_schemas):
    validating(monkeypatch, ubl_schemas)


# --- data --------------------------------------------------------------------------------------
def alpha(make_config, language="en", connector="oscommerce", **notification):
    section = {"name": "Alpha Tools GmbH", "email": "orders@alpha.example",
               "shipping_cost": "4.90", "language": language, "connector": {"type": connector},
               "notification": notification}
    extra = notification.pop("_supplier", {})
    section.update(extra)
    return make_config(suppliers={"alpha": section})


def supplier_order(*, quantity=3, unit="", tax="19", name="Claw hammer 450 g", company="",
                   first="Anna", last="Schmidt", phone="+49 30 1234567", orders=1,
                   remote="SHOP-4711", currency="EUR") -> SupplierOrder:
    transfers = []
    for i in range(orders):
        delivery = Address(first, last, "Hauptstr. 1", "10115", "Berlin", "DE", company=company,
                           street2="Hinterhaus" if i == 0 else "")
        line = OrderLine(1, "HAMMER", name, quantity, Decimal("12.90"), Decimal(tax), unit=unit)
        order = CustomerOrder(f"100{i + 1}", datetime(2026, 11, 19, 9, 15, tzinfo=UTC), currency,
                              Customer("anna.schmidt@example.com", first, last, phone),
                              delivery, delivery, [line])
        transfers.append(Transfer(order, [SupplierLine(line, "A-100", Decimal("7.20"))],
                                  reference=f"OX-REF{i + 1:017d}", state=TransferState.WRITTEN,
                                  remote_order_id=remote, customer_created=True))
    return SupplierOrder(42, "alpha", SupplierOrderState.WRITTEN, NOW, transfers)


def sheet_of(config, so=None, **kw):
    return documents.sheet(config, config.supplier("alpha"), so or supplier_order(**kw), now=NOW)


def text(el: etree._Element, path: str) -> str:
    found = el.find(path, NS)
    assert found is not None, path
    return found.text or ""


# --- the sheet: the facts every rendering shows ------------------------------------------------
def test_sheet_totals_are_those_written_into_the_shop(make_config):
    config = alpha(make_config)
    sheet = sheet_of(config, orders=2)
    assert sheet.label == "acme-42" and sheet.language == "en" and sheet.handover == "shop"
    first = sheet.orders[0]
    # lines 3 × 7.20 = 21.60 net, tax 19 % of the lines, the supplier's shipping per order
    assert (first.subtotal, first.shipping, first.tax, first.total) == (
        Decimal("21.60"), Decimal("4.90"), Decimal("4.10"), Decimal("30.60"))
    [totals] = sheet.totals
    assert (totals.currency, totals.subtotal, totals.shipping, totals.tax, totals.total) == (
        "EUR", Decimal("43.20"), Decimal("9.80"), Decimal("8.20"), Decimal("61.20"))
    assert sheet.reply_to == "orders@acme.example" and sheet.line_count == 2


def test_sheet_states_the_purchase_amounts_in_their_own_currency(make_config):
    """The documents show purchase prices and the supplier's shipping_cost, which are in its
    price_currency (EUR here) whatever the customer paid in: a CHF customer order bought at
    7.20 EUR is 30.60 EUR, not 30.60 CHF (only the shop converts, with its own rates)."""
    config = alpha(make_config)
    so = supplier_order()
    so.transfers += supplier_order(currency="CHF").transfers
    sheet = documents.sheet(config, config.supplier("alpha"), so, now=NOW)
    assert [o.currency for o in sheet.orders] == ["EUR", "EUR"]
    assert [(t.currency, t.total) for t in sheet.totals] == [("EUR", Decimal("61.20"))]


def test_sheet_keeps_currencies_apart_and_converts_only_to_add_up(make_config):
    from orderexchange.errors import OXError

    config = alpha(make_config, _supplier={"price_currency": "CHF", "shipping_cost": "0"})
    # a CHF supplier without shipping: an order all of whose rows are quoted in EUR is stated
    # in EUR (nothing to convert), one in CHF in CHF
    so = supplier_order()
    so.transfers[0].lines[0].currency = "EUR"
    so.transfers += supplier_order(currency="EUR").transfers
    sheet = documents.sheet(config, config.supplier("alpha"), so, now=NOW)
    assert [(t.currency, t.subtotal) for t in sheet.totals] == [("EUR", Decimal("21.60")),
                                                                ("CHF", Decimal("21.60"))]

    # with a shipping cost (in CHF, its price_currency) the EUR lines are converted with the
    # distributor's rates to add up: 3 × 7.20 EUR = 21.60 EUR = 20.33 CHF at 0.9412 (unit
    # 6.78 CHF), + 4.90 CHF shipping
    config = make_config(
        suppliers={"alpha": {"name": "Alpha Tools GmbH", "email": "orders@alpha.example",
                             "price_currency": "CHF", "shipping_cost": "4.90"}},
        distributor={"id": "acme", "name": "ACME Distribution", "email": "orders@acme.example",
                     "currency": "EUR", "rates": {"CHF": "0.9412"}})
    sheet = documents.sheet(config, config.supplier("alpha"), so, now=NOW)
    first = sheet.orders[0]
    assert first.currency == "CHF" and first.lines[0].unit_price == Decimal("6.78")
    assert (first.subtotal, first.shipping) == (Decimal("20.33"), Decimal("4.90"))
    # without the rate it cannot add them up: a coded error (step 1 holds such orders first)
    config.distributor.rates.clear()
    with pytest.raises(OXError) as exc:
        documents.sheet(config, config.supplier("alpha"), so, now=NOW)
    assert exc.value.code == "OX-CHK-054" and "no rate for CHF" in exc.value.message


@pytest.mark.parametrize("setting, expected", [("de-AT", "de"), ("DE_de", "de"), ("en", "en"),
                                               ("fr", "fr"), ("", "en")])
def test_language_of_supplier(make_config, setting, expected):
    config = alpha(make_config, _supplier={"language": setting})
    assert documents.language_of(config.supplier("alpha")) == expected


@pytest.mark.parametrize("unit, code", [("", "C62"), ("Stück", "C62"), ("kg", "KGM"),
                                        ("m²", "MTK"), ("KGM", "KGM"), ("box of 12", "C62")])
def test_unit_codes(unit, code):
    assert documents.unit_code(unit) == code


def test_sheet_lines_are_the_dataclass_made_by_its_own_init():
    """The sheet makes its lines without the frozen dataclass's __init__: the same fields in
    the same order, equal, the same hash and repr, still frozen."""
    import dataclasses
    import sys

    sheet_module = sys.modules["orderexchange.documents.sheet"]  # the name is the function's
    values = (3, "SKU-1", "A-100", "Zange", Decimal("1.5"), "m", "MTR", Decimal("2.10"),
              Decimal("3.15"), Decimal("19"), Decimal("0.60"))
    made, init = sheet_module._sheet_line(*values), documents.SheetLine(*values)
    assert made == init and hash(made) == hash(init) and repr(made) == repr(init)
    assert list(vars(made)) == [f.name for f in dataclasses.fields(documents.SheetLine)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "x"


def test_format_date_made_once_per_day_is_strftimes():
    """format_date keeps a day's text: the same as strftime for any datetime or date of that
    day, whatever its time zone or time of day, in both languages (years below 1000 too)."""
    from datetime import date, timedelta, timezone

    from orderexchange.documents import language

    def by_strftime(value, lang):
        return value.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")

    values = [datetime(2026, 1, 2, 23, 59, tzinfo=timezone(timedelta(hours=-9))),
              datetime(2026, 1, 3, 0, 1, tzinfo=timezone(timedelta(hours=14))),
              datetime(2026, 1, 2, 23, 59, tzinfo=UTC), datetime(2026, 1, 3, 5, 0),
              date(2026, 1, 3), datetime(999, 12, 31), date(5, 6, 7), datetime(9999, 1, 1)]
    for lang in ("en", "de", "fr"):
        for value in values + values:  # the second time from the kept texts
            assert documents.format_date(value, lang) == by_strftime(value, lang)
    assert language._DAYS
    with pytest.raises(ValueError):  # not a date: formatted (and refused) as before
        documents.format_date("2026-01-02", "en")


def test_sheet_of_realistic_orders_adds_up_its_own_lines():
    """Each order's subtotal and tax are its lines' sums (added up while the lines are made),
    the totals per currency the orders' sums; realistic orders (tests/orderdata.py)."""
    from test_mail_wire import alpha as alpha_section
    from test_mail_wire import realistic_supplier_order

    from orderexchange import config as config_mod
    from orderexchange.model import money

    config = config_mod.from_dict({
        "distributor": {"id": "acme", "name": "ACME", "email": "orders@acme.example"},
        "suppliers": {"alpha": alpha_section(shipping_tax_rate="19")}})
    supplier = config.supplier("alpha")
    sht = documents.sheet(config, supplier, realistic_supplier_order(80, seed=9), now=NOW)
    shipping_tax = money(Decimal(supplier.shipping_cost) * Decimal(supplier.shipping_tax_rate)
                         / 100)
    for o in sht.orders:
        assert o.subtotal == sum((line.net_total for line in o.lines), Decimal("0"))
        assert o.tax == sum((line.tax for line in o.lines), Decimal("0")) + shipping_tax
        assert o.total == o.subtotal + o.shipping + o.tax
    for t in sht.totals:
        mine = [o for o in sht.orders if o.currency == t.currency]
        assert t.subtotal == sum((o.subtotal for o in mine), Decimal("0"))
        assert t.total == sum((o.total for o in mine), Decimal("0"))


def test_money_formatter_is_format_money():
    """The templates' money filter (one function per language, cached) says what
    format_money says, for amounts to round, negative ones, large ones, ints."""
    from orderexchange.documents import language

    values = [Decimal("0"), Decimal("5.2"), Decimal("5.20"), Decimal("1234567.895"),
              Decimal("-0.004"), Decimal("-1234.5"), 7, Decimal("0.005")]
    for lang in ("en", "de", "fr"):
        money = language.money_formatter(lang)
        for value in values + values:
            assert money(value) == documents.format_money(value, lang)


# --- CSV -----------------------------------------------------------------------------------------
def read_csv(data: bytes, encoding="utf-8", delimiter=";") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline=""),
                               delimiter=delimiter))


def test_csv_default_columns_one_row_per_line(make_config):
    config = alpha(make_config)
    rows = read_csv(documents.order_csv(sheet_of(config, orders=2)))
    assert list(rows[0]) == list(documents.DEFAULT_CSV_COLUMNS)
    assert len(rows) == 2
    assert rows[0] == {
        "supplier_order": "acme-42", "reference": "OX-REF00000000000000001",
        "shop_order": "SHOP-4711", "order_number": "1001", "order_date": "2026-11-19",
        "line_no": "1", "supplier_sku": "A-100", "name": "Claw hammer 450 g", "quantity": "3",
        "unit": "C62", "unit_price": "7.20", "line_net": "21.60", "tax_rate": "19",
        "currency": "EUR", "drop_ship": "no", "delivery_company": "",
        "delivery_name": "Anna Schmidt", "delivery_street": "Hauptstr. 1",
        "delivery_street2": "Hinterhaus", "delivery_postcode": "10115",
        "delivery_city": "Berlin", "delivery_country": "DE", "customer_phone": "+49 30 1234567"}
    assert rows[1]["order_number"] == "1002" and rows[1]["delivery_street2"] == ""


def test_csv_delimiter_decimal_encoding_and_columns(make_config):
    config = alpha(make_config, csv_delimiter="\t", csv_decimal=",", csv_encoding="cp1252",
                   csv_columns=["order_number", "supplier_sku", "name", "quantity", "unit",
                                "unit_price", "line_net", "delivery_name", "customer_email"])
    data = documents.order_csv(sheet_of(config, quantity=Decimal("2.5"), unit="m",
                                        name="Kabel – 3×1,5 mm² „Outdoor“ 10 €",
                                        first="Łukasz", last="Müller"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really cp1252 (ü is one byte 0xFC)
    [row] = read_csv(data, "cp1252", "\t")
    assert row == {"order_number": "1001", "supplier_sku": "A-100",
                   "name": "Kabel – 3×1,5 mm² „Outdoor“ 10 €",  # all of it is in cp1252
                   "quantity": "2,5", "unit": "MTR", "unit_price": "7,20", "line_net": "18,00",
                   "delivery_name": "Lukasz Müller",  # Ł is not in cp1252; ü is
                   "customer_email": "anna.schmidt@example.com"}


def test_csv_in_latin_1_transliterates_what_it_lacks(make_config):
    config = alpha(make_config, csv_encoding="latin-1", csv_columns=["name", "delivery_name"])
    data = documents.order_csv(sheet_of(config, name="Kabel – „Outdoor“ 10 €", first="Łukasz",
                                        last="Dvořák"))
    [row] = read_csv(data, "latin-1")
    # – „ “ € and Ł ř are not in Latin-1: transliterated; á is
    assert row == {"name": 'Kabel - "Outdoor" 10 EUR', "delivery_name": "Lukasz Dvorák"}


def test_csv_cannot_carry_formulas_or_line_breaks(make_config):
    config = alpha(make_config, csv_columns=["name", "delivery_name", "customer_phone",
                                             "unit_price"])
    data = documents.order_csv(sheet_of(config, name='=HYPERLINK("http://x","y")',
                                        first="@SUM(1)", last="Line\r\nBreak",
                                        phone="+49 30 1234567"))
    [row] = read_csv(data)
    assert row["name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert row["delivery_name"] == "'@SUM(1) Line Break"
    assert row["customer_phone"] == "+49 30 1234567"  # a phone number is not a formula
    assert data.count(b"\r\n") == 2  # header + one record


def test_csv_of_a_blind_drop_shipment_hides_the_end_customers_email(make_config):
    config = alpha(make_config, csv_columns=["drop_ship", "customer_email", "customer_phone"],
                   _supplier={"customer_policy": "distributor", "distributor_customer_id": 9})
    [row] = read_csv(documents.order_csv(sheet_of(config)))
    assert row == {"drop_ship": "yes", "customer_email": "", "customer_phone": "+49 30 1234567"}


def test_unknown_csv_column_is_a_config_error(make_config):
    from orderexchange.errors import OXError

    with pytest.raises(OXError) as info:
        alpha(make_config, csv_columns=["supplier_sku", "colour"])
    assert info.value.code == "OX-CFG-004"
    assert "suppliers.alpha.notification.csv_columns" in info.value.message
    assert "'colour'" in info.value.message and "supplier_sku" in info.value.message


# --- UBL -----------------------------------------------------------------------------------------
def test_ubl_order_peppol_header_parties_delivery_totals(make_config, ubl_schemas):
    config = alpha(make_config, customer_number="K-0815")
    sheet = sheet_of(config, company="Werkstatt Schmidt")
    doc = assert_valid(ubl_schemas["Order"], documents.ubl_order(sheet, sheet.orders[0]))
    assert text(doc, "cbc:CustomizationID") == "urn:fdc:peppol.eu:poacc:trns:order:3"
    assert text(doc, "cbc:ProfileID") == "urn:fdc:peppol.eu:poacc:bis:ordering:3"
    assert text(doc, "cbc:ID") == "OX-REF00000000000000001"
    assert (text(doc, "cbc:IssueDate"), text(doc, "cbc:IssueTime")) == ("2026-11-20", "10:30:00")
    assert text(doc, "cbc:OrderTypeCode") == "220"
    assert text(doc, "cbc:DocumentCurrencyCode") == "EUR"
    assert text(doc, "cbc:CustomerReference") == "1001"
    assert "SHOP-4711" in text(doc, "cbc:Note") and "OX-REF00000000000000001" in text(
        doc, "cbc:Note")
    buyer = doc.find("cac:BuyerCustomerParty/cac:Party", NS)
    endpoint = buyer.find("cbc:EndpointID", NS)
    assert (endpoint.text, endpoint.get("schemeID")) == ("orders@acme.example", "EM")
    assert text(buyer, "cac:PartyIdentification/cbc:ID") == "K-0815"
    assert text(buyer, "cac:PartyName/cbc:Name") == "ACME Distribution"
    seller = doc.find("cac:SellerSupplierParty/cac:Party", NS)
    assert text(seller, "cbc:EndpointID") == "orders@alpha.example"
    assert text(seller, "cac:PartyName/cbc:Name") == "Alpha Tools GmbH"
    delivery = doc.find("cac:Delivery", NS)
    address = delivery.find("cac:DeliveryLocation/cac:Address", NS)
    assert [text(address, f"cbc:{f}") for f in ("StreetName", "AdditionalStreetName",
                                                "CityName", "PostalZone")] == [
        "Hauptstr. 1", "Hinterhaus", "Berlin", "10115"]
    assert text(address, "cac:Country/cbc:IdentificationCode") == "DE"
    party = delivery.find("cac:DeliveryParty", NS)
    assert text(party, "cac:PartyName/cbc:Name") == "Werkstatt Schmidt"
    assert text(party, "cac:Contact/cbc:Name") == "Anna Schmidt"
    assert text(party, "cac:Contact/cbc:ElectronicMail") == "anna.schmidt@example.com"
    charge = doc.find("cac:AllowanceCharge", NS)
    assert text(charge, "cbc:ChargeIndicator") == "true"
    assert text(charge, "cbc:Amount") == "4.90"
    assert text(doc, "cac:TaxTotal/cbc:TaxAmount") == "4.10"
    total = doc.find("cac:AnticipatedMonetaryTotal", NS)
    assert {child.tag.split("}")[1]: child.text for child in total} == {
        "LineExtensionAmount": "21.60", "TaxExclusiveAmount": "26.50",
        "TaxInclusiveAmount": "30.60", "ChargeTotalAmount": "4.90", "PayableAmount": "30.60"}
    assert {a.get("currencyID") for a in doc.iter() if a.get("currencyID")} == {"EUR"}
    [line] = doc.findall("cac:OrderLine/cac:LineItem", NS)
    quantity = line.find("cbc:Quantity", NS)
    assert (quantity.text, quantity.get("unitCode")) == ("3", "C62")
    assert text(line, "cbc:LineExtensionAmount") == "21.60"
    assert text(line, "cac:Price/cbc:PriceAmount") == "7.20"
    assert text(line, "cac:Item/cbc:Name") == "Claw hammer 450 g"
    assert text(line, "cac:Item/cac:SellersItemIdentification/cbc:ID") == "A-100"
    assert text(line, "cac:Item/cac:BuyersItemIdentification/cbc:ID") == "HAMMER"
    tax = line.find("cac:Item/cac:ClassifiedTaxCategory", NS)
    assert (text(tax, "cbc:ID"), text(tax, "cbc:Percent"), text(tax, "cac:TaxScheme/cbc:ID")) \
        == ("S", "19", "VAT")


@pytest.mark.parametrize("variant", [
    dict(quantity=Decimal("1.25"), unit="kg"),             # measured quantity
    dict(tax="0"),                                         # zero-rated: category Z
    dict(phone="", company=""),                            # no phone, no company
    dict(name="Schraube <M8> & \"Mutter\" \x07"),          # markup and a control character
    dict(first="Zoë", last="O'Brien-Łukasiewicz"),         # non-Latin-1 text
])
def test_ubl_order_variants_are_schema_valid(make_config, ubl_schemas, variant):
    config = alpha(make_config)
    sheet = sheet_of(config, **variant)
    xml = documents.ubl_order(sheet, sheet.orders[0])
    doc = assert_valid(ubl_schemas["Order"], xml)
    item = doc.find("cac:OrderLine/cac:LineItem", NS)
    if "unit" in variant:
        quantity = item.find("cbc:Quantity", NS)
        assert (quantity.text, quantity.get("unitCode")) == ("1.25", "KGM")
        assert text(item, "cbc:LineExtensionAmount") == "9.00"
    if variant.get("tax") == "0":
        assert text(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "Z"
        assert text(doc, "cac:TaxTotal/cbc:TaxAmount") == "0.00"
    if "name" in variant:
        assert text(item, "cac:Item/cbc:Name") == "Schraube <M8> & \"Mutter\" "
    if "first" in variant:
        assert text(doc, "cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name") == \
            "Zoë O'Brien-Łukasiewicz"


def test_ubl_blind_drop_ship_and_peppol_ids(make_config, ubl_schemas):
    config = alpha(make_config, peppol_buyer_id="0088:4000001000005",
                   peppol_seller_id="9930:DE123456789",
                   _supplier={"customer_policy": "distributor", "distributor_customer_id": 9})
    sheet = sheet_of(config)
    doc = assert_valid(ubl_schemas["Order"], documents.ubl_order(sheet, sheet.orders[0]))
    buyer = doc.find("cac:BuyerCustomerParty/cac:Party/cbc:EndpointID", NS)
    seller = doc.find("cac:SellerSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert (buyer.get("schemeID"), buyer.text) == ("0088", "4000001000005")
    assert (seller.get("schemeID"), seller.text) == ("9930", "DE123456789")
    assert "neutral packaging" in text(doc, "cbc:Note")
    contact = doc.find("cac:Delivery/cac:DeliveryParty/cac:Contact", NS)
    assert contact.find("cbc:ElectronicMail", NS) is None  # not the supplier's business
    assert text(contact, "cbc:Telephone") == "+49 30 1234567"  # for the carrier


def test_ubl_without_shipping_has_no_charge(make_config, ubl_schemas):
    config = alpha(make_config, _supplier={"shipping_cost": "0"})
    sheet = sheet_of(config)
    doc = assert_valid(ubl_schemas["Order"], documents.ubl_order(sheet, sheet.orders[0]))
    assert doc.find("cac:AllowanceCharge", NS) is None
    assert doc.find("cac:AnticipatedMonetaryTotal/cbc:ChargeTotalAmount", NS) is None
    assert text(doc, "cac:AnticipatedMonetaryTotal/cbc:PayableAmount") == "25.70"


def test_ubl_order_cancellation(make_config, ubl_schemas):
    config = alpha(make_config)
    sheet = sheet_of(config)
    xml = documents.ubl_order_cancellation(sheet, sheet.orders[0], "Customer withdrew")
    doc = assert_valid(ubl_schemas["OrderCancellation"], xml)
    assert text(doc, "cbc:CustomizationID") == \
        "urn:fdc:peppol.eu:poacc:trns:order_cancellation:3"
    assert text(doc, "cbc:CancellationNote") == "Customer withdrew"
    assert text(doc, "cac:OrderReference/cbc:ID") == "OX-REF00000000000000001"
    assert text(doc, "cac:SellerSupplierParty/cac:Party/cac:PartyName/cbc:Name") == \
        "Alpha Tools GmbH"


def test_the_schemas_really_refuse_a_broken_order(ubl_schemas, make_config):
    """The validation is not a rubber stamp: a document missing its mandatory ID fails."""
    config = alpha(make_config)
    sheet = sheet_of(config)
    xml = documents.ubl_order(sheet, sheet.orders[0])
    broken = xml.replace(b"<cbc:ID>OX-REF00000000000000001</cbc:ID>\n", b"", 1)
    assert not ubl_schemas["Order"].validate(etree.fromstring(broken))
    shuffled = xml.replace(b"<cbc:OrderTypeCode>220</cbc:OrderTypeCode>",
                           b"<cbc:OrderTypeCode>220</cbc:OrderTypeCode><cbc:UBLVersionID>2.1"
                           b"</cbc:UBLVersionID>")
    assert not ubl_schemas["Order"].validate(etree.fromstring(shuffled))


# --- openTRANS -----------------------------------------------------------------------------------
def test_opentrans_order(make_config):
    config = alpha(make_config, language="de", customer_number="K-0815")
    sheet = sheet_of(config, company="Werkstatt Schmidt", quantity=Decimal("2.5"), unit="m")
    doc = etree.fromstring(documents.opentrans_order(sheet, sheet.orders[0]))
    assert doc.tag == f"{{{documents.NS_OPENTRANS}}}ORDER"
    assert (doc.get("version"), doc.get("type")) == ("2.1", "standard")
    info = doc.find("ot:ORDER_HEADER/ot:ORDER_INFO", NS)
    assert text(info, "ot:ORDER_ID") == "OX-REF00000000000000001"
    assert text(info, "bme:LANGUAGE") == "deu"
    roles = {text(p, "ot:PARTY_ROLE"): p for p in info.findall("ot:PARTIES/ot:PARTY", NS)}
    assert set(roles) == {"buyer", "supplier", "delivery"}
    assert text(roles["buyer"], "bme:PARTY_ID") == "K-0815"
    delivery = roles["delivery"].find("ot:ADDRESS", NS)
    assert [text(delivery, f"bme:{f}") for f in ("NAME", "NAME2", "STREET", "ZIP",
                                                  "CITY", "COUNTRY", "COUNTRY_CODED")] == [
        "Werkstatt Schmidt", "Anna Schmidt", "Hauptstr. 1, Hinterhaus", "10115", "Berlin",
        "Deutschland", "DE"]
    assert delivery.find("bme:NAME3", NS) is None  # street line 2 is no name line
    assert text(info, "ot:ORDER_PARTIES_REFERENCE/bme:BUYER_IDREF") == "K-0815"
    assert text(info, "ot:CUSTOMER_ORDER_REFERENCE/ot:ORDER_ID") == "1001"
    assert text(info, "bme:CURRENCY") == "EUR"
    [item] = doc.findall("ot:ORDER_ITEM_LIST/ot:ORDER_ITEM", NS)
    assert text(item, "ot:PRODUCT_ID/bme:SUPPLIER_PID") == "A-100"
    assert (text(item, "ot:QUANTITY"), text(item, "bme:ORDER_UNIT")) == ("2.5", "MTR")
    assert text(item, "ot:PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT") == "7.20"
    assert text(item, "ot:PRODUCT_PRICE_FIX/ot:TAX_DETAILS_FIX/bme:TAX") == "0.19"
    assert text(item, "ot:PRICE_LINE_AMOUNT") == "18.00"
    assert text(doc, "ot:ORDER_SUMMARY/ot:TOTAL_AMOUNT") == "18.00"
    assert text(doc, "ot:ORDER_SUMMARY/ot:TOTAL_ITEM_NUM") == "1"


# --- PDF -----------------------------------------------------------------------------------------
def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(value: str) -> str:
    return " ".join(value.split())


@pytest.mark.parametrize("font", ["auto", "core"])
def test_pdf_order_sheet_text(make_config, font):
    config = alpha(make_config, pdf_font=font, customer_number="K-0815")
    sheet = sheet_of(config, orders=2, company="Werkstatt Schmidt", first="Jürgen",
                     last="Müller")
    data = documents.order_pdf(sheet)
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Purchase order acme-42"
    assert reader.metadata.author == "ACME Distribution"
    content = squash(pdf_text(data))
    for fact in ("ACME Distribution", "Purchase order acme-42", "Date: 2026-11-20",
                 "Order for: Alpha Tools GmbH", "Our customer number: K-0815",
                 "Customer order 1001", "Reference OX-REF00000000000000001",
                 "Your shop order SHOP-4711", "Deliver to:", "Werkstatt Schmidt",
                 "Jürgen Müller", "Hauptstr. 1, Hinterhaus", "10115 Berlin", "Germany",
                 "A-100", "Claw hammer 450 g", "7.20", "21.60", "Subtotal net", "4.90",
                 "Total", "30.60 EUR", "Customer order 1002", "Summary: 2 customer orders",
                 "61.20 EUR", "reply to orders@acme.example", "Page 1 of 1"):
        assert fact.lower() in content.lower(), fact


def test_pdf_in_german_for_a_mail_only_blind_drop_shipment(make_config):
    config = alpha(make_config, language="de", connector="mail-only",
                   _supplier={"customer_policy": "distributor", "distributor_customer_id": 9})
    data = documents.order_pdf(sheet_of(config, quantity=Decimal("12.5"), unit="m"))
    content = squash(pdf_text(data))
    for fact in ("Bestellung acme-42", "Datum: 20.11.2026", "Per E-Mail übergeben",
                 "Kundenauftrag 1001", "Neutraler Versand", "Lieferadresse", "Deutschland",
                 "12,5 m", "90,00", "Warenwert netto", "Seite 1 von 1"):
        assert fact in content, fact
    assert "Ihre Shop-Bestellung" not in content  # handed over by email: no shop order
    assert "anna.schmidt@example.com" not in content  # blind: the end customer's email stays


def test_pdf_with_many_lines_breaks_pages(make_config):
    config = alpha(make_config)
    so = supplier_order(orders=12)
    data = documents.order_pdf(documents.sheet(config, config.supplier("alpha"), so, now=NOW))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    content = squash(pdf_text(data))
    assert f"Page 1 of {len(reader.pages)}" in content
    assert "Customer order 10012" in content  # the last of twelve customer orders


def test_pdf_font_from_a_path_relative_to_the_config(make_config, tmp_path):
    found = [Path(r) for r, _b in documents.FONT_CANDIDATES if Path(r).is_file()]
    assert found, "no Unicode TrueType font: tools/test.sh installs fonts-dejavu-core"
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "Sans.ttf").write_bytes(found[0].read_bytes())
    config = alpha(make_config, pdf_font="fonts/Sans.ttf")  # the config is in tmp_path
    data = documents.order_pdf(sheet_of(config, first="Łukasz", last="Żółć"))
    assert "Łukasz Żółć" in pdf_text(data)  # a Unicode font keeps what Latin-1 cannot


def test_pdf_font_setting_pointing_nowhere(make_config, tmp_path):
    config = alpha(make_config, pdf_font=str(tmp_path / "missing.ttf"))
    with pytest.raises(documents.FontError, match="missing.ttf"):
        documents.order_pdf(sheet_of(config))


# --- the attachments plug-in ---------------------------------------------------------------------
def test_attachments_plugin_builds_the_chosen_formats(make_config, ubl_schemas):
    config = alpha(make_config, attachments=["pdf", "csv", "ubl", "opentrans"])
    host = PluginHost()
    assert host.infos["attachments"].source == "shipped"
    files = host.notification_attachments(config, config.supplier("alpha"),
                                          supplier_order(orders=2))
    assert [(f.filename, f.mime_type) for f in files] == [
        ("order-acme-42.pdf", "application/pdf"), ("order-acme-42.csv", "text/csv"),
        ("ubl-order-OX-REF00000000000000001.xml", "application/xml"),
        ("ubl-order-OX-REF00000000000000002.xml", "application/xml"),
        ("opentrans-order-OX-REF00000000000000001.xml", "application/xml"),
        ("opentrans-order-OX-REF00000000000000002.xml", "application/xml")]
    for f in files[2:4]:
        assert_valid(ubl_schemas["Order"], f.content)


def test_attachments_default_per_connector(make_config):
    host = PluginHost()
    shop = alpha(make_config)
    assert host.notification_attachments(shop, shop.supplier("alpha"), supplier_order()) == []
    mail_only = alpha(make_config, connector="mail-only")
    files = host.notification_attachments(mail_only, mail_only.supplier("alpha"),
                                          supplier_order())
    assert [f.filename for f in files] == ["order-acme-42.pdf", "order-acme-42.csv"]


def test_a_document_that_cannot_be_built_is_ox_mail_019(make_config, tmp_path):
    from orderexchange.errors import OXError

    config = alpha(make_config, attachments=["pdf"], pdf_font=str(tmp_path / "nope.ttf"))
    with pytest.raises(OXError) as info:
        PluginHost().notification_attachments(config, config.supplier("alpha"),
                                              supplier_order())
    assert info.value.code == "OX-MAIL-019"
    assert "alpha" in info.value.message and "nope.ttf" in info.value.message


def test_the_sample_order_renders_in_every_format(make_config, ubl_schemas):
    config = alpha(make_config, attachments=["pdf", "csv", "ubl", "opentrans"])
    sample = documents.sample_supplier_order(config.supplier("alpha"))
    sheet = documents.sheet(config, config.supplier("alpha"), sample, now=NOW)
    built = documents.documents_for(sheet, ["pdf", "csv", "ubl", "opentrans"])
    assert len(built) == 6
    assert all(content for _name, content, _mime in built)


def test_the_autouse_fixture_validates_what_the_plugin_builds(make_config):
    """A UBL document built anywhere (here: by the attachments plug-in) passes the validator."""
    config = alpha(make_config, attachments=["ubl"])
    before = len(PRODUCED)
    files = PluginHost().notification_attachments(config, config.supplier("alpha"),
                                                  supplier_order(orders=2))
    assert [kind for kind, _xml in PRODUCED[before:]] == ["Order", "Order"]
    assert [xml for _kind, xml in PRODUCED[before:]] == [f.content for f in files]


def test_docs_describe_every_csv_column():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "mail.md").read_text(encoding="utf-8")
    for column in documents.CSV_COLUMNS:
        assert f"`{column}`" in docs, column
    assert ", ".join(documents.DEFAULT_CSV_COLUMNS) in " ".join(docs.split())
