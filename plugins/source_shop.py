"""Order source `shop`: new orders read straight from the distributor's own shop database.

The daemon needs customer orders without anyone exporting them. This source reads the shop's
orders (osCommerce family: `orders`, `orders_products`, `orders_total`, `customers`,
`countries`, `orders_status`) whose status is one of `statuses`, turns each into the importer's
JSON shape and hands them to the host, which validates and stores them like
`orderexchange import` does. A shop order that fails validation (unknown country, no email …)
is reported with its code and retried on later fetches until it is fixed in the shop.

Exactly once: the bookmark (the highest shop order id taken, and the ids still waiting for a fix)
lives in the state store and moves on only after the host stored the batch. A crash in between
re-reads the batch, and orders the store already holds are skipped, so nothing is stored twice.
Orders reach a status late (e.g. `statuses = [2]` "Processing" after payment, while later orders
were taken already): those placed within the last `lookback_days` are looked at again, below the
bookmark too.

With `mark_status`, each taken order is set to that status in the shop, with an
`orders_status_history` row ("forwarded to suppliers"), so the shop's admin shows it was
forwarded; the status change is guarded (only orders still in `statuses` change), so a repeated
run never adds a second history row.

The shop's prices are stored in its default currency; `currency_value` converts them into the
order's currency, as the shop's own invoice does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.config import DatabaseConfig, SupplierConfig
from orderexchange.errors import OXError
from orderexchange.importer import ImportReport
from orderexchange.plugins.shop_sql import ShopDatabase, coded
from orderexchange.sources import OrderBatch, OrderSource, SourceSettings
from orderexchange.store import Store

__version__ = "0.1.0"

_IDENT = r"^[A-Za-z0-9_]{0,32}$"
_CENT = Decimal("0.01")
_UNIT = Decimal("0.0001")
#: the most shop order ids kept waiting for a fix; beyond it the oldest are given up (reported)
RETRY_LIMIT = 1000


class ShopSourceSettings(SourceSettings):
    database: DatabaseConfig
    shop: Literal["oscommerce"] = "oscommerce"
    #: shop order statuses (orders_status_id) that make an order ready to forward, e.g. [1]
    statuses: list[int] = Field(min_length=1)
    #: after the import, set the shop order to this status (+ a history row); None: leave it
    mark_status: int | None = None
    mark_comment: str = Field(default="forwarded to suppliers", max_length=1000)
    table_prefix: str = Field(default="", pattern=_IDENT)
    language_id: int = 1
    #: orders read and stored per batch (one state-store transaction each)
    batch_size: int = Field(default=500, ge=1, le=5000)
    #: re-examine orders placed within this many days below the bookmark (late status changes)
    lookback_days: int = Field(default=7, ge=0, le=365)
    #: orders with an id up to this one are never taken (those forwarded before, by hand)
    start_after_id: int = Field(default=0, ge=0)
    #: the shop's clock: `date_purchased` is local time without a zone (a MySQL/MariaDB shop's
    #: own NOW() is used where it can be asked, so this matters for SQLite shops and the dates)
    timezone: str = "UTC"
    #: leave orders younger than this alone: the osCommerce checkout writes the order row, its
    #: totals and its products one after the other, without a transaction
    settle_seconds: int = Field(default=60, ge=0, le=86400)
    #: put in front of the shop order id to make the customer-order number, e.g. "WEB-"
    number_prefix: str = Field(default="", max_length=16)
    #: hand the shop's order total to the import, which checks lines + shipping + tax against it
    check_total: bool = True

    @pydantic.field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name (e.g. Europe/Berlin)") from None
        return value

    @pydantic.model_validator(mode="after")
    def _mark_leaves_statuses(self) -> ShopSourceSettings:
        if self.mark_status is not None and self.mark_status in self.statuses:
            raise ValueError("mark_status must not be one of statuses (the order would be "
                             "taken again and again)")
        return self


class ShopSource(OrderSource):
    type_name = "shop"
    settings_schema = ShopSourceSettings
    settings: ShopSourceSettings

    def __init__(self, name: str, settings: ShopSourceSettings, config: Any) -> None:
        super().__init__(name, settings, config)
        # a SupplierConfig only to reuse the shop connection code (timeouts, charset, OX-DB
        # classification); its errors are re-coded as OX-SRC, which point at [sources.X]
        self._db = ShopDatabase(SupplierConfig(id=name, name=name, email=config.distributor.email,
                                               database=settings.database))
        self._conn: sa.Connection | None = None
        key = hashlib.sha256(f"{settings.database.url}|{settings.table_prefix}|{name}"
                             .encode()).hexdigest()[:16]
        # bound to the shop (URL + prefix): pointing the source elsewhere starts a new bookmark
        self._last_key = f"source.shop.{key}.last_id"
        self._retry_key = f"source.shop.{key}.retry"

    # -- errors -----------------------------------------------------------------------------
    def _error(self, exc: BaseException, table: str = "") -> OXError:
        err = exc if isinstance(exc, OXError) else coded(exc, self._db.supplier, table)
        where = self.settings.database.where()
        if err.code == "OX-DB-001":
            user = sa.engine.make_url(self.settings.database.url).username or "?"
            return OXError("OX-SRC-001", source=self.name, user=user)
        if err.code in ("OX-DB-003", "OX-DB-005"):
            detail = err.facts.get("detail") or f"database {err.facts.get('database')} is missing"
            return OXError("OX-SRC-003", source=self.name, where=where, shop=self.settings.shop,
                           detail=detail)
        return OXError("OX-SRC-002", source=self.name, where=where,
                       detail=err.facts.get("detail") or err.message)

    def _t(self, table: str) -> str:
        return f"{self.settings.table_prefix}{table}"

    def _connect(self) -> sa.Connection:
        if self._conn is None:
            try:
                self._conn = self._db.open()
            except OXError as exc:
                raise self._error(exc) from None
        return self._conn

    def _read(self, sql: str, table: str, **params: Any) -> list[sa.Row]:
        conn = self._connect()
        stmt = sa.text(sql)
        expanding = [k for k, v in params.items() if isinstance(v, (list, tuple, set))]
        if expanding:
            stmt = stmt.bindparams(*(sa.bindparam(k, expanding=True) for k in expanding))
        try:
            rows = list(conn.execute(stmt, {k: list(v) if k in expanding else v
                                            for k, v in params.items()}))
            conn.rollback()  # end the read: the next batch sees the shop's newest commits
            return rows
        except SQLAlchemyError as exc:
            self._drop_connection()
            raise self._error(exc, self._t(table)) from None

    def _drop_connection(self) -> None:
        self._db.close()
        self._conn = None

    def close(self) -> None:
        self._drop_connection()

    # -- the bookmark -------------------------------------------------------------------------
    def _bookmark(self, store: Store) -> tuple[int, list[int]]:
        last = int(store.get_setting(self._last_key) or 0)
        retry = json.loads(store.get_setting(self._retry_key) or "[]")
        return last, [int(i) for i in retry]

    def bookmark(self, store: Store) -> dict[str, Any]:
        """The highest shop order id taken and the ids waiting for a fix (for status output)."""
        last, retry = self._bookmark(store)
        return {"last_id": last, "waiting": retry}

    # -- reading ------------------------------------------------------------------------------
    def batches(self, store: Store) -> Iterator[OrderBatch]:
        s = self.settings
        last, retry = self._bookmark(store)
        zone = ZoneInfo(s.timezone)
        now = self._shop_now(zone)
        cutoff = now - timedelta(days=s.lookback_days)
        settled = now - timedelta(seconds=s.settle_seconds)
        after = s.start_after_id
        countries = self._countries()
        statuses = self._status_names()
        run = {"rejected": set(), "retry": set(retry), "last": last}
        while True:
            rows = self._read(
                f"SELECT * FROM {self._t('orders')} WHERE orders_status IN :statuses "
                "AND orders_id > :after AND date_purchased <= :settled "
                "AND (orders_id > :last OR date_purchased >= :cutoff"
                + (" OR orders_id IN :retry" if retry else "") + ") "
                "ORDER BY orders_id LIMIT :n", "orders",
                statuses=s.statuses, after=after, settled=settled,
                last=max(last, s.start_after_id),
                cutoff=cutoff if s.lookback_days else datetime(9999, 1, 1),
                n=s.batch_size, **({"retry": retry} if retry else {}))
            if not rows:
                break
            after = rows[-1].orders_id
            known = [r.orders_id for r in rows if store.has_order(self._number(r.orders_id))]
            fresh = [r for r in rows if r.orders_id not in set(known)]
            orders = self._orders(fresh, countries, statuses, zone) if fresh else []
            ids = [r.orders_id for r in rows]
            named = [r.orders_id for r in fresh] or ids
            label = f"{self.name} orders {named[0]}-{named[-1]}"
            yield OrderBatch(label, orders, context={
                "ids": ids, "known": known, "run": run,
                "by_number": {self._number(r.orders_id): r.orders_id for r in fresh}})
            if len(rows) < s.batch_size:
                break
        # every waiting order was looked at again: the ones still refused stay waiting
        store.set_setting(self._retry_key, json.dumps(sorted(run["rejected"])[-RETRY_LIMIT:]))

    def _shop_now(self, zone: ZoneInfo) -> datetime:
        """The shop's own clock, which wrote `date_purchased` (no zone, no drift between hosts)."""
        self._connect()
        if self._db.dialect in ("mysql", "mariadb"):
            (row,) = self._read("SELECT NOW()", "orders")
            return row[0]
        return datetime.now(zone).replace(tzinfo=None, microsecond=0)

    def _number(self, orders_id: int) -> str:
        return f"{self.settings.number_prefix}{orders_id}"

    def _countries(self) -> dict[str, str]:
        rows = self._read(f"SELECT countries_name, countries_iso_code_2 FROM "
                          f"{self._t('countries')}", "countries")
        return {str(r[0]).strip().casefold(): str(r[1]).strip().upper() for r in rows}

    def _status_names(self) -> dict[int, str]:
        rows = self._read(f"SELECT orders_status_id, orders_status_name FROM "
                          f"{self._t('orders_status')} WHERE language_id = :lang",
                          "orders_status", lang=self.settings.language_id)
        return {int(r[0]): str(r[1]) for r in rows}

    def _orders(self, rows: list[sa.Row], countries: dict[str, str], statuses: dict[int, str],
                zone: ZoneInfo) -> list[dict[str, Any]]:
        ids = [r.orders_id for r in rows]
        lines: dict[int, list[sa.Row]] = {i: [] for i in ids}
        for ln in self._read(
                f"SELECT orders_id, products_model, products_name, final_price, products_tax, "
                f"products_quantity FROM {self._t('orders_products')} WHERE orders_id IN :ids "
                "ORDER BY orders_id, orders_products_id", "orders_products", ids=ids):
            lines[ln.orders_id].append(ln)
        totals: dict[int, dict[str, Decimal]] = {i: {} for i in ids}
        for t in self._read(f"SELECT orders_id, class, value FROM {self._t('orders_total')} "
                            "WHERE orders_id IN :ids", "orders_total", ids=ids):
            by_class = totals[t.orders_id]
            by_class[t[1]] = by_class.get(t[1], Decimal(0)) + Decimal(t.value)
        customer_ids = sorted({r.customers_id for r in rows if r.customers_id})
        customers = {c.customers_id: c for c in self._read(
            f"SELECT customers_id, customers_firstname, customers_lastname, "
            f"customers_email_address, customers_telephone FROM {self._t('customers')} "
            "WHERE customers_id IN :ids", "customers", ids=customer_ids)} if customer_ids else {}
        return [self._order(r, lines[r.orders_id], totals[r.orders_id],
                            customers.get(r.customers_id), countries, statuses, zone)
                for r in rows]

    def _order(self, r: sa.Row, lines: list[sa.Row], totals: dict[str, Decimal],
               customer: sa.Row | None, countries: dict[str, str], statuses: dict[int, str],
               zone: ZoneInfo) -> dict[str, Any]:
        """One shop order in the importer's JSON shape; the importer judges what is missing."""
        rate = Decimal(r.currency_value or 1)

        def country(name: Any) -> str:
            # the shop stores the country *name*; an unknown name goes on as it is, so the
            # import reports it (OX-IMP-006) naming the order and the field
            text = str(name or "").strip()
            return countries.get(text.casefold(), text)

        def address(kind: str) -> dict[str, Any]:
            first, last = _split_name(getattr(r, f"{kind}_name"))
            return {"first_name": first, "last_name": last,
                    "company": getattr(r, f"{kind}_company") or "",
                    "street": getattr(r, f"{kind}_street_address") or "",
                    "street2": getattr(r, f"{kind}_suburb") or "",
                    "postcode": getattr(r, f"{kind}_postcode") or "",
                    "city": getattr(r, f"{kind}_city") or "",
                    "state": getattr(r, f"{kind}_state") or "",
                    "country": country(getattr(r, f"{kind}_country"))}

        if customer is not None:
            first, last = customer.customers_firstname, customer.customers_lastname
        else:
            first, last = _split_name(r.customers_name)
        ordered = r.date_purchased
        out: dict[str, Any] = {
            "number": self._number(r.orders_id),
            "ordered_at": ordered.replace(tzinfo=zone).isoformat() if ordered else "",
            "currency": (r.currency or "").strip(),
            "status": statuses.get(int(r.orders_status), str(r.orders_status)),
            "tax_mode": "net",
            "customer": {
                "email": r.customers_email_address
                or (customer.customers_email_address if customer else ""),
                "first_name": first, "last_name": last,
                "phone": r.customers_telephone or (customer.customers_telephone if customer
                                                   else ""),
                "company": r.customers_company or "",
                "number": str(r.customers_id) if r.customers_id else ""},
            "billing": address("billing"),
            "delivery": address("delivery"),
            "lines": [{"sku": ln.products_model or "", "name": ln.products_name,
                       "quantity": ln.products_quantity,
                       "unit_price": str((Decimal(ln.final_price) * rate).quantize(_UNIT)),
                       "tax_rate": f"{Decimal(ln.products_tax).normalize():f}"}
                      for ln in lines],
        }
        shipping = totals.get("ot_shipping", Decimal(0)) * rate
        out["shipping"] = str(shipping.quantize(_CENT, ROUND_HALF_UP))
        line_tax = sum((Decimal(ln.final_price) * ln.products_quantity * rate
                        * Decimal(ln.products_tax) / 100 for ln in lines), Decimal(0))
        shipping_tax = totals.get("ot_tax", Decimal(0)) * rate - line_tax
        if shipping > 0 and shipping_tax > _CENT:
            # the shop keeps no shipping tax rate; its tax total minus the lines' tax tells it
            out["shipping_tax_rate"] = str((shipping_tax / shipping * 100).quantize(Decimal("0.1")))
        # the total is compared to the cent: only in the currency the shop computed it in (a
        # converted total and converted prices round apart, and the order would be refused)
        if self.settings.check_total and "ot_total" in totals and rate == 1:
            out["total"] = str((totals["ot_total"] * rate).quantize(_CENT, ROUND_HALF_UP))
        return out

    # -- after the import ---------------------------------------------------------------------
    def taken(self, store: Store, batch: OrderBatch, report: ImportReport) -> None:
        ctx = batch.context
        by_number: dict[str, int] = ctx["by_number"]
        rejected = {by_number[n] for n in report.rejected_orders if n in by_number}
        # an order whose number did not even survive validation is still one of this batch
        rejected |= {by_number[n] for e in report.errors
                     if (n := str(e.facts.get("order") or "")) in by_number}
        accepted = [i for i in ctx["ids"] if i not in rejected]
        if self.settings.mark_status is not None and accepted:
            self._mark(accepted)
        run = ctx["run"]
        run["rejected"] |= rejected
        run["last"] = max(run["last"], *ctx["ids"])
        # saved after the store holds the batch: a crash before this line reads it again
        store.set_setting(self._retry_key, json.dumps(sorted(run["retry"] | run["rejected"])))
        store.set_setting(self._last_key, str(run["last"]))

    def _mark(self, ids: list[int]) -> None:
        s = self.settings
        now = self._shop_now(ZoneInfo(s.timezone))
        conn = self._connect()
        update = sa.text(f"UPDATE {self._t('orders')} SET orders_status = :mark, "
                         "last_modified = :now WHERE orders_id = :id "
                         "AND orders_status IN :statuses").bindparams(
            sa.bindparam("statuses", expanding=True))
        history = sa.text(f"INSERT INTO {self._t('orders_status_history')} (orders_id, "
                          "orders_status_id, date_added, customer_notified, comments) "
                          "VALUES (:id, :mark, :now, 0, :comment)")
        try:
            for orders_id in ids:
                changed = conn.execute(update, {"mark": s.mark_status, "now": now,
                                                "id": orders_id, "statuses": s.statuses})
                if changed.rowcount == 1:
                    conn.execute(history, {"id": orders_id, "mark": s.mark_status, "now": now,
                                           "comment": s.mark_comment})
            conn.commit()
        except SQLAlchemyError as exc:
            self._drop_connection()
            raise self._error(exc, self._t("orders_status_history")) from None


def _split_name(full: Any) -> tuple[str, str]:
    """osCommerce keeps one name field per address: the last word is taken as the last name."""
    parts = str(full or "").split()
    if len(parts) < 2:
        return "", " ".join(parts)
    return " ".join(parts[:-1]), parts[-1]


@hookimpl
def oe_order_sources() -> dict[str, type[OrderSource]]:
    return {"shop": ShopSource}
