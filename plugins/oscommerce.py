"""Connector for the osCommerce 2.x family: osCommerce 2.3 and modified eCommerce 2.x / xt:Commerce 3.

Writes a customer order exactly as the shop's own checkout would: a customer (found by email, or
created with an address book entry and a `customers_info` row), the order with customer, billing
and delivery address, its lines, the total rows the admin list needs (`ot_total` is what makes an
order visible there), and a first status-history row. The history comment starts with
`[<exchange reference>]`; `find_by_reference` looks for that prefix before every write, so a retry
after a crash never inserts the order twice.

Two variants (setting `variant`, "auto" detects it from the schema): plain osCommerce 2.3, and
modified eCommerce, which adds customer groups (`customers_status`), a customer number
(`customers_cid`), line prices gross or net by the group's `allow_tax`, ISO country codes and
gender on the order's addresses, and many more NOT NULL columns.

Visible last. The tables may be MyISAM (old installs), where ROLLBACK does nothing. So, whatever
the engine, the order row goes in first with the hidden status 0 (the admin list joins
`orders_status`, which has no row 0), then its history row carrying the reference, the lines,
the totals with `ot_total` last, and only then the real status. On InnoDB it is also one
transaction; on MyISAM a crash leaves at most a hidden order, which the next send finds by its
reference and completes instead of inserting a second one.

Every NOT NULL column without a default is filled (`fit_row`): the shops' PHP runs with a lax SQL
mode and leaves many unset, we must work under strict mode too (SPEC §10).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, RemoteStatus, attempted,
)
from orderexchange.checks import normalise_phone
from orderexchange.errors import OXError
from orderexchange.store.key_directory import fold
from orderexchange.model import (
    Address, CustomerOrder, Finding, SupplierOrder, Transfer, TransferState,
)

from .shop_money import (
    OrderAmounts, ShopRates, currencies_of, currency_findings, four, order_amounts, plain_rate,
)
from .one_row import delete_rows, insert_row, update_row
from .shop_sql import (
    Findings, OptionalTable, SqlShopConnector, coded, consecutive_ids, execute_literal, fit_row,
    markers_by_length, marker, other_name, sample_transfer, stage_text,
)

__version__ = "0.2.0"

HIDDEN = 0  # orders_status of an order not yet complete: no orders_status row, the admin hides it

#: tables and columns this connector reads or writes (both variants); `test db` reports gaps
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
               "last_modified", "orders_status", "currency", "currency_value"),
    "orders_products": ("orders_id", "products_id", "products_model", "products_name",
                        "products_price", "final_price", "products_tax", "products_quantity"),
    "orders_total": ("orders_id", "title", "text", "value", "class", "sort_order"),
    "orders_status": ("orders_status_id", "language_id", "orders_status_name"),
    "orders_status_history": ("orders_id", "orders_status_id", "date_added",
                              "customer_notified", "comments"),
}

#: what modified eCommerce adds on top (its customer groups, numbers, ISO codes, gross/net flag)
REQUIRED_MODIFIED: dict[str, tuple[str, ...]] = {
    "customers": ("customers_cid", "customers_status", "customers_gender", "account_type"),
    "customers_status": ("customers_status_id", "language_id", "customers_status_name",
                         "customers_status_show_price_tax"),
    "address_book": ("entry_gender",),
    "orders": ("customers_cid", "customers_status", "customers_status_name",
               "customers_firstname", "customers_lastname", "delivery_firstname",
               "delivery_lastname", "delivery_country_iso_code_2", "billing_firstname",
               "billing_lastname", "billing_country_iso_code_2", "account_type"),
    "orders_products": ("allow_tax",),
}

#: column kinds `test db` checks (the rest only has to exist)
_KINDS = {"customers_id": "int", "orders_id": "int", "products_id": "int",
          "orders_status": "int", "orders_status_id": "int", "language_id": "int",
          "address_book_id": "int", "customers_info_id": "int", "countries_id": "int",
          "customers_status": "int", "customers_status_id": "int", "allow_tax": "int",
          "products_price": "number", "final_price": "number", "products_tax": "number",
          "value": "number", "currency_value": "number", "date_purchased": "datetime",
          "date_added": "datetime", "customers_name": "text", "products_name": "text",
          "comments": "text", "title": "text", "text": "text", "class": "text"}

VARIANTS = {"oscommerce2": "osCommerce 2.3", "modified": "modified eCommerce 2.x / xt:Commerce 3"}

_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


#: the match keys a supplier switches on itself, and the setting that does it: a customer found
#: only by these has another email than the order, so it may be another person
MATCH_SETTINGS = {"phone": "match_phone", "name+postcode": "match_name_postcode"}


@dataclass
class Match:
    """Who the customer of one inserted order is in the shop, and by which key it was found."""

    key: str  # one of orderexchange.model.MATCH_KEYS
    customer_id: int | None = None  # None: a new customer will be created
    #: two different shop customers matched (first id, first key, second id, second key)
    conflict: tuple[int, str, int, str] | None = None
    #: an account found by a key the supplier has not switched on (`match_phone`,
    #: `match_name_postcode`): (customer id, key); the order gets a new customer, step 1 warns
    candidate: tuple[int, str] | None = None
    #: matched by email, but the account is in another name (a family sharing one email):
    #: the account's name, for step 1's warning
    other_name: str | None = None


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


@dataclass
class _Confirmed:
    """Step 1's customer matches confirmed for one chunk (see `_confirm_plans`)."""

    asked_ids: set[int]
    asked_emails: set[str]
    ids: set[int] = field(default_factory=set)
    emails: dict[str, int] = field(default_factory=dict)
    #: accounts `_create_customers` made for this chunk and no order has used yet
    created: set[int] = field(default_factory=set)
    #: per chunk, asked once: the policy's account (distributor / guest), and modified's
    #: group facts per customer — the same for every order of that customer
    accounts: dict[tuple[Any, bool], Account | str] = field(default_factory=dict)
    facts: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Prepared:
    """One order ready to insert (see OsCommerceConnector._prepare)."""

    values: dict[str, Any]
    customer_id: int
    created: bool
    facts: dict[str, Any]
    currency: dict[str, Any]
    products: dict[str, Any]
    amounts: OrderAmounts  # in the order's currency
    rates: ShopRates
    #: `orders_total.text` in the order's currency, as the shop writes it
    money_text: _CurrencyFormat


class OsCommerceSettings(ConnectorSettings):
    table_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_]*$")
    #: "oscommerce2" (osCommerce 2.3), "modified" (modified eCommerce 2.x / xt:Commerce 3), or
    #: "auto": modified when the shop has a `customers_status` table (or `customers.customers_cid`
    #: together with `orders.billing_country_iso_code_2`), else osCommerce 2.3
    variant: Literal["auto", "oscommerce2", "modified"] = "auto"
    #: status of a new order (1 = Pending in a stock shop)
    order_status_id: int = Field(default=1, gt=0)
    #: language of product names and status names (1 = the shop's first language)
    language_id: int = 1
    payment_method: str = "Drop shipping via orderexchange"
    shipping_title: str = "Shipping:"
    subtotal_title: str = "Sub-Total:"
    tax_title: str = "Tax:"
    total_title: str = "Total:"
    #: modified: tax rows per rate; `{rate}` is replaced, "incl." for gross groups, "plus" for net
    tax_included_title: str = "incl. {rate}% VAT:"
    tax_excluded_title: str = "plus {rate}% VAT:"
    #: modified: `payment_class` / `shipping_method` / `shipping_class` written on the order
    payment_class: str = "orderexchange"
    shipping_method: str = "Drop shipping"
    shipping_class: str = "orderexchange_orderexchange"
    #: modified: customer group (`customers_status` id) of new customers; unset:
    #: customer_template.group, then 2 (stock "New customer" / "Neuer Kunde")
    customer_group_id: int | None = Field(default=None, ge=0)
    #: modified: gender code written on new customers, addresses and the order when nothing
    #: better is known (the shop's codes: "m", "f", "d"); empty leaves it blank
    gender: str = Field(default="", pattern=r"^[a-z]?$")
    #: column of the shop's `customers` table holding the customer number the supplier knows
    #: (stock osCommerce has none; modified: `customers_cid`, the default there). Unset:
    #: matching skips the customer number and goes on with phone, then name + postcode.
    customer_number_column: str | None = Field(default=None, pattern=_COLUMN)
    #: `customers` columns for the supplier's customer_template group / language / currency
    #: (stock osCommerce has none; modified: `customers_status` for the group, the default there)
    group_column: str | None = Field(default=None, pattern=_COLUMN)
    language_column: str | None = Field(default=None, pattern=_COLUMN)
    currency_column: str | None = Field(default=None, pattern=_COLUMN)
    #: status `cancel` sets. Stock osCommerce ships no cancelled status: add one in the admin
    #: (Localisation > Orders Status) and name its id here; unset, `cancel` refuses (OX-WRT-003).
    #: modified: unset means its stock status 4 ("Canceled" / "Storniert")
    cancelled_status_id: int | None = Field(default=None, gt=0)
    #: statuses from which `cancel` may cancel; unset: only the new-order status
    #: (`order_status_id`) — once the supplier moved an order on, cancelling is its business
    cancellable_status_ids: list[int] | None = None
    #: `orders` column holding a tracking number (stock osCommerce has none; add-ons add one).
    #: modified keeps parcels in `orders_tracking`, read when this is unset
    tracking_column: str | None = Field(default=None, pattern=_COLUMN)


class OsCommerceConnector(SqlShopConnector):
    type_name = "oscommerce"
    settings_schema = OsCommerceSettings
    settings: OsCommerceSettings
    hidden_status = HIDDEN
    updates_customers = True  # `update_customer = true`: see `_update_customer`

    def __init__(self, supplier: Any, settings: OsCommerceSettings) -> None:
        super().__init__(supplier, settings)
        self._reference: dict[str, dict[str, Any]] = {}
        self._reference_for: int | None = None
        self._variant: str | None = None
        self._batchable: bool | None = None
        self._confirmed: _Confirmed | None = None
        #: order number → the customer match step 1 found in this batch
        self._plan: dict[str, Match] = {}
        #: modified: customer group id → name and allow_tax, read once per connection (a send
        #: to one shop) instead of once per order; None: the group does not exist
        self._group_cache: dict[int, dict[str, Any] | None] = {}

    # -- connection -------------------------------------------------------------------------
    def close(self) -> None:
        super().close()
        self._reference_for = None
        self._variant = None
        self._batchable = None
        self._plan = {}
        self._group_cache = {}

    def insert(self, table: str, values: dict[str, Any], *, key: str | None = None,
               now: datetime | None = None, drop_unknown: bool = True) -> int | None:
        """SqlShopConnector's `insert`, run as a driver statement (one_row.py): a MyISAM shop
        (or a server without consecutive multi-row ids) writes each order alone, a handful of
        one-row statements, and SQLAlchemy's compilation of each cost more than its round
        trip. The trial write keeps the journalled original."""
        if self._journal is not None:
            return super().insert(table, values, key=key, now=now, drop_unknown=drop_unknown)
        try:
            row, _filled = fit_row(self.table(table), values,
                                   now or datetime.now().replace(microsecond=0),
                                   drop_unknown=drop_unknown)
        except KeyError as exc:  # the shop's schema changed since step 1
            raise OXError("OX-DB-003", supplier=self.supplier.id, table=table,
                          detail=f"lacks {table}.{exc.args[0]}") from None
        return insert_row(self.conn, table, row)

    def _q(self, sql: str, **params: Any) -> Any:
        assert self.db.conn is not None
        lists = [k for k, v in params.items() if isinstance(v, list)]
        # on PyMySQL the values written into the text (shop_sql.literal_text); an empty list
        # keeps SQLAlchemy's own empty IN
        if all(params[k] for k in lists) and not any(
                isinstance(v, (tuple, set, frozenset)) for v in params.values()):
            result = execute_literal(self.db.conn, sql, params)
            if result is not None:
                return result
        stmt = sa.text(sql)
        if lists:
            stmt = stmt.bindparams(*(sa.bindparam(k, expanding=True) for k in lists))
        return self.db.conn.execute(stmt, self.db.adapt(params))

    def _end_read(self) -> None:
        self.end_read()

    # -- variant and schema -----------------------------------------------------------------
    def variant(self) -> str:
        """'oscommerce2' or 'modified' (setting, or detected from the schema); '' when the
        shop has no `orders` table to recognise."""
        if self.settings.variant != "auto":
            return self.settings.variant
        if self._variant is None:
            customers = self.table(self.t("customers"))
            orders = self.table(self.t("orders"))
            # the group table is modified's mark; a customers_cid column alone is not (an
            # osCommerce shop may have added one for customer numbers), only with the ISO codes
            # modified writes on every order
            if self.table(self.t("customers_status")).exists or (
                    customers.has("customers_cid") and orders.has("billing_country_iso_code_2")):
                self._variant = "modified"
            elif orders.exists and customers.exists:
                self._variant = "oscommerce2"
            else:
                self._variant = ""
        return self._variant

    @property
    def modified(self) -> bool:
        return self.variant() == "modified"

    def _required(self) -> dict[str, tuple[str, ...]]:
        """Unprefixed table → needed columns, for the shop's variant."""
        required = dict(REQUIRED)
        if self.modified:
            for table, cols in REQUIRED_MODIFIED.items():
                required[table] = required.get(table, ()) + cols
        return required

    def required_columns(self) -> dict[str, dict[str, str]]:
        return {self.t(table): {c: _KINDS.get(c, "any") for c in cols}
                for table, cols in self._required().items()}

    def _written(self) -> list[str]:
        return [self.t(n) for n in ("orders", "orders_products", "orders_total",
                                    "orders_status_history", "customers", "address_book",
                                    "customers_info")]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        for table in self._written():
            needed[table] = {"SELECT", "INSERT"}
        needed[self.t("orders")].add("UPDATE")  # the real status last; cancel
        needed[self.t("customers")].add("UPDATE")  # the new customer's default address
        for table in self.non_transactional(self._written()):
            # no ROLLBACK: completing a half-written order and removing the trial write
            needed[table].add("DELETE")
        return needed

    def optional_tables(self) -> list[OptionalTable]:
        """modified's parcel numbers (stock since modified 2.0; xt:Commerce 3 has no such
        table), read back when no `tracking_column` is set."""
        if not self.modified or self.settings.tracking_column:
            return []
        return [OptionalTable(self.t("orders_tracking"), frozenset({"SELECT"}),
                              "tracking read-back", "read-back shows no parcel numbers and no "
                              "shipping dates", "read-back")]

    def grant_groups(self) -> list[tuple[str, dict[str, set[str]]]]:
        """With every table hidden the variant cannot be told: modified's own tables are asked
        for too, labelled, so a modified shop needs no second round."""
        groups = super().grant_groups()
        if self.settings.variant == "auto" and not self.variant():
            extra = {self.t(t): {"SELECT"} for t in REQUIRED_MODIFIED
                     if self.t(t) not in groups[0][1]}
            if not self.settings.tracking_column:
                extra[self.t("orders_tracking")] = {"SELECT"}
            groups.append(("only if this is a modified eCommerce shop", extra))
        return groups

    def detect_variant(self) -> tuple[bool, str]:
        variant = self.variant()
        if not variant:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="osCommerce",
                detail=f"no tables {self.t('orders')} and {self.t('customers')}; check "
                       f"table_prefix, or set `variant`"))
        how = "set" if self.settings.variant != "auto" else "detected"
        return True, (f"{VARIANTS[variant]} ({how}), table prefix "
                      f"{self.settings.table_prefix!r}")

    def _number_column(self) -> str | None:
        return self.settings.customer_number_column or ("customers_cid" if self.modified
                                                        else None)

    def _group_column(self) -> str | None:
        return self.settings.group_column or ("customers_status" if self.modified else None)

    def _cancelled_status(self) -> int | None:
        return self.settings.cancelled_status_id or (4 if self.modified else None)

    def _group_id(self) -> int:
        """modified: the customer group of new customers (default 2, "New customer")."""
        chosen = self.configured_group_id()
        return 2 if chosen is None else chosen

    def _groups(self, ids: set[int]) -> dict[int, dict[str, Any]]:
        """modified: customer group id → name and allow_tax (gross prices), admin language.

        Only groups not asked before on this connection are read: every order of a send copies
        its customer's group onto the order, and a shop has a handful of groups, so asking per
        order was one round trip per order (issue 15). A group renamed during one send shows
        its old name on that send's orders, as if the order had been placed a moment earlier."""
        todo = {i for i in ids if i not in self._group_cache}
        if todo:
            found = self._read_groups(todo)
            for i in todo:
                self._group_cache[i] = found.get(i)
        return {i: g for i in ids if (g := self._group_cache.get(i)) is not None}

    def _read_groups(self, ids: set[int]) -> dict[int, dict[str, Any]]:
        rows = self._q(f"SELECT customers_status_id AS id, customers_status_name AS name, "
                       f"customers_status_show_price_tax AS tax FROM "
                       f"{self.t('customers_status')} WHERE language_id = :l AND "
                       f"customers_status_id IN :ids", l=self.settings.language_id,
                       ids=sorted(ids))
        return {int(r.id): {"name": r.name, "allow_tax": int(r.tax or 0)} for r in rows}

    # -- self-test stages -------------------------------------------------------------------
    def reference_stage(self) -> tuple[bool, str]:
        """The configured status ids (and, on modified, the customer group) exist in the
        admin language — an order in a status without a name there is not listed."""
        s = self.settings
        problems, facts = [], []
        statuses = [("order_status_id", s.order_status_id)]
        if self._cancelled_status() is not None:
            statuses.append(("cancelled_status_id", self._cancelled_status()))
        names = self._status_names({v for _k, v in statuses})
        for setting, value in statuses:
            if value in names:
                facts.append(f"{setting} {value} = {names[value]}")
            else:
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id, setting=setting,
                                        value=value, detail=f"no {self.t('orders_status')} row "
                                        f"in language {s.language_id}"))
        if self.modified:
            group = self._group_id()
            found = self._read_groups({group}).get(group)
            if found:
                facts.append(f"customer group {group} = {found['name']} "
                             f"({'gross' if found['allow_tax'] else 'net'} prices)")
            else:
                problems.append(OXError(
                    "OX-DB-009", supplier=self.supplier.id, setting="customer_group_id",
                    value=group, detail=f"no {self.t('customers_status')} row in language "
                                        f"{s.language_id}"))
        if self.supplier.currencies:
            problems += self.currency_problems(self._currencies(set(self.supplier.currencies)),
                                               self.t("currencies"))
        self.end_read()
        if problems:
            return False, " | ".join(stage_text(p) for p in problems)
        return True, "; ".join(facts)

    def customer_stage(self) -> tuple[bool, str]:
        ok, detail = self._customer_stage()
        self.end_read()
        if ok:
            return True, detail
        return False, detail

    def trial_write(self) -> tuple[bool, str]:
        """A sample order through the real write path, rolled back (rows in MyISAM tables are
        deleted by key): proves the grants, the NOT NULL columns and the engines together."""
        product = self._q(f"SELECT products_model FROM {self.t('products')} WHERE "
                          f"products_status = 1 AND products_model <> '' "
                          f"ORDER BY products_id LIMIT 1").first()
        country = self._q(f"SELECT countries_iso_code_2 FROM {self.t('countries')} WHERE "
                          f"countries_iso_code_2 IN :c ORDER BY countries_iso_code_2 = 'DE' DESC "
                          f"LIMIT 1", c=list(self.supplier.countries or
                                             ["DE", "AT", "CH", "GB", "US", "FR"])).first()
        currency = self._q(f"SELECT code FROM {self.t('currencies')} ORDER BY code IN :wanted "
                           f"DESC, value = 1 DESC LIMIT 1",
                           wanted=list(self.supplier.currencies or ["EUR"])).first()
        self.end_read()
        if product is None or country is None or currency is None:
            return False, stage_text(OXError(
                "OX-DB-008", supplier=self.supplier.id,
                detail="the shop needs an active product with a model number, a country and a "
                       "currency for a sample order"))
        reference = "OX-TRIAL-" + datetime.now().strftime("%H%M%S%f")
        so, transfer = sample_transfer(self.supplier.id, reference, product[0], country[0],
                                       currency[0])

        def describe(remote: RemoteOrder) -> str:
            who = "new" if remote.customer_created else "existing"
            return (f"sample order for {product[0]} written as order {remote.order_id} "
                    f"(customer {remote.customer_id}, {who}) and removed again: nothing stayed")

        try:
            return self.trial_stage(lambda: self._write(so, transfer), describe,
                                    lambda: bool(self._by_reference([reference])))
        finally:
            self._reference_for = None
            self._plan = {}

    def _customer_stage(self) -> tuple[bool, str]:
        """Self-test: the customer policy, its account, the matching keys, the template."""
        policy = self.supplier.customer_policy
        problems = [f"{self.t('customers')} lacks {c.split('.', 1)[1]}"
                    for c in self._missing_optional_columns()]
        problems += [f"customer_template.{k}: {d}" for k, d in self._template_problems()]
        if policy == "customer":
            number = self._number_column()
            keys = ["email", "number" if number else None, "phone", "name+postcode"]
            detail = "new orders' customers are matched by " + ", ".join(k for k in keys if k)
            if not number:
                detail += " (customer number skipped: no customer_number_column)"
            detail += "; " + self.directory_note(
                ("number, " if number else "") + "phone and name+postcode")
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
    def _check(self, so: SupplierOrder) -> list[Finding]:
        out: list[Finding] = []
        sid = self.supplier.id

        def add(code: str, order: str | None, severity: str = "error", **facts: Any) -> None:
            out.append(Finding.from_error(OXError(code, order=order or "-", supplier=sid,
                                                  **facts), severity=severity, order=order))

        missing = self._missing_required() + self._missing_optional_columns()
        if missing:
            table = missing[0].split(".")[0]
            return [Finding.from_error(OXError("OX-DB-003", supplier=sid, table=table,
                                               detail="lacks " + ", ".join(missing)))]
        if not self.fact(("order status", self.settings.order_status_id,
                          self.settings.language_id), lambda: bool(self._q(
                f"SELECT 1 FROM {self.t('orders_status')} WHERE orders_status_id = :s "
                "AND language_id = :l", s=self.settings.order_status_id,
                l=self.settings.language_id).first())):
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
        money_findings = Findings(self.supplier)
        currency_findings(money_findings, so, self._rates(currencies_of(so, self.supplier)),
                          rate_always=not self.modified)
        out += money_findings.items
        lengths = {table: {name: c.length for name, c in self.table(self.t(table)).columns.items()}
                   for table in ("orders", "customers", "address_book", "orders_products")}
        # table → text key → (limit, field named): the same few dozen keys recur in every
        # customer order (~350,000 texts at 10,000 orders), each split and lower-cased once
        limits: dict[str, dict[str, tuple[int | None, str]]] = {table: {} for table in lengths}
        matches = self._match([t.customer_order for t in pending])
        self._plan = matches  # `_customer` builds on it instead of scanning the shop again
        already = self.find_by_references(*attempted(pending))
        needed: dict[str, Decimal] = defaultdict(Decimal)  # stock: cumulative per product
        for t in so.transfers:
            co = t.customer_order
            n = co.number
            if t.reference in already:
                add("OX-CHK-028", n, "warning", remote=already[t.reference].order_id,
                    reference=t.reference)
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
                if match.candidate:
                    cid, key = match.candidate
                    add("OX-CHK-040", n, "warning", customer_id=cid, key=key,
                        setting=MATCH_SETTINGS[key])
                if match.other_name:
                    add("OX-CHK-041", n, "warning", customer_id=match.customer_id,
                        email=co.customer.email, account=match.other_name,
                        name=f"{co.customer.first_name} {co.customer.last_name}")
            # the texts to fit, by table in the order they are checked (no key of one table is
            # another's): the order's, the new customer's, the lines'
            texts = [("orders", self._order_texts(co, account))]
            if match is not None and match.key == "new":  # `_customer` will create this customer
                texts += self._customer_texts(co).items()
            line_texts: dict[str, str] = {}
            texts.append(("orders_products", line_texts))
            for sl in t.lines:
                found = products.get(sl.supplier_sku)
                line_texts[f"products_model|{sl.line.line_no}"] = sl.supplier_sku
                if found is None or not found["status"]:
                    add("OX-CHK-006", n, line=sl.line.line_no, sku=sl.supplier_sku)
                    continue
                if not found["name"]:
                    # no name in the shop's language: our line name is written instead; it must fit
                    line_texts[f"products_name|{sl.line.line_no}"] = sl.line.name
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
            for table, values in texts:
                known = limits[table]
                for key, value in values.items():
                    if not value:
                        continue
                    try:
                        limit, field_name = known[key]
                    except KeyError:
                        limit, field_name = known[key] = _limit_of(lengths, table, key)
                    if limit and len(value) > limit:
                        add("OX-CHK-007", n, field=field_name, length=len(value), limit=limit)
        return out

    def _missing_required(self) -> list[str]:
        """Every needed table or table.column the live schema lacks.

        From the connection's information_schema read (`tables`: two queries for all tables,
        kept for the connection, i.e. once per send per shop), which the writes read anyway;
        step 1 used to reflect each table again (13 SHOW CREATE TABLE per supplier order)."""
        required = {self.t(k): v for k, v in self._required().items()}
        gaps: list[str] = []
        for table, info in self.tables(required).items():
            if not info.exists:
                gaps.append(table)
                continue
            gaps += [f"{table}.{c}" for c in required[table] if not info.has(c)]
        return gaps

    def _missing_optional_columns(self) -> list[str]:
        """Configured optional columns (customer number, template columns) the shop lacks."""
        customers = self.table(self.t("customers"))
        wanted = [c for c in (self._number_column(), self._group_column(),
                              self.settings.language_column, self.settings.currency_column) if c]
        return [f"{self.t('customers')}.{c}" for c in wanted if not customers.has(c)]

    def _template_problems(self) -> list[tuple[str, str]]:
        """customer_template values this shop cannot store (no column for them)."""
        template = self.supplier.customer_template
        customers = self.table(self.t("customers"))
        problems = []
        for key, column in (("group", self._group_column()),
                            ("language", self.settings.language_column),
                            ("currency", self.settings.currency_column)):
            if getattr(template, key) is not None and not column:
                problems.append((key, f"osCommerce has no customer {key}; set {key}_column"))
        for column, value in template.columns.items():
            if not customers.has(column):
                problems.append((f"columns.{column}",
                                 f"table {self.t('customers')} has no column {column}"))
            elif isinstance(value, str) and (limit := customers.columns[column.lower()].length) \
                    and len(value) > limit:
                problems.append((f"columns.{column}", f"{len(value)} characters, the column "
                                                      f"allows {limit}"))
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
        last name + postcode (any address-book entry). Phone and name + postcode find accounts of
        another email — maybe another person — so they count only where the supplier switched
        them on (`match_phone`, `match_name_postcode`); otherwise the order gets a new customer
        and step 1 names the account it passed over (OX-CHK-040). Two different shop customers
        found by the keys in use make the match ambiguous; none found means a new one.
        One query per key for the whole supplier order.
        """
        policy = self.supplier.customer_policy
        if policy != "customer":
            cid = int(getattr(self.supplier, f"{policy}_customer_id"))
            return {co.number: Match(policy, cid) for co in orders}
        found: dict[str, list[tuple[str, list[int]]]] = {co.number: [] for co in orders}

        def note(key: str, lookup: dict[Any, list[int]], value_of: Any,
                 among: list[CustomerOrder] = orders) -> None:
            for co in among:
                value = value_of(co)
                ids = lookup.get(value) if value else None
                if ids:
                    found[co.number].append((key, sorted(set(ids))))

        # modified: guest checkouts are account_type 1 rows with the same email; never them
        own = " AND account_type = 0" if self.modified else ""
        names: dict[int, tuple[str, str]] = {}  # accounts found by email → their name
        emails = {co.customer.email.lower() for co in orders if co.customer.email}
        by_email: dict[str, list[int]] = defaultdict(list)
        if emails:
            for r in self._q(f"SELECT customers_id, customers_email_address AS v, "
                             f"customers_firstname, customers_lastname FROM "
                             f"{self.t('customers')} WHERE {self._email_test()} IN :values{own}",
                             values=sorted(emails)):
                # the collation may equate more than case (accents): the same text only
                by_email[r.v.lower()].append(int(r.customers_id))
                names[int(r.customers_id)] = (r.customers_firstname or "",
                                              r.customers_lastname or "")
        note("email", by_email, lambda co: co.customer.email.lower())

        column = self._number_column()
        numbers = {co.customer.number for co in orders if co.customer.number}
        if column and numbers:
            by_number: dict[str, list[int]] = defaultdict(list)
            # a directory key is the text compared below (`str(r.v)`), exactly: no collation
            ids = self.keyed("number", numbers, self.t("customers"), "customers_id",
                             f"t.{column} AS v", lambda r: "" if r.v is None else str(r.v))
            if ids is None or ids:
                among = "" if ids is None else "customers_id IN :ids AND "
                for r in self._q(f"SELECT customers_id, {column} AS v FROM {self.t('customers')} "
                                 f"WHERE {among}{column} IN :values{own}", values=sorted(numbers),
                                 **({} if ids is None else {"ids": sorted(ids)})):
                    by_number[str(r.v)].append(int(r.customers_id))
            note("number", by_number, lambda co: co.customer.number)

        # Phone and name + postcode: no index serves them (osCommerce and modified index neither
        # customers_telephone nor address_book's names or postcodes, and the comparisons are of
        # normalised text), so without the store's directory (`keyed`) each look-up reads every
        # customer / address of the shop; with it, only the candidate rows, by primary key,
        # with the same comparison. Asked only for the orders whose result they can change: a
        # key switched off merely names an account for an order no key in use found
        # (OX-CHK-040) — with both off (the default) and every order found by email, neither
        # runs.
        def undecided() -> list[CustomerOrder]:
            return [co for co in orders if not found[co.number]]

        phone_for = orders if self.supplier.match_phone else undecided()
        phones = {co.number: normalise_phone(co.customer.phone, co.billing.country)
                  for co in orders}
        by_phone: dict[str, list[int]] = defaultdict(list)
        suffixes = {phones[co.number][-6:] for co in phone_for if phones[co.number]}
        if suffixes:
            regions = {co.billing.country for co in orders if phones[co.number]}
            digits = "customers_telephone"
            for char in (" ", "-", "/", "(", ")", ".", "+"):
                digits = f"REPLACE({digits}, '{char}', '')"
            # the shop compares the suffix in its collation: the directory's key is the shop's
            # own suffix folded at least as far (`fold`), so every row it equates is a candidate
            shop_suffix = digits.replace("customers_telephone", "t.customers_telephone")
            ids = self.keyed("phone6", {fold(x) for x in suffixes}, self.t("customers"),
                             "customers_id", f"SUBSTR({shop_suffix}, -6) AS k",
                             lambda r: fold(r.k or ""))
            among = "" if ids is None else "customers_id IN :ids AND "
            for r in (self._q(f"SELECT customers_id, customers_telephone AS v FROM "
                              f"{self.t('customers')} WHERE {among}SUBSTR({digits}, -6) IN "
                              f":values{own}", values=sorted(suffixes),
                              **({} if ids is None else {"ids": sorted(ids)}))
                      if ids is None or ids else ()):
                for region in regions:  # a shop number without prefix reads in the order's country
                    e164 = normalise_phone(r.v or "", region)
                    if e164 and int(r.customers_id) not in by_phone[e164]:
                        by_phone[e164].append(int(r.customers_id))
        note("phone", by_phone, lambda co: phones[co.number], phone_for)

        def name_key(first: str, last: str, postcode: str) -> tuple[str, str, str]:
            return (first.strip().casefold(), last.strip().casefold(),
                    postcode.replace(" ", "").upper())

        # switched off, it names an account only where no key found one (and no phone did)
        name_for = orders if self.supplier.match_name_postcode else undecided()
        postcodes = {co.billing.postcode.replace(" ", "").upper() for co in name_for
                     if co.billing.postcode.strip()}
        by_name: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        ids = None
        if postcodes:
            # a directory key is the whole name_key compared below (Python's, exactly), of the
            # orders that have a postcode: candidates are the addresses in the order's name
            ids = self.keyed(
                "name+postcode",
                {_joined(name_key(co.customer.first_name, co.customer.last_name,
                                  co.billing.postcode))
                 for co in name_for if co.billing.postcode.strip()},
                self.t("address_book"), "address_book_id",
                "t.entry_firstname AS f, t.entry_lastname AS l, t.entry_postcode AS p",
                lambda r: _joined(name_key(r.f or "", r.l or "", r.p or "")))
        if postcodes and (ids is None or ids):
            among = "" if ids is None else "a.address_book_id IN :ids AND "
            for r in self._q(f"SELECT a.customers_id, a.entry_firstname, a.entry_lastname, "
                             f"a.entry_postcode FROM {self.t('address_book')} a "
                             f"JOIN {self.t('customers')} c ON c.customers_id = a.customers_id "
                             f"WHERE {among}REPLACE(UPPER(a.entry_postcode), ' ', '') IN :values"
                             f"{own.replace('account_type', 'c.account_type')}",
                             values=sorted(postcodes),
                             **({} if ids is None else {"ids": sorted(ids)})):
                by_name[name_key(r.entry_firstname, r.entry_lastname, r.entry_postcode)].append(
                    int(r.customers_id))
        note("name+postcode", by_name, lambda co: name_key(
            co.customer.first_name, co.customer.last_name, co.billing.postcode)
            if co.billing.postcode.strip() else None, name_for)

        result: dict[str, Match] = {}
        switched_off = {key for key, setting in MATCH_SETTINGS.items()
                        if not getattr(self.supplier, setting)}
        for co in orders:
            hits = [hit for hit in found[co.number] if hit[0] not in switched_off]
            if not hits:
                others = [hit for hit in found[co.number] if hit[0] in switched_off]
                result[co.number] = Match("new", candidate=(others[0][1][0], others[0][0])
                                          if others else None)
                continue
            key, ids = hits[0]
            match = Match(key, ids[0])
            if key == "email":
                match.other_name = other_name(co, names.get(ids[0]))
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

    def _rates(self, codes: set[str]) -> ShopRates:
        """The shop's rates (`currencies.value`) of these currencies, those it has."""
        return ShopRates.of(((c, r["value"]) for c, r in self._currencies(codes).items()),
                            self.t("currencies"))

    def _customer_texts(self, co: Any) -> dict[str, dict[str, str]]:
        """What `_new_customer` writes for a new customer, by table (their columns may be
        shorter than the order's)."""
        c, b = co.customer, co.billing
        customers = {"customers_firstname": c.first_name, "customers_lastname": c.last_name,
                     "customers_email_address": c.email, "customers_telephone": c.phone}
        if self._number_column() and c.number:
            customers[self._number_column()] = c.number
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
    def shop_floor(self) -> int | None:
        """The highest `orders_id`: every order we write later gets a higher one."""
        return self.highest("orders", "orders_id")

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, tuple[int, int, int]]:
        """reference → (order id, customer id, status) of the order whose status history
        carries it, hidden (half-written) ones included; one pass for a whole supplier order.

        The shop has no column of ours to index, so the lookup compares the comment's prefix —
        of the orders above `floor` only (a range of the primary key and of the history's
        `orders_id` index): the cost does not grow with the shop's history. `end=False` inside
        a write's transaction."""
        found: dict[str, tuple[int, int, int]] = {}
        if not references:
            return found
        bound = "" if floor is None else " AND o.orders_id > :floor AND h.orders_id > :floor"
        try:
            for length, markers in markers_by_length(references).items():
                rows = self._q(
                    f"SELECT SUBSTR(h.comments, 1, {int(length)}) AS marker, h.orders_id, "
                    f"o.customers_id, o.orders_status FROM {self.t('orders')} o "
                    f"JOIN {self.t('orders_status_history')} h ON h.orders_id = o.orders_id "
                    f"WHERE SUBSTR(h.comments, 1, {int(length)}) IN :markers{bound} "
                    f"ORDER BY o.orders_status = {HIDDEN}, h.orders_id", markers=markers,
                    **({} if floor is None else {"floor": int(floor)}))
                for r in rows:
                    found.setdefault(r.marker[1:-1], (int(r.orders_id), int(r.customers_id),
                                                      int(r.orders_status)))
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("orders_status_history")) from None
        finally:
            if end:
                self.end_read()
        return found

    def _reference_data(self, so: SupplierOrder) -> dict[str, dict[str, Any]]:
        """Products, countries and currencies for a whole supplier order, read once at its first
        write (not reused from the check, which may be hours old)."""
        if self._reference_for != so.id:
            self._reference = {
                "products": self._products({sl.supplier_sku for t in so.transfers
                                            for sl in t.lines}),
                "countries": self._countries({a.country for t in so.transfers for a in
                                              (t.customer_order.billing, t.customer_order.delivery)}),
                "currencies": self._currencies(currencies_of(so, self.supplier)),
            }
            currencies = self._reference["currencies"]
            # the rates and money formats of those currencies, made once for all the orders
            # (per order they were a tenth of `_prepare`'s and `_total_rows`' CPU)
            self._reference["rates"] = ShopRates.of(
                ((c, r["value"]) for c, r in currencies.items()), self.t("currencies"))
            self._reference["formats"] = {c: _CurrencyFormat(r) for c, r in currencies.items()}
            self._reference_for = so.id
        return self._reference

    def _customer_facts(self, customer_id: int) -> dict[str, Any]:
        """modified: the order's customer group (name, allow_tax), number, gender, account
        type — as the shop's checkout copies them from the customer onto the order."""
        return self._customers_facts({customer_id})[customer_id]

    def _customers_facts(self, customer_ids: set[int]) -> dict[int, dict[str, Any]]:
        """`_customer_facts` of many customers with one query (and the groups from the
        connection's cache): a chunk asks for all its known customers at once instead of
        two round trips per order. A customer that is not (or no longer) there gets the
        default group's facts, as a single look-up gives it."""
        s = self.settings
        rows = {int(r.customers_id): r for r in self._q(
            f"SELECT customers_id, customers_status, customers_cid, customers_gender, "
            f"account_type FROM {self.t('customers')} WHERE customers_id IN :ids",
            ids=sorted(customer_ids))} if customer_ids else {}
        group_of = {c: (int(r.customers_status) if (r := rows.get(c)) is not None
                        and r.customers_status is not None else self._group_id())
                    for c in customer_ids}
        groups = self._groups(set(group_of.values()))
        facts = {}
        for c, group_id in group_of.items():
            row = rows.get(c)
            group = groups.get(group_id, {"name": "", "allow_tax": 1})
            facts[c] = {
                "id": group_id, "name": group["name"], "allow_tax": group["allow_tax"],
                "cid": (row.customers_cid or "") if row is not None else "",
                "gender": (row.customers_gender or s.gender) if row is not None else s.gender,
                "account_type": int(row.account_type or 0) if row is not None else 0}
        return facts

    def _prepare(self, so: SupplierOrder, transfer: Transfer, now: datetime,
                 status: int) -> _Prepared:
        """Everything of one order but its rows' ids: reference data checked, the customer
        matched (or created), the `orders` row's values with `status`."""
        co = transfer.customer_order
        s = self.settings
        ref = self._reference_data(so)
        countries, products = ref["countries"], ref["products"]
        currency = ref["currencies"].get(co.currency)
        rates = ref["rates"]
        missing = [sl for sl in transfer.lines
                   if sl.supplier_sku not in products or not products[sl.supplier_sku]["status"]]
        if currency is None or missing or not {co.billing.country,
                                               co.delivery.country} <= set(countries):
            # the shop changed between check and write: refuse rather than write a broken order
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products, countries or currency changed since the check")
        customer_id, created, account = self._customer(co, countries, now)
        transfer.customer_match = self._last_match
        if not created and account is None and self.supplier.update_customer \
                and self.supplier.customer_policy == "customer":
            self._update_customer(customer_id, co, countries, now)
        billing = co.billing
        if account is not None:  # blind drop-ship: the distributor buys, the end customer receives
            billing = account.address
            countries = dict(countries, **{billing.country: account.country})
        modified = self.modified
        facts: dict[str, Any] = {}
        if modified:
            confirmed = self._confirmed
            if confirmed is not None and customer_id in confirmed.facts:
                facts = confirmed.facts[customer_id]
            else:
                facts = self._customer_facts(customer_id)
                if confirmed is not None:
                    confirmed.facts[customer_id] = facts

        def addr(prefix: str, a: Address, gender: str = "") -> dict[str, Any]:
            country = countries[a.country]
            values = {f"{prefix}_company": a.company or None, f"{prefix}_street_address": a.street,
                      f"{prefix}_suburb": a.street2 or None, f"{prefix}_city": a.city,
                      f"{prefix}_postcode": a.postcode, f"{prefix}_state": a.state or None,
                      f"{prefix}_country": country["name"],
                      f"{prefix}_address_format_id": country["format"]}
            if prefix != "customers":
                values[f"{prefix}_name"] = a.name
            if modified:
                values.update({f"{prefix}_firstname": a.first_name,
                               f"{prefix}_lastname": a.last_name, f"{prefix}_gender": gender,
                               f"{prefix}_country_iso_code_2": a.country})
            return values

        person = {"customers_name": f"{co.customer.first_name} {co.customer.last_name}",
                  "customers_telephone": co.customer.phone,
                  "customers_email_address": co.customer.email}
        if account is not None:
            person = {"customers_name": f"{account.first_name} {account.last_name}",
                      "customers_telephone": account.phone,
                      "customers_email_address": account.email}
        gender = facts.get("gender", "")
        delivery_gender = gender if co.delivery.name == billing.name else s.gender
        values = {
            "customers_id": customer_id, **person,
            **addr("customers", billing, gender), **addr("delivery", co.delivery, delivery_gender),
            **addr("billing", billing, gender),
            "payment_method": s.payment_method,
            "cc_type": "", "cc_owner": "", "cc_number": "", "cc_expires": "",
            "last_modified": now, "date_purchased": now,
            "orders_status": status, "currency": co.currency,
            "currency_value": rates.rate(co.currency) or Decimal(1),
        }
        if modified:
            if account is not None:
                first, last = account.first_name, account.last_name
            else:
                first, last = co.customer.first_name, co.customer.last_name
            values.update({
                "customers_firstname": first, "customers_lastname": last,
                "customers_cid": facts["cid"], "customers_status": facts["id"],
                "customers_status_name": facts["name"], "account_type": facts["account_type"],
                "payment_class": s.payment_class, "shipping_method": s.shipping_method,
                "shipping_class": s.shipping_class, "languages_id": s.language_id})
        return _Prepared(values, customer_id, created, facts, currency, products,
                         order_amounts(transfer, self.supplier, rates), rates,
                         ref["formats"][co.currency])

    def _history_row(self, so: SupplierOrder, transfer: Transfer, order_id: int,
                     now: datetime) -> dict[str, Any]:
        """The status-history row that carries the exchange reference (our only mark in an
        osCommerce shop, which has no column of ours)."""
        return {"orders_id": order_id, "orders_status_id": self.settings.order_status_id,
                "date_added": now, "customer_notified": 0,
                "comments": f"{marker(transfer.reference)} orderexchange: order "
                            f"{transfer.customer_order.number} forwarded by "
                            f"{self.supplier_order_label(so)}"}

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        s = self.settings
        now = datetime.now().replace(microsecond=0)
        existing = self._by_reference([transfer.reference], end=False,
                                      floor=transfer.shop_floor).get(transfer.reference)
        if existing is not None and existing[2] != HIDDEN:
            return RemoteOrder(str(existing[0]), str(existing[1]))  # written meanwhile
        prepared = self._prepare(so, transfer, now, HIDDEN)
        values = prepared.values
        orders = self.t("orders")
        if existing is not None:  # half-written by an earlier attempt (MyISAM): complete it
            order_id = existing[0]
            for child in ("orders_products", "orders_total"):
                delete_rows(self.conn, self.t(child), {"orders_id": order_id})
            row, _filled = fit_row(self.table(orders), values, now)
            update_row(self.conn, orders, row, {"orders_id": order_id})
        else:
            order_id = self.insert(orders, values, key="orders_id", now=now)
            assert order_id is not None
            # the reference right after the order row: a retry finds a half-written order by it
            self.insert(self.t("orders_status_history"),
                        self._history_row(so, transfer, order_id, now), now=now)
        assert order_id is not None
        self._order_rows("orders_products", "orders_products_id",
                         self._line_rows(order_id, transfer, prepared), now)
        self._order_rows("orders_total", "orders_total_id",
                         self._total_rows(order_id, prepared), now)
        # the last step: only now does the admin list the order
        update_row(self.conn, orders, {"orders_status": s.order_status_id, "last_modified": now},
                   {"orders_id": order_id})
        return RemoteOrder(str(order_id), str(prepared.customer_id), prepared.created)

    def _order_rows(self, table: str, key: str, rows: list[dict[str, Any]],
                    now: datetime) -> None:
        """One order's lines (or totals) in one INSERT: the order stays hidden until its last
        UPDATE, and a retry deletes whatever of them a crash left. The trial write inserts
        them one by one (its journal takes the id of each single INSERT)."""
        if self._journal is None:
            self.insert_all(self.t(table), rows, key=key, now=now)
            return
        for row in rows:
            self.insert(self.t(table), row, key=key, now=now)

    # -- a chunk of orders in one transaction ---------------------------------------------------
    @property
    def batch_writes(self) -> bool:  # type: ignore[override]
        """Chunks are written in one transaction where that is safe: every written table
        transactional (no visible-last needed: the COMMIT makes the chunk visible at once) and
        a server that numbers a multi-row INSERT consecutively."""
        if self._batchable is None:
            try:
                self._batchable = (consecutive_ids(self.conn)
                                   and not self.non_transactional(self._written()))
            except (SQLAlchemyError, OXError):
                return False  # the link is down: one by one, and ask again next time
        return self._batchable

    def _write_chunk(self, so: SupplierOrder,
                     transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """The chunk (`write_batch`'s transaction, none of it in the shop yet): a multi-row
        INSERT per table instead of a statement per row."""
        now = datetime.now().replace(microsecond=0)
        self._confirmed = self._confirm_plans([t.customer_order for t in transfers])
        try:
            self._create_customers([t.customer_order for t in transfers],
                                   self._reference_data(so)["countries"], now, self._confirmed)
            if self.modified:
                # the customers the plans confirmed or the chunk just created: their group
                # facts in one query (`_prepare` asks only for a customer not among them)
                confirmed = self._confirmed
                confirmed.facts.update(self._customers_facts(
                    confirmed.ids | confirmed.created | set(confirmed.emails.values())))
            prepared = [self._prepare(so, t, now, self.settings.order_status_id)
                        for t in transfers]
        finally:
            self._confirmed = None
        ids = self.insert_many(self.t("orders"), [p.values for p in prepared], now=now)
        self.insert_many(self.t("orders_status_history"),
                         [self._history_row(so, t, i, now) for t, i in zip(transfers, ids)],
                         now=now)
        self.insert_many(self.t("orders_products"), [
            row for t, p, i in zip(transfers, prepared, ids)
            for row in self._line_rows(i, t, p)], now=now)
        self.insert_many(self.t("orders_total"), [
            row for t, p, i in zip(transfers, prepared, ids)
            for row in self._total_rows(i, p)], now=now)
        return {t.reference: RemoteOrder(str(i), str(p.customer_id), p.created)
                for t, p, i in zip(transfers, prepared, ids)}

    def _line_rows(self, order_id: int, transfer: Transfer, p: _Prepared
                   ) -> list[dict[str, Any]]:
        """osCommerce: the net unit price in both price columns, in the shop's default currency
        (its admin shows them × the order's `currency_value`). modified keeps the order's
        currency: `products_price` as the customer group sees it (gross with allow_tax, else
        net), `final_price` the line total — a gross line is its net plus its share of the
        rate's VAT, so the lines add up to the sub-total the shop shows."""
        rows = []
        currency = p.amounts.currency
        modified = self.modified
        for a in p.amounts.lines:
            sl = a.line
            product = p.products[sl.supplier_sku]
            unit = p.rates.in_default(a.unit_net, currency) if not modified else a.unit_net
            row = {"orders_id": order_id, "products_id": product["id"],
                   "products_model": sl.supplier_sku,
                   "products_name": product["name"] or sl.line.name,
                   "products_price": unit, "final_price": unit,
                   "products_tax": sl.line.tax_rate, "products_quantity": sl.line.quantity}
            if modified:
                if p.facts["allow_tax"]:
                    price, line = four(a.gross / a.quantity), a.gross
                else:
                    price, line = a.unit_net, a.net
                # products_price_origin: the price before a group discount (none of ours)
                row.update({"products_price": price, "products_price_origin": price,
                            "final_price": line, "allow_tax": p.facts["allow_tax"]})
            rows.append(row)
        return rows

    def _totals(self, p: _Prepared) -> list[tuple[str, str, Decimal, int]]:
        """(class, title, amount in the order's currency, sort order) of the order's total
        rows, `ot_total` last; they add up exactly (sub-total + shipping + VAT = total).

        osCommerce: net sub-total, shipping, one tax row, total. modified, as its order-total
        modules show them: a gross group's sub-total is the sum of the gross line totals with
        the VAT contained in it per rate ("incl."), the shipping gross (modified's ot_shipping
        adds its VAT for such a group), total = sub-total + shipping; a net group's sub-total and
        shipping are net and the VAT, the shipping's included, is added per rate ("plus")."""
        s = self.settings
        amounts = p.amounts
        if not self.modified:
            return [("ot_subtotal", s.subtotal_title, amounts.subtotal, 1),
                    ("ot_shipping", s.shipping_title, amounts.shipping, 2),
                    ("ot_tax", s.tax_title, amounts.tax, 3),
                    ("ot_total", s.total_title, amounts.total, 4)]
        if p.facts["allow_tax"]:
            subtotal, title = amounts.gross_lines, s.tax_included_title
            shipping = amounts.shipping_gross
        else:
            subtotal, title = amounts.subtotal, s.tax_excluded_title
            shipping = amounts.shipping
        return ([("ot_subtotal", s.subtotal_title, subtotal, 10),
                 ("ot_shipping", s.shipping_title, shipping, 30)]
                + [("ot_tax", title.replace("{rate}", plain_rate(rate)), tax, 50)
                   for rate, _net, tax in amounts.tax_by_rate() if rate]
                + [("ot_total", s.total_title, amounts.total, 99)])

    def _total_rows(self, order_id: int, p: _Prepared) -> list[dict[str, Any]]:
        """`text` is the amount in the order's currency as the shop formats it (the admin's
        order list and view show it); `value` is kept where the shop keeps amounts: osCommerce
        in its default currency, modified in the order's."""
        fmt = p.money_text
        currency = p.amounts.currency
        in_default = None if self.modified else p.rates.in_default
        return [{"orders_id": order_id, "title": title,
                 "text": f"<strong>{fmt(amount)}</strong>" if cls == "ot_total" else fmt(amount),
                 "value": amount if in_default is None else in_default(amount, currency),
                 "class": cls, "sort_order": sort}
                for cls, title, amount, sort in self._totals(p)]

    # -- the way back: cancel and read-back ---------------------------------------------------
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
            ids = self.order_ids(transfers)
            if not ids:
                return {}
            tracking = f", o.{s.tracking_column} AS tracking" if s.tracking_column else ""
            rows = {int(r.orders_id): r for r in self._q(
                f"SELECT o.orders_id, o.orders_status{tracking} FROM {self.t('orders')} o "
                f"WHERE o.orders_id IN :ids", ids=sorted(set(ids.values())))}
            names = self._status_names({int(r.orders_status) for r in rows.values()})
            parcels: dict[int, str] = {}
            if (not s.tracking_column and self.modified
                    and self.table(self.t("orders_tracking")).has("parcel_id")):
                # modified keeps parcel numbers in their own table; the latest one counts
                for r in self._q(f"SELECT orders_id, parcel_id FROM "
                                 f"{self.t('orders_tracking')} WHERE orders_id IN :ids "
                                 f"ORDER BY tracking_id", ids=sorted(rows) or [0]):
                    if r.parcel_id:
                        parcels[int(r.orders_id)] = str(r.parcel_id)
            moved: dict[int, datetime] = {}
            if s.tracking_column or parcels:
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
            number = ((getattr(row, "tracking", None) or None) if s.tracking_column
                      else parcels.get(order_id))
            at = moved.get(order_id) if number else None
            out[reference] = RemoteStatus(
                order_id=str(order_id), status=names.get(status_id) or f"status {status_id}",
                status_id=str(status_id), progressed=status_id != s.order_status_id,
                cancelled=status_id == self._cancelled_status(),
                tracking_number=str(number) if number else None,
                shipped_at=(at if isinstance(at, str) else at.isoformat(sep=" ")) if at else None)
        return out

    def cancel(self, transfer: Transfer) -> None:
        """Set the cancelled status with a status-history row, as the admin does — only while
        the order is in one of `cancellable_status_ids`. Cancelling twice changes nothing."""
        s = self.settings
        co = transfer.customer_order
        cancelled = self._cancelled_status()
        if cancelled is None:
            raise OXError("OX-WRT-003", supplier=self.supplier.id, type=self.type_name,
                          action="cancel (no `cancelled_status_id` is set for its shop)",
                          order=co.number)
        allowed = s.cancellable_status_ids or [s.order_status_id]
        assert self.db.conn is not None
        try:
            order_id = self.order_ids([transfer]).get(transfer.reference)
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
                if status == cancelled:
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
                              f"orders_status = :old", new=cancelled, now=now,
                              o=order_id, old=status)
                if hit.rowcount != 1:
                    raise refused
                self.insert(self.t("orders_status_history"), {
                    "orders_id": order_id, "orders_status_id": cancelled,
                    "date_added": now, "customer_notified": 0,
                    "comments": f"orderexchange: cancelled by the distributor (customer order "
                                f"{co.number}, reference {transfer.reference})"}, now=now)
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
            key = (getattr(self.supplier, setting), policy == "distributor")
            confirmed = self._confirmed
            if confirmed is not None and key in confirmed.accounts:
                account = confirmed.accounts[key]
            else:
                account = self._account(*key)
                if confirmed is not None:
                    confirmed.accounts[key] = account
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
            confirmed = self._confirmed
            if confirmed is not None and match.customer_id in confirmed.created:
                confirmed.created.discard(match.customer_id)  # made for this order's chunk
                self._last_match = "new"
                return match.customer_id, True, None
            if self._complete_customer(match.customer_id, co, countries, now):
                self._last_match = "new"  # an earlier, killed attempt created it
                return match.customer_id, True, None
            return match.customer_id, False, None
        return self._new_customer(co, countries, now), True, None

    def _update_customer(self, customer_id: int, co: CustomerOrder, countries: dict[str, Any],
                         now: datetime) -> None:
        """`update_customer = true`: the matched account takes this order's name and phone, its
        default address book entry the order's billing address (the later order wins)."""
        values, address = self._customer_rows(co, countries, now)
        keep = ("customers_firstname", "customers_lastname", "customers_telephone",
                "customers_last_modified")
        update_row(self.conn, self.t("customers"),
                   {k: v for k, v in values.items() if k in keep},
                   {"customers_id": customer_id})
        row = self._q(f"SELECT customers_default_address_id AS a FROM {self.t('customers')} "
                      f"WHERE customers_id = :c", c=customer_id).first()
        if row is not None and row.a:
            # empty texts as "" rather than NULL: modified's columns are NOT NULL, and an
            # UPDATE gets no implicit value as an INSERT does
            update_row(self.conn, self.t("address_book"),
                       {k: "" if v is None else v for k, v in address.items()
                        if k.startswith("entry_") and k != "entry_gender"}
                       | ({"address_last_modified": now} if self.modified else {}),
                       {"address_book_id": int(row.a), "customers_id": customer_id})

    def _complete_customer(self, customer_id: int, co: CustomerOrder,
                           countries: dict[str, Any], now: datetime) -> bool:
        """Finish a customer an earlier attempt created and a kill interrupted; True if it did.

        Why: on MyISAM a killed write keeps the `customers` row it inserted first, and the retry
        matched it by email and used it as it was: no address book entry, default address 0
        (modified's customer list inner-joins the default address, so the customer vanished
        from the admin) or no `customers_info`. Only customers this connector created (the
        empty password: the shop's own sign-up always sets one) are completed, the way
        `_new_customer` would have finished them."""
        tables = [self.t(n) for n in ("customers", "address_book", "customers_info")]
        if not self.non_transactional(tables):
            return False  # a killed write was rolled back: no half-written customer
        customers, book, info = tables
        row = self._q(
            f"SELECT c.customers_password AS password, a.address_book_id AS address, "
            f"i.customers_info_id AS info FROM {customers} c LEFT JOIN {book} a ON "
            f"a.address_book_id = c.customers_default_address_id AND "
            f"a.customers_id = c.customers_id LEFT JOIN {info} i ON "
            f"i.customers_info_id = c.customers_id WHERE c.customers_id = :c",
            c=customer_id).first()
        if row is None or row.password or (row.address is not None and row.info is not None):
            return False
        if row.address is None:
            first = self._q(f"SELECT MIN(address_book_id) FROM {book} WHERE customers_id = :c",
                            c=customer_id).scalar()
            if first is None:
                _values, address = self._customer_rows(co, countries, now)
                first = self.insert(book, dict(address, customers_id=customer_id),
                                    key="address_book_id", now=now)
            update_row(self.conn, customers, {"customers_default_address_id": first},
                       {"customers_id": customer_id})
        if row.info is None:
            self.insert(info, self._info_row(customer_id, now), key="customers_info_id", now=now)
        return True

    def _email_test(self) -> str:
        """customers_email_address as compared with lower-cased emails: the column itself where
        its collation ignores case (its index serves the look-up: `case_blind`), SQLite's
        NOCASE spelled out; the rows' emails are compared lower-cased again in Python."""
        if self.db.dialect == "sqlite":
            return "customers_email_address COLLATE NOCASE"
        return self.case_blind(self.t("customers"), "customers_email_address",
                               "customers_email_address")

    def _replan(self, co: CustomerOrder) -> Match | None:
        """Confirm step 1's match with indexed look-ups only (the full match scans the customers
        table): a planned customer must still exist; for a planned new customer, only an
        earlier order of this same batch can have created it since, and it has this email."""
        planned = self._plan.get(co.number)
        if planned is None or planned.conflict is not None:
            return None
        confirmed = self._confirmed
        email = (co.customer.email or "").lower()
        if confirmed is not None and planned.customer_id in confirmed.asked_ids:
            return planned if planned.customer_id in confirmed.ids else None
        if confirmed is not None and planned.customer_id is None and planned.key == "new" \
                and email in confirmed.asked_emails:
            found = confirmed.emails.get(email)
            return Match("email", found) if found is not None else planned
        if planned.customer_id is not None:
            still = self._q(f"SELECT 1 FROM {self.t('customers')} WHERE customers_id = :c",
                            c=planned.customer_id).first()
            return planned if still else None
        if planned.key != "new" or not co.customer.email:
            return None
        own = " AND account_type = 0" if self.modified else ""
        # the same text lower-cased, as step 1 matched (a _ci collation also equates accents)
        found = [int(r.customers_id) for r in self._q(
            f"SELECT customers_id, customers_email_address AS v FROM {self.t('customers')} "
            f"WHERE {self._email_test()} = :e{own} ORDER BY customers_id", e=email)
            if (r.v or "").lower() == email]
        return Match("email", found[0]) if found else planned

    def _confirm_plans(self, orders: list[CustomerOrder]) -> _Confirmed:
        """What `_replan` asks per order, asked for a whole chunk at once: which planned
        customers still exist, and which planned-new emails have an account by now (two
        indexed queries instead of one per order). Inside the chunk's transaction and locks."""
        asked_ids: set[int] = set()
        asked_emails: set[str] = set()
        for co in orders:
            planned = self._plan.get(co.number)
            if planned is None or planned.conflict is not None:
                continue
            if planned.customer_id is not None:
                asked_ids.add(planned.customer_id)
            elif planned.key == "new" and co.customer.email:
                asked_emails.add(co.customer.email.lower())
        confirmed = _Confirmed(asked_ids, asked_emails)
        customers = self.t("customers")
        if asked_ids:
            confirmed.ids = {int(r.customers_id) for r in self._q(
                f"SELECT customers_id FROM {customers} WHERE customers_id IN :ids",
                ids=sorted(asked_ids))}
        if asked_emails:
            own = " AND account_type = 0" if self.modified else ""
            for r in self._q(f"SELECT customers_id, customers_email_address FROM {customers} "
                             f"WHERE {self._email_test()} IN :e{own} ORDER BY customers_id",
                             e=sorted(asked_emails)):
                confirmed.emails.setdefault(r.customers_email_address.lower(),
                                            int(r.customers_id))
        return confirmed

    def _customer_rows(self, co: CustomerOrder, countries: dict[str, Any], now: datetime
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The `customers` and `address_book` values of a new customer (see `_new_customer`)."""
        customer, billing = co.customer, co.billing
        template = self.supplier.customer_template
        values: dict[str, Any] = {
            "customers_firstname": customer.first_name, "customers_lastname": customer.last_name,
            "customers_email_address": customer.email, "customers_telephone": customer.phone,
            "customers_default_address_id": 0,
            "customers_password": "", "customers_newsletter": "1" if template.newsletter else "0"}
        address: dict[str, Any] = {
            "entry_company": billing.company or None,
            "entry_firstname": billing.first_name, "entry_lastname": billing.last_name,
            "entry_street_address": billing.street, "entry_suburb": billing.street2 or None,
            "entry_postcode": billing.postcode, "entry_city": billing.city,
            "entry_state": billing.state or None,
            "entry_country_id": countries[billing.country]["id"], "entry_zone_id": 0}
        if self.modified:
            # a real account (not a guest's), in the configured group; the admin's customer
            # list inner-joins the default address, which follows below
            values.update({"customers_status": self._group_id(), "account_type": 0,
                           "customers_gender": self.settings.gender,
                           "customers_date_added": now, "customers_last_modified": now})
            address.update({"entry_gender": self.settings.gender, "address_date_added": now,
                            "address_last_modified": now})
        if self._number_column() and customer.number:
            values[self._number_column()] = customer.number
        for key in ("group", "language", "currency"):
            column = self._group_column() if key == "group" else \
                getattr(self.settings, f"{key}_column")
            if column and getattr(template, key) is not None:
                values[column] = getattr(template, key)
        if self.modified and self.settings.customer_group_id is not None:
            values["customers_status"] = self.settings.customer_group_id
        values.update(template.columns)  # names validated as identifiers, checked in step 1
        return values, address

    def _info_row(self, customer_id: int, now: datetime) -> dict[str, Any]:
        return {"customers_info_id": customer_id, "customers_info_number_of_logons": 0,
                "customers_info_date_account_created": now}

    def _new_customer(self, co: CustomerOrder, countries: dict[str, Any], now: datetime) -> int:
        """A customer from the supplier's customer template: an empty password (cannot log in
        until they reset it), no newsletter unless the template says so, the template's group,
        language and currency where the shop has columns for them."""
        values, address = self._customer_rows(co, countries, now)
        customer_id = self.insert(self.t("customers"), values, key="customers_id", now=now)
        assert customer_id is not None
        address_id = self.insert(self.t("address_book"), dict(address, customers_id=customer_id),
                                 key="address_book_id", now=now)
        update_row(self.conn, self.t("customers"), {"customers_default_address_id": address_id},
                   {"customers_id": customer_id})
        self.insert(self.t("customers_info"), self._info_row(customer_id, now),
                    key="customers_info_id", now=now)
        if self._confirmed is not None and co.customer.email:
            # a later order of this chunk with the same email finds this account
            self._confirmed.emails.setdefault(co.customer.email.lower(), customer_id)
        return customer_id

    def _create_customers(self, orders: list[CustomerOrder], countries: dict[str, Any],
                          now: datetime, confirmed: _Confirmed) -> None:
        """Every new customer a chunk needs, three multi-row INSERTs and one UPDATE for all
        (MySQL/MariaDB, in the chunk's transaction): the planned-new emails that still have no
        account, one account per email. `_customer` then finds them by email; the first order
        of each counts as having created it."""
        if self.supplier.customer_policy != "customer":
            return
        todo: dict[str, CustomerOrder] = {}
        for co in orders:
            planned = self._plan.get(co.number)
            email = (co.customer.email or "").lower()
            if (planned is not None and planned.conflict is None and planned.key == "new"
                    and planned.customer_id is None and email in confirmed.asked_emails
                    and email not in confirmed.emails and co.billing.country in countries):
                todo.setdefault(email, co)
        if not todo:
            return
        rows = [self._customer_rows(co, countries, now) for co in todo.values()]
        customers = self.t("customers")
        ids = self.insert_many(customers, [values for values, _address in rows], now=now)
        self.insert_many(self.t("address_book"), [
            dict(address, customers_id=cid) for (_values, address), cid in zip(rows, ids)],
            now=now)
        book = self.t("address_book")
        self._q(f"UPDATE {customers} c JOIN {book} a ON a.customers_id = c.customers_id "
                f"SET c.customers_default_address_id = a.address_book_id "
                f"WHERE c.customers_id IN :ids", ids=ids)
        self.insert_many(self.t("customers_info"), [self._info_row(cid, now) for cid in ids],
                         now=now)
        for email, cid in zip(todo, ids):
            confirmed.emails[email] = cid
            confirmed.created.add(cid)


class _CurrencyFormat:
    """The shop's own money text (symbols, separators, places) for the `orders_total.text` column.

    Made once per currency and supplier order (`_reference_data`), its quantum and format spec
    worked out then: four texts per written order."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.left = row.get("symbol_left") or ""
        self.right = row.get("symbol_right") or ""
        self.point = row.get("decimal_point") or "."
        self.thousands = row.get("thousands_point") or ""
        places = row.get("decimal_places")
        self.places = 2 if places in (None, "") else int(places)
        self._quantum = Decimal(1).scaleb(-self.places)
        self._spec = f",.{self.places}f"
        #: Python's own separators are the shop's: the text needs no replacing
        self._plain = (self.point, self.thousands) == (".", ",")

    def __call__(self, amount: Decimal) -> str:
        """`amount` is in this currency already (PHP's number_format rounds half up)."""
        text = format(amount.quantize(self._quantum, rounding=ROUND_HALF_UP), self._spec)
        if not self._plain:
            text = text.replace(",", "\0").replace(".", self.point).replace("\0", self.thousands)
        return f"{self.left}{text}{self.right}"


def _joined(key: tuple[str, ...]) -> str:
    """A tuple key as the directory's text key."""
    return "\x1f".join(key)


def _plain(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def _limit_of(lengths: dict[str, dict[str, int | None]], table: str, key: str
              ) -> tuple[int | None, str]:
    """(live length limit or None, "table.column") of a text key of step 1's OX-CHK-007 check:
    `column` or `column|line` (a line's text), the column looked up case-insensitively."""
    column = key.split("|")[0]
    return lengths[table].get(column.lower()), f"{table}.{column}"


def _expanding(values: set[str]) -> list[str]:
    """Values for an `IN :name` list; never empty (an empty IN list is invalid SQL in MySQL)."""
    return sorted(values) or [""]


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [OsCommerceConnector]
