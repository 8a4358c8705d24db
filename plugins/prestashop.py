"""Connector for PrestaShop 8 (checked against the 8.x line: install-dev/data/db_structure.sql
at commit 61967d5e, see docs/connectors/prestashop.md).

Writes a customer order as PrestaShop's checkout (PaymentModule::validateOrder) leaves it:

- a `customer` in the shop's customer group with its `customer_group` row (or an is_guest
  customer in the guest group, PrestaShop's own guest checkout), matched by email first;
- the delivery and invoice `address` rows of that customer (an identical address the customer
  already has is reused, as the checkout lets them pick it);
- a `cart` (the admin's order view links to it), the `orders` row with a `reference` generated
  as Order::generateReference does (nine random capital letters), `order_detail` per line with
  its `order_detail_tax`, `order_carrier` (shipping cost, weight, later the tracking number),
  the first `order_history` row, an `order_payment` when the state is a paid one, and the
  stock: `stock_available.quantity` down and `reserved_quantity` up by the quantities sold;
- in the configured shop of a multistore installation (`id_shop`, its `id_shop_group`), with
  the shop's own order state ids (PS_OS_PAYMENT by default, PS_OS_CANCELED for `cancel`).

The exchange reference: the order's internal `note` (shown in the admin's order view) starts
with "[reference]". A look-up reads only orders above the floor recorded before the first write
(`id_order > floor`, a primary-key range), so it costs the same in a shop with a million orders.

Visibility and crash safety: PrestaShop 8 installs InnoDB tables, so an order is one
transaction and a chunk of orders one transaction. On a MyISAM install the order is written
with id_shop 0 (the admin's order list shows only the context shops' orders) and gets its shop
last; a retry finds such a half-written order by its reference, removes it and writes it anew.

Money: amounts are in the order's currency with its `conversion_rate` (currency_shop's rate of
the shop), computed by shop_money like every connector: VAT per rate on the net sum, rounded
half up, which is PrestaShop's round_mode 2 (PS_ROUND_HALF_UP) with round_type 3
(PS_ROUND_TOTAL); the order records exactly that, whatever the shop's defaults are, so a
recalculation in the admin gives the same cents.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
from collections.abc import Iterable
from datetime import datetime
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
    CustomerMatch, Findings, PendingId, Product, SqlShopConnector, coded, delete_rows, lock_name,
    marker, markers_by_length, match_by_email, quote, stage_text, update_row,
)

__version__ = "0.1.0"

#: id_shop of a half-written order on a MyISAM install: no admin shop context lists it
HIDDEN = 0
#: PrestaShop's rounding as recorded per order (classes/order/Order.php round_mode/round_type)
ROUND_HALF_UP, ROUND_TOTAL = 2, 3
CONFIG_KEYS = ("PS_VERSION_DB", "PS_VERSION", "PS_LANG_DEFAULT", "PS_CURRENCY_DEFAULT",
               "PS_CARRIER_DEFAULT", "PS_CUSTOMER_GROUP", "PS_GUEST_GROUP", "PS_OS_PAYMENT",
               "PS_OS_CANCELED", "PS_PRICE_ROUND_MODE", "PS_ROUND_TYPE", "PS_SHOP_DEFAULT",
               "PS_ATTRIBUTE_ANCHOR_SEPARATOR", "PS_INVOICE", "PS_INVOICE_RESET",
               "PS_INVOICE_START_NUMBER")
#: what the settings name, and the configuration key that gives it when unset
DEFAULTS = {"id_lang": "PS_LANG_DEFAULT", "order_state_id": "PS_OS_PAYMENT",
            "cancel_state_id": "PS_OS_CANCELED", "carrier_id": "PS_CARRIER_DEFAULT",
            "customer_group_id": "PS_CUSTOMER_GROUP"}
ZERO_DATE = "0000-00-00 00:00:00"
#: the newest order_invoice rows whose numbers the next invoice number is read from
#: (`_highest_invoice_number`): the primary key read backwards, whatever the shop's history
INVOICE_WINDOW = 200
WRITTEN = ("customer", "customer_group", "address", "cart", "orders", "order_detail",
           "order_detail_tax", "order_carrier", "order_history", "order_payment",
           "order_invoice", "order_invoice_tax", "order_invoice_payment", "stock_available")


class PrestaShopSettings(ConnectorSettings):
    #: the shop's table prefix (_DB_PREFIX_ in app/config/parameters.php)
    table_prefix: str = Field(default="ps_", pattern=r"^[A-Za-z0-9_]*$")
    #: the shop of a multistore installation the orders belong to (ps_shop.id_shop)
    id_shop: int = Field(default=1, ge=1)
    #: language of new customers and orders; unset: the shop's PS_LANG_DEFAULT
    id_lang: int | None = None
    #: state of a new order; unset: the shop's PS_OS_PAYMENT ("Payment accepted")
    order_state_id: int | None = None
    #: state `cancel` sets; unset: the shop's PS_OS_CANCELED
    cancel_state_id: int | None = None
    #: states from which `cancel` may cancel; unset: every state not yet shipped or being
    #: delivered (order_state.shipped = 0 and delivery = 0)
    cancellable_state_ids: list[int] | None = None
    #: carrier of the orders; unset: the shop's PS_CARRIER_DEFAULT
    carrier_id: int | None = None
    #: group of new customers; unset: customer_template.group, else PS_CUSTOMER_GROUP
    customer_group_id: int | None = None
    #: the payment method the admin lists (orders.payment) and the module name
    payment: str = "Drop shipping via orderexchange"
    module: str = "orderexchange"


class PrestaShopConnector(SqlShopConnector):
    type_name = "prestashop"
    settings_schema = PrestaShopSettings
    settings: PrestaShopSettings
    hidden_status = HIDDEN

    def __init__(self, supplier: Any, settings: PrestaShopSettings) -> None:
        super().__init__(supplier, settings)
        self._config: dict[str, str] | None = None
        self._shop: Any = None
        self._zero: str | None = None
        #: in a chunk's write: the stock moves and the orders whose invoice is linked to its
        #: payments, both once the chunk's rows are in (`_write_chunk`)
        self._chunk_stock: list[tuple[int, int, int]] | None = None
        self._chunk_links: list[Any] | None = None
        #: secure_key of the customers the last matches found or a chunk created (orders and
        #: carts carry it)
        self._keys: dict[Any, str] = {}
        #: the highest invoice number per year (0: PS_INVOICE_RESET off) of a whole-table
        #: read (`_highest_invoice_number`'s rare case); per connection
        self._invoice_numbers: dict[int, int] = {}

    def close(self) -> None:
        super().close()
        self._config = None
        self._shop = None
        self._zero = None
        self._invoice_numbers = {}

    # -- the shop's own settings -------------------------------------------------------------
    def shop(self) -> Any:
        """The configured shop with its group's sharing flags (None: no such shop)."""
        if self._shop is None:
            self._shop = self.sql(
                f"SELECT s.id_shop, s.id_shop_group, s.name, s.active, s.deleted, "
                f"g.name AS group_name, g.share_customer, g.share_stock FROM {self.qt('shop')} s "
                f"JOIN {self.qt('shop_group')} g ON g.id_shop_group = s.id_shop_group "
                f"WHERE s.id_shop = :s", s=self.settings.id_shop).first() or False
        return self._shop or None

    def config(self) -> dict[str, str]:
        """The configuration values of CONFIG_KEYS as Configuration::get resolves them for the
        shop: its own value, else its group's, else the global one."""
        if self._config is None:
            if self.db.conn is None:
                return {}
            shop = self.shop()
            group = shop.id_shop_group if shop else 0
            rank: dict[str, tuple[int, str]] = {}
            for r in self.sql(f"SELECT name, value, id_shop, id_shop_group FROM "
                              f"{self.qt('configuration')} WHERE name IN :names",
                              names=list(CONFIG_KEYS)):
                if r.id_shop not in (None, 0):
                    level = 3 if int(r.id_shop) == self.settings.id_shop else -1
                elif r.id_shop_group not in (None, 0):
                    level = 2 if int(r.id_shop_group) == group else -1
                else:
                    level = 1
                if level > rank.get(r.name, (0, ""))[0]:
                    rank[r.name] = (level, r.value or "")
            self._config = {k: v for k, (_level, v) in rank.items()}
        return self._config

    def setting(self, name: str) -> int:
        """A setting's id, or the configuration key's value that stands for it when unset."""
        value = getattr(self.settings, name)
        if name == "customer_group_id" and value is None:
            value = self.configured_group_id()
        if value is None:
            raw = self.config().get(DEFAULTS[name], "")
            value = int(raw) if raw.strip().isdigit() else 0
        return int(value)

    def _stock_key(self) -> tuple[int, int]:
        """(id_shop, id_shop_group) of the shop's stock rows: the group's when it shares its
        stock (StockAvailable::addSqlShopRestriction), else the shop's own."""
        shop = self.shop()
        if shop is not None and shop.share_stock:
            return 0, int(shop.id_shop_group)
        return self.settings.id_shop, 0

    def _customer_scope(self) -> tuple[str, dict[str, int]]:
        """The SQL restricting customers to those the shop sees (Shop::SHARE_CUSTOMER)."""
        shop = self.shop()
        if shop is not None and shop.share_customer:
            return "id_shop_group = :scope", {"scope": int(shop.id_shop_group)}
        return "id_shop = :scope", {"scope": self.settings.id_shop}

    def zero_date(self, fallback: datetime) -> Any:
        """PrestaShop's "no invoice/delivery yet" (invoice_date, delivery_date): the zero date,
        unless the server's SQL mode refuses it (NO_ZERO_DATE), then the order's own date."""
        if self._zero is None:
            mode = str(self.sql("SELECT @@SESSION.sql_mode").scalar() or "")
            self._zero = "fallback" if "NO_ZERO" in mode.upper() else ZERO_DATE
        return fallback if self._zero == "fallback" else ZERO_DATE

    # -- schema ------------------------------------------------------------------------------
    def required_columns(self) -> dict[str, dict[str, str]]:
        t, text, num = self.t, "text", "number"
        return {
            t("shop"): {"id_shop": "int", "id_shop_group": "int", "name": text, "active": "int"},
            t("shop_group"): {"id_shop_group": "int", "share_customer": "int",
                              "share_stock": "int"},
            t("configuration"): {"name": text, "value": text, "id_shop": "int",
                                 "id_shop_group": "int"},
            t("lang"): {"id_lang": "int", "active": "int"},
            t("country"): {"id_country": "int", "iso_code": text, "active": "int"},
            t("country_shop"): {"id_country": "int", "id_shop": "int"},
            t("currency"): {"id_currency": "int", "iso_code": text, "conversion_rate": num,
                            "active": "int", "deleted": "int"},
            t("currency_shop"): {"id_currency": "int", "id_shop": "int",
                                 "conversion_rate": num},
            t("group"): {"id_group": "int"},
            t("carrier"): {"id_carrier": "int", "name": text, "active": "int",
                           "deleted": "int"},
            t("order_state"): {"id_order_state": "int", "paid": "int", "logable": "int",
                               "shipped": "int", "delivery": "int", "deleted": "int"},
            t("order_state_lang"): {"id_order_state": "int", "id_lang": "int", "name": text},
            t("product"): {"id_product": "int", "reference": text, "weight": num,
                           "wholesale_price": num},
            t("product_shop"): {"id_product": "int", "id_shop": "int", "active": "int",
                                "price": num, "id_tax_rules_group": "int"},
            t("product_lang"): {"id_product": "int", "id_shop": "int", "id_lang": "int",
                                "name": text},
            t("product_attribute"): {"id_product_attribute": "int", "id_product": "int",
                                     "reference": text, "weight": num,
                                     "wholesale_price": num},
            t("product_attribute_shop"): {"id_product_attribute": "int", "id_shop": "int",
                                          "price": num},
            t("product_attribute_combination"): {"id_attribute": "int",
                                                 "id_product_attribute": "int"},
            t("attribute"): {"id_attribute": "int", "id_attribute_group": "int",
                             "position": "int"},
            t("attribute_lang"): {"id_attribute": "int", "id_lang": "int", "name": text},
            t("attribute_group"): {"id_attribute_group": "int", "position": "int"},
            t("attribute_group_lang"): {"id_attribute_group": "int", "id_lang": "int",
                                        "public_name": text},
            t("tax"): {"id_tax": "int", "rate": num, "active": "int", "deleted": "int"},
            t("tax_lang"): {"id_tax": "int", "id_lang": "int", "name": text},
            t("tax_rule"): {"id_tax_rules_group": "int", "id_country": "int", "id_tax": "int"},
            t("customer"): {"id_customer": "int", "id_shop": "int", "id_shop_group": "int",
                            "email": text, "firstname": text, "lastname": text,
                            "secure_key": text, "is_guest": "int", "deleted": "int",
                            "id_default_group": "int"},
            t("customer_group"): {"id_customer": "int", "id_group": "int"},
            t("address"): {"id_address": "int", "id_customer": "int", "id_country": "int",
                           "firstname": text, "lastname": text, "address1": text,
                           "postcode": text, "city": text, "deleted": "int"},
            t("cart"): {"id_cart": "int", "id_customer": "int", "delivery_option": text},
            t("orders"): {"id_order": "int", "reference": text, "id_shop": "int",
                          "id_shop_group": "int", "id_customer": "int", "id_cart": "int",
                          "current_state": "int", "total_paid_tax_incl": num,
                          "conversion_rate": num, "round_mode": "int", "round_type": "int",
                          "note": text, "date_add": "datetime"},
            t("order_detail"): {"id_order_detail": "int", "id_order": "int", "product_id": "int",
                                "product_quantity": "int", "unit_price_tax_excl": num,
                                "total_price_tax_incl": num, "tax_rate": num,
                                "tax_name": text},
            t("order_detail_tax"): {"id_order_detail": "int", "id_tax": "int",
                                    "total_amount": num},
            t("order_carrier"): {"id_order_carrier": "int", "id_order": "int",
                                 "id_carrier": "int", "tracking_number": text},
            t("order_history"): {"id_order_history": "int", "id_order": "int",
                                 "id_order_state": "int", "date_add": "datetime"},
            t("order_payment"): {"id_order_payment": "int", "order_reference": text,
                                 "amount": num, "transaction_id": text},
            t("order_invoice"): {"id_order_invoice": "int", "id_order": "int", "number": "int",
                                 "total_paid_tax_incl": num, "date_add": "datetime"},
            t("order_invoice_tax"): {"id_order_invoice": "int", "type": text, "id_tax": "int",
                                     "amount": num},
            t("order_invoice_payment"): {"id_order_invoice": "int", "id_order_payment": "int",
                                         "id_order": "int"},
            t("stock_available"): {"id_product": "int", "id_product_attribute": "int",
                                   "id_shop": "int", "id_shop_group": "int", "quantity": "int",
                                   "reserved_quantity": "int"},
        }

    def _written(self) -> list[str]:
        return [self.t(n) for n in WRITTEN]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        for table in self._written():
            needed[table] = {"SELECT", "INSERT", "UPDATE"}
        needed[self.t("stock_available")] = {"SELECT", "UPDATE"}
        # PS_INVOICE_START_NUMBER is cleared once an invoice took it (_clear_start_number)
        needed[self.t("configuration")] = {"SELECT", "UPDATE"}
        for table in self.non_transactional(self._written()):
            # no ROLLBACK: removing a half-written order and the trial write
            needed[table].add("DELETE")
        return needed

    def detect_variant(self) -> tuple[bool, str]:
        config = self.config()
        version = config.get("PS_VERSION_DB") or config.get("PS_VERSION") or ""
        shop = self.shop()
        self.end_read()
        if not version.startswith("8."):
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="PrestaShop",
                detail=f"PS_VERSION_DB is {version or '(unset)'} in "
                       f"{self.t('configuration')}; this connector is checked against 8.x"))
        if shop is None or shop.deleted or not shop.active:
            return False, stage_text(OXError(
                "OX-DB-009", supplier=self.supplier.id, setting="id_shop",
                value=self.settings.id_shop, detail=f"no active shop with this id in "
                                                    f"{self.t('shop')}"))
        shares = ", ".join(
            f"{what} {'shared' if flag else 'not shared'}" for what, flag in
            (("customers", shop.share_customer), ("stock", shop.share_stock)))
        return True, (f"PrestaShop {version}, shop {shop.id_shop} '{shop.name}' in group "
                      f"{shop.id_shop_group} '{shop.group_name}' ({shares}), table prefix "
                      f"{self.settings.table_prefix!r}")

    # -- reference data ---------------------------------------------------------------------
    def _states(self) -> dict[int, Any]:
        return {int(r.id_order_state): r for r in self.sql(
            f"SELECT s.id_order_state, s.paid, s.logable, s.shipped, s.delivery, s.deleted, "
            f"s.invoice, "
            f"l.name FROM {self.qt('order_state')} s LEFT JOIN {self.qt('order_state_lang')} l "
            f"ON l.id_order_state = s.id_order_state AND l.id_lang = :l",
            l=self.setting("id_lang"))}

    def _rates(self) -> ShopRates:
        """The shop's active currencies with its own conversion rates (currency_shop, which
        PrestaShop reads per shop; the default currency's rate is 1)."""
        rows = self.sql(
            f"SELECT c.iso_code, COALESCE(cs.conversion_rate, c.conversion_rate) AS rate "
            f"FROM {self.qt('currency')} c JOIN {self.qt('currency_shop')} cs ON "
            f"cs.id_currency = c.id_currency AND cs.id_shop = :s WHERE c.active = 1 AND "
            f"c.deleted = 0", s=self.settings.id_shop)
        return ShopRates.of([(r.iso_code, r.rate) for r in rows],
                            f"{self.t('currency_shop')} of shop {self.settings.id_shop}")

    def _currency_ids(self) -> dict[str, int]:
        return {r.iso_code.upper(): int(r.id_currency) for r in self.sql(
            f"SELECT id_currency, iso_code FROM {self.qt('currency')} WHERE deleted = 0 "
            f"ORDER BY active DESC, id_currency DESC")}

    def _countries(self, codes: Iterable[str]) -> dict[str, int]:
        """ISO code → id_country of the active countries the shop sells to (country_shop)."""
        return {r.iso_code.upper(): int(r.id_country) for r in self.sql(
            f"SELECT c.id_country, c.iso_code FROM {self.qt('country')} c JOIN "
            f"{self.qt('country_shop')} cs ON cs.id_country = c.id_country AND cs.id_shop = :s "
            f"WHERE c.active = 1 AND c.iso_code IN :codes", s=self.settings.id_shop,
            codes=sorted(set(codes)))}

    def _products(self, skus: Iterable[str]) -> dict[str, Product]:
        """Products by their SKU as the shop sells them in the configured shop (active there,
        its price, name and stock): a product's `reference`, else a combination's
        (`product_attribute.reference`; both columns are indexed)."""
        skus = sorted(set(skus))
        if not skus:
            return {}
        sa_shop, sa_group = self._stock_key()
        params = {"s": self.settings.id_shop, "l": self.setting("id_lang"), "sas": sa_shop,
                  "sag": sa_group}
        joins = (f"JOIN {self.qt('product_shop')} ps ON ps.id_product = p.id_product AND "
                 f"ps.id_shop = :s LEFT JOIN {self.qt('product_lang')} pl ON pl.id_product = "
                 f"p.id_product AND pl.id_shop = :s AND pl.id_lang = :l")
        out: dict[str, Product] = {}
        for r in self.sql(
                f"SELECT p.id_product, p.reference, p.weight, p.wholesale_price, p.ean13, "
                f"p.upc, p.isbn, p.mpn, p.supplier_reference, ps.active, ps.price, "
                f"ps.id_tax_rules_group, pl.name, sa.quantity FROM {self.qt('product')} p "
                f"{joins} LEFT JOIN {self.qt('stock_available')} sa ON sa.id_product = "
                f"p.id_product AND sa.id_product_attribute = 0 AND sa.id_shop = :sas AND "
                f"sa.id_shop_group = :sag WHERE p.reference IN :skus ORDER BY ps.active, "
                f"p.id_product", skus=skus, **params):
            # an active product wins over a disabled one with the same reference
            out[r.reference] = _product(r, r.reference, 0, r.name or "", r.price, r.weight,
                                        r.wholesale_price)
        rest = [sku for sku in skus if sku not in out or not out[sku].active]
        if not rest:
            return out
        rows = list(self.sql(
            f"SELECT pa.id_product_attribute, pa.reference, p.id_product, pa.ean13, pa.upc, "
            f"pa.isbn, pa.mpn, pa.supplier_reference, p.weight AS base_weight, pa.weight, "
            f"p.wholesale_price AS base_wholesale, pa.wholesale_price, ps.active, ps.price, "
            f"pas.price AS impact, ps.id_tax_rules_group, pl.name, sa.quantity FROM "
            f"{self.qt('product_attribute')} pa JOIN {self.qt('product_attribute_shop')} pas "
            f"ON pas.id_product_attribute = pa.id_product_attribute AND pas.id_shop = :s JOIN "
            f"{self.qt('product')} p ON p.id_product = pa.id_product {joins} LEFT JOIN "
            f"{self.qt('stock_available')} sa ON sa.id_product = p.id_product AND "
            f"sa.id_product_attribute = pa.id_product_attribute AND sa.id_shop = :sas AND "
            f"sa.id_shop_group = :sag WHERE pa.reference IN :skus ORDER BY ps.active, "
            f"pa.id_product_attribute", skus=rest, **params))
        names = self._attribute_names([int(r.id_product_attribute) for r in rows])
        for r in rows:
            attribute = int(r.id_product_attribute)
            label = names.get(attribute, "")
            name = (r.name or "") + (f" - {label}" if label else "")
            wholesale = r.wholesale_price if r.wholesale_price else r.base_wholesale
            found = _product(r, r.reference, attribute, name,
                             Decimal(str(r.price or 0)) + Decimal(str(r.impact or 0)),
                             Decimal(str(r.base_weight or 0)) + Decimal(str(r.weight or 0)),
                             wholesale)
            if r.reference not in out or found.active:
                out[r.reference] = found
        return out

    def _attribute_names(self, ids: list[int]) -> dict[int, str]:
        """id_product_attribute → "Size : L- Color : Black", as Cart::cacheSomeAttributesLists
        joins a combination's attributes (group public name " : " attribute name, then the
        shop's PS_ATTRIBUTE_ANCHOR_SEPARATOR and a space; ordered by group and attribute
        position; the trailing separator and spaces cut)."""
        if not ids:
            return {}
        separator = self.config().get("PS_ATTRIBUTE_ANCHOR_SEPARATOR", "-")
        lang = self.setting("id_lang")
        out: dict[int, str] = {}
        for r in self.sql(
                f"SELECT pac.id_product_attribute, agl.public_name, al.name FROM "
                f"{self.qt('product_attribute_combination')} pac LEFT JOIN "
                f"{self.qt('attribute')} a ON a.id_attribute = pac.id_attribute LEFT JOIN "
                f"{self.qt('attribute_group')} ag ON ag.id_attribute_group = "
                f"a.id_attribute_group LEFT JOIN {self.qt('attribute_lang')} al ON "
                f"al.id_attribute = a.id_attribute AND al.id_lang = :l LEFT JOIN "
                f"{self.qt('attribute_group_lang')} agl ON agl.id_attribute_group = "
                f"ag.id_attribute_group AND agl.id_lang = :l WHERE pac.id_product_attribute "
                f"IN :ids ORDER BY ag.position, a.position", ids=sorted(set(ids)), l=lang):
            key = int(r.id_product_attribute)
            out[key] = out.get(key, "") + f"{r.public_name or ''} : {r.name or ''}{separator} "
        return {k: v.rstrip(separator + " ") for k, v in out.items()}

    def _taxes(self) -> list[Any]:
        return list(self.sql(
            f"SELECT t.id_tax, t.rate, l.name FROM {self.qt('tax')} t LEFT JOIN "
            f"{self.qt('tax_lang')} l ON l.id_tax = t.id_tax AND l.id_lang = :l "
            f"WHERE t.active = 1 AND t.deleted = 0 ORDER BY t.id_tax", l=self.setting("id_lang")))

    def _tax_rules(self) -> dict[tuple[int, int], set[int]]:
        """(tax rules group, country) → the taxes its rules apply."""
        out: dict[tuple[int, int], set[int]] = {}
        for r in self.sql(f"SELECT id_tax_rules_group, id_country, id_tax FROM "
                          f"{self.qt('tax_rule')}"):
            out.setdefault((int(r.id_tax_rules_group), int(r.id_country)), set()).add(
                int(r.id_tax))
        return out

    def _refdata(self, so: SupplierOrder, fresh: bool = False) -> dict[str, Any]:
        if fresh or self._ref_for != so.id:
            skus = {sl.supplier_sku for t in so.transfers for sl in t.lines}
            codes = {a.country for t in so.transfers
                     for a in (t.customer_order.billing, t.customer_order.delivery)}
            self._ref = {"products": self._products(skus), "rates": self._rates(),
                         "currencies": self._currency_ids(), "countries": self._countries(codes),
                         "taxes": self._taxes(), "rules": self._tax_rules(),
                         "states": self._states()}
            self._ref_for = so.id
        return self._ref

    def _tax_of(self, rate: Decimal, product: Product, country: int, ref: dict[str, Any]
                ) -> tuple[int, str]:
        """(id_tax, tax name) of a VAT rate: the product's tax rule for the delivery country
        when its rate is this one, else any active tax of that rate; (0, "n%") if none."""
        rules = ref["rules"].get((product.extra["tax_group"], country), set())
        best = None
        for t in ref["taxes"]:
            if Decimal(str(t.rate)) != rate:
                continue
            if best is None or (int(t.id_tax) in rules and int(best.id_tax) not in rules):
                best = t
        if best is None:
            return 0, f"{plain_rate(rate)}%"
        return int(best.id_tax), (best.name or f"{plain_rate(rate)}%")[:16]

    # -- customers --------------------------------------------------------------------------
    def _account(self, customer_id: Any) -> dict[str, Any] | str:
        """A configured customer (the distributor, a pseudo customer) with its first address,
        or what is wrong with it."""
        try:
            cid = int(customer_id)
        except (TypeError, ValueError):
            return "PrestaShop customer ids are whole numbers"
        row = self.sql(
            f"SELECT c.id_customer, c.firstname, c.lastname, c.email, c.secure_key, c.deleted, "
            f"a.id_address, a.company, a.firstname AS afirst, a.lastname AS alast, "
            f"a.address1, a.address2, a.postcode, a.city, a.phone, k.iso_code FROM "
            f"{self.qt('customer')} c LEFT JOIN {self.qt('address')} a ON a.id_customer = "
            f"c.id_customer AND a.deleted = 0 LEFT JOIN {self.qt('country')} k ON k.id_country "
            f"= a.id_country WHERE c.id_customer = :c ORDER BY a.id_address LIMIT 1",
            c=cid).first()
        if row is None or row.deleted:
            return "no PrestaShop customer with this id"
        address = Address(row.afirst or row.firstname, row.alast or row.lastname,
                          row.address1 or "", row.postcode or "", row.city or "",
                          row.iso_code or "", company=row.company or "",
                          street2=row.address2 or "")
        return {"id": cid, "first": row.firstname, "last": row.lastname, "email": row.email,
                "phone": row.phone or "", "secure_key": row.secure_key,
                "address_id": int(row.id_address) if row.id_address else None,
                "address": address}

    def _policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        """(policy, account, problem). A guest policy with guest_customer_id 0 writes guest
        customers (is_guest), as PrestaShop's own guest checkout does."""
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
            return policy, None, "the customer has no address in the shop"
        return policy, account, None

    def _match(self, orders: list[CustomerOrder]) -> dict[str, CustomerMatch]:
        policy, account, _problem = self._policy_account()
        if policy != "customer":
            return {co.number: CustomerMatch(policy, account["id"] if account else 0)
                    for co in orders}
        emails = sorted({co.customer.email.strip().lower() for co in orders})
        scope, params = self._customer_scope()
        # customer.email's collation is case-insensitive: IN finds them through its index
        email = self.case_blind(self.t("customer"), "email", "email")
        rows = list(self.sql(f"SELECT id_customer, email, firstname, lastname, secure_key FROM "
                             f"{self.qt('customer')} WHERE {email} IN :emails AND deleted = 0 AND "
                             f"is_guest = 0 AND {scope} ORDER BY id_customer", emails=emails,
                             **params))
        self._keys.update({int(r.id_customer): r.secure_key for r in rows})
        return match_by_email(orders, [(int(r.id_customer), r.email, r.firstname, r.lastname)
                                       for r in rows])

    # -- step 1 -----------------------------------------------------------------------------
    def _check(self, so: SupplierOrder) -> list[Finding]:
        out = Findings(self.supplier)
        if self.schema_gaps(out):
            return out.items
        if self.shop() is None:
            out.add("OX-DB-009", None, setting="id_shop", value=self.settings.id_shop,
                    detail=f"not in {self.t('shop')}")
            return out.items
        _account, usable = self.checked_policy_account(out)
        if not usable:
            return out.items
        ref = self._refdata(so, fresh=True)
        out.lines(so, ref["products"], whole_quantities=True)
        out.places(so, ref["countries"], None)
        currency_findings(out, so, ref["rates"], rate_always=False)
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        matches = self._match([t.customer_order for t in pending])
        out.matches(so, matches)
        references, floor = attempted(pending)
        out.already_written(so, self.find_by_references(references, floor=floor))
        tables = self.tables([self.t("customer"), self.t("address")])
        for t in pending:
            co = t.customer_order
            if matches[co.number].key in ("new", "guest"):
                out.lengths(co.number, tables[self.t("customer")],
                            {"firstname": co.customer.first_name,
                             "lastname": co.customer.last_name, "email": co.customer.email})
            for a in (co.billing, co.delivery):
                out.lengths(co.number, tables[self.t("address")], _address_values(a, co))
        return out.items

    # -- step 2: finding our orders ---------------------------------------------------------
    def shop_floor(self) -> int | None:
        """The highest id_order: every order written later gets a higher one."""
        return self.highest("orders", "id_order")

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, tuple[int, int, int]]:
        """reference → (order id, customer id, id_shop) of every order whose note starts with
        the reference's marker, half-written ones (id_shop 0) included, among the orders above
        `floor` (a primary-key range: the cost does not grow with the shop's history)."""
        found: dict[str, tuple[int, int, int]] = {}
        if not references:
            return found
        bound = "" if floor is None else " AND id_order > :floor"
        try:
            for length, markers in markers_by_length(references).items():
                rows = self.sql(f"SELECT SUBSTR(note, 1, {int(length)}) AS m, id_order, "
                                f"id_customer, id_shop FROM {self.qt('orders')} WHERE "
                                f"SUBSTR(note, 1, {int(length)}) IN :markers{bound} "
                                f"ORDER BY id_shop = 0, id_order", markers=markers,
                                **({} if floor is None else {"floor": int(floor)}))
                for r in rows:
                    found.setdefault(r.m[1:-1], (int(r.id_order), int(r.id_customer),
                                                 int(r.id_shop)))
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("orders")) from None
        finally:
            if end:
                self.end_read()
        return found

    # -- step 2: writing --------------------------------------------------------------------
    def _write_chunk(self, so: SupplierOrder, transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """The chunk (`write_batch`'s transaction, none of it in the shop yet), written as the
        base class writes one: every row of its orders queued — customers, addresses, carts,
        orders, invoices, lines and their taxes, carriers, histories, payments — and sent as
        one multi-row INSERT per table after the last order; the ids a later row names
        (id_customer, id_address, id_cart, id_order, id_order_invoice, id_order_detail) are
        the consecutive ids of their table's INSERT (`queue`). Then what needs those rows in
        the shop: the invoices linked to their payments (one INSERT … SELECT) and the stock
        (one UPDATE per product). The COMMIT shows all of it at once.

        Why: a statement per row and order (~7.6 per order, each a round trip) was most of a
        send into a durable server; now a chunk of 100 orders is ~20 statements."""
        self._chunk_stock, self._chunk_links = [], []
        try:
            written = super()._write_chunk(so, transfers)
            stock, links = self._chunk_stock, self._chunk_links
            self._chunk_stock = self._chunk_links = None
            if links:
                self._link_payments([int(self._resolved(o)) for o in links])
            self._move_stock(stock, -1)  # one UPDATE per product for the whole chunk
            return written
        finally:
            self._chunk_stock = self._chunk_links = None
            self._keys = {k: v for k, v in self._keys.items() if not isinstance(k, PendingId)}

    def _resolved(self, value: Any) -> Any:  # type: ignore[override]
        """A queued row's value once the rows it names are in: the cart's delivery option names
        its delivery address's id."""
        if isinstance(value, _DeliveryOption):
            return value.text(super()._resolved(value.address))
        return super()._resolved(value)

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        co = transfer.customer_order
        ref = self._refdata(so)
        products = ref["products"]
        if (ref["rates"].rate(co.currency) is None or co.currency not in ref["currencies"]
                or not {co.billing.country, co.delivery.country} <= set(ref["countries"])
                or any(sl.supplier_sku not in products or not products[sl.supplier_sku].active
                       for sl in transfer.lines)):
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products, countries or currency changed since the check")
        existing = None if self.queuing else self._by_reference(  # a chunk: looked up whole
            [transfer.reference], end=False, floor=transfer.shop_floor).get(transfer.reference)
        if existing is not None and existing[2] != HIDDEN:
            return RemoteOrder(str(existing[0]), str(existing[1]))  # written meanwhile
        if existing is not None:  # half-written by an earlier attempt (MyISAM): start afresh
            self._purge(existing[0])
        now = datetime.now().replace(microsecond=0)
        customer, created = self._customer(co, now)
        transfer.customer_match = self._last_match
        order_id = self._write_order(so, transfer, customer, now)
        return RemoteOrder(str(order_id), str(customer["id"]), created)

    def _purge(self, order_id: int) -> None:
        """Remove every row of a half-written (never listed) order."""
        self._invoice_numbers = {}  # its invoice number may be the highest read: read again
        details = [int(r[0]) for r in self.sql(
            f"SELECT id_order_detail FROM {self.qt('order_detail')} WHERE id_order = :o",
            o=order_id)]
        if details:
            self.sql(f"DELETE FROM {self.qt('order_detail_tax')} WHERE id_order_detail IN :ids",
                     ids=details)
        reference = self.sql(f"SELECT reference FROM {self.qt('orders')} WHERE id_order = :o",
                             o=order_id).scalar()
        if reference:
            self.sql(f"DELETE FROM {self.qt('order_payment')} WHERE order_reference = :r",
                     r=reference)
        invoices = [int(r[0]) for r in self.sql(
            f"SELECT id_order_invoice FROM {self.qt('order_invoice')} WHERE id_order = :o",
            o=order_id)]
        if invoices:
            self.sql(f"DELETE FROM {self.qt('order_invoice_tax')} WHERE id_order_invoice IN "
                     f":ids", ids=invoices)
        for name in ("order_invoice_payment", "order_invoice", "order_detail", "order_carrier",
                     "order_history", "orders"):
            delete_rows(self.conn, self.t(name), {"id_order": order_id})

    def _customer(self, co: CustomerOrder, now: datetime) -> tuple[dict[str, Any], bool]:
        """({id, secure_key, account, known}, created): in a chunk from its one look-up, or the
        customer an earlier order of the chunk created (`match_one`)."""
        policy, account, problem = self.policy_account()
        if problem:
            raise self.policy_error(policy, problem)
        self._last_match = policy
        if account is not None:
            return {"id": account["id"], "secure_key": account["secure_key"],
                    "account": account if policy == "distributor" else None,
                    "known": True}, False
        if policy == "guest":  # PrestaShop's guest checkout: a guest customer per order
            return self._new_customer(co, now, guest=True), True
        match = self.match_one(co)
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:  # its secure_key came with the match
            found = match.customer_id
            found = found if isinstance(found, PendingId) else int(found)
            return {"id": found, "secure_key": self._keys.get(found) or "-1", "account": None,
                    "known": True}, False
        customer = self._new_customer(co, now, guest=False)
        if self.queuing:  # a later order of the chunk with this email is theirs
            self._keys[customer["id"]] = customer["secure_key"]
            self.created_customer(co, customer["id"])
        return customer, True

    def _new_customer(self, co: CustomerOrder, now: datetime, guest: bool) -> dict[str, Any]:
        """A customer as the checkout's CustomerPersister creates one: no password the
        customer knows (an unusable hash; they reset it to log in), the shop's group, its
        secure_key, and a customer_group row."""
        c = co.customer
        shop = self.shop()
        group = (int(self.config().get("PS_GUEST_GROUP") or 2) if guest
                 else self.setting("customer_group_id"))
        key = secrets.token_hex(16)
        customer_id = self.queue(self.t("customer"), {
            "id_shop_group": shop.id_shop_group, "id_shop": self.settings.id_shop,
            "id_gender": 0, "id_default_group": group, "id_lang": self._customer_lang(),
            "id_risk": None, "company": co.billing.company or None, "firstname": c.first_name,
            "lastname": c.last_name, "email": c.email.strip(),
            "passwd": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            "last_passwd_gen": now, "newsletter": 1 if self.supplier.customer_template.newsletter
            else 0, "optin": 0, "secure_key": key, "active": 1, "is_guest": 1 if guest else 0,
            "deleted": 0, "date_add": now, "date_upd": now,
            **self.supplier.customer_template.columns}, key="id_customer", now=now)
        assert customer_id is not None
        self.queue(self.t("customer_group"), {"id_customer": customer_id, "id_group": group},
                   key="id_customer", now=now)
        return {"id": customer_id, "secure_key": key, "account": None, "known": False}

    def _customer_lang(self) -> int:
        """A new customer's language: customer_template.language (an ISO code the shop has as
        an active language), else `id_lang`."""
        code = (self.supplier.customer_template.language or "").strip().lower()[:2]
        if code:
            found = self.sql(f"SELECT id_lang FROM {self.qt('lang')} WHERE iso_code = :c AND "
                             f"active = 1", c=code).scalar()
            if found:
                return int(found)
        return self.setting("id_lang")

    def _address(self, customer: dict[str, Any], a: Address, co: CustomerOrder, alias: str,
                 now: datetime, have: list[Any]) -> Any:
        """An address of the customer: an identical one (phone included) they have already,
        else a new row."""
        values = _address_values(a, co)
        country = self._ref["countries"][a.country]
        phone = None  # its digits, worked out for the first address that matches up to it
        for r in have:
            if (int(r.id_country) == country
                    and all((getattr(r, k) or "") == (values[k] or "") for k in
                            ("firstname", "lastname", "company", "address1", "address2",
                             "postcode", "city"))
                    and _digits(r.phone) == (phone if phone is not None
                                             else (phone := _digits(values["phone"])))):
                return r.id_address if isinstance(r.id_address, PendingId) else int(r.id_address)
        new_id = self.queue(self.t("address"), {
            **values, "id_country": country, "id_state": 0, "id_customer": customer["id"],
            "alias": alias, "date_add": now, "date_upd": now, "active": 1, "deleted": 0},
            key="id_address", now=now)
        assert new_id is not None
        have.append(_Seen(new_id, country, values))
        return new_id

    def _addresses(self, customer: dict[str, Any]) -> list[Any]:
        """The addresses a customer has, for the "identical address" look: in a chunk read in
        one query for all its known customers and kept with the ones its orders add (queued,
        not yet in the shop); else read now."""
        cid = customer["id"]
        batch = self._batch
        if batch is None:
            return self._address_rows([cid]).get(cid, []) if customer["known"] else []
        cache = batch.extra.get("addresses")
        if cache is None:
            known = {int(m.customer_id) for m in batch.matches.values()
                     if m.customer_id is not None}
            _policy, account, _problem = self.policy_account()
            if account is not None:
                known.add(int(account["id"]))
            cache = batch.extra["addresses"] = self._address_rows(sorted(known))
        have = cache.get(cid)
        if have is None:
            have = cache[cid] = (self._address_rows([cid]).get(cid, []) if customer["known"]
                                 and not isinstance(cid, PendingId) else [])
        return have

    def _address_rows(self, customer_ids: list[int]) -> dict[int, list[Any]]:
        """customer id → their addresses (not deleted); every customer asked has a list."""
        out: dict[int, list[Any]] = {int(c): [] for c in customer_ids}
        if customer_ids:
            for r in self.sql(f"SELECT id_customer, id_address, id_country, firstname, lastname, "
                              f"company, address1, address2, postcode, city, phone FROM "
                              f"{self.qt('address')} WHERE id_customer IN :c AND deleted = 0 "
                              f"ORDER BY id_address", c=customer_ids):
                out[int(r.id_customer)].append(r)
        return out

    def _write_order(self, so: SupplierOrder, transfer: Transfer, customer: dict[str, Any],
                     now: datetime) -> Any:
        co = transfer.customer_order
        s, ref = self.settings, self._ref
        shop = self.shop()
        amounts = order_amounts(transfer, self.supplier, ref["rates"])
        shipping_tax = amounts.shipping_tax  # PrestaShop keeps the shipping's VAT apart
        state = ref["states"].get(self.setting("order_state_id"))
        if state is None:
            raise OXError("OX-DB-009", supplier=self.supplier.id, setting="order_state_id",
                          value=self.setting("order_state_id"),
                          detail=f"not in {self.t('order_state')}")
        account = customer["account"]
        have = self._addresses(customer)
        delivery = self._address(customer, co.delivery, co, "Delivery", now, have)
        invoice = (account["address_id"] if account is not None
                   else self._address(customer, co.billing, co, "Invoice", now, have))
        carrier, lang = self.setting("carrier_id"), self.setting("id_lang")
        currency = ref["currencies"][co.currency]
        cart_id = self.queue(self.t("cart"), {
            "id_shop_group": shop.id_shop_group, "id_shop": s.id_shop, "id_carrier": carrier,
            "delivery_option": _DeliveryOption(delivery, carrier).of_known(), "id_lang": lang,
            "id_address_delivery": delivery, "id_address_invoice": invoice,
            "id_currency": currency, "id_customer": customer["id"], "id_guest": 0,
            "secure_key": customer["secure_key"], "recyclable": 0, "gift": 0,
            "date_add": now, "date_upd": now}, key="id_cart", now=now)
        reference = generate_reference()
        hide = bool(self.non_transactional([self.t("orders")]))
        products_wt = amounts.gross_lines
        paid = bool(state.paid)
        note = (f"{marker(transfer.reference)} orderexchange: customer order {co.number}, "
                f"supplier order {so.id}")
        # the invoice's number before the order row, which carries it (Order::setInvoice)
        number = self._invoice_number(now) if state.invoice else 0
        order_id = self.queue(self.t("orders"), {
            "reference": reference, "id_shop_group": shop.id_shop_group,
            "id_shop": HIDDEN if hide else s.id_shop, "id_carrier": carrier, "id_lang": lang,
            "id_customer": customer["id"], "id_cart": cart_id, "id_currency": currency,
            "id_address_delivery": delivery, "id_address_invoice": invoice,
            "current_state": state.id_order_state, "secure_key": customer["secure_key"],
            "payment": s.payment, "conversion_rate": ref["rates"].rate(co.currency),
            "module": s.module, "recyclable": 0, "gift": 0, "mobile_theme": 0,
            "total_discounts": 0, "total_discounts_tax_incl": 0, "total_discounts_tax_excl": 0,
            "total_paid": amounts.total, "total_paid_tax_incl": amounts.total,
            "total_paid_tax_excl": amounts.subtotal + amounts.shipping,
            "total_paid_real": amounts.total if paid else 0,
            "total_products": amounts.subtotal, "total_products_wt": products_wt,
            "total_shipping": amounts.shipping + shipping_tax,
            "total_shipping_tax_incl": amounts.shipping + shipping_tax,
            "total_shipping_tax_excl": amounts.shipping,
            "carrier_tax_rate": amounts.shipping_rate,
            "total_wrapping": 0, "total_wrapping_tax_incl": 0, "total_wrapping_tax_excl": 0,
            "round_mode": ROUND_HALF_UP, "round_type": ROUND_TOTAL, "invoice_number": number,
            "delivery_number": 0,
            "invoice_date": now if state.invoice else self.zero_date(now),
            "delivery_date": self.zero_date(now), "valid": 1 if state.logable else 0,
            "date_add": now, "date_upd": now, "note": note}, key="id_order", now=now)
        assert order_id is not None
        invoice = self._invoice(order_id, amounts, now, number) if state.invoice else 0
        weight = self._insert_lines(order_id, transfer, amounts, now, invoice)
        self.queue(self.t("order_carrier"), {
            "id_order": order_id, "id_carrier": carrier, "id_order_invoice": invoice,
            "weight": weight, "shipping_cost_tax_excl": amounts.shipping,
            "shipping_cost_tax_incl": amounts.shipping + shipping_tax, "tracking_number": "",
            "date_add": now}, key="id_order_carrier", now=now)
        self.queue(self.t("order_history"), {
            "id_employee": 0, "id_order": order_id, "id_order_state": state.id_order_state,
            "date_add": now}, key="id_order_history", now=now)
        if paid:  # OrderHistory::changeIdOrderState adds the payment of a paid state
            self.queue(self.t("order_payment"), {
                "order_reference": reference, "id_currency": currency, "amount": amounts.total,
                "payment_method": s.payment, "conversion_rate": ref["rates"].rate(co.currency),
                "transaction_id": transfer.reference, "date_add": now},
                key="id_order_payment", now=now)
        if invoice and paid and self._chunk_links is not None and self.queuing:
            self._chunk_links.append(order_id)  # linked once the chunk's rows are in
        elif invoice and paid:
            self._link_payments([order_id])
        if hide:  # the last step: only now does the admin's order list show it
            update_row(self.conn, self.t("orders"), {"id_shop": s.id_shop},
                       {"id_order": order_id})
        self._move_stock([(ref["products"][a.line.supplier_sku].id,
                           ref["products"][a.line.supplier_sku].extra["attribute"],
                           int(a.quantity)) for a in amounts.lines], -1)
        return order_id

    def _insert_lines(self, order_id: Any, transfer: Transfer, amounts: Any,
                      now: datetime, invoice: Any = 0) -> Decimal:
        """order_detail per line (one multi-row INSERT where the ids come consecutive) and its
        order_detail_tax; returns the parcel's weight."""
        ref = self._ref
        country = ref["countries"][transfer.customer_order.delivery.country]
        rows, taxes, weight = [], [], Decimal("0")
        for a in amounts.lines:
            product = ref["products"][a.line.supplier_sku]
            id_tax, tax_name = self._tax_of(a.rate, product, country, ref)
            weight += product.extra["weight"] * a.quantity
            quantity = int(a.quantity)
            rows.append({
                "id_order": order_id, "id_order_invoice": invoice, "id_warehouse": 0,
                "id_shop": self.settings.id_shop, "product_id": product.id,
                "product_attribute_id": product.extra["attribute"], "id_customization": 0,
                "product_name": product.name or a.line.line.name, "product_quantity": quantity,
                "product_quantity_in_stock": max(0, min(quantity, int(product.stock))),
                "product_price": a.unit_net, "product_ean13": product.extra["ean13"],
                "product_isbn": product.extra["isbn"], "product_upc": product.extra["upc"],
                "product_mpn": product.extra["mpn"], "product_reference": product.sku,
                "product_supplier_reference": product.extra["supplier_reference"],
                "product_weight": product.extra["weight"],
                "id_tax_rules_group": product.extra["tax_group"], "tax_computation_method": 0,
                "tax_name": tax_name, "tax_rate": a.rate,
                "total_price_tax_incl": a.gross, "total_price_tax_excl": a.net,
                "unit_price_tax_incl": a.unit_net + a.unit_tax, "unit_price_tax_excl": a.unit_net,
                "purchase_supplier_price": product.extra["wholesale"],
                "original_product_price": product.price,
                "original_wholesale_price": product.extra["wholesale"]})
            taxes.append((id_tax, a))
        ids = self.queue_numbered(self.t("order_detail"), rows, key="id_order_detail", now=now)
        self.queue_all(self.t("order_detail_tax"), [
            {"id_order_detail": detail, "id_tax": id_tax, "unit_amount": a.unit_tax,
             "total_amount": a.tax}
            for detail, (id_tax, a) in zip(ids, taxes, strict=True) if id_tax],
            key="id_order_detail", now=now)
        return weight

    def _invoice(self, order_id: Any, amounts: Any, now: datetime, number: int) -> Any:
        """The order's invoice, as Order::setInvoice makes it when the state has `invoice`:
        an order_invoice with the order's totals, its number (when PS_INVOICE is on: the
        highest number + 1 — of this year with PS_INVOICE_RESET —, at least
        PS_INVOICE_START_NUMBER), the shipping's tax in order_invoice_tax, and the order's
        invoice_number / invoice_date (given with the order row). Numbers are taken under the
        shop's invoice lock (`write_locks`), so two sends never take one twice."""
        shipping_tax = amounts.shipping_tax
        invoice = self.queue(self.t("order_invoice"), {
            "id_order": order_id, "number": number, "delivery_number": 0,
            "delivery_date": None, "total_discount_tax_excl": 0, "total_discount_tax_incl": 0,
            "total_paid_tax_excl": amounts.subtotal + amounts.shipping,
            "total_paid_tax_incl": amounts.total, "total_products": amounts.subtotal,
            "total_products_wt": amounts.gross_lines,
            "total_shipping_tax_excl": amounts.shipping,
            "total_shipping_tax_incl": amounts.shipping + shipping_tax,
            "shipping_tax_computation_method": 1, "total_wrapping_tax_excl": 0,
            "total_wrapping_tax_incl": 0, "date_add": now}, key="id_order_invoice", now=now)
        assert invoice is not None
        if shipping_tax:
            tax = next((t for t in self._ref["taxes"]
                        if Decimal(str(t.rate)) == amounts.shipping_rate), None)
            self.queue(self.t("order_invoice_tax"), {
                "id_order_invoice": invoice, "type": "shipping",
                "id_tax": int(tax.id_tax) if tax is not None else 0, "amount": shipping_tax},
                key="id_order_invoice", now=now)
        return invoice

    def _invoice_number(self, now: datetime) -> int:
        """The next invoice number (0 with PS_INVOICE off): the highest + 1, at least
        PS_INVOICE_START_NUMBER (which is then cleared, as PrestaShop does). In a chunk read once, before any of its invoices is inserted,
        and counted on for its other orders (they are all under the shop's invoice lock)."""
        config = self.config()
        if config.get("PS_INVOICE", "1") != "1":
            return 0
        chunk = self._batch.extra if self._batch is not None else None
        year = now.year if config.get("PS_INVOICE_RESET") == "1" else 0
        if chunk is not None and chunk.get("invoice", (None, 0))[0] == year:
            number = chunk["invoice"][1] + 1
        else:
            start = config.get("PS_INVOICE_START_NUMBER", "").strip()
            number = self._highest_invoice_number(now) + 1
            if start.isdigit() and int(start) > 0:
                number = max(number, int(start))
                self._clear_start_number(now)
        if chunk is not None:
            chunk["invoice"] = (year, number)
        return number

    def _clear_start_number(self, now: datetime) -> None:
        """PrestaShop numbers one invoice from PS_INVOICE_START_NUMBER and then clears the key
        (Order::setLastInvoiceNumber and PaymentModule: Configuration::updateValue(…, false)).
        An invoice we number from it clears it too, in the same write: left set, the shop's
        own next invoice would take the start number again — a second invoice with our
        number. Every row of the key that applies to this shop is cleared (its own, its
        group's, the global one): a start number the shops of a group share would otherwise
        start each of them at the same number, as PrestaShop's numbers are shop-wide. The
        cached value goes too, so a later chunk of this connection numbers from the highest."""
        shop = self.shop()
        group = int(shop.id_shop_group) if shop else 0
        self.sql(f"UPDATE {self.qt('configuration')} SET value = '', date_upd = :now "
                 f"WHERE name = 'PS_INVOICE_START_NUMBER' AND value <> '' AND "
                 f"(id_shop = :shop OR (COALESCE(id_shop, 0) = 0 AND "
                 f"COALESCE(id_shop_group, 0) IN (0, :group)))",
                 now=now, shop=int(self.settings.id_shop), group=group)
        self.config()["PS_INVOICE_START_NUMBER"] = ""

    def _highest_invoice_number(self, now: datetime) -> int:
        """The highest invoice number (of `now`'s year with PS_INVOICE_RESET), as PrestaShop's
        own Order::setLastInvoiceNumber reads it (MAX(number), with the reset only the invoices
        whose date_add is of this year), read without reading the shop's history.

        order_invoice.number has no index: MAX(number) over the table read every invoice the
        shop ever made (once per chunk, then once per connection), so a send grew with the
        shop's life. PrestaShop numbers an invoice as it inserts its row (MAX + 1), so the
        highest number is among the newest rows; it is read over the INVOICE_WINDOW newest
        only (the primary key read backwards: as many rows whatever the table's size and its
        id gaps), which also covers invoices the shop is writing meanwhile and rows still
        without a number. The one older row that can carry the highest number is a delivery
        slip's row that the order's invoice reused later (Order::setInvoice:
        getOrderInvoiceIdIfHasDelivery): its order holds the number in orders.invoice_number,
        which is indexed — MAX(invoice_number) is one index dive. With the reset it is the
        orders invoiced this year (invoice_date, indexed) numbered above the window's highest:
        the optimizer reads the smaller of the two index ranges, which is bounded by this
        year's invoices, not by the shop's years (the weak spot of the reset).

        Only when the window holds no number of the scope, is not the whole table and does not
        reach (with the reset) an earlier year, the whole table is read — once per
        connection: a shop whose newest INVOICE_WINDOW invoices carry no number (invoicing
        switched on lately). Only numbers read from the shop are kept, never ones we assigned:
        a rolled-back chunk leaves no gap."""
        reset = self.config().get("PS_INVOICE_RESET") == "1"
        year = now.year if reset else 0
        table, orders = self.qt("order_invoice"), self.qt("orders")
        in_scope = "YEAR(i.date_add) = :y" if reset else "1"
        mirror = ("" if reset else f" JOIN (SELECT MAX(invoice_number) AS top FROM {orders}) o")
        row = self.sql(
            f"SELECT MAX(CASE WHEN {in_scope} THEN i.number END) AS number, COUNT(*) AS n, "
            f"MIN(YEAR(i.date_add)) AS oldest, {'NULL' if reset else 'MAX(o.top)'} AS mirror "
            f"FROM (SELECT number, date_add FROM {table} ORDER BY id_order_invoice DESC "
            f"LIMIT :w) i{mirror}",
            w=int(INVOICE_WINDOW), **({"y": year} if reset else {})).first()
        highest = int(row.number or 0)
        whole = int(row.n) < INVOICE_WINDOW
        if reset and not whole and row.oldest is not None and int(row.oldest) >= year:
            # the window is all of this year: a delivery slip of this year invoiced later
            start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
            later = self.sql(
                f"SELECT MAX(invoice_number) FROM {orders} WHERE invoice_number > :h AND "
                f"invoice_date >= :start AND invoice_date < :end",
                h=highest, start=start, end=end).scalar()
            highest = max(highest, int(later or 0))
        elif not reset and not whole:
            highest = max(highest, int(row.mirror or 0))
        if (not row.number and not whole
                and not (reset and row.oldest is not None and int(row.oldest) < year)):
            known = self._invoice_numbers.get(year)
            if known is None:
                known = int(self.sql(
                    f"SELECT MAX(number) FROM {table} i WHERE {in_scope}",
                    **({"y": year} if reset else {})).scalar() or 0)
                self._invoice_numbers[year] = known
            highest = max(highest, known)
        return highest

    def _link_payments(self, order_ids: list[int]) -> None:
        """order_invoice_payment: each order's invoice with the payments of its reference, as
        Order::setInvoice links existing payments (one statement for a whole chunk).

        STRAIGHT_JOIN: the chunk's orders (a primary-key range) first, then their invoices and
        payments by index. Left to itself, MariaDB 10.11 planned the INSERT … SELECT from a
        full scan of order_invoice's id_order index whenever that index's statistics lagged
        (right after many invoices were added): 142,000 rows per chunk in a shop with 50,000
        orders of history (bench/history_rows.py), where the SELECT alone took the range."""
        self.sql(f"INSERT INTO {self.qt('order_invoice_payment')} (id_order_invoice, "
                 f"id_order_payment, id_order) SELECT STRAIGHT_JOIN i.id_order_invoice, "
                 f"p.id_order_payment, "
                 f"o.id_order FROM {self.qt('orders')} o JOIN {self.qt('order_invoice')} i ON "
                 f"i.id_order = o.id_order JOIN {self.qt('order_payment')} p ON "
                 f"p.order_reference = o.reference WHERE o.id_order IN :ids", ids=order_ids)
        if self._journal is not None:
            self._journal += [(self.t("order_invoice_payment"), "id_order", o)
                              for o in order_ids]

    def write_locks(self, transfers: Iterable[Transfer], customer_kind: str | None) -> list[str]:
        """The base class's locks, and the shop's invoice-number lock: invoice numbers are
        the highest + 1, so two writes into one shop take them one after the other."""
        return [*super().write_locks(transfers, customer_kind),
                lock_name(self.database_name(), "invoice", self.t("order_invoice"))]

    def _move_stock(self, lines: list[tuple[int, int, int]], sign: int) -> None:
        """Sold (-1) or given back (+1): stock_available.quantity of each (product, combination)
        by the quantity and the reserved quantity the other way (PrestaShop keeps physical =
        quantity + reserved); a combination's product row too, which holds their sum (as
        StockAvailable::updateQuantity keeps it). Not during a trial write on MyISAM, where
        nothing can be rolled back."""
        if self._journal is not None and not self.table(self.t("stock_available")).transactional:
            return
        if self._chunk_stock is not None and self.queuing and sign < 0:
            self._chunk_stock += lines  # moved once for the whole chunk, in its transaction
            return
        sa_shop, sa_group = self._stock_key()
        totals: dict[tuple[int, int], int] = {}
        for product_id, attribute, quantity in lines:
            for key in {(product_id, attribute), (product_id, 0)}:
                totals[key] = totals.get(key, 0) + quantity
        for (product_id, attribute), quantity in sorted(totals.items()):
            self.sql(f"UPDATE {self.qt('stock_available')} SET quantity = quantity + :q, "
                     f"reserved_quantity = GREATEST(reserved_quantity - :q, 0) WHERE "
                     f"id_product = :p AND id_product_attribute = :a AND id_shop = :s AND "
                     f"id_shop_group = :g", q=sign * quantity, p=product_id, a=attribute,
                     s=sa_shop, g=sa_group)

    # -- the way back ------------------------------------------------------------------------
    def _orders(self, ids: list[int]) -> dict[int, Any]:
        return {int(r.id_order): r for r in self.sql(
            f"SELECT o.id_order, o.current_state, o.id_shop, l.name FROM {self.qt('orders')} o "
            f"LEFT JOIN {self.qt('order_state_lang')} l ON l.id_order_state = o.current_state "
            f"AND l.id_lang = :l WHERE o.id_order IN :ids", ids=ids,
            l=self.setting("id_lang"))}

    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """State (the shop's own name), the carrier's tracking number and the date the order
        first reached a shipped state. An order the supplier deleted is absent."""
        try:
            ids = self.order_ids(transfers)
            if not ids:
                return {}
            wanted = sorted(set(ids.values()))
            orders = self._orders(wanted)
            tracking: dict[int, str] = {}
            for r in self.sql(f"SELECT id_order, tracking_number FROM "
                              f"{self.qt('order_carrier')} WHERE id_order IN :ids "
                              f"ORDER BY id_order_carrier", ids=wanted):
                if (r.tracking_number or "").strip():
                    tracking[int(r.id_order)] = r.tracking_number.strip()
            shipped = {int(r.id_order): r.at for r in self.sql(
                f"SELECT h.id_order, MIN(h.date_add) AS at FROM {self.qt('order_history')} h "
                f"JOIN {self.qt('order_state')} s ON s.id_order_state = h.id_order_state AND "
                f"s.shipped = 1 WHERE h.id_order IN :ids GROUP BY h.id_order", ids=wanted)}
            written, cancelled = self.setting("order_state_id"), self.setting("cancel_state_id")
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier) from None
        finally:
            self.end_read()
        out = {}
        for reference, order_id in ids.items():
            row = orders.get(order_id)
            if row is None or int(row.id_shop) == HIDDEN:
                continue
            state = int(row.current_state)
            at = shipped.get(order_id)
            out[reference] = RemoteStatus(
                order_id=str(order_id), status=row.name or f"state {state}",
                status_id=str(state), progressed=state != written,
                cancelled=state == cancelled, tracking_number=tracking.get(order_id),
                shipped_at=at.strftime("%Y-%m-%d %H:%M:%S") if at else None)
        return out

    def _cancellable(self, states: dict[int, Any]) -> list[int]:
        if self.settings.cancellable_state_ids is not None:
            return list(self.settings.cancellable_state_ids)
        cancel = self.setting("cancel_state_id")
        return sorted(i for i, r in states.items()
                      if not r.shipped and not r.delivery and not r.deleted and i != cancel)

    def cancel(self, transfer: Transfer) -> None:
        """Set the cancel state (PS_OS_CANCELED) with its order_history row and give the stock
        back — only while the order is in a cancellable state. Cancelling twice changes
        nothing."""
        co = transfer.customer_order
        order_id = self.order_ids([transfer]).get(transfer.reference)
        self.end_read()
        if not order_id:
            raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                          remote=transfer.remote_order_id or "?", reference=transfer.reference)

        def run() -> None:
            row = self._orders([order_id]).get(order_id)
            if row is None or int(row.id_shop) == HIDDEN:
                raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                              remote=order_id, reference=transfer.reference)
            state, cancel = int(row.current_state), self.setting("cancel_state_id")
            if state == cancel:
                return
            states = self._states()
            allowed = self._cancellable(states)
            if state not in allowed:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=order_id, status=f"{row.name or 'state'} ({state})",
                              allowed=", ".join(map(str, allowed)),
                              setting="cancellable_state_ids")
            now = datetime.now().replace(microsecond=0)
            hit = self.sql(f"UPDATE {self.qt('orders')} SET current_state = :c, valid = 0, "
                           f"date_upd = :now WHERE id_order = :o AND current_state = :old",
                           c=cancel, now=now, o=order_id, old=state)
            if hit.rowcount != 1:  # the supplier changed it this very moment
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=order_id, status="another state",
                              allowed=", ".join(map(str, allowed)),
                              setting="cancellable_state_ids")
            self.insert(self.t("order_history"), {
                "id_employee": 0, "id_order": order_id, "id_order_state": cancel,
                "date_add": now}, key="id_order_history", now=now)
            lines = [(int(r.product_id), int(r.product_attribute_id or 0),
                      int(r.product_quantity)) for r in self.sql(
                f"SELECT product_id, product_attribute_id, product_quantity FROM "
                f"{self.qt('order_detail')} WHERE id_order = :o", o=order_id)]
            self._move_stock(lines, +1)

        self.in_transaction(run, self.write_locks([transfer], None))

    # -- self-test stages --------------------------------------------------------------------
    def reference_stage(self) -> tuple[bool, str]:
        problems, facts = [], []
        states = self._states()
        for name in ("order_state_id", "cancel_state_id"):
            value = self.setting(name)
            if value not in states or states[value].deleted:
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id, setting=name,
                                        value=value, detail=f"not in {self.t('order_state')}"))
            else:
                facts.append(f"{name} {value} = {states[value].name}")
        for name, table, column in (("carrier_id", "carrier", "id_carrier"),
                                    ("id_lang", "lang", "id_lang"),
                                    ("customer_group_id", "group", "id_group")):
            value = self.setting(name)
            extra = " AND deleted = 0 AND active = 1" if table == "carrier" else ""
            if not self.sql(f"SELECT 1 FROM {self.qt(table)} WHERE {quote(self.conn, column)} "
                            f"= :v{extra}", v=value).first():
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id, setting=name,
                                        value=value, detail=f"not in {self.t(table)}"))
        rates = self._rates()
        facts.append(f"currencies {', '.join(sorted(rates.rates))} ({self.t('currency_shop')})")
        if self.supplier.currencies:
            problems += self.currency_problems(rates.rates, self.t("currency_shop"))
        config = self.config()
        facts.append(f"shop rounding PS_PRICE_ROUND_MODE {config.get('PS_PRICE_ROUND_MODE', '?')}"
                     f", PS_ROUND_TYPE {config.get('PS_ROUND_TYPE', '?')}; orders record "
                     f"round_mode {ROUND_HALF_UP}, round_type {ROUND_TOTAL}")
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
            return True, (f"customers are matched by email in shop {self.settings.id_shop}; new "
                          f"ones join group {self.setting('customer_group_id')}")
        if account is None:
            return True, "guest customers (is_guest), as PrestaShop's own guest checkout"
        return True, (f"orders go to customer {account['id']} ({account['first']} "
                      f"{account['last']}, {policy})")

    def trial_write(self) -> tuple[bool, str]:
        product = self.sql(
            f"SELECT p.reference FROM {self.qt('product')} p JOIN {self.qt('product_shop')} ps "
            f"ON ps.id_product = p.id_product AND ps.id_shop = :s AND ps.active = 1 "
            f"WHERE p.reference <> '' ORDER BY p.id_product LIMIT 1",
            s=self.settings.id_shop).first()
        default = self.sql(f"SELECT iso_code FROM {self.qt('currency')} WHERE id_currency = :c",
                           c=int(self.config().get("PS_CURRENCY_DEFAULT") or 0)).scalar()
        countries = self._countries(self.supplier.countries or ["DE"])
        self.end_read()
        if product is None or not default or not countries:
            return False, stage_text(OXError(
                "OX-DB-008", supplier=self.supplier.id,
                detail="the shop needs an active product with a reference, its default "
                       "currency and a country it sells to for a sample order"))
        return self.sample_trial(product[0], sorted(countries)[0], default.upper())


def _product(r: Any, sku: str, attribute: int, name: str, price: Any, weight: Any,
             wholesale: Any) -> Product:
    """A Product of a product or combination row (stock from its own stock_available row)."""
    return Product(int(r.id_product), sku, bool(r.active), name, Decimal(int(r.quantity or 0)),
                   Decimal(str(price or 0)),
                   {"weight": Decimal(str(weight or 0)), "wholesale": Decimal(str(wholesale or 0)),
                    "tax_group": int(r.id_tax_rules_group or 0), "attribute": attribute,
                    **{k: getattr(r, k) for k in ("ean13", "upc", "isbn", "mpn",
                                                  "supplier_reference")}})


class _DeliveryOption:
    """A cart's delivery_option ({"id_address_delivery": "id_carrier,"}, as the checkout
    stores it) whose address may be queued in a chunk: its text once the address has its id."""

    def __init__(self, address: Any, carrier: int) -> None:
        self.address, self.carrier = address, carrier

    def text(self, address_id: Any) -> str:
        return json.dumps({str(address_id): f"{self.carrier},"})

    def of_known(self) -> Any:
        """The text now when the address id is known, else this (resolved at the flush)."""
        return self if isinstance(self.address, PendingId) else self.text(self.address)


class _Seen:
    """An address written in this order, for the next one's "identical address" look."""

    def __init__(self, id_address: int, id_country: int, values: dict[str, Any]) -> None:
        self.id_address, self.id_country = id_address, id_country
        for key, value in values.items():
            setattr(self, key, value)


def _address_values(a: Address, co: CustomerOrder) -> dict[str, Any]:
    return {"firstname": a.first_name, "lastname": a.last_name, "company": a.company or None,
            "address1": a.street, "address2": a.street2 or None, "postcode": a.postcode,
            "city": a.city, "phone": co.customer.phone or None}


def _digits(phone: str | None) -> str:
    """A phone number as compared: '+49 30 1234567' is '+49301234567'."""
    return "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")


def generate_reference() -> str:
    """An order reference as Order::generateReference makes it: nine random capital letters
    (Tools::passwdGen(9, 'NO_NUMERIC'), upper-cased)."""
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(9))


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [PrestaShopConnector]
