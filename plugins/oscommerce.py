"""Connector for the osCommerce 2.x family (osCommerce, and the common core of its descendants).

Writes a customer order exactly as the shop's own checkout would: a customer (found by email, or
created with an address book entry and a `customers_info` row), the order with customer, billing
and delivery address, its lines, the four total rows the admin list needs (`ot_total` is what
makes an order visible there), and a first status-history row. The history comment starts with
`[<exchange reference>]`; `find_by_reference` looks for that prefix before every write, so a retry
after a crash never inserts the order twice. Everything for one customer order is one transaction.

Every NOT NULL column is filled explicitly: the shop's PHP runs with a lax SQL mode and leaves some
unset, we must work under strict mode too (SPEC §10).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, RemoteStatus, SelfTestReport,
)
from orderexchange.checks import normalise_phone
from orderexchange.errors import OXError
from orderexchange.model import (
    Address, CustomerOrder, Finding, SupplierOrder, Transfer, TransferState, money,
)

from .shop_sql import ShopDatabase, coded

__version__ = "0.1.0"

#: tables and columns this connector reads or writes; `test db` reports any that are missing
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customers_id", "customers_firstname", "customers_lastname",
                  "customers_email_address", "customers_default_address_id",
                  "customers_telephone", "customers_password", "customers_newsletter"),
    "customers_info": ("customers_info_id", "customers_info_number_of_logons",
                       "customers_info_date_account_created"),
    "address_book": ("address_book_id", "customers_id", "entry_company", "entry_firstname",
                     "entry_lastname", "entry_street_address", "entry_suburb", "entry_postcode",
                     "entry_city", "entry_state", "entry_country_id", "entry_zone_id"),
    "countries": ("countries_id", "countries_name", "countries_iso_code_2", "address_format_id"),
    "currencies": ("code", "symbol_left", "symbol_right", "decimal_point", "thousands_point",
                   "decimal_places", "value"),
    "products": ("products_id", "products_model", "products_status", "products_quantity",
                 "products_price"),
    "products_description": ("products_id", "language_id", "products_name"),
    "orders": ("orders_id", "customers_id", "customers_name", "customers_email_address",
               "delivery_name", "billing_name", "payment_method", "date_purchased",
               "orders_status", "currency", "currency_value"),
    "orders_products": ("orders_id", "products_id", "products_model", "products_name",
                        "products_price", "final_price", "products_tax", "products_quantity"),
    "orders_total": ("orders_id", "title", "text", "value", "class", "sort_order"),
    "orders_status": ("orders_status_id", "language_id", "orders_status_name"),
    "orders_status_history": ("orders_id", "orders_status_id", "date_added",
                              "customer_notified", "comments"),
}


_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


@dataclass
class Match:
    """Who the customer of one inserted order is in the shop, and by which key it was found."""

    key: str  # one of orderexchange.model.MATCH_KEYS
    customer_id: int | None = None  # None: a new customer will be created
    #: two different shop customers matched (first id, first key, second id, second key)
    conflict: tuple[int, str, int, str] | None = None


@dataclass
class Account:
    """A shop customer account used as the orders' customer (distributor policy)."""

    customer_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    address: Address
    country: dict[str, Any]


class OsCommerceSettings(ConnectorSettings):
    table_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_]*$")
    #: status of a new order (1 = Pending in a stock shop)
    order_status_id: int = 1
    #: language of product names and status names (1 = the shop's first language)
    language_id: int = 1
    payment_method: str = "Drop shipping via orderexchange"
    shipping_title: str = "Shipping:"
    subtotal_title: str = "Sub-Total:"
    tax_title: str = "Tax:"
    total_title: str = "Total:"
    #: column of the shop's `customers` table holding the customer number the supplier knows
    #: (stock osCommerce has none; e.g. modified's `customers_cid`). Unset: matching skips the
    #: customer number and goes on with phone, then name + postcode.
    customer_number_column: str | None = Field(default=None, pattern=_COLUMN)
    #: `customers` columns for the supplier's customer_template group / language / currency
    #: (stock osCommerce has none; descendants add e.g. `customers_status` for the group)
    group_column: str | None = Field(default=None, pattern=_COLUMN)
    language_column: str | None = Field(default=None, pattern=_COLUMN)
    currency_column: str | None = Field(default=None, pattern=_COLUMN)
    #: status `cancel` sets. Stock osCommerce ships no cancelled status: add one in the admin
    #: (Localisation > Orders Status) and name its id here; unset, `cancel` refuses (OX-WRT-003)
    cancelled_status_id: int | None = Field(default=None, gt=0)
    #: statuses from which `cancel` may cancel; unset: only the new-order status
    #: (`order_status_id`) — once the supplier moved an order on, cancelling is its business
    cancellable_status_ids: list[int] | None = None
    #: `orders` column holding a tracking number (stock osCommerce has none; add-ons add one)
    tracking_column: str | None = Field(default=None, pattern=_COLUMN)


class OsCommerceConnector(Connector):
    type_name = "oscommerce"
    settings_schema = OsCommerceSettings
    settings: OsCommerceSettings

    def __init__(self, supplier: Any, settings: OsCommerceSettings) -> None:
        super().__init__(supplier, settings)
        self.db = ShopDatabase(supplier)
        self._reference: dict[str, dict[str, Any]] = {}
        self._reference_for: int | None = None
        self._last_match: str | None = None
        #: order number → the customer match step 1 found in this batch
        self._plan: dict[str, Match] = {}

    # -- connection -------------------------------------------------------------------------
    def t(self, name: str) -> str:
        """Prefixed table name; the prefix is validated to [A-Za-z0-9_] so it is safe in SQL."""
        return self.settings.table_prefix + name

    def open(self) -> None:
        self.db.open()

    def close(self) -> None:
        self.db.close()
        self._reference_for = None
        self._plan = {}

    def _q(self, sql: str, **params: Any) -> Any:
        assert self.db.conn is not None
        stmt = sa.text(sql)
        lists = [k for k, v in params.items() if isinstance(v, list)]
        if lists:
            stmt = stmt.bindparams(*(sa.bindparam(k, expanding=True) for k in lists))
        return self.db.conn.execute(stmt, self.db.adapt(params))

    # -- self-test --------------------------------------------------------------------------
    def self_test(self) -> SelfTestReport:
        report = SelfTestReport(self.supplier.id)
        assert self.supplier.database is not None
        try:
            self.open()
            report.add("connect", True, self.supplier.database.where())
            report.server_version = self.db.server_version()
            report.add("server version", True, report.server_version)
            report.missing = self.db.missing({self.t(k): v for k, v in REQUIRED.items()})
            report.add("tables and columns", not report.missing,
                       "all present" if not report.missing
                       else "missing: " + ", ".join(report.missing))
            if not report.missing:
                found = self._q(
                    f"SELECT orders_status_name FROM {self.t('orders_status')} "
                    "WHERE orders_status_id = :s AND language_id = :l",
                    s=self.settings.order_status_id, l=self.settings.language_id).first()
                report.add("new-order status", found is not None,
                           f"{self.settings.order_status_id} = {found[0]}" if found else
                           f"status {self.settings.order_status_id} / language "
                           f"{self.settings.language_id} not in {self.t('orders_status')}")
                ok, detail = self._customer_stage()
                report.add("customers", ok, detail)
        except OXError as exc:
            report.add(exc.code, False, f"{exc.message} — {exc.solution}")
        except SQLAlchemyError as exc:
            err = coded(exc, self.supplier)
            report.add(err.code, False, f"{err.message} — {err.solution}")
        finally:
            self.close()
        return report

    def _customer_stage(self) -> tuple[bool, str]:
        """Self-test: the customer policy, its account, the matching keys, the template."""
        policy = self.supplier.customer_policy
        problems = [f"{self.t('customers')} lacks {c.split('.', 1)[1]}"
                    for c in self._missing_optional_columns()]
        problems += [f"customer_template.{k}: {d}" for k, d in self._template_problems()]
        if policy == "customer":
            keys = ["email", "number" if self.settings.customer_number_column else None, "phone",
                    "name+postcode"]
            detail = "new orders' customers are matched by " + ", ".join(k for k in keys if k)
            if not self.settings.customer_number_column:
                detail += " (customer number skipped: no customer_number_column)"
        else:
            setting = f"{policy}_customer_id"
            value = getattr(self.supplier, setting)
            account = self._account(value, need_address=policy == "distributor")
            if isinstance(account, str):
                problems.append(f"{setting} = {value}: {account}")
                detail = ""
            else:
                detail = (f"orders go to customer {account.customer_id} "
                          f"({account.first_name} {account.last_name}, {policy})")
        return not problems, "; ".join([detail] + problems if detail else problems)

    # -- step 1 -----------------------------------------------------------------------------
    def _end_read(self) -> None:
        """Close the implicit read transaction: a long-lived snapshot (InnoDB repeatable read)
        would hide orders written meanwhile, and `write` needs to begin its own transaction."""
        if self.db.conn is not None and self.db.conn.in_transaction():
            self.db.conn.rollback()

    def check(self, supplier_order: SupplierOrder) -> list[Finding]:
        try:
            return self._check(supplier_order)
        except SQLAlchemyError as exc:
            return [Finding.from_error(coded(exc, self.supplier))]
        finally:
            self._end_read()

    def _check(self, so: SupplierOrder) -> list[Finding]:
        out: list[Finding] = []
        sid = self.supplier.id

        def add(code: str, order: str | None, severity: str = "error", **facts: Any) -> None:
            out.append(Finding.from_error(OXError(code, order=order or "-", supplier=sid,
                                                  **facts), severity=severity, order=order))

        missing = self.db.missing({self.t(k): v for k, v in REQUIRED.items()})
        missing += self._missing_optional_columns()
        if missing:
            table = missing[0].split(".")[0]
            return [Finding.from_error(OXError("OX-DB-003", supplier=sid, table=table,
                                               detail="lacks " + ", ".join(missing)))]
        if not self._q(f"SELECT 1 FROM {self.t('orders_status')} WHERE orders_status_id = :s "
                       "AND language_id = :l", s=self.settings.order_status_id,
                       l=self.settings.language_id).first():
            add("OX-CHK-009", None, value=self.settings.order_status_id)
        template_problems = self._template_problems()
        for key, detail in template_problems:
            add("OX-CHK-032", None, key=key, detail=detail)
        account = None
        policy = self.supplier.customer_policy
        if policy in ("distributor", "guest"):
            setting = f"{policy}_customer_id"
            account_or_problem = self._account(getattr(self.supplier, setting),
                                               need_address=policy == "distributor")
            if isinstance(account_or_problem, str):
                add("OX-CHK-030", None, setting=setting, value=getattr(self.supplier, setting),
                    detail=account_or_problem)
                return out
            if policy == "distributor":
                account = account_or_problem
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        products = self._products({sl.supplier_sku for t in so.transfers for sl in t.lines})
        countries = self._countries({a.country for t in so.transfers
                                     for a in (t.customer_order.billing, t.customer_order.delivery)})
        currencies = self._currencies({t.customer_order.currency for t in so.transfers})
        lengths = {table: self.db.columns(self.t(table))
                   for table in ("orders", "customers", "address_book", "orders_products")}
        matches = self._match([t.customer_order for t in pending])
        self._plan = matches  # `_customer` builds on it instead of scanning the shop again
        already = self.find_by_references([t.reference for t in pending])
        needed: dict[str, Decimal] = defaultdict(Decimal)  # stock: cumulative per product
        for t in so.transfers:
            co = t.customer_order
            n = co.number
            if t.reference in already:
                add("OX-CHK-028", n, "warning", remote=already[t.reference].order_id,
                    reference=t.reference)
            if co.currency not in currencies:
                add("OX-CHK-010", n, value=co.currency)
            for kind, addr in (("billing", co.billing), ("delivery", co.delivery)):
                if addr.country not in countries:
                    add("OX-CHK-004", n, field=kind, value=addr.country)
            match = matches.get(n)
            if match is not None and t.state != TransferState.WRITTEN:
                t.customer_match = match.key
                if match.conflict:
                    first_id, first_key, second_id, second_key = match.conflict
                    add("OX-CHK-029", n, first_id=first_id, first_key=first_key,
                        second_id=second_id, second_key=second_key)
            texts = {("orders", k): v for k, v in self._order_texts(co, account).items()}
            if match is not None and match.key == "new":  # `_customer` will create this customer
                texts.update({(table, k): v for table, values in self._customer_texts(co).items()
                              for k, v in values.items()})
            for sl in t.lines:
                found = products.get(sl.supplier_sku)
                texts[("orders_products", f"products_model|{sl.line.line_no}")] = sl.supplier_sku
                if found is None or not found["status"]:
                    add("OX-CHK-006", n, line=sl.line.line_no, sku=sl.supplier_sku)
                    continue
                if not found["name"]:
                    # no name in the shop's language: our line name is written instead; it must fit
                    texts[("orders_products", f"products_name|{sl.line.line_no}")] = sl.line.name
                quantity = Decimal(sl.line.quantity)
                if quantity != quantity.to_integral_value():
                    add("OX-CHK-031", n, line=sl.line.line_no, value=sl.line.quantity,
                        unit=sl.line.unit)
                needed[sl.supplier_sku] += quantity
                if self.supplier.check_stock and needed[sl.supplier_sku] > found["stock"]:
                    add("OX-CHK-023", n, line=sl.line.line_no, sku=sl.supplier_sku,
                        needed=_plain(needed[sl.supplier_sku]), stock=found["stock"])
                tolerance = self.supplier.price_tolerance
                shop_price = found["price"]
                if tolerance is not None and shop_price:
                    deviation = abs(sl.purchase_price - shop_price) / shop_price * 100
                    if deviation > tolerance:
                        add("OX-CHK-024", n, self.supplier.price_mismatch, line=sl.line.line_no,
                            sku=sl.supplier_sku, price=f"{sl.purchase_price:.2f}",
                            shop_price=f"{shop_price:.2f}", deviation=f"{deviation:.1f}",
                            tolerance=f"{tolerance}")
            for (table, column), value in texts.items():
                column = column.split("|")[0]
                limit = lengths[table].get(column)
                if value and limit and len(value) > limit:
                    add("OX-CHK-007", n, field=f"{table}.{column}", length=len(value),
                        limit=limit)
        return out

    def _missing_optional_columns(self) -> list[str]:
        """Configured optional columns (customer number, template columns) the shop lacks."""
        have = self.db.columns(self.t("customers"))
        wanted = [c for c in (self.settings.customer_number_column, self.settings.group_column,
                              self.settings.language_column, self.settings.currency_column) if c]
        return [f"{self.t('customers')}.{c}" for c in wanted if c not in have]

    def _template_problems(self) -> list[tuple[str, str]]:
        """customer_template values this shop cannot store (no column for them)."""
        template = self.supplier.customer_template
        have = self.db.columns(self.t("customers"))
        problems = []
        for key, column in (("group", self.settings.group_column),
                            ("language", self.settings.language_column),
                            ("currency", self.settings.currency_column)):
            if getattr(template, key) is not None and not column:
                problems.append((key, f"osCommerce has no customer {key}; set {key}_column"))
        for column, value in template.columns.items():
            if column not in have:
                problems.append((f"columns.{column}",
                                 f"table {self.t('customers')} has no column {column}"))
            elif isinstance(value, str) and have[column] and len(value) > have[column]:
                problems.append((f"columns.{column}", f"{len(value)} characters, the column "
                                                      f"allows {have[column]}"))
        return problems

    # -- customers --------------------------------------------------------------------------
    def _account(self, customer_id: Any, need_address: bool) -> Account | str:
        """A configured shop account (distributor / guest pseudo customer), or what is wrong."""
        try:
            cid = int(customer_id)
        except (TypeError, ValueError):
            return "osCommerce customer ids are whole numbers"
        row = self._q(
            f"SELECT c.customers_id, c.customers_firstname, c.customers_lastname, "
            f"c.customers_email_address, c.customers_telephone, a.address_book_id, "
            f"a.entry_company, a.entry_firstname, a.entry_lastname, a.entry_street_address, "
            f"a.entry_suburb, a.entry_postcode, a.entry_city, a.entry_state, "
            f"k.countries_id, k.countries_name, k.countries_iso_code_2, k.address_format_id "
            f"FROM {self.t('customers')} c "
            f"LEFT JOIN {self.t('address_book')} a ON a.address_book_id = "
            f"c.customers_default_address_id AND a.customers_id = c.customers_id "
            f"LEFT JOIN {self.t('countries')} k ON k.countries_id = a.entry_country_id "
            f"WHERE c.customers_id = :c", c=cid).first()
        if row is None:
            return "no customer with this id in the shop"
        if need_address and row.address_book_id is None:
            return "the customer has no default address in the address book"
        if need_address and row.countries_id is None:
            return "the country of the customer's default address is not in the shop's list"
        address = Address(
            first_name=row.entry_firstname or row.customers_firstname,
            last_name=row.entry_lastname or row.customers_lastname,
            street=row.entry_street_address or "", postcode=row.entry_postcode or "",
            city=row.entry_city or "", country=row.countries_iso_code_2 or "",
            company=row.entry_company or "", street2=row.entry_suburb or "",
            state=row.entry_state or "")
        country = {"id": row.countries_id, "name": row.countries_name,
                   "format": row.address_format_id}
        return Account(cid, row.customers_firstname, row.customers_lastname,
                       row.customers_email_address, row.customers_telephone or "", address,
                       country)

    def _match(self, orders: list[CustomerOrder]) -> dict[str, Match]:
        """Order number → who its customer is in the shop, by the supplier's customer policy.

        Policy `customer` looks for the end customer by email, then by the customer number the
        supplier knows (only with `customer_number_column`), then by phone, then by first name +
        last name + postcode (any address-book entry). Two different shop customers found by
        any of these keys make the match ambiguous; no customer found means a new one.
        One query per key for the whole supplier order.
        """
        policy = self.supplier.customer_policy
        if policy != "customer":
            cid = int(getattr(self.supplier, f"{policy}_customer_id"))
            return {co.number: Match(policy, cid) for co in orders}
        found: dict[str, list[tuple[str, list[int]]]] = {co.number: [] for co in orders}

        def note(key: str, lookup: dict[Any, list[int]], value_of: Any) -> None:
            for co in orders:
                value = value_of(co)
                ids = lookup.get(value) if value else None
                if ids:
                    found[co.number].append((key, sorted(set(ids))))

        emails = {co.customer.email.lower() for co in orders if co.customer.email}
        by_email: dict[str, list[int]] = defaultdict(list)
        if emails:
            # MySQL compares with the column's case-insensitive collation and can use the index;
            # SQLite needs NOCASE spelled out
            email_col = ("customers_email_address COLLATE NOCASE" if self.db.dialect == "sqlite"
                         else "customers_email_address")
            for r in self._q(f"SELECT customers_id, customers_email_address AS v FROM "
                             f"{self.t('customers')} WHERE {email_col} IN :values",
                             values=sorted(emails)):
                by_email[r.v.lower()].append(int(r.customers_id))
        note("email", by_email, lambda co: co.customer.email.lower())

        column = self.settings.customer_number_column
        numbers = {co.customer.number for co in orders if co.customer.number}
        if column and numbers:
            by_number: dict[str, list[int]] = defaultdict(list)
            for r in self._q(f"SELECT customers_id, {column} AS v FROM {self.t('customers')} "
                             f"WHERE {column} IN :values", values=sorted(numbers)):
                by_number[str(r.v)].append(int(r.customers_id))
            note("number", by_number, lambda co: co.customer.number)

        phones = {co.number: normalise_phone(co.customer.phone, co.billing.country)
                  for co in orders}
        by_phone: dict[str, list[int]] = defaultdict(list)
        suffixes = {p[-6:] for p in phones.values() if p}
        if suffixes:
            regions = {co.billing.country for co in orders if phones[co.number]}
            digits = "customers_telephone"
            for char in (" ", "-", "/", "(", ")", ".", "+"):
                digits = f"REPLACE({digits}, '{char}', '')"
            for r in self._q(f"SELECT customers_id, customers_telephone AS v FROM "
                             f"{self.t('customers')} WHERE SUBSTR({digits}, -6) IN :values",
                             values=sorted(suffixes)):
                for region in regions:  # a shop number without prefix reads in the order's country
                    e164 = normalise_phone(r.v or "", region)
                    if e164 and int(r.customers_id) not in by_phone[e164]:
                        by_phone[e164].append(int(r.customers_id))
        note("phone", by_phone, lambda co: phones[co.number])

        def name_key(first: str, last: str, postcode: str) -> tuple[str, str, str]:
            return (first.strip().casefold(), last.strip().casefold(),
                    postcode.replace(" ", "").upper())

        postcodes = {co.billing.postcode.replace(" ", "").upper() for co in orders
                     if co.billing.postcode.strip()}
        by_name: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        if postcodes:
            for r in self._q(f"SELECT a.customers_id, a.entry_firstname, a.entry_lastname, "
                             f"a.entry_postcode FROM {self.t('address_book')} a "
                             f"JOIN {self.t('customers')} c ON c.customers_id = a.customers_id "
                             f"WHERE REPLACE(UPPER(a.entry_postcode), ' ', '') IN :values",
                             values=sorted(postcodes)):
                by_name[name_key(r.entry_firstname, r.entry_lastname, r.entry_postcode)].append(
                    int(r.customers_id))
        note("name+postcode", by_name, lambda co: name_key(
            co.customer.first_name, co.customer.last_name, co.billing.postcode)
            if co.billing.postcode.strip() else None)

        result: dict[str, Match] = {}
        for co in orders:
            hits = found[co.number]
            if not hits:
                result[co.number] = Match("new")
                continue
            key, ids = hits[0]
            match = Match(key, ids[0])
            if len(ids) > 1:
                match.conflict = (ids[0], key, ids[1], key)
            else:
                for other_key, other_ids in hits[1:]:
                    other = next((i for i in other_ids if i != ids[0]), None)
                    if other is not None:
                        match.conflict = (ids[0], key, other, other_key)
                        break
            result[co.number] = match
        return result

    def _products(self, skus: set[str]) -> dict[str, dict[str, Any]]:
        if not skus:
            return {}
        rows = self._q(
            f"SELECT p.products_id, p.products_model, p.products_status, p.products_quantity, "
            f"p.products_price, pd.products_name "
            f"FROM {self.t('products')} p LEFT JOIN {self.t('products_description')} pd "
            f"ON pd.products_id = p.products_id AND pd.language_id = :lang "
            f"WHERE p.products_model IN :skus",
            lang=self.settings.language_id, skus=_expanding(skus))
        result: dict[str, dict[str, Any]] = {}
        for r in rows:
            # an active product wins over an inactive duplicate of the same model number
            if r.products_model not in result or r.products_status:
                result[r.products_model] = {
                    "id": r.products_id, "status": int(r.products_status),
                    "name": r.products_name or "", "stock": int(r.products_quantity or 0),
                    "price": Decimal(str(r.products_price or 0))}
        return result

    def _countries(self, codes: set[str]) -> dict[str, dict[str, Any]]:
        rows = self._q(f"SELECT countries_id, countries_name, countries_iso_code_2, "
                       f"address_format_id FROM {self.t('countries')} "
                       f"WHERE countries_iso_code_2 IN :codes", codes=_expanding(codes))
        return {r.countries_iso_code_2: {"id": r.countries_id, "name": r.countries_name,
                                         "format": r.address_format_id} for r in rows}

    def _currencies(self, codes: set[str]) -> dict[str, dict[str, Any]]:
        rows = self._q(f"SELECT code, symbol_left, symbol_right, decimal_point, thousands_point, "
                       f"decimal_places, value FROM {self.t('currencies')} WHERE code IN :codes",
                       codes=_expanding(codes))
        return {r.code: dict(r._mapping) for r in rows}

    def _customer_texts(self, co: Any) -> dict[str, dict[str, str]]:
        """What `_new_customer` writes for a new customer, by table (their columns may be
        shorter than the order's)."""
        c, b = co.customer, co.billing
        customers = {"customers_firstname": c.first_name, "customers_lastname": c.last_name,
                     "customers_email_address": c.email, "customers_telephone": c.phone}
        if self.settings.customer_number_column and c.number:
            customers[self.settings.customer_number_column] = c.number
        return {"customers": customers,
                "address_book": {"entry_company": b.company, "entry_firstname": b.first_name,
                                 "entry_lastname": b.last_name, "entry_street_address": b.street,
                                 "entry_suburb": b.street2, "entry_postcode": b.postcode,
                                 "entry_city": b.city, "entry_state": b.state}}

    @staticmethod
    def _order_texts(co: Any, account: Account | None = None) -> dict[str, str]:
        """The text columns of `orders`: the customer (or the distributor's account, whose
        address is then also the billing address) and the delivery address."""
        c, b, d = co.customer, co.billing, co.delivery
        texts = {"customers_name": f"{c.first_name} {c.last_name}",
                 "customers_email_address": c.email, "customers_telephone": c.phone}
        if account is not None and account.address.street:
            b = account.address
            texts = {"customers_name": f"{account.first_name} {account.last_name}",
                     "customers_email_address": account.email,
                     "customers_telephone": account.phone}
        for prefix, addr in (("customers", b), ("billing", b), ("delivery", d)):
            if prefix != "customers":
                texts[f"{prefix}_name"] = addr.name
            texts.update({f"{prefix}_company": addr.company,
                          f"{prefix}_street_address": addr.street,
                          f"{prefix}_suburb": addr.street2, f"{prefix}_city": addr.city,
                          f"{prefix}_postcode": addr.postcode, f"{prefix}_state": addr.state})
        return texts

    # -- step 2 -----------------------------------------------------------------------------
    def find_by_reference(self, reference: str) -> RemoteOrder | None:
        return self.find_by_references([reference]).get(reference)

    def find_by_references(self, references: list[str]) -> dict[str, RemoteOrder]:
        """One pass over the status history for a whole supplier order.

        The shop has no column of ours to index, so the lookup compares the comment's prefix;
        doing it once per supplier order instead of once per customer order keeps it one scan.
        """
        found: dict[str, RemoteOrder] = {}
        by_length: dict[int, list[str]] = {}
        for ref in references:
            by_length.setdefault(len(_marker(ref)), []).append(_marker(ref))
        try:
            for length, markers in by_length.items():
                rows = self._q(
                    f"SELECT SUBSTR(h.comments, 1, {length}) AS marker, h.orders_id, "
                    f"o.customers_id FROM {self.t('orders_status_history')} h "
                    f"JOIN {self.t('orders')} o ON o.orders_id = h.orders_id "
                    f"WHERE SUBSTR(h.comments, 1, {length}) IN :markers ORDER BY h.orders_id",
                    markers=markers)
                for r in rows:
                    found.setdefault(r.marker[1:-1], RemoteOrder(str(r.orders_id),
                                                                 str(r.customers_id)))
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("orders_status_history")) from None
        finally:
            self._end_read()
        return found

    def write(self, supplier_order: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        assert self.db.conn is not None
        self._end_read()
        try:
            with self.db.conn.begin():
                return self._write(supplier_order, transfer)
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier) from None

    def _reference_data(self, so: SupplierOrder) -> dict[str, dict[str, Any]]:
        """Products, countries and currencies for a whole supplier order, read once at its first
        write (not reused from the check, which may be hours old)."""
        if self._reference_for != so.id:
            self._reference = {
                "products": self._products({sl.supplier_sku for t in so.transfers
                                            for sl in t.lines}),
                "countries": self._countries({a.country for t in so.transfers for a in
                                              (t.customer_order.billing, t.customer_order.delivery)}),
                "currencies": self._currencies({t.customer_order.currency for t in so.transfers}),
            }
            self._reference_for = so.id
        return self._reference

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        co = transfer.customer_order
        now = datetime.now().replace(microsecond=0)
        ref = self._reference_data(so)
        countries, products = ref["countries"], ref["products"]
        currency = ref["currencies"].get(co.currency)
        missing = [sl for sl in transfer.lines
                   if sl.supplier_sku not in products or not products[sl.supplier_sku]["status"]]
        if currency is None or missing or not {co.billing.country,
                                               co.delivery.country} <= set(countries):
            # the shop changed between check and write: refuse rather than write a broken order
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products, countries or currency changed since the check")
        customer_id, created, account = self._customer(co, countries, now)
        transfer.customer_match = self._last_match
        billing = co.billing
        if account is not None:  # blind drop-ship: the distributor buys, the end customer receives
            billing = account.address
            countries = dict(countries, **{billing.country: account.country})

        def addr(prefix: str, a: Address) -> dict[str, Any]:
            country = countries[a.country]
            values = {f"{prefix}_company": a.company or None, f"{prefix}_street_address": a.street,
                      f"{prefix}_suburb": a.street2 or None, f"{prefix}_city": a.city,
                      f"{prefix}_postcode": a.postcode, f"{prefix}_state": a.state or None,
                      f"{prefix}_country": country["name"],
                      f"{prefix}_address_format_id": country["format"]}
            if prefix != "customers":
                values[f"{prefix}_name"] = a.name
            return values

        person = {"customers_name": f"{co.customer.first_name} {co.customer.last_name}",
                  "customers_telephone": co.customer.phone,
                  "customers_email_address": co.customer.email}
        if account is not None:
            person = {"customers_name": f"{account.first_name} {account.last_name}",
                      "customers_telephone": account.phone,
                      "customers_email_address": account.email}
        values = {
            "customers_id": customer_id, **person,
            **addr("customers", billing), **addr("delivery", co.delivery),
            **addr("billing", billing),
            "payment_method": self.settings.payment_method,
            "cc_type": "", "cc_owner": "", "cc_number": "", "cc_expires": "",
            "last_modified": now, "date_purchased": now,
            "orders_status": self.settings.order_status_id, "currency": co.currency,
            "currency_value": Decimal(str(currency["value"] or 1)),
        }
        order_id = self._insert(self.t("orders"), values)
        self._insert_many(self.t("orders_products"), [
            {"orders_id": order_id, "products_id": products[sl.supplier_sku]["id"],
             "products_model": sl.supplier_sku,
             "products_name": products[sl.supplier_sku]["name"] or sl.line.name,
             "products_price": sl.purchase_price, "final_price": sl.purchase_price,
             "products_tax": sl.line.tax_rate, "products_quantity": sl.line.quantity}
            for sl in transfer.lines])
        shipping = money(self.supplier.shipping_cost)
        subtotal, tax = transfer.subtotal, transfer.tax
        total = subtotal + shipping + tax
        fmt = _CurrencyFormat(currency)
        self._insert_many(self.t("orders_total"), [
            {"orders_id": order_id, "title": title, "text": text, "value": value,
             "class": cls, "sort_order": sort}
            for title, text, value, cls, sort in (
                (self.settings.subtotal_title, fmt(subtotal), subtotal, "ot_subtotal", 1),
                (self.settings.shipping_title, fmt(shipping), shipping, "ot_shipping", 2),
                (self.settings.tax_title, fmt(tax), tax, "ot_tax", 3),
                (self.settings.total_title, f"<strong>{fmt(total)}</strong>", total,
                 "ot_total", 4))])
        self._insert(self.t("orders_status_history"), {
            "orders_id": order_id, "orders_status_id": self.settings.order_status_id,
            "date_added": now, "customer_notified": 0,
            "comments": f"{_marker(transfer.reference)} orderexchange: order {co.number} "
                        f"forwarded by {self.supplier_order_label(so)}"})
        return RemoteOrder(str(order_id), str(customer_id), created)

    # -- the way back: cancel and read-back ---------------------------------------------------
    def _order_ids(self, transfers: list[Transfer]) -> dict[str, int]:
        ids = {t.reference: int(t.remote_order_id) for t in transfers
               if t.remote_order_id and t.remote_order_id.isdigit()}
        unknown = [t.reference for t in transfers if t.reference not in ids]
        if unknown:
            ids.update({r: int(o.order_id) for r, o in self.find_by_references(unknown).items()})
        return ids

    def _status_names(self, ids: set[int]) -> dict[int, str]:
        rows = self._q(f"SELECT orders_status_id, orders_status_name FROM "
                       f"{self.t('orders_status')} WHERE language_id = :l AND "
                       f"orders_status_id IN :ids", l=self.settings.language_id,
                       ids=sorted(ids) or [0])
        return {int(r[0]): r[1] for r in rows}

    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """Status (by the shop's own name) of written orders, and the tracking number when
        `tracking_column` names one. An order the supplier deleted is absent from the result.

        The shipping date is the time of the first history row that set a status other than
        the new-order one (osCommerce keeps no shipping date of its own) — only when a tracking
        number is there, so a mere "Processing" does not count as shipped."""
        s = self.settings
        try:
            ids = self._order_ids(transfers)
            if not ids:
                return {}
            tracking = f", o.{s.tracking_column} AS tracking" if s.tracking_column else ""
            rows = {int(r.orders_id): r for r in self._q(
                f"SELECT o.orders_id, o.orders_status{tracking} FROM {self.t('orders')} o "
                f"WHERE o.orders_id IN :ids", ids=sorted(set(ids.values())))}
            names = self._status_names({int(r.orders_status) for r in rows.values()})
            moved: dict[int, datetime] = {}
            if s.tracking_column:
                for r in self._q(f"SELECT orders_id, MIN(date_added) AS at FROM "
                                 f"{self.t('orders_status_history')} WHERE orders_id IN :ids "
                                 f"AND orders_status_id <> :new GROUP BY orders_id",
                                 ids=sorted(rows) or [0], new=s.order_status_id):
                    moved[int(r.orders_id)] = r.at
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("orders")) from None
        finally:
            self._end_read()
        out = {}
        for reference, order_id in ids.items():
            row = rows.get(order_id)
            if row is None:
                continue
            status_id = int(row.orders_status)
            number = (getattr(row, "tracking", None) or None) if s.tracking_column else None
            at = moved.get(order_id) if number else None
            out[reference] = RemoteStatus(
                order_id=str(order_id), status=names.get(status_id) or f"status {status_id}",
                status_id=str(status_id), progressed=status_id != s.order_status_id,
                cancelled=s.cancelled_status_id is not None and status_id == s.cancelled_status_id,
                tracking_number=str(number) if number else None,
                shipped_at=(at if isinstance(at, str) else at.isoformat(sep=" ")) if at else None)
        return out

    def cancel(self, transfer: Transfer) -> None:
        """Set the cancelled status with a status-history row, as the admin does — only while
        the order is in one of `cancellable_status_ids`. Cancelling twice changes nothing."""
        s = self.settings
        co = transfer.customer_order
        if s.cancelled_status_id is None:
            raise OXError("OX-WRT-003", supplier=self.supplier.id, type=self.type_name,
                          action="cancel (no `cancelled_status_id` is set for its shop)",
                          order=co.number)
        allowed = s.cancellable_status_ids or [s.order_status_id]
        assert self.db.conn is not None
        try:
            order_id = self._order_ids([transfer]).get(transfer.reference)
            self._end_read()
            if not order_id:
                raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                              remote=transfer.remote_order_id or "?",
                              reference=transfer.reference)
            with self.db.conn.begin():
                row = self._q(f"SELECT orders_status FROM {self.t('orders')} "
                              f"WHERE orders_id = :o", o=order_id).first()
                if row is None:
                    raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                                  remote=order_id, reference=transfer.reference)
                status = int(row[0])
                if status == s.cancelled_status_id:
                    return
                refused = OXError(
                    "OX-WRT-004", order=co.number, supplier=self.supplier.id, remote=order_id,
                    status=f"{self._status_names({status}).get(status) or 'status'} ({status})",
                    allowed=", ".join(map(str, allowed)), setting="cancellable_status_ids")
                if status not in allowed:
                    raise refused
                now = datetime.now().replace(microsecond=0)
                # the status only changes if nobody changed it meanwhile (no row lock needed,
                # so the same code runs on SQLite shops)
                hit = self._q(f"UPDATE {self.t('orders')} SET orders_status = :new, "
                              f"last_modified = :now WHERE orders_id = :o AND "
                              f"orders_status = :old", new=s.cancelled_status_id, now=now,
                              o=order_id, old=status)
                if hit.rowcount != 1:
                    raise refused
                self._insert(self.t("orders_status_history"), {
                    "orders_id": order_id, "orders_status_id": s.cancelled_status_id,
                    "date_added": now, "customer_notified": 0,
                    "comments": f"orderexchange: cancelled by the distributor (customer order "
                                f"{co.number}, reference {transfer.reference})"})
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("orders")) from None

    def supplier_order_label(self, so: SupplierOrder) -> str:
        return f"supplier order {so.id}"

    def _customer(self, co: CustomerOrder, countries: dict[str, Any], now: datetime
                  ) -> tuple[int, bool, Account | None]:
        """The order's customer in the shop: (customer id, created, distributor account).

        Matched again inside the write's transaction (the check may be minutes old, and an
        earlier order of the same batch may have created this customer meanwhile).
        """
        policy = self.supplier.customer_policy
        if policy in ("distributor", "guest"):
            setting = f"{policy}_customer_id"
            account = self._account(getattr(self.supplier, setting),
                                    need_address=policy == "distributor")
            if isinstance(account, str):
                raise OXError("OX-CHK-030", supplier=self.supplier.id, setting=setting,
                              value=getattr(self.supplier, setting), detail=account)
            self._last_match = policy
            return account.customer_id, False, account if policy == "distributor" else None
        match = self._replan(co) or self._match([co])[co.number]
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:
            return match.customer_id, False, None
        return self._new_customer(co, countries, now), True, None

    def _replan(self, co: CustomerOrder) -> Match | None:
        """Confirm step 1's match with indexed look-ups only (the full match scans the customers
        table): a planned customer must still exist; for a planned new customer, only an
        earlier order of this same batch can have created it since, and it has this email."""
        planned = self._plan.get(co.number)
        if planned is None or planned.conflict is not None:
            return None
        if planned.customer_id is not None:
            still = self._q(f"SELECT 1 FROM {self.t('customers')} WHERE customers_id = :c",
                            c=planned.customer_id).first()
            return planned if still else None
        if planned.key != "new" or not co.customer.email:
            return None
        collate = " COLLATE NOCASE" if self.db.dialect == "sqlite" else ""
        row = self._q(f"SELECT customers_id FROM {self.t('customers')} "
                      f"WHERE customers_email_address{collate} = :e ORDER BY customers_id LIMIT 1",
                      e=co.customer.email).first()
        return Match("email", int(row.customers_id)) if row else planned

    def _new_customer(self, co: CustomerOrder, countries: dict[str, Any], now: datetime) -> int:
        """A customer from the supplier's customer template: an empty password (cannot log in
        until they reset it), no newsletter unless the template says so, the template's group,
        language and currency where the shop has columns for them."""
        customer, billing = co.customer, co.billing
        template = self.supplier.customer_template
        values: dict[str, Any] = {
            "customers_firstname": customer.first_name, "customers_lastname": customer.last_name,
            "customers_email_address": customer.email, "customers_telephone": customer.phone,
            "customers_default_address_id": 0,
            "customers_password": "", "customers_newsletter": "1" if template.newsletter else "0"}
        if self.settings.customer_number_column and customer.number:
            values[self.settings.customer_number_column] = customer.number
        for key in ("group", "language", "currency"):
            column = getattr(self.settings, f"{key}_column")
            if column and getattr(template, key) is not None:
                values[column] = getattr(template, key)
        values.update(template.columns)  # names validated as identifiers, checked in step 1
        customer_id = self._insert(self.t("customers"), values)
        address_id = self._insert(self.t("address_book"), {
            "customers_id": customer_id, "entry_company": billing.company or None,
            "entry_firstname": billing.first_name, "entry_lastname": billing.last_name,
            "entry_street_address": billing.street, "entry_suburb": billing.street2 or None,
            "entry_postcode": billing.postcode, "entry_city": billing.city,
            "entry_state": billing.state or None,
            "entry_country_id": countries[billing.country]["id"], "entry_zone_id": 0})
        self._q(f"UPDATE {self.t('customers')} SET customers_default_address_id = :a "
                f"WHERE customers_id = :c", a=address_id, c=customer_id)
        self._insert(self.t("customers_info"), {
            "customers_info_id": customer_id, "customers_info_number_of_logons": 0,
            "customers_info_date_account_created": now})
        return customer_id

    def _insert(self, table: str, values: dict[str, Any]) -> int:
        cols = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        result = self._q(f"INSERT INTO {table} ({cols}) VALUES ({marks})", **values)
        return int(result.lastrowid)

    def _insert_many(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        assert self.db.conn is not None
        self.db.conn.execute(
            sa.text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join(':' + c for c in cols)})"), [self.db.adapt(r) for r in rows])


class _CurrencyFormat:
    """The shop's own money text (symbols, separators, places) for the `orders_total.text` column."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.left = row.get("symbol_left") or ""
        self.right = row.get("symbol_right") or ""
        self.point = row.get("decimal_point") or "."
        self.thousands = row.get("thousands_point") or ""
        self.places = int(row.get("decimal_places") or 2)
        self.rate = Decimal(str(row.get("value") or 1))

    def __call__(self, amount: Decimal) -> str:
        value = (amount * self.rate).quantize(Decimal(1).scaleb(-self.places))
        text = f"{value:,.{self.places}f}".replace(",", "\0").replace(".", self.point)
        return f"{self.left}{text.replace(chr(0), self.thousands)}{self.right}"


def _marker(reference: str) -> str:
    return f"[{reference}]"


def _plain(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def _expanding(values: set[str]) -> list[str]:
    """Values for an `IN :name` list; never empty (an empty IN list is invalid SQL in MySQL)."""
    return sorted(values) or [""]


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [OsCommerceConnector]
