"""`[suppliers.X]`: one supplier — its shop connector, customer policy, currencies, trigger and
what its notification email carries (`[suppliers.X.notification]`)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import ConfigDict, Field

from .base import _Strict, _as_list, _iso_country, _iso_currency
from .connections import DatabaseConfig


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class CustomerTemplate(_Strict):
    """`[suppliers.X.customer_template]`: what a customer created in that shop starts with.

    Like a point-of-sale default customer: new customers inherit group, language and currency,
    and never get marketing consent they did not give in the supplier's shop.
    """

    newsletter: bool = False
    #: customer group / status id in the supplier shop (connector maps it to its column)
    group: int | str | None = None
    language: str | None = None
    currency: str | None = None
    #: further literal column values for the shop's customer table, e.g. {customers_gender = "d"}
    columns: dict[str, str | int] = Field(default_factory=dict)

    @pydantic.field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return None if value is None else _iso_currency(value)

    @pydantic.field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str | int]) -> dict[str, str | int]:
        bad = [k for k in value if not _IDENTIFIER.match(k)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a column name (letters, digits, _)")
        return value


class NotificationConfig(_Strict):
    """`[suppliers.X.notification]`: what the supplier's email carries (docs/mail.md)."""

    #: order documents attached to each notification: csv, ubl, pdf, opentrans.
    #: Unset: none for shop connectors, ["pdf", "csv"] for the mail-only connector
    attachments: list[Literal["csv", "ubl", "pdf", "opentrans"]] | None = None
    #: further recipients of every email to this supplier (its `email` is the To address)
    cc: list[str] = Field(default_factory=list)
    #: Reply-To for this supplier (default: distributor.reply_to, else distributor.email)
    reply_to: str | None = None
    #: templates for this supplier only, searched before [mail] template_folder
    template_folder: Path | None = None
    #: one email a day listing every supplier order, instead of one email per supplier order
    digest: bool = False
    #: local time (HH:MM) the daemon sends the digest
    digest_at: str = Field(default="17:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    #: the distributor's customer number at this supplier (in the email and the documents)
    customer_number: str | None = None
    #: Peppol participant ids "scheme:value" (e.g. "0088:4000001000005") for the UBL Order;
    #: unset: the email addresses are used (scheme EM)
    peppol_buyer_id: str | None = Field(default=None, pattern=r"^[0-9A-Z]{2,4}:\S+$")
    peppol_seller_id: str | None = Field(default=None, pattern=r"^[0-9A-Z]{2,4}:\S+$")
    csv_delimiter: str = Field(default=";", min_length=1, max_length=1)
    csv_encoding: str = "utf-8"
    csv_decimal: Literal[".", ","] = "."
    #: CSV columns in this order; `orderexchange config check` lists the known names
    csv_columns: list[str] | None = None
    #: "auto" (a Unicode TTF font found on this machine, else Helvetica), "core" (Helvetica,
    #: characters outside Windows-1252 transliterated) or the path of a .ttf file
    pdf_font: str = "auto"

    @pydantic.field_validator("cc", mode="before")
    @classmethod
    def _cc(cls, value: Any) -> Any:
        import email_validator

        out = []
        for address in _as_list(value):
            try:
                email_validator.validate_email(address, check_deliverability=False)
            except email_validator.EmailNotValidError as exc:
                raise ValueError(f"{address!r} is not an email address: {exc}") from None
            out.append(address.strip())
        return out

    @pydantic.field_validator("csv_encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"{value!r} is not a known encoding (e.g. utf-8, cp1252)") from None

    @pydantic.field_validator("csv_columns")
    @classmethod
    def _columns(cls, value: list[str] | None) -> list[str] | None:
        from ..documents.csv_columns import CSV_COLUMNS

        if value is not None:
            unknown = [c for c in value if c not in CSV_COLUMNS]
            if unknown or not value:
                what = f"unknown column {unknown[0]!r}" if unknown else "no columns"
                raise ValueError(f"{what}; known: {', '.join(CSV_COLUMNS)}")
        return value


class SupplierConfig(_Strict):
    id: str = ""
    name: str
    email: str
    active: bool = True
    connector: str = "oscommerce"
    language: str = "en"
    shipping_cost: Decimal = Decimal("0")
    #: VAT rate (percent) on `shipping_cost`: in the shop's tax rows and totals and in the
    #: documents (German suppliers charge VAT on shipping; 0: untaxed)
    shipping_tax_rate: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    #: ISO 4217 currency of this supplier's purchase prices (catalogue rows without a `currency`
    #: column) and of `shipping_cost`; connectors convert them with the shop's own rates
    price_currency: str = "EUR"
    database: DatabaseConfig | None = None
    settings: dict[str, Any] = Field(default_factory=dict, alias="connector_settings")

    # -- step 1 rules (empty / zero / None = the rule is off) ----------------------------------
    #: currencies (ISO 4217) this supplier accepts; empty: any the shop knows
    currencies: list[str] = Field(default_factory=list)
    #: destination countries (ISO 3166-1 alpha-2) this supplier delivers to; empty: any
    countries: list[str] = Field(default_factory=list)
    #: minimum net purchase value of one supplier order; build holds lines back below it
    min_order_value: Decimal = Field(default=Decimal("0"), ge=0)
    #: customer-order statuses that release an order to this supplier, e.g. ["paid"]; empty: any
    trigger: list[str] = Field(default_factory=list)
    #: at most this many customer orders per supplier order; a build with more makes several
    #: (one notification email each stays readable and below mail servers' size limits)
    max_customer_orders: int = Field(default=500, ge=1)
    #: what a blocking step-1 finding of one customer order stops: "order" holds that order alone
    #: and sends the others; "supplier_order" stops the whole supplier order (all or nothing)
    hold_policy: Literal["order", "supplier_order"] = "order"
    #: warn about customer orders older than this many days (0: never)
    max_order_age_days: int = Field(default=30, ge=0)
    #: refuse lines the supplier shop has not enough stock for
    check_stock: bool = False
    #: allowed deviation (percent) of our purchase price from the shop's product price
    price_tolerance: Decimal | None = Field(default=None, ge=0)
    price_mismatch: Literal["warning", "error"] = "warning"

    # -- who the customer of an inserted order is ------------------------------------------------
    customer_policy: Literal["customer", "distributor", "guest"] = "customer"
    #: the distributor's own customer account in this shop (customer_policy = "distributor")
    distributor_customer_id: int | str | None = None
    #: the shop's pseudo customer for guest orders (customer_policy = "guest")
    guest_customer_id: int | str | None = None
    customer_template: CustomerTemplate = Field(default_factory=CustomerTemplate)
    #: put an order on a shop account found by phone / by first + last name and postcode, although
    #: its email differs (maybe another person). Off: the order gets a new shop customer and
    #: step 1 warns, naming the account (OX-CHK-040). Email and customer number always match.
    match_phone: bool = False
    match_name_postcode: bool = False
    #: customer matching by keys the shop indexes not (phone, name + postcode, a customer number
    #: without index; OpenCart 3.0's email) looks them up in our own directory of the shop's
    #: customers (orderexchange/store/key_directory.py), kept up to date by reading only the shop's
    #: new rows; an account whose phone, postcode or email was edited in the shop's admin is found
    #: by its new key once the directory is rebuilt by a full read, at most this many hours later.
    #: 0: no directory, every look-up reads all of the shop's customers (the cost grows with them)
    customer_directory_max_age_hours: float = Field(default=24, ge=0)
    #: update a matched shop customer's name, phone and default address from each order written
    #: onto the account (a later order wins). Off (the default): the account is never changed;
    #: each shop order carries its own customer and addresses. osCommerce family only.
    update_customer: bool = False
    #: the notification email: attachments, recipients, templates, digest
    notification: NotificationConfig = Field(default_factory=NotificationConfig)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @pydantic.field_validator("currencies", mode="before")
    @classmethod
    def _currencies(cls, value: Any) -> Any:
        return [_iso_currency(v) for v in _as_list(value)]

    @pydantic.field_validator("price_currency", mode="before")
    @classmethod
    def _price_currency(cls, value: Any) -> Any:
        return _iso_currency(str(value))

    @pydantic.field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value: Any) -> Any:
        return [_iso_country(v) for v in _as_list(value)]

    @pydantic.field_validator("trigger", mode="before")
    @classmethod
    def _trigger(cls, value: Any) -> Any:
        return [str(v).strip().casefold() for v in _as_list(value) if str(v).strip()]

    @pydantic.model_validator(mode="after")
    def _policy_needs_its_account(self) -> SupplierConfig:
        needed = {"distributor": "distributor_customer_id", "guest": "guest_customer_id"}
        key = needed.get(self.customer_policy)
        if key and getattr(self, key) in (None, ""):
            raise ValueError(f'customer_policy = "{self.customer_policy}" needs {key} '
                             f"(the customer id of that account in the supplier's shop)")
        return self

    def releases(self, shop_status: str) -> bool:
        """Whether a customer order with this status may go to this supplier (its trigger)."""
        return not self.trigger or shop_status.strip().casefold() in self.trigger
