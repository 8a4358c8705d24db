"""Step 1's core rules (no shop needed): each rule refuses what it must and passes what it should.

Orders are built in memory (the importer would refuse most of these bad orders at the door; step 1
must still catch them, e.g. from a plug-in source or after a settings change). `now` is fixed, so
no test depends on the wall clock.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import email_validator
import pytest

from orderexchange import checks
from orderexchange.checks import core_findings, expected_totals, normalise_phone, order_rules
from orderexchange.config import SupplierConfig
from orderexchange.model import (
    Address, Customer, CustomerOrder, OrderLine, SupplierLine, SupplierOrder,
    SupplierOrderState, Transfer,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def order(number: str = "1001", **changes) -> CustomerOrder:
    addr = Address("Anna", "Schmidt", "Hauptstr. 1", "10115", "Berlin", "DE")
    co = CustomerOrder(
        number=number, ordered_at=NOW - timedelta(days=2), currency="EUR",
        customer=Customer("anna@example.com", "Anna", "Schmidt", phone="+49301234567"),
        billing=addr, delivery=copy.copy(addr),
        lines=[OrderLine(1, "HAMMER", "Claw hammer", 2, Decimal("12.90"), Decimal("19"), id=1),
               OrderLine(2, "SCREWS", "Screws", 1, Decimal("5.00"), Decimal("7"), id=2)],
        shipping=Decimal("4.90"))
    for key, value in changes.items():
        setattr(co, key, value)
    return co


def supplier_order(*orders: CustomerOrder, price: str = "7.20", **line_kw) -> SupplierOrder:
    so = SupplierOrder(7, "alpha", SupplierOrderState.DRAFT, created_at=NOW)
    for co in orders:
        lines = [SupplierLine(ln, f"A-{ln.line_no}", Decimal(price),
                              catalogue_sku=f"A-{ln.line_no}", catalogue_loaded=True, **line_kw)
                 for ln in co.lines]
        so.transfers.append(Transfer(co, lines, reference=f"OX-{co.number}"))
    return so


def supplier(**settings) -> SupplierConfig:
    return SupplierConfig(id="alpha", name="Alpha", email="a@example.com", **settings)


def findings(so: SupplierOrder, **settings):
    return core_findings(supplier(**settings), so, now=NOW)


def codes(found):
    return [(f.severity, f.code) for f in found]


def test_a_good_order_passes_every_core_rule():
    assert findings(supplier_order(order(), order("1002"))) == []


# --- one rule per row: the mutation, the finding it must produce -------------------------------
def _set(path: str, value):
    def mutate(co: CustomerOrder) -> None:
        *parents, last = path.split(".")
        target = co
        for p in parents:
            target = getattr(target, p)
        setattr(target, last, value)
    return mutate


RULES = [
    # (id, mutation, expected (severity, code), text the message must name)
    ("currency-not-iso", _set("currency", "EURO"), ("error", "OX-CHK-012"), "'EURO'"),
    ("email-missing", _set("customer.email", ""), ("error", "OX-CHK-002"), "customer.email"),
    ("street-missing", _set("delivery.street", " "), ("error", "OX-CHK-002"), "delivery.street"),
    ("email-syntax", _set("customer.email", "anna@@example"), ("error", "OX-CHK-003"),
     "anna@@example"),
    ("country-not-iso", _set("delivery.country", "XX"), ("error", "OX-CHK-017"), "'XX'"),
    ("postcode-missing", _set("billing.postcode", ""), ("error", "OX-CHK-019"),
     "billing.postcode"),
    ("postcode-format", _set("billing.postcode", "1011"), ("warning", "OX-CHK-033"), "'1011'"),
    ("phone-unparseable", _set("customer.phone", "ask at reception"), ("warning", "OX-CHK-020"),
     "ask at reception"),
    ("control-chars-name", _set("delivery.last_name", "Schmidt\nBcc: x"), ("error", "OX-CHK-021"),
     "delivery.last_name"),
    ("control-chars-street", _set("billing.street", "Haupt\tstr. 1"), ("error", "OX-CHK-021"),
     "billing.street"),
    ("date-future", _set("ordered_at", NOW + timedelta(days=3)), ("error", "OX-CHK-015"),
     "in the future"),
    ("date-ancient", _set("ordered_at", datetime(1999, 12, 31, tzinfo=UTC)),
     ("error", "OX-CHK-015"), "before the year 2000"),
    ("total-wrong", _set("total", Decimal("40.00")), ("error", "OX-CHK-014"), "40.00"),
]


@pytest.mark.parametrize("mutate, expected, named", [r[1:] for r in RULES],
                         ids=[r[0] for r in RULES])
def test_each_order_rule(mutate, expected, named):
    bad = order("1002")
    mutate(bad)
    found = findings(supplier_order(order("1001"), bad))
    assert codes(found) == [expected]
    [finding] = found
    assert finding.order == "1002" and "1002" in finding.message
    assert named in finding.message
    assert finding.solution
    assert finding.blocking == (expected[0] == "error")


def test_postcode_is_optional_where_the_country_has_none():
    hk = Address("Wing", "Lee", "1 Queen's Road", "", "Hong Kong", "HK")
    assert findings(supplier_order(order(billing=hk, delivery=hk))) == []
    de = Address("Anna", "Schmidt", "Hauptstr. 1", "", "Berlin", "DE")
    assert codes(findings(supplier_order(order(billing=de, delivery=de)))) == [
        ("error", "OX-CHK-019"), ("error", "OX-CHK-019")]


def test_phone_normalisation():
    assert normalise_phone("030 1234567", "DE") == "+49301234567"
    assert normalise_phone("+43 664 1234567", "DE") == "+436641234567"
    assert normalise_phone("12", "DE") is None
    assert normalise_phone("", "DE") is None


def test_control_characters_are_named_per_field_in_field_order():
    """One search decides whether any text holds a control character; each such field is
    still named, in the order customer, billing, delivery."""
    co = order()
    co.customer.company = "Bad\x07Co"
    co.billing = dataclasses.replace(co.billing, street="Haupt\tstr. 1", city="Ber\u2028lin")
    co.delivery = dataclasses.replace(co.delivery, state="x\x7f")
    fields = [e.facts["field"] for sev, e in order_rules(co, NOW) if e.code == "OX-CHK-021"]
    assert fields == ["customer.company", "billing.street", "billing.city", "delivery.state"]
    assert not [e for _s, e in order_rules(order(), NOW) if e.code == "OX-CHK-021"]


@pytest.mark.parametrize("quantity, unit", [
    (1, ""), (5, "pcs"), (0, ""), (-2, ""), (True, ""), (Decimal("2"), ""), (Decimal("1.5"), ""),
    (Decimal("1.5"), "kg"), (Decimal("0"), "kg"), (Decimal("-0.5"), "LTR"), (3, "kg"),
])
def test_a_lines_quantity_rules_are_quantity_rules_whatever_the_shortcut(quantity, unit):
    """order_rules skips quantity_rules for a positive whole int: every quantity (that one
    too) gets exactly quantity_rules' answer, in the line's place among the rules."""
    co = order()
    co.lines[0] = dataclasses.replace(co.lines[0], quantity=quantity, unit=unit)
    got = [(sev, e.code, e.facts) for sev, e in order_rules(co, NOW) if e.code == "OX-CHK-005"]
    assert got == [(sev, e.code, e.facts) for sev, e in checks.quantity_rules(
        co.number, 1, quantity, unit)]


def test_required_fields_and_control_characters_are_named_field_by_field():
    """The fields read by attrgetters: every empty required field and every field with a control
    character is named, in the rules' order, on realistic orders blanked and spoilt in turn."""
    for field in checks._CUSTOMER_REQUIRED:
        co = order()
        co.customer = dataclasses.replace(co.customer, **{field: " "})
        assert [e.facts["field"] for _s, e in order_rules(co, NOW) if e.code == "OX-CHK-002"] \
            == [f"customer.{field}"]
    for kind in ("billing", "delivery"):
        for field in checks.REQUIRED_ADDRESS:
            co = order()
            setattr(co, kind, dataclasses.replace(getattr(co, kind), **{field: ""}))
            named = [e.facts["field"] for _s, e in order_rules(co, NOW) if e.code == "OX-CHK-002"]
            assert named == [f"{kind}.{field}"]
    co = order()
    co.customer = dataclasses.replace(co.customer, first_name="", number="K\x01")
    co.delivery = dataclasses.replace(co.delivery, city="", street2="a\u2028b")
    rules = [(e.code, e.facts.get("field")) for _s, e in order_rules(co, NOW)]
    assert rules[:4] == [("OX-CHK-002", "customer.first_name"), ("OX-CHK-002", "delivery.city"),
                         ("OX-CHK-021", "customer.number"), ("OX-CHK-021", "delivery.street2")]
    assert not list(order_rules(order(), NOW))


@pytest.mark.parametrize("raw, country", [
    ("030 1234567", "DE"), ("+43 664 1234567", "DE"), ("0664 1234567", "AT"),
    ("+48 601 234 567", "PL"), ("12", "DE"), ("", "CH"), ("020 7946 0958", "GB"),
])
def test_remembered_phone_answers_are_the_parsers(raw, country, monkeypatch):
    """The importer stores the E.164 form; step 1 asks about it again and gets the remembered
    answer, which is what parsing it afresh says (it normalises to itself)."""
    monkeypatch.setattr(checks, "_PHONES", {})
    stored = normalise_phone(raw, country)
    assert stored == checks._normalise_phone(raw, country)
    if stored is not None:
        assert (stored, country) in checks._PHONES
        assert normalise_phone(stored, country) == checks._normalise_phone(stored, country) \
            == stored


@pytest.mark.parametrize("address", [
    "Anna.Schmidt@Example.COM", "zoë@bücher.example", "x@example.com", "bad@@example.com",
    "no-at-sign", "a@b",
])
def test_remembered_email_answers_are_email_validators(address, monkeypatch):
    """What the importer stores (the normalised address) is asked again by step 1: remembered
    as valid, and email_validator agrees; an invalid address stays invalid."""
    monkeypatch.setattr(checks, "_EMAILS", {})
    try:
        stored = checks.normalised_email(address)
    except email_validator.EmailNotValidError:
        assert not checks.valid_email_syntax(address)
        return
    assert checks.valid_email_syntax(stored) and checks.valid_email_syntax(address)
    monkeypatch.setattr(checks, "_EMAILS", {})  # forgotten: asked afresh, the same answer
    assert checks.valid_email_syntax(stored)


def test_remembered_answers_are_bounded(monkeypatch):
    monkeypatch.setattr(checks, "_PHONES", {})
    monkeypatch.setattr(checks, "_ANSWERS_KEPT", 4)
    for i in range(20):
        normalise_phone(f"030 12345{i:02d}", "DE")
    assert len(checks._PHONES) <= 4
    # the older half goes when full: the newest answer and the raw number it came from stay
    assert ("030 1234519", "DE") in checks._PHONES and ("+49301234519", "DE") in checks._PHONES
    assert ("030 1234500", "DE") not in checks._PHONES



def test_forgetting_the_older_half_survives_a_key_another_thread_forgot_first(monkeypatch):
    """Two supplier threads fill the cache at once: both may forget the same older half. The
    second to get there must find some keys already gone and go on, not raise KeyError."""

    class Racing(dict):
        def __iter__(self):  # the other thread forgets the oldest key as we read the keys
            keys = list(dict.__iter__(self))
            dict.__delitem__(self, keys[0])
            return iter(keys)

    cache = Racing({f"k{i}": i for i in range(4)})
    monkeypatch.setattr(checks, "_ANSWERS_KEPT", 4)
    checks._keep(cache, "new", 99)
    assert cache == {"k2": 2, "k3": 3, "new": 99}

# --- totals: lines × prices + shipping (+ tax) = total, to the cent -----------------------------
# order(): 2 × 12.90 (19 %) + 1 × 5.00 (7 %) = 30.80 net, shipping 4.90 untaxed
#   tax: 25.80 × 19 % = 4.902 → 4.90, 5.00 × 7 % = 0.35 → total 30.80 + 4.90 + 5.25 = 40.95
@pytest.mark.parametrize("mode, total, shipping_rate, ok", [
    ("net", "40.95", "0", True),
    ("net", "40.96", "0", False),
    ("net", "41.88", "19", True),  # shipping taxed at 19 %: + 0.931 → 0.93
    ("gross", "35.70", "0", True),  # gross prices: lines + shipping, tax included
    ("gross", "40.95", "0", False),
])
def test_totals_rule(mode, total, shipping_rate, ok):
    co = order(total=Decimal(total), tax_mode=mode, shipping_tax_rate=Decimal(shipping_rate))
    found = findings(supplier_order(co))
    assert codes(found) == ([] if ok else [("error", "OX-CHK-014")])
    if not ok:
        assert f"the order total is {total}" in found[0].message
        assert f"({mode} prices)" in found[0].message


def test_totals_accept_per_line_rounding_of_tax():
    # 3 lines of 0.35 at 19 %: per rate 1.05 × 19 % = 0.1995 → 0.20; per line 3 × 0.07 = 0.21
    lines = [OrderLine(i, f"S{i}", "s", 1, Decimal("0.35"), Decimal("19")) for i in (1, 2, 3)]
    co = order(lines=lines, shipping=Decimal("0"))
    assert expected_totals(co) == [Decimal("1.25"), Decimal("1.26")]
    for total in ("1.25", "1.26"):
        co.total = Decimal(total)
        assert findings(supplier_order(co)) == []
    co.total = Decimal("1.27")
    assert codes(findings(supplier_order(co))) == [("error", "OX-CHK-014")]


def test_no_total_in_the_source_means_no_totals_rule():
    assert order().total is None
    assert findings(supplier_order(order())) == []


# --- lines ------------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity, unit, ok", [
    (2, "", True), (Decimal("1.5"), "m", True), (Decimal("0.25"), "KGM", True),
    (0, "", False), (-1, "", False), (Decimal("1.5"), "", False), (Decimal("1.5"), "piece", False),
    (Decimal("0"), "kg", False),
])
def test_quantity_rule(quantity, unit, ok):
    co = order()
    co.lines[0].quantity, co.lines[0].unit = quantity, unit
    found = findings(supplier_order(co))
    assert codes(found) == ([] if ok else [("error", "OX-CHK-005")])
    if not ok:
        assert "Order 1001 line 1: quantity" in found[0].message


def test_line_must_still_be_mapped_to_the_supplier():
    so = supplier_order(order())
    so.transfers[0].lines[1].catalogue_sku = None  # catalogue row removed after the build
    so.transfers[0].lines[0].catalogue_sku = "A-999"  # mapped to another supplier SKU now
    found = findings(so)
    assert codes(found) == [("error", "OX-CHK-022"), ("error", "OX-CHK-022")]
    assert "Order 1001 line 1: product HAMMER" in found[0].message
    assert "as A-1" in found[0].message


def test_no_lines_for_the_supplier():
    so = supplier_order(order())
    so.transfers[0].lines = []
    assert codes(findings(so)) == [("error", "OX-CHK-001")]


# --- supplier settings ------------------------------------------------------------------------
def test_inactive_supplier_is_reported_and_nothing_else_runs():
    found = findings(supplier_order(order(currency="XXX")), active=False)
    assert codes(found) == [("error", "OX-CHK-008")]


def test_currencies_setting():
    so = supplier_order(order(), order("1002", currency="CHF"))
    assert findings(so) == []  # default: any currency
    found = findings(so, currencies=["EUR", "USD"])
    assert codes(found) == [("error", "OX-CHK-013")]
    assert found[0].order == "1002" and "accepts EUR, USD" in found[0].message


def test_destination_countries_setting():
    at = Address("Clara", "Bauer", "Seeweg 3", "1010", "Wien", "AT")
    so = supplier_order(order(), order("1002", delivery=at))
    assert findings(so) == []
    found = findings(so, countries=["DE"])
    assert codes(found) == [("error", "OX-CHK-018")]
    assert "does not deliver to AT" in found[0].message
    # the destination counts, not the billing country
    assert findings(supplier_order(order(billing=at)), countries=["DE"]) == []


def test_trigger_setting():
    so = supplier_order(order(shop_status="paid"), order("1002", shop_status="pending"))
    assert findings(so) == []
    found = findings(so, trigger="Paid")
    assert codes(found) == [("error", "OX-CHK-026")]
    assert found[0].order == "1002" and "'pending'" in found[0].message


def test_minimum_order_value_setting():
    so = supplier_order(order())  # 2 × 7.20 + 1 × 7.20 = 21.60 net
    assert findings(so, min_order_value="21.60") == []
    found = findings(so, min_order_value="25")
    assert codes(found) == [("error", "OX-CHK-025")]
    assert "21.60" in found[0].message and "25.00" in found[0].message
    assert found[0].order is None  # the supplier order as a whole


def test_minimum_order_value_over_lines_in_several_currencies():
    """The minimum is in the supplier's price currency; a line quoted in another currency
    counts at the distributor's rate, never as a bare number."""
    from orderexchange.rates import Rates
    eur_chf = supplier_order(order())  # 21.60 EUR ...
    eur_chf.transfers.append(supplier_order(order("1002"), price="10.00", currency="CHF")
                             .transfers[0])  # ... + 30.00 CHF
    rates = Rates("EUR", {"CHF": Decimal("1.25")})  # 30.00 CHF = 24.00 EUR: 45.60 EUR in all
    assert core_findings(supplier(min_order_value="45.60"), eur_chf, now=NOW, rates=rates) == []
    [below] = core_findings(supplier(min_order_value="45.61"), eur_chf, now=NOW, rates=rates)
    assert below.code == "OX-CHK-025" and "45.60 EUR" in below.message
    assert "45.61 EUR" in below.message
    # as bare numbers 21.60 + 30.00 = 51.60 would pass a 50 EUR minimum: it must not
    [below] = core_findings(supplier(min_order_value="50"), eur_chf, now=NOW, rates=rates)
    assert below.code == "OX-CHK-025"
    # without the CHF rate step 1 cannot tell: an error naming the missing rate, never a pass
    [unknown] = core_findings(supplier(min_order_value="10"), eur_chf, now=NOW, rates=Rates())
    assert unknown.code == "OX-CHK-053" and unknown.severity == "error"
    assert "CHF, EUR" in unknown.message and unknown.order is None
    # a minimum in CHF over EUR lines: 21.60 EUR = 27.00 CHF, + 30.00 CHF = 57.00 CHF
    chf = supplier(min_order_value="57.00", price_currency="CHF")
    eur_chf.transfers[0].lines[:] = [dataclasses.replace(sl, currency="EUR")
                                     for sl in eur_chf.transfers[0].lines]
    assert core_findings(chf, eur_chf, now=NOW, rates=rates) == []
    chf = supplier(min_order_value="57.01", price_currency="CHF")
    [below] = core_findings(chf, eur_chf, now=NOW, rates=rates)
    assert "57.00 CHF" in below.message


def mixed(eur: str, other: str, currency: str) -> SupplierOrder:
    """Order 1001's two lines: 2 hammers at `eur` EUR, 1 box of screws at `other` `currency`."""
    so = supplier_order(order(), price=eur, currency="EUR")
    so.transfers[0].lines[1] = dataclasses.replace(so.transfers[0].lines[1],
                                                   purchase_price=Decimal(other),
                                                   currency=currency)
    return so


def minimum(so: SupplierOrder, value: str, rates=None, **settings):
    from orderexchange.rates import Rates
    rates = rates or Rates("EUR", {"CHF": Decimal("0.9412"), "GBP": Decimal("0.8565"),
                                   "PLN": Decimal("4.2750")})
    return core_findings(supplier(min_order_value=value, **settings), so, now=NOW, rates=rates)


def test_minimum_order_value_values_each_line_to_the_cent_in_its_currency():
    # 2 × 20.00 EUR + 56.47 CHF (59.9979 EUR: a line of 60.00) = 100.00 EUR, what the message
    # would show; an exact sum (99.9979) would read "100.00 EUR is below 100.00 EUR"; as bare
    # numbers 96.47
    assert minimum(mixed("20.00", "56.47", "CHF"), "100") == []
    # 56.46 CHF = 59.9873 EUR: 59.99, one cent short
    [found] = minimum(mixed("20.00", "56.46", "CHF"), "100")
    assert found.code == "OX-CHK-025" and found.order is None
    assert found.message == ("Supplier order for alpha: net value 99.99 EUR is below the minimum "
                             "order value 100.00 EUR.")
    # 60.00 PLN is 14.04 EUR: 54.04 EUR, although the bare numbers add up to exactly 100.00
    [found] = minimum(mixed("20.00", "60.00", "PLN"), "100")
    assert "net value 54.04 EUR" in found.message


def test_minimum_order_value_of_a_chf_supplier_over_eur_and_gbp_lines():
    # 2 × 20.00 EUR = 37.648 CHF → 37.65; 10.00 GBP = 11.6754 EUR = 10.9889 CHF → 10.99
    # (through the distributor's EUR); a line of its own, 2 × 0.50 CHF, as it is: 49.64 CHF
    so = mixed("20.00", "10.00", "GBP")
    so.transfers[0].lines.append(SupplierLine(so.transfers[0].lines[0].line, "A-9",
                                              Decimal("0.50"), None))
    [found] = minimum(so, "50", price_currency="CHF")
    assert found.message == ("Supplier order for alpha: net value 49.64 CHF is below the "
                             "minimum order value 50.00 CHF.")
    assert minimum(so, "49.64", price_currency="CHF") == []


def test_minimum_order_value_rounds_each_line_half_up_at_the_cent():
    from orderexchange.rates import Rates
    # 1 EUR = 0.8 CHF: 0.02 CHF is 0.025 EUR exactly, a line of 0.03 EUR (half up, as invoices
    # round, not to even); with 2 × 0.01 EUR: 0.05 EUR
    rates = Rates("EUR", {"CHF": Decimal("0.8")})
    assert minimum(mixed("0.01", "0.02", "CHF"), "0.05", rates) == []
    assert minimum(mixed("0.01", "0.02", "CHF"), "0.06", rates)[0].code == "OX-CHK-025"
    assert rates.line_in(Decimal("0.02"), "CHF", "EUR") == Decimal("0.03")
    assert rates.line_in(Decimal("0.025"), "EUR", "EUR") == Decimal("0.03")
    assert rates.line_in(Decimal("1"), "EUR", "CHF") == Decimal("0.80")
    assert rates.line_in(Decimal("1"), "GBP", "EUR") is None
    assert Rates().line_in(Decimal("1.005"), "GBP", "GBP") == Decimal("1.01")  # no rate needed
    # one currency, prices of 4 places: each line to the cent as the documents show it
    # (2 × 0.3333 = 0.6666 → 0.67 and 1 × 0.3333 → 0.33: 1.00), unchanged by rates
    so = supplier_order(order(), price="0.3333")
    assert minimum(so, "1.00", Rates()) == []
    assert "net value 1.00 EUR" in minimum(so, "1.01", Rates())[0].message


def test_minimum_order_value_without_the_rate_for_one_line():
    from orderexchange.rates import Rates
    documents, found = minimum(mixed("20.00", "56.47", "CHF"), "10",
                               Rates("EUR", {"GBP": Decimal("2")}))
    assert found.code == "OX-CHK-053" and found.order is None and found.severity == "error"
    # and the order's documents cannot add its lines up either: that order is held
    assert documents.code == "OX-CHK-054" and documents.order == "1001"
    assert documents.message == (
        "Order 1001: supplier alpha's purchase prices for it are in CHF, EUR; its documents "
        "state it in EUR (the supplier's `price_currency`, that of `shipping_cost`), but the "
        "distributor has no rate for CHF.")
    assert found.message == (
        "Supplier order for alpha: its lines are priced in CHF, EUR, its minimum order value is "
        "in EUR, and the distributor has no rate for CHF, so whether the minimum is reached is "
        "unknown.")


def test_old_order_warning_setting():
    old = order(ordered_at=NOW - timedelta(days=45))
    found = findings(supplier_order(old))
    assert codes(found) == [("warning", "OX-CHK-016")]
    assert "45 days ago" in found[0].message
    assert findings(supplier_order(old), max_order_age_days=60) == []
    assert findings(supplier_order(old), max_order_age_days=0) == []


def test_sent_before_to_the_same_supplier_is_a_warning():
    so = supplier_order(order())
    assert findings(so) == []
    so.transfers[0].sent_before = [(3, "17")]
    found = findings(so)
    assert codes(found) == [("warning", "OX-CHK-027")]
    assert "supplier order 3 (shop order 17)" in found[0].message


def test_order_rules_without_syntax_leave_the_parsers_rules_to_the_importer():
    bad = order(currency="EURO")
    bad.customer.email = "nope"
    assert [e.code for _s, e in order_rules(bad, NOW, syntax=False)] == []
    assert sorted(e.code for _s, e in order_rules(bad, NOW)) == ["OX-CHK-003", "OX-CHK-012"]


def test_every_order_sharing_a_looked_up_value_keeps_its_own_finding():
    """Step 1 looks each email, country and currency up once (cached): orders repeating a bad
    one still each get their finding, and a good one asked between them stays good."""
    bad = [order(str(2000 + i), customer=Customer("anna@@example", "Anna", "Schmidt"))
           for i in range(3)]
    for co in bad[1:]:
        co.delivery = copy.copy(co.delivery)
        co.delivery.country = "XX"
        co.currency = "QQQ"
    good = order("2100")
    found = core_findings(SupplierConfig(id="s1", name="S", email="s@example.com"),
                          supplier_order(bad[0], good, *bad[1:]), now=NOW)
    by_order = {}
    for f in found:
        by_order.setdefault(f.order, []).append(f.code)
    assert by_order == {"2000": ["OX-CHK-003"],
                        "2001": ["OX-CHK-012", "OX-CHK-003", "OX-CHK-017"],
                        "2002": ["OX-CHK-012", "OX-CHK-003", "OX-CHK-017"]}
