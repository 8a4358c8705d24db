"""Connector for OXID eShop 6 and 7.

Writes a customer order as OXID's own checkout leaves it: an `oxorder` row with billing and (when
different) delivery address, payment type, delivery set, net and gross sums and the two VAT slots,
and one `oxorderarticles` row per line; a new customer becomes an `oxuser` (empty password — in
OXID that is a guest account: it cannot log in until a password is set) in the configured
customer group (`oxobject2group`), with an `oxaddress` when the delivery address differs.

Ids are 32-character strings made here; the order number comes from `oxcounters` (`oxOrder`),
taken with one atomic `UPDATE … LAST_INSERT_ID(OXCOUNT + 1)` inside the order's transaction, so two
concurrent sends never get the same number (and a rolled-back write gives its number back).

Visibility: OXID's admin lists orders by folder (`OXFOLDER`, `ORDERFOLDER_NEW` by default) with
`OXTRANSSTATUS = 'OK'`. The order is inserted with `OXTRANSSTATUS = 'NOT_FINISHED'` (exactly what
OXID's checkout does before payment completes), its articles follow, and `OK` is set last — so a
shop whose order tables are MyISAM never lists a half-written order, and a retry finds it by its
reference and completes it.

The reference: `OXTRANSID` holds the exchange reference (OXID uses the column for payment
providers' transaction ids; orders we write carry our own payment type, so no provider touches
it); `OXREMARK` carries a readable note with the customer order number and the reference.

Money (SPEC §10): OXID keeps net and gross unit and line prices on each article and net/gross
sums plus two VAT slots on the order. With `netto_mode = true` (default: purchase prices are net)
the order is flagged `OXISNETTOMODE = 1` and VAT is computed per rate on the net sum, as OXID's
netto mode does; with `netto_mode = false` gross prices are rounded per unit and VAT is taken out
of the gross sum per rate (OXID's brutto mode). Shipping is written as OXID's checkout writes
it: `OXDELCOST` gross (the supplier's net `shipping_cost` plus its VAT at `shipping_tax_rate`),
`OXDELVAT` that rate; the VAT slots `OXARTVAT…` hold the articles' VAT only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import phpserialize
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from orderexchange import hookimpl
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, RemoteStatus, attempted,
)
from orderexchange.errors import OXError
from orderexchange.model import (
    Address, CustomerOrder, Finding, SupplierOrder, Transfer, TransferState, money,
)

from .shop_money import (
    KeptAmounts, ShopRates, currency_findings, kept_amounts, order_amounts, rates_text,
)
from .shop_sql import (
    CustomerMatch, Findings, Product, SqlShopConnector, coded, delete_rows,
    match_by_email, split_street, time_ordered_id,
    stage_text, update_row,
)

__version__ = "0.1.0"

NOT_FINISHED, OK = "NOT_FINISHED", "OK"
_ZERO_DATES = {None, "", "0000-00-00", "0000-00-00 00:00:00"}


class OxidSettings(ConnectorSettings):
    #: OXID tables have no prefix in a stock shop; set one if the database holds several shops
    table_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_]*$")
    version: Literal["auto", "6", "7"] = "auto"
    shop_id: int = 1
    #: OXLANG of the order; also which title column is read (0: OXTITLE, 1: OXTITLE_1 …)
    language_id: int = Field(default=0, ge=0, le=9)
    #: folder the admin lists new orders in
    folder: str = "ORDERFOLDER_NEW"
    #: folders from which `cancel` may cancel; shipped orders (OXSENDDATE set) never
    cancellable_folders: list[str] = Field(default_factory=lambda: ["ORDERFOLDER_NEW"])
    #: oxpayments.OXID written as the order's payment type
    payment_type: str = "oxidinvoice"
    #: oxdeliveryset.OXID written as the order's delivery set
    delivery_set: str = "oxidstandard"
    #: oxgroups.OXID of new customers; unset: customer_template.group, then "oxidcustomer"
    customer_group: str | None = None
    #: purchase prices are net: write the order in OXID's netto mode (VAT on the net sum)
    netto_mode: bool = True
    #: OXID 6 keeps oxconfig values ENCODE()d with the shop's `sConfigKey` (config.inc.php);
    #: this is OXID's default key. OXID 7 stores them plain.
    config_key: str = "fq45QS09_fqyx09239QQ"


@dataclass
class Amounts:
    """An order's money as OXID stores it (rounded to the cent)."""

    lines: list[dict[str, Any]]  # per line: net/gross/vat unit and line prices, vat rate
    net: Decimal
    gross: Decimal
    slots: list[tuple[Decimal, Decimal]]  # (rate, VAT), at most two used by OXID
    delivery: Decimal  # gross, as OXDELCOST holds it
    delivery_rate: Decimal = Decimal("0")  # OXDELVAT: the shipping's VAT rate in percent

    @property
    def total(self) -> Decimal:
        return self.gross + self.delivery


class OxidConnector(SqlShopConnector):
    type_name = "oxid"
    settings_schema = OxidSettings
    settings: OxidSettings

    def __init__(self, supplier: Any, settings: OxidSettings) -> None:
        super().__init__(supplier, settings)
        #: each order's `oxorder` values but those of the write itself (`_order_values`)
        self._kept_orders = KeptAmounts()

    def _lang(self, column: str) -> str:
        return column if self.settings.language_id == 0 else f"{column}_{self.settings.language_id}"

    # -- schema -----------------------------------------------------------------------------
    def required_columns(self) -> dict[str, dict[str, str]]:
        t, text, num = self.t, "text", "number"
        bill = {f"OXBILL{c}": text for c in ("COMPANY", "EMAIL", "FNAME", "LNAME", "STREET",
                                             "STREETNR", "ADDINFO", "CITY", "COUNTRYID", "ZIP",
                                             "FON", "SAL")}
        dele = {f"OXDEL{c}": text for c in ("COMPANY", "FNAME", "LNAME", "STREET", "STREETNR",
                                            "ADDINFO", "CITY", "COUNTRYID", "ZIP")}
        return {
            t("oxorder"): {"OXID": text, "OXSHOPID": "int", "OXUSERID": text,
                           "OXORDERDATE": "datetime", "OXORDERNR": "int", **bill, **dele,
                           "OXPAYMENTTYPE": text, "OXTOTALNETSUM": num, "OXTOTALBRUTSUM": num,
                           "OXTOTALORDERSUM": num, "OXARTVAT1": num, "OXARTVATPRICE1": num,
                           "OXARTVAT2": num, "OXARTVATPRICE2": num, "OXDELCOST": num,
                           "OXDELVAT": num, "OXCURRENCY": text, "OXCURRATE": num,
                           "OXFOLDER": text, "OXTRANSID": text, "OXTRANSSTATUS": text,
                           "OXSTORNO": "int", "OXREMARK": text, "OXLANG": "int",
                           "OXTRACKCODE": text, "OXSENDDATE": "datetime", "OXDELTYPE": text},
            t("oxconfig"): {"OXSHOPID": "int", "OXMODULE": text, "OXVARNAME": text},
            t("oxorderarticles"): {"OXID": text, "OXORDERID": text, "OXAMOUNT": num,
                                   "OXARTID": text, "OXARTNUM": text, "OXTITLE": text,
                                   "OXNETPRICE": num, "OXBRUTPRICE": num, "OXVATPRICE": num,
                                   "OXVAT": num, "OXPRICE": num, "OXBPRICE": num,
                                   "OXNPRICE": num, "OXSTORNO": "int"},
            t("oxuser"): {"OXID": text, "OXACTIVE": "int", "OXRIGHTS": text, "OXSHOPID": "int",
                          "OXUSERNAME": text, "OXPASSWORD": text, "OXFNAME": text,
                          "OXLNAME": text, "OXCOMPANY": text, "OXSTREET": text,
                          "OXSTREETNR": text, "OXADDINFO": text, "OXCITY": text,
                          "OXCOUNTRYID": text, "OXZIP": text, "OXFON": text,
                          "OXCREATE": "datetime"},
            t("oxaddress"): {"OXID": text, "OXUSERID": text, "OXFNAME": text, "OXLNAME": text,
                             "OXCOMPANY": text, "OXSTREET": text, "OXSTREETNR": text,
                             "OXADDINFO": text, "OXCITY": text, "OXCOUNTRYID": text,
                             "OXZIP": text},
            t("oxobject2group"): {"OXID": text, "OXSHOPID": "int", "OXOBJECTID": text,
                                  "OXGROUPSID": text},
            t("oxgroups"): {"OXID": text, self._lang("OXTITLE"): text},
            t("oxcountry"): {"OXID": text, "OXISOALPHA2": text, self._lang("OXTITLE"): text},
            t("oxarticles"): {"OXID": text, "OXSHOPID": "int", "OXARTNUM": text,
                              self._lang("OXTITLE"): text, "OXACTIVE": "int", "OXPRICE": num,
                              "OXSTOCK": num},
            t("oxcounters"): {"OXIDENT": text, "OXCOUNT": "int"},
            t("oxpayments"): {"OXID": text, self._lang("OXDESC"): text},
            t("oxdeliveryset"): {"OXID": text, self._lang("OXTITLE"): text},
            t("oxshops"): {"OXID": "int"},
        }

    def _written(self) -> list[str]:
        return [self.t(n) for n in ("oxorder", "oxorderarticles", "oxuser", "oxaddress",
                                    "oxobject2group")]

    def needed_privileges(self) -> dict[str, set[str]]:
        needed = {table: {"SELECT"} for table in self.required_columns()}
        needed[self.t("oxorder")] = {"SELECT", "INSERT", "UPDATE"}  # OK last; storno
        needed[self.t("oxorderarticles")] = {"SELECT", "INSERT", "UPDATE"}  # storno
        for name in ("oxuser", "oxaddress", "oxobject2group"):
            needed[self.t(name)] = {"SELECT", "INSERT"}
        needed[self.t("oxcounters")] = {"SELECT", "INSERT", "UPDATE"}
        for table in self.non_transactional(self._written()):
            needed[table].add("DELETE")  # completing a half-written order; the trial write
        return needed

    def version(self) -> str:
        if self.settings.version != "auto":
            return self.settings.version
        shops = self.table(self.t("oxshops"))
        if shops.has("OXVERSION"):
            row = self.sql(f"SELECT OXVERSION FROM {self.qt('oxshops')} WHERE OXID = :s",
                           s=self.settings.shop_id).first()
            if row and str(row[0]).strip()[:1] in ("6", "7"):
                return str(row[0]).strip()[:1]
        return ""

    def detect_variant(self) -> tuple[bool, str]:
        order = self.table(self.t("oxorder"))
        if not (order.exists and order.has("OXTRANSSTATUS") and order.has("OXARTVAT1")):
            return False, stage_text(OXError(
                "OX-DB-010", supplier=self.supplier.id, type="OXID eShop",
                detail=f"{self.t('oxorder')} is missing or has no OXTRANSSTATUS / OXARTVAT1"))
        version = self.version()
        recorded = ""
        if self.table(self.t("oxshops")).has("OXVERSION"):
            row = self.sql(f"SELECT OXVERSION FROM {self.qt('oxshops')} WHERE OXID = :s",
                           s=self.settings.shop_id).first()
            recorded = f", oxshops.OXVERSION {row[0]}" if row and row[0] else ""
        self.end_read()
        if self.settings.version != "auto":
            return True, f"OXID eShop {version} (set){recorded}, shop {self.settings.shop_id}"
        if version:
            return True, f"OXID eShop {version} (detected{recorded}), shop {self.settings.shop_id}"
        return True, (f"OXID eShop 6/7 (the shop does not record its version; the order tables "
                      f"are the same in both), shop {self.settings.shop_id}")

    # -- reference data ---------------------------------------------------------------------
    def _products(self, skus: Iterable[str]) -> dict[str, Product]:
        skus = sorted(set(skus))
        if not skus:
            return {}
        title, short = self._lang("OXTITLE"), self._lang("OXSHORTDESC")
        arts = self.table(self.t("oxarticles"))
        short_sel = f", {short} AS short" if arts.has(short) else ", '' AS short"
        weight = ", OXWEIGHT AS weight" if arts.has("OXWEIGHT") else ", 0 AS weight"
        rows = self.sql(f"SELECT OXID, OXARTNUM, OXACTIVE, OXSTOCK, OXPRICE, {title} AS title"
                        f"{short_sel}{weight} FROM {self.qt('oxarticles')} "
                        f"WHERE OXSHOPID = :shop AND OXARTNUM IN :skus ORDER BY OXID",
                        shop=self.settings.shop_id, skus=skus)
        out: dict[str, Product] = {}
        for r in rows:
            if r.OXARTNUM not in out or r.OXACTIVE:
                out[r.OXARTNUM] = Product(r.OXID, r.OXARTNUM, bool(r.OXACTIVE), r.title or "",
                                          Decimal(str(r.OXSTOCK or 0)),
                                          Decimal(str(r.OXPRICE or 0)),
                                          {"short": r.short or "", "weight": r.weight or 0})
        return out

    def _countries(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        title = self._lang("OXTITLE")
        rows = self.sql(f"SELECT OXID, OXISOALPHA2, {title} AS title FROM "
                        f"{self.qt('oxcountry')} WHERE OXISOALPHA2 IN :codes ORDER BY OXID",
                        codes=sorted(set(codes)))
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            out.setdefault(r.OXISOALPHA2, {"id": r.OXID, "name": r.title or ""})
        return out

    def _refdata(self, so: SupplierOrder, fresh: bool = False) -> dict[str, Any]:
        if fresh or self._ref_for != so.id:
            skus = {sl.supplier_sku for t in so.transfers for sl in t.lines}
            codes = {a.country for t in so.transfers
                     for a in (t.customer_order.billing, t.customer_order.delivery)}
            self._ref = {"products": self._products(skus), "countries": self._countries(codes),
                         "rates": self._rates()}
            self._ref_for = so.id
        return self._ref

    def _rates(self) -> ShopRates:
        """The shop's currencies and rates: `aCurrencies` in oxconfig, a PHP-serialized list of
        "EUR@ 1.00@ ,@ .@ €@ 2" (code, rate, separators, sign, places). OXID 7 stores it plain,
        OXID 6 ENCODE()d with `config_key` (read back with the server's DECODE)."""
        where = f"{self.t('oxconfig')} aCurrencies"
        query = (f"SELECT {{value}} FROM {self.qt('oxconfig')} WHERE OXSHOPID = :shop AND "
                 f"OXVARNAME = 'aCurrencies' AND OXMODULE = ''")
        row = self.sql(query.format(value="OXVARVALUE"), shop=self.settings.shop_id).first()
        if row is None:
            return ShopRates({}, where + " (not set)")
        raw = bytes(row[0]) if isinstance(row[0], (bytes, bytearray, memoryview)) \
            else str(row[0]).encode()
        if not raw.startswith(b"a:"):
            row = self.sql(query.format(value="DECODE(OXVARVALUE, :key)"),
                           shop=self.settings.shop_id, key=self.settings.config_key).first()
            raw = bytes(row[0] or b"") if row is not None else b""
        try:
            entries = phpserialize.loads(raw, decode_strings=True)
        except ValueError:
            return ShopRates({}, where + " (unreadable: check config_key)")
        values = entries.values() if isinstance(entries, dict) else []
        pairs = [str(v).split("@")[:2] for v in values]
        return ShopRates.of(((p[0].strip(), p[1].strip() if len(p) > 1 else None)
                             for p in pairs if p[0].strip()), where)

    def _group(self) -> str:
        return (self.settings.customer_group or
                (str(self.supplier.customer_template.group)
                 if self.supplier.customer_template.group is not None else "oxidcustomer"))

    # -- customers --------------------------------------------------------------------------
    def _account(self, user_id: Any) -> dict[str, Any] | str:
        row = self.sql(f"SELECT u.OXID, u.OXUSERNAME, u.OXFNAME, u.OXLNAME, u.OXCOMPANY, "
                       f"u.OXSTREET, u.OXSTREETNR, u.OXADDINFO, u.OXCITY, u.OXZIP, u.OXFON, "
                       f"u.OXCOUNTRYID, c.OXISOALPHA2 FROM {self.qt('oxuser')} u LEFT JOIN "
                       f"{self.qt('oxcountry')} c ON c.OXID = u.OXCOUNTRYID "
                       f"WHERE u.OXID = :u AND u.OXSHOPID = :shop", u=str(user_id),
                       shop=self.settings.shop_id).first()
        if row is None:
            return f"no oxuser with OXID {user_id!r} in shop {self.settings.shop_id}"
        return {"id": row.OXID, "email": row.OXUSERNAME, "first": row.OXFNAME,
                "last": row.OXLNAME, "company": row.OXCOMPANY, "street": row.OXSTREET,
                "nr": row.OXSTREETNR, "addinfo": row.OXADDINFO, "city": row.OXCITY,
                "zip": row.OXZIP, "phone": row.OXFON, "country_id": row.OXCOUNTRYID,
                "iso2": row.OXISOALPHA2}

    def _policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        policy = self.supplier.customer_policy
        if policy == "customer":
            return policy, None, None
        account = self._account(getattr(self.supplier, f"{policy}_customer_id"))
        if isinstance(account, str):
            return policy, None, account
        if policy == "distributor" and not (account["street"] and account["iso2"]):
            return policy, None, "the account has no address (street, country) to bill to"
        return policy, account, None

    def _match(self, orders: list[CustomerOrder]) -> dict[str, CustomerMatch]:
        policy, account, _problem = self._policy_account()
        if policy != "customer":
            return {co.number: CustomerMatch(policy, account["id"] if account else None)
                    for co in orders}
        emails = sorted({co.customer.email.strip().lower() for co in orders})
        # through the unique index (OXUSERNAME, OXSHOPID) where the collation ignores case
        login = self.case_blind(self.t("oxuser"), "OXUSERNAME", "OXUSERNAME")
        rows = self.sql(f"SELECT OXID, OXUSERNAME, OXFNAME, OXLNAME FROM {self.qt('oxuser')} "
                        f"WHERE OXSHOPID = :shop AND {login} IN :emails "
                        f"ORDER BY OXCUSTNR", shop=self.settings.shop_id, emails=emails)
        return match_by_email(orders, [(r.OXID, r.OXUSERNAME, r.OXFNAME, r.OXLNAME)
                                       for r in rows])

    # -- money ------------------------------------------------------------------------------
    def amounts(self, transfer: Transfer) -> Amounts:
        """Net/gross per unit and line, sums and VAT slots as OXID computes them; once per
        supplier order (shop_money.KeptAmounts): step 1's `oxorder` row and the write's."""
        rates = self._ref["rates"]
        return kept_amounts(self).of(transfer, rates,
                                     lambda: self._work_out_amounts(transfer, rates))

    def _work_out_amounts(self, transfer: Transfer, rates: ShopRates) -> Amounts:
        base = order_amounts(transfer, self.supplier, rates)
        lines: list[dict[str, Any]] = []
        by_rate: dict[Decimal, Decimal] = {}
        for a in base.lines:
            rate = a.rate
            unit_gross = money(a.unit_net * (1 + rate / 100))
            if self.settings.netto_mode:
                net, vat = a.net, a.tax
                gross = net + vat
                by_rate[rate] = by_rate.get(rate, Decimal("0")) + net
            else:
                gross = money(unit_gross * a.quantity)
                net = money(gross * 100 / (100 + rate))
                vat = gross - net
                by_rate[rate] = by_rate.get(rate, Decimal("0")) + gross
            lines.append({"line": a.line, "quantity": a.quantity, "rate": rate,
                          "unit_net": a.unit_net, "unit_gross": unit_gross,
                          "net": net, "gross": gross, "vat": vat})
        slots = []
        for rate in sorted(by_rate, reverse=True):
            total = by_rate[rate]
            vat = (money(total * rate / 100) if self.settings.netto_mode
                   else money(total * rate / (100 + rate)))
            slots.append((rate, vat))
        if self.settings.netto_mode:
            net = sum(by_rate.values(), Decimal("0"))
            gross = net + sum((v for _r, v in slots), Decimal("0"))
        else:
            gross = sum(by_rate.values(), Decimal("0"))
            net = gross - sum((v for _r, v in slots), Decimal("0"))
        return Amounts(lines, net, gross, slots, base.shipping_gross, base.shipping_rate)

    # -- step 1 -----------------------------------------------------------------------------
    def _check(self, so: SupplierOrder) -> list[Finding]:
        kept_amounts(self).clear()  # the previous supplier order's: not needed again
        self._kept_orders.clear()
        out = Findings(self.supplier)
        if self.schema_gaps(out):
            return out.items
        account, usable = self.checked_policy_account(out)
        if not usable:
            return out.items
        ref = self._refdata(so, fresh=True)
        out.lines(so, ref["products"], whole_quantities=False)
        out.places(so, ref["countries"], None)
        before = len(out.items)
        currency_findings(out, so, ref["rates"], rate_always=False)
        unconvertible = {f.order for f in out.items[before:]}
        pending = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        matches = self._match([t.customer_order for t in pending])
        out.matches(so, matches)
        out.already_written(so, self.find_by_references(*attempted(pending)))
        tables = self.tables([self.t(n) for n in ("oxorder", "oxorderarticles", "oxuser",
                                                   "oxaddress")])
        for t in pending:
            co = t.customer_order
            rates = {Decimal(sl.line.tax_rate).normalize() for sl in t.lines}
            if len(rates) > 2:
                out.add("OX-WRT-006", co.number,
                        detail=f"{len(rates)} VAT rates ({rates_text(rates)}); "
                               f"an OXID order holds two")
            if (not {co.billing.country, co.delivery.country} <= set(ref["countries"])
                    or co.number in unconvertible):
                continue
            values = self._order_values(so, t, ref, account, user_id="", number=0,
                                        now=datetime.now())
            out.lengths(co.number, tables[self.t("oxorder")], values)
            for sl in t.lines:
                product = ref["products"].get(sl.supplier_sku)
                if product is not None:
                    out.lengths(co.number, tables[self.t("oxorderarticles")],
                                {"OXTITLE": product.name or sl.line.name,
                                 "OXARTNUM": sl.supplier_sku})
            if matches[co.number].key == "new":
                user, address = self._new_user_values(co, ref, "", datetime.now())
                out.lengths(co.number, tables[self.t("oxuser")], user)
                if address:
                    out.lengths(co.number, tables[self.t("oxaddress")], address)
        return out.items

    # -- rows -------------------------------------------------------------------------------
    def _address_fields(self, prefix: str, a: Address, country_id: str) -> dict[str, Any]:
        street, nr = split_street(a.street)
        return {f"{prefix}COMPANY": a.company, f"{prefix}FNAME": a.first_name,
                f"{prefix}LNAME": a.last_name, f"{prefix}STREET": street,
                f"{prefix}STREETNR": nr, f"{prefix}ADDINFO": a.street2,
                f"{prefix}CITY": a.city, f"{prefix}COUNTRYID": country_id,
                f"{prefix}STATEID": "", f"{prefix}ZIP": a.postcode}

    def _order_values(self, so: SupplierOrder, transfer: Transfer, ref: dict[str, Any],
                      account: dict[str, Any] | None, *, user_id: str, number: int,
                      now: datetime, amounts: Amounts | None = None) -> dict[str, Any]:
        """The `oxorder` row's values. Step 1 (the length checks) and the write each need the
        ~60 of an order, which differ only in the customer, number, time and supplier order:
        the rest is worked out once per order and kept like the amounts (by the transfer, with
        what it came from; emptied at each step 1)."""
        if amounts is None:
            amounts = self.amounts(transfer)
        co = transfer.customer_order
        kept = self._kept_orders.of(
            transfer, (co, transfer.reference, account, ref["countries"], ref["rates"], amounts),
            lambda: self._order_fields(transfer, ref, account, amounts))
        values = kept.copy()  # the keys in their order: the INSERT's columns
        values["OXUSERID"] = user_id
        values["OXORDERDATE"] = now
        values["OXORDERNR"] = number
        values["OXREMARK"] = (f"orderexchange: customer order {co.number} (reference "
                              f"{transfer.reference}), supplier order {so.id}")
        return values

    def _order_fields(self, transfer: Transfer, ref: dict[str, Any],
                      account: dict[str, Any] | None, amounts: Amounts) -> dict[str, Any]:
        """`_order_values` without the write's own (None where they go)."""
        co = transfer.customer_order
        s = self.settings
        countries = ref["countries"]
        if account is not None and self.supplier.customer_policy == "distributor":
            bill = {"OXBILLCOMPANY": account["company"], "OXBILLFNAME": account["first"],
                    "OXBILLLNAME": account["last"], "OXBILLSTREET": account["street"],
                    "OXBILLSTREETNR": account["nr"], "OXBILLADDINFO": account["addinfo"],
                    "OXBILLCITY": account["city"], "OXBILLCOUNTRYID": account["country_id"],
                    "OXBILLSTATEID": "", "OXBILLZIP": account["zip"]}
            email, phone = account["email"], account["phone"]
            separate_delivery = True
        else:
            bill = self._address_fields("OXBILL", co.billing, countries[co.billing.country]["id"])
            email, phone = co.customer.email, co.customer.phone
            separate_delivery = co.delivery != co.billing
        values: dict[str, Any] = {
            "OXSHOPID": s.shop_id, "OXUSERID": None, "OXORDERDATE": None, "OXORDERNR": None,
            **bill, "OXBILLEMAIL": email, "OXBILLUSTID": "", "OXBILLFON": phone,
            "OXBILLFAX": "", "OXBILLSAL": "",
            "OXPAYMENTID": "", "OXPAYMENTTYPE": s.payment_type,
            "OXTOTALNETSUM": amounts.net, "OXTOTALBRUTSUM": amounts.gross,
            "OXTOTALORDERSUM": amounts.total, "OXDELCOST": amounts.delivery,
            "OXDELVAT": amounts.delivery_rate,
            "OXPAYCOST": 0, "OXPAYVAT": 0, "OXWRAPCOST": 0, "OXWRAPVAT": 0,
            "OXGIFTCARDCOST": 0, "OXGIFTCARDVAT": 0, "OXCARDID": "", "OXCARDTEXT": "",
            "OXDISCOUNT": 0, "OXVOUCHERDISCOUNT": 0, "OXEXPORT": 0, "OXBILLNR": "",
            "OXTRACKCODE": "",
            "OXREMARK": None,
            "OXCURRENCY": co.currency,
            "OXCURRATE": ref["rates"].rate(co.currency) or Decimal("1"),
            "OXFOLDER": s.folder, "OXTRANSID": transfer.reference, "OXPAYID": "", "OXXID": "",
            "OXSTORNO": 0, "OXIP": "", "OXTRANSSTATUS": NOT_FINISHED,
            "OXLANG": s.language_id, "OXINVOICENR": 0, "OXDELTYPE": s.delivery_set,
            "OXISNETTOMODE": 1 if s.netto_mode else 0,
        }
        for i in (1, 2):
            rate, vat = amounts.slots[i - 1] if len(amounts.slots) >= i else (0, 0)
            values[f"OXARTVAT{i}"] = rate
            values[f"OXARTVATPRICE{i}"] = vat
        if separate_delivery:  # OXID leaves the OXDEL… fields empty when it ships to the bill-to
            values.update(self._address_fields("OXDEL", co.delivery,
                                               countries[co.delivery.country]["id"]))
            values.update({"OXDELFON": "", "OXDELFAX": "", "OXDELSAL": ""})
        return values

    def _new_user_values(self, co: CustomerOrder, ref: dict[str, Any], user_id: str,
                         now: datetime) -> tuple[dict[str, Any], dict[str, Any] | None]:
        c, b, d = co.customer, co.billing, co.delivery
        countries = ref["countries"]
        street, nr = split_street(b.street)
        user = {"OXID": user_id, "OXACTIVE": 1, "OXRIGHTS": "user",
                "OXSHOPID": self.settings.shop_id, "OXUSERNAME": c.email, "OXPASSWORD": "",
                "OXPASSSALT": "", "OXUSTID": "", "OXCOMPANY": b.company, "OXFNAME": c.first_name,
                "OXLNAME": c.last_name, "OXSTREET": street, "OXSTREETNR": nr,
                "OXADDINFO": b.street2, "OXCITY": b.city,
                "OXCOUNTRYID": countries.get(b.country, {"id": ""})["id"], "OXSTATEID": "",
                "OXZIP": b.postcode, "OXFON": c.phone, "OXFAX": "", "OXSAL": "",
                "OXCREATE": now, **self.supplier.customer_template.columns}
        address = None
        if d != b and d.country in countries:
            street, nr = split_street(d.street)
            address = {"OXUSERID": user_id, "OXADDRESSUSERID": user_id, "OXCOMPANY": d.company,
                       "OXFNAME": d.first_name, "OXLNAME": d.last_name, "OXSTREET": street,
                       "OXSTREETNR": nr, "OXADDINFO": d.street2, "OXCITY": d.city,
                       "OXCOUNTRY": countries[d.country]["name"],
                       "OXCOUNTRYID": countries[d.country]["id"], "OXSTATEID": "",
                       "OXZIP": d.postcode, "OXFON": "", "OXFAX": "", "OXSAL": ""}
        return user, address

    # -- step 2 -----------------------------------------------------------------------------
    def find_by_references(self, references: list[str], floor: int | None = None
                           ) -> dict[str, RemoteOrder]:
        """Finished orders (OXTRANSSTATUS OK) carrying these references; the order number is
        the id the supplier sees."""
        return {ref: RemoteOrder(str(row["number"]), row["user"])
                for ref, row in self._by_reference(references, floor=floor).items()
                if row["status"] == OK}

    def shop_floor(self) -> int | None:
        """A day before now, as YYYYMMDDhhmmss. `oxorder` indexes neither OXTRANSID (our
        reference) nor OXORDERNR, only (OXSHOPID, OXSTORNO, OXORDERDATE), and the OXID key is
        random: the order date is the one ever-growing key the shop indexes. Every order we
        write later carries this machine's clock then (`_write`); the day's margin covers a
        clock set back (summer time) or a second sender's clock running behind."""
        return int((datetime.now() - timedelta(days=1)).strftime("%Y%m%d%H%M%S"))

    def _by_reference(self, references: list[str], end: bool = True, floor: int | None = None
                      ) -> dict[str, dict[str, Any]]:
        """reference → the order carrying it, among the orders dated from `floor` on (a range
        of MAINIDX, so the cost does not grow with the shop's history; 0/None: all)."""
        found: dict[str, dict[str, Any]] = {}
        if not references:
            return found
        bound, params = "", {}
        if floor:
            bound = " AND OXSTORNO IN (0, 1) AND OXORDERDATE >= :since"
            params["since"] = datetime.strptime(str(floor), "%Y%m%d%H%M%S")
        try:
            rows = self.sql(f"SELECT OXID, OXORDERNR, OXUSERID, OXTRANSID, OXTRANSSTATUS, "
                            f"OXFOLDER, OXSTORNO, OXSENDDATE, OXTRACKCODE FROM "
                            f"{self.qt('oxorder')} WHERE OXSHOPID = :shop{bound} "
                            f"AND OXTRANSID IN :refs "
                            f"ORDER BY OXTRANSSTATUS = 'OK' DESC, OXORDERDATE",
                            shop=self.settings.shop_id, refs=sorted(set(references)), **params)
            for r in rows:
                found.setdefault(r.OXTRANSID, {
                    "id": r.OXID, "number": int(r.OXORDERNR), "user": r.OXUSERID,
                    "status": r.OXTRANSSTATUS, "folder": r.OXFOLDER, "storno": int(r.OXSTORNO),
                    "sent": r.OXSENDDATE, "track": r.OXTRACKCODE})
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("oxorder")) from None
        finally:
            if end:
                self.end_read()
        return found

    def customer_lock(self) -> str | None:
        return f"oxuser:{self.settings.shop_id}"

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        co = transfer.customer_order
        now = datetime.now().replace(microsecond=0)
        ref = self._refdata(so)
        products = ref["products"]
        if (not {co.billing.country, co.delivery.country} <= set(ref["countries"])
                or any(sl.supplier_sku not in products or not products[sl.supplier_sku].active
                       for sl in transfer.lines)):
            raise OXError("OX-WRT-002", order=co.number, supplier=self.supplier.id, id=so.id,
                          detail="products or countries changed since the check")
        queuing = self.queuing  # a chunk's write: looked up with the chunk, rows queued
        existing = None if queuing else self._by_reference(
            [transfer.reference], end=False, floor=transfer.shop_floor).get(transfer.reference)
        if existing is not None and existing["status"] == OK:
            return RemoteOrder(str(existing["number"]), existing["user"])
        user_id, created, account = self._customer(co, ref, now)
        transfer.customer_match = self._last_match
        order_table = self.t("oxorder")
        amounts = self.amounts(transfer)  # once per write: the order row and its articles
        if existing is not None:  # half-written by an earlier attempt: complete it
            order_id, number = existing["id"], existing["number"]
            delete_rows(self.conn, self.t("oxorderarticles"), {"OXORDERID": order_id})
            values = self._order_values(so, transfer, ref, account, user_id=user_id,
                                        number=number, now=now, amounts=amounts)
            update_row(self.conn, order_table,
                       {k: v for k, v in values.items() if self.table(order_table).has(k)},
                       {"OXID": order_id})
        else:
            order_id, number = time_ordered_id(), self._next_number()
            values = self._order_values(so, transfer, ref, account, user_id=user_id,
                                        number=number, now=now, amounts=amounts)
            if queuing:  # the chunk's COMMIT shows it: finished from the start
                values["OXTRANSSTATUS"] = OK
            self.queue(order_table, dict(values, OXID=order_id), key="OXID", now=now)
        self._insert_articles(order_id, transfer, products, now, amounts)
        if not queuing:  # the last step: only now does the admin list the order
            update_row(self.conn, order_table, {"OXTRANSSTATUS": OK}, {"OXID": order_id})
        return RemoteOrder(str(number), user_id, created)

    def _next_number(self) -> int:
        counters = self.t("oxcounters")

        def highest() -> int:
            row = self.sql(f"SELECT MAX(OXORDERNR) FROM {self.qt('oxorder')} "
                           f"WHERE OXSHOPID = :s", s=self.settings.shop_id).first()
            return int(row[0] or 0)

        return self.take_order_number(counters, "OXIDENT", "oxOrder", "OXCOUNT", seed=highest)

    def _insert_articles(self, order_id: str, transfer: Transfer, products: dict[str, Product],
                         now: datetime, amounts: Amounts | None = None) -> None:
        rows = []
        for line in (amounts or self.amounts(transfer)).lines:
            sl = line["line"]
            product = products[sl.supplier_sku]
            unit_price = line["unit_net"] if self.settings.netto_mode else line["unit_gross"]
            rows.append({
                "OXID": time_ordered_id(), "OXORDERID": order_id, "OXAMOUNT": line["quantity"],
                "OXARTID": product.id, "OXARTNUM": sl.supplier_sku,
                "OXTITLE": product.name or sl.line.name,
                "OXSHORTDESC": product.extra.get("short", ""), "OXSELVARIANT": "",
                "OXNETPRICE": line["net"], "OXBRUTPRICE": line["gross"],
                "OXVATPRICE": line["vat"], "OXVAT": line["rate"], "OXPERSPARAM": "",
                "OXPRICE": unit_price, "OXBPRICE": line["unit_gross"],
                "OXNPRICE": line["unit_net"], "OXWRAPID": "",
                "OXWEIGHT": product.extra.get("weight", 0), "OXSTOCK": product.stock,
                "OXINSERT": date.today(), "OXSTORNO": 0,
                "OXORDERSHOPID": self.settings.shop_id, "OXISBUNDLE": 0})
        self.queue_all(self.t("oxorderarticles"), rows, key="OXID", now=now)

    def _customer(self, co: CustomerOrder, ref: dict[str, Any], now: datetime
                  ) -> tuple[str, bool, dict[str, Any] | None]:
        """(oxuser.OXID, created, account used for billing)."""
        policy, account, problem = self.policy_account()
        if problem:
            setting = f"{policy}_customer_id"
            raise OXError("OX-CHK-030", supplier=self.supplier.id, setting=setting,
                          value=getattr(self.supplier, setting), detail=problem)
        self._last_match = policy
        if policy in ("guest", "distributor"):
            assert account is not None
            return account["id"], False, account if policy == "distributor" else None
        match = self.match_one(co)
        if match.conflict:
            first_id, first_key, second_id, second_key = match.conflict
            raise OXError("OX-CHK-029", order=co.number, supplier=self.supplier.id,
                          first_id=first_id, first_key=first_key, second_id=second_id,
                          second_key=second_key)
        self._last_match = match.key
        if match.customer_id is not None:
            if self.queuing and match.customer_id in self._batch.created.values():
                return str(match.customer_id), False, None  # created by an earlier order
            if self._complete_user(str(match.customer_id), now):
                self._last_match = "new"  # an earlier, killed attempt created it
                return str(match.customer_id), True, None
            return str(match.customer_id), False, None
        user_id = time_ordered_id()
        user, address = self._new_user_values(co, ref, user_id, now)
        self.queue(self.t("oxuser"), user, key="OXID", now=now)
        self._add_to_group(user_id, now)
        if address is not None:
            self.queue(self.t("oxaddress"), dict(address, OXID=time_ordered_id()), key="OXID",
                       now=now)
        self.created_customer(co, user_id)
        return user_id, True, None

    def _add_to_group(self, user_id: str, now: datetime) -> None:
        self.queue(self.t("oxobject2group"), {
            "OXID": time_ordered_id(), "OXSHOPID": self.settings.shop_id, "OXOBJECTID": user_id,
            "OXGROUPSID": self._group()}, key="OXID", now=now)

    def _complete_user(self, user_id: str, now: datetime) -> bool:
        """Finish a user an earlier attempt created and a kill interrupted; True if it did.

        Why: OXID's user tables are often MyISAM (also in shops upgraded to InnoDB orders), so a
        killed write keeps the `oxuser` row it inserted first; the retry matched it by email and
        used it as it was, outside every user group. Only users this connector created (the
        empty password: OXID's sign-up and admin always set one) are completed. A missing
        `oxaddress` is not added: a user's delivery address is optional in OXID (one is only
        made when it differs from the billing address) and the order carries its own."""
        tables = [self.t(n) for n in ("oxuser", "oxobject2group")]
        if not self.non_transactional(tables):
            return False  # a killed write was rolled back: no half-written user
        row = self.sql(f"SELECT u.OXPASSWORD AS password, (SELECT COUNT(*) FROM "
                       f"{self.qt('oxobject2group')} g WHERE g.OXOBJECTID = u.OXID) AS n "
                       f"FROM {self.qt('oxuser')} u WHERE u.OXID = :u", u=user_id).first()
        if row is None or row.password or row.n:
            return False
        self._add_to_group(user_id, now)
        return True

    # -- the way back ------------------------------------------------------------------------
    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """Folder, storno flag, tracking code and shipping date of written orders (a deleted
        order is absent)."""
        found = self._by_reference([t.reference for t in transfers])
        out = {}
        for reference, row in found.items():
            if row["status"] != OK:
                continue
            sent = row["sent"]
            shipped = None if str(sent) in {str(z) for z in _ZERO_DATES} else (
                sent.isoformat(sep=" ") if hasattr(sent, "isoformat") else str(sent))
            out[reference] = RemoteStatus(
                order_id=str(row["number"]),
                status="cancelled" if row["storno"] else row["folder"],
                status_id=row["folder"],
                progressed=bool(row["storno"] or shipped or row["folder"] != self.settings.folder),
                cancelled=bool(row["storno"]), tracking_number=row["track"] or None,
                shipped_at=shipped)
        return out

    def cancel(self, transfer: Transfer) -> None:
        """Set OXSTORNO on the order and its articles, as OXID's admin does — only while the
        order sits in one of `cancellable_folders` and is not shipped. Stock is not touched (the
        write did not take any either)."""
        co = transfer.customer_order
        row = self._by_reference([transfer.reference]).get(transfer.reference)
        if row is None or row["status"] != OK:
            raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                          remote=transfer.remote_order_id or "?", reference=transfer.reference)
        if row["storno"]:
            return
        sent = row["sent"]
        shipped = str(sent) not in {str(z) for z in _ZERO_DATES}
        if shipped or row["folder"] not in self.settings.cancellable_folders:
            status = f"{row['folder']}" + (f", shipped {sent}" if shipped else "")
            raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                          remote=row["number"], status=status,
                          allowed=", ".join(self.settings.cancellable_folders) + " (not shipped)",
                          setting="cancellable_folders")

        def run() -> None:
            hit = update_row(self.conn, self.t("oxorder"), {"OXSTORNO": 1},
                             {"OXID": row["id"], "OXSTORNO": 0, "OXFOLDER": row["folder"]})
            if hit != 1:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=row["number"], status="another folder",
                              allowed=", ".join(self.settings.cancellable_folders),
                              setting="cancellable_folders")
            update_row(self.conn, self.t("oxorderarticles"), {"OXSTORNO": 1},
                       {"OXORDERID": row["id"]})

        self.in_transaction(run, self.write_locks([transfer], None))

    # -- self-test stages --------------------------------------------------------------------
    def reference_stage(self) -> tuple[bool, str]:
        s = self.settings
        checks = [("shop_id", s.shop_id, "oxshops", "OXID", None),
                  ("payment_type", s.payment_type, "oxpayments", "OXID", self._lang("OXDESC")),
                  ("delivery_set", s.delivery_set, "oxdeliveryset", "OXID",
                   self._lang("OXTITLE")),
                  ("customer_group", self._group(), "oxgroups", "OXID", self._lang("OXTITLE"))]
        problems, facts = [], []
        for setting, value, table, key, title in checks:
            select = title or key
            row = self.sql(f"SELECT {select} FROM {self.qt(table)} WHERE {key} = :v",
                           v=value).first()
            if row is None:
                problems.append(OXError("OX-DB-009", supplier=self.supplier.id,
                                        setting=setting, value=value,
                                        detail=f"not in {self.t(table)}"))
            else:
                facts.append(f"{setting} {value}" + (f" = {row[0]}" if title else ""))
        counter = self.sql(f"SELECT OXCOUNT FROM {self.qt('oxcounters')} "
                           f"WHERE OXIDENT = 'oxOrder'").first()
        facts.append(f"next order number {int(counter[0]) + 1}" if counter else
                     "oxcounters has no oxOrder row yet (created at the first order)")
        self.end_read()
        if problems:
            return False, " | ".join(stage_text(p) for p in problems)
        return True, "; ".join(facts)

    def customer_stage(self) -> tuple[bool, str]:
        policy, account, problem = self._policy_account()
        self.end_read()
        if problem:
            setting = f"{policy}_customer_id"
            return False, stage_text(OXError("OX-CHK-030", supplier=self.supplier.id,
                                             setting=setting,
                                             value=getattr(self.supplier, setting),
                                             detail=problem))
        if policy == "customer":
            return True, (f"customers are matched by OXUSERNAME in shop {self.settings.shop_id} "
                          f"(guest accounts included); new ones join {self._group()}")
        assert account is not None
        return True, (f"orders go to oxuser {account['id']} ({account['first']} "
                      f"{account['last']}, {policy})")

    def trial_write(self) -> tuple[bool, str]:
        product = self.sql(f"SELECT OXARTNUM FROM {self.qt('oxarticles')} WHERE OXSHOPID = :s "
                           f"AND OXACTIVE = 1 AND OXARTNUM <> '' ORDER BY OXARTNUM LIMIT 1",
                           s=self.settings.shop_id).first()
        country = self.sql(f"SELECT OXISOALPHA2 FROM {self.qt('oxcountry')} WHERE OXISOALPHA2 "
                           f"IN :c ORDER BY OXISOALPHA2 = 'DE' DESC LIMIT 1",
                           c=self.supplier.countries or ["DE", "AT", "CH", "GB", "US", "FR"]
                           ).first()
        self.end_read()
        if product is None or country is None:
            return False, stage_text(OXError(
                "OX-DB-008", supplier=self.supplier.id,
                detail="the shop needs an active article with OXARTNUM and a country"))
        return self.sample_trial(product[0], country[0],
                                 (self.supplier.currencies or ["EUR"])[0],
                                 who=lambda _r: "new oxuser", order_word="order number")


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [OxidConnector]
