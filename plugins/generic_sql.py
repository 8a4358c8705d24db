"""The generic SQL connector: a shop we do not ship a connector for, described in TOML.

Everything lives under `[suppliers.X.connector]` (type = "generic_sql"): which table holds
orders, lines, totals, the status history, customers and their addresses; which value goes into
which column (`columns`, with `{placeholders}` such as `{order.total}` or `{billing.city}`); how
ids are made (`ids` = auto_increment / uuid / uuid_hex / counter); where the exchange reference
lives (`reference_column`, compared exactly, or as a `[OX-…]` prefix of a comment field); how a
customer is matched (`match_column`, case-insensitive by default). docs/connectors/generic_sql.md
has a complete worked example.

The mapping is validated twice: its shape when the config is loaded (unknown keys, placeholders
that do not exist in a section, child tables that do not link to the order), and against the
live schema by `test db` (every table and column exists, values fit the column types, the
reference column is long enough, NOT NULL columns the mapping leaves out are named).

The rules of the shipped connectors apply: the reference is written with the order row, first;
every NOT NULL column without a default is filled; on a table without transactions (MyISAM) the
order is first written with `status_hidden` and gets `status_new` at the very end, and a retry
completes a half-written order instead of inserting a second one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

import pycountry
import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, RemoteStatus, attempted,
)
from orderexchange.errors import OXError
from orderexchange.model import (
    Address, CustomerOrder, Finding, SupplierOrder, Transfer, TransferState,
)

from .shop_money import (
    KeptAmounts, OrderAmounts, ShopRates, currencies_of, currency_findings, kept_amounts,
    order_amounts, plain_rate,
)
from .shop_sql import (
    CustomerMatch, Findings, Product, SqlShopConnector, coded, delete_rows,
    markers_by_length, match_by_email, quote, sample_transfer,
    split_street, stage_text, time_ordered_id, update_row,
)

__version__ = "0.1.0"

_IDENT = r"^[A-Za-z_][A-Za-z0-9_$]{0,63}$"
Ident = Annotated[str, StringConstraints(pattern=_IDENT)]
Scalar = str | int | float | bool
_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_0-9]+)?)\}")

# --- the placeholders, by section ------------------------------------------------------------
_COMMON = {"now", "today", "supplier_order.id"}
_ORDER = {f"order.{k}" for k in ("number", "reference", "currency", "currency_rate",
                                 "ordered_at", "subtotal",
                                 "tax", "shipping", "total", "gross", "line_count",
                                 "shop_number", "status", "shipping_tax", "shipping_gross",
                                 "shipping_tax_rate")}
_CUSTOMER = {f"customer.{k}" for k in ("id", "email", "first_name", "last_name", "name",
                                       "phone", "company", "number")}
_ADDRESS_FIELDS = ("first_name", "last_name", "name", "company", "street", "street_name",
                   "house_number", "street2", "postcode", "city", "state", "country",
                   "country_name", "country_id")
_BILLING = {f"billing.{k}" for k in _ADDRESS_FIELDS}
_DELIVERY = {f"delivery.{k}" for k in _ADDRESS_FIELDS}
_LINE = {f"line.{k}" for k in ("no", "sku", "name", "our_name", "quantity", "unit_price",
                               "unit_tax", "unit_gross", "tax_rate", "net", "tax", "gross",
                               "product_id", "unit")}
_TOTAL = {f"total.{k}" for k in ("code", "title", "value", "sort", "rate")}
_HISTORY = {"history.status", "history.comment"}

#: what each placeholder yields, for the type check against the live column
_NUMBER = {"order.currency_rate", "order.subtotal", "order.tax", "order.shipping", "order.total", "order.gross",
           "order.shipping_tax", "order.shipping_gross", "order.shipping_tax_rate",
           "order.line_count", "line.no", "line.quantity", "line.unit_price", "line.unit_tax",
           "line.unit_gross", "line.tax_rate", "line.net", "line.tax", "line.gross",
           "total.value", "total.sort", "total.rate", "supplier_order.id"}
_DATETIME = {"now", "order.ordered_at"}
_DATE = {"today"}
_ANY = {"customer.id", "order.id", "order.shop_number", "order.status", "line.product_id",
        "billing.country_id", "delivery.country_id", "history.status", "order.number"}

#: the account fields a distributor / guest account is read with (`[customer.account]`)
AccountField = Literal["email", "first_name", "last_name", "phone", "company", "street",
                       "street2", "postcode", "city", "state", "country"]


def placeholders(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    return _PLACEHOLDER.findall(value.replace("{{", "").replace("}}", ""))


def render(template: Any, values: dict[str, Any]) -> Any:
    """A mapped value: a lone placeholder keeps its type (Decimal, datetime, int); text with
    placeholders becomes text; TOML numbers and booleans are literals (floats as Decimal)."""
    if isinstance(template, bool):
        return int(template)
    if isinstance(template, float):
        return Decimal(str(template))
    if not isinstance(template, str):
        return template
    lone, parts = _parsed(template)
    if lone is not None:
        return values.get(lone)
    # parts alternate literal text and placeholder names: text, name, text, …, text
    return "".join(part if i % 2 == 0 else _text(values.get(part))
                   for i, part in enumerate(parts))


@functools.lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[str | None, tuple[str, ...]]:
    """(the lone placeholder's name, or None; the text split into literal text and placeholder
    names). Parsed once per mapped template, not once per row and column: a chunk renders
    every template of its orders, lines and totals (~100 per order)."""
    lone = _PLACEHOLDER.fullmatch(template)
    if lone:
        return lone.group(1), ()
    escaped = template.replace("{{", "\0").replace("}}", "\1")
    pieces = _PLACEHOLDER.split(escaped)
    return None, tuple(piece.replace("\0", "{").replace("\1", "}") if i % 2 == 0 else piece
                       for i, piece in enumerate(pieces))


#: a name no values dict holds: the `names` entry of a column `_Plan` fills otherwise
_NO_NAME = "\0"
#: the placeholders a child row's own dict brings (`_row`'s `own`), by section
_OWN_PREFIX = {"lines": "line.", "totals": "total.", "history": "history."}


class _Plan:
    """A section's columns compiled once for `_row`, which makes ~12 rows per written order:
    `render` per value (type checks, a cache look-up of the parsed template) was the
    connector's biggest self time. Same values, types and column order as `render`."""

    __slots__ = ("section", "columns", "names", "own", "constants", "texts")

    def __init__(self, section: TableMap) -> None:
        #: kept so a plan is only used for the very section object it was made from
        self.section = section
        own_prefix = _OWN_PREFIX.get(section.section)
        self.columns = tuple(section.columns)
        names, own, constants, texts = [], [], {}, []
        for column, template in section.columns.items():
            lone, parts = _parsed(template) if isinstance(template, str) else (None, ())
            if lone is not None and not (own_prefix and lone.startswith(own_prefix)):
                names.append(lone)
                continue
            names.append(_NO_NAME)
            if lone is not None:
                own.append((column, lone))
            elif isinstance(template, str) and len(parts) > 1:
                texts.append((column, parts))
            else:  # no placeholder: the same value every row
                constants[column] = render(template, {})
        #: per column, the values' name it takes (lone placeholders), else `_NO_NAME`
        self.names = tuple(names)
        #: (column, name) of lone placeholders of the row's own dict (a line's, a total's)
        self.own = tuple(own)
        self.constants = constants
        #: (column, parts) of text with placeholders
        self.texts = tuple(texts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _kind_of(template: Any) -> str:
    """number | datetime | date | text | any: what the mapped value will be."""
    if isinstance(template, bool):
        return "number"
    if isinstance(template, (int, float)):
        return "number"
    names = placeholders(template)
    if _PLACEHOLDER.fullmatch(str(template)):
        name = names[0]
        if name in _NUMBER:
            return "number"
        if name in _DATETIME:
            return "datetime"
        if name in _DATE:
            return "date"
        if name in _ANY:
            return "any"
        return "text"
    try:
        Decimal(str(template))
        return "any"
    except ArithmeticError:
        return "text"


def _fits(kind: str, column_kind: str) -> bool:
    if kind == "any" or column_kind == "other":
        return True
    if kind == "number":
        return column_kind in ("int", "number", "text")
    if kind in ("datetime", "date"):
        return column_kind in ("datetime", "date", "text")
    return column_kind in ("text", "binary")


# --- the settings model (the TOML) ------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Counter(_Model):
    """A counter row: `UPDATE table SET value_column = value_column + 1 WHERE key_column = key`."""

    table: Ident
    key_column: Ident
    key: str
    value_column: Ident


class TableMap(_Model):
    #: placeholders allowed in `columns` of this section
    allowed: ClassVar[set[str]] = set()
    section: ClassVar[str] = ""

    table: Ident
    #: primary-key column (needed unless `ids` is auto_increment and nothing refers to it)
    id: Ident | None = None
    ids: Literal["auto_increment", "uuid", "uuid_hex", "counter"] = "auto_increment"
    counter: Counter | None = None
    columns: dict[Ident, Scalar] = Field(default_factory=dict)

    @pydantic.model_validator(mode="after")
    def _shape(self) -> TableMap:
        if self.ids == "counter" and self.counter is None:
            raise ValueError('ids = "counter" needs a counter = {table, key_column, key, '
                             'value_column}')
        if self.ids != "auto_increment" and not self.id:
            raise ValueError(f'ids = "{self.ids}" needs `id` (the column the id goes into)')
        for column, value in self.columns.items():
            for name in placeholders(value):
                if name not in self.allowed:
                    raise ValueError(
                        f"columns.{column}: {{{name}}} is not a placeholder of [{self.section}] "
                        f"(it has: {', '.join(sorted(self.allowed))})")
        return self

    def link(self) -> str | None:
        """The column holding `{order.id}` (how child rows point at their order)."""
        for column, value in self.columns.items():
            if value == "{order.id}":
                return column
        return None


class OrderMap(TableMap):
    allowed = _COMMON | _ORDER | _CUSTOMER | _BILLING | _DELIVERY
    section = "order"

    id: Ident
    #: where the exchange reference lives; looked up before every write
    reference_column: Ident
    #: "exact": the column holds the reference; "prefix": it starts with [reference] (comments)
    reference_match: Literal["exact", "prefix"] = "exact"
    status_column: Ident | None = None
    status_new: Scalar | None = None
    #: status while the order is being written (tables without transactions only): a value
    #: the shop's admin does not list, e.g. 0
    status_hidden: Scalar | None = None
    status_cancelled: Scalar | None = None
    #: statuses from which `cancel` may cancel (default: only `status_new`)
    cancellable: list[Scalar] = Field(default_factory=list)
    #: display names of status values for read-back, e.g. {"1" = "Pending"}
    status_names: dict[str, str] = Field(default_factory=dict)
    tracking_column: Ident | None = None
    shipped_at_column: Ident | None = None
    #: a human order number besides the id: {column = "order_no", counter = {…}}
    number_column: Ident | None = None
    number_counter: Counter | None = None
    #: fixed column values that scope orders to one shop (written, and used in every lookup)
    scope: dict[Ident, Scalar] = Field(default_factory=dict)

    @pydantic.model_validator(mode="after")
    def _order_shape(self) -> OrderMap:
        if self.reference_column in self.columns and self.reference_match == "exact":
            raise ValueError("reference_column is written by the connector; remove it from "
                             "columns (or use reference_match = \"prefix\" to add text after it)")
        if (self.status_new is None) != (self.status_column is None):
            raise ValueError("status_column and status_new go together")
        if self.number_column and not self.number_counter:
            raise ValueError("number_column needs number_counter = {table, key_column, key, "
                             "value_column}")
        return self


class LinesMap(TableMap):
    allowed = _COMMON | _ORDER | {"order.id"} | _LINE | _CUSTOMER
    section = "lines"

    @pydantic.model_validator(mode="after")
    def _linked(self) -> LinesMap:
        if not self.link():
            raise ValueError('columns must link each line to its order: a column = "{order.id}"')
        return self


class TotalsMap(TableMap):
    allowed = _COMMON | _ORDER | {"order.id"} | _TOTAL
    section = "totals"

    #: which total rows to write, and their title ("{rate}" in the tax title: the rate)
    rows: dict[Literal["subtotal", "shipping", "tax", "total"], str]
    #: the code written for each kind (default: the kind's name)
    codes: dict[Literal["subtotal", "shipping", "tax", "total"], str] = Field(
        default_factory=dict)

    @pydantic.model_validator(mode="after")
    def _linked(self) -> TotalsMap:
        if not self.link():
            raise ValueError('columns must link each total to its order: a column = "{order.id}"')
        return self


class HistoryMap(TableMap):
    allowed = _COMMON | _ORDER | {"order.id"} | _HISTORY | _CUSTOMER
    section = "history"

    @pydantic.model_validator(mode="after")
    def _linked(self) -> HistoryMap:
        if not self.link():
            raise ValueError('columns must link each history row to its order: a column = '
                             '"{order.id}"')
        return self


class CustomerMap(TableMap):
    allowed = _COMMON | (_CUSTOMER - {"customer.id"}) | _BILLING
    section = "customer"

    id: Ident
    #: the column a customer is found by (its email)
    match_column: Ident = "email"
    match: Literal["lower", "exact"] = "lower"
    #: fixed conditions for the match, e.g. {shop_id = 1}
    match_where: dict[Ident, Scalar] = Field(default_factory=dict)
    #: columns a configured account (distributor / guest) is read from, e.g. {email = "mail"}
    account: dict[AccountField, Ident] = Field(default_factory=dict)


class AddressMap(TableMap):
    allowed = _COMMON | _CUSTOMER | _BILLING
    section = "address"

    #: column of the customer table set to the new address's id (its default address)
    customer_link: Ident | None = None


class ProductsMap(_Model):
    table: Ident
    sku_column: Ident
    id_column: Ident
    name_column: Ident | None = None
    active_column: Ident | None = None
    price_column: Ident | None = None
    stock_column: Ident | None = None
    where: dict[Ident, Scalar] = Field(default_factory=dict)


class CountriesMap(_Model):
    table: Ident
    iso2_column: Ident
    id_column: Ident
    name_column: Ident | None = None


class CurrenciesMap(_Model):
    """The shop's currency list: without it only orders whose purchase prices are already in
    the order's currency can go (nothing to convert)."""

    table: Ident
    code_column: Ident
    #: units of this currency per unit of the shop's default currency
    rate_column: Ident


class GenericSettings(ConnectorSettings):
    order: OrderMap
    lines: LinesMap
    totals: TotalsMap | None = None
    history: HistoryMap | None = None
    customer: CustomerMap | None = None
    address: AddressMap | None = None
    products: ProductsMap | None = None
    countries: CountriesMap | None = None
    currencies: CurrenciesMap | None = None
    #: refuse decimal quantities (step 1) when the shop stores whole numbers
    whole_quantities: bool = True
    #: shown by read-back and written in history comments
    label: str = "orderexchange"

    @pydantic.model_validator(mode="after")
    def _together(self) -> GenericSettings:
        if self.address is not None and self.customer is None:
            raise ValueError("[address] needs [customer] (addresses belong to new customers)")
        used = [p for v in self.lines.columns.values() for p in placeholders(v)]
        if "line.product_id" in used and self.products is None:
            raise ValueError("lines use {line.product_id}: add [products] (table, sku_column, "
                             "id_column) so the id can be looked up")
        if any(p.endswith(".country_id") for s in self._sections() for v in s.columns.values()
               for p in placeholders(v)) and self.countries is None:
            raise ValueError("a {…country_id} placeholder needs [countries] (table, iso2_column, "
                             "id_column)")
        return self

    def _sections(self) -> list[TableMap]:
        return [s for s in (self.order, self.lines, self.totals, self.history, self.customer,
                            self.address) if s is not None]


# --- the connector ---------------------------------------------------------------------------
class GenericSqlConnector(SqlShopConnector):
    type_name = "generic_sql"
    settings_schema = GenericSettings
    settings: GenericSettings

    def __init__(self, supplier: Any, settings: GenericSettings) -> None:
        super().__init__(supplier, settings)
        #: `_ids_stand_alone`, worked out once from the mapping
        self._stand_alone: bool | None = None
        #: each order's `_order_values`, with what they were worked out from
        self._kept_values = KeptAmounts()
        #: each order's `_line_values`
        self._kept_lines = KeptAmounts()
        #: id(section) → its compiled columns (`_row`)
        self._plans: dict[int, _Plan] = {}

    @property
    def o(self) -> OrderMap:
        return self.settings.order

    def q(self, name: str) -> str:
        return quote(self.conn, name)

    def _scope_sql(self, alias: str = "") -> tuple[str, dict[str, Any]]:
        prefix = f"{alias}." if alias else ""
        conds = [f"{prefix}{self.q(c)} = :scope{i}" for i, c in enumerate(self.o.scope)]
        params = {f"scope{i}": v for i, v in enumerate(self.o.scope.values())}
        return "".join(f" AND {c}" for c in conds), params

    # -- schema -----------------------------------------------------------------------------
    def _sections(self) -> list[TableMap]:
        return self.settings._sections()

    def required_columns(self) -> dict[str, dict[str, str]]:
        s = self.settings
        need: dict[str, dict[str, str]] = {}

        def add(table: str, *columns: str | None) -> None:
            cols = need.setdefault(table, {})
            for c in columns:
                if c:
                    cols[c] = "any"

        for section in self._sections():
            add(section.table, section.id, *section.columns)
            if section.counter:
                add(section.counter.table, section.counter.key_column,
                    section.counter.value_column)
        o = self.o
        add(o.table, o.reference_column, o.status_column, o.tracking_column,
            o.shipped_at_column, o.number_column, *o.scope)
        need[o.table][o.reference_column] = "text"
        if o.number_counter:
            add(o.number_counter.table, o.number_counter.key_column,
                o.number_counter.value_column)
        if s.customer:
            add(s.customer.table, s.customer.match_column, *s.customer.match_where,
                *s.customer.account.values())
        if s.address and s.address.customer_link:
            add(s.customer.table, s.address.customer_link)
        if s.products:
            p = s.products
            add(p.table, p.sku_column, p.id_column, p.name_column, p.active_column,
                p.price_column, p.stock_column, *p.where)
        if s.countries:
            add(s.countries.table, s.countries.iso2_column, s.countries.id_column,
                s.countries.name_column)
        if s.currencies:
            add(s.currencies.table, s.currencies.code_column, s.currencies.rate_column)
        return need

    def _written(self) -> list[str]:
        return [s.table for s in self._sections()]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        for section in self._sections():
            needed[section.table] |= {"INSERT"}
            if section.counter:
                needed[section.counter.table] |= {"INSERT", "UPDATE"}
        if self.o.number_counter:
            needed[self.o.number_counter.table] |= {"INSERT", "UPDATE"}
        if self.o.status_column:
            needed[self.o.table].add("UPDATE")  # status last (no transactions); cancel
        if self.settings.address and self.settings.address.customer_link:
            needed[self.settings.customer.table].add("UPDATE")
        for table in self.non_transactional(self._written()):
            needed[table].add("DELETE")  # completing a half order; removing the trial write
        return needed

    def detect_variant(self) -> tuple[bool, str]:
        tables = sorted({s.table for s in self._sections()})
        return True, f"generic SQL mapping over {len(tables)} tables: {', '.join(tables)}"

    def mapping_problems(self) -> tuple[list[str], list[str]]:
        """(problems that stop a write, notes) of the mapping against the live schema."""
        errors, notes = [], []
        live = self.tables(self.required_columns())
        o = self.o
        policy = self.supplier.customer_policy
        if policy == "customer" and self.settings.customer is None:
            errors.append('customer_policy = "customer" needs [connector.customer] to match '
                          'and create customers')
        if policy == "distributor" and (self.settings.customer is None
                                        or not self.settings.customer.account):
            errors.append('customer_policy = "distributor" needs [connector.customer.account] '
                          '(the columns the distributor\'s name and address are read from)')
        order_info = live[o.table]
        if not order_info.transactional and o.status_hidden is None:
            errors.append(f"{o.table} has no transactions ({order_info.engine}): set "
                          f"order.status_hidden (a status the admin does not list) so a "
                          f"half-written order stays invisible")
        column = order_info.column(o.reference_column)
        needed = 23 + (3 if o.reference_match == "prefix" else 0)
        if column is not None and column.length is not None and column.length < needed:
            errors.append(f"{o.table}.{o.reference_column} holds {column.length} characters, "
                          f"the reference needs {needed}")
        for section in self._sections():
            info = live[section.table]
            for name, template in section.columns.items():
                col = info.column(name)
                if col is not None and not _fits(_kind_of(template), col.kind):
                    errors.append(f"{section.table}.{name} is {col.data_type}, but "
                                  f"{template!r} gives {_kind_of(template)}")
            mapped = {c.lower() for c in section.columns} | {
                (section.id or "").lower()}
            if section is o:
                mapped |= {c.lower() for c in (o.reference_column, o.status_column,
                                               o.number_column, *o.scope) if c}
            if section is self.settings.customer:
                mapped.add(self.settings.customer.match_column.lower())
            unfilled = [c.name for c in info.required if c.name.lower() not in mapped]
            if unfilled:
                notes.append(f"{section.table}: {', '.join(unfilled)} not mapped (NOT NULL "
                             f"without default: filled with '' / 0 / the write's time)")
        if self.settings.products is None:
            notes.append("no [products]: step 1 does not check that products exist")
        return errors, notes

    def extra_stages(self) -> list[tuple[str, bool, str]]:
        errors, notes = self.mapping_problems()
        self.end_read()
        if errors:
            err = OXError("OX-DB-013", supplier=self.supplier.id, detail="; ".join(errors))
            return [("mapping", False, stage_text(err))]
        return [("mapping", True, "fits the live schema" + (": " + "; ".join(notes)
                                                            if notes else ""))]

    # -- reference data ---------------------------------------------------------------------
    def _products(self, skus: Iterable[str]) -> dict[str, Product]:
        p = self.settings.products
        skus = sorted(set(skus))
        if p is None or not skus:
            return {}
        cols = [f"{self.q(p.id_column)} AS pid", f"{self.q(p.sku_column)} AS sku"]
        for alias, column in (("name", p.name_column), ("active", p.active_column),
                              ("price", p.price_column), ("stock", p.stock_column)):
            cols.append(f"{self.q(column)} AS {alias}" if column else f"NULL AS {alias}")
        where = "".join(f" AND {self.q(c)} = :w{i}" for i, c in enumerate(p.where))
        params = {f"w{i}": v for i, v in enumerate(p.where.values())}
        rows = self.sql(f"SELECT {', '.join(cols)} FROM {self.q(p.table)} "
                        f"WHERE {self.q(p.sku_column)} IN :skus{where}", skus=skus, **params)
        out: dict[str, Product] = {}
        for r in rows:
            active = True if p.active_column is None else bool(r.active)
            if r.sku not in out or active:
                out[r.sku] = Product(r.pid, r.sku, active, r.name or "",
                                     Decimal(str(r.stock)) if r.stock is not None
                                     else Decimal("Infinity"),
                                     Decimal(str(r.price)) if r.price is not None else Decimal(0))
        return out

    def _countries(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        c = self.settings.countries
        codes = sorted(set(codes))
        if c is None:  # no lookup: every valid ISO code is accepted, named by pycountry
            return {code: {"id": None, "name": _country_name(code)} for code in codes}
        name = f"{self.q(c.name_column)} AS name" if c.name_column else "NULL AS name"
        rows = self.sql(f"SELECT {self.q(c.id_column)} AS cid, {self.q(c.iso2_column)} AS iso, "
                        f"{name} FROM {self.q(c.table)} WHERE {self.q(c.iso2_column)} IN :codes",
                        codes=codes)
        return {r.iso: {"id": r.cid, "name": r.name or _country_name(r.iso)} for r in rows}

    def _rates(self, so: SupplierOrder) -> ShopRates:
        """The shop's rates from [currencies]; without it the orders' own currencies are taken
        as known, with no rate to convert other currencies by."""
        c = self.settings.currencies
        if c is None:
            return ShopRates.of(((t.customer_order.currency, None) for t in so.transfers),
                                "no [currencies] table configured")
        rows = self.sql(f"SELECT {self.q(c.code_column)} AS code, {self.q(c.rate_column)} AS "
                        f"rate FROM {self.q(c.table)} WHERE {self.q(c.code_column)} IN :codes",
                        codes=sorted(currencies_of(so, self.supplier)))
        return ShopRates.of(((r.code, r.rate) for r in rows), c.table)

    def _refdata(self, so: SupplierOrder, fresh: bool = False) -> dict[str, Any]:
        if fresh or self._ref_for != so.id:
            skus = {sl.supplier_sku for t in so.transfers for sl in t.lines}
            codes = {a.country for t in so.transfers
                     for a in (t.customer_order.billing, t.customer_order.delivery)}
            self._ref = {"products": self._products(skus), "countries": self._countries(codes),
                         "rates": self._rates(so)}
            self._ref_for = so.id
        return self._ref

    # -- customers --------------------------------------------------------------------------
    def _account(self, customer_id: Any) -> dict[str, Any] | str:
        c = self.settings.customer
        if c is None:
            return {"id": customer_id}
        fields = c.account
        cols = ", ".join(f"{self.q(col)} AS {field}" for field, col in fields.items()) or "1"
        row = self.sql(f"SELECT {cols} FROM {self.q(c.table)} WHERE {self.q(c.id)} = :i",
                       i=customer_id).first()
        if row is None:
            return f"no row with {c.id} = {customer_id!r} in {c.table}"
        account = {"id": customer_id}
        account.update({f: getattr(row, f) for f in fields})
        return account

    def _policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        policy = self.supplier.customer_policy
        if policy == "customer":
            return policy, None, None
        account = self._account(getattr(self.supplier, f"{policy}_customer_id"))
        if isinstance(account, str):
            return policy, None, account
        return policy, account, None

    def _match(self, orders: list[CustomerOrder]) -> dict[str, CustomerMatch]:
        policy, account, _problem = self._policy_account()
        c = self.settings.customer
        if policy != "customer" or c is None:
            return {co.number: CustomerMatch(policy, account["id"] if account else None)
                    for co in orders}
        column = self.q(c.match_column)
        where = "".join(f" AND {self.q(k)} = :mw{i}" for i, k in enumerate(c.match_where))
        params = {f"mw{i}": v for i, v in enumerate(c.match_where.values())}
        if c.match == "lower":
            emails = sorted({co.customer.email.strip().lower() for co in orders})
            test = f"{self.case_blind(c.table, c.match_column, column)} IN :emails"
        else:
            emails = sorted({co.customer.email.strip() for co in orders})
            test = f"{column} IN :emails"
        rows = self.sql(f"SELECT {self.q(c.id)} AS cid, {column} AS email FROM {self.q(c.table)} "
                        f"WHERE {test}{where} ORDER BY {self.q(c.id)}", emails=emails, **params)
        pairs = [(r.cid, r.email) for r in rows]
        if c.match == "exact":  # exact: only the same spelling counts
            return {co.number: match_by_email([co], [(i, e) for i, e in pairs
                                                     if e == co.customer.email.strip()])[co.number]
                    for co in orders}
        return match_by_email(orders, pairs)

    # -- values -----------------------------------------------------------------------------
    def _address_values(self, prefix: str, a: Address, ref: dict[str, Any]) -> dict[str, Any]:
        street_name, nr = split_street(a.street)
        country = ref["countries"].get(a.country)
        if country is None:  # named only when needed (a `get` default is built every call)
            country = {"id": None, "name": _country_name(a.country)}
        return {f"{prefix}.first_name": a.first_name, f"{prefix}.last_name": a.last_name,
                f"{prefix}.name": a.name, f"{prefix}.company": a.company,
                f"{prefix}.street": a.street, f"{prefix}.street_name": street_name,
                f"{prefix}.house_number": nr, f"{prefix}.street2": a.street2,
                f"{prefix}.postcode": a.postcode, f"{prefix}.city": a.city,
                f"{prefix}.state": a.state, f"{prefix}.country": a.country,
                f"{prefix}.country_name": country["name"], f"{prefix}.country_id": country["id"]}

    def _account_billing(self, account: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
        """billing.* of a distributor account: only what its mapped columns hold, never the
        end customer's."""
        iso = str(account.get("country") or "")
        country = ref["countries"].get(iso) or {"id": None, "name": _country_name(iso)}
        street = str(account.get("street") or "")
        name, nr = split_street(street)
        first, last = str(account.get("first_name") or ""), str(account.get("last_name") or "")
        return {"billing.first_name": first, "billing.last_name": last,
                "billing.name": f"{first} {last}".strip(),
                "billing.company": str(account.get("company") or ""), "billing.street": street,
                "billing.street_name": name, "billing.house_number": nr,
                "billing.street2": str(account.get("street2") or ""),
                "billing.postcode": str(account.get("postcode") or ""),
                "billing.city": str(account.get("city") or ""),
                "billing.state": str(account.get("state") or ""), "billing.country": iso,
                "billing.country_name": country["name"], "billing.country_id": country["id"]}

    def _values(self, so: SupplierOrder, transfer: Transfer, ref: dict[str, Any], *,
                customer_id: Any, account: dict[str, Any] | None, now: datetime,
                number: Any = None, amounts: OrderAmounts | None = None) -> dict[str, Any]:
        """The placeholders' values of an order; `amounts` computed once per write and shared
        with its lines and totals (`_line_values`, `_total_rows`)."""
        values = dict(self._order_values(so, transfer, ref, amounts))
        values["now"] = now
        values["today"] = now.date()
        values["supplier_order.id"] = so.id
        values["customer.id"] = customer_id
        values["order.shop_number"] = number
        if account is not None and self.supplier.customer_policy == "distributor":
            first = str(account.get("first_name") or "")
            last = str(account.get("last_name") or "")
            values.update({"customer.email": str(account.get("email") or ""),
                           "customer.first_name": first, "customer.last_name": last,
                           "customer.name": f"{first} {last}".strip(),
                           "customer.phone": str(account.get("phone") or ""),
                           "customer.company": str(account.get("company") or ""),
                           "customer.number": ""})
            values.update(self._account_billing(account, ref))
        return values

    def _order_values(self, so: SupplierOrder, transfer: Transfer, ref: dict[str, Any],
                      amounts: OrderAmounts | None) -> dict[str, Any]:
        """`_values` without the write's time, customer id, number and account: worked out once
        per order of a supplier order. Step 1's length checks, a new customer's rows and the
        write each needed them (3 times an order, addresses and country names included: ~15 %
        of the connector's CPU). Kept like the amounts (shop_money.KeptAmounts): by the
        transfer's identity, with what they came from; emptied at each step 1. Not from the
        supplier order object: step 1 gets a copy of it (checks.run_checks: the orders not
        held), so a basis naming it never matched in the write and every order's values were
        worked out twice; its id goes in per call (`_values`)."""
        rates, countries = ref["rates"], ref["countries"]
        if amounts is None:
            amounts = self._amounts(transfer, rates)
        co = transfer.customer_order
        return self._kept_values.of(
            transfer, (co, transfer.reference, rates, countries, amounts),
            lambda: self._work_out_values(transfer, ref, amounts))

    def _work_out_values(self, transfer: Transfer, ref: dict[str, Any],
                         amounts: OrderAmounts) -> dict[str, Any]:
        co = transfer.customer_order
        ordered = co.ordered_at
        if ordered.tzinfo is not None:
            ordered = ordered.astimezone().replace(tzinfo=None)
        c = co.customer
        # None: filled per write by `_values` (here so that the keys keep their order)
        values: dict[str, Any] = {
            "now": None, "today": None, "supplier_order.id": None,
            "order.number": co.number, "order.reference": transfer.reference,
            "order.currency": co.currency,
            "order.currency_rate": ref["rates"].rate(co.currency),
            "order.ordered_at": ordered.replace(microsecond=0),
            "order.subtotal": amounts.subtotal, "order.tax": amounts.tax,
            "order.shipping": amounts.shipping, "order.total": amounts.total,
            "order.gross": amounts.gross_lines, "order.line_count": len(transfer.lines),
            "order.shipping_tax": amounts.shipping_tax,
            "order.shipping_gross": amounts.shipping_gross,
            "order.shipping_tax_rate": amounts.shipping_rate,
            "order.shop_number": None, "order.status": self.o.status_new,
            "customer.id": None, "customer.email": c.email,
            "customer.first_name": c.first_name, "customer.last_name": c.last_name,
            "customer.name": f"{c.first_name} {c.last_name}".strip(), "customer.phone": c.phone,
            "customer.company": c.company, "customer.number": c.number,
            **self._address_values("billing", co.billing, ref),
            **self._address_values("delivery", co.delivery, ref),
        }
        return values

    def _line_values(self, transfer: Transfer, ref: dict[str, Any],
                     amounts: OrderAmounts) -> list[dict[str, Any]]:
        """The lines' placeholders, worked out once per order for step 1's length checks and
        the write (kept like `_order_values`; a row is made from them, they are never
        changed)."""
        products = ref["products"]
        return self._kept_lines.of(transfer, (products, amounts),
                                   lambda: self._work_out_lines(products, amounts))

    @staticmethod
    def _work_out_lines(products: dict[str, Product], amounts: OrderAmounts
                        ) -> list[dict[str, Any]]:
        out = []
        for a in amounts.lines:
            product = products.get(a.line.supplier_sku)
            quantity = a.quantity
            out.append({
                "line.no": a.line.line.line_no, "line.sku": a.line.supplier_sku,
                "line.name": (product.name if product and product.name else a.line.line.name),
                "line.our_name": a.line.line.name,
                "line.quantity": int(quantity) if quantity == quantity.to_integral_value()
                else quantity,
                "line.unit_price": a.unit_net, "line.unit_tax": a.unit_tax,
                "line.unit_gross": a.unit_gross, "line.tax_rate": a.rate, "line.net": a.net,
                "line.tax": a.tax, "line.gross": a.gross,
                "line.product_id": product.id if product else None, "line.unit": a.line.line.unit})
        return out

    def _total_rows(self, transfer: Transfer, ref: dict[str, Any],
                    amounts: OrderAmounts | None = None) -> list[dict[str, Any]]:
        t = self.settings.totals
        assert t is not None
        if amounts is None:
            amounts = order_amounts(transfer, self.supplier, ref["rates"])
        rows = []
        sort = 0
        for kind in ("subtotal", "shipping", "tax", "total"):
            if kind not in t.rows:
                continue
            title = t.rows[kind]
            code = t.codes.get(kind, kind)
            if kind == "tax":
                for rate, _net, tax in amounts.tax_by_rate():
                    sort += 1
                    rows.append({"total.code": code, "total.value": tax, "total.sort": sort,
                                 "total.rate": rate,
                                 "total.title": title.replace("{rate}", plain_rate(rate))})
                continue
            sort += 1
            value = getattr(amounts, kind)  # subtotal, shipping or total
            rows.append({"total.code": code, "total.title": title, "total.value": value,
                         "total.sort": sort, "total.rate": None})
        return rows

    def _row(self, section: TableMap, values: dict[str, Any],
             own: dict[str, Any] | None = None) -> dict[str, Any]:
        """A section's row: each column `render`ed from `values`, the line's / total's /
        history entry's own placeholders from `own` (instead of merging it into a copy of the
        ~60 order values for every child row)."""
        plan = self._plans.get(id(section))
        if plan is None or plan.section is not section:
            plan = self._plans[id(section)] = _Plan(section)
        row = dict(zip(plan.columns, map(values.get, plan.names)))
        if plan.own:
            get = (values if own is None else own).get
            for column, name in plan.own:
                row[column] = get(name)
        if plan.constants:
            row.update(plan.constants)  # existing keys: the column order stays
        if plan.texts:
            get = (values if own is None else {**values, **own}).get
            for column, parts in plan.texts:
                row[column] = "".join(part if i % 2 == 0 else _text(get(part))
                                      for i, part in enumerate(parts))
        return row

    def _new_id(self, section: TableMap) -> Any:
        if section.ids == "uuid":
            return time_ordered_id("dashed")
        if section.ids == "uuid_hex":
            return time_ordered_id("hex")
        if section.ids == "counter":
            c = section.counter
            assert c is not None
            take = self.take_order_number if section is self.o else self.take_number
            return take(c.table, c.key_column, c.key, c.value_column,
                        seed=lambda: self._highest(section))
        return None

    def _highest(self, section: TableMap) -> int:
        try:
            row = self.sql(f"SELECT MAX({self.q(section.id)}) FROM {self.q(section.table)}").first()
            return int(row[0] or 0)
        except (TypeError, ValueError):
            return 0

    def _insert(self, section: TableMap, row: dict[str, Any], now: datetime) -> Any:
        """Insert a row into a section's table; returns its id (generated or auto-increment).
        In a chunk's write the row is queued (`queue`) — an order or customer row only when no
        mapped text embeds its id (a queued row's id is known at the chunk's end, and only a
        lone `{order.id}` / `{customer.id}` can take it then)."""
        new_id = None if section.ids == "auto_increment" else self._new_id(section)
        if new_id is not None:
            row = {**row, section.id: new_id}
        key = section.id
        s = self.settings  # by identity: pydantic's == compares every field
        if self.queuing and (section is s.lines or section is s.totals or section is s.history
                             or self._ids_stand_alone()):
            auto = self.queue(section.table, row, key=key, now=now, drop_unknown=False)
        else:
            row = {k: self._resolved(v) for k, v in row.items()}
            auto = self.insert(section.table, row, key=key, now=now, drop_unknown=False)
        return new_id if new_id is not None else auto

    def _ids_stand_alone(self) -> bool:
        """Whether every mapped value naming `{order.id}` or `{customer.id}` is that placeholder
        alone (so the id keeps its type and can be filled in when the chunk's rows go in)."""
        if self._stand_alone is None:
            self._stand_alone = all(
                not ({"order.id", "customer.id"} & set(placeholders(template)))
                or bool(_PLACEHOLDER.fullmatch(template))
                for section in self._sections() for template in section.columns.values())
        return self._stand_alone

    # -- step 1 -----------------------------------------------------------------------------
    def _amounts(self, transfer: Transfer, rates: ShopRates) -> OrderAmounts:
        """order_amounts once per supplier order (shop_money.KeptAmounts)."""
        return kept_amounts(self).of(transfer, rates,
                                     lambda: order_amounts(transfer, self.supplier, rates))

    def _check(self, so: SupplierOrder) -> list[Finding]:
        kept_amounts(self).clear()  # the previous supplier order's: not needed again
        self._kept_values.clear()
        self._kept_lines.clear()
        out = Findings(self.supplier)
        if self.schema_gaps(out):
            return out.items
        errors, _notes = self.mapping_problems()
        if errors:
            out.add("OX-DB-013", None, detail="; ".join(errors))
            return out.items
        account, usable = self.checked_policy_account(out)
        if not usable:
            return out.items
        ref = self._refdata(so, fresh=True)
        if self.settings.products is not None:
            out.lines(so, ref["products"], whole_quantities=self.settings.whole_quantities)
        elif self.settings.whole_quantities:
            out.lines(so, {sl.supplier_sku: Product(None, sl.supplier_sku, True,
                                                    stock=Decimal("Infinity"))
                           for t in so.transfers for sl in t.lines}, whole_quantities=True)
        if self.settings.countries is not None:
            out.places(so, ref["countries"], None)
        before = len(out.items)
        currency_findings(out, so, ref["rates"], rate_always=False)
        unconvertible = {f.order for f in out.items[before:]}
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN
                   and t.customer_order.number not in unconvertible]
        matches = self._match([t.customer_order for t in pending])
        out.matches(so, matches)
        out.already_written(so, self.find_by_references(*attempted(pending)))
        now = datetime.now()
        o, lines, customer, address = (self.o, self.settings.lines, self.settings.customer,
                                       self.settings.address)
        for t in pending:
            co = t.customer_order
            amounts = self._amounts(t, ref["rates"])
            values = self._values(so, t, ref, customer_id=None, account=account, now=now,
                                  amounts=amounts)
            order = self._row(o, values)
            if o.reference_match == "exact":
                order[o.reference_column] = t.reference
            out.lengths(co.number, self.table(o.table), order)
            for line in self._line_values(t, ref, amounts):
                out.lengths(co.number, self.table(lines.table), self._row(lines, values, line))
            if matches[co.number].key == "new" and customer is not None:
                out.lengths(co.number, self.table(customer.table), self._row(customer, values))
                if address is not None:
                    out.lengths(co.number, self.table(address.table), self._row(address, values))
        return out.items

    # -- step 2 -----------------------------------------------------------------------------
    def find_by_references(self, references: list[str], floor: int | None = None
                           ) -> dict[str, RemoteOrder]:
        """Complete orders carrying these references (a hidden, half-written one is not)."""
        out = {}
        for ref, row in self._by_reference(references, floor=floor).items():
            if self.o.status_hidden is not None and row["status"] is not None and \
                    str(row["status"]) == str(self.o.status_hidden):
                continue
            out[ref] = RemoteOrder(str(row["number"] if row["number"] is not None
                                       else row["id"]),
                                   None if row["customer"] is None else str(row["customer"]))
        return out

    def shop_floor(self) -> int | None:
        """The highest order id with auto_increment ids (the server numbers every later order
        above it); None otherwise — a counter table may lag behind the ids in the table, uuids
        do not grow —, whose look-up then needs an index on `reference_column` (docs)."""
        if self.o.ids != "auto_increment":
            return None
        return self.highest(self.o.table, self.o.id)

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, dict[str, Any]]:
        """reference → the order carrying it, among the orders whose id lies above `floor`
        (a primary-key range: the cost does not grow with the shop's history)."""
        o = self.o
        found: dict[str, dict[str, Any]] = {}
        if not references:
            return found
        if floor is not None and o.ids == "auto_increment":
            scope, params = self._scope_sql()
            scope += f" AND {self.q(o.id)} > :floor"
            params["floor"] = int(floor)
        else:
            scope, params = self._scope_sql()
        customer_col = next((c for c, v in o.columns.items() if v == "{customer.id}"), None)
        cols = [f"{self.q(o.id)} AS oid", f"{self.q(o.reference_column)} AS ref"]
        for alias, column in (("status", o.status_column), ("number", o.number_column),
                              ("customer", customer_col), ("tracking", o.tracking_column),
                              ("shipped", o.shipped_at_column)):
            cols.append(f"{self.q(column)} AS {alias}" if column else f"NULL AS {alias}")
        try:
            if o.reference_match == "exact":
                rows = list(self.sql(f"SELECT {', '.join(cols)} FROM {self.q(o.table)} WHERE "
                                     f"{self.q(o.reference_column)} IN :refs{scope}",
                                     refs=sorted(set(references)), **params))
                keyed = [(r.ref, r) for r in rows]
            else:
                keyed = []
                for length, markers in markers_by_length(references).items():
                    column = f"SUBSTR({self.q(o.reference_column)}, 1, {int(length)})"
                    for r in self.sql(f"SELECT {', '.join(cols)}, {column} AS m FROM "
                                      f"{self.q(o.table)} WHERE {column} IN :markers{scope}",
                                      markers=markers, **params):
                        keyed.append((r.m[1:-1], r))
            hidden = None if o.status_hidden is None else str(o.status_hidden)
            for ref, r in sorted(keyed, key=lambda kr: str(kr[1].status) == hidden):
                found.setdefault(ref, {"id": r.oid, "status": r.status, "number": r.number,
                                       "customer": r.customer, "tracking": r.tracking,
                                       "shipped": r.shipped})
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, o.table) from None
        finally:
            if end:
                self.end_read()
        return found

    def customer_lock(self) -> str | None:
        customers = self.settings.customer
        return f"customer:{customers.table}" if customers else None

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        co = transfer.customer_order
        o = self.o
        now = datetime.now().replace(microsecond=0)
        ref = self._refdata(so)
        if self.settings.products is not None and any(
                sl.supplier_sku not in ref["products"] or not ref["products"][sl.supplier_sku].active
                for sl in transfer.lines):
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products changed since the check")
        existing = None if self.queuing else self._by_reference(
            [transfer.reference], end=False, floor=transfer.shop_floor).get(transfer.reference)
        hidden = o.status_hidden is not None and not self.table(o.table).transactional
        if existing is not None and not (o.status_hidden is not None and
                                         str(existing["status"]) == str(o.status_hidden)):
            return RemoteOrder(str(existing["number"] if existing["number"] is not None
                                   else existing["id"]),
                               None if existing["customer"] is None else str(existing["customer"]))
        customer_id, created, account = self._customer(so, transfer, ref, now)
        transfer.customer_match = self._last_match
        number = existing["number"] if existing is not None else None
        if o.number_column and number is None:
            c = o.number_counter
            assert c is not None
            number = self.take_order_number(c.table, c.key_column, c.key, c.value_column,
                                            seed=lambda: self._max(o.table, o.number_column))
        amounts = self._amounts(transfer, ref["rates"])  # step 1's, shared by the whole write
        values = self._values(so, transfer, ref, customer_id=customer_id, account=account,
                              now=now, number=number, amounts=amounts)
        row = self._row(o, values)
        row.update(o.scope)
        if o.reference_match == "exact":
            row[o.reference_column] = transfer.reference
        else:
            text = row.get(o.reference_column)
            row[o.reference_column] = f"[{transfer.reference}]" + (f" {text}" if text else "")
        if o.status_column:
            row[o.status_column] = o.status_hidden if hidden else o.status_new
        if o.number_column:
            row[o.number_column] = number
        if existing is not None:  # half-written (no transactions): complete it
            order_id = existing["id"]
            for child in (self.settings.lines, self.settings.totals, self.settings.history):
                if child is not None:
                    delete_rows(self.conn, child.table, {child.link(): order_id})
            update_row(self.conn, o.table, row, {o.id: order_id})
        else:
            order_id = self._insert(o, row, now)
        values["order.id"] = order_id
        for line in self._line_values(transfer, ref, amounts):
            self._insert(self.settings.lines, self._row(self.settings.lines, values, line), now)
        if self.settings.totals is not None:
            for total in self._total_rows(transfer, ref, amounts):
                self._insert(self.settings.totals,
                             self._row(self.settings.totals, values, total), now)
        if self.settings.history is not None:
            self._insert(self.settings.history, self._row(self.settings.history, values, {
                "history.status": o.status_new,
                "history.comment": f"[{transfer.reference}] {self.settings.label}: customer "
                                   f"order {co.number} forwarded in supplier order {so.id}"}), now)
        if hidden:  # the last step: only now does the admin list the order
            update_row(self.conn, o.table, {o.status_column: o.status_new}, {o.id: order_id})
        return RemoteOrder(str(number if number is not None else order_id),
                           None if customer_id is None else str(customer_id), created)

    def _max(self, table: str, column: str) -> int:
        try:
            row = self.sql(f"SELECT MAX({self.q(column)}) FROM {self.q(table)}").first()
            return int(row[0] or 0)
        except (TypeError, ValueError):
            return 0

    def _customer(self, so: SupplierOrder, transfer: Transfer, ref: dict[str, Any],
                  now: datetime) -> tuple[Any, bool, dict[str, Any] | None]:
        co = transfer.customer_order
        policy, account, problem = self.policy_account()
        if problem:
            setting = f"{policy}_customer_id"
            raise OXError("OX-CHK-030", supplier=self.supplier.id, setting=setting,
                          value=getattr(self.supplier, setting), detail=problem)
        self._last_match = policy
        if policy in ("guest", "distributor"):
            assert account is not None
            return account["id"], False, account
        c = self.settings.customer
        if c is None:
            raise OXError("OX-DB-013", supplier=self.supplier.id,
                          detail='customer_policy = "customer" needs [connector.customer]')
        match = self.match_one(co)
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:
            return match.customer_id, False, None
        # the order's own values (kept since step 1): the customer and address columns cannot
        # name an order's placeholders (CustomerMap / AddressMap.allowed), only the person's
        values = self._values(so, transfer, ref, customer_id=None, account=None, now=now)
        row = self._row(c, values)
        row.update(c.match_where)
        row.setdefault(c.match_column, co.customer.email)
        customer_id = self._insert(c, row, now)
        if self.settings.address is not None:
            a = self.settings.address
            address_id = self._insert(a, self._row(a, dict(values, **{"customer.id": customer_id})),
                                      now)
            if a.customer_link and self.queuing:
                self.queue_update(c.table, c.id, customer_id, a.customer_link, address_id)
            elif a.customer_link:
                update_row(self.conn, c.table, {a.customer_link: address_id}, {c.id: customer_id})
        self.created_customer(co, customer_id)
        return customer_id, True, None

    # -- the way back ------------------------------------------------------------------------
    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        o = self.o
        if o.status_column is None:
            raise OXError("OX-WRT-003", supplier=self.supplier.id, type=self.type_name,
                          action="read back")  # needs order.status_column
        out = {}
        for reference, row in self._by_reference([t.reference for t in transfers]).items():
            status = row["status"]
            if o.status_hidden is not None and str(status) == str(o.status_hidden):
                continue
            shipped = row["shipped"]
            if shipped in (None, "", "0000-00-00 00:00:00", "0000-00-00"):
                shipped = None
            elif hasattr(shipped, "isoformat"):
                shipped = shipped.isoformat(sep=" ") if isinstance(shipped, datetime) \
                    else shipped.isoformat()
            out[reference] = RemoteStatus(
                order_id=str(row["number"] if row["number"] is not None else row["id"]),
                status=o.status_names.get(str(status), str(status)), status_id=str(status),
                progressed=str(status) != str(o.status_new),
                cancelled=o.status_cancelled is not None and str(status) == str(
                    o.status_cancelled),
                tracking_number=(str(row["tracking"]) if row["tracking"] else None),
                shipped_at=shipped)
        return out

    def cancel(self, transfer: Transfer) -> None:
        o = self.o
        co = transfer.customer_order
        if o.status_column is None or o.status_cancelled is None:
            raise OXError("OX-WRT-003", supplier=self.supplier.id, type=self.type_name,
                          action="cancel")  # needs order.status_cancelled
        allowed = [str(v) for v in (o.cancellable or [o.status_new])]

        def run() -> None:
            row = self._by_reference([transfer.reference], end=False).get(transfer.reference)
            if row is None or (o.status_hidden is not None
                               and str(row["status"]) == str(o.status_hidden)):
                raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                              remote=transfer.remote_order_id or "?",
                              reference=transfer.reference)
            status = str(row["status"])
            if status == str(o.status_cancelled):
                return
            remote = row["number"] if row["number"] is not None else row["id"]
            if status not in allowed:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=remote, status=o.status_names.get(status, status),
                              allowed=", ".join(allowed), setting="order.cancellable")
            hit = update_row(self.conn, o.table, {o.status_column: o.status_cancelled},
                             {o.id: row["id"], o.status_column: row["status"]})
            if hit != 1:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=remote, status="another status",
                              allowed=", ".join(allowed), setting="order.cancellable")
            if self.settings.history is not None:
                now = datetime.now().replace(microsecond=0)
                values = {"now": now, "today": now.date(), "order.id": row["id"],
                          "order.number": co.number, "order.reference": transfer.reference,
                          "history.status": o.status_cancelled,
                          "history.comment": f"[{transfer.reference}] {self.settings.label}: "
                                             f"cancelled by the distributor (customer order "
                                             f"{co.number})"}
                self._insert(self.settings.history,
                             self._row(self.settings.history, values), now)

        self.in_transaction(run, self.write_locks([transfer], None))

    # -- self-test stages --------------------------------------------------------------------
    def reference_stage(self) -> tuple[bool, str]:
        facts = []
        o = self.o
        if o.status_column:
            facts.append(f"new orders get {o.status_column} = {o.status_new!r}" +
                         (f" (hidden {o.status_hidden!r} while written)"
                          if o.status_hidden is not None and
                          not self.table(o.table).transactional else ""))
        for section in self._sections():
            if section.ids == "counter" and section.counter:
                c = section.counter
                row = self.sql(f"SELECT {self.q(c.value_column)} FROM {self.q(c.table)} "
                               f"WHERE {self.q(c.key_column)} = :k", k=c.key).first()
                facts.append(f"{section.table} ids from {c.table}.{c.key} "
                             f"(next {int(row[0]) + 1 if row else 'created at first use'})")
        self.end_read()
        return True, "; ".join(facts) or "nothing to look up"

    def customer_stage(self) -> tuple[bool, str]:
        policy, account, problem = self._policy_account()
        c = self.settings.customer
        how = ""
        if policy == "customer" and c is not None:
            column = self.q(c.match_column)
            how = (self.match_cost(c.table, c.match_column, column) if c.match == "lower"
                   else f"by {column}")
        self.end_read()
        if problem:
            setting = f"{policy}_customer_id"
            return False, stage_text(OXError("OX-CHK-030", supplier=self.supplier.id,
                                             setting=setting,
                                             value=getattr(self.supplier, setting),
                                             detail=problem))
        if policy == "customer":
            return True, f"customers of {c.table} are matched {how}; new ones are created"
        return True, f"orders go to customer {account['id'] if account else '?'} ({policy})"

    def trial_write(self) -> tuple[bool, str]:
        p = self.settings.products
        sku = "TRIAL"
        if p is not None:
            active = f" AND {self.q(p.active_column)} = 1" if p.active_column else ""
            row = self.sql(f"SELECT {self.q(p.sku_column)} FROM {self.q(p.table)} "
                           f"WHERE {self.q(p.sku_column)} <> ''{active} "
                           f"ORDER BY {self.q(p.sku_column)} LIMIT 1").first()
            self.end_read()
            if row is None:
                return False, stage_text(OXError("OX-DB-008", supplier=self.supplier.id,
                                                 detail=f"no active product in {p.table}"))
            sku = row[0]
        country = "DE"
        if self.settings.countries is not None:
            c = self.settings.countries
            row = self.sql(f"SELECT {self.q(c.iso2_column)} FROM {self.q(c.table)} ORDER BY "
                           f"{self.q(c.iso2_column)} = 'DE' DESC LIMIT 1").first()
            self.end_read()
            country = row[0] if row else "DE"
        reference = "OX-TRIAL-" + datetime.now().strftime("%H%M%S%f")
        so, transfer = sample_transfer(self.supplier.id, reference, sku, country,
                                       (self.supplier.currencies or ["EUR"])[0])
        def describe(remote: RemoteOrder) -> str:
            return (f"sample order for {sku} written as order {remote.order_id} and removed "
                    f"again: nothing stayed")

        try:
            return self.trial_stage(lambda: self._write(so, transfer), describe,
                                    lambda: bool(self._by_reference([reference])))
        finally:
            self._ref_for = None


@functools.lru_cache(maxsize=1024)
def _country_name(code: str) -> str:
    """Cached: pycountry's look-up ran for each address of each order (~80,000 calls a
    10,000-order send)."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else code


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [GenericSqlConnector]
