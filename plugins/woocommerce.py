"""Connector for WooCommerce 8 and 9 on WordPress 6.

Writes a customer order as WooCommerce's own order data stores leave it in the database, in
whichever order storage the shop uses — read from its own options, never guessed:

- HPOS (`woocommerce_custom_orders_table_enabled = yes`, every new shop since 8.2): a row in
  `wc_orders`, its billing and shipping rows in `wc_order_addresses`, `wc_order_operational_data`,
  and meta in `wc_orders_meta`. The order id is that of a row in `posts`, as
  OrdersTableDataStore::maybe_create_backup_post makes it: a `shop_order_placehold` post, or —
  with the compatibility mode `woocommerce_custom_orders_table_data_sync_enabled = yes` — the
  order's own `shop_order` post with its complete `postmeta`, kept in step.
- The legacy posts storage: a `posts` row of type `shop_order` with its `postmeta`
  (`_billing_*`, `_shipping_*`, `_order_total` …); with the compatibility mode on and the HPOS
  tables present, their rows are written too.

Either way: `woocommerce_order_items` (one `line_item` per line, one `tax` item per VAT rate, a
`shipping` item) with their `woocommerce_order_itemmeta`, and the analytics rows the admin's
reports read (`wc_order_stats`, `wc_order_product_lookup`, `wc_customer_lookup`). A new customer
becomes a WordPress user with the `customer` role (`usermeta` `{prefix}capabilities`), no
password (cannot log in until they reset it), and their billing and shipping address in
`usermeta`; guest orders have customer 0, as WooCommerce's guest checkout writes them.

The reference: meta `_orderexchange_reference` of the order — in `wc_orders_meta` (HPOS; found
through its `meta_key_value` index) or `postmeta` (posts storage; its `meta_key` index holds only
our orders' rows for that key). It is written in the statement right after the order row.

Visibility and crash safety: WordPress tables are InnoDB on every current install, so an order is
one transaction. For old MyISAM sites the order is written with the WordPress status `draft`
(which neither admin order list shows), its status is set last; a retry finds a half-written
order by its reference, removes it and writes it anew.

Money: WooCommerce keeps one shop currency (`woocommerce_currency`) and no exchange rates, so an
order in another currency is held by step 1 (OX-CHK-010). Amounts are net (prices_include_tax
no), VAT per rate as shop_money computes it; the shipping's VAT (the supplier's
`shipping_tax_rate`) is kept apart from the lines' tax, as WooCommerce does.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phpserialize
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, RemoteStatus, attempted)
from orderexchange.errors import OXError
from orderexchange.model import (
    Address, CustomerOrder, Finding, SupplierOrder, Transfer, TransferState,
)

from .shop_money import ShopRates, currency_findings, order_amounts, plain_rate
from .shop_sql import (
    CustomerMatch, Findings, OptionalTable, PendingId, Product, SqlShopConnector, coded,
    match_by_email,
    stage_text, update_row,
)

__version__ = "0.1.0"

HIDDEN = "draft"  # WordPress's own draft: listed by neither admin order list
REFERENCE_KEY = "_orderexchange_reference"
#: WooCommerce core's order statuses (wc_get_order_statuses) and their admin names
STATUS_NAMES = {"wc-pending": "Pending payment", "wc-processing": "Processing",
                "wc-on-hold": "On hold", "wc-completed": "Completed",
                "wc-cancelled": "Cancelled", "wc-refunded": "Refunded", "wc-failed": "Failed",
                "wc-checkout-draft": "Draft"}
OPTIONS = ("woocommerce_custom_orders_table_enabled",
           "woocommerce_custom_orders_table_data_sync_enabled", "woocommerce_currency",
           "woocommerce_version", "woocommerce_db_version", "timezone_string", "gmt_offset",
           "woocommerce_allowed_countries", "woocommerce_specific_allowed_countries",
           "woocommerce_all_except_countries", "blogname")
HPOS_TABLES = ("wc_orders", "wc_order_addresses", "wc_order_operational_data", "wc_orders_meta")
ADDRESS_FIELDS = ("first_name", "last_name", "company", "address_1", "address_2", "city",
                  "state", "postcode", "country")


class WooCommerceSettings(ConnectorSettings):
    #: the site's table prefix ($table_prefix in wp-config.php)
    table_prefix: str = Field(default="wp_", pattern=r"^[A-Za-z0-9_]*$")
    #: "auto": the shop's own option woocommerce_custom_orders_table_enabled decides
    storage: Literal["auto", "hpos", "posts"] = "auto"
    #: status of a new order
    order_status: Literal["wc-processing", "wc-on-hold", "wc-pending"] = "wc-processing"
    #: statuses from which `cancel` may cancel; later ones are the supplier's business
    cancellable_statuses: list[str] = Field(
        default_factory=lambda: ["wc-pending", "wc-processing", "wc-on-hold"])
    payment_method: str = "orderexchange"
    payment_method_title: str = "Drop shipping via orderexchange"
    shipping_method_title: str = "Drop shipping"
    #: order meta holding the parcel's tracking: the Shipment Tracking extension's list by
    #: default; a plain text value (another plug-in's tracking number) is read as the number
    tracking_meta_key: str = "_wc_shipment_tracking_items"


class WooCommerceConnector(SqlShopConnector):
    type_name = "woocommerce"
    settings_schema = WooCommerceSettings
    settings: WooCommerceSettings
    hidden_status = HIDDEN

    def __init__(self, supplier: Any, settings: WooCommerceSettings) -> None:
        super().__init__(supplier, settings)
        self._options: dict[str, str] | None = None

    def close(self) -> None:
        super().close()
        self._options = None

    # -- the shop's own settings -------------------------------------------------------------
    def options(self) -> dict[str, str]:
        if self._options is None:
            if self.db.conn is None:  # supplier-setup before the shop answers
                return {}
            try:
                rows = self.sql(f"SELECT option_name, option_value FROM {self.qt('options')} "
                                f"WHERE option_name IN :names", names=list(OPTIONS))
                self._options = {r.option_name: r.option_value or "" for r in rows}
            except SQLAlchemyError:  # no table or no SELECT: the schema stages say so
                return {}
        return self._options

    def storage(self) -> str:
        """'hpos' or 'posts': where the shop's orders are authoritative."""
        if self.settings.storage != "auto":
            return self.settings.storage
        return "hpos" if self.options().get(
            "woocommerce_custom_orders_table_enabled") == "yes" else "posts"

    def synced(self) -> bool:
        """The compatibility mode: both storages kept in step."""
        return self.options().get("woocommerce_custom_orders_table_data_sync_enabled") == "yes"

    def writes_hpos(self) -> bool:
        if self.storage() == "hpos":
            return True
        return self.synced() and self.db.conn is not None and self.table(self.t("wc_orders")).exists

    def writes_posts(self) -> bool:
        """Whether the order's complete post with its postmeta is written (else only the HPOS
        placeholder post)."""
        return self.storage() == "posts" or self.synced()

    def _local(self, moment: datetime) -> datetime:
        """A UTC time in the site's time zone (WordPress keeps both, e.g. post_date/_gmt)."""
        opts = self.options()
        zone: Any = UTC
        try:
            if opts.get("timezone_string"):
                zone = ZoneInfo(opts["timezone_string"])
            elif opts.get("gmt_offset"):
                zone = timezone(timedelta(hours=float(opts["gmt_offset"])))
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)

    # -- schema -----------------------------------------------------------------------------
    def required_columns(self) -> dict[str, dict[str, str]]:
        t, text = self.t, "text"
        meta = {"meta_id": "int", "meta_key": text, "meta_value": text}
        cols = {
            t("options"): {"option_name": text, "option_value": text},
            t("posts"): {"ID": "int", "post_author": "int", "post_date": "datetime",
                         "post_date_gmt": "datetime", "post_title": text, "post_status": text,
                         "post_password": text, "post_modified": "datetime",
                         "post_modified_gmt": "datetime", "post_parent": "int",
                         "post_type": text},
            t("postmeta"): {"post_id": "int", **meta},
            t("users"): {"ID": "int", "user_login": text, "user_pass": text,
                         "user_nicename": text, "user_email": text,
                         "user_registered": "datetime", "display_name": text},
            t("usermeta"): {"umeta_id": "int", "user_id": "int", "meta_key": text,
                            "meta_value": text},
            t("woocommerce_order_items"): {"order_item_id": "int", "order_item_name": text,
                                           "order_item_type": text, "order_id": "int"},
            t("woocommerce_order_itemmeta"): {"order_item_id": "int", **meta},
            t("wc_product_meta_lookup"): {"product_id": "int", "sku": text,
                                          "min_price": "number", "stock_quantity": "number"},
            t("wc_order_stats"): {"order_id": "int", "parent_id": "int",
                                  "date_created": "datetime", "date_created_gmt": "datetime",
                                  "num_items_sold": "int", "total_sales": "number",
                                  "tax_total": "number", "shipping_total": "number",
                                  "net_total": "number", "returning_customer": "int",
                                  "status": text, "customer_id": "int"},
            t("wc_order_product_lookup"): {"order_item_id": "int", "order_id": "int",
                                           "product_id": "int", "variation_id": "int",
                                           "customer_id": "int", "date_created": "datetime",
                                           "product_qty": "int",
                                           "product_net_revenue": "number",
                                           "product_gross_revenue": "number",
                                           "tax_amount": "number"},
            t("wc_customer_lookup"): {"customer_id": "int", "user_id": "int", "username": text,
                                      "first_name": text, "last_name": text, "email": text,
                                      "country": text, "postcode": text, "city": text,
                                      "state": text},
        }
        if self.db.conn is None or self.writes_hpos():
            cols.update({
                t("wc_orders"): {"id": "int", "status": text, "currency": text, "type": text,
                                 "tax_amount": "number", "total_amount": "number",
                                 "customer_id": "int", "billing_email": text,
                                 "date_created_gmt": "datetime",
                                 "date_updated_gmt": "datetime", "parent_order_id": "int",
                                 "payment_method": text, "payment_method_title": text},
                t("wc_order_addresses"): {"id": "int", "order_id": "int", "address_type": text,
                                          **{f: text for f in ADDRESS_FIELDS},
                                          "email": text, "phone": text},
                t("wc_order_operational_data"): {"order_id": "int", "created_via": text,
                                                 "order_key": text,
                                                 "shipping_total_amount": "number"},
                t("wc_orders_meta"): {"id": "int", "order_id": "int", "meta_key": text,
                                      "meta_value": text},
            })
        return cols

    def _written(self) -> list[str]:
        names = ["posts", "postmeta", "users", "usermeta", "woocommerce_order_items",
                 "woocommerce_order_itemmeta", "wc_order_stats", "wc_order_product_lookup",
                 "wc_customer_lookup"]
        if self.db.conn is None or self.writes_hpos():
            names += list(HPOS_TABLES)
        return [self.t(n) for n in names]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        for table in self._written():
            needed[table] = {"SELECT", "INSERT", "UPDATE"}  # status last; cancel
        for table in self.non_transactional(self._written()):
            # no ROLLBACK: removing a half-written order and the trial write
            needed[table].add("DELETE")
        return needed

    def optional_tables(self) -> list[OptionalTable]:
        """WooCommerce's own tax table (created by its installer)."""
        return [OptionalTable(self.t("woocommerce_tax_rates"), frozenset({"SELECT"}),
                              "tax rates", "the orders' tax items name no shop tax rate (rate "
                              "id 0, label 'VAT n%', no tax class)", "send")]

    def detect_variant(self) -> tuple[bool, str]:
        opts = self.options()
        version = opts.get("woocommerce_version") or opts.get("woocommerce_db_version")
        if not version:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="WooCommerce",
                detail=f"no woocommerce_version in {self.t('options')}"))
        if self.storage() == "hpos" and not self.table(self.t("wc_orders")).exists:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="WooCommerce",
                detail=f"HPOS is on but {self.t('wc_orders')} is missing"))
        how = "set" if self.settings.storage != "auto" else "from the shop's settings"
        storage = ("HPOS (wc_orders)" if self.storage() == "hpos"
                   else "posts storage (shop_order posts)")
        sync = ", compatibility mode on (both storages written)" if self.synced() else ""
        return True, (f"WooCommerce {version}, {storage} {how}{sync}, table prefix "
                      f"{self.settings.table_prefix!r}")

    # -- reference data ---------------------------------------------------------------------
    def _products(self, skus: Iterable[str]) -> dict[str, Product]:
        """Products and variations by SKU, as wc_get_product_id_by_sku finds them (the
        product meta lookup table); only published ones are for sale."""
        skus = sorted(set(skus))
        if not skus:
            return {}
        rows = self.sql(
            f"SELECT l.product_id, l.sku, l.min_price, l.stock_quantity, l.tax_class, "
            f"p.post_title, p.post_status FROM {self.qt('wc_product_meta_lookup')} l "
            f"JOIN {self.qt('posts')} p ON p.ID = l.product_id AND p.post_type IN "
            f"('product', 'product_variation') WHERE l.sku IN :skus", skus=skus)
        out: dict[str, Product] = {}
        for r in rows:
            active = r.post_status == "publish"
            if r.sku not in out or active:
                stock = (Decimal("Infinity") if r.stock_quantity is None
                         else Decimal(str(r.stock_quantity)))
                out[r.sku] = Product(int(r.product_id), r.sku, active, r.post_title or "",
                                     stock, Decimal(str(r.min_price or 0)),
                                     {"tax_class": r.tax_class or ""})
        return out

    def _selling_countries(self, wanted: Iterable[str]) -> set[str]:
        """Those of `wanted` the shop sells to (woocommerce_allowed_countries: all, specific,
        all_except; the lists PHP-serialized)."""
        opts = self.options()
        wanted = set(wanted)

        def listed(name: str) -> set[str]:
            raw = opts.get(name) or ""
            try:
                value = phpserialize.loads(raw.encode(), decode_strings=True) if raw else {}
            except ValueError:
                return set()
            return {str(v) for v in (value.values() if isinstance(value, dict) else value)}

        mode = opts.get("woocommerce_allowed_countries") or "all"
        if mode == "specific":
            return wanted & listed("woocommerce_specific_allowed_countries")
        if mode == "all_except":
            return wanted - listed("woocommerce_all_except_countries")
        return wanted

    def _tax_rates(self) -> list[Any]:
        if not self.table(self.t("woocommerce_tax_rates")).exists:
            return []
        return list(self.sql(f"SELECT tax_rate_id, tax_rate_country, tax_rate, tax_rate_name, "
                             f"tax_rate_priority, tax_rate_class FROM "
                             f"{self.qt('woocommerce_tax_rates')} ORDER BY tax_rate_order, "
                             f"tax_rate_id"))

    def _refdata(self, so: SupplierOrder, fresh: bool = False) -> dict[str, Any]:
        if fresh or self._ref_for != so.id:
            skus = {sl.supplier_sku for t in so.transfers for sl in t.lines}
            currency = (self.options().get("woocommerce_currency") or "").strip().upper()
            self._ref = {"products": self._products(skus), "currency": currency,
                         "rates": ShopRates.of([(currency, 1)] if currency else [],
                                               f"{self.t('options')} woocommerce_currency"),
                         "tax_rates": self._tax_rates()}
            self._ref_for = so.id
        return self._ref

    # -- customers --------------------------------------------------------------------------
    def _user_meta(self, user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
        ids = sorted(set(user_ids))
        out: dict[int, dict[str, str]] = {i: {} for i in ids}
        if ids:
            for r in self.sql(f"SELECT user_id, meta_key, meta_value FROM {self.qt('usermeta')} "
                              f"WHERE user_id IN :ids", ids=ids):
                out[int(r.user_id)][r.meta_key] = r.meta_value or ""
        return out

    def _account(self, user_id: Any) -> dict[str, Any] | str:
        """A configured WordPress user (the distributor, or a guest pseudo customer) with its
        WooCommerce billing address, or what is wrong with it."""
        try:
            uid = int(user_id)
        except (TypeError, ValueError):
            return "WordPress user ids are whole numbers"
        row = self.sql(f"SELECT ID, user_email, display_name FROM {self.qt('users')} "
                       f"WHERE ID = :u", u=uid).first()
        if row is None:
            return "no WordPress user with this id"
        meta = self._user_meta([uid])[uid]
        address = Address(meta.get("billing_first_name") or meta.get("first_name", ""),
                          meta.get("billing_last_name") or meta.get("last_name", ""),
                          meta.get("billing_address_1", ""), meta.get("billing_postcode", ""),
                          meta.get("billing_city", ""), meta.get("billing_country", ""),
                          company=meta.get("billing_company", ""),
                          street2=meta.get("billing_address_2", ""),
                          state=meta.get("billing_state", ""))
        return {"id": uid, "first": address.first_name, "last": address.last_name,
                "email": meta.get("billing_email") or row.user_email,
                "phone": meta.get("billing_phone", ""), "address": address}

    def _policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        """(policy, account, problem). WooCommerce's own guest orders are customer 0: a guest
        policy with guest_customer_id = 0 writes them without any account."""
        policy = self.supplier.customer_policy
        if policy == "customer":
            return policy, None, None
        value = getattr(self.supplier, f"{policy}_customer_id")
        if policy == "guest" and str(value) == "0":
            return policy, None, None
        account = self._account(value)
        if isinstance(account, str):
            return policy, None, account
        if policy == "distributor" and not account["address"].country:
            return policy, None, "the user has no billing address (billing_country) in the shop"
        return policy, account, None

    def _match(self, orders: list[CustomerOrder]) -> dict[str, CustomerMatch]:
        policy, account, _problem = self._policy_account()
        if policy != "customer":
            uid = account["id"] if account else 0
            return {co.number: CustomerMatch(policy, uid) for co in orders}
        emails = sorted({co.customer.email.strip().lower() for co in orders})
        # user_email's collation is case-insensitive: IN finds them through its index
        email = self.case_blind(self.t("users"), "user_email", "user_email")
        rows = self.sql(f"SELECT ID, user_email FROM {self.qt('users')} "
                        f"WHERE {email} IN :emails ORDER BY ID", emails=emails)
        return match_by_email(orders, [(int(r.ID), r.user_email) for r in rows])

    # -- step 1 -----------------------------------------------------------------------------
    def _check(self, so: SupplierOrder) -> list[Finding]:
        out = Findings(self.supplier)
        if self.schema_gaps(out):
            return out.items
        _account, usable = self.checked_policy_account(out)
        if not usable:
            return out.items
        ref = self._refdata(so, fresh=True)
        out.lines(so, ref["products"], whole_quantities=True)
        codes = {a.country for t in so.transfers
                 for a in (t.customer_order.billing, t.customer_order.delivery)}
        out.places(so, self._selling_countries(codes), None)
        currency_findings(out, so, ref["rates"], rate_always=False)
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        matches = self._match([t.customer_order for t in pending])
        out.matches(so, matches)
        # only transfers ever attempted can be in the shop, and only above their floor: an
        # unbounded look-up of every pending reference read all our orders' reference rows
        out.already_written(so, self.find_by_references(*attempted(pending)))
        tables = self.tables([self.t("users"), self.t("wc_customer_lookup")])
        for t in pending:
            co = t.customer_order
            if matches[co.number].key == "new":
                user, _meta = self._new_user_values(co, datetime.now())
                out.lengths(co.number, tables[self.t("users")], user)
                out.lengths(co.number, tables[self.t("wc_customer_lookup")],
                            {"first_name": co.customer.first_name,
                             "last_name": co.customer.last_name, "email": co.customer.email,
                             "postcode": co.billing.postcode, "city": co.billing.city})
        return out.items

    # -- step 2: finding our orders ---------------------------------------------------------
    def shop_floor(self) -> int | None:
        """The highest post `ID`: every order post written later gets a higher one from the
        table's AUTO_INCREMENT (HPOS placeholders too). Only the posts layout's look-up uses
        it: WordPress indexes postmeta's `meta_key`, not `meta_value`, so without the floor it
        read every order's reference row, the shop's whole history of our orders."""
        return self.highest("posts", "ID")

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, tuple[int, int, str]]:
        """reference → (order id, customer id, status) of every order carrying it, half-written
        ones included, from the authoritative storage: HPOS's meta is indexed by value; in the
        posts layout only the posts above `floor` (a primary-key range, and postmeta's
        `post_id` range) are read."""
        found: dict[str, tuple[int, int, str]] = {}
        if not references:
            return found
        try:
            if self.storage() == "hpos":
                rows = self.sql(
                    f"SELECT m.meta_value AS ref, o.id, o.customer_id, o.status FROM "
                    f"{self.qt('wc_orders_meta')} m JOIN {self.qt('wc_orders')} o ON "
                    f"o.id = m.order_id WHERE m.meta_key = :k AND m.meta_value IN :refs "
                    f"ORDER BY o.status = :hidden, o.id", k=REFERENCE_KEY,
                    refs=sorted(set(references)), hidden=HIDDEN)
            else:
                rows = self.sql(
                    f"SELECT m.meta_value AS ref, p.ID AS id, p.post_status AS status, "
                    f"c.meta_value AS customer_id FROM {self.qt('postmeta')} m "
                    f"JOIN {self.qt('posts')} p ON p.ID = m.post_id AND p.post_type = "
                    f"'shop_order' LEFT JOIN {self.qt('postmeta')} c ON c.post_id = p.ID AND "
                    f"c.meta_key = '_customer_user' WHERE m.meta_key = :k AND "
                    f"m.meta_value IN :refs"
                    + ("" if floor is None else " AND p.ID > :floor AND m.post_id > :floor")
                    + " ORDER BY p.post_status = :hidden, p.ID",
                    k=REFERENCE_KEY, refs=sorted(set(references)), hidden=HIDDEN,
                    **({} if floor is None else {"floor": int(floor)}))
            for r in rows:
                found.setdefault(r.ref, (int(r.id), int(r.customer_id or 0), r.status))
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("wc_orders_meta" if self.storage() == "hpos"
                                                   else "postmeta")) from None
        finally:
            if end:
                self.end_read()
        return found

    # -- step 2: writing (`write` and `write_batch`: SqlShopConnector's) ---------------
    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        """One order: alone (hidden, its status set last), or in a chunk's write (`queuing`:
        looked up with the chunk, its rows queued into the chunk's multi-row INSERTs, written
        with its status)."""
        co = transfer.customer_order
        ref = self._refdata(so)
        products = ref["products"]
        if (ref["rates"].rate(co.currency) is None
                or any(sl.supplier_sku not in products or not products[sl.supplier_sku].active
                       for sl in transfer.lines)):
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products or currency changed since the check")
        existing = None if self.queuing else self._by_reference(
            [transfer.reference], end=False).get(transfer.reference)
        if existing is not None and existing[2] != HIDDEN:
            return RemoteOrder(str(existing[0]), str(existing[1]))  # written meanwhile
        if existing is not None:  # half-written by an earlier attempt (MyISAM): start afresh
            self._purge(existing[0])
        gmt = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
        user_id, created, account = self._customer(co, gmt)
        transfer.customer_match = self._last_match
        order_id = self._write_order(so, transfer, user_id, account, gmt)
        return RemoteOrder(str(order_id), str(user_id), created)

    def _purge(self, order_id: int) -> None:
        """Remove every row of a half-written (never listed) order."""
        items = [int(r[0]) for r in self.sql(
            f"SELECT order_item_id FROM {self.qt('woocommerce_order_items')} "
            f"WHERE order_id = :o", o=order_id)]
        if items:
            self.sql(f"DELETE FROM {self.qt('woocommerce_order_itemmeta')} "
                     f"WHERE order_item_id IN :ids", ids=items)
        for name, column in (("woocommerce_order_items", "order_id"), ("postmeta", "post_id"),
                             ("posts", "ID"), ("wc_order_stats", "order_id"),
                             ("wc_order_product_lookup", "order_id"), ("wc_orders", "id"),
                             ("wc_order_addresses", "order_id"),
                             ("wc_order_operational_data", "order_id"),
                             ("wc_orders_meta", "order_id")):
            if self.table(self.t(name)).exists:
                self.sql(f"DELETE FROM {self.qt(name)} WHERE {column} = :o", o=order_id)

    def _customer(self, co: CustomerOrder, gmt: datetime
                  ) -> tuple[int, bool, dict[str, Any] | None]:
        """(user id — 0 for a guest —, created, distributor account), matched again inside the
        write (an earlier order of the batch may have created the user)."""
        policy, account, problem = self.policy_account()
        if problem:
            raise self.policy_error(policy, problem)
        self._last_match = policy
        if policy != "customer":
            return (account["id"] if account else 0), False, (
                account if policy == "distributor" else None)
        match = self.match_one(co)
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:
            uid = match.customer_id  # a PendingId: created by an earlier order of the chunk
            return (uid if isinstance(uid, PendingId) else int(uid)), False, None
        user, meta = self._new_user_values(co, gmt)
        user["user_login"] = self._free_login(user["user_login"])
        user["user_nicename"] = _slug(user["user_login"])[:50]
        user_id = self.queue(self.t("users"), user, key="ID", now=gmt)
        assert user_id is not None
        meta["nickname"] = user["user_login"]
        self.queue_all(self.t("usermeta"), [
            {"user_id": user_id, "meta_key": k, "meta_value": v} for k, v in meta.items()],
            key="umeta_id", now=gmt)
        self.created_customer(co, user_id)
        if self._batch is not None:  # logins of the chunk's users (not in the shop yet)
            self._batch.extra.setdefault("logins", {})[user_id] = user["user_login"]
        return user_id, True, None

    def _free_login(self, login: str) -> str:
        taken = {r[0].lower() for r in self.sql(
            f"SELECT user_login FROM {self.qt('users')} WHERE user_login LIKE :p",
            p=login[:50].replace("%", "").replace("_", "\\_") + "%")}
        if self._batch is not None:  # users queued by earlier orders of the chunk
            taken |= {x.lower() for x in self._batch.extra.get("logins", {}).values()}
        if login.lower() not in taken:
            return login
        n = 2
        while f"{login[:55]}-{n}".lower() in taken:
            n += 1
        return f"{login[:55]}-{n}"

    def _new_user_values(self, co: CustomerOrder, gmt: datetime
                         ) -> tuple[dict[str, Any], dict[str, str]]:
        """A WordPress user with the customer role, as wc_create_new_customer leaves it: the
        login from the email, no password, the addresses in usermeta."""
        c = co.customer
        login = c.email.strip().lower()[:60]
        user = {"user_login": login, "user_pass": "", "user_nicename": _slug(login)[:50],
                "user_email": c.email.strip(), "user_url": "", "user_registered": gmt,
                "user_activation_key": "", "user_status": 0,
                "display_name": f"{c.first_name} {c.last_name}".strip()}
        meta = {f"{self.settings.table_prefix}capabilities":
                phpserialize.dumps({"customer": True}).decode(),
                f"{self.settings.table_prefix}user_level": "0",
                "first_name": c.first_name, "last_name": c.last_name,
                **{f"billing_{k}": v for k, v in _address(co.billing).items()},
                "billing_email": c.email.strip(), "billing_phone": c.phone,
                **{f"shipping_{k}": v for k, v in _address(co.delivery).items()}}
        return user, meta

    def _lookup_customer(self, user_id: Any, person: dict[str, str], billing: Address,
                         gmt: datetime) -> Any:
        """The analytics customer (wc_customer_lookup) of a user, or of a guest by email (in a
        chunk's write: looked up once per customer, a new one queued)."""
        table = self.t("wc_customer_lookup")
        key = user_id or person["email"].lower()
        batch = self._batch
        known = batch.extra.setdefault("lookup", {}) if batch is not None else {}
        if key in known:
            return known[key]
        logins = batch.extra.get("logins", {}) if batch is not None else {}
        queued_user = isinstance(user_id, PendingId) or user_id in logins
        row = None
        if queued_user:
            pass  # a user of this chunk: no analytics customer yet
        elif user_id:
            row = self.sql(f"SELECT customer_id FROM {self.qt('wc_customer_lookup')} "
                           f"WHERE user_id = :u", u=user_id).first()
        else:
            row = self.sql(f"SELECT customer_id FROM {self.qt('wc_customer_lookup')} "
                           f"WHERE user_id IS NULL AND email = :e ORDER BY customer_id",
                           e=person["email"]).first()
        if row is not None:
            known[key] = int(row[0])
            return known[key]
        login = ""
        if queued_user:
            login = logins.get(user_id, "")
        elif user_id:
            found = self.sql(f"SELECT user_login FROM {self.qt('users')} WHERE ID = :u",
                             u=user_id).first()
            login = found[0] if found else ""
        new_id = self.queue(table, {
            "user_id": user_id or None, "username": login, "first_name": person["first"],
            "last_name": person["last"], "email": person["email"], "date_last_active": gmt,
            "date_registered": gmt if user_id else None, "country": billing.country,
            "postcode": billing.postcode, "city": billing.city, "state": billing.state},
            key="customer_id", now=gmt)
        assert new_id is not None
        known[key] = new_id
        if batch is not None:  # no order of it in the shop: none before this chunk's
            batch.extra.setdefault("new_lookup", set()).add(new_id)
        return new_id

    def _write_order(self, so: SupplierOrder, transfer: Transfer, user_id: int,
                     account: dict[str, Any] | None, gmt: datetime) -> int:
        co = transfer.customer_order
        s = self.settings
        ref = self._ref
        amounts = order_amounts(transfer, self.supplier, ref["rates"])
        shipping_tax = amounts.shipping_tax
        cart_tax = amounts.tax - shipping_tax  # WooCommerce keeps the two apart
        local = self._local(gmt)
        billing = account["address"] if account else co.billing
        person = ({k: account[k] for k in ("first", "last", "email", "phone")} if account else
                  {"first": co.customer.first_name, "last": co.customer.last_name,
                   "email": co.customer.email.strip(), "phone": co.customer.phone})
        order_key = "wc_order_" + "".join(secrets.choice(string.ascii_letters + string.digits)
                                          for _ in range(13))
        version = self.options().get("woocommerce_version", "")
        hpos, posts = self.writes_hpos(), self.writes_posts()
        placeholder = self.storage() == "hpos" and not self.synced()
        queuing = self.queuing
        # alone: hidden until the last step; in a chunk the COMMIT shows it, so final at once
        status = s.order_status
        hidden = HIDDEN if not queuing or placeholder else status
        order_id = self.queue(self.t("posts"), {
            "post_author": 1, "post_date": local, "post_date_gmt": gmt,
            "post_title": f"Order &ndash; {local:%B %d, %Y @ %I:%M %p}", "post_excerpt": "",
            "post_status": hidden, "comment_status": "closed", "ping_status": "closed",
            "post_password": order_key, "post_name": "", "post_modified": local,
            "post_modified_gmt": gmt, "post_parent": 0, "guid": "", "menu_order": 0,
            "post_type": "shop_order_placehold" if placeholder else "shop_order",
            "comment_count": 0}, key="ID", now=gmt)
        assert order_id is not None
        address_index = {kind: " ".join(v for v in (*_address(a).values(), *extra) if v)
                         for kind, a, extra in (("billing", billing,
                                                 (person["email"], person["phone"])),
                                                ("shipping", co.delivery, ()))}
        if hpos:
            self.queue(self.t("wc_orders"), {
                "id": order_id, "status": HIDDEN if not queuing else status, "currency": co.currency, "type": "shop_order",
                "tax_amount": cart_tax, "total_amount": amounts.total,
                "customer_id": user_id, "billing_email": person["email"],
                "date_created_gmt": gmt, "date_updated_gmt": gmt, "parent_order_id": 0,
                "payment_method": s.payment_method,
                "payment_method_title": s.payment_method_title, "transaction_id": "",
                "ip_address": "", "user_agent": "orderexchange", "customer_note": ""},
                key="id", now=gmt)
            self.queue_all(self.t("wc_orders_meta"), [
                {"order_id": order_id, "meta_key": k, "meta_value": v} for k, v in (
                    (REFERENCE_KEY, transfer.reference),
                    ("_billing_address_index", address_index["billing"]),
                    ("_shipping_address_index", address_index["shipping"]))], now=gmt)
            self.queue_all(self.t("wc_order_addresses"), [
                {"order_id": order_id, "address_type": "billing", **_address(billing),
                 "email": person["email"], "phone": person["phone"]},
                {"order_id": order_id, "address_type": "shipping", **_address(co.delivery),
                 "email": None, "phone": ""}], now=gmt)
            self.queue(self.t("wc_order_operational_data"), {
                "order_id": order_id, "created_via": "orderexchange",
                "woocommerce_version": version, "prices_include_tax": 0,
                "coupon_usages_are_counted": 1, "download_permission_granted": 0,
                "cart_hash": "", "new_order_email_sent": 0, "order_key": order_key,
                "order_stock_reduced": 0, "date_paid_gmt": None, "date_completed_gmt": None,
                "shipping_tax_amount": shipping_tax, "shipping_total_amount": amounts.shipping,
                "discount_tax_amount": Decimal("0"), "discount_total_amount": Decimal("0"),
                "recorded_sales": 0}, now=gmt)
        if posts:
            meta = [(REFERENCE_KEY, transfer.reference), ("_order_key", order_key),
                    ("_customer_user",
                     user_id if isinstance(user_id, PendingId) else str(user_id)),
                    ("_payment_method", s.payment_method),
                    ("_payment_method_title", s.payment_method_title),
                    ("_created_via", "orderexchange"), ("_order_currency", co.currency),
                    ("_prices_include_tax", "no"), ("_customer_ip_address", ""),
                    ("_customer_user_agent", "orderexchange"),
                    *((f"_billing_{k}", v) for k, v in _address(billing).items()),
                    ("_billing_email", person["email"]), ("_billing_phone", person["phone"]),
                    *((f"_shipping_{k}", v) for k, v in _address(co.delivery).items()),
                    ("_shipping_phone", ""), ("_order_shipping", _plain(amounts.shipping)),
                    ("_order_shipping_tax", _plain(shipping_tax)),
                    ("_order_tax", _plain(cart_tax)),
                    ("_order_total", _plain(amounts.total)), ("_cart_discount", "0"),
                    ("_cart_discount_tax", "0"), ("_order_version", version),
                    ("_billing_address_index", address_index["billing"]),
                    ("_shipping_address_index", address_index["shipping"]),
                    ("_recorded_sales", "no"), ("_order_stock_reduced", "no")]
            self.queue_all(self.t("postmeta"), [
                {"post_id": order_id, "meta_key": k, "meta_value": v} for k, v in meta],
                key="meta_id", now=gmt)
        lines = self._insert_items(order_id, transfer, amounts, ref, gmt)
        customer = self._lookup_customer(user_id, person, billing, gmt)
        self._insert_analytics(order_id, customer, lines, amounts, local, gmt)
        if queuing:
            return order_id
        # the last step: only now do the admin's order lists show it
        update_row(self.conn, self.t("posts"), {
            "post_status": HIDDEN if placeholder else status}, {"ID": order_id})
        if hpos:
            update_row(self.conn, self.t("wc_orders"), {"status": status}, {"id": order_id})
        return order_id

    def _rate_of(self, rate: Decimal, country: str, ref: dict[str, Any]) -> tuple[int, str, str]:
        """(tax_rate_id, label, tax class) of a VAT rate in the shop's tax table: the rate of the
        delivery country first, else any with that percentage; (0, 'VAT n%', '') if none."""
        best = None
        for r in ref["tax_rates"]:
            try:
                same = Decimal(str(r.tax_rate)) == rate
            except ArithmeticError:
                continue
            if same and (best is None or (r.tax_rate_country == country
                                          and best.tax_rate_country != country)):
                best = r
        if best is None:
            return 0, f"VAT {plain_rate(rate)}%", ""
        return int(best.tax_rate_id), best.tax_rate_name or f"VAT {plain_rate(rate)}%", \
            best.tax_rate_class or ""

    def _insert_items(self, order_id: int, transfer: Transfer, amounts: Any,
                      ref: dict[str, Any], gmt: datetime) -> list[tuple[int, Any]]:
        """Line, tax and shipping items with their meta, as WC_Order_Item_* save them (the items
        in one multi-row INSERT where the server numbers it consecutively); returns (item id,
        line amounts) of the lines."""
        country = transfer.customer_order.delivery.country
        products = ref["products"]
        rows: list[dict[str, Any]] = []
        metas: list[list[tuple[str, str]]] = []
        for a in amounts.lines:
            product = products[a.line.supplier_sku]
            rate_id, _label, tax_class = self._rate_of(a.rate, country, ref)
            rows.append({"order_item_name": product.name or a.line.line.name,
                         "order_item_type": "line_item", "order_id": order_id})
            taxes = phpserialize.dumps({"total": {rate_id: _plain(a.tax)},
                                        "subtotal": {rate_id: _plain(a.tax)}}).decode()
            metas.append([
                ("_product_id", str(product.id)), ("_variation_id", "0"),
                ("_qty", str(int(a.quantity))), ("_tax_class", tax_class),
                ("_line_subtotal", _plain(a.net)), ("_line_subtotal_tax", _plain(a.tax)),
                ("_line_total", _plain(a.net)), ("_line_tax", _plain(a.tax)),
                ("_line_tax_data", taxes)])
        shipping_rate, shipping_tax = amounts.shipping_rate, amounts.shipping_tax
        shipping_rate_id = 0
        for rate, _net, tax in amounts.tax_by_rate():
            rate_id, label, _class = self._rate_of(rate, country, ref)
            on_shipping = shipping_tax if rate == shipping_rate else Decimal("0")
            if on_shipping:
                shipping_rate_id = rate_id
            rows.append({"order_item_name": f"{country}-{label}-{rate_id}",
                         "order_item_type": "tax", "order_id": order_id})
            metas.append([("rate_id", str(rate_id)), ("label", label), ("compound", ""),
                          ("tax_amount", _plain(tax - on_shipping)),
                          ("shipping_tax_amount", _plain(on_shipping)),
                          ("rate_percent", plain_rate(rate))])
        rows.append({"order_item_name": self.settings.shipping_method_title,
                     "order_item_type": "shipping", "order_id": order_id})
        metas.append([("method_id", "orderexchange"), ("instance_id", "0"),
                      ("cost", _plain(amounts.shipping)), ("total_tax", _plain(shipping_tax)),
                      ("taxes", phpserialize.dumps(
                          {"total": {shipping_rate_id: _plain(shipping_tax)}
                           if shipping_tax else {}}).decode())])
        ids = self.queue_numbered(self.t("woocommerce_order_items"), rows,
                                  key="order_item_id", now=gmt)
        self.queue_all(self.t("woocommerce_order_itemmeta"), [
            {"order_item_id": item_id, "meta_key": k, "meta_value": v}
            for item_id, pairs in zip(ids, metas, strict=True) for k, v in pairs],
            key="meta_id", now=gmt)
        return list(zip(ids, amounts.lines))

    def _insert_analytics(self, order_id: int, customer: int, lines: list[tuple[int, Any]],
                          amounts: Any, local: datetime, gmt: datetime) -> None:
        """The rows WooCommerce Analytics' order and product reports read (what its
        OrdersStatsDataStore / ProductsDataStore sync_order would write)."""
        batch = self._batch
        if batch is None:
            returning = self.sql(f"SELECT 1 FROM {self.qt('wc_order_stats')} WHERE "
                                 f"customer_id = :c AND order_id <> :o LIMIT 1",
                                 c=customer, o=order_id).first() is not None
        else:  # in a chunk: an earlier order of it, else one look-up per old customer
            seen = batch.extra.setdefault("ordered", set())
            returning = customer in seen or (
                customer not in batch.extra.get("new_lookup", ()) and self.sql(
                    f"SELECT 1 FROM {self.qt('wc_order_stats')} WHERE customer_id = :c "
                    f"LIMIT 1", c=customer).first() is not None)
            seen.add(customer)
        self.queue(self.t("wc_order_stats"), {
            "order_id": order_id, "parent_id": 0, "date_created": local,
            "date_created_gmt": gmt, "date_paid": None, "date_completed": None,
            "num_items_sold": sum(int(a.quantity) for _i, a in lines),
            "total_sales": amounts.total, "tax_total": amounts.tax,
            "shipping_total": amounts.shipping, "net_total": amounts.subtotal,
            "returning_customer": 1 if returning else 0, "status": self.settings.order_status,
            "customer_id": customer}, key="order_id", now=gmt)
        self.queue_all(self.t("wc_order_product_lookup"), [{
            "order_item_id": item_id, "order_id": order_id,
            "product_id": self._ref["products"][a.line.supplier_sku].id, "variation_id": 0,
            "customer_id": customer, "date_created": local, "product_qty": int(a.quantity),
            "product_net_revenue": a.net, "product_gross_revenue": a.gross,
            "coupon_amount": 0, "tax_amount": a.tax, "shipping_amount": 0,
            "shipping_tax_amount": 0} for item_id, a in lines], key="order_item_id", now=gmt)

    # -- the way back ------------------------------------------------------------------------
    def _statuses(self, ids: list[int]) -> dict[int, str]:
        if self.storage() == "hpos":
            rows = self.sql(f"SELECT id, status FROM {self.qt('wc_orders')} WHERE id IN :ids",
                            ids=ids)
        else:
            rows = self.sql(f"SELECT ID AS id, post_status AS status FROM {self.qt('posts')} "
                            f"WHERE ID IN :ids AND post_type = 'shop_order'", ids=ids)
        return {int(r.id): r.status for r in rows}

    def _tracking(self, ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
        """order id → (tracking number, shipped at) from the configured tracking meta."""
        if self.storage() == "hpos":
            sql = (f"SELECT order_id AS id, meta_value FROM {self.qt('wc_orders_meta')} "
                   f"WHERE order_id IN :ids AND meta_key = :k ORDER BY id")
        else:
            sql = (f"SELECT post_id AS id, meta_value FROM {self.qt('postmeta')} "
                   f"WHERE post_id IN :ids AND meta_key = :k ORDER BY meta_id")
        out = {}
        for r in self.sql(sql, ids=ids, k=self.settings.tracking_meta_key):
            out[int(r.id)] = _tracking_of(r.meta_value or "")
        return out

    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """Status (WooCommerce's own name), tracking number and shipping date of written orders.
        An order the supplier deleted is absent from the result."""
        try:
            ids = self.order_ids(transfers)
            if not ids:
                return {}
            wanted = sorted(set(ids.values()))
            statuses = self._statuses(wanted)
            tracking = self._tracking(wanted)
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier) from None
        finally:
            self.end_read()
        out = {}
        for reference, order_id in ids.items():
            status = statuses.get(order_id)
            if status is None or status in ("trash", HIDDEN):
                continue
            number, shipped = tracking.get(order_id, (None, None))
            out[reference] = RemoteStatus(
                order_id=str(order_id), status=STATUS_NAMES.get(status, status),
                status_id=status, progressed=status != self.settings.order_status,
                cancelled=status == "wc-cancelled", tracking_number=number, shipped_at=shipped)
        return out

    def cancel(self, transfer: Transfer) -> None:
        """Set `wc-cancelled` in every storage the shop keeps (and its analytics row) — only while
        the order is in one of `cancellable_statuses`. Cancelling twice changes nothing."""
        co = transfer.customer_order
        order_id = self.order_ids([transfer]).get(transfer.reference)
        self.end_read()
        if not order_id:
            raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                          remote=transfer.remote_order_id or "?", reference=transfer.reference)

        def run() -> None:
            status = self._statuses([order_id]).get(order_id)
            if status is None or status == "trash":
                raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                              remote=order_id, reference=transfer.reference)
            if status == "wc-cancelled":
                return
            if status not in self.settings.cancellable_statuses:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=order_id,
                              status=f"{STATUS_NAMES.get(status, status)} ({status})",
                              allowed=", ".join(self.settings.cancellable_statuses),
                              setting="cancellable_statuses")
            gmt = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
            if self.storage() == "hpos":
                hit = self.sql(f"UPDATE {self.qt('wc_orders')} SET status = 'wc-cancelled', "
                               f"date_updated_gmt = :now WHERE id = :o AND status = :old",
                               now=gmt, o=order_id, old=status)
            else:
                hit = self.sql(f"UPDATE {self.qt('posts')} SET post_status = 'wc-cancelled', "
                               f"post_modified = :local, post_modified_gmt = :now WHERE ID = :o "
                               f"AND post_status = :old", local=self._local(gmt), now=gmt,
                               o=order_id, old=status)
            if hit.rowcount != 1:  # the supplier changed it this very moment
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=order_id, status="another status",
                              allowed=", ".join(self.settings.cancellable_statuses),
                              setting="cancellable_statuses")
            if self.synced():  # the other storage follows
                if self.storage() == "hpos":
                    self.sql(f"UPDATE {self.qt('posts')} SET post_status = 'wc-cancelled', "
                             f"post_modified_gmt = :now WHERE ID = :o", now=gmt, o=order_id)
                elif self.writes_hpos():
                    self.sql(f"UPDATE {self.qt('wc_orders')} SET status = 'wc-cancelled', "
                             f"date_updated_gmt = :now WHERE id = :o", now=gmt, o=order_id)
            self.sql(f"UPDATE {self.qt('wc_order_stats')} SET status = 'wc-cancelled' "
                     f"WHERE order_id = :o", o=order_id)

        self.in_transaction(run, self.write_locks([transfer], None))

    # -- self-test stages --------------------------------------------------------------------
    def reference_stage(self) -> tuple[bool, str]:
        s = self.settings
        problems, facts = [], [f"order_status {s.order_status} = {STATUS_NAMES[s.order_status]}"]
        for status in s.cancellable_statuses:
            if status not in STATUS_NAMES:
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                        setting="cancellable_statuses", value=status,
                                        detail="not a WooCommerce order status"))
        currency = (self.options().get("woocommerce_currency") or "").upper()
        if currency:
            facts.append(f"shop currency {currency} (woocommerce_currency)")
        else:
            problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                    setting="woocommerce_currency", value="(unset)",
                                    detail=f"not in {self.t('options')}"))
        if self.supplier.currencies:
            problems += self.currency_problems([currency], f"{self.t('options')} "
                                                           f"woocommerce_currency")
        rates = self._tax_rates()
        facts.append(f"{len(rates)} tax rates")
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
            return True, ("customers are matched by user_email; new ones become users with the "
                          "customer role")
        if account is None:
            return True, "guest orders (customer 0, WooCommerce's own guest checkout)"
        return True, (f"orders go to user {account['id']} ({account['first']} "
                      f"{account['last']}, {policy})")

    def trial_write(self) -> tuple[bool, str]:
        product = self.sql(f"SELECT l.sku FROM {self.qt('wc_product_meta_lookup')} l JOIN "
                           f"{self.qt('posts')} p ON p.ID = l.product_id AND p.post_status = "
                           f"'publish' WHERE l.sku <> '' ORDER BY l.product_id LIMIT 1").first()
        currency = (self.options().get("woocommerce_currency") or "").upper()
        country = (self.supplier.countries or ["DE"])[0]
        self.end_read()
        if product is None or not currency:
            return False, stage_text(OXError(
                "OX-DB-008", supplier=self.supplier.id,
                detail="the shop needs a published product with a SKU and its "
                       "woocommerce_currency for a sample order"))
        return self.sample_trial(product[0], country, currency)


def _address(a: Address) -> dict[str, str]:
    return {"first_name": a.first_name, "last_name": a.last_name, "company": a.company,
            "address_1": a.street, "address_2": a.street2, "city": a.city, "state": a.state,
            "postcode": a.postcode, "country": a.country}


def _plain(value: Decimal) -> str:
    """An amount as WooCommerce keeps it in meta: decimal text, two places."""
    return f"{Decimal(value):.2f}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "customer"


def _tracking_of(raw: str) -> tuple[str | None, str | None]:
    """(number, shipped at) of a tracking meta value: the Shipment Tracking extension's
    serialized list (the last parcel wins), else the plain value as the number."""
    if not raw.strip():
        return None, None
    try:
        value = phpserialize.loads(raw.encode(), decode_strings=True)
    except ValueError:
        return raw.strip(), None
    entries = list(value.values()) if isinstance(value, dict) else []
    if not entries or not isinstance(entries[-1], dict):
        return None, None
    last = entries[-1]
    shipped = last.get("date_shipped")
    when = None
    if str(shipped or "").isdigit():
        when = datetime.fromtimestamp(int(shipped), UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (str(last.get("tracking_number") or "") or None), when


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [WooCommerceConnector]
