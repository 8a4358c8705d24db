"""Step 1 of the OpenCart connector: the shop's reference data (settings, language, products,
countries with zones, currencies, status names) and the checks of a supplier order against it.

Why a module of its own: opencart.py had grown to ~1,100 lines doing everything; the checks read
the shop and plan rows but never write. A mixin of `OpenCartConnector` (plugins/opencart.py),
which provides `sql`, `table`, `settings` and the row builders (opencart_rows.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from orderexchange.connector import attempted
from orderexchange.model import Finding, SupplierOrder, TransferState

from .shop_money import ShopRates, currencies_of, currency_findings, kept_amounts
from .shop_sql import Findings, Product, quote



class OpenCartCheck:
    def _settings_table(self) -> dict[str, str]:
        setting = self.table(self.t("setting"))
        if not setting.exists:
            return {}
        try:
            rows = self.sql(f"SELECT {self._q('key')} AS k, value FROM {self.qt('setting')} "
                            f"WHERE store_id = :s AND {self._q('key')} IN :keys",
                            s=self.settings.store_id,
                            keys=["config_name", "config_invoice_prefix",
                                  "config_customer_group_id"])
            return {r.k: r.value for r in rows}
        except SQLAlchemyError:  # no SELECT on it: `test db` reports the grant; defaults apply
            return {}

    def _q(self, column: str) -> str:
        return quote(self.conn, column)

    def _products(self, skus: Iterable[str]) -> dict[str, Product]:
        skus = sorted(set(skus))
        if not skus:
            return {}
        col = self._q(self.settings.sku_column)
        rows = self.sql(
            f"SELECT p.product_id, p.{col} AS sku, p.status, p.quantity, p.price, pd.name "
            f"FROM {self.qt('product')} p LEFT JOIN {self.qt('product_description')} pd "
            f"ON pd.product_id = p.product_id AND pd.language_id = :lang "
            f"WHERE p.{col} IN :skus", lang=self.settings.language_id, skus=skus)
        out: dict[str, Product] = {}
        for r in rows:
            if r.sku not in out or r.status:  # an active product wins over an inactive twin
                out[r.sku] = Product(int(r.product_id), r.sku, bool(r.status), r.name or "",
                                     Decimal(str(r.quantity or 0)), Decimal(str(r.price or 0)))
        return out

    def _countries(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        country = self.table(self.t("country"))
        fmt = ", address_format" if country.has("address_format") else ""
        rows = self.sql(f"SELECT country_id, name, iso_code_2{fmt} FROM {self.qt('country')} "
                        f"WHERE iso_code_2 IN :codes", codes=sorted(set(codes)))
        out = {r.iso_code_2: {"id": int(r.country_id), "name": r.name,
                              "format": getattr(r, "address_format", "") or ""} for r in rows}
        if out:
            zones = self.sql(f"SELECT zone_id, country_id, name, code FROM {self.qt('zone')} "
                             f"WHERE country_id IN :ids", ids=[c["id"] for c in out.values()])
            by_country: dict[int, list[Any]] = {}
            for z in zones:
                by_country.setdefault(int(z.country_id), []).append(z)
            for c in out.values():
                c["zones"] = by_country.get(c["id"], [])
                # casefolded name or code -> the first zone of the list with it (what a search
                # of the list finds): asked for two addresses per order, step 1 and write
                index: dict[str, Any] = {}
                for z in c["zones"]:
                    index.setdefault((z.name or "").casefold(), z)
                    index.setdefault((z.code or "").casefold(), z)
                c["zone_index"] = index
        return out

    def _currencies(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The shop's `currency` rows of these codes: id, rate (`value`; None: none set) and
        whether it is enabled (`status`: the storefront offers only enabled currencies, and the
        admin edits an order through the storefront's API, which refuses a disabled one)."""
        rows = self.sql(f"SELECT currency_id, code, value, status FROM {self.qt('currency')} "
                        f"WHERE code IN :codes", codes=sorted(set(codes)))
        return {r.code: {"id": int(r.currency_id), "value": r.value, "enabled": bool(r.status)}
                for r in rows}

    def _refdata(self, so: SupplierOrder, fresh: bool = False) -> dict[str, Any]:
        """Products, countries (with zones), currencies, language and shop settings for a whole
        supplier order: read once at its first write (and afresh for every check)."""
        if fresh or self._ref_for != so.id:
            skus = {sl.supplier_sku for t in so.transfers for sl in t.lines}
            codes = {a.country for t in so.transfers
                     for a in (t.customer_order.billing, t.customer_order.delivery)}
            cached = self._shop_data
            if "settings" not in cached:
                cached["settings"] = self._settings_table()
                language = self.sql(f"SELECT code FROM {self.qt('language')} WHERE "
                                    f"language_id = :l", l=self.settings.language_id).first()
                cached["language"] = language[0] if language else ""
            shop = cached["settings"]
            self._ref = {
                "products": self._products(skus),
                "countries": self._by_code("countries", self._countries, codes),
                "currencies": self._by_code("currencies", self._currencies,
                                            currencies_of(so, self.supplier)),
                "language_code": cached["language"],
                "store_name": self.settings.store_name or shop.get("config_name")
                or self.supplier.name,
                "invoice_prefix": shop.get("config_invoice_prefix", ""),
                "group": self._group_id(shop),
            }
            self._ref["rates"] = ShopRates.of(
                ((c, r["value"]) for c, r in self._ref["currencies"].items()), self.t("currency"))
            self._ref_for = so.id
        return self._ref

    def _by_code(self, kind: str, read: Any, codes: Iterable[str]) -> dict[str, Any]:
        """`read(codes)` (countries or currencies by code) through the connection's cache:
        only codes not asked before go to the shop; a code the shop lacks is remembered as such."""
        known = self._shop_data.setdefault(kind, {})
        wanted = set(codes)
        todo = sorted(wanted - set(known))
        if todo:
            found = read(todo)
            known.update({code: found.get(code) for code in todo})
        return {code: known[code] for code in sorted(wanted) if known[code] is not None}

    def _group_id(self, shop: dict[str, str]) -> int:
        chosen = self.configured_group_id()
        if chosen is not None:
            return chosen
        try:
            return int(shop.get("config_customer_group_id") or 1)
        except ValueError:
            return 1

    def _check(self, so: SupplierOrder) -> list[Finding]:
        kept_amounts(self).clear()  # the previous supplier order's: not needed again
        out = Findings(self.supplier)
        if self.schema_gaps(out):
            return out.items
        if not self.version():
            out.add("OX-DB-010", None, type="OpenCart", detail="unknown order table layout")
            return out.items
        if not self._status_name(self.settings.order_status_id):
            out.add("OX-CHK-009", None, value=self.settings.order_status_id)
        account, usable = self.checked_policy_account(out)
        if not usable:
            return out.items
        ref = self._refdata(so, fresh=True)
        out.lines(so, ref["products"], whole_quantities=True)
        out.places(so, ref["countries"], None)
        before = len(out.items)
        currency_findings(out, so, ref["rates"], rate_always=True)
        for t in so.transfers:  # in the shop but switched off: held like one it lacks
            currency = ref["currencies"].get(t.customer_order.currency)
            if t.state != TransferState.WRITTEN and currency and not currency["enabled"]:
                out.add("OX-CHK-052", t.customer_order.number, value=t.customer_order.currency,
                        where=self.t("currency"))
        unconvertible = {f.order for f in out.items[before:]}
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        matches = self._match([t.customer_order for t in pending])
        out.matches(so, matches)
        out.already_written(so, self.find_by_references(*attempted(pending)))
        tables = self.tables([self.t(n) for n in ("order", "order_product", "customer",
                                                   "address")])
        for t in pending:
            co = t.customer_order
            if not ({co.billing.country, co.delivery.country} <= set(ref["countries"])
                    and co.number not in unconvertible):
                continue  # reported above; the rows cannot be planned without them
            match = matches[co.number]
            order = self._order_values(so, t, ref, self._person(co, account), account,
                                       customer_id=0, address_id=0, now=datetime.now())
            out.lengths(co.number, tables[self.t("order")], order)
            for sl in t.lines:
                product = ref["products"].get(sl.supplier_sku)
                if product is not None:
                    out.lengths(co.number, tables[self.t("order_product")],
                                {"name": product.name or sl.line.name, "model": sl.supplier_sku})
            if match.key == "new":
                customer, address = self._new_customer_values(co, ref, datetime.now())
                out.lengths(co.number, tables[self.t("customer")], customer)
                out.lengths(co.number, tables[self.t("address")], address)
        return out.items

    def _status_name(self, status_id: int) -> str | None:
        """The status's name in `language_id`, read once per connection."""
        names = self._shop_data.setdefault("status_names", {})
        if status_id not in names:
            row = self.sql(f"SELECT name FROM {self.qt('order_status')} WHERE "
                           f"order_status_id = :s AND language_id = :l", s=status_id,
                           l=self.settings.language_id).first()
            names[status_id] = row[0] if row else None
        return names[status_id]
