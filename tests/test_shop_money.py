"""Money as the supplier's shop shows it (plugins/shop_money.py): conversion with the shop's rates,
rounding to the cent, VAT per rate, and step 1's currency findings (issue 13 §3).

Pure arithmetic; the connectors' writes of these amounts are tested on MariaDB in
tests/test_currencies_mariadb.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest

from orderexchange.config import SupplierConfig
from orderexchange.model import (
    Address, Customer, CustomerOrder, OrderLine, SupplierLine, SupplierOrder, SupplierOrderState,
    Transfer,
)
from orderexchange.plugins.shop_money import (
    ShopRates, currencies_of, currency_findings, order_amounts, rates_text,
)
from orderexchange.plugins.shop_sql import Findings

RATES = ShopRates.of([("EUR", "1.000000"), ("CHF", "0.9412"), ("GBP", "0.8563"),
                      ("USD", "1.08"), ("HUF", "0")], "currencies")


def supplier(**kw) -> SupplierConfig:
    return SupplierConfig(id="alpha", name="Alpha", email="a@example.com", **kw)


def transfer(currency: str, lines: list[tuple[int, str, str, str | None]],
             number: str = "1") -> Transfer:
    """lines: (quantity, purchase price, VAT %, price currency)."""
    a = Address("A", "B", "S 1", "1", "C", "DE")
    order_lines = [OrderLine(i, f"S{i}", "x", q, D(p), D(r))
                   for i, (q, p, r, _c) in enumerate(lines, start=1)]
    sl = [SupplierLine(ln, ln.sku, ln.unit_price, c)
          for ln, (_q, _p, _r, c) in zip(order_lines, lines)]
    return Transfer(CustomerOrder(number, datetime.now(), currency, Customer("a@b.c", "A", "B"),
                                  a, a, order_lines), sl, f"OX-{number}")


def test_lines_round_per_line_and_vat_is_taken_per_rate():
    t = transfer("EUR", [(3, "10.80", "19", None), (1, "7.20", "7", None),
                         (2, "0.35", "19", None)])
    amounts = order_amounts(t, supplier(shipping_cost=D("4.9")), RATES)
    # 19 %: 32.40 + 0.70 = 33.10 → 6.289 → 6.29; 7 %: 7.20 → 0.504 → 0.50
    assert amounts.tax_by_rate() == [(D("19"), D("33.10"), D("6.29")),
                                     (D("7"), D("7.20"), D("0.50"))]
    assert [(x.net, x.tax) for x in amounts.lines] == [
        (D("32.40"), D("6.16")), (D("7.20"), D("0.50")), (D("0.70"), D("0.13"))]
    assert (amounts.subtotal, amounts.tax, amounts.shipping, amounts.total) == (
        D("40.30"), D("6.79"), D("4.90"), D("51.99"))
    assert amounts.lines[0].unit_tax == D("2.0520")


def test_a_rates_lines_add_up_to_its_vat_the_rest_on_the_largest_line():
    # per line 0.35 → 0.0665 → 0.07 three times = 0.21, but the rate's VAT is 1.05 → 0.1995 → 0.20
    t = transfer("EUR", [(1, "0.35", "19", None), (1, "0.35", "19", None),
                         (1, "0.35", "19", None)])
    amounts = order_amounts(t, supplier(), RATES)
    assert amounts.tax == D("0.20")
    assert [x.tax for x in amounts.lines] == [D("0.06"), D("0.07"), D("0.07")]
    assert sum(x.gross for x in amounts.lines) == amounts.subtotal + amounts.tax


@pytest.mark.parametrize("shipping_rate, by_rate", [
    # the shipping's 4.90 × 19 % = 0.93 joins the lines' 19 % row (2.74)
    ("19", [(D("19"), D("19.30"), D("3.67"))]),
    # at a rate no line has, a row of its own: 4.90 × 7 % = 0.34
    ("7", [(D("19"), D("14.40"), D("2.74")), (D("7"), D("4.90"), D("0.34"))]),
])
def test_taxed_shipping_has_its_own_vat_and_stays_out_of_the_lines_gross(shipping_rate, by_rate):
    """Shops show taxed shipping gross (OXID's OXDELCOST, modified's gross groups) or keep its
    VAT apart (WooCommerce): the shipping's VAT alone, and the lines' gross without it."""
    t = transfer("EUR", [(2, "7.20", "19", None)])
    amounts = order_amounts(t, supplier(shipping_cost=D("4.90"),
                                        shipping_tax_rate=D(shipping_rate)), RATES)
    tax = {"19": D("0.93"), "7": D("0.34")}[shipping_rate]
    assert amounts.tax_by_rate() == by_rate
    assert (amounts.shipping_rate, amounts.shipping_tax, amounts.shipping_gross) == (
        D(shipping_rate), tax, D("4.90") + tax)
    assert (amounts.lines_tax, amounts.gross_lines) == (D("2.74"), D("17.14"))
    assert amounts.total == D("14.40") + D("2.74") + D("4.90") + tax
    untaxed = order_amounts(t, supplier(shipping_cost=D("4.90")), RATES)
    assert (untaxed.shipping_rate, untaxed.shipping_tax, untaxed.gross_lines) == (
        D("0"), D("0"), D("17.14"))

def test_eur_prices_are_converted_into_the_orders_currency_with_the_shops_rates():
    t = transfer("CHF", [(3, "10.80", "19", "EUR"), (1, "7.20", "7.7", None)])
    amounts = order_amounts(t, supplier(shipping_cost=D("4.90")), RATES)
    # 10.80 × 0.9412 = 10.16496 → 10.1650 (4 places), × 3 = 30.495 → 30.50
    # 7.20 × 0.9412 = 6.77664 → 6.7766; shipping 4.90 × 0.9412 = 4.61188 → 4.61
    assert [(x.unit_net, x.net) for x in amounts.lines] == [
        (D("10.1650"), D("30.50")), (D("6.7766"), D("6.78"))]
    assert amounts.shipping == D("4.61")
    assert amounts.tax_by_rate() == [(D("19"), D("30.50"), D("5.80")),
                                     (D("7.7"), D("6.78"), D("0.52"))]
    assert amounts.total == D("30.50") + D("6.78") + D("5.80") + D("0.52") + D("4.61")


def test_prices_in_a_third_currency_go_through_the_shops_default():
    # GBP prices, CHF order: 10.00 / 0.8563 × 0.9412 = 10.99147… → 10.9915
    t = transfer("CHF", [(1, "10.00", "0", "GBP")])
    assert order_amounts(t, supplier(), RATES).lines[0].unit_net == D("10.9915")


@pytest.mark.parametrize("rate", ["0.9412", "0.78460002", "1.2978", "4.3125", "25.02", "99.5"])
def test_amounts_kept_in_the_default_currency_show_as_the_same_cents(rate):
    """osCommerce and OpenCart keep amounts in the default currency (4 places) and show them
    × the order's rate, rounded: every cent amount comes back exactly (rates below 100)."""
    rates = ShopRates.of([("EUR", "1"), ("XXX", rate)], "currencies")
    for cents in list(range(0, 2000, 7)) + [99999, 123456, 10000000]:
        amount = D(cents) / 100
        shown = (rates.in_default(amount, "XXX") * D(rate)).quantize(D("0.01"))
        assert shown == amount, (rate, amount)


def supplier_order(*transfers: Transfer) -> SupplierOrder:
    return SupplierOrder(7, "alpha", SupplierOrderState.DRAFT, created_at=datetime.now(),
                         transfers=list(transfers))


def codes(so: SupplierOrder, cfg: SupplierConfig, rates: ShopRates, rate_always: bool = False):
    out = Findings(cfg)
    currency_findings(out, so, rates, rate_always=rate_always)
    return [(f.order, f.code) for f in out.items]


def test_step_1_refuses_what_the_shop_cannot_show_each_order_with_its_code():
    so = supplier_order(
        transfer("CHF", [(1, "9", "19", "EUR")], "ok"),
        transfer("PLN", [(1, "9", "19", "EUR")], "pln"),  # not in the shop
        transfer("CHF", [(1, "9", "19", "SEK")], "sek"),  # prices in a currency it lacks
        transfer("HUF", [(1, "9", "19", "EUR")], "huf"),  # listed without a rate
        transfer("HUF", [(1, "9", "19", "HUF")], "huf-only"),  # nothing to convert
    )
    cfg = supplier()
    assert currencies_of(so, cfg) == {"CHF", "PLN", "SEK", "HUF", "EUR"}
    assert codes(so, cfg, RATES) == [("pln", "OX-CHK-010"), ("sek", "OX-CHK-050"),
                                     ("huf", "OX-CHK-051")]
    # where the shop keeps amounts in its default currency, a rate is needed even then
    assert codes(so, cfg, RATES, rate_always=True)[-1] == ("huf-only", "OX-CHK-051")
    # shipping is in the supplier's price currency: it must be convertible too
    assert codes(supplier_order(transfer("HUF", [(1, "9", "19", "HUF")], "s")),
                 supplier(shipping_cost=D("4.90")), RATES) == [("s", "OX-CHK-051")]


def test_kept_amounts_are_worked_out_once_per_transfer_and_rates():
    """KeptAmounts (step 1 and the write share an order's amounts): the same transfer under
    the same rates object is worked out once; other rates, another transfer, a `clear()` (each
    step 1) or a full keep (LIMIT) work it out again."""
    from types import SimpleNamespace

    from orderexchange.plugins.shop_money import KeptAmounts, kept_amounts

    calls: list[str] = []
    kept = KeptAmounts()
    first, second = SimpleNamespace(n="1"), SimpleNamespace(n="2")
    rates, newer = object(), object()

    def work(t):
        return lambda: calls.append(t.n) or f"amounts of {t.n}"

    assert kept.of(first, rates, work(first)) == "amounts of 1"
    assert kept.of(first, rates, work(first)) == "amounts of 1"
    assert kept.of(second, rates, work(second)) == "amounts of 2"
    assert calls == ["1", "2"]
    kept.of(first, newer, work(first))  # rates read again: a new object
    assert calls == ["1", "2", "1"]
    kept.clear()
    kept.of(second, rates, work(second))
    assert calls == ["1", "2", "1", "2"]
    many = [SimpleNamespace(n=str(k)) for k in range(KeptAmounts.LIMIT + 1)]
    for t in many:
        kept.of(t, rates, work(t))
    assert len(kept._kept) <= KeptAmounts.LIMIT  # memory stays flat
    connector = SimpleNamespace()
    assert kept_amounts(connector) is kept_amounts(connector)


def test_kept_figures_from_a_tuple_basis_are_kept_while_each_object_is_the_same():
    """The generic SQL connector keeps an order's values by (customer order, reference, rates,
    countries, amounts), OXID its order row's by (customer order, reference, account, countries,
    rates, amounts): any one of them a new object works them out again."""
    from types import SimpleNamespace

    from orderexchange.plugins.shop_money import KeptAmounts

    calls = []
    kept = KeptAmounts()
    t = SimpleNamespace(n="1")
    rates, countries = object(), {}
    work = lambda: calls.append(1) or "values"  # noqa: E731
    assert kept.of(t, (rates, countries), work) == "values"
    assert kept.of(t, (rates, countries), work) == "values"
    assert len(calls) == 1
    kept.of(t, (rates, {}), work)  # equal countries, another object: worked out again
    kept.of(t, (rates,), work)
    assert len(calls) == 3


def test_rates_in_a_message_are_plain_and_lowest_first():
    """Realistic data found it: OXID's "three VAT rates" finding read "(1E+1, 21, 4)" and
    "(0, 19, 7)" (normalised Decimals, sorted as text)."""
    assert rates_text([D("21.00"), D("10.00"), D("4")]) == "4, 10, 21"
    assert rates_text([D("19"), D("7.00"), D("0.00"), D("7")]) == "0, 7, 19"
    assert rates_text([D("20.0"), D("5.5"), D("2.1")]) == "2.1, 5.5, 20"
