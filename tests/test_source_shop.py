"""Order source `shop`: new orders read from the distributor's own osCommerce database (MariaDB)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from orderexchange.cli import main
from orderexchange.errors import OXError
from orderexchange.plugin_host import PluginHost
from orderexchange.sources import fetch
from orderexchange.store import Store

HAMMER = ("A-100", "Claw hammer 450 g", "9.90", 2, "19")
SCREWS = ("A-200", "Screwdriver set, 6 pieces", "14.50", 1, "19")


def add_shop_order(url, orders_id, status=1, email="eva.berg@example.com", name="Eva Berg",
                   country="Germany", lines=(HAMMER,), shipping="4.90", days_ago=1,
                   customers_id=0, total=None, currency=("EUR", "1")):
    """One order as the shop's checkout writes it: order row, products, total rows."""
    engine = sa.create_engine(url)
    placed = (datetime.now() - timedelta(days=days_ago)).replace(microsecond=0)
    addr = {f"{kind}_{k}": v for kind in ("customers", "delivery", "billing") for k, v in {
        "name": name, "company": "", "street_address": "Lindenweg 4", "suburb": "",
        "city": "Hamburg", "postcode": "20095", "state": "", "country": country,
        "address_format_id": 5}.items()}
    addr.pop("customers_name")
    subtotal = sum(Decimal(p) * q for _m, _n, p, q, _t in lines)
    tax = sum(Decimal(p) * q * Decimal(t) / 100 for _m, _n, p, q, t in lines)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO orders (orders_id, customers_id, customers_name, customers_telephone, "
            "customers_email_address, payment_method, date_purchased, orders_status, currency, "
            "currency_value, " + ", ".join(addr) + ") VALUES (:id, :cid, :name, '040 123456', "
            ":email, 'Invoice', :placed, :status, :currency, :rate, "
            + ", ".join(f":{k}" for k in addr) + ")"),
            dict(addr, id=orders_id, cid=customers_id, name=name, email=email, placed=placed,
                 status=status, currency=currency[0], rate=currency[1]))
        for model, pname, price, qty, rate in lines:
            conn.execute(sa.text(
                "INSERT INTO orders_products (orders_id, products_id, products_model, "
                "products_name, products_price, final_price, products_tax, products_quantity) "
                "VALUES (:id, 1, :model, :name, :price, :price, :rate, :qty)"),
                {"id": orders_id, "model": model, "name": pname, "price": price, "rate": rate,
                 "qty": qty})
        grand = total if total is not None else subtotal + Decimal(shipping) + tax
        for cls, value, sort in (("ot_subtotal", subtotal, 1), ("ot_shipping", shipping, 2),
                                 ("ot_tax", tax, 3), ("ot_total", grand, 4)):
            conn.execute(sa.text(
                "INSERT INTO orders_total (orders_id, title, text, value, class, sort_order) "
                "VALUES (:id, :cls, :text, :value, :cls, :sort)"),
                {"id": orders_id, "cls": cls, "text": f"{Decimal(value):.2f} EUR",
                 "value": value, "sort": sort})
    engine.dispose()


def shop_rows(url, sql, **params):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def source_section(db, **settings):
    section = {"type": "shop", "statuses": [1], "database": {
        "url": f"mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}",
        "password": db.password}}
    section.update(settings)
    return section


def run_fetch(config, store=None):
    store = store or Store(config.store.url)
    (report,) = fetch(store, config, PluginHost().order_sources())
    return report


def stored(report):
    return [n for r in report.reports for n in r.stored]


def test_new_orders_are_imported_once_with_customer_addresses_and_lines(oscommerce_shop,
                                                                        make_config):
    url = oscommerce_shop.url
    add_shop_order(url, 1, lines=(HAMMER, SCREWS))
    add_shop_order(url, 2, email="anna.schmidt@example.com", name="Anna Schmidt", customers_id=1,
                   country="Austria")
    config = make_config(sources={"webshop": source_section(oscommerce_shop)})
    store = Store(config.store.url)
    first = run_fetch(config, store)
    assert stored(first) == ["1", "2"] and not first.reports[0].errors
    again = run_fetch(config, store)
    assert again.reports == []  # nothing new, nothing stored twice
    assert sorted(o["number"] for o in store.list_customer_orders()) == ["1", "2"]
    orders = store.customer_orders(o["id"] for o in store.list_customer_orders())
    one = next(o for o in orders.values() if o.number == "1")
    assert one.customer.email == "eva.berg@example.com"
    assert (one.customer.first_name, one.customer.last_name) == ("Eva", "Berg")
    assert one.delivery.country == "DE" and one.billing.city == "Hamburg"
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.tax_rate) for ln in one.lines] == [
        ("A-100", 2, Decimal("9.90"), Decimal("19")), ("A-200", 1, Decimal("14.50"), Decimal("19"))]
    assert one.currency == "EUR" and one.shipping == Decimal("4.90")
    assert one.shop_status == "Pending"
    two = next(o for o in orders.values() if o.number == "2")
    assert two.customer.number == "1" and two.delivery.country == "AT"


def test_only_the_configured_statuses_are_taken(oscommerce_shop, make_config):
    add_shop_order(oscommerce_shop.url, 1, status=1)
    add_shop_order(oscommerce_shop.url, 2, status=2)
    add_shop_order(oscommerce_shop.url, 3, status=3)
    config = make_config(sources={"webshop": source_section(oscommerce_shop, statuses=[2, 3],
                                                            number_prefix="WEB-")})
    assert stored(run_fetch(config)) == ["WEB-2", "WEB-3"]


def test_the_bookmark_survives_a_new_store_and_process(oscommerce_shop, make_config):
    url = oscommerce_shop.url
    add_shop_order(url, 1)
    add_shop_order(url, 2, status=2)  # not (yet) ready
    add_shop_order(url, 3)
    config = make_config(sources={"webshop": source_section(oscommerce_shop, lookback_days=2)})
    store = Store(config.store.url)
    assert stored(run_fetch(config, store)) == ["1", "3"]
    store.close()
    # an order that reached the status late, placed long ago: below the bookmark, not read again
    add_shop_order(url, 4, days_ago=1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET orders_status = 1, date_purchased = :old "
                             "WHERE orders_id = 2"), {"old": datetime.now() - timedelta(days=30)})
    engine.dispose()
    fresh = Store(config.store.url)  # another process: only the state store remembers
    source = PluginHost().order_sources()["shop"]
    report = run_fetch(config, fresh)
    assert stored(report) == ["4"]
    assert [r.path for r in report.reports] == ["webshop orders 4-4"]
    from orderexchange.sources import make_source
    bookmark = make_source({"shop": source}, "webshop", config.sources["webshop"],
                           config).bookmark(fresh)
    assert bookmark == {"last_id": 4, "waiting": []}
    # within the look-back window an order that turned ready late is still taken
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET date_purchased = :recent WHERE orders_id = 2"),
                     {"recent": datetime.now() - timedelta(days=1)})
    engine.dispose()
    assert stored(run_fetch(config, Store(config.store.url))) == ["2"]


def test_mark_status_sets_the_shop_status_and_adds_history_once(oscommerce_shop, make_config):
    url = oscommerce_shop.url
    add_shop_order(url, 1)
    add_shop_order(url, 2, country="Atlantis")  # refused: not marked
    config = make_config(sources={"webshop": source_section(oscommerce_shop, mark_status=2)})
    assert stored(run_fetch(config)) == ["1"]
    assert shop_rows(url, "SELECT orders_id, orders_status FROM orders ORDER BY orders_id") == \
        [(1, 2), (2, 1)]
    history = "SELECT orders_id, orders_status_id, comments FROM orders_status_history"
    assert shop_rows(url, history) == [(1, 2, "forwarded to suppliers")]
    run_fetch(config)
    assert len(shop_rows(url, history)) == 1


def test_without_mark_status_the_shop_is_left_alone(oscommerce_shop, make_config):
    add_shop_order(oscommerce_shop.url, 1)
    config = make_config(sources={"webshop": source_section(oscommerce_shop)})
    assert stored(run_fetch(config)) == ["1"]
    assert shop_rows(oscommerce_shop.url, "SELECT orders_status FROM orders") == [(1,)]
    assert shop_rows(oscommerce_shop.url, "SELECT COUNT(*) FROM orders_status_history") == [(0,)]


def test_bad_rows_are_reported_with_their_code_and_taken_once_fixed(oscommerce_shop, make_config):
    url = oscommerce_shop.url
    add_shop_order(url, 1, country="Atlantis")
    add_shop_order(url, 2, email="")
    add_shop_order(url, 3)
    add_shop_order(url, 4, total=Decimal("99.99"))  # the shop's total does not add up
    config = make_config(sources={"webshop": source_section(oscommerce_shop)})
    store = Store(config.store.url)
    report = run_fetch(config, store)
    (batch,) = report.reports
    assert batch.stored == ["3"] and sorted(batch.rejected_orders) == ["1", "2", "4"]
    issues = {(i["order"], i["code"]): i["message"] for i in batch.issues()}
    assert ".country" in issues[("1", "OX-IMP-006")] and "ATLANTIS" in issues[("1", "OX-IMP-006")]
    assert "customer.email" in issues[("2", "OX-IMP-004")]
    assert ("4", "OX-CHK-014") in issues
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET customers_country = 'Germany', "
                             "delivery_country = 'Germany', billing_country = 'Germany' "
                             "WHERE orders_id = 1"))
    engine.dispose()
    retried = run_fetch(config, store)
    assert stored(retried) == ["1"]  # fixed in the shop: taken; the others still wait
    assert sorted(n for r in retried.reports for n in r.rejected_orders) == ["2", "4"]


def test_connection_errors_are_coded(oscommerce_shop, make_config, dead_port):
    db = oscommerce_shop
    wrong = source_section(db)
    wrong["database"]["password"] = "not-the-password"
    with pytest.raises(OXError) as exc:
        run_fetch(make_config(sources={"webshop": wrong}))
    assert exc.value.code == "OX-SRC-001" and "not-the-password" not in str(exc.value)
    assert "[sources.webshop.database]" in exc.value.solution
    away = source_section(db)
    away["database"] = {"url": f"mysql+pymysql://{db.user}@127.0.0.1:{dead_port}/{db.database}",
                        "password": db.password, "connect_timeout": 2}
    with pytest.raises(OXError) as exc:
        run_fetch(make_config(sources={"webshop": away}))
    assert exc.value.code == "OX-SRC-002" and exc.value.transient
    with pytest.raises(OXError) as exc:
        run_fetch(make_config(sources={"webshop": source_section(db, table_prefix="osc_")}))
    assert exc.value.code == "OX-SRC-003" and "osc_" in exc.value.message


def test_settings_are_checked(oscommerce_shop, make_config):
    config = make_config(sources={"webshop": source_section(oscommerce_shop, statuses=[1],
                                                            mark_status=1)})
    with pytest.raises(OXError) as exc:
        run_fetch(config)
    assert exc.value.code == "OX-CFG-004" and "mark_status" in exc.value.message


def test_fetch_command_reads_the_shop(oscommerce_shop, tmp_path):
    db = oscommerce_shop
    add_shop_order(db.url, 7)
    add_shop_order(db.url, 8, country="Atlantis")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[distributor]\nid = "acme"\nname = "ACME"\nemail = "orders@acme.example"\n'
                   f'[store]\nurl = "sqlite:///{tmp_path / "s.sqlite"}"\n'
                   '[sources.webshop]\ntype = "shop"\nstatuses = [1]\nmark_status = 2\n'
                   '[sources.webshop.database]\n'
                   f'url = "mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}"\n'
                   'password = "${SHOP_DB_PASSWORD}"\n')
    env = {"SHOP_DB_PASSWORD": db.password}
    result = CliRunner().invoke(main, ["--config", str(cfg), "fetch", "webshop", "--json"],
                                env=env)
    assert result.exit_code == 1, result.output  # one order refused
    (report,) = json.loads(result.stdout)
    (batch,) = report["files"]
    assert batch["stored"] == ["7"] and batch["rejected"] == ["8"]
    assert batch["errors"][0]["code"] == "OX-IMP-006"
    table = CliRunner().invoke(main, ["--config", str(cfg), "fetch"], env=env)
    assert "webshop orders 8-8" in table.output and "OX-IMP-006" in table.output
    assert db.password not in table.output


def test_an_order_still_being_written_is_left_until_it_settled(oscommerce_shop, make_config):
    """The osCommerce checkout writes order, totals and products without a transaction."""
    add_shop_order(oscommerce_shop.url, 1, days_ago=0)
    waiting = make_config(sources={"webshop": source_section(oscommerce_shop)})
    assert stored(run_fetch(waiting)) == []
    settled = make_config(sources={"webshop": source_section(oscommerce_shop, settle_seconds=0)})
    assert stored(run_fetch(settled)) == ["1"]


def test_a_crash_before_the_bookmark_moved_heals_without_a_duplicate(oscommerce_shop,
                                                                     make_config):
    """Stored in the state store, but the process died before the shop was marked and the
    bookmark saved: the next fetch reads the orders again, stores none twice, marks them."""
    from orderexchange.sources import make_source

    url = oscommerce_shop.url
    add_shop_order(url, 1)
    add_shop_order(url, 2)
    config = make_config(sources={"webshop": source_section(oscommerce_shop, lookback_days=0)})
    store = Store(config.store.url)
    assert stored(run_fetch(config, store)) == ["1", "2"]
    source = make_source(PluginHost().order_sources(), "webshop", config.sources["webshop"],
                         config)
    store.set_setting(source._last_key, "0")  # the bookmark as it was before the crash
    marking = make_config(sources={"webshop": source_section(oscommerce_shop, lookback_days=0,
                                                             mark_status=2)})
    assert run_fetch(marking, store).reports == []  # nothing new to report
    assert sorted(o["number"] for o in store.list_customer_orders()) == ["1", "2"]
    assert shop_rows(url, "SELECT orders_status FROM orders") == [(2,), (2,)]
    assert source.bookmark(store)["last_id"] == 2


def test_the_daemon_forwards_orders_from_the_shop_without_anyone_importing(
        oscommerce_shop, tmp_path, demo_licence_code):
    """Issue 8: the daemon's fetch job takes the shop's new orders, build and send follow."""
    from orderexchange import config as config_mod
    from orderexchange.demo import write_workspace

    db = oscommerce_shop
    add_shop_order(db.url, 41, lines=(("HAMMER-450", "Claw hammer", "12.90", 2, "19"),
                                      ("RAKE", "Leaf rake", "11.90", 1, "19")))
    cfg = write_workspace(tmp_path / "ws")
    cfg.write_text(cfg.read_text() + (
        '\n[sources.webshop]\ntype = "shop"\nstatuses = [1]\nmark_status = 2\n'
        '[sources.webshop.database]\n'
        f'url = "mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}"\n'
        f'password = "{db.password}"\n'))
    runner = CliRunner()
    runner.invoke(main, ["--config", str(cfg), "catalogue", "import",
                         str(cfg.parent / "catalogue.csv")])
    assert runner.invoke(main, ["--config", str(cfg), "activate", demo_licence_code]).exit_code == 0
    result = runner.invoke(main, ["--config", str(cfg), "daemon", "--once"])
    assert result.exit_code == 0, result.output
    store = Store(config_mod.load(cfg).store.url)
    assert [o["number"] for o in store.list_customer_orders()] == ["41"]
    assert sorted(r["state"] for r in store.list_supplier_orders()) == ["notified", "notified"]
    assert shop_rows(db.url, "SELECT orders_status FROM orders") == [(2,)]


def test_prices_of_an_order_in_another_currency_are_converted(oscommerce_shop, make_config):
    """The shop keeps prices in its default currency and the order's rate beside them."""
    add_shop_order(oscommerce_shop.url, 1, currency=("USD", "1.08"))
    config = make_config(sources={"webshop": source_section(oscommerce_shop)})
    store = Store(config.store.url)
    assert stored(run_fetch(config, store)) == ["1"]
    (order,) = store.customer_orders(o["id"] for o in store.list_customer_orders()).values()
    assert order.currency == "USD"
    assert order.lines[0].unit_price == Decimal("10.692")  # 9.90 x 1.08
    assert order.shipping == Decimal("5.29")
