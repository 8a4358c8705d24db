"""The supplier-order list states a supplier order's net value as its documents do: the amounts
and currency of the notification's subtotals (`documents.listed_value` runs `rates.stated`, the
computation `documents.sheet` uses), the currency in the table and in `--json`, and per-currency
amounts — never one bare sum — when a rate is missing (OX-CHK-054).

Hand-picked orders first, then the realistic generator's orders (tests/orderdata.py) with one
supplier's catalogue rows quoted in CHF, EUR and PLN, through the CLI. The store side on SQLite,
PostgreSQL and MariaDB is in test_store.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import orderdata
import pytest
from click.testing import CliRunner

from orderexchange import config as config_mod, documents, present
from orderexchange.actions.orders import with_values
from orderexchange.build import build
from orderexchange.cli import main
from orderexchange.errors import OXError
from orderexchange.importer import import_catalogue, import_orders
from orderexchange.model import SupplierOrderState
from orderexchange.present.orders import menu_value, print_supplier_orders
from orderexchange.store import Store

RATES = {"CHF": "0.9412", "PLN": "4.2750"}  # units for 1 EUR, as the ECB states them


def distributor(rates=RATES, currency="EUR"):
    more = {"currency": currency, "rates": dict(rates)} if currency else {}
    return {"id": "acme", "name": "ACME", "email": "orders@acme.example", **more}


def swiss(**more):
    return {"beta": {"name": "Beta AG", "email": "b@example.ch", "price_currency": "CHF", **more}}


def sample(supplier_config, *currencies):
    """The documents' sample supplier order (2 × 7.20, then 12.5 × 0.84 and 3 × 2.10) with its
    three lines quoted in `currencies`."""
    so = documents.sample_supplier_order(supplier_config)
    quoted = iter(currencies)
    for t in so.transfers:
        t.lines = [replace(sl, currency=next(quoted)) for sl in t.lines]
    return so


def lines_of(so):
    return [[(sl.purchase_price, D(sl.line.quantity), sl.currency) for sl in t.lines]
            for t in so.transfers]


def sheet_totals(config, so):
    return [{"currency": t.currency, "amount": str(t.subtotal)}
            for t in documents.sheet(config, config.suppliers[so.supplier_id], so).totals]


# --- hand-picked --------------------------------------------------------------------------------
def test_mixed_rows_are_stated_in_price_currency_as_the_notification_states_them(make_config):
    config = make_config(suppliers=swiss(shipping_cost="5"), distributor=distributor())
    so = sample(config.suppliers["beta"], "EUR", "CHF", "PLN")
    value = documents.listed_value(config, "beta", lines_of(so))
    # 14.40 EUR = 13.55 CHF; 10.50 CHF; 6.30 PLN = 1.39 CHF (bare numbers: 31.20)
    assert (value["net_value"], value["currency"]) == ("25.44", "CHF")
    assert value["net_values"] == sheet_totals(config, so) == [
        {"currency": "CHF", "amount": "25.44"}]
    assert value["value_unstated"] is None and value["missing_rates"] == []


def test_orders_stated_in_different_currencies_keep_one_amount_each(make_config):
    # no shipping cost: an order whose lines are all in EUR is stated in EUR, the other in CHF
    config = make_config(suppliers=swiss(), distributor=distributor())
    so = sample(config.suppliers["beta"], "EUR", "CHF", "CHF")
    value = documents.listed_value(config, "beta", lines_of(so))
    assert value["net_values"] == sheet_totals(config, so) == [
        {"currency": "EUR", "amount": "14.40"}, {"currency": "CHF", "amount": "16.80"}]
    assert value["net_value"] is None and value["currency"] is None
    assert value["value_unstated"] is None
    assert menu_value(value) == "14.40 EUR + 16.80 CHF"


def test_rows_without_a_currency_are_in_price_currency_and_need_no_rates(make_config):
    config = make_config(suppliers=swiss(shipping_cost="4.90"),
                         distributor=distributor(currency=None))
    so = sample(config.suppliers["beta"], None, None, None)
    value = documents.listed_value(config, "beta", lines_of(so))
    assert (value["net_value"], value["currency"]) == ("31.20", "CHF")
    assert value["net_values"] == sheet_totals(config, so)


def test_a_missing_rate_lists_the_amounts_per_quoted_currency_never_their_sum(make_config):
    config = make_config(suppliers=swiss(shipping_cost="5"),
                         distributor=distributor(rates={"CHF": "0.9412"}))
    so = sample(config.suppliers["beta"], "EUR", "CHF", "PLN")
    with pytest.raises(OXError) as exc:  # the notification cannot state it either
        documents.sheet(config, config.suppliers["beta"], so)
    assert exc.value.code == "OX-CHK-054"
    value = documents.listed_value(config, "beta", lines_of(so))
    assert value["net_value"] is None and value["currency"] is None
    assert value["net_values"] == [{"currency": "CHF", "amount": "10.50"},
                                   {"currency": "EUR", "amount": "14.40"},
                                   {"currency": "PLN", "amount": "6.30"}]
    assert value["missing_rates"] == ["PLN"] and "OX-CHK-054" in value["value_unstated"]
    assert menu_value(value) == "10.50 CHF + 14.40 EUR + 6.30 PLN (no rate: PLN)"


def test_an_empty_or_unconfigured_supplier_order(make_config):
    config = make_config(suppliers=swiss(), distributor=distributor())
    value = documents.listed_value(config, "beta", [])
    assert (value["net_value"], value["currency"], value["net_values"]) == ("0.00", "CHF", [])
    assert menu_value(value) == "0.00 CHF"
    assert menu_value(documents.listed_value(config, "gamma", [])) == "(not configured)"
    gone = documents.listed_value(config, "gamma", [[(D("2.50"), D("2"), None),
                                                     (D("1.00"), D("1"), "EUR")]])
    assert gone["net_value"] is None and gone["value_unstated"] == "supplier gamma is not configured"
    assert gone["net_values"] == [{"currency": "EUR", "amount": "1.00"},
                                  {"currency": None, "amount": "5.00"}]


def test_the_table_shows_the_currency_and_keeps_brackets(capsys, monkeypatch, make_config):
    monkeypatch.setattr(present.console, "width", 200)
    config = make_config(suppliers=swiss(shipping_cost="5"),
                         distributor=distributor(rates={"CHF": "0.9412"}))
    so = sample(config.suppliers["beta"], "EUR", "CHF", "PLN")
    base = {"state": "draft", "error_code": None, "customer_orders": 2, "held": 0, "lines": 3,
            "updated_at": so.created_at}
    rows = [dict(base, id=1, supplier_id="beta",
                 **documents.listed_value(config, "beta", lines_of(so))),
            dict(base, id=2, supplier_id="[mail]",
                 **documents.listed_value(config, "[mail]", [[(D("1"), D("1"), "[b]")]]))]
    print_supplier_orders(rows)
    out = capsys.readouterr().out
    for shown in ("14.40 EUR", "10.50 CHF", "6.30 PLN", "no rate: PLN", "[mail]", "1.00 [b]",
                  "not configured"):
        assert shown in out
    assert "31.20" not in out
    rows[0].update(documents.listed_value(make_config(suppliers=swiss(shipping_cost="5"),
                                                      distributor=distributor()),
                                          "beta", lines_of(so)))
    print_supplier_orders(rows[:1])
    assert "25.44 CHF" in capsys.readouterr().out


# --- the realistic generator's orders through the CLI ------------------------------------------
def realistic(tmp_path, n=160):
    """orderdata's orders (no bad rows) for supplier beta (CHF, shipping cost in CHF), whose
    catalogue quotes its products in CHF, EUR and PLN in turn; imported and built in two
    batches (two supplier orders, the first of them notified)."""
    data = orderdata.generate(orders=n, seed=29, bad_share=0, today=date(2026, 11, 30),
                              suppliers={"beta": ["B-100", "B-200", "B-300", "B-400"]})
    quoted = ["CHF", "EUR", "PLN"]
    for i, row in enumerate(data.catalogue):
        row["currency"] = quoted[i % 3]
    folder = tmp_path / "data"
    paths = data.write(folder)
    config_path = tmp_path / "config.toml"
    config_path.write_text(f"""
[distributor]
id = "acme"
name = "ACME"
email = "orders@acme.example"
currency = "EUR"

[distributor.rates]
CHF = "0.9412"
PLN = "4.2750"

[store]
url = "sqlite:///{tmp_path / 'state.sqlite'}"

[mail]
transport = "file"
outbox = "{tmp_path / 'outbox'}"

[suppliers.beta]
name = "Beta AG"
email = "orders@beta.example"
price_currency = "CHF"
shipping_cost = "7.90"
connector = "mail-only"
""", encoding="utf-8")
    config = config_mod.load(config_path)
    store = Store(config.store.url)
    count, errors = import_catalogue(store, paths["catalogue"], config.price_currencies())
    assert errors == [] and count == len(data.catalogue)
    lines = paths["orders"].read_bytes().splitlines(keepends=True)
    created = []
    for part, rows in enumerate((lines[:n // 2], lines[n // 2:])):
        batch = folder / f"batch{part}.jsonl"
        batch.write_bytes(b"".join(rows))
        assert import_orders(store, batch).counts["rejected"] == 0
        built = build(store, config)
        assert built.unassigned == [] and len(built.created) == 1
        created += built.created
    store.set_state(created[0], SupplierOrderState.NOTIFIED)
    return config_path, config, store


def orders_json(config_path, *args):
    result = CliRunner().invoke(main, ["--config", str(config_path), "orders", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_realistic_chf_eur_pln_rows_list_what_the_notification_states(tmp_path):
    config_path, config, store = realistic(tmp_path)
    listed = orders_json(config_path)
    assert [r["state"] for r in listed] == ["notified", "draft"]
    quoted = set()
    for row in listed:
        so = store.supplier_order(row["id"])
        quoted |= {sl.currency for t in so.transfers for sl in t.lines}
        # the notification's subtotals, exactly, as strings
        assert row["net_values"] == sheet_totals(config, so)
        assert (row["net_value"], row["currency"]) == (
            row["net_values"][0]["amount"], "CHF")  # shipping in CHF: every order in CHF
        assert D(row["net_value"]) == sum(o.subtotal for o in documents.sheet(
            config, config.suppliers["beta"], so).orders)
        bare = sum(sl.purchase_price * sl.line.quantity for t in so.transfers for sl in t.lines)
        assert D(row["net_value"]) != bare.quantize(D("0.01"))  # what the list used to show
    assert quoted == {"CHF", "EUR", "PLN"}
    # filtered by state: the same rows, the same values
    assert orders_json(config_path, "--state", "draft") == listed[1:]
    # the table shows the currency
    result = CliRunner().invoke(main, ["--config", str(config_path), "orders"])
    assert result.exit_code == 0 and f"{listed[0]['net_value']} CHF" in result.output
    store.close()


def test_realistic_without_the_pln_rate_lists_amounts_per_currency(tmp_path):
    config_path, _config, store = realistic(tmp_path)
    text = config_path.read_text().replace('PLN = "4.2750"\n', "")
    config_path.write_text(text)
    _notified, row = orders_json(config_path)
    so = store.supplier_order(row["id"])
    assert row["net_value"] is None and row["currency"] is None
    assert row["missing_rates"] == ["PLN"] and "OX-CHK-054" in row["value_unstated"]
    per_currency: dict[str, D] = {}
    for t in so.transfers:
        for sl in t.lines:
            per_currency[sl.currency] = per_currency.get(sl.currency, D("0")) + sl.net_total
    assert {v["currency"]: D(v["amount"]) for v in row["net_values"]} == per_currency
    result = CliRunner().invoke(main, ["--config", str(config_path), "orders"])
    assert result.exit_code == 0 and "no rate: PLN" in result.output
    store.close()


def test_with_values_reads_only_the_listed_supplier_orders(tmp_path, monkeypatch):
    _config_path, config, store = realistic(tmp_path, n=40)
    asked = []
    real = store.purchase_lines

    def spy(so_ids=None, states=None):
        got = real(so_ids, states)
        asked.append((so_ids, states, sorted(got)))
        return got

    monkeypatch.setattr(store, "purchase_lines", spy)
    draft = [SupplierOrderState.DRAFT]
    [notified_id], [draft_id] = (
        [r["id"] for r in store.list_supplier_orders(states=[s])]
        for s in (SupplierOrderState.NOTIFIED, SupplierOrderState.DRAFT))
    by_state = with_values(store, config, store.list_supplier_orders(states=draft), states=draft)
    assert asked == [(None, draft, [draft_id])]  # the draft's lines, one statement
    by_id = with_values(store, config, store.list_supplier_orders(ids=[draft_id]))
    assert asked[1] == ([draft_id], None, [draft_id])
    every = with_values(store, config, store.list_supplier_orders(), every=True)
    assert asked[2] == (None, None, [notified_id, draft_id])
    assert by_state == by_id == every[1:] and every[1]["currency"] == "CHF"
    # a row that left the listed state between the two reads is read by its id
    asked.clear()
    moved = with_values(store, config, store.list_supplier_orders(states=draft),
                        states=[SupplierOrderState.CONFIRMED])
    assert moved == by_state and asked[1] == ([draft_id], None, [draft_id])
    assert real([]) == {} and real([999]) == {999: []}
    store.close()
