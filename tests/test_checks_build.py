"""Build holds lines back for a supplier's trigger and minimum order value (instead of building
supplier orders that step 1 would then block), and the new supplier settings are validated."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from helpers import sample_order

from orderexchange.build import build
from orderexchange.errors import OXError
from orderexchange.importer import import_orders
from orderexchange.model import CatalogueEntry
from orderexchange.store import Store


@pytest.fixture
def env(tmp_path, make_config):
    def make(**alpha_settings):
        config = make_config(suppliers={"alpha": {"name": "Alpha", "email": "a@example.com",
                                                  **alpha_settings}})
        store = Store(config.store.url)
        store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"))])
        return config, store
    return make


def import_(store, tmp_path, *orders, name="o.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(o) + "\n" for o in orders))
    report = import_orders(store, path)
    assert report.counts["rejected"] == 0, report.as_dict()
    return report


def test_trigger_holds_orders_until_their_status_releases_them(env, tmp_path):
    config, store = env(trigger="paid")
    import_(store, tmp_path, sample_order("1", status="paid"), sample_order("2", status="open"),
            sample_order("3"))
    report = build(store, config)
    assert len(report.created) == 1
    so = store.supplier_order(report.created[0])
    assert [t.customer_order.number for t in so.transfers] == ["1"]
    assert [(e.code, e.facts["order"]) for e in report.waiting] == [
        ("OX-BLD-003", "2"), ("OX-BLD-003", "3")]
    assert "status 'open' does not release it to supplier alpha" in report.waiting[0].message
    # order 2 is paid now: importing it again updates its status; the next build takes it
    import_(store, tmp_path, sample_order("2", status="PAID"), name="again.jsonl")
    second = build(store, config)
    assert [t.customer_order.number for t in
            store.supplier_order(second.created[0]).transfers] == ["2"]
    assert [e.facts["order"] for e in second.waiting] == ["3"]


def test_no_trigger_builds_every_order(env, tmp_path):
    config, store = env()
    import_(store, tmp_path, sample_order("1", status="open"), sample_order("2"))
    report = build(store, config)
    assert report.waiting == [] and len(report.created) == 1


def test_more_customer_orders_than_the_maximum_make_several_supplier_orders(env, tmp_path):
    config, store = env(max_customer_orders=2)
    import_(store, tmp_path, *(sample_order(str(n)) for n in range(1, 6)))
    report = build(store, config)
    numbers = [[t.customer_order.number for t in store.supplier_order(i).transfers]
               for i in report.created]
    assert numbers == [["1", "2"], ["3", "4"], ["5"]]  # in order, none twice, none left
    assert build(store, config).created == []


def test_minimum_order_value_holds_lines_until_reached(env, tmp_path):
    config, store = env(min_order_value="20")
    import_(store, tmp_path, sample_order("1"))  # 2 × 7.20 = 14.40
    report = build(store, config)
    assert report.created == []
    [waiting] = report.waiting
    assert waiting.code == "OX-BLD-004"
    assert waiting.message == ("Supplier alpha: the open lines are worth 14.40 EUR, the minimum "
                               "order value is 20.00 EUR; 1 line(s) wait for the next build.")
    assert [o["status"] for o in store.list_customer_orders()] == ["open"]
    import_(store, tmp_path, sample_order("2"), name="more.jsonl")  # + 14.40 = 28.80
    report = build(store, config)
    assert len(report.created) == 1 and report.waiting == []
    assert len(store.supplier_order(report.created[0]).transfers) == 2


def test_missing_supplier_order_is_coded(env):
    _config, store = env()
    with pytest.raises(OXError) as exc:
        store.supplier_order(999)
    assert exc.value.code == "OX-BLD-002"


# --- settings validation -------------------------------------------------------------------
@pytest.mark.parametrize("settings, key, detail", [
    ({"currencies": ["EUR", "EURO"]}, "suppliers.alpha.currencies", "'EURO' is not an ISO 4217"),
    ({"countries": "Germany"}, "suppliers.alpha.countries", "'Germany' is not an ISO 3166-1"),
    ({"customer_policy": "distributor"}, "suppliers.alpha", "needs distributor_customer_id"),
    ({"customer_policy": "guest"}, "suppliers.alpha", "needs guest_customer_id"),
    ({"customer_policy": "anyone"}, "suppliers.alpha.customer_policy", "'customer'"),
    ({"price_mismatch": "panic"}, "suppliers.alpha.price_mismatch", "'warning'"),
    ({"min_order_value": "-5"}, "suppliers.alpha.min_order_value", "greater than or equal"),
    ({"customer_template": {"columns": {"bad name": 1}}},
     "suppliers.alpha.customer_template.columns", "'bad name' is not a column name"),
    ({"customer_template": {"currency": "xx"}}, "suppliers.alpha.customer_template.currency",
     "ISO 4217"),
])
def test_supplier_settings_are_validated_with_their_key(make_config, settings, key, detail):
    with pytest.raises(OXError) as exc:
        make_config(suppliers={"alpha": {"name": "A", "email": "a@example.com", **settings}})
    assert exc.value.code == "OX-CFG-004"
    assert f"Config key {key} is invalid" in exc.value.message
    assert detail in exc.value.message


def test_supplier_settings_read_well_in_toml(make_config):
    config = make_config(suppliers={"alpha": {
        "name": "A", "email": "a@example.com", "currencies": "eur", "countries": ["de", "AT"],
        "trigger": "Paid", "customer_policy": "guest", "guest_customer_id": 1,
        "customer_template": {"newsletter": False, "group": 2}}})
    alpha = config.supplier("alpha")
    assert (alpha.currencies, alpha.countries, alpha.trigger) == (["EUR"], ["DE", "AT"], ["paid"])
    assert alpha.releases("PAID ") and not alpha.releases("open")
    assert alpha.customer_template.group == 2


def test_unknown_supplier_and_missing_key_are_coded(make_config):
    config = make_config(suppliers={"alpha": {"name": "A", "email": "a@example.com"}})
    with pytest.raises(OXError) as exc:
        config.supplier("beta")
    assert exc.value.code == "OX-CFG-006" and "alpha" in exc.value.solution
    with pytest.raises(OXError) as exc:
        make_config(suppliers={"alpha": {"email": "a@example.com"}})
    assert exc.value.code == "OX-CFG-003" and "suppliers.alpha.name" in exc.value.message
