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

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, SelfTestReport,
)
from orderexchange.errors import OXError
from orderexchange.model import Address, Finding, SupplierOrder, Transfer, money

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
    "products": ("products_id", "products_model", "products_status", "products_quantity"),
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


class OsCommerceConnector(Connector):
    type_name = "oscommerce"
    settings_schema = OsCommerceSettings
    settings: OsCommerceSettings

    def __init__(self, supplier: Any, settings: OsCommerceSettings) -> None:
        super().__init__(supplier, settings)
        self.db = ShopDatabase(supplier)
        self._reference: dict[str, dict[str, Any]] = {}
        self._reference_for: int | None = None

    # -- connection -------------------------------------------------------------------------
    def t(self, name: str) -> str:
        """Prefixed table name; the prefix is validated to [A-Za-z0-9_] so it is safe in SQL."""
        return self.settings.table_prefix + name

    def open(self) -> None:
        self.db.open()

    def close(self) -> None:
        self.db.close()
        self._reference_for = None

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
        except OXError as exc:
            report.add(exc.code, False, f"{exc.message} — {exc.solution}")
        except SQLAlchemyError as exc:
            err = coded(exc, self.supplier)
            report.add(err.code, False, f"{err.message} — {err.solution}")
        finally:
            self.close()
        return report

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

        def err(code: str, order: str, **facts: Any) -> None:
            out.append(Finding.from_error(OXError(code, order=order, supplier=sid, **facts),
                                          order=order))

        missing = self.db.missing({self.t(k): v for k, v in REQUIRED.items()})
        if missing:
            table = missing[0].split(".")[0]
            return [Finding.from_error(OXError("OX-DB-003", supplier=sid, table=table,
                                               detail="lacks " + ", ".join(missing)))]
        if not self._q(f"SELECT 1 FROM {self.t('orders_status')} WHERE orders_status_id = :s "
                       "AND language_id = :l", s=self.settings.order_status_id,
                       l=self.settings.language_id).first():
            err("OX-CHK-009", "-", value=self.settings.order_status_id)
        products = self._products({sl.supplier_sku for t in so.transfers for sl in t.lines})
        countries = self._countries({a.country for t in so.transfers
                                     for a in (t.customer_order.billing, t.customer_order.delivery)})
        currencies = self._currencies({t.customer_order.currency for t in so.transfers})
        lengths = {table: self.db.columns(self.t(table))
                   for table in ("orders", "customers", "address_book")}
        known = self._known_emails({t.customer_order.customer.email for t in so.transfers})
        for t in so.transfers:
            co = t.customer_order
            if co.currency not in currencies:
                err("OX-CHK-010", co.number, value=co.currency)
            for kind, addr in (("billing", co.billing), ("delivery", co.delivery)):
                if addr.country not in countries:
                    err("OX-CHK-004", co.number, field=kind, value=addr.country)
            texts = {("orders", k): v for k, v in self._order_texts(co).items()}
            if co.customer.email.lower() not in known:  # `_customer` will create this customer
                texts.update({(table, k): v for table, values in self._customer_texts(co).items()
                              for k, v in values.items()})
            for (table, column), value in texts.items():
                limit = lengths[table].get(column)
                if limit and len(value) > limit:
                    err("OX-CHK-007", co.number, field=f"{table}.{column}", length=len(value),
                        limit=limit)
            for sl in t.lines:
                found = products.get(sl.supplier_sku)
                if found is None or not found["status"]:
                    err("OX-CHK-006", co.number, line=sl.line.line_no, sku=sl.supplier_sku)
                elif not found["name"]:
                    # no name in the shop's language: our line name is written instead; it must fit
                    limit = self.db.columns(self.t("orders_products")).get("products_name")
                    if limit and len(sl.line.name) > limit:
                        err("OX-CHK-007", co.number, field="orders_products.products_name",
                            length=len(sl.line.name), limit=limit)
        return out

    def _products(self, skus: set[str]) -> dict[str, dict[str, Any]]:
        if not skus:
            return {}
        rows = self._q(
            f"SELECT p.products_id, p.products_model, p.products_status, pd.products_name "
            f"FROM {self.t('products')} p LEFT JOIN {self.t('products_description')} pd "
            f"ON pd.products_id = p.products_id AND pd.language_id = :lang "
            f"WHERE p.products_model IN :skus",
            lang=self.settings.language_id, skus=_expanding(skus))
        result: dict[str, dict[str, Any]] = {}
        for r in rows:
            # an active product wins over an inactive duplicate of the same model number
            if r.products_model not in result or r.products_status:
                result[r.products_model] = {"id": r.products_id, "status": int(r.products_status),
                                            "name": r.products_name or ""}
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

    def _known_emails(self, emails: set[str]) -> set[str]:
        """The (lower-cased) emails that already name a customer in the shop."""
        rows = self._q(f"SELECT customers_email_address FROM {self.t('customers')} "
                       f"WHERE LOWER(customers_email_address) IN :emails",
                       emails=_expanding({e.lower() for e in emails}))
        return {r.customers_email_address.lower() for r in rows}

    @staticmethod
    def _customer_texts(co: Any) -> dict[str, dict[str, str]]:
        """What `_customer` writes for a new customer, by table (their columns may be shorter)."""
        c, b = co.customer, co.billing
        return {"customers": {"customers_firstname": c.first_name,
                              "customers_lastname": c.last_name,
                              "customers_email_address": c.email,
                              "customers_telephone": c.phone},
                "address_book": {"entry_company": b.company, "entry_firstname": b.first_name,
                                 "entry_lastname": b.last_name, "entry_street_address": b.street,
                                 "entry_suburb": b.street2, "entry_postcode": b.postcode,
                                 "entry_city": b.city, "entry_state": b.state}}

    @staticmethod
    def _order_texts(co: Any) -> dict[str, str]:
        c, b, d = co.customer, co.billing, co.delivery
        texts = {"customers_name": f"{c.first_name} {c.last_name}",
                 "customers_email_address": c.email, "customers_telephone": c.phone}
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
        customer_id, created = self._customer(co.customer, co.billing, countries, now)

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

        values = {
            "customers_id": customer_id,
            "customers_name": f"{co.customer.first_name} {co.customer.last_name}",
            "customers_telephone": co.customer.phone,
            "customers_email_address": co.customer.email,
            **addr("customers", co.billing), **addr("delivery", co.delivery),
            **addr("billing", co.billing),
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

    def supplier_order_label(self, so: SupplierOrder) -> str:
        return f"supplier order {so.id}"

    def _customer(self, customer: Any, billing: Address, countries: dict[str, Any],
                  now: datetime) -> tuple[int, bool]:
        """The shop customer with this email (regular customer), else a new one."""
        collate = " COLLATE NOCASE" if self.db.dialect == "sqlite" else ""
        row = self._q(f"SELECT customers_id FROM {self.t('customers')} "
                      f"WHERE customers_email_address = :email{collate} "
                      f"ORDER BY customers_id LIMIT 1", email=customer.email).first()
        if row is not None:
            return int(row.customers_id), False
        customer_id = self._insert(self.t("customers"), {
            "customers_firstname": customer.first_name, "customers_lastname": customer.last_name,
            "customers_email_address": customer.email, "customers_telephone": customer.phone,
            "customers_default_address_id": 0,
            # empty password: the customer cannot log in until they reset it
            "customers_password": "", "customers_newsletter": "0"})
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
        return customer_id, True

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


def _expanding(values: set[str]) -> list[str]:
    """Values for an `IN :name` list; never empty (an empty IN list is invalid SQL in MySQL)."""
    return sorted(values) or [""]


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [OsCommerceConnector]
