"""The rows of an OpenCart order: the `order` row's values, a new customer with their address,
the `order_product` lines and the `order_total` rows, in the shop's default currency as OpenCart
keeps them.

Why a module of its own: step 1 plans these rows (to check their lengths) and the write inserts
them; neither needs the other's code. A mixin of `OpenCartConnector` (plugins/opencart.py).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderexchange.model import Address, CustomerOrder, SupplierOrder, Transfer

from .shop_money import OrderAmounts, ShopRates, kept_amounts, order_amounts, plain_rate
from .shop_sql import Product, TableInfo, fit_rows, marker


HIDDEN = 0  # order_status_id of an order the admin does not list (not yet complete)

@functools.lru_cache(maxsize=64)
def _method_json(name: str, code: str) -> str:
    """OpenCart 4's payment / shipping method column: the same JSON for every order of a
    supplier, encoded once rather than per order and step."""
    return json.dumps({"name": name, "code": code})


class RowFitter:
    """shop_sql.fit_row's rows from the plan per table read and set of keys that
    `shop_sql.fit_rows` keeps (a MyISAM order is ~12 rows with ~100 values, always the same
    keys per table). tests/test_opencart_rows.py compares the rows with fit_row's."""

    def fit(self, info: TableInfo, values: dict[str, Any], now: datetime) -> dict[str, Any]:
        """fit_row(info, values, now)[0] with drop_unknown (KeyError never: unknown keys are
        dropped)."""
        return fit_rows(info, (values,), now)[0]


class OpenCartRows:
    def _amounts(self, transfer: Transfer, rates: ShopRates) -> OrderAmounts:
        """order_amounts of an order, once per supplier order (shop_money.KeptAmounts): step 1's
        `order` row and the write's order row, lines and totals."""
        return kept_amounts(self).of(transfer, rates,
                                     lambda: order_amounts(transfer, self.supplier, rates))

    @staticmethod
    def _person(co: CustomerOrder, account: dict[str, Any] | None) -> dict[str, str]:
        """Who the order is from: the end customer, or the distributor (blind drop-ship)."""
        if account is not None and account.get("address") is not None:
            return {"first": account["first"], "last": account["last"],
                    "email": account["email"], "phone": account["phone"]}
        c = co.customer
        return {"first": c.first_name, "last": c.last_name, "email": c.email, "phone": c.phone}

    def _place(self, prefix: str, a: Address, ref: dict[str, Any]) -> dict[str, Any]:
        country = ref["countries"][a.country]
        zone_id, zone = 0, a.state
        wanted = a.state.strip().casefold()
        found = country["zone_index"].get(wanted) if wanted else None
        if found is not None:
            zone_id, zone = int(found.zone_id), found.name
        return {f"{prefix}_firstname": a.first_name, f"{prefix}_lastname": a.last_name,
                f"{prefix}_company": a.company, f"{prefix}_address_1": a.street,
                f"{prefix}_address_2": a.street2, f"{prefix}_city": a.city,
                f"{prefix}_postcode": a.postcode, f"{prefix}_country": country["name"],
                f"{prefix}_country_id": country["id"], f"{prefix}_zone": zone,
                f"{prefix}_zone_id": zone_id, f"{prefix}_address_format": country["format"],
                f"{prefix}_custom_field": "[]"}

    @staticmethod
    def _account_address(account: dict[str, Any]) -> Address:
        a = account["address"]
        return Address(a.firstname, a.lastname, a.address_1, a.postcode, a.city, a.iso_code_2,
                       company=a.company or "", street2=a.address_2 or "")

    def _order_values(self, so: SupplierOrder, transfer: Transfer, ref: dict[str, Any],
                      person: dict[str, str], account: dict[str, Any] | None, *,
                      customer_id: int, address_id: int, now: datetime,
                      group_id: int | None = None) -> dict[str, Any]:
        co = transfer.customer_order
        s = self.settings
        billing = co.billing
        if account is not None and account.get("address") is not None:
            billing = self._account_address(account)
            if billing.country not in ref["countries"]:
                # the distributor's own country, which the shop may not deliver to: a copy
                # (the shop's countries, ~250, are copied only here, not for every order)
                places = dict(ref["countries"])
                places[billing.country] = {"id": int(account["address"].country_id),
                                           "name": account["address"].country, "format": "",
                                           "zones": [], "zone_index": {}}
                ref = dict(ref, countries=places)
        rates: ShopRates = ref["rates"]
        amounts = self._amounts(transfer, rates)
        currency = ref["currencies"][co.currency]
        values: dict[str, Any] = {
            "invoice_no": 0, "invoice_prefix": ref["invoice_prefix"], "store_id": s.store_id,
            "store_name": ref["store_name"], "store_url": s.store_url,
            "customer_id": customer_id,
            "customer_group_id": group_id if group_id is not None else ref["group"],
            "firstname": person["first"], "lastname": person["last"], "email": person["email"],
            "telephone": person["phone"], "fax": "", "custom_field": "[]",
            **self._place("payment", billing, ref), **self._place("shipping", co.delivery, ref),
            "comment": f"{marker(transfer.reference)} orderexchange: customer order "
                       f"{co.number}, supplier order {so.id}",
            "total": rates.in_default(amounts.total, co.currency), "order_status_id": HIDDEN, "affiliate_id": 0,
            "commission": Decimal("0"), "marketing_id": 0, "tracking": "",
            "language_id": s.language_id, "currency_id": currency["id"],
            "currency_code": co.currency, "currency_value": rates.rate(co.currency),
            "ip": "", "forwarded_ip": "", "user_agent": "orderexchange", "accept_language": "",
            "date_added": now, "date_modified": now,
        }
        if self.version() == "4":
            values.update({
                "payment_method": _method_json(s.payment_method, s.payment_code),
                "shipping_method": _method_json(s.shipping_method, s.shipping_code),
                "payment_address_id": address_id, "shipping_address_id": 0,
                "language_code": ref["language_code"], "transaction_id": "",
                "subscription_id": 0})
        else:
            values.update({"payment_method": s.payment_method, "payment_code": s.payment_code,
                           "shipping_method": s.shipping_method,
                           "shipping_code": s.shipping_code})
        return values

    def _new_customer_values(self, co: CustomerOrder, ref: dict[str, Any], now: datetime
                             ) -> tuple[dict[str, Any], dict[str, Any]]:
        c, b = co.customer, co.billing
        template = self.supplier.customer_template
        customer = {
            "customer_group_id": ref["group"], "store_id": self.settings.store_id,
            "language_id": self.settings.language_id, "firstname": c.first_name,
            "lastname": c.last_name, "email": c.email, "telephone": c.phone, "fax": "",
            "password": "", "salt": "", "newsletter": 1 if template.newsletter else 0,
            "address_id": 0, "custom_field": "[]", "ip": "", "status": 1, "safe": 0,
            "token": "", "code": "", "date_added": now, **template.columns}
        country = ref["countries"].get(b.country, {"id": 0})
        address = {"firstname": b.first_name, "lastname": b.last_name, "company": b.company,
                   "address_1": b.street, "address_2": b.street2, "city": b.city,
                   "postcode": b.postcode, "country_id": country["id"], "zone_id": 0,
                   "custom_field": "[]", "default": 1}
        if b.state:
            for z in country.get("zones", []):
                if b.state.casefold() in ((z.name or "").casefold(), (z.code or "").casefold()):
                    address["zone_id"] = int(z.zone_id)
        return customer, address

    def _insert_lines(self, order_id: int, transfer: Transfer, products: dict[str, Product],
                      now: datetime) -> None:
        """Amounts in the shop's default currency, as OpenCart keeps them: its admin shows each
        × the order's `currency_value`, rounded — the order's own amounts again."""
        rates: ShopRates = self._ref["rates"]
        amounts = self._amounts(transfer, rates)
        code = amounts.currency
        self.queue_all(self.t("order_product"), [
            {"order_id": order_id, "product_id": products[a.line.supplier_sku].id,
             "master_id": 0,
             "name": products[a.line.supplier_sku].name or a.line.line.name,
             "model": a.line.supplier_sku, "quantity": int(a.quantity),
             "price": rates.in_default(a.unit_net, code),
             "total": rates.in_default(a.net, code), "tax": rates.in_default(a.unit_tax, code),
             "reward": 0}
            for a in amounts.lines], key="order_product_id", now=now)

    def _insert_totals(self, order_id: int, transfer: Transfer) -> None:
        s = self.settings
        rates: ShopRates = self._ref["rates"]
        amounts = self._amounts(transfer, rates)
        rows = [("sub_total", s.sub_total_title, amounts.subtotal, 1),
                ("shipping", s.shipping_title, amounts.shipping, 3)]
        rows += [("tax", s.tax_title.replace("{rate}", plain_rate(rate)), tax, 5)
                 for rate, _net, tax in amounts.tax_by_rate()]
        rows.append(("total", s.total_title, amounts.total, 9))
        self.queue_all(self.t("order_total"), [
            {"order_id": order_id, "code": code, "title": title,
             "value": rates.in_default(value, amounts.currency), "sort_order": sort}
            for code, title, value, sort in rows], key="order_total_id")
