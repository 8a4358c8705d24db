"""Connector for OpenCart 3.0 and 4.x shops.

Writes a customer order the way OpenCart's own checkout leaves it in the database: `order` with the
customer, payment (billing) and shipping addresses, `order_product` lines, the `order_total` rows
`sub_total`, `shipping`, `tax` (one per rate) and `total`, and an `order_history` row; a new
customer gets a `customer` row (empty password: cannot log in until they reset it) and an
`address`.

Visibility and crash safety. OpenCart's admin lists only orders with `order_status_id > 0`, and
OpenCart 3 ships its tables as MyISAM, where ROLLBACK does nothing. So every order is written in
this order, whatever the engine: the `order` row first with `order_status_id = 0` (hidden) and the
exchange reference in its `comment`, then lines and totals, then the history row, and only then
the real status. On InnoDB all of it is also one transaction. On MyISAM a crash leaves at most a
hidden order carrying its reference; the next send finds it and completes it (its lines, totals
and history are written again) instead of inserting a second order. InnoDB chunks are one
transaction (`write_batch`); MyISAM chunks are single writes sharing the chunk's named locks and
look-ups (`write_each`, opencart_each.py), each order still visible last; there the chunk's new
customers go first (three round trips for the chunk) and each order — its hidden row, lines,
totals, history and status UPDATE — as one statement sequence, several orders' sequences to a
multi-statement query (opencart_tail.py).

The reference: `order.comment` starts with `[OX-…]` — the order's own field, written in the very
first statement, so it is there before anything else of the order is.

Versions: 3.0 (`payment_code`/`shipping_code`, `fax`, `customer.address_id`, MyISAM) and 4.x
(`payment_method`/`shipping_method` as JSON, `payment_address_id`, `language_code`,
`address.default`). The version is detected from the `order` table's columns (setting
`version = "auto"`); columns a version lacks are not written, and any NOT NULL column without a
default that a shop adds (extensions do) is filled with a neutral value, so inserts work in strict
and lax SQL mode alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

import pymysql
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import Connector, ConnectorSettings, RemoteOrder
from orderexchange.errors import OXError
from orderexchange.model import CustomerOrder, SupplierOrder, Transfer

from .one_row import delete_rows, insert_row, update_row
from .opencart_back import OpenCartReadBack
from .opencart_check import OpenCartCheck
from .opencart_each import EachChunk, batch_limit, create_customers, load_chunk
from .opencart_rows import HIDDEN, OpenCartRows, RowFitter
from .opencart_selftest import OpenCartSelfTest
from .opencart_tail import ORDER_ID, Batch, Tail, enabled
from .shop_sql import (
    CustomerMatch, OptionalTable, SqlShopConnector, acquire_locks, coded, fit_row, marker,
    markers_by_length, match_by_email, release_locks, stage_text,
)

__version__ = "0.1.0"

__all__ = ["HIDDEN", "OpenCartConnector", "OpenCartSettings"]


class OpenCartSettings(ConnectorSettings):
    table_prefix: str = Field(default="oc_", pattern=r"^[A-Za-z0-9_]*$")
    #: "auto" detects 3.0 or 4.x from the `order` table's columns
    version: Literal["auto", "3", "4"] = "auto"
    store_id: int = 0
    #: store name written into the order; unset: the shop's `config_name` setting
    store_name: str | None = None
    store_url: str = ""
    #: language of product, status and customer-group names (OpenCart's first language is 1)
    language_id: int = 1
    #: status of a new order (1 = Pending in a stock shop)
    order_status_id: int = Field(default=1, gt=0)
    #: status `cancel` sets (7 = Canceled in a stock shop)
    cancelled_status_id: int = Field(default=7, gt=0)
    #: statuses from which `cancel` may cancel (1 Pending, 2 Processing); later ones are the
    #: supplier's business
    cancellable_status_ids: list[int] = Field(default_factory=lambda: [1, 2])
    #: customer group of new customers and guest orders; unset: customer_template.group, then the
    #: shop's `config_customer_group_id`, then 1
    customer_group_id: int | None = None
    #: product column holding the supplier SKU of the catalogue
    sku_column: Literal["model", "sku", "mpn", "ean", "upc"] = "model"
    payment_method: str = "Drop shipping via orderexchange"
    payment_code: str = "orderexchange"
    shipping_method: str = "Drop shipping"
    shipping_code: str = "orderexchange.orderexchange"
    sub_total_title: str = "Sub-Total"
    shipping_title: str = "Shipping"
    #: `{rate}` is replaced by the tax rate, e.g. "VAT (19%)"
    tax_title: str = "VAT ({rate}%)"
    total_title: str = "Total"


class OpenCartConnector(OpenCartCheck, OpenCartRows, OpenCartReadBack, OpenCartSelfTest,
                        SqlShopConnector):
    """The connector; step 1 (opencart_check.py), the rows (opencart_rows.py), read-back and
    cancel (opencart_back.py) and the `test db` stages (opencart_selftest.py) are mixins, the
    writes and the customer matching are here."""

    type_name = "opencart"
    settings_schema = OpenCartSettings
    settings: OpenCartSettings
    hidden_status = HIDDEN

    def __init__(self, supplier: Any, settings: OpenCartSettings) -> None:
        super().__init__(supplier, settings)
        self._version: str | None = None
        #: the chunk `write_each` is writing, with its shared look-ups; else None
        self._each: EachChunk | None = None
        #: `write_each` may send an order's lines, totals, history and status as one query
        self._multi = False
        #: the order `_write` is writing now collects those statements here (opencart_tail.py)
        self._tail: Tail | None = None
        #: a MyISAM chunk's orders whose tails wait to be sent together (`write_each`)
        self._sending: Batch | None = None
        #: rows `insert` collects instead of inserting (a chunk's new addresses, opencart_each)
        self._collect: list[dict[str, Any]] | None = None
        #: customer id → address id of customers a chunk created ahead of their first order
        #: (`create_customers`), until an order uses them (it reports the customer as created)
        self._fresh: dict[int, int] = {}
        #: (customer id, address id) the order `_write` is writing took from `_fresh`
        self._fresh_taken: tuple[int, int] | None = None
        self._fitter = RowFitter()
        #: the shop's own reference data (settings, language, countries with zones, currencies,
        #: status names) read once per connection, i.e. once per send per shop: step 1 of every
        #: supplier order asked again for the same rows
        self._shop_data: dict[str, Any] = {}

    def close(self) -> None:
        super().close()
        self._version = None
        self._shop_data = {}
        self._fresh = {}

    def insert(self, table: str, values: dict[str, Any], *, key: str | None = None,
               now: datetime | None = None, drop_unknown: bool = True) -> int | None:
        """SqlShopConnector's `insert`, run as a driver statement (one_row.py: a MyISAM order
        is a handful of one-row statements, and SQLAlchemy's compilation of each cost ~4x the
        round trip). The trial write keeps the journalled original."""
        if self._journal is not None:
            return super().insert(table, values, key=key, now=now, drop_unknown=drop_unknown)
        if self._collect is not None:
            self._collect.append(self._fit(table, values, now, drop_unknown))
            return None
        return insert_row(self.conn, table, self._fit(table, values, now, drop_unknown))

    def _fit(self, table: str, values: dict[str, Any], now: datetime | None,
             drop_unknown: bool = True) -> dict[str, Any]:
        if drop_unknown:  # the same row, planned once per table and keys
            info = self._tables.get(table) or self.table(table)
            return self._fitter.fit(info, values, now or datetime.now().replace(microsecond=0))
        try:
            row, _filled = fit_row(self.table(table), values,
                                   now or datetime.now().replace(microsecond=0),
                                   drop_unknown=drop_unknown)
        except KeyError as exc:  # the shop's schema changed since step 1
            raise OXError("OX-DB-003", supplier=self.supplier.id, table=table,
                          detail=f"lacks {table}.{exc.args[0]}") from None
        return row

    def queue_all(self, table: str, rows: Sequence[dict[str, Any]], *,
                  key: str | None = None, now: datetime | None = None) -> None:
        """An order's lines, totals and history: into the order's tail when `_write` collects
        one (sent with its visible-last UPDATE in one round trip), else shop_sql's way."""
        if self._tail is None:
            super().queue_all(table, rows, key=key, now=now)
            return
        stamp = now or datetime.now().replace(microsecond=0)
        self._tail.insert(table, [self._fit(table, row, stamp) for row in rows])

    # -- schema -----------------------------------------------------------------------------
    def required_columns(self) -> dict[str, dict[str, str]]:
        t = self.t
        text = "text"
        address_cols = {f"{p}_{c}": text for p in ("payment", "shipping")
                        for c in ("firstname", "lastname", "company", "address_1", "address_2",
                                  "city", "postcode", "country", "zone", "address_format",
                                  "method")}
        address_cols.update({f"{p}_{c}": "int" for p in ("payment", "shipping")
                             for c in ("country_id", "zone_id")})
        return {
            t("order"): {"order_id": "int", "invoice_prefix": text, "store_id": "int",
                         "store_name": text, "store_url": text, "customer_id": "int",
                         "customer_group_id": "int", "firstname": text, "lastname": text,
                         "email": text, "telephone": text, **address_cols, "comment": text,
                         "total": "number", "order_status_id": "int", "language_id": "int",
                         "currency_id": "int", "currency_code": text,
                         "currency_value": "number", "date_added": "datetime",
                         "date_modified": "datetime"},
            t("order_product"): {"order_product_id": "int", "order_id": "int",
                                 "product_id": "int", "name": text, "model": text,
                                 "quantity": "int", "price": "number", "total": "number",
                                 "tax": "number"},
            t("order_total"): {"order_total_id": "int", "order_id": "int", "code": text,
                               "title": text, "value": "number", "sort_order": "int"},
            t("order_history"): {"order_history_id": "int", "order_id": "int",
                                 "order_status_id": "int", "notify": "int", "comment": text,
                                 "date_added": "datetime"},
            t("order_status"): {"order_status_id": "int", "language_id": "int", "name": text},
            t("customer"): {"customer_id": "int", "customer_group_id": "int", "store_id": "int",
                            "language_id": "int", "firstname": text, "lastname": text,
                            "email": text, "telephone": text, "password": text,
                            "newsletter": "int", "status": "int", "date_added": "datetime"},
            t("address"): {"address_id": "int", "customer_id": "int", "firstname": text,
                           "lastname": text, "company": text, "address_1": text,
                           "address_2": text, "city": text, "postcode": text,
                           "country_id": "int", "zone_id": "int"},
            t("customer_group"): {"customer_group_id": "int"},
            t("customer_group_description"): {"customer_group_id": "int", "language_id": "int",
                                              "name": text},
            t("country"): {"country_id": "int", "name": text, "iso_code_2": text},
            t("zone"): {"zone_id": "int", "country_id": "int", "name": text, "code": text},
            t("currency"): {"currency_id": "int", "code": text, "value": "number",
                            "status": "int"},
            t("language"): {"language_id": "int", "code": text},
            t("product"): {"product_id": "int", self.settings.sku_column: text,
                           "quantity": "int", "price": "number", "status": "int"},
            t("product_description"): {"product_id": "int", "language_id": "int",
                                       "name": text},
        }

    def _written(self) -> list[str]:
        return [self.t(n) for n in ("order", "order_product", "order_total", "order_history",
                                    "customer", "address")]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        for name in ("order_product", "order_total", "order_history", "address"):
            needed[self.t(name)] = {"SELECT", "INSERT"}
        needed[self.t("order")] = {"SELECT", "INSERT", "UPDATE"}  # status last; cancel
        needed[self.t("customer")] = {"SELECT", "INSERT", "UPDATE"}  # address_id (3.0)
        for table in self.non_transactional(self._written()):
            # no ROLLBACK: completing a half-written order and removing the trial write
            needed[table].add("DELETE")
        return needed

    def optional_tables(self) -> list[OptionalTable]:
        """Stock in OpenCart 3.0 and 4.x: the store's settings and the parcels."""
        name = self.settings.store_name or self.supplier.name
        return [
            OptionalTable(self.t("setting"), frozenset({"SELECT"}), "store settings",
                          f"orders get the store name {name!r} instead of the shop's own, no "
                          f"invoice prefix, and new customers customer group 1 unless "
                          f"customer_group_id is set", "send"),
            OptionalTable(self.t("order_shipment"), frozenset({"SELECT"}), "tracking read-back",
                          "read-back shows no tracking numbers and no shipping dates",
                          "read-back")]

    def version(self) -> str:
        """'3' or '4' (setting, or detected from the `order` table); '' when unrecognisable."""
        if self.settings.version != "auto":
            return self.settings.version
        if self._version is None:
            order = self.table(self.t("order"))
            if order.has("payment_address_id") or order.has("language_code"):
                self._version = "4"
            elif order.has("payment_code") or order.has("fax"):
                self._version = "3"
            else:
                self._version = ""
        return self._version

    def detect_variant(self) -> tuple[bool, str]:
        order = self.table(self.t("order"))
        if not order.exists:
            return False, stage_text(OXError("OX-DB-010", supplier=self.supplier.id,
                                             type="OpenCart",
                                             detail=f"no table {self.t('order')}"))
        version = self.version()
        if not version:
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="OpenCart",
                detail=f"{self.t('order')} has neither payment_code (3.0) nor "
                       f"payment_address_id (4.x)"))
        how = "set" if self.settings.version != "auto" else "detected"
        label = "OpenCart 3.0" if version == "3" else "OpenCart 4.x"
        return True, f"{label} ({how}), table prefix {self.settings.table_prefix!r}"

    # -- customers --------------------------------------------------------------------------
    def _account(self, customer_id: Any) -> dict[str, Any] | str:
        """A configured shop account (distributor, or guest pseudo customer) with its default
        address, or what is wrong with it."""
        try:
            cid = int(customer_id)
        except (TypeError, ValueError):
            return "OpenCart customer ids are whole numbers"
        customer = self.table(self.t("customer"))
        address_col = ", address_id" if customer.has("address_id") else ""
        row = self.sql(f"SELECT customer_id, customer_group_id, firstname, lastname, email, "
                       f"telephone{address_col} FROM {self.qt('customer')} "
                       f"WHERE customer_id = :c", c=cid).first()
        if row is None:
            return "no customer with this id in the shop"
        default = (f"a.{self._q('default')} DESC, " if self.table(self.t("address")).has("default")
                   else "")
        preferred = int(getattr(row, "address_id", 0) or 0)
        address = self.sql(
            f"SELECT a.address_id, a.firstname, a.lastname, a.company, a.address_1, a.address_2, "
            f"a.city, a.postcode, a.country_id, a.zone_id, c.iso_code_2, c.name AS country "
            f"FROM {self.qt('address')} a LEFT JOIN {self.qt('country')} c "
            f"ON c.country_id = a.country_id WHERE a.customer_id = :c "
            f"ORDER BY a.address_id = :pref DESC, {default}a.address_id", c=cid,
            pref=preferred).first()
        return {"id": cid, "group": int(row.customer_group_id or 0), "first": row.firstname,
                "last": row.lastname, "email": row.email, "phone": row.telephone or "",
                "address": address}

    def _policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        """(policy, account, problem). OpenCart's own guests are customer 0: a guest policy with
        guest_customer_id = 0 writes true guest orders, without any account."""
        policy = self.supplier.customer_policy
        if policy == "customer":
            return policy, None, None
        value = getattr(self.supplier, f"{policy}_customer_id")
        if policy == "guest" and str(value) == "0":
            return policy, None, None
        account = self._account(value)
        if isinstance(account, str):
            return policy, None, account
        if policy == "distributor":
            address = account["address"]
            if address is None:
                return policy, None, "the customer has no address in the address book"
            if not address.iso_code_2:
                return policy, None, "the country of the customer's address is not in the shop"
        return policy, account, None

    def _match(self, orders: list[CustomerOrder]) -> dict[str, CustomerMatch]:
        """Order number → its customer in the shop (by email), for step 1 and for the write, which asks again under the chunk's email locks. Where no index serves the email
        (OpenCart 3.0 declares none) the look-up goes through the store's directory of the
        shop's customers (`keyed`: the rows added since its last read and the ids it watches,
        then the candidates by id) instead of reading every customer. A customer another daemon
        created under the same lock is there: above the watermark, or below it with an id that
        had no row when read, which the directory re-reads for GAP_LIFE. An email changed in the
        shop's admin after the directory read it is found after the next rebuild only."""
        policy, account, _problem = self._policy_account()
        if policy != "customer":
            cid = account["id"] if account else 0
            return {co.number: CustomerMatch(policy, cid) for co in orders}
        emails = sorted({co.customer.email.strip().lower() for co in orders})
        # OpenCart 4 indexes email (3.0 does not: there every row is read either way)
        email = self.case_blind(self.t("customer"), "email", "email")
        ids = None
        if not (email == "email" and self.leads_index(self.t("customer"), "email")):
            ids = self.keyed("email", emails, self.qt("customer"), "customer_id", "t.email AS e",
                             lambda r: (r.e or "").strip().lower())
        if ids is not None and not ids:
            return match_by_email(orders, [])
        among = "" if ids is None else "customer_id IN :ids AND "
        rows = self.sql(f"SELECT customer_id, email, firstname, lastname FROM "
                        f"{self.qt('customer')} WHERE {among}{email} IN :emails "
                        f"ORDER BY customer_id", emails=emails,
                        **({} if ids is None else {"ids": sorted(ids)}))
        return match_by_email(orders, [(int(r.customer_id), r.email, r.firstname, r.lastname)
                                       for r in rows])

    # -- step 2 -----------------------------------------------------------------------------
    def shop_floor(self) -> int | None:
        """The highest `order_id`: every order we write later gets a higher one."""
        return self.highest("order", "order_id")

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, tuple[int, int, int]]:
        """reference → (order id, customer id, status) of every order carrying it, hidden ones
        included (a half-written order on MyISAM), among the orders above `floor` (a primary-key
        range: the cost does not grow with the shop's history). `end=False` inside a write's
        transaction."""
        found: dict[str, tuple[int, int, int]] = {}
        if not references:
            return found
        bound = "" if floor is None else " AND order_id > :floor"
        try:
            for length, markers in markers_by_length(references).items():
                rows = self.sql(f"SELECT SUBSTR(comment, 1, {int(length)}) AS m, order_id, "
                                f"customer_id, order_status_id FROM {self.qt('order')} "
                                f"WHERE SUBSTR(comment, 1, {int(length)}) IN :markers{bound} "
                                f"ORDER BY order_status_id = 0, order_id", markers=markers,
                                **({} if floor is None else {"floor": int(floor)}))
                for r in rows:
                    found.setdefault(r.m[1:-1], (int(r.order_id), int(r.customer_id),
                                                 int(r.order_status_id)))
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("order")) from None
        finally:
            if end:
                self.end_read()
        return found

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder | None:
        """One order: alone (hidden, its real status set last), or queued in a chunk's write
        (`queuing`: looked up with the chunk, written with its status, rows inserted with the
        chunk's). None: the order waits in the MyISAM chunk's batch (`_sending`), which
        `write_each` sends."""
        co = transfer.customer_order
        self._fresh_taken = None
        now = datetime.now().replace(microsecond=0)
        ref = self._refdata(so)
        if self._refuses(transfer, ref):
            # the shop changed between check and write: refuse rather than write a broken order
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products, countries or currency changed since the check")
        queuing = self.queuing
        if queuing:
            existing = None
        elif self._each is not None:  # looked up with the chunk, under its locks
            existing = self._each.existing.get(transfer.reference)
        else:
            existing = self._by_reference([transfer.reference], end=False,
                                          floor=transfer.shop_floor).get(transfer.reference)
        if existing is not None and existing[2] != HIDDEN:
            return RemoteOrder(str(existing[0]), str(existing[1]))  # written meanwhile
        # in a MyISAM chunk the order's lines, totals, history and status go as one query
        self._tail = Tail() if self._multi and self._each is not None and not queuing else None
        try:
            return self._write_order(so, transfer, ref, existing, now)
        finally:
            self._tail = None

    @staticmethod
    def _refuses(transfer: Transfer, ref: dict[str, Any]) -> bool:
        """Whether the shop's products, countries or currency changed since the check in a way
        that makes `_write` refuse the order."""
        co = transfer.customer_order
        products = ref["products"]
        return (ref["rates"].rate(co.currency) is None
                or not ref["currencies"][co.currency]["enabled"]
                or not {co.billing.country, co.delivery.country} <= set(ref["countries"])
                or any(sl.supplier_sku not in products or not products[sl.supplier_sku].active
                       for sl in transfer.lines))

    def _write_order(self, so: SupplierOrder, transfer: Transfer, ref: dict[str, Any],
                     existing: tuple[int, int, int] | None, now: datetime) -> RemoteOrder | None:
        """`_write` once the order is known to need writing: its customer, the hidden `order`
        row (or the half-written one completed), then the rest and the real status last."""
        co = transfer.customer_order
        queuing = self.queuing
        products = ref["products"]
        customer_id, group_id, created, account, address_id = self._customer(co, ref, now)
        transfer.customer_match = self._last_match
        person = self._person(co, account)
        values = self._order_values(so, transfer, ref, person, account,
                                    customer_id=customer_id, address_id=address_id, now=now,
                                    group_id=group_id)
        order_table = self.t("order")
        if queuing:
            values["order_status_id"] = self.settings.order_status_id
        if existing is not None:  # half-written by an earlier attempt (MyISAM): complete it
            order_id = existing[0]
            for child in ("order_product", "order_total", "order_history"):
                delete_rows(self.conn, self.t(child), {"order_id": order_id})
            row = {k: v for k, v in values.items() if self.table(order_table).has(k)}
            update_row(self.conn, order_table, row, {"order_id": order_id})
        elif self._tail is not None:  # the order's first statement; its id in @ox_order_id
            order_id = self._tail.insert_id(order_table, self._fit(order_table, values, now),
                                            ORDER_ID)
        else:
            order_id = self.queue(order_table, values, key="order_id", now=now)
        self._insert_lines(order_id, transfer, products, now)
        self._insert_totals(order_id, transfer)
        self.queue_all(self.t("order_history"), [{
            "order_id": order_id, "order_status_id": self.settings.order_status_id,
            "notify": 0, "comment": f"{marker(transfer.reference)} orderexchange: customer order "
                                    f"{co.number} forwarded in supplier order {so.id}",
            "date_added": now}], key="order_history_id", now=now)
        if not queuing:  # the last step: only now does the admin list the order
            visible = {"order_status_id": self.settings.order_status_id, "date_modified": now}
            tail = self._tail
            if tail is None:
                update_row(self.conn, order_table, visible, {"order_id": order_id})
            else:
                tail.update(order_table, visible, {"order_id": order_id})
                remote = RemoteOrder("" if order_id is ORDER_ID else str(order_id),
                                     str(customer_id), created)
                if self._sending is not None:  # sent with the chunk's next orders
                    self._sending.add(self.conn, (transfer, remote, self._fresh_taken), tail)
                    return None
                try:
                    new_id = tail.run(self.conn)
                except pymysql.err.Error as exc:
                    raise coded(exc, self.supplier, order_table) from None
                if order_id is ORDER_ID:
                    assert new_id is not None
                    order_id = new_id
        return RemoteOrder(str(order_id), str(customer_id), created)



    def _customer(self, co: CustomerOrder, ref: dict[str, Any], now: datetime
                  ) -> tuple[int, int, bool, dict[str, Any] | None, int]:
        """(customer id, customer group id, created, distributor account, address id), matched
        again inside the write (an earlier order of the batch may have created the customer)."""
        policy, account, problem = self.policy_account()
        if problem:
            raise self.policy_error(policy, problem)
        self._last_match = policy
        if policy == "guest":
            if account is None:  # OpenCart's own guest checkout: customer 0
                return 0, ref["group"], False, None, 0
            return account["id"], account["group"] or ref["group"], False, None, 0
        if policy == "distributor":
            assert account is not None
            return (account["id"], account["group"] or ref["group"], False, account,
                    int(account["address"].address_id))
        match = self.match_one(co)
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:
            fresh = self._fresh.pop(match.customer_id, None) if self._fresh else None
            if fresh is not None:  # created ahead of its first order (create_customers)
                self._last_match = "new"
                self._fresh_taken = (int(match.customer_id), fresh)
                return int(match.customer_id), ref["group"], True, None, fresh
            created_here = self._created_here(match.customer_id)
            if created_here is not None:  # by an earlier order of this chunk
                return match.customer_id, ref["group"], False, None, 0
            group = self._customer_group(int(match.customer_id), ref)
            address_id = self._complete_customer(int(match.customer_id), co, ref, now)
            if address_id is not None:  # an earlier, killed attempt created it: finished now
                self._last_match = "new"
                return int(match.customer_id), group, True, None, address_id
            return int(match.customer_id), group, False, None, 0
        customer, address = self._new_customer_values(co, ref, now)
        customer_id = self.queue(self.t("customer"), customer, key="customer_id", now=now)
        address_id = self.queue(self.t("address"), dict(address, customer_id=customer_id),
                                key="address_id", now=now)
        if self.table(self.t("customer")).has("address_id"):
            if self.queuing:
                self.queue_update(self.t("customer"), "customer_id", customer_id, "address_id",
                                  address_id)
            else:  # in a MyISAM chunk: with the order's tail, before the status UPDATE
                target = self.conn if self._tail is None else self._tail.deferred(self.conn)
                update_row(target, self.t("customer"), {"address_id": address_id},
                           {"customer_id": customer_id})
        assert customer_id is not None and address_id is not None
        self.created_customer(co, customer_id)
        return customer_id, ref["group"], True, None, address_id

    def _created_here(self, customer_id: Any) -> Any:
        """The id when an earlier order of the chunk being written created this customer."""
        if self._each is not None:
            return customer_id if customer_id in self._each.created.values() else None
        batch = self._batch
        if batch is None or customer_id not in batch.created.values():
            return None
        return customer_id

    def _customer_group(self, customer_id: int, ref: dict[str, Any]) -> int:
        """The customer's group; in a chunk, read for all the chunk's matched customers at once."""
        if self._each is not None and customer_id in self._each.customers:
            return self._each.customers[customer_id].group
        batch = self._batch
        if batch is not None:
            groups = batch.extra.get("groups")
            if groups is None:
                ids = sorted({int(m.customer_id) for m in batch.matches.values()
                              if m.customer_id is not None and not m.conflict})
                groups = batch.extra["groups"] = {int(r[0]): int(r[1]) for r in self.sql(
                    f"SELECT customer_id, customer_group_id FROM {self.qt('customer')} "
                    f"WHERE customer_id IN :ids", ids=ids)}
            if customer_id in groups:
                return groups[customer_id]
        row = self.sql(f"SELECT customer_group_id FROM {self.qt('customer')} "
                       f"WHERE customer_id = :c", c=customer_id).first()
        return int(row[0]) if row else ref["group"]

    def _complete_customer(self, customer_id: int, co: CustomerOrder, ref: dict[str, Any],
                           now: datetime) -> int | None:
        """Finish a customer that an earlier attempt created and a kill interrupted.

        Why: on MyISAM a killed write keeps the customer row it inserted first; without this,
        the retry matched it by email and used it as it was (address_id 0, no address, so the
        admin showed a customer without an address). Only customers this connector created
        are touched (the empty password: the storefront and the admin always set one), and
        only when the address book entry or the default address is missing. Returns the
        address id when it completed the customer, None when there was nothing to do."""
        customer_table, address_table = self.t("customer"), self.t("address")
        if not self.non_transactional([customer_table, address_table]):
            return None  # a killed write was rolled back: no half-written customer
        linked = self.table(customer_table).has("address_id")
        known = self._each.customers.get(customer_id) if self._each is not None else None
        if known is not None:  # read with the chunk (write_each)
            if known.password:
                return None
            addresses, default = known.addresses, known.default_address
        else:
            row = self.sql(f"SELECT password{', address_id' if linked else ''} FROM "
                           f"{self.qt('customer')} WHERE customer_id = :c", c=customer_id).first()
            if row is None or row.password:
                return None
            addresses = [int(r[0]) for r in self.sql(
                f"SELECT address_id FROM {self.qt('address')} WHERE customer_id = :c "
                f"ORDER BY address_id", c=customer_id)]
            default = int(row.address_id or 0) if linked else None
        if addresses and (not linked or default in addresses):
            return None  # whole
        if addresses:
            address_id = addresses[0]
        else:
            _customer, address = self._new_customer_values(co, ref, now)
            address_id = self.insert(address_table, dict(address, customer_id=customer_id),
                                     key="address_id", now=now)
        if linked:
            update_row(self.conn, customer_table, {"address_id": address_id},
                       {"customer_id": customer_id})
        assert address_id is not None
        if known is not None:  # whole now: a later order of the chunk leaves it as it is
            known.addresses = sorted({*known.addresses, address_id})
            known.default_address = address_id if linked else None
        return address_id

    # -- a chunk of single writes (MyISAM) --------------------------------------------------
    writes_each = True

    def write_each(self, supplier_order: SupplierOrder, transfers: list[Transfer]
                   ) -> tuple[dict[str, RemoteOrder], OXError | None]:
        """The chunk's orders, each written by `_write` exactly as `write` writes it (hidden
        first, its real status last: a crash leaves only whole orders and at most one hidden
        one, which the next write of it completes), under ONE set of named locks (every
        reference and email of the chunk) and with the chunk's look-ups read once
        (opencart_each.py). A written table with transactions (a shop mixing engines) gets a
        COMMIT per order; with none, one COMMIT for the chunk — a no-op on MyISAM either way —
        and the orders' tails go several to a query (`_send_waiting`).
        Stops at the first order that fails (Connector.write_each)."""
        if self.db.dialect not in ("mysql", "mariadb"):
            return super().write_each(supplier_order, transfers)
        written: dict[str, RemoteOrder] = {}
        error: OXError | None = None
        held: list[str] = []
        self.end_read()
        try:
            per_order = any(self.table(t).transactional for t in self._written())
            held = acquire_locks(self.conn, self.write_locks(transfers, self.customer_lock()),
                                 self.supplier)
            tx = self.conn.begin()
            try:
                self._each = load_chunk(self, supplier_order, transfers)
                with enabled(self.conn) as self._multi:
                    if self._multi and not per_order and self._journal is None:
                        create_customers(self, supplier_order, transfers, update_row)
                        self._sending = Batch(batch_limit(self))
                    for transfer in transfers:
                        self._write_waiting(supplier_order, transfer, written)
                        if per_order:
                            tx.commit()
                            tx = self.conn.begin()
                    self._send_waiting(written)
                tx.commit()
            except BaseException:
                try:
                    tx.rollback()
                except SQLAlchemyError:
                    pass  # the connection is gone: nothing to roll back
                raise
        except OXError as err:
            error = err
        except (SQLAlchemyError, pymysql.err.Error) as exc:
            error = coded(exc, self.supplier)
        finally:
            self._each = None
            self._multi = False
            self._sending = None
            if held:
                release_locks(self.conn, held)
        return written, error

    def _write_waiting(self, so: SupplierOrder, transfer: Transfer,
                       written: dict[str, RemoteOrder]) -> None:
        """`_write` inside `write_each`: the order is written now, or waits in the batch, which
        is sent once full. When the order fails, the orders waiting before it are sent first:
        they come before it in the chunk, and only the first failure counts (its own error
        raises when they all landed)."""
        try:
            remote = self._write(so, transfer)
        except Exception:
            if self._fresh_taken is not None:  # its customer is left for its next write
                self._fresh.setdefault(*self._fresh_taken)
            self._send_waiting(written)
            raise
        if remote is not None:
            written[transfer.reference] = remote
        elif self._sending is not None and self._sending.full():
            self._send_waiting(written)

    def _send_waiting(self, written: dict[str, RemoteOrder]) -> None:
        """Send the batch of waiting orders (opencart_tail.Batch) and record those that
        landed whole. At a failing statement the server stopped: the order it belongs to is the
        chunk's failure (at most half-written and hidden, so the next write of it completes it,
        as after a single write), the ones after it never ran; customers created ahead for them
        (`create_customers`) are handed back, so whichever write uses one still reports it as
        created."""
        if not self._sending:
            return
        done, not_done, exc = self._sending.run(self.conn)
        for (transfer, remote, _fresh), new_id in done:
            if new_id is not None:
                remote = replace(remote, order_id=str(new_id))
            written[transfer.reference] = remote
        for _transfer, _remote, fresh in not_done:
            if fresh is not None:
                self._fresh.setdefault(*fresh)
        if exc is not None:
            error = coded(exc, self.supplier, self.t("order"))
            error.facts.setdefault("order", not_done[0][0].customer_order.number)
            raise error from None

    def match_one(self, co: CustomerOrder) -> Any:
        each = self._each
        if each is None:
            return super().match_one(co)
        email = co.customer.email.strip().lower()
        if email in each.created:
            return CustomerMatch("email", each.created[email])
        return each.matches[co.number]

    def policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        if self._each is not None:
            return self._each.policy_account
        return super().policy_account()

    def created_customer(self, co: CustomerOrder, customer_id: Any) -> None:
        if self._each is not None:
            self._each.created[co.customer.email.strip().lower()] = customer_id
        super().created_customer(co, customer_id)


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [OpenCartConnector]
