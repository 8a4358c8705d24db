"""Connector for Magento Open Source 2.4.

Writes a customer order as Magento's own order placement leaves it in the database (the tables
of the Sales, Customer, Store, Directory and SalesSequence modules, as their db_schema.xml
declare them; see docs/connectors/magento.md for the commits read):

- `sales_order` with the order's amounts in its own currency and in the shop's base currency
  (`base_*`, by the shop's rate `directory_currency_rate` base → order currency, kept in
  `base_to_order_rate`), its increment id taken from the store's sequence table
  (`sales_sequence_meta` → `sequence_order_<store>`, prefix / suffix / start / step from
  `sales_sequence_profile`, formatted as Magento's Sequence does: prefix, 9 digits, suffix);
- `sales_order_address` (billing and shipping), `sales_order_item` per line, `sales_order_tax`
  per VAT rate with its `sales_order_tax_item` rows, `sales_order_payment` (an offline payment
  method the shop has, `checkmo` by default: the admin's order view cannot render an unknown
  one), a `sales_order_status_history` comment;
- `sales_order_grid`: the admin's order list reads only this table. Magento fills it from the
  order by its grid indexer (Sales/etc/di.xml, virtual type Order\\Grid: the columns it copies
  and the address / name concatenations) right after the order is saved; we write the same row
  in the same transaction, so an order is listed exactly when it exists.

A new customer becomes a `customer_entity` of the store's website (no password: cannot log in
until they reset it) with its default address in `customer_address_entity` and its row in
`customer_grid_flat` (the admin's customer list). Guest orders (guest policy with
`guest_customer_id = 0`) are Magento's own guest checkout orders: no customer, group 0.

The reference: `sales_order.ext_order_id` (varchar 32, indexed as SALES_ORDER_EXT_ORDER_ID in
the stock schema), written in the order's first statement; the look-up is one index dive
whatever the shop's size, bounded by the highest entity id as `shop_floor` too.

Magento declares every table InnoDB: an order (and a chunk of orders) is one transaction, and
the shop shows nothing of it before the commit. A table found on another engine stops step 1.
A chunk is written table by table, not order by order: its new customers first, then its order
numbers, orders, addresses and every following row, each a multi-row INSERT (`_flush_tails`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, RemoteStatus, attempted,
)
from orderexchange.errors import OXError
from orderexchange.model import (
    Address, CustomerOrder, Finding, SupplierOrder, Transfer, TransferState,
)

from .shop_money import ShopRates, currency_findings, order_amounts, plain_rate
from .shop_sql import (
    CustomerMatch, Findings, OptionalTable, Product, SqlShopConnector, coded, match_by_email,
    missing_privileges, read_grants, stage_text,
)

__version__ = "0.1.0"

#: Magento's Sequence::DEFAULT_PATTERN "%s%'.09d%s": prefix, the number zero-padded to 9, suffix
NUMBER_DIGITS = 9
CONFIG_PATHS = ("currency/options/base", "currency/options/allow", "general/country/allow",
                "customer/create_account/default_group", "customer/account_share/scope",
                "dev/grid/async_indexing")
#: the states in which Magento's Order::canCancel allows a cancel at all
CANCELLABLE_STATES = ("new", "pending_payment", "processing")


class MagentoSettings(ConnectorSettings):
    #: the installation's table prefix ('db' → 'table_prefix' in app/etc/env.php)
    table_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_]*$")
    #: the store view orders are placed in (its website owns the customers)
    store_id: int = Field(default=1, ge=0)
    #: status of a new order; its state comes from sales_order_status_state
    order_status: str = "pending"
    #: the status `cancel` sets (state canceled)
    cancelled_status: str = "canceled"
    #: statuses from which `cancel` may cancel; later ones are the supplier's business
    cancellable_statuses: list[str] = Field(default_factory=lambda: ["pending", "processing"])
    #: an offline payment method the shop has (the order view renders the method's block)
    payment_method: str = "checkmo"
    payment_method_title: str = "Check / Money order"
    shipping_method: str = "flatrate_flatrate"
    shipping_description: str = "Drop shipping"
    #: group of new customers; unset: the shop's customer/create_account/default_group (1)
    customer_group_id: int | None = None


class MagentoConnector(SqlShopConnector):
    type_name = "magento"
    settings_schema = MagentoSettings
    settings: MagentoSettings

    def __init__(self, supplier: Any, settings: MagentoSettings) -> None:
        super().__init__(supplier, settings)
        self._store_row: dict[str, Any] | None = None
        self._config: dict[str, str] | None = None
        #: the store's order sequence, read once per connection (`sequence`); () = not yet
        self._sequence: dict[str, Any] | None | tuple[()] = ()
        #: the chunk being written (`write_batch`): customer matches, customers it created
        self._chunk: dict[str, Any] | None = None
        #: the rows that follow the orders written and not yet flushed (`_flush_tails`)
        self._tails: list[dict[str, Any]] = []
        #: the shop's reference data read once per connection (a send to one shop), not per
        #: supplier order: product attribute ids, currency rates, the status's state, the
        #: countries by code (`_cached`)
        self._shop_data: dict[str, Any] = {}

    def close(self) -> None:
        super().close()
        self._store_row = None
        self._config = None
        self._sequence = ()
        self._shop_data = {}

    def _cached(self, key: Any, read: Any) -> Any:
        """`read()` once per connection under `key` (`_shop_data`)."""
        if key not in self._shop_data:
            self._shop_data[key] = read()
        return self._shop_data[key]

    # -- the shop's own settings -------------------------------------------------------------
    def store(self) -> dict[str, Any]:
        """The configured store view with its website and group names ({} when missing)."""
        if self._store_row is None:
            if self.db.conn is None:
                return {}
            row = self.sql(
                f"SELECT s.store_id, s.website_id, s.name, s.is_active, g.name AS group_name, "
                f"w.name AS website_name FROM {self.qt('store')} s LEFT JOIN "
                f"{self.qt('store_group')} g ON g.group_id = s.group_id LEFT JOIN "
                f"{self.qt('store_website')} w ON w.website_id = s.website_id "
                f"WHERE s.store_id = :s", s=self.settings.store_id).first()
            self._store_row = dict(row._mapping) if row is not None else {}
        return self._store_row

    def config(self) -> dict[str, str]:
        """core_config_data values of CONFIG_PATHS, the store's scope over its website's over
        the default scope (as Magento's ScopeConfig resolves them)."""
        if self._config is None:
            if self.db.conn is None:
                return {}
            store = self.store()
            rank = {("default", 0): 0, ("websites", store.get("website_id", -1)): 1,
                    ("stores", self.settings.store_id): 2}
            best: dict[str, tuple[int, str]] = {}
            try:
                rows = self.sql(f"SELECT scope, scope_id, path, value FROM "
                                f"{self.qt('core_config_data')} WHERE path IN :paths",
                                paths=list(CONFIG_PATHS))
                for r in rows:
                    level = rank.get((r.scope, int(r.scope_id)))
                    if level is not None and (r.path not in best or best[r.path][0] < level):
                        best[r.path] = (level, r.value if r.value is not None else "")
            except SQLAlchemyError:
                return {}  # no table or no SELECT: the schema stages say so
            self._config = {path: value for path, (_level, value) in best.items()}
        return self._config

    def base_currency(self) -> str:
        return (self.config().get("currency/options/base") or "").strip().upper()

    def rates(self) -> ShopRates:
        """The base currency (rate 1) and every allowed currency with its rate from
        directory_currency_rate (base → currency); an allowed one without a rate has None.
        Read once per connection."""
        return self._cached("rates", self._read_rates)  # type: ignore[no-any-return]

    def _read_rates(self) -> ShopRates:
        base = self.base_currency()
        allowed = [c.strip().upper() for c in
                   (self.config().get("currency/options/allow") or base).split(",") if c.strip()]
        where = f"{self.t('directory_currency_rate')} ({self.t('core_config_data')} " \
                f"currency/options/allow)"
        if not base:
            return ShopRates.of([], where)
        found = {r.currency_to.upper(): r.rate for r in self.sql(
            f"SELECT currency_to, rate FROM {self.qt('directory_currency_rate')} "
            f"WHERE currency_from = :b AND currency_to IN :to", b=base, to=allowed)}
        pairs: list[tuple[str, Any]] = [(base, 1)]
        pairs += [(code, found.get(code)) for code in allowed if code != base]
        return ShopRates.of(pairs, where)

    def sequence(self) -> dict[str, Any] | None:
        """The store's order sequence: table, prefix, suffix, start value, step (None: none).

        Read once per connection (a send to one shop): the written tables, the lock and every
        chunk's numbering asked for it again, three round trips per chunk (issue 15)."""
        if self._sequence != () and self.db.conn is not None:
            return self._sequence  # type: ignore[return-value]
        row = self.sql(
            f"SELECT m.sequence_table, p.prefix, p.suffix, p.start_value, p.step FROM "
            f"{self.qt('sales_sequence_meta')} m JOIN {self.qt('sales_sequence_profile')} p ON "
            f"p.meta_id = m.meta_id AND p.is_active = 1 WHERE m.entity_type = 'order' AND "
            f"m.store_id = :s ORDER BY p.profile_id DESC LIMIT 1",
            s=self.settings.store_id).first()
        found = (None if row is None or not re.fullmatch(r"[A-Za-z0-9_]+",
                                                        row.sequence_table or "")
                 else dict(row._mapping))
        self._sequence = found
        return found

    def sequence_table(self) -> str:
        """The prefixed name of the store's sequence table (Magento keeps it prefixed in
        sales_sequence_meta); without a connection, the name a stock install gives it."""
        if self.db.conn is not None:
            try:
                found = self.sequence()
            except SQLAlchemyError:
                found = None
            finally:
                self.end_read()
            if found is not None:
                return str(found["sequence_table"])
        return self.t(f"sequence_order_{self.settings.store_id}")

    def group_id(self) -> int:
        """The customer group of new customers."""
        chosen = self.configured_group_id()
        if chosen is not None:
            return chosen
        try:
            return int(self.config().get("customer/create_account/default_group") or 1)
        except ValueError:
            return 1

    def state_of(self, status: str) -> str | None:
        """The order state a status belongs to (sales_order_status_state; the default one),
        read once per connection."""
        def read() -> str | None:
            row = self.sql(f"SELECT state FROM {self.qt('sales_order_status_state')} WHERE "
                           f"status = :s ORDER BY is_default DESC, state LIMIT 1",
                           s=status).first()
            return row[0] if row else None

        return self._cached(("state", status), read)  # type: ignore[no-any-return]

    # -- schema -----------------------------------------------------------------------------
    def required_columns(self) -> dict[str, dict[str, str]]:
        t, text, num = self.t, "text", "number"
        address = {"entity_id": "int", "parent_id": "int", "customer_address_id": "int",
                   "customer_id": "int", "firstname": text, "lastname": text, "company": text,
                   "street": text, "city": text, "region": text, "postcode": text,
                   "country_id": text, "telephone": text, "email": text, "address_type": text}
        return {
            t("store"): {"store_id": "int", "website_id": "int", "group_id": "int",
                         "name": text, "is_active": "int"},
            t("store_group"): {"group_id": "int", "name": text},
            t("store_website"): {"website_id": "int", "name": text},
            t("core_config_data"): {"scope": text, "scope_id": "int", "path": text,
                                    "value": text},
            t("directory_country"): {"country_id": text},
            t("directory_currency_rate"): {"currency_from": text, "currency_to": text,
                                           "rate": num},
            t("customer_group"): {"customer_group_id": "int", "customer_group_code": text},
            t("customer_entity"): {"entity_id": "int", "website_id": "int", "email": text,
                                   "group_id": "int", "store_id": "int", "firstname": text,
                                   "lastname": text, "default_billing": "int",
                                   "default_shipping": "int", "created_in": text},
            t("customer_address_entity"): {"entity_id": "int", "parent_id": "int",
                                           "firstname": text, "lastname": text, "street": text,
                                           "city": text, "postcode": text, "country_id": text,
                                           "telephone": text, "company": text},
            t("customer_grid_flat"): {"entity_id": "int", "name": text, "email": text,
                                      "group_id": "int", "website_id": "int",
                                      "billing_full": text, "billing_telephone": text},
            t("eav_entity_type"): {"entity_type_id": "int", "entity_type_code": text},
            t("eav_attribute"): {"attribute_id": "int", "entity_type_id": "int",
                                 "attribute_code": text},
            t("catalog_product_entity"): {"entity_id": "int", "sku": text, "type_id": text},
            t("catalog_product_entity_varchar"): {"entity_id": "int", "attribute_id": "int",
                                                  "store_id": "int", "value": text},
            t("catalog_product_entity_int"): {"entity_id": "int", "attribute_id": "int",
                                              "store_id": "int", "value": "int"},
            t("catalog_product_entity_decimal"): {"entity_id": "int", "attribute_id": "int",
                                                  "store_id": "int", "value": num},
            t("sales_sequence_meta"): {"entity_type": text, "store_id": "int",
                                       "sequence_table": text},
            t("sales_sequence_profile"): {"meta_id": "int", "prefix": text, "suffix": text,
                                          "start_value": "int", "step": "int",
                                          "is_active": "int"},
            t("sales_order_status"): {"status": text, "label": text},
            t("sales_order_status_state"): {"status": text, "state": text,
                                            "is_default": "int"},
            t("sales_order_status_label"): {"status": text, "store_id": "int", "label": text},
            t("sales_order"): {
                "entity_id": "int", "state": text, "status": text, "increment_id": text,
                "store_id": "int", "customer_id": "int", "ext_order_id": text,
                "grand_total": num, "base_grand_total": num, "subtotal": num,
                "tax_amount": num, "shipping_amount": num, "base_to_order_rate": num,
                "order_currency_code": text, "base_currency_code": text,
                "customer_email": text, "customer_firstname": text, "customer_lastname": text,
                "billing_address_id": "int", "shipping_address_id": "int",
                "customer_group_id": "int", "customer_is_guest": "int",
                "created_at": "datetime", "updated_at": "datetime"},
            t("sales_order_grid"): {
                "entity_id": "int", "status": text, "store_id": "int", "increment_id": text,
                "customer_id": "int", "grand_total": num, "base_grand_total": num,
                "order_currency_code": text, "billing_name": text, "shipping_name": text,
                "customer_name": text, "customer_email": text, "billing_address": text,
                "shipping_address": text, "payment_method": text, "created_at": "datetime"},
            t("sales_order_address"): address,
            t("sales_order_item"): {"item_id": "int", "order_id": "int", "product_id": "int",
                                    "sku": text, "name": text, "qty_ordered": num,
                                    "price": num, "base_price": num, "row_total": num,
                                    "base_row_total": num, "tax_amount": num,
                                    "tax_percent": num, "qty_canceled": num},
            t("sales_order_payment"): {"entity_id": "int", "parent_id": "int", "method": text,
                                       "amount_ordered": num, "base_amount_ordered": num,
                                       "additional_information": text},
            t("sales_order_status_history"): {"entity_id": "int", "parent_id": "int",
                                              "comment": text, "status": text,
                                              "entity_name": text},
            t("sales_order_tax"): {"tax_id": "int", "order_id": "int", "code": text,
                                   "percent": num, "amount": num, "base_amount": num},
            t("sales_order_tax_item"): {"tax_item_id": "int", "tax_id": "int",
                                        "item_id": "int", "amount": num,
                                        "taxable_item_type": text},
        }

    def _written(self) -> list[str]:
        return [self.t(n) for n in (
            "sales_order", "sales_order_grid", "sales_order_address", "sales_order_item",
            "sales_order_payment", "sales_order_status_history", "sales_order_tax",
            "sales_order_tax_item", "customer_entity", "customer_address_entity",
            "customer_grid_flat")] + [self.sequence_table()]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        for table in self._written():
            needed[table] = {"SELECT", "INSERT", "UPDATE"}  # addresses, cancel, grid
        for table in self.non_transactional(self._written()):
            needed[table].add("DELETE")  # the trial write removes its rows by key
        return needed

    def optional_tables(self) -> list[OptionalTable]:
        return [
            OptionalTable(self.t("sales_shipment_track"), frozenset({"SELECT"}),
                          "tracking read-back", "read-back shows no tracking numbers",
                          "read-back"),
            OptionalTable(self.t("cataloginventory_stock_item"), frozenset({"SELECT"}),
                          "stock check", "step 1 cannot compare quantities with the shop's "
                                         "stock (check_stock)", "send")]

    def detect_variant(self) -> tuple[bool, str]:
        store = self.store()
        if not store:
            return False, stage_text(OXError(
                "OX-DB-009", supplier=self.supplier.id, setting="store_id",
                value=self.settings.store_id, detail=f"not in {self.t('store')}"))
        base = self.base_currency()
        if not base:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="Magento",
                detail=f"no currency/options/base in {self.t('core_config_data')}"))
        sequence = self.sequence()
        if sequence is None or not self.table(str(sequence["sequence_table"])).exists:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="Magento",
                detail=f"store {self.settings.store_id} has no order sequence "
                       f"(sales_sequence_meta / its sequence_order table)"))
        plain = self.non_transactional(self._written())
        self.end_read()
        if plain:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="Magento",
                detail=f"{', '.join(plain)} not InnoDB (Magento 2 declares every table "
                       f"InnoDB)"))
        asynchronous = self.config().get("dev/grid/async_indexing") == "1"
        grid = ("grid indexing asynchronous: orders are written to sales_order_grid at once "
                "anyway" if asynchronous else "sales_order_grid written with each order")
        return True, (f"Magento 2.4, store {store['store_id']} '{store['name']}' of website "
                      f"{store['website_id']} '{store.get('website_name') or ''}', base "
                      f"currency {base}, order numbers from {sequence['sequence_table']}, "
                      f"{grid}, table prefix {self.settings.table_prefix!r}")

    # -- reference data ---------------------------------------------------------------------
    def _attributes(self) -> dict[str, int]:
        """The product attributes' ids (name, status, price, weight), once per connection."""
        def read() -> dict[str, int]:
            rows = self.sql(
                f"SELECT a.attribute_code, a.attribute_id FROM {self.qt('eav_attribute')} a "
                f"JOIN {self.qt('eav_entity_type')} e ON e.entity_type_id = a.entity_type_id "
                f"WHERE e.entity_type_code = 'catalog_product' AND a.attribute_code IN "
                f"('name', 'status', 'price', 'weight')")
            return {r.attribute_code: int(r.attribute_id) for r in rows}

        return self._cached("attributes", read)  # type: ignore[no-any-return]

    def _products(self, skus: Iterable[str]) -> dict[str, Product]:
        """Products by SKU (catalog_product_entity's indexed `sku`), their name, status and
        price from the default scope and the store's own values (the store's win); enabled
        is status 1. Stock from cataloginventory_stock_item where the user may read it."""
        skus = sorted(set(skus))
        if not skus:
            return {}
        attr = self._attributes()
        out: dict[str, Product] = {}
        rows = list(self.sql(
            f"SELECT e.entity_id, e.sku, e.type_id FROM {self.qt('catalog_product_entity')} e "
            f"WHERE e.sku IN :skus ORDER BY e.entity_id", skus=skus))
        ids = [int(r.entity_id) for r in rows]
        values: dict[tuple[int, str], Any] = {}
        # the three value tables in one statement (one round trip, three before); the values
        # come back as text (UNION's common type) and are read as such below
        parts, params = [], {}
        for kind, codes in (("varchar", ("name",)), ("int", ("status",)),
                            ("decimal", ("price", "weight"))):
            wanted = [attr[c] for c in codes if c in attr]
            if not wanted or not ids:
                continue
            parts.append(f"SELECT entity_id, attribute_id, store_id, CAST(value AS CHAR) AS "
                         f"value FROM {self.qt('catalog_product_entity_' + kind)} WHERE "
                         f"entity_id IN :ids AND attribute_id IN :{kind} AND store_id IN "
                         f":stores")
            params[kind] = wanted
        code_of = {i: c for c, i in attr.items()}
        if parts:
            for r in self.sql(" UNION ALL ".join(parts) + " ORDER BY store_id", ids=ids,
                              stores=[0, self.settings.store_id], **params):
                values[(int(r.entity_id), code_of[int(r.attribute_id)])] = r.value
        stock: dict[int, tuple[Decimal, bool]] = {}
        if ids and self._may_read(self.t("cataloginventory_stock_item")):
            for r in self.sql(f"SELECT product_id, qty, is_in_stock, manage_stock, "
                              f"use_config_manage_stock FROM "
                              f"{self.qt('cataloginventory_stock_item')} WHERE product_id IN "
                              f":ids AND stock_id = 1", ids=ids):
                managed = bool(r.use_config_manage_stock) or bool(r.manage_stock)
                qty = Decimal(str(r.qty or 0)) if managed else Decimal("Infinity")
                stock[int(r.product_id)] = (qty if r.is_in_stock or not managed
                                            else Decimal("0"), True)
        for r in rows:
            pid = int(r.entity_id)
            active = str(values.get((pid, "status"))) == "1"
            if r.sku in out and not active:
                continue
            out[r.sku] = Product(pid, r.sku, active, values.get((pid, "name")) or r.sku,
                                 stock.get(pid, (Decimal("Infinity"), False))[0],
                                 Decimal(str(values.get((pid, "price")) or 0)),
                                 {"type_id": r.type_id,
                                  "weight": Decimal(str(values.get((pid, "weight")) or 0))})
        return out

    def _may_read(self, table: str) -> bool:
        """The table exists and the user may SELECT it (its grants read once per connection,
        inside a write's transaction too: nothing here ends it)."""
        if not self.table(table).exists:
            return False
        if self.db.dialect == "sqlite":
            return True
        if self._grants is None:
            self._grants = read_grants(self.conn)
        return not missing_privileges(self._grants, self.database_name(), {table: {"SELECT"}})

    def _countries(self, wanted: Iterable[str]) -> set[str]:
        """Those of `wanted` in directory_country and in general/country/allow (if set); each
        code asked of the shop once per connection."""
        known: dict[str, bool] = self._shop_data.setdefault("countries", {})
        todo = sorted(set(wanted) - set(known))
        if todo:
            found = {r[0] for r in self.sql(
                f"SELECT country_id FROM {self.qt('directory_country')} WHERE country_id IN :c",
                c=todo)}
            known.update({code: code in found for code in todo})
        have = {code for code in set(wanted) if known[code]}
        allow = self.config().get("general/country/allow")
        if allow:
            have &= {c.strip().upper() for c in allow.split(",")}
        return have

    def _refdata(self, so: SupplierOrder, fresh: bool = False) -> dict[str, Any]:
        if fresh or self._ref_for != so.id:
            skus = {sl.supplier_sku for t in so.transfers for sl in t.lines}
            self._ref = {"products": self._products(skus), "rates": self.rates(),
                         "store": self.store(), "base": self.base_currency(),
                         "state": self.state_of(self.settings.order_status),
                         "group": self.group_id()}
            self._ref_for = so.id
        return self._ref

    # -- customers --------------------------------------------------------------------------
    def _website_filter(self) -> tuple[str, dict[str, Any]]:
        """Customer accounts are per website unless customer/account_share/scope is 0."""
        if self.config().get("customer/account_share/scope") == "0":
            return "", {}
        return " AND website_id = :w", {"w": self.store().get("website_id", 1)}

    def _account(self, customer_id: Any) -> dict[str, Any] | str:
        try:
            cid = int(customer_id)
        except (TypeError, ValueError):
            return "Magento customer ids are whole numbers"
        row = self.sql(
            f"SELECT c.entity_id, c.email, c.firstname, c.lastname, c.group_id, a.entity_id AS "
            f"address_id, a.firstname AS a_first, a.lastname AS a_last, a.company, a.street, "
            f"a.postcode, a.city, a.country_id, a.region, a.telephone FROM "
            f"{self.qt('customer_entity')} c LEFT JOIN {self.qt('customer_address_entity')} a "
            f"ON a.entity_id = c.default_billing WHERE c.entity_id = :c", c=cid).first()
        if row is None:
            return "no customer_entity with this id"
        street, _, street2 = (row.street or "").partition("\n")
        address = Address(row.a_first or row.firstname or "", row.a_last or row.lastname or "",
                          street, row.postcode or "", row.city or "", row.country_id or "",
                          company=row.company or "", street2=street2, state=row.region or "")
        return {"id": cid, "first": row.firstname or "", "last": row.lastname or "",
                "email": row.email or "", "phone": row.telephone or "", "address": address,
                "address_id": row.address_id, "group": int(row.group_id or 0)}

    def _policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        """(policy, account, problem). Magento's own guest orders have no customer: a guest
        policy with guest_customer_id = 0 writes them so."""
        policy = self.supplier.customer_policy
        if policy == "customer":
            return policy, None, None
        value = getattr(self.supplier, f"{policy}_customer_id")
        if policy == "guest" and str(value) == "0":
            return policy, None, None
        account = self._account(value)
        if isinstance(account, str):
            return policy, None, account
        if policy == "distributor" and account["address_id"] is None:
            return policy, None, "the customer has no default billing address in the shop"
        return policy, account, None

    def _match(self, orders: list[CustomerOrder]) -> dict[str, CustomerMatch]:
        policy, account, _problem = self._policy_account()
        if policy != "customer":
            cid = account["id"] if account else 0
            return {co.number: CustomerMatch(policy, cid) for co in orders}
        emails = sorted({co.customer.email.strip().lower() for co in orders})
        where, params = self._website_filter()
        # email's collation is case-insensitive: IN finds them through the unique index
        email = self.case_blind(self.t("customer_entity"), "email", "email")
        rows = self.sql(f"SELECT entity_id, email, firstname, lastname FROM "
                        f"{self.qt('customer_entity')} WHERE {email} IN :emails{where} "
                        f"ORDER BY entity_id", emails=emails, **params)
        return match_by_email(orders, [(int(r.entity_id), r.email, r.firstname, r.lastname)
                                       for r in rows])

    # -- step 1 -----------------------------------------------------------------------------
    def _check(self, so: SupplierOrder) -> list[Finding]:
        out = Findings(self.supplier)
        # every table step 1 and the writes ask about, in one information_schema read per
        # connection (three before: the required tables, the sequence table, the stock table)
        self.tables([*self.required_columns(), *self._written(),
                     self.t("cataloginventory_stock_item")])
        if self.schema_gaps(out):
            return out.items
        plain = self.non_transactional(self._written())
        if plain:
            out.add("OX-DB-010", None, type="Magento",
                    detail=f"{', '.join(plain)} not InnoDB (Magento 2 declares every table "
                           f"InnoDB)")
            return out.items
        _account, usable = self.checked_policy_account(out)
        if not usable:
            return out.items
        ref = self._refdata(so, fresh=True)
        if not ref["store"]:
            out.add("OX-DB-009", None, setting="store_id", value=self.settings.store_id,
                    detail=f"not in {self.t('store')}")
            return out.items
        if ref["state"] is None:
            out.add("OX-DB-009", None, setting="order_status", value=self.settings.order_status,
                    detail=f"not in {self.t('sales_order_status_state')}")
            return out.items
        out.lines(so, ref["products"], whole_quantities=False)
        codes = {a.country for t in so.transfers
                 for a in (t.customer_order.billing, t.customer_order.delivery)}
        out.places(so, self._countries(codes), None)
        # base_* amounts are in the base currency: an order's currency always needs its rate
        currency_findings(out, so, ref["rates"], rate_always=True)
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        matches = self._match([t.customer_order for t in pending])
        out.matches(so, matches)
        out.already_written(so, self.find_by_references(*attempted(pending)))
        tables = self.tables([self.t(n) for n in ("sales_order", "sales_order_address",
                                                   "customer_entity", "customer_address_entity")])
        for t in pending:
            co = t.customer_order
            n = co.number
            out.lengths(n, tables[self.t("sales_order")], {
                "customer_email": co.customer.email, "customer_firstname": co.customer.first_name,
                "customer_lastname": co.customer.last_name})
            for a in (co.billing, co.delivery):
                out.lengths(n, tables[self.t("sales_order_address")], _order_address(a, ""))
            if matches[n].key == "new":
                out.lengths(n, tables[self.t("customer_entity")], {
                    "email": co.customer.email, "firstname": co.customer.first_name,
                    "lastname": co.customer.last_name})
        return out.items

    # -- step 2: finding our orders ---------------------------------------------------------
    def shop_floor(self) -> int | None:
        return self.highest("sales_order", "entity_id")

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, tuple[str, int, str]]:
        """reference → (increment id, customer id — 0 for a guest —, status), through the
        SALES_ORDER_EXT_ORDER_ID index, above `floor` when given."""
        found: dict[str, tuple[str, int, str]] = {}
        if not references:
            return found
        try:
            bound = " AND entity_id > :floor" if floor else ""
            for r in self.sql(f"SELECT ext_order_id, entity_id, increment_id, customer_id, "
                              f"status FROM {self.qt('sales_order')} WHERE ext_order_id IN "
                              f":refs{bound} ORDER BY entity_id",
                              refs=sorted(set(references)), floor=floor or 0):
                found.setdefault(r.ext_order_id, (r.increment_id or str(r.entity_id),
                                                  int(r.customer_id or 0), r.status))
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("sales_order")) from None
        finally:
            if end:
                self.end_read()
        return found

    def entity_ids(self, transfers: Iterable[Transfer]) -> dict[str, int]:
        """reference → sales_order.entity_id of written orders (one indexed look-up): the
        transfer records the increment id, the number the supplier's admin shows."""
        refs = sorted({t.reference for t in transfers})
        if not refs:
            return {}
        return {r.ext_order_id: int(r.entity_id) for r in self.sql(
            f"SELECT ext_order_id, entity_id FROM {self.qt('sales_order')} "
            f"WHERE ext_order_id IN :refs", refs=refs)}

    # -- step 2: writing (`write` and `write_batch`: SqlShopConnector's) ---------------------
    def _write_chunk(self, so: SupplierOrder, transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """The chunk (`write_batch`'s transaction, none of it in the shop yet): the customers
        are looked up once for the whole chunk."""
        matches = self._match([t.customer_order for t in transfers])
        self._chunk = {"matches": matches, "created": {}, "ahead": {},
                       "policy": self._policy_account(),
                       "groups": self._groups({m.customer_id for m in matches.values()
                                               if m.customer_id and m.conflict is None})}
        self._tails = []
        try:
            self._customers_ahead(so, transfers)
            written = {t.reference: self._write(so, t, looked_up=True) for t in transfers}
            self._flush_tails()
            return written
        finally:
            self._chunk = None
            self._tails = []

    def _write(self, so: SupplierOrder, transfer: Transfer, looked_up: bool = False
               ) -> RemoteOrder:
        co = transfer.customer_order
        ref = self._refdata(so)
        products = ref["products"]
        if (ref["rates"].rate(co.currency) is None or ref["state"] is None
                or any(sl.supplier_sku not in products or not products[sl.supplier_sku].active
                       for sl in transfer.lines)):
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products, currency or order status changed since the check")
        if not looked_up:
            existing = self._by_reference([transfer.reference], end=False,
                                          floor=transfer.shop_floor).get(transfer.reference)
            if existing is not None:  # written meanwhile
                return RemoteOrder(existing[0], str(existing[1]))
        now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # Magento keeps UTC
        customer = self._customer(co, now, ref)
        transfer.customer_match = self._last_match
        if self._chunk is None:
            self._tails = []
        # its order number comes with the flush: one order's at once, a chunk's after its last
        remote = RemoteOrder("", str(customer["id"] or 0), customer["created"])
        self._write_order(transfer, customer, ref, now, remote)
        if self._chunk is None:
            self._flush_tails()
        return remote

    def _customer(self, co: CustomerOrder, now: datetime, ref: dict[str, Any]
                  ) -> dict[str, Any]:
        """{id (None: guest), group, created, account (distributor), address_ids}, matched
        again inside the write (an earlier order of the batch may have created the customer)."""
        chunk = self._chunk
        # a chunk asks for the policy's account once, not once per order
        policy, account, problem = (chunk["policy"] if chunk is not None
                                    else self._policy_account())
        if problem:
            raise self.policy_error(policy, problem)
        self._last_match = policy
        if policy != "customer":
            if account is None:  # Magento's own guest order
                return {"id": None, "group": 0, "created": False, "account": None,
                        "addresses": {}}
            return {"id": account["id"], "group": account["group"], "created": False,
                    "account": account if policy == "distributor" else None, "addresses": {}}
        email = co.customer.email.strip().lower()
        if chunk is not None and email in chunk["created"]:  # an earlier order of the chunk
            self._last_match = "email"
            return {**chunk["created"][email], "created": False}
        if chunk is not None and email in chunk["ahead"]:  # made for the chunk, this order's
            self._last_match = "new"
            chunk["created"][email] = chunk["ahead"].pop(email)
            return {**chunk["created"][email], "created": True}
        match = chunk["matches"][co.number] if chunk is not None else self._match([co])[co.number]
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:
            cid = int(match.customer_id)
            groups = chunk["groups"] if chunk is not None else self._groups({cid})
            return {"id": cid, "group": groups.get(cid, ref["group"]),
                    "created": False, "account": None, "addresses": {}}
        made = self._new_customer(co, now, ref)
        if chunk is not None:
            chunk["created"][email] = made
        return {**made, "created": True}

    def _groups(self, customer_ids: set[int]) -> dict[int, int]:
        """customer id → its group (the order copies it), for many customers in one query: a
        chunk asks once instead of once per order of a known customer (issue 15)."""
        if not customer_ids:
            return {}
        return {int(r.entity_id): int(r.group_id) for r in self.sql(
            f"SELECT entity_id, group_id FROM {self.qt('customer_entity')} "
            f"WHERE entity_id IN :ids", ids=sorted(customer_ids))}

    def _customers_ahead(self, so: SupplierOrder, transfers: list[Transfer]) -> None:
        """The chunk's new customers (policy `customer`, matched "new", one per email: the first
        order's person and addresses) created before its orders, in one go; each is claimed by
        its first order (`_customer`), as if that order had created it."""
        chunk = self._chunk
        assert chunk is not None
        policy, _account, problem = chunk["policy"]
        if policy != "customer" or problem:
            return  # `_customer` raises the problem for each order
        first: dict[str, CustomerOrder] = {}
        for t in transfers:
            co = t.customer_order
            match = chunk["matches"][co.number]
            if match.key == "new" and match.conflict is None:
                first.setdefault(co.customer.email.strip().lower(), co)
        if first:
            now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
            made = self._new_customers(list(first.values()), now, self._refdata(so))
            chunk["ahead"] = dict(zip(first, made, strict=True))

    def _new_customer(self, co: CustomerOrder, now: datetime, ref: dict[str, Any]
                      ) -> dict[str, Any]:
        return self._new_customers([co], now, ref)[0]

    def _new_customers(self, orders: list[CustomerOrder], now: datetime, ref: dict[str, Any]
                       ) -> list[dict[str, Any]]:
        """One customer per order (of the store's website), as the admin's "create customer"
        leaves it: no password, the billing address as default billing, the delivery address
        as default shipping (the same row when they are one), and its customer grid row —
        four statements for any number of them (multi-row INSERTs, one UPDATE … CASE)."""
        store, group = ref["store"], ref["group"]
        ids = self.insert_numbered(self.t("customer_entity"), [{
            "website_id": store["website_id"], "email": co.customer.email.strip(),
            "group_id": group, "store_id": self.settings.store_id, "created_at": now,
            "updated_at": now, "is_active": 1, "disable_auto_group_change": 0,
            "created_in": store["name"], "firstname": co.customer.first_name,
            "lastname": co.customer.last_name, "password_hash": None, "failures_num": 0}
            for co in orders], key="entity_id", now=now)
        rows, owners = [], []
        for co, customer_id in zip(orders, ids, strict=True):
            rows.append(_customer_address(customer_id, co.billing, co.customer.phone, now))
            owners.append(customer_id)
            if _postal(co.delivery) != _postal(co.billing):
                rows.append(_customer_address(customer_id, co.delivery, co.customer.phone, now))
                owners.append(customer_id)
        address_ids = self.insert_numbered(self.t("customer_address_entity"), rows,
                                           key="entity_id", now=now)
        billing: dict[int, int] = {}
        shipping: dict[int, int] = {}
        for owner, address_id in zip(owners, address_ids, strict=True):
            billing.setdefault(owner, address_id)
            shipping[owner] = address_id
        self.sql(f"UPDATE {self.qt('customer_entity')} SET default_billing = CASE entity_id "
                 + " ".join(f"WHEN {c:d} THEN {a:d}" for c, a in billing.items())
                 + " END, default_shipping = CASE entity_id "
                 + " ".join(f"WHEN {c:d} THEN {a:d}" for c, a in shipping.items())
                 + " END WHERE entity_id IN :ids", ids=ids)
        self.insert_all(self.t("customer_grid_flat"), [{
            "entity_id": customer_id, "name": f"{co.customer.first_name} "
                                              f"{co.customer.last_name}".strip(),
            "email": co.customer.email.strip(), "group_id": group, "created_at": now,
            "website_id": store["website_id"], "created_in": store["name"],
            "shipping_full": _full(co.delivery), "billing_full": _full(co.billing),
            "billing_firstname": co.billing.first_name, "billing_lastname": co.billing.last_name,
            "billing_telephone": co.customer.phone, "billing_postcode": co.billing.postcode,
            "billing_country_id": co.billing.country, "billing_region": co.billing.state or None,
            "billing_street": _street(co.billing), "billing_city": co.billing.city,
            "billing_company": co.billing.company or None}
            for co, customer_id in zip(orders, ids, strict=True)], key="entity_id", now=now)
        return [{"id": customer_id, "group": group, "account": None,
                 "addresses": {"billing": billing[customer_id],
                               "shipping": shipping[customer_id]}} for customer_id in ids]

    def _write_order(self, transfer: Transfer, customer: dict[str, Any], ref: dict[str, Any],
                     now: datetime, remote: RemoteOrder) -> None:
        """Every row of one order, kept for `_flush_tails` (which numbers them: order number,
        order id, address ids) — so that a chunk of orders is a handful of multi-row INSERTs."""
        co = transfer.customer_order
        s = self.settings
        rates: ShopRates = ref["rates"]
        store = ref["store"]
        base_code = ref["base"]
        amounts = order_amounts(transfer, self.supplier, rates)
        rate = rates.rate(co.currency)
        assert rate is not None

        def base(value: Decimal) -> Decimal:
            return rates.in_default(value, co.currency)

        shipping_tax = amounts.shipping_tax
        account = customer["account"]
        person = ({k: account[k] for k in ("first", "last", "email", "phone")} if account else
                  {"first": co.customer.first_name, "last": co.customer.last_name,
                   "email": co.customer.email.strip(), "phone": co.customer.phone})
        billing = account["address"] if account else co.billing
        products = ref["products"]
        weight = sum((products[a.line.supplier_sku].extra["weight"] * a.quantity
                      for a in amounts.lines), Decimal("0"))
        quantity = sum((a.quantity for a in amounts.lines), Decimal("0"))
        order_id, increment_id = 0, ""  # set by `_flush_tails`
        status, state = s.order_status, ref["state"]
        store_name = "\n".join(v for v in (store.get("website_name"), store.get("group_name"),
                                            store.get("name")) if v)
        order = {
            "ext_order_id": transfer.reference, "increment_id": increment_id,
            "state": state, "status": status, "protect_code": secrets.token_hex(3),
            "shipping_description": s.shipping_description, "shipping_method": s.shipping_method,
            "is_virtual": 0, "store_id": s.store_id, "store_name": store_name,
            "customer_id": customer["id"], "customer_is_guest": 1 if customer["id"] is None else 0,
            "customer_group_id": customer["group"], "customer_email": person["email"],
            "customer_firstname": person["first"], "customer_lastname": person["last"],
            "customer_note_notify": 0, "send_email": 0,
            "global_currency_code": base_code, "base_currency_code": base_code,
            "store_currency_code": base_code, "order_currency_code": co.currency,
            "base_to_global_rate": Decimal(1), "base_to_order_rate": rate,
            "store_to_base_rate": Decimal(1), "store_to_order_rate": rate,
            "subtotal": amounts.subtotal, "base_subtotal": base(amounts.subtotal),
            "subtotal_incl_tax": amounts.gross_lines,
            "base_subtotal_incl_tax": base(amounts.gross_lines),
            "tax_amount": amounts.tax, "base_tax_amount": base(amounts.tax),
            "shipping_amount": amounts.shipping, "base_shipping_amount": base(amounts.shipping),
            "shipping_tax_amount": shipping_tax, "base_shipping_tax_amount": base(shipping_tax),
            "shipping_incl_tax": amounts.shipping_gross,
            "base_shipping_incl_tax": base(amounts.shipping_gross),
            "discount_amount": Decimal(0), "base_discount_amount": Decimal(0),
            "shipping_discount_amount": Decimal(0), "base_shipping_discount_amount": Decimal(0),
            "discount_tax_compensation_amount": Decimal(0),
            "base_discount_tax_compensation_amount": Decimal(0),
            "grand_total": amounts.total, "base_grand_total": base(amounts.total),
            "total_due": amounts.total, "base_total_due": base(amounts.total),
            "total_qty_ordered": quantity, "base_total_qty_ordered": quantity,
            "total_item_count": len(amounts.lines), "weight": weight,
            "created_at": now, "updated_at": now}
        kinds = ("billing", "shipping")
        addresses = [{
            "parent_id": order_id, "customer_id": customer["id"],
            "customer_address_id": (account["address_id"] if account and kind == "billing"
                                    else customer["addresses"].get(kind)),
            "address_type": kind, "email": person["email"],
            "telephone": person["phone"] if kind == "billing" or not account else "",
            **_order_address(a, "")} for kind, a in zip(kinds, (billing, co.delivery),
                                                          strict=True)]
        items = [{
            "order_id": order_id, "store_id": s.store_id, "created_at": now, "updated_at": now,
            "product_id": products[a.line.supplier_sku].id,
            "product_type": products[a.line.supplier_sku].extra["type_id"] or "simple",
            "product_options": json.dumps({"info_buyRequest": {
                "qty": _plain(a.quantity)}}),
            "weight": products[a.line.supplier_sku].extra["weight"],
            "row_weight": products[a.line.supplier_sku].extra["weight"] * a.quantity,
            "is_virtual": 0, "sku": a.line.supplier_sku,
            "name": products[a.line.supplier_sku].name or a.line.line.name,
            "is_qty_decimal": 0 if a.quantity == a.quantity.to_integral_value() else 1,
            "no_discount": 0, "qty_ordered": a.quantity,
            "price": a.unit_net, "base_price": base(a.unit_net),
            "original_price": a.unit_net, "base_original_price": base(a.unit_net),
            "tax_percent": a.rate, "tax_amount": a.tax, "base_tax_amount": base(a.tax),
            "row_total": a.net, "base_row_total": base(a.net),
            "price_incl_tax": a.unit_net + a.unit_tax,
            "base_price_incl_tax": base(a.unit_net + a.unit_tax),
            "row_total_incl_tax": a.gross, "base_row_total_incl_tax": base(a.gross),
            "discount_amount": Decimal(0), "base_discount_amount": Decimal(0),
            "discount_tax_compensation_amount": Decimal(0),
            "base_discount_tax_compensation_amount": Decimal(0)} for a in amounts.lines]
        taxed = [(r, tax) for r, _net, tax in amounts.tax_by_rate() if tax or r]
        payment = {
            "parent_id": order_id, "method": s.payment_method,
            "amount_ordered": amounts.total, "base_amount_ordered": base(amounts.total),
            "shipping_amount": amounts.shipping,
            "base_shipping_amount": base(amounts.shipping),
            "additional_information": json.dumps({"method_title": s.payment_method_title})}
        history = {
            "parent_id": order_id, "is_customer_notified": 0, "is_visible_on_front": 0,
            "comment": f"[{transfer.reference}] Order {co.number} of the distributor, "
                       f"written by orderexchange.",
            "status": status, "created_at": now, "entity_name": "order"}
        ship_to = co.delivery
        grid = {
            # Sales/etc/di.xml Magento\Sales\Model\ResourceModel\Order\Grid: the columns the
            # grid indexer copies from sales_order and its joins
            "entity_id": order_id, "status": status, "store_id": s.store_id,
            "store_name": store_name, "customer_id": customer["id"],
            "base_grand_total": base(amounts.total), "base_total_paid": None,
            "grand_total": amounts.total, "total_paid": None, "increment_id": increment_id,
            "base_currency_code": base_code, "order_currency_code": co.currency,
            "shipping_name": _name(ship_to), "billing_name": _name(billing),
            "created_at": now, "updated_at": now,
            "billing_address": _grid_address(billing), "shipping_address": _grid_address(ship_to),
            "shipping_information": s.shipping_description, "customer_email": person["email"],
            "customer_group": str(customer["group"]), "subtotal": base(amounts.subtotal),
            "shipping_and_handling": base(amounts.shipping),
            "customer_name": f"{person['first']} {person['last']}".strip(),
            "payment_method": s.payment_method, "total_refunded": None}
        self._tails.append({
            "remote": remote, "order": order, "addresses": addresses, "now": now,
            "items": items, "lines": amounts.lines, "base": base,
            "taxes": [{"order_id": order_id, "code": f"VAT {plain_rate(r)}%",
                       "title": f"VAT {plain_rate(r)}%", "percent": r, "amount": tax,
                       "base_amount": base(tax), "base_real_amount": base(tax), "priority": 0,
                       "position": 0, "process": 0} for r, tax in taxed],
            "rates": [r for r, _tax in taxed], "shipping": (amounts.shipping_rate, shipping_tax),
            "sales_order_payment": payment, "sales_order_status_history": history,
            "sales_order_grid": grid})
        return increment_id

    def _write_orders(self, tails: list[dict[str, Any]], now: datetime) -> None:
        """The orders' numbers (rows into the store's sequence table, as Magento's
        Sequence::getNextValue takes one: the auto-increment value, prefix + 9 digits + suffix),
        their `sales_order` rows (the reference in the first statement that names them), their
        addresses and the address ids into the orders; then every other row knows its order."""
        seq = self.sequence()
        if seq is None:
            raise OXError("OX-DB-010", supplier=self.supplier.id, type="Magento",
                          detail=f"store {self.settings.store_id} has no order sequence")
        values = self.insert_numbered(str(seq["sequence_table"]), [{} for _ in tails],
                                      key="sequence_value", now=now)
        start, step = int(seq["start_value"] or 1), int(seq["step"] or 1)
        for x, value in zip(tails, values, strict=True):
            number = f"{seq['prefix'] or ''}{(value - start) * step + start:0{NUMBER_DIGITS}d}" \
                     f"{seq['suffix'] or ''}"
            x["order"]["increment_id"] = x["sales_order_grid"]["increment_id"] = number
            x["remote"].order_id = number
        order_ids = self.insert_numbered(self.t("sales_order"), [x["order"] for x in tails],
                                         key="entity_id", now=now)
        for x, order_id in zip(tails, order_ids, strict=True):
            for row in x["addresses"]:
                row["parent_id"] = order_id
            for row in (*x["items"], *x["taxes"]):
                row["order_id"] = order_id
            x["sales_order_payment"]["parent_id"] = order_id
            x["sales_order_status_history"]["parent_id"] = order_id
            x["sales_order_grid"]["entity_id"] = order_id
        address_ids = self.insert_numbered(self.t("sales_order_address"),
                                           [row for x in tails for row in x["addresses"]],
                                           key="entity_id", now=now)
        billing, shipping = address_ids[0::2], address_ids[1::2]
        self.sql(f"UPDATE {self.qt('sales_order')} SET billing_address_id = CASE entity_id "
                 + " ".join(f"WHEN {o:d} THEN {a:d}" for o, a in zip(order_ids, billing,
                                                                      strict=True))
                 + " END, shipping_address_id = CASE entity_id "
                 + " ".join(f"WHEN {o:d} THEN {a:d}" for o, a in zip(order_ids, shipping,
                                                                      strict=True))
                 + " END WHERE entity_id IN :ids", ids=order_ids)

    def _flush_tails(self) -> None:
        """The orders written since the last flush (`_write_orders`), then the rows that follow
        them — items, tax rows and their tax items, payments, comments, grid rows — one
        multi-row INSERT per table for the whole chunk (consecutive ids numbered by the first
        where the server allows, else row by row: `insert_numbered`). Inside the write's
        transaction, like the orders."""
        tails, self._tails = self._tails, []
        if not tails:
            return
        now = tails[0]["now"]
        self._write_orders(tails, now)
        item_ids = self.insert_numbered(self.t("sales_order_item"),
                                        [row for x in tails for row in x["items"]],
                                        key="item_id", now=now)
        tax_rows = [row for x in tails for row in x["taxes"]]
        tax_ids = self.insert_numbered(self.t("sales_order_tax"), tax_rows, key="tax_id",
                                       now=now) if tax_rows else []
        tax_items: list[dict[str, Any]] = []
        for x in tails:
            items, item_ids = item_ids[:len(x["items"])], item_ids[len(x["items"]):]
            taxes, tax_ids = tax_ids[:len(x["taxes"])], tax_ids[len(x["taxes"]):]
            tax_items += _tax_items(x, items, taxes)
        self.insert_all(self.t("sales_order_tax_item"), tax_items, key="tax_item_id", now=now)
        for table in ("sales_order_payment", "sales_order_status_history", "sales_order_grid"):
            self.insert_all(self.t(table), [x[table] for x in tails], key="entity_id", now=now)

    # -- the way back ------------------------------------------------------------------------
    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """Status (the store's label, else the status's), tracking number and shipping date
        (the order's last shipment track) of written orders. An order the supplier deleted is
        absent from the result."""
        try:
            ids = self.entity_ids(transfers)
            if not ids:
                return {}
            wanted = sorted(set(ids.values()))
            rows = {int(r.entity_id): r for r in self.sql(
                f"SELECT o.entity_id, o.increment_id, o.status, o.state, "
                f"COALESCE(l.label, s.label, o.status) AS label FROM {self.qt('sales_order')} o "
                f"LEFT JOIN {self.qt('sales_order_status')} s ON s.status = o.status "
                f"LEFT JOIN {self.qt('sales_order_status_label')} l ON l.status = o.status AND "
                f"l.store_id = o.store_id WHERE o.entity_id IN :ids", ids=wanted)}
            tracking: dict[int, tuple[str | None, str | None]] = {}
            track = self.t("sales_shipment_track")
            if self._may_read(track):
                for r in self.sql(f"SELECT order_id, track_number, created_at FROM "
                                  f"{self.qt('sales_shipment_track')} WHERE order_id IN :ids "
                                  f"ORDER BY entity_id", ids=wanted):
                    tracking[int(r.order_id)] = ((r.track_number or "").strip() or None,
                                                 f"{r.created_at:%Y-%m-%d %H:%M:%S}"
                                                 if r.created_at else None)
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier) from None
        finally:
            self.end_read()
        out = {}
        for reference, entity_id in ids.items():
            row = rows.get(entity_id)
            if row is None:
                continue
            number, shipped = tracking.get(entity_id, (None, None))
            out[reference] = RemoteStatus(
                order_id=row.increment_id or str(entity_id), status=row.label,
                status_id=row.status, progressed=row.status != self.settings.order_status,
                cancelled=row.state == "canceled", tracking_number=number, shipped_at=shipped)
        return out

    def cancel(self, transfer: Transfer) -> None:
        """Cancel as Magento's Order::registerCancellation does: state canceled with the
        cancelled status, the amounts into the *_canceled columns, the items' open quantity
        into qty_canceled, a history comment, and the grid row's status — only while the order
        is in one of `cancellable_statuses`. Cancelling twice changes nothing."""
        co = transfer.customer_order
        s = self.settings
        entity_id = self.entity_ids([transfer]).get(transfer.reference)
        self.end_read()
        if not entity_id:
            raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                          remote=transfer.remote_order_id or "?", reference=transfer.reference)

        def run() -> None:
            row = self.sql(f"SELECT increment_id, status, state FROM {self.qt('sales_order')} "
                           f"WHERE entity_id = :o", o=entity_id).first()
            if row is None:
                raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                              remote=transfer.remote_order_id or "?",
                              reference=transfer.reference)
            if row.state == "canceled":
                return
            if row.status not in s.cancellable_statuses or row.state not in CANCELLABLE_STATES:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=row.increment_id, status=f"{row.status} ({row.state})",
                              allowed=", ".join(s.cancellable_statuses),
                              setting="cancellable_statuses")
            now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
            hit = self.sql(
                f"UPDATE {self.qt('sales_order')} SET state = 'canceled', status = :cs, "
                f"subtotal_canceled = subtotal, base_subtotal_canceled = base_subtotal, "
                f"tax_canceled = tax_amount, base_tax_canceled = base_tax_amount, "
                f"shipping_canceled = shipping_amount, base_shipping_canceled = "
                f"base_shipping_amount, discount_canceled = discount_amount, "
                f"base_discount_canceled = base_discount_amount, total_canceled = grand_total, "
                f"base_total_canceled = base_grand_total, updated_at = :now "
                f"WHERE entity_id = :o AND status = :old", cs=s.cancelled_status, now=now,
                o=entity_id, old=row.status)
            if hit.rowcount != 1:  # the supplier changed it this very moment
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=row.increment_id, status="another status",
                              allowed=", ".join(s.cancellable_statuses),
                              setting="cancellable_statuses")
            self.sql(f"UPDATE {self.qt('sales_order_item')} SET qty_canceled = qty_ordered - "
                     f"GREATEST(COALESCE(qty_invoiced, 0), COALESCE(qty_shipped, 0)), "
                     f"tax_canceled = tax_amount WHERE order_id = :o", o=entity_id)
            self.insert(self.t("sales_order_status_history"), {
                "parent_id": entity_id, "is_customer_notified": 0, "is_visible_on_front": 0,
                "comment": f"[{transfer.reference}] Cancelled by the distributor "
                           f"(orderexchange).",
                "status": s.cancelled_status, "created_at": now, "entity_name": "order"},
                key="entity_id", now=now)
            self.sql(f"UPDATE {self.qt('sales_order_grid')} SET status = :cs, updated_at = :now "
                     f"WHERE entity_id = :o", cs=s.cancelled_status, now=now, o=entity_id)

        self.in_transaction(run, self.write_locks([transfer], None))

    # -- self-test stages --------------------------------------------------------------------
    def reference_stage(self) -> tuple[bool, str]:
        s = self.settings
        problems: list[OXError] = []
        facts = []
        state = self.state_of(s.order_status)
        if state is None:
            problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                    setting="order_status", value=s.order_status,
                                    detail=f"not in {self.t('sales_order_status_state')}"))
        else:
            facts.append(f"order_status {s.order_status} (state {state})")
        if self.state_of(s.cancelled_status) != "canceled":
            problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                    setting="cancelled_status", value=s.cancelled_status,
                                    detail="no status of state canceled in "
                                           f"{self.t('sales_order_status_state')}"))
        for status in s.cancellable_statuses:
            if self.state_of(status) is None:
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                        setting="cancellable_statuses", value=status,
                                        detail=f"not in {self.t('sales_order_status_state')}"))
        group = self.group_id()
        found = self.sql(f"SELECT customer_group_code FROM {self.qt('customer_group')} WHERE "
                         f"customer_group_id = :g", g=group).first()
        if found is None:
            problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                    setting="customer_group_id", value=group,
                                    detail=f"not in {self.t('customer_group')}"))
        else:
            facts.append(f"new customers in group {group} ({found[0]})")
        rates = self.rates()
        facts.append("currencies " + ", ".join(
            f"{code}" + (f" {plain_rate(r)}" if r is not None else " (no rate)")
            for code, r in rates.rates.items()))
        if self.supplier.currencies:
            problems += self.currency_problems(rates.rates, rates.where)
        self.end_read()
        if problems:
            return False, " | ".join(stage_text(p) for p in problems)
        return True, "; ".join(facts)

    def customer_stage(self) -> tuple[bool, str]:
        policy, account, problem = self._policy_account()
        self.end_read()
        if problem:
            return False, stage_text(self.policy_error(policy, problem))
        if policy == "customer":
            return True, ("customers are matched by email within the store's website; new ones "
                          "become customers without a password")
        if account is None:
            return True, "guest orders (no customer, group NOT LOGGED IN), Magento's own"
        return True, (f"orders go to customer {account['id']} ({account['first']} "
                      f"{account['last']}, {policy})")

    def trial_write(self) -> tuple[bool, str]:
        products = self._products([r[0] for r in self.sql(
            f"SELECT sku FROM {self.qt('catalog_product_entity')} WHERE sku IS NOT NULL AND "
            f"sku <> '' ORDER BY entity_id LIMIT 50")])
        sku = next((p.sku for p in products.values() if p.active), None)
        currency = self.base_currency()
        country = (self.supplier.countries or [self.config().get("general/country/allow", "DE")
                                               .split(",")[0] or "DE"])[0]
        self.end_read()
        if sku is None or not currency:
            return False, stage_text(OXError(
                "OX-DB-008", supplier=self.supplier.id,
                detail="the shop needs an enabled product with a SKU and its base currency "
                       "(currency/options/base) for a sample order"))
        return self.sample_trial(sku, country, currency)


def _tax_items(tail: dict[str, Any], item_ids: list[int], tax_ids: list[int]
               ) -> list[dict[str, Any]]:
    """sales_order_tax_item rows of one order (the order view's tax summary): each line's share
    of its rate's tax row, and the shipping's when it is taxed."""
    base = tail["base"]
    tax_of = {r.normalize(): tax_id for r, tax_id in zip(tail["rates"], tax_ids, strict=True)}
    rows = [{"tax_id": tax_of[a.rate.normalize()], "item_id": item_id, "tax_percent": a.rate,
             "amount": a.tax, "base_amount": base(a.tax), "real_amount": a.tax,
             "real_base_amount": base(a.tax), "associated_item_id": None,
             "taxable_item_type": "product"}
            for a, item_id in zip(tail["lines"], item_ids, strict=True)
            if a.rate.normalize() in tax_of]
    shipping_rate, shipping_tax = tail["shipping"]
    if shipping_tax and shipping_rate.normalize() in tax_of:
        rows.append({"tax_id": tax_of[shipping_rate.normalize()], "item_id": None,
                     "tax_percent": shipping_rate, "amount": shipping_tax,
                     "base_amount": base(shipping_tax), "real_amount": shipping_tax,
                     "real_base_amount": base(shipping_tax), "associated_item_id": None,
                     "taxable_item_type": "shipping"})
    return rows


def _street(a: Address) -> str:
    """Magento keeps a multi-line street as one value, lines joined by a newline."""
    return "\n".join(v for v in (a.street, a.street2) if v)


def _order_address(a: Address, _email: str) -> dict[str, Any]:
    return {"firstname": a.first_name, "lastname": a.last_name, "company": a.company or None,
            "street": _street(a), "city": a.city, "region": a.state or None,
            "postcode": a.postcode, "country_id": a.country}


def _customer_address(customer_id: int, a: Address, phone: str, now: datetime
                      ) -> dict[str, Any]:
    return {"parent_id": customer_id, "created_at": now, "updated_at": now, "is_active": 1,
            "firstname": a.first_name, "lastname": a.last_name, "company": a.company or None,
            "street": _street(a), "city": a.city, "region": a.state or None,
            "postcode": a.postcode, "country_id": a.country, "telephone": phone}


def _postal(a: Address) -> tuple[str, ...]:
    return (a.first_name, a.last_name, a.company, a.street, a.street2, a.postcode, a.city,
            a.country)


def _name(a: Address) -> str:
    """The grid's BillingNameAggregator / ShippingNameAggregator: firstname and lastname."""
    return " ".join(v for v in (a.first_name, a.last_name) if v).strip()


def _grid_address(a: Address) -> str:
    """The grid's Billing/ShippingAddressAggregator: street, city, region, postcode joined by
    ', ' (empty parts left out)."""
    return ", ".join(v for v in (_street(a), a.city, a.state, a.postcode) if v).strip()


def _full(a: Address) -> str:
    """customer_grid_flat's billing_full / shipping_full: the address's parts in one text."""
    return " ".join(v for v in (_street(a), a.city, a.state, a.postcode) if v)


def _plain(value: Decimal) -> int | float | str:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else str(value.normalize())


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [MagentoConnector]
