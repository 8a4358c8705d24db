"""Realistic customer orders, as messy as a distributor's real export (SPEC §9a, issue 13).

Tidy test orders hide the bugs real data finds: one customer per email overwritten by a family
member, a CHF order written in EUR, one bad row blocking 500 good ones. This module makes, from a
seed and nothing else, a file of orders the way a European web shop exports them:

- customers from 9 locales (Faker: names, streets, postcodes, phones of each country);
- returning customers whose name, phone or address change between their orders;
- families sharing one email, colleagues (and spouses) sharing one phone number;
- companies, two-line streets, a separate delivery address now and then;
- currencies EUR, CHF, GBP and PLN, and the countries' standard and reduced VAT rates mixed in
  one order (now and then three rates);
- a configurable share (about 9 %) of bad rows, one of every kind the import refuses, each
  labelled with the error code the import must report for it.

Every order comes with a `Label` saying who it is for (`person`: the human; `household`: who owns
the email), whether it is bad and with which code, and its features. A matching supplier
catalogue maps the distributor's products onto the supplier shops' SKUs.

Used by the tests (`import orderdata`: tests/ is on sys.path) and by bench/ scripts (which put
tests/ on sys.path). As a command it writes the import files:

    .venv/bin/python tests/orderdata.py OUT_DIR [--orders 2000] [--seed 13] [--bad-share 0.09]
        [--format jsonl|csv] [--supplier alpha=A-100,A-200 ...]

OUT_DIR gets orders.jsonl (or orders.csv), catalogue.csv and labels.jsonl. The same seed (and
`--today`) gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from faker import Faker

#: locale → (country, currency of its shoppers, standard VAT %, reduced VAT %)
LOCALES: dict[str, tuple[str, str, str, str]] = {
    "de_DE": ("DE", "EUR", "19", "7"),
    "de_AT": ("AT", "EUR", "20", "10"),
    "de_CH": ("CH", "CHF", "8.1", "2.6"),
    "fr_FR": ("FR", "EUR", "20", "5.5"),
    "it_IT": ("IT", "EUR", "22", "10"),
    "nl_NL": ("NL", "EUR", "21", "9"),
    "pl_PL": ("PL", "PLN", "23", "8"),
    "en_GB": ("GB", "GBP", "20", "5"),
    "es_ES": ("ES", "EUR", "21", "10"),
}
#: how often each locale's customers order (the distributor sells mostly in German-speaking
#: countries, like the shops the connectors serve)
LOCALE_WEIGHTS = {"de_DE": 30, "de_AT": 12, "de_CH": 10, "fr_FR": 9, "it_IT": 8, "nl_NL": 8,
                  "pl_PL": 8, "en_GB": 8, "es_ES": 7}
#: a third rate some orders carry (a super-reduced or zero rate: books, newspapers, exports)
THIRD_RATE = {"DE": "0", "AT": "13", "CH": "3.8", "FR": "2.1", "IT": "4", "NL": "0",
              "PL": "5", "GB": "0", "ES": "4"}
#: rough value of 1 EUR in the shoppers' currencies: retail prices are set in each currency
RETAIL_RATE = {"EUR": Decimal("1"), "CHF": Decimal("0.95"), "GBP": Decimal("0.85"),
               "PLN": Decimal("4.30")}
SHIPPING = {"EUR": Decimal("4.90"), "CHF": Decimal("7.90"), "GBP": Decimal("3.95"),
            "PLN": Decimal("19.99")}
#: default products: (our SKU, name, net EUR retail price, reduced VAT rate?)
PRODUCTS = [
    ("HAMMER-450", "Claw hammer 450 g", "12.90", False),
    ("SCREW-SET-6", "Screwdriver set, 6 pieces", "19.90", False),
    ("LEVEL-60", "Spirit level 60 cm", "15.40", False),
    ("GLOVES-L", "Work gloves, size L", "6.49", False),
    ("MANUAL-DIY", "Handbook: DIY repairs", "24.00", True),
    ("SEEDS-HERB", "Herb seeds, 5 packets", "8.75", True),
    ("TAPE-5M", "Measuring tape 5 m", "7.95", False),
    ("KIT-FIRSTAID", "First-aid kit", "17.30", True),
]
#: default supplier mapping: each product goes to one of these supplier SKUs, round robin
DEFAULT_SUPPLIERS = {"alpha": ["A-100", "A-200"]}
CENT = Decimal("0.01")

#: every kind of bad row: code the import reports, the field it names, which formats have it
BAD_KINDS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "json_broken": ("OX-IMP-003", None, ("jsonl",)),
    "missing_city": ("OX-IMP-004", "billing.city", ("jsonl", "csv")),
    "missing_last_name": ("OX-IMP-004", "customer.last_name", ("jsonl", "csv")),
    "bad_email": ("OX-IMP-005", "customer.email", ("jsonl", "csv")),
    "bad_country": ("OX-IMP-006", "billing.country", ("jsonl", "csv")),
    "comma_price": ("OX-IMP-007", "lines[1].unit_price", ("jsonl", "csv")),
    "word_quantity": ("OX-IMP-007", "lines[1].quantity", ("jsonl", "csv")),
    "latin1": ("OX-IMP-008", None, ("jsonl", "csv")),
    "zero_quantity": ("OX-IMP-010", "lines[1].quantity", ("jsonl", "csv")),
    "tax_119": ("OX-IMP-010", "lines[1].tax_rate", ("jsonl", "csv")),
    "currency_word": ("OX-IMP-010", "currency", ("jsonl", "csv")),
    "street_too_long": ("OX-IMP-011", "billing.street", ("jsonl", "csv")),
    "csv_row_differs": ("OX-IMP-012", "billing", ("csv",)),
    "german_date": ("OX-IMP-013", "ordered_at", ("jsonl", "csv")),
    "street_line_break": ("OX-IMP-014", "billing.street", ("jsonl", "csv")),
    "csv_rows_apart": ("OX-IMP-015", None, ("csv",)),
    "total_off": ("OX-CHK-014", None, ("jsonl", "csv")),
    "future_date": ("OX-CHK-015", None, ("jsonl", "csv")),
    "no_postcode": ("OX-CHK-019", "billing.postcode", ("jsonl", "csv")),
    # not refused but ignored: the same order exported twice (the first copy is stored); in a
    # CSV a repeated number is indistinguishable from OX-IMP-015, so JSON Lines only
    "duplicate": ("OX-IMP-009", None, ("jsonl",)),
}


@dataclass
class Label:
    """What a test needs to know about one generated order (one per order, in file order)."""

    number: str
    row: int  # the file row the import reports for it (CSV: its first row)
    person: str  # the human the order is for
    household: str  # who owns the email address (a family shares one)
    country: str
    currency: str
    vat_rates: list[str]
    features: list[str] = field(default_factory=list)
    bad: str | None = None  # the kind of defect (BAD_KINDS), None for a good order
    code: str | None = None  # the code the import reports for it
    field: str | None = None  # the field the error names, where it names one
    #: the customer as this order states it (what the shop order must show)
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    company: str = ""

    @property
    def good(self) -> bool:
        return self.bad is None


@dataclass
class Dataset:
    """Generated orders (JSON import shape), their labels and the supplier catalogue."""

    orders: list[dict[str, Any]]
    labels: list[Label]
    catalogue: list[dict[str, str]]
    fmt: str = "jsonl"

    def good(self) -> list[tuple[dict[str, Any], Label]]:
        return [(o, lb) for o, lb in zip(self.orders, self.labels, strict=True) if lb.good]

    def bad(self) -> list[tuple[dict[str, Any], Label]]:
        return [(o, lb) for o, lb in zip(self.orders, self.labels, strict=True) if not lb.good]

    def file_bytes(self) -> bytes:
        """The import file, rows numbered as `Label.row` says."""
        return _jsonl(self) if self.fmt == "jsonl" else _csv(self)

    def catalogue_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, ["sku", "supplier", "supplier_sku", "purchase_price",
                                      "name", "currency"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.catalogue)
        return out.getvalue()

    def write(self, folder: Path) -> dict[str, Path]:
        """orders.<fmt>, catalogue.csv and labels.jsonl in `folder`; returns their paths."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"orders": folder / f"orders.{self.fmt}", "catalogue": folder / "catalogue.csv",
                 "labels": folder / "labels.jsonl"}
        paths["orders"].write_bytes(self.file_bytes())
        paths["catalogue"].write_text(self.catalogue_csv(), encoding="utf-8")
        paths["labels"].write_text("".join(json.dumps(asdict(lb), ensure_ascii=False) + "\n"
                                           for lb in self.labels), encoding="utf-8")
        return paths


# --- people ----------------------------------------------------------------------------------
@dataclass
class _Version:
    """A person as one order states them; returning customers move, marry, change phones."""

    first_name: str
    last_name: str
    phone: str
    company: str
    address: dict[str, str]


@dataclass
class _Person:
    id: str
    household: str
    locale: str
    email: str
    versions: list[_Version]
    features: set[str] = field(default_factory=set)
    orders: int = 0


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch in ".-")


class _People:
    """The customer base: households, persons, their versions over time."""

    def __init__(self, rnd: random.Random, fakers: dict[str, Faker]) -> None:
        self.rnd = rnd
        self.fakers = fakers
        self.persons: list[_Person] = []
        self.weights: list[float] = []
        self._emails: set[str] = set()

    def _phone(self, locale: str) -> str:
        from orderexchange.checks import normalise_phone  # the rule the import applies

        fake = self.fakers[locale]
        for _ in range(30):
            phone = fake.phone_number()
            if normalise_phone(phone, LOCALES[locale][0]):
                return phone
        return phone

    def _text(self, make: Any, limit: int) -> str:
        for _ in range(30):
            value = make()
            if len(value) <= limit:
                return value
        return value[:limit].strip()

    def _address(self, locale: str, first: str, last: str, company: str) -> dict[str, str]:
        fake = self.fakers[locale]
        street2 = ""
        if self.rnd.random() < 0.14:
            street2 = self.rnd.choice([
                f"c/o {fake.last_name()}", "Hinterhaus", "2. OG links", "Apt. 4B",
                f"Gebäude {self.rnd.randint(1, 9)}", "Rückgebäude", "3e étage", "Scala B",
                "Unit 12", "Lokal 3"])
        street = self._text(fake.street_address, 60)
        if "\n" in street:  # British flats: "Flat 9\nKing's Road" is two address lines
            street, street2 = street.split("\n", 1)
        return {"first_name": first, "last_name": last, "company": company,
                "street": street, "street2": street2,
                "postcode": fake.postcode(), "city": self._text(fake.city, 60),
                "country": LOCALES[locale][0]}

    def _email(self, locale: str, first: str, last: str) -> str:
        fake = self.fakers[locale]
        base = re.sub(r"\.+", ".", f"{_ascii(first)}.{_ascii(last)}").strip(".-") or "kunde"
        while True:
            email = f"{base}{self.rnd.randint(1, 9999)}@{fake.free_email_domain()}"
            if email not in self._emails:
                self._emails.add(email)
                return email

    def _version(self, locale: str, first: str, last: str, company: str,
                 phone: str | None = None) -> _Version:
        return _Version(first, last, phone or self._phone(locale), company,
                        self._address(locale, first, last, company))

    def _add(self, person: _Person, weight: float) -> _Person:
        self.persons.append(person)
        self.weights.append(weight)
        return person

    def grow(self, count: int) -> None:
        """Add about `count` persons: singles, families, colleagues sharing a phone."""
        rnd = self.rnd
        locales = list(LOCALE_WEIGHTS)
        weights = list(LOCALE_WEIGHTS.values())
        while len(self.persons) < count:
            locale = rnd.choices(locales, weights)[0]
            fake = self.fakers[locale]
            hid = f"H{len(self.persons) + 1:05d}"
            roll = rnd.random()
            # returning customers order more often than one-off buyers
            weight = rnd.choice([1, 1, 1, 2, 3, 6])
            if roll < 0.08:  # a family: one email, own first names (and mostly own phones)
                last = fake.last_name()
                email = self._email(locale, fake.first_name(), last)
                landline = self._phone(locale)
                for k in range(rnd.choice([2, 2, 3])):
                    first = fake.first_name()
                    shared_phone = landline if rnd.random() < 0.4 else None
                    person = self._add(_Person(f"P{len(self.persons) + 1:05d}", hid, locale,
                                               email, [self._version(locale, first, last, "",
                                                                     shared_phone)],
                                               {"family_email"}), weight)
                    if shared_phone:
                        person.features.add("shared_phone")
                    if k and rnd.random() < 0.5:  # same household, same front door
                        person.versions[0].address = dict(
                            self.persons[-2].versions[0].address, first_name=first)
            elif roll < 0.14:  # colleagues: one company, one switchboard number
                company = self._text(fake.company, 40)
                phone = self._phone(locale)
                address = None
                for _ in range(rnd.choice([2, 3])):
                    first, last = fake.first_name(), fake.last_name()
                    version = self._version(locale, first, last, company, phone)
                    if address is not None:
                        version.address = dict(address, first_name=first, last_name=last)
                    address = version.address
                    self._add(_Person(f"P{len(self.persons) + 1:05d}",
                                      f"H{len(self.persons) + 1:05d}", locale,
                                      self._email(locale, first, last), [version],
                                      {"shared_phone", "company"}), weight)
            else:
                first, last = fake.first_name(), fake.last_name()
                company = self._text(fake.company, 40) if rnd.random() < 0.12 else ""
                self._add(_Person(f"P{len(self.persons) + 1:05d}", hid, locale,
                                  self._email(locale, first, last),
                                  [self._version(locale, first, last, company)],
                                  {"company"} if company else set()), weight)

    def pick(self) -> tuple[_Person, _Version]:
        """The person of the next order; a returning one may have changed since last time."""
        person = self.rnd.choices(self.persons, self.weights)[0]
        person.orders += 1
        version = person.versions[-1]
        if person.orders > 1:
            person.features.add("returning")
            change = self.rnd.random()
            fake = self.fakers[person.locale]
            if change < 0.15:  # moved house
                version = _Version(version.first_name, version.last_name, version.phone,
                                   version.company,
                                   self._address(person.locale, version.first_name,
                                                 version.last_name, version.company))
                person.features.add("moved")
            elif change < 0.25:  # new phone number
                version = _Version(version.first_name, version.last_name,
                                   self._phone(person.locale), version.company,
                                   version.address)
                person.features.add("new_phone")
            elif change < 0.30:  # married: new last name, same email
                last = fake.last_name()
                version = _Version(version.first_name, last, version.phone, version.company,
                                   dict(version.address, last_name=last))
                person.features.add("renamed")
            if version is not person.versions[-1]:
                person.versions.append(version)
        return person, version


# --- orders ----------------------------------------------------------------------------------
def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def catalogue_rows(suppliers: dict[str, Sequence[str]] | None = None,
                   products: Sequence[tuple[str, str, str, bool]] = PRODUCTS
                   ) -> list[dict[str, str]]:
    """The distributor's catalogue: every product to one supplier SKU (round robin over the
    suppliers' SKUs), bought at about 60 % of the net retail price, in EUR (stated per row)."""
    suppliers = suppliers or DEFAULT_SUPPLIERS
    slots = [(s, sku) for s, skus in suppliers.items() for sku in skus]
    rows = []
    for i, (sku, name, price, _reduced) in enumerate(products):
        supplier, supplier_sku = slots[i % len(slots)]
        rows.append({"sku": sku, "supplier": supplier, "supplier_sku": supplier_sku,
                     "purchase_price": str(_money(Decimal(price) * Decimal("0.6"))),
                     "name": name, "currency": "EUR"})
    return rows


def _hash_free(fake: Faker) -> None:
    """Make a Faker's draws independent of PYTHONHASHSEED. Faker's it_IT address provider builds
    its city list from a set (`list({...})`), so its order — and with it the city a seeded draw
    picks — changed from process to process: the same seed gave different files (and different
    emails, golden copies and benchmarks). Sorted, the list is the same in every process. Only
    lists that came from a set are sorted: the other locales' draws stay as they were."""
    for provider in fake.get_providers():
        if type(provider).__module__ == "faker.providers.address.it_IT" and \
                isinstance(getattr(provider, "cities", None), list):
            provider.cities = sorted(provider.cities)


def generate(orders: int = 300, seed: int = 13, bad_share: float = 0.09, fmt: str = "jsonl",
             suppliers: dict[str, Sequence[str]] | None = None, today: date | None = None,
             prefix: str = "R", products: Sequence[tuple[str, str, str, bool]] = PRODUCTS
             ) -> Dataset:
    """`orders` customer orders (about `bad_share` of them bad, at least one of every kind the
    format has when there is room), deterministic for a seed and `today`."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError("fmt must be jsonl or csv")
    rnd = random.Random(seed)
    fakers = {}
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 101 + i)
        _hash_free(fake)
        fakers[locale] = fake
    people = _People(rnd, fakers)
    people.grow(max(8, int(orders * 0.55)))
    today = today or datetime.now(UTC).date()
    start = datetime.combine(today, time(0, 0), UTC)
    kinds = [k for k, (_c, _f, formats) in BAD_KINDS.items() if fmt in formats]
    n_bad = round(orders * bad_share)
    # never two bad orders side by side: a CSV defect may move rows into the previous order
    slots = range(2, orders, 2)
    bad_at = sorted(rnd.sample(slots, min(n_bad, len(slots))))
    bad_kind = {pos: kinds[i % len(kinds)] for i, pos in enumerate(bad_at)}

    out: list[dict[str, Any]] = []
    labels: list[Label] = []
    for i in range(orders):
        person, version = people.pick()
        country, currency, standard, reduced = LOCALES[person.locale]
        if country == "CH" and rnd.random() < 0.1:
            currency = "EUR"  # Swiss customers paying in euros
        rates = {"standard": standard, "reduced": reduced}
        features = set(person.features)
        if version.company:
            features.add("company")
        if version.address["street2"]:
            features.add("two_line_street")
        lines = []
        picks = rnd.sample(products, rnd.choice([1, 1, 2, 2, 3, 4]))
        third = rnd.random() < 0.04
        for j, (sku, name, price, is_reduced) in enumerate(picks):
            rate = rates["reduced" if is_reduced else "standard"]
            if third and j == len(picks) - 1:
                rate = THIRD_RATE[country]
            unit = _money(Decimal(price) * RETAIL_RATE[currency])
            lines.append({"sku": sku, "name": name, "quantity": rnd.choice([1, 1, 1, 2, 3, 5]),
                          "unit_price": str(unit), "tax_rate": rate})
        vat_rates = sorted({ln["tax_rate"] for ln in lines}, key=Decimal)
        if len(vat_rates) > 1:
            features.add("mixed_vat")
        if len(vat_rates) > 2:
            features.add("three_vat_rates")
        billing = dict(version.address)
        delivery = dict(billing)
        if rnd.random() < 0.15:  # to the office, to a neighbour, to the holiday flat
            delivery = people._address(person.locale, version.first_name, version.last_name,
                                       version.company if rnd.random() < 0.5 else "")
            features.add("separate_delivery")
        if currency != "EUR":
            features.add(f"currency_{currency}")
        ordered = start - timedelta(days=rnd.randint(1, 20), minutes=rnd.randint(0, 1439))
        order = {"number": f"{prefix}{100001 + i}", "ordered_at": ordered.isoformat(),
                 "currency": currency, "shipping": str(SHIPPING[currency]),
                 "customer": {"email": person.email, "first_name": version.first_name,
                              "last_name": version.last_name, "phone": version.phone,
                              "company": version.company, "number": f"K{person.id[1:]}"},
                 "billing": billing, "delivery": delivery, "lines": lines}
        label = Label(order["number"], 0, person.id, person.household, country, currency,
                      vat_rates, sorted(features), email=person.email,
                      first_name=version.first_name, last_name=version.last_name,
                      phone=version.phone, company=version.company)
        if i in bad_kind:
            _spoil(order, label, bad_kind[i], out, rnd)
        out.append(order)
        labels.append(label)
    data = Dataset(out, labels, catalogue_rows(suppliers, products), fmt)
    _number_rows(data)
    return data


def _spoil(order: dict[str, Any], label: Label, kind: str, earlier: list[dict[str, Any]],
           rnd: random.Random) -> None:
    """Give an order one defect of `kind`, the way real exports get it wrong."""
    code, field_name, _formats = BAD_KINDS[kind]
    label.bad, label.code, label.field = kind, code, field_name
    line = order["lines"][0]
    if kind == "missing_city":
        order["billing"]["city"] = ""
        order["delivery"] = dict(order["billing"])
    elif kind == "missing_last_name":
        order["customer"]["last_name"] = ""
    elif kind == "bad_email":
        order["customer"]["email"] = order["customer"]["email"].replace("@", " at ")
    elif kind == "bad_country":
        wrong = {"GB": "UK", "DE": "DEU", "CH": "Schweiz"}.get(order["billing"]["country"], "XX")
        order["billing"]["country"] = wrong
        order["delivery"] = dict(order["billing"])
    elif kind == "comma_price":
        line["unit_price"] = line["unit_price"].replace(".", ",")
    elif kind == "word_quantity":
        line["quantity"] = "zwei"
    elif kind == "zero_quantity":
        line["quantity"] = 0
    elif kind == "tax_119":
        line["tax_rate"] = "119"  # the gross factor typed as a rate
    elif kind == "currency_word":
        order["currency"] = "EURO"
    elif kind == "street_too_long":
        order["billing"]["street"] = (order["billing"]["street"] + " — bitte beim Nachbarn "
                                      "abgeben, falls niemand zu Hause ist. " * 6)[:300]
        order["delivery"] = dict(order["billing"])
    elif kind == "german_date":
        order["ordered_at"] = datetime.fromisoformat(order["ordered_at"]).strftime("%d.%m.%Y")
    elif kind == "street_line_break":
        billing = order["billing"]
        billing["street"] = billing["street"] + "\n" + (billing["street2"] or "Hinterhaus")
        billing["street2"] = ""
        order["delivery"] = dict(billing)
    elif kind == "total_off":
        order["total"] = "0.01"  # a stated total that the lines cannot make
    elif kind == "future_date":
        order["ordered_at"] = (datetime.fromisoformat(order["ordered_at"])
                               + timedelta(days=400)).isoformat()
    elif kind == "no_postcode":
        order["billing"]["country"] = "DE"
        order["billing"]["postcode"] = ""
        order["delivery"] = dict(order["billing"])
    elif kind == "duplicate":
        first = next((o for o in reversed(earlier) if "_defect" not in o), None)
        if first is not None:
            order.clear()
            order.update(json.loads(json.dumps(first)))
            label.number = first["number"]
    # file-level defects are applied when the file is written
    order["_defect"] = kind


# --- files -----------------------------------------------------------------------------------
def _clean(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if not k.startswith("_")}


def _jsonl_lines(data: Dataset) -> list[bytes]:
    lines = []
    for order in data.orders:
        text = json.dumps(_clean(order), ensure_ascii=False)
        kind = order.get("_defect")
        if kind == "json_broken":
            lines.append(text[: len(text) // 2].encode("utf-8"))  # an export cut short
        elif kind == "latin1":
            lines.append(_latin1(text, order["customer"]["first_name"]))
        else:
            lines.append(text.encode("utf-8"))
    return lines


def _latin1(text: str, name: str) -> bytes:
    """The row as an old export writes it: Latin-1 (with a Latin-1 letter for sure)."""
    if not any(128 <= ord(ch) < 256 for ch in text):
        text = text.replace(name, "Jö" + name)  # on every row of the order
    return text.encode("latin-1", errors="replace")


def _jsonl(data: Dataset) -> bytes:
    return b"".join(line + b"\n" for line in _jsonl_lines(data))


def _csv_records(order: dict[str, Any]) -> list[dict[str, str]]:
    from orderexchange.importer import CSV_COLUMNS  # the import's own column list

    head = {"order_number": order["number"], "ordered_at": order["ordered_at"],
            "currency": order["currency"], "shipping": order["shipping"],
            "total": order.get("total", "")}
    head.update({k if k != "number" else "customer_number": v
                 for k, v in order["customer"].items()})
    for kind in ("billing", "delivery"):
        head.update({f"{kind}_{k}": v for k, v in order[kind].items()})
    rows = [{c: str({**head, **line}.get(c, "")) for c in CSV_COLUMNS} for line in order["lines"]]
    return rows


def _csv(data: Dataset) -> bytes:
    from orderexchange.importer import CSV_COLUMNS

    groups = [[_csv_records(_clean(o)), o.get("_defect"), o] for o in data.orders]
    for i, (rows, kind, _o) in enumerate(groups):
        if kind == "csv_row_differs":
            rows.append(dict(rows[0], billing_city=rows[0]["billing_city"] + " Süd",
                             sku=PRODUCTS[0][0]))
        elif kind == "csv_rows_apart" and i > 0:
            # the order's rows are split around the previous order
            groups[i - 1][0] = [*rows[:1], *groups[i - 1][0]]
            rows[:] = rows[1:] or rows[:1]
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    body = out.getvalue().encode("utf-8")
    for rows, kind, order in groups:
        buf = io.StringIO()
        csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n").writerows(rows)
        text = buf.getvalue()
        body += _latin1(text, order["customer"]["first_name"]) if kind == "latin1" \
            else text.encode("utf-8")
    return body


def _number_rows(data: Dataset) -> None:
    """Fill `Label.row` with the row the import reports for each order."""
    if data.fmt == "jsonl":
        for row, label in enumerate(data.labels, start=1):
            label.row = row
        return
    # CSV: rows as the importer counts them (the csv reader's line number: the header is row 1,
    # a quoted line break makes a record end one line further); a split order is reported at
    # the second run of its rows, an order with a differing row at that row (its last)
    text = data.file_bytes().decode("utf-8", errors="surrogateescape")
    runs: dict[str, list[list[int]]] = {}
    previous = None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for rec in reader:
        number = rec["order_number"]
        if number != previous:
            runs.setdefault(number, []).append([])
        runs[number][-1].append(reader.line_num)
        previous = number
    for label, order in zip(data.labels, data.orders, strict=True):
        mine = runs[label.number]
        if order.get("_defect") == "csv_rows_apart":
            label.row = mine[-1][0]
        elif order.get("_defect") == "csv_row_differs":
            label.row = mine[0][-1]
        else:
            label.row = mine[0][0]


# --- command ---------------------------------------------------------------------------------
def _supplier(text: str) -> tuple[str, list[str]]:
    name, _, skus = text.partition("=")
    if not name or not skus:
        raise argparse.ArgumentTypeError("write SUPPLIER=SKU1,SKU2")
    return name, [s for s in skus.split(",") if s]


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for orders.*, catalogue.csv, labels.jsonl")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--bad-share", type=float, default=0.09)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--supplier", type=_supplier, action="append",
                        help="SUPPLIER=SKU1,SKU2 (repeatable; default alpha=A-100,A-200)")
    parser.add_argument("--today", type=date.fromisoformat,
                        help="date the order dates are counted back from (default: today)")
    parser.add_argument("--prefix", default="R", help="order number prefix")
    args = parser.parse_args(list(argv) if argv is not None else None)
    data = generate(args.orders, args.seed, args.bad_share, args.format,
                    dict(args.supplier) if args.supplier else None, args.today, args.prefix)
    paths = data.write(args.out)
    bad = len(data.bad())
    print(f"{len(data.orders)} orders ({bad} bad) → {paths['orders']}; "
          f"{len(data.catalogue)} catalogue rows → {paths['catalogue']}; "
          f"labels → {paths['labels']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
