"""Build chooses the cheapest supplier in one currency: offers in different currencies are valued
with the distributor's rates (`[distributor] currency`, `[distributor.rates]`), never compared
as bare numbers; without a needed rate the SKU's lines wait with OX-BLD-005; same-currency
offers need no configuration at all; minimum order values stay in the supplier's own currency.

Hand-picked cases for the rule, then the realistic generator's orders (tests/orderdata.py) with a
second, Swiss supplier quoting every product in CHF.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

import orderdata
import pytest
from helpers import sample_order

from orderexchange.build import build, choose_suppliers
from orderexchange.checks import core_findings
from orderexchange.errors import OXError
from orderexchange.importer import import_catalogue, import_orders
from orderexchange.model import CatalogueEntry
from orderexchange.rates import Rates
from orderexchange.store import Store

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
#: ECB-style: units of each currency for 1 EUR
RATES = {"CHF": D("0.9412"), "GBP": D("0.8565"), "PLN": D("4.2750")}
EUR_RATES = Rates("EUR", RATES)
PRICE_CURRENCIES = {"alpha": "EUR", "beta": "CHF", "gamma": "GBP", "delta": "PLN"}


def entry(supplier: str, price: str, currency: str | None = None, sku: str = "HAMMER"):
    return CatalogueEntry(sku, supplier, f"{supplier[0].upper()}-1", D(price), "", currency)


def chosen(*entries, active=("alpha", "beta", "gamma", "delta"), rates=EUR_RATES):
    return choose_suppliers(list(entries), set(active), PRICE_CURRENCIES, rates)


# --- the rule, hand-picked --------------------------------------------------------------------
def test_a_cheaper_looking_number_in_a_dearer_currency_loses():
    # 9.00 GBP is 10.51 EUR: the EUR offer at 9.50 is cheaper although 9.00 < 9.50
    choice = chosen(entry("alpha", "9.50", "EUR"), entry("gamma", "9.00", "GBP"))
    assert choice.chosen["HAMMER"].supplier_id == "alpha"
    # 40.00 PLN is 9.36 EUR: cheaper than 9.50 EUR although 40 > 9.50
    choice = chosen(entry("alpha", "9.50", "EUR"), entry("delta", "40.00", "PLN"))
    assert choice.chosen["HAMMER"].supplier_id == "delta"


def test_chf_against_eur_both_ways():
    # 10.00 CHF = 10.62 EUR at 0.9412: the EUR supplier; at 1.10 CHF per EUR it is 9.09 EUR
    offers = (entry("alpha", "9.50", "EUR"), entry("beta", "10.00", "CHF"))
    assert chosen(*offers).chosen["HAMMER"].supplier_id == "alpha"
    assert chosen(*offers, rates=Rates("EUR", {"CHF": D("1.10")})).chosen[
        "HAMMER"].supplier_id == "beta"


def test_a_row_without_currency_is_in_its_suppliers_price_currency():
    # beta's price_currency is CHF: 9.00 CHF = 9.56 EUR beats 9.60 EUR
    choice = chosen(entry("alpha", "9.60"), entry("beta", "9.00"))
    assert choice.chosen["HAMMER"].supplier_id == "beta"


def test_equal_worth_is_an_exact_tie_broken_by_supplier_id():
    # 1.00 PLN at 4.30 and 0.20 GBP at 0.86 are both exactly 10/43 EUR
    rates = Rates("EUR", {"PLN": D("4.30"), "GBP": D("0.86")})
    choice = chosen(entry("gamma", "0.20", "GBP"), entry("delta", "1.00", "PLN"), rates=rates)
    assert choice.chosen["HAMMER"].supplier_id == "delta"
    choice = chosen(entry("alpha", "10.00", "EUR"), entry("beta", "11.00", "CHF"),
                    rates=Rates("EUR", {"CHF": D("1.1")}))
    assert choice.chosen["HAMMER"].supplier_id == "alpha"


def test_same_currency_needs_no_rates_and_keeps_the_old_choice():
    none = Rates()
    choice = chosen(entry("beta", "10.00", "CHF"), entry("alpha", "9.50", "CHF"), rates=none)
    assert choice.chosen["HAMMER"].supplier_id == "alpha" and not choice.incomparable
    # ties still go by supplier id
    choice = chosen(entry("beta", "9.50", "EUR"), entry("alpha", "9.50"), rates=none)
    assert choice.chosen["HAMMER"].supplier_id == "alpha"
    # one offer, or one active offer, needs nothing to compare with
    choice = chosen(entry("alpha", "9.50"), entry("beta", "1.00"), active=("alpha",), rates=none)
    assert choice.chosen["HAMMER"].supplier_id == "alpha" and not choice.incomparable


def test_a_missing_rate_is_not_guessed_around():
    # EUR and CHF could be compared, GBP cannot: GBP might be the cheapest, so nothing is chosen
    rates = Rates("EUR", {"CHF": D("0.9412")})
    choice = chosen(entry("alpha", "9.50", "EUR"), entry("beta", "10.00", "CHF"),
                    entry("gamma", "1.00", "GBP"), entry("alpha", "5.00", "EUR", sku="SAW"),
                    rates=rates)
    assert "HAMMER" not in choice.chosen and choice.chosen["SAW"].supplier_id == "alpha"
    offers, missing = choice.incomparable["HAMMER"]
    assert [e.supplier_id for e in offers] == ["alpha", "beta", "gamma"] and missing == ["GBP"]
    # no distributor currency at all: every currency is missing
    choice = chosen(entry("alpha", "9.50", "EUR"), entry("beta", "10.00", "CHF"), rates=Rates())
    assert choice.incomparable["HAMMER"][1] == ["CHF", "EUR"]


def test_rates_value_exactly():
    assert EUR_RATES.value(D("9.412"), "CHF") == 10
    assert EUR_RATES.value(D("9.50"), "EUR") == D("9.50")
    with pytest.raises(KeyError):
        EUR_RATES.value(D("1"), "USD")
    assert EUR_RATES.missing(["EUR", "USD", "CHF", "USD"]) == ["USD"]


# --- the config ---------------------------------------------------------------------------------
def distributor(**more):
    return {"id": "acme", "name": "ACME Distribution", "email": "orders@acme.example", **more}


def test_rates_read_from_toml_as_exact_decimals(make_config):
    config = make_config(distributor=distributor(
        currency="eur", rates={"chf": "0.9412", "GBP": 0.8565, "PLN": 4}))
    assert config.distributor.currency == "EUR"
    assert config.distributor.rates == {"CHF": D("0.9412"), "GBP": D("0.8565"), "PLN": D("4")}
    # an existing config without any of it stays valid
    assert make_config().distributor.currency is None and make_config().distributor.rates == {}


@pytest.mark.parametrize("more, key, detail", [
    ({"currency": "EURO"}, "distributor.currency", "'EURO' is not an ISO 4217"),
    ({"currency": "EUR", "rates": {"SFR": "1.05"}}, "distributor.rates", "'SFR' is not an ISO"),
    ({"currency": "EUR", "rates": {"CHF": "0"}}, "distributor", "CHF must be a number above 0"),
    ({"currency": "EUR", "rates": {"CHF": "-1"}}, "distributor", "CHF must be a number above 0"),
    ({"currency": "EUR", "rates": {"CHF": "abc"}}, "distributor.rates.CHF", "decimal"),
    ({"rates": {"CHF": "0.94"}}, "distributor", "needs `currency` under [distributor]"),
    ({"currency": "EUR", "rates": {"EUR": "1.2"}}, "distributor", "can only be 1"),
])
def test_bad_rates_are_coded_with_their_key(make_config, more, key, detail):
    with pytest.raises(OXError) as exc:
        make_config(distributor=distributor(**more))
    assert exc.value.code == "OX-CFG-004" and exc.value.facts["key"] == key
    assert detail in exc.value.message


# --- build, with the store --------------------------------------------------------------------
SUPPLIERS = {"alpha": {"name": "Alpha", "email": "a@example.com"},
             "beta": {"name": "Beta AG", "email": "b@example.ch", "price_currency": "CHF"}}


def import_(store, tmp_path, *orders, name="o.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(o) + "\n" for o in orders))
    report = import_orders(store, path)
    assert report.counts["rejected"] == 0, report.as_dict()


def lines_by_supplier(store, report):
    out: dict[str, list[tuple[str, str, D, str | None]]] = {}
    for so_id in report.created:
        so = store.supplier_order(so_id)
        out.setdefault(so.supplier_id, []).extend(
            (t.customer_order.number, sl.supplier_sku, sl.purchase_price, sl.currency)
            for t in so.transfers for sl in t.lines)
    return out


def test_build_sends_the_line_to_the_supplier_cheapest_in_eur(tmp_path, make_config):
    config = make_config(suppliers=SUPPLIERS, distributor=distributor(
        currency="EUR", rates={"CHF": "0.9412"}))
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", D("7.60"), "", "EUR"),
                            CatalogueEntry("HAMMER", "beta", "B-100", D("7.50"), "", None)])
    import_(store, tmp_path, sample_order("1"))
    report = build(store, config)
    # 7.50 CHF (beta's price_currency) = 7.97 EUR: alpha at 7.60 EUR is cheaper, although
    # 7.50 < 7.60 as bare numbers
    assert report.unassigned == []
    assert lines_by_supplier(store, report) == {"alpha": [("1", "A-100", D("7.60"), "EUR")]}


def test_without_a_rate_the_lines_wait_and_a_rate_releases_them(tmp_path, make_config):
    config = make_config(suppliers=SUPPLIERS)
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", D("9.50"), "", "EUR"),
                            CatalogueEntry("HAMMER", "beta", "B-100", D("10.00"), "", "CHF")])
    import_(store, tmp_path, sample_order("1"), sample_order("2"))
    report = build(store, config)
    assert report.created == []
    assert [(e.code, e.facts["order"]) for e in report.unassigned] == [
        ("OX-BLD-005", "1"), ("OX-BLD-005", "2")]
    assert report.reasons()["no_rate"] == 2 and report.reasons()["no_supplier"] == 0
    assert report.unassigned[0].message == (
        "Order 1 line 1: product HAMMER is offered in several currencies (alpha 9.50 EUR, beta "
        "10.00 CHF) and [distributor] has no `currency` to compare them in, so its cheapest "
        "supplier cannot be chosen; the line stays open.")
    assert "[distributor.rates]" in report.unassigned[0].solution
    assert [o["status"] for o in store.list_customer_orders()] == ["open", "open"]

    # a currency without its rate names exactly what is missing
    config = make_config(suppliers=SUPPLIERS,
                         distributor=distributor(currency="EUR", rates={"GBP": "0.8565"}))
    report = build(store, config)
    assert "[distributor.rates] has no rate for CHF against EUR" in report.unassigned[0].message

    # with the rate (1 EUR = 1.10 CHF: 10.00 CHF = 9.09 EUR) the next build takes both orders
    config = make_config(suppliers=SUPPLIERS,
                         distributor=distributor(currency="EUR", rates={"CHF": "1.10"}))
    report = build(store, config)
    assert report.unassigned == []
    assert lines_by_supplier(store, report) == {"beta": [("1", "B-100", D("10.00"), "CHF"),
                                                         ("2", "B-100", D("10.00"), "CHF")]}


def test_minimum_order_value_stays_in_the_suppliers_currency(tmp_path, make_config):
    suppliers = dict(SUPPLIERS, beta=dict(SUPPLIERS["beta"], min_order_value="25"))
    config = make_config(suppliers=suppliers, distributor=distributor(
        currency="EUR", rates={"CHF": "0.9412"}))
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", D("13.00"), "", "EUR"),
                            CatalogueEntry("HAMMER", "beta", "B-100", D("12.00"), "", "CHF")])
    import_(store, tmp_path, sample_order("1"))  # 2 hammers at 12.00 CHF = 24.00 CHF
    report = build(store, config)
    [waiting] = report.waiting
    # 24.00 CHF (25.50 EUR, above 25 if it were converted): below beta's 25 CHF minimum
    assert waiting.code == "OX-BLD-004" and waiting.facts["value"] == "24.00"
    assert waiting.facts["minimum"] == "25.00"


def test_minimum_order_value_counts_rows_in_another_currency_at_the_rate(tmp_path, make_config):
    """beta quotes in CHF (its price_currency, so its 25 CHF minimum is in CHF) but one of its
    catalogue rows is in EUR: that row's lines count at the rate, not as bare numbers."""
    suppliers = dict(SUPPLIERS, beta=dict(SUPPLIERS["beta"], min_order_value="25"))
    store_config = make_config(suppliers=suppliers, distributor=distributor(
        currency="EUR", rates={"CHF": "1.25"}))
    store = Store(store_config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "beta", "B-100", D("6.00"), "", "CHF"),
                            CatalogueEntry("SAW", "beta", "B-200", D("4.00"), "", "EUR")])
    saw = [{"sku": "SAW", "name": "Saw", "quantity": 1, "unit_price": "9.90", "tax_rate": "19"}]
    # 2 hammers at 6.00 CHF = 12.00 CHF, one saw at 4.00 EUR = 5.00 CHF: 17.00 CHF in all
    # (as bare numbers 16.00)
    import_(store, tmp_path, sample_order("1"), sample_order("2", lines=saw))
    [waiting] = build(store, store_config).waiting
    assert waiting.code == "OX-BLD-004" and waiting.facts["value"] == "17.00"
    assert "worth 17.00 CHF, the minimum order value is 25.00 CHF" in waiting.message
    assert waiting.facts["lines"] == 2

    # two more saws: 17.00 + 2 × 5.00 = 27.00 CHF ≥ 25 (as bare numbers 24.00 would wait)
    import_(store, tmp_path, sample_order("3", lines=saw), sample_order("4", lines=saw),
            name="more.jsonl")
    report = build(store, store_config)
    assert report.waiting == []
    assert sorted(lines_by_supplier(store, report)["beta"]) == [
        ("1", "B-100", D("6.00"), "CHF"), ("2", "B-200", D("4.00"), "EUR"),
        ("3", "B-200", D("4.00"), "EUR"), ("4", "B-200", D("4.00"), "EUR")]


def test_minimum_order_value_without_the_rate_waits_with_its_own_code(tmp_path, make_config):
    suppliers = dict(SUPPLIERS, beta=dict(SUPPLIERS["beta"], min_order_value="1"))
    config = make_config(suppliers=suppliers, distributor=distributor(
        currency="EUR", rates={"GBP": "0.8565"}))
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "beta", "B-100", D("6.00"), "", "CHF"),
                            CatalogueEntry("SAW", "beta", "B-200", D("4.00"), "", "EUR")])
    saw = [{"sku": "SAW", "name": "Saw", "quantity": 1, "unit_price": "9.90", "tax_rate": "19"}]
    import_(store, tmp_path, sample_order("1"), sample_order("2", lines=saw))
    report = build(store, config)
    assert report.created == []
    [waiting] = report.waiting
    assert waiting.code == "OX-BLD-006" and waiting.facts["lines"] == 2
    assert waiting.message == (
        "Supplier beta: its open lines are priced in CHF, EUR, its minimum order value is in "
        "CHF, and [distributor.rates] has no rate for CHF against EUR, so whether they reach the "
        "minimum is unknown; 2 line(s) wait for the next build.")
    assert "units of CHF that one unit of it buys" in waiting.solution
    assert report.reasons()["minimum"] == 2
    # without a minimum nothing needs converting: the lines go
    config = make_config(suppliers=SUPPLIERS, distributor=distributor(currency="EUR"))
    assert len(lines_by_supplier(store, build(store, config))["beta"]) == 2


def test_build_and_step_1_value_a_minimum_alike_to_the_cent(tmp_path, make_config):
    """One rule in both places (each line to the cent in the minimum's currency): an order
    build lets through is never stopped by step 1's OX-CHK-025, and a message never says a
    value below the minimum reads the same as the minimum."""
    saw = [{"sku": "SAW", "name": "Saw", "quantity": 1, "unit_price": "99.90", "tax_rate": "19"}]

    def run(saw_price, saw_currency, minimum, *orders):
        suppliers = {"alpha": dict(SUPPLIERS["alpha"], min_order_value=minimum)}
        config = make_config(suppliers=suppliers, distributor=distributor(
            currency="EUR", rates={"CHF": "0.9412"}))
        store = Store(config.store.url)
        store.upsert_catalogue([
            CatalogueEntry("HAMMER", "alpha", "A-100", D("20.00"), "", "EUR"),
            CatalogueEntry("SAW", "alpha", "A-200", D(saw_price), "", saw_currency)])
        import_(store, tmp_path, *orders, name=f"{saw_price}-{len(orders)}.jsonl")
        report = build(store, config)
        findings = [f.code for so_id in report.created for f in core_findings(
            config.suppliers["alpha"], store.supplier_order(so_id),
            rates=Rates.of(config.distributor)) if f.order is None]  # the supplier order's
        store.close()
        (tmp_path / "state.sqlite").unlink(missing_ok=True)
        return report, findings

    # 2 hammers (40.00 EUR) + a saw at 56.47 CHF = 59.9979 EUR, a line of 60.00: 100.00 EUR
    report, findings = run("56.47", "CHF", "100", sample_order("1"),
                           sample_order("2", lines=saw))
    assert report.waiting == [] and len(report.created) == 1 and findings == []
    # at 56.46 CHF (59.99 EUR) one cent short: it waits, and says so in EUR
    report, _ = run("56.46", "CHF", "100", sample_order("3"), sample_order("4", lines=saw))
    [waiting] = report.waiting
    assert waiting.message == ("Supplier alpha: the open lines are worth 99.99 EUR, the minimum "
                               "order value is 100.00 EUR; 2 line(s) wait for the next build.")
    # one currency, 4-place prices: three saws at 33.3340 EUR are 100.002 unrounded but three
    # lines of 33.33 on the supplier's documents; build used to let them through and step 1
    # then stopped the whole supplier order (OX-CHK-025 at 99.99); now they wait at build
    report, _ = run("33.3340", "EUR", "100", *(sample_order(str(n), lines=saw)
                                               for n in (5, 6, 7)))
    assert report.created == [] and report.waiting[0].facts["value"] == "99.99"
    report, findings = run("33.3340", "EUR", "99.99", *(sample_order(str(n), lines=saw)
                                                         for n in (8, 9, 10)))
    assert len(report.created) == 1 and findings == []


# --- realistic orders -------------------------------------------------------------------------
def swiss_offers(catalogue: list[dict[str, str]]) -> list[dict[str, str]]:
    """A Swiss supplier quoting every product in CHF: each EUR price × the CHF rate, ±3 %
    alternately, so about half of the products are cheaper at the Swiss supplier — and several
    look cheaper as bare numbers (CHF amounts are smaller) while they are dearer."""
    rows = []
    for i, row in enumerate(catalogue):
        factor = D("0.97") if i % 2 else D("1.03")
        chf = (D(row["purchase_price"]) * RATES["CHF"] * factor).quantize(D("0.01"))
        rows.append(dict(row, supplier="zurich", supplier_sku=f"Z-{i:03}",
                         purchase_price=str(chf), currency="CHF"))
    return rows


def realistic(tmp_path, make_config, rates, offers=None, zurich=None):
    # one supplier SKU per product, so a built line tells which product it is
    skus = [f"A-{i:03}" for i in range(len(orderdata.PRODUCTS))]
    data = orderdata.generate(160, seed=21, today=TODAY, suppliers={"alpha": skus})
    suppliers = {"alpha": {"name": "Alpha", "email": "a@example.com"},
                 "zurich": {"name": "Zürich AG", "email": "z@example.ch",
                            "price_currency": "CHF", **(zurich or {})}}
    config = make_config(suppliers=suppliers, distributor=distributor(**rates))
    store = Store(config.store.url)
    rows = data.catalogue + (offers or swiss_offers)(data.catalogue)
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "catalogue.csv").write_text(out.getvalue())
    count, errors = import_catalogue(store, tmp_path / "catalogue.csv",
                                     config.price_currencies())
    assert errors == [] and count == len(rows)
    (tmp_path / "orders.jsonl").write_bytes(data.file_bytes())
    import_orders(store, tmp_path / "orders.jsonl")
    return data, rows, config, store


def test_realistic_orders_go_to_the_supplier_cheapest_in_eur(tmp_path, make_config):
    data, rows, config, store = realistic(tmp_path, make_config,
                                          {"currency": "EUR", "rates": dict(RATES)})
    # expected, worked out independently: the price in EUR to 12 places
    best: dict[str, tuple[D, str]] = {}
    for row in rows:
        rate = RATES[row["currency"]] if row["currency"] != "EUR" else D(1)
        eur = (D(row["purchase_price"]) / rate).quantize(D("1e-12"))
        if row["sku"] not in best or (eur, row["supplier"]) < best[row["sku"]]:
            best[row["sku"]] = (eur, row["supplier"])
    assert {s for _eur, s in best.values()} == {"alpha", "zurich"}, "both win some products"
    misled = [sku for sku in best
              if min(rows, key=lambda r, sku=sku: (D(r["purchase_price"]), r["supplier"])
                     if r["sku"] == sku else (D("1e9"), ""))["supplier"] != best[sku][1]]
    assert misled, "bare numbers would pick another supplier for some products"

    report = build(store, config)
    assert report.unassigned == []
    sku_of = {(r["supplier"], r["supplier_sku"]): r["sku"] for r in rows}
    built = lines_by_supplier(store, report)
    assert set(built) == {"alpha", "zurich"}
    for supplier, lines in built.items():
        for _number, supplier_sku, price, currency in lines:
            sku = sku_of[(supplier, supplier_sku)]
            assert best[sku][1] == supplier, (sku, supplier)
            # prices stay in the supplier's own currency, never converted
            assert currency == ("CHF" if supplier == "zurich" else "EUR")
            assert str(price) == next(r["purchase_price"] for r in rows
                                      if r["supplier"] == supplier and r["sku"] == sku)
    good_lines = sum(len(o["lines"]) for o, _lb in data.good())
    assert sum(map(len, built.values())) == good_lines, "every good line built, none twice"


def test_realistic_documents_state_each_order_in_its_purchase_currency(tmp_path, make_config):
    """The generator's CHF and PLN customer orders, bought from an EUR and a CHF supplier
    (every third Swiss row quoted in EUR, the Swiss shipping_cost in CHF): each order's documents
    state it in one purchase currency, never the customer's, and add up to the cent."""
    from orderexchange import documents

    data, rows, config, store = realistic(
        tmp_path, make_config, {"currency": "EUR", "rates": dict(RATES)},
        offers=swiss_offers_partly_in_eur, zurich={"shipping_cost": "9.50"})
    report = build(store, config)
    assert report.unassigned == [] and report.created
    seen: set[tuple[str, str, str]] = set()  # (supplier, customer currency, documents')
    for so_id in report.created:
        so = store.supplier_order(so_id)
        supplier = config.suppliers[so.supplier_id]
        assert not [f for f in core_findings(supplier, so, now=NOW,
                                             rates=Rates.of(config.distributor))
                    if f.code in ("OX-CHK-053", "OX-CHK-054")]
        sheet = documents.sheet(config, supplier, so, now=NOW)
        for t, o in zip(so.transfers, sheet.orders, strict=True):
            quoted = {sl.currency or supplier.price_currency for sl in t.lines}
            seen.add((so.supplier_id, t.customer_order.currency, o.currency))
            expected = 0
            for sl in t.lines:
                amount = sl.purchase_price * D(sl.line.quantity)
                if (sl.currency or supplier.price_currency) != o.currency:  # EUR row → CHF
                    assert (sl.currency, o.currency) == ("EUR", "CHF")
                    amount *= RATES["CHF"]
                expected += amount.quantize(D("0.01"), rounding="ROUND_HALF_UP")
            assert o.subtotal == expected and o.shipping == supplier.shipping_cost
            assert o.currency == (quoted.pop() if len(quoted) == 1 and (
                not supplier.shipping_cost or supplier.price_currency in quoted)
                else supplier.price_currency)
    customer_currencies = {c for _s, c, _d in seen}
    assert len(customer_currencies - {"EUR"}) >= 2, customer_currencies  # CHF, PLN (seed 21)
    # alpha (EUR, no shipping cost) states every order in EUR, whatever the customer paid in;
    # zurich in CHF, even orders of EUR rows alone (its shipping is in CHF)
    assert {d for s, _c, d in seen if s == "alpha"} == {"EUR"}
    assert {d for s, _c, d in seen if s == "zurich"} == {"CHF"}


def test_realistic_orders_wait_for_a_missing_rate(tmp_path, make_config):
    data, _rows, config, store = realistic(tmp_path, make_config,
                                           {"currency": "EUR", "rates": {"GBP": "0.8565"}})
    report = build(store, config)
    assert report.created == []
    good_lines = sum(len(o["lines"]) for o, _lb in data.good())
    assert len(report.unassigned) == good_lines
    assert {e.code for e in report.unassigned} == {"OX-BLD-005"}
    assert all("no rate for CHF against EUR" in e.message for e in report.unassigned)
    assert {o["status"] for o in store.list_customer_orders()} == {"open"}


def swiss_offers_partly_in_eur(catalogue: list[dict[str, str]]) -> list[dict[str, str]]:
    """The Swiss supplier's offers, every third one quoted in EUR although its price_currency
    (and so its minimum order value) is CHF: a price list merged from two sources."""
    rows = swiss_offers(catalogue)
    for i, row in enumerate(rows):
        if i % 3 == 0:
            row.update(currency="EUR", purchase_price=str(
                (D(row["purchase_price"]) / RATES["CHF"]).quantize(D("0.01"))))
    return rows


def test_realistic_minimum_order_value_in_chf_over_chf_and_eur_rows(tmp_path, make_config):
    data, rows, config, store = realistic(
        tmp_path, make_config, {"currency": "EUR", "rates": dict(RATES)},
        offers=swiss_offers_partly_in_eur, zurich={"min_order_value": "1000000"})
    # zurich's lines worked out independently: the supplier cheapest in EUR per product; each
    # of zurich's lines in CHF to the cent (half up), an EUR row's line at the CHF rate
    best: dict[str, tuple[D, str, dict[str, str]]] = {}
    for row in rows:
        rate = RATES[row["currency"]] if row["currency"] != "EUR" else D(1)
        key = (D(row["purchase_price"]) / rate, row["supplier"], row)
        if row["sku"] not in best or key[:2] < best[row["sku"]][:2]:
            best[row["sku"]] = key
    by_currency = {"CHF": D(0), "EUR": D(0)}
    total = exact = D(0)
    lines = 0
    for order, _labels in data.good():
        for line in order["lines"]:
            _eur, supplier, row = best[line["sku"]]
            if supplier == "zurich":
                amount = D(row["purchase_price"]) * D(line["quantity"])
                by_currency[row["currency"]] += amount
                chf = amount * (RATES["CHF"] if row["currency"] == "EUR" else 1)
                total += chf.quantize(D("0.01"), rounding="ROUND_HALF_UP")
                exact += chf
                lines += 1
    assert by_currency["EUR"] and by_currency["CHF"], "zurich wins lines in both currencies"
    bare = by_currency["CHF"] + by_currency["EUR"]
    assert bare.quantize(D("0.01")) != total
    # the lines' cents differ from the unrounded sum's here: the rule is visible
    assert exact.quantize(D("0.01"), rounding="ROUND_HALF_UP") != total

    config.suppliers["zurich"].min_order_value = total + D("0.01")
    report = build(store, config)
    [waiting] = [e for e in report.waiting if e.facts.get("supplier") == "zurich"]
    assert waiting.code == "OX-BLD-004" and waiting.facts["lines"] == lines
    assert waiting.facts["value"] == f"{total}"
    assert f"worth {total} CHF, the minimum order value is {total + D('0.01')} CHF" in \
        waiting.message
    assert "zurich" not in lines_by_supplier(store, report)

    # a minimum the lines reach lets them go (bare numbers would say otherwise for a minimum
    # between the two sums), and step 1 values the built order the same way: no OX-CHK-025
    config.suppliers["zurich"].min_order_value = total
    report = build(store, config)
    assert not [e for e in report.waiting if e.facts.get("supplier") == "zurich"]
    [so_id] = [i for i in report.created if store.supplier_order(i).supplier_id == "zurich"]
    so = store.supplier_order(so_id)
    assert so.line_count == lines
    assert core_findings(config.suppliers["zurich"], so, now=NOW,
                         rates=Rates.of(config.distributor)) == []
    config.suppliers["zurich"].min_order_value = total + D("0.01")
    [below] = core_findings(config.suppliers["zurich"], so, now=NOW,
                            rates=Rates.of(config.distributor))
    assert below.code == "OX-CHK-025" and f"net value {total} CHF" in below.message


# --- config check -------------------------------------------------------------------------------
def test_config_check_warns_about_a_missing_rate_the_catalogue_needs(tmp_path):
    from click.testing import CliRunner

    from orderexchange.cli import main

    store_path = tmp_path / "state.sqlite"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'''[distributor]
id = "acme"
name = "ACME Distribution"
email = "orders@acme.example"
currency = "EUR"

[distributor.rates]
GBP = "0.8565"

[store]
url = "sqlite:///{store_path}"

[mail]
transport = "file"
outbox = "outbox"

[suppliers.alpha]
name = "Alpha"
email = "a@example.com"
connector = {{ type = "mail-only" }}

[suppliers.beta]
name = "Beta AG"
email = "b@example.ch"
price_currency = "CHF"
connector = {{ type = "mail-only" }}
''')

    def currencies():
        result = CliRunner().invoke(main, ["--config", str(cfg), "config", "check", "--json"])
        [part] = [p for p in json.loads(result.stdout)["parts"] if p["part"] == "currencies"]
        return result.exit_code, part

    code, part = currencies()  # no store yet: nothing to compare, and none is created
    assert part["note"] == "compared in EUR; rates for GBP; no stored catalogue to check"
    assert part["warning"] == "" and not store_path.exists()
    store_path.write_bytes(b"not a database at all")  # unreadable: skipped, left as it is
    code, part = currencies()
    assert part["note"].endswith("no stored catalogue to check")
    assert store_path.read_bytes() == b"not a database at all"
    store_path.unlink()

    store = Store(f"sqlite:///{store_path}")
    store.upsert_catalogue([entry("alpha", "9.50", "EUR"), entry("beta", "10.00"),
                            entry("alpha", "5.00", "EUR", sku="SAW"),
                            entry("beta", "5.00", "CHF", sku="GLOVES")])
    store.close()
    code, part = currencies()
    assert code == 0 and part["ok"] is True  # a warning: the other products build
    assert part["warning"] == "no rate for CHF: see note"
    assert part["advice"] == (
        "1 product (HAMMER) is offered in several currencies and cannot be compared: add CHF "
        "under [distributor.rates] (units for one EUR), or their lines wait at build "
        "(OX-BLD-005)")

    cfg.write_text(cfg.read_text().replace('GBP = "0.8565"', 'CHF = "0.9412"'))
    code, part = currencies()
    assert part["warning"] == "" and part["note"] == "compared in EUR; rates for CHF"

    # a row of beta (price_currency CHF) quoted in PLN: its minimum and documents need PLN
    store = Store(f"sqlite:///{store_path}")
    store.upsert_catalogue([entry("beta", "40.00", "PLN", sku="NAILS")])
    store.close()
    code, part = currencies()
    assert code == 0 and part["ok"] is True
    assert part["warning"] == ("rows in another currency than price_currency need a rate for "
                               "PLN")
    assert part["advice"] == (
        "supplier beta quotes rows in PLN, its price_currency is CHF: add PLN under "
        "[distributor.rates], or its lines wait for a minimum order value (OX-BLD-006) and "
        "orders that mix them with other lines or shipping are held (OX-CHK-054)")
