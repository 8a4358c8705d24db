"""The generic SQL connector: a mapping in TOML, validated on load and against the live schema,
writing into a shop of our own invention (shop_schemas/generic_shop_mysql.sql, mapping in
shop_schemas/generic_shop_connector.toml — the same one docs/connectors/generic_sql.md explains).

Runs on the throwaway MariaDB (strict and lax; InnoDB and MyISAM) through import → build →
Dispatcher.send, and once on SQLite. Expected values are written by hand.
"""

from __future__ import annotations

import copy
import time
import tomllib
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import bernd_order, sample_order, send_at_once
from shopdb import (  # noqa: F401 - prepare and shop_user are fixtures
    connection_lost, connector_of, count, load_schema, prepare, query, root_execute,
    server_sql_mode, shop_section, shop_user,
)

from orderexchange import config as config_mod
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugins import generic_sql

MAPPING = tomllib.loads((Path(__file__).parent.parent / "orderexchange" / "shop_schemas"
                          / "generic_shop_connector.toml")
                        .read_text(encoding="utf-8"))
D = Decimal

ANNA = sample_order("1001")  # known (the shop spells the email with capitals), 2 × A-100
BERND = bernd_order(billing={"street2": None, "state": None})

#: the shop's admin list: visible orders (a 'draft' is still being written)
ADMIN_LIST = ("SELECT order_no, bill_name, status, gross FROM shop_order "
              "WHERE status <> 'draft' ORDER BY order_no")


def mapping(**changes: Any) -> dict[str, Any]:
    m = copy.deepcopy(MAPPING)
    for path, value in changes.items():
        section, _, key = path.partition("__")
        if key:
            m[section][key] = value
        else:
            m[section] = value
    return m


def alpha(db, connector: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    return {"alpha": shop_section(db, connector or mapping(), **overrides)}


@pytest.fixture(params=["InnoDB", "MyISAM"])
def shop(request, mariadb_db):
    load_schema(mariadb_db.url, "generic_shop_mysql.sql", engine=request.param)
    mariadb_db.engine = request.param
    return mariadb_db


def sums(db, order_id: int) -> list[tuple]:
    return [tuple(r.values()) for r in query(
        db, "SELECT `key`, label, amount, pos FROM shop_order_sum WHERE order_id = :o "
            "ORDER BY pos", o=order_id)]


def items(db, order_id: int) -> list[tuple]:
    return [tuple(r.values()) for r in query(
        db, "SELECT product_id, sku, title, qty, unit_net, vat_rate, line_net, line_vat "
            "FROM shop_order_item WHERE order_id = :o ORDER BY id", o=order_id)]


def full_send_and_verify(db, prepare) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    started_ms = time.time_ns() // 1_000_000
    [result] = run.send()
    assert result.error is None, result.as_dict()
    assert (result.state, result.written, result.customers_created) == (S.NOTIFIED, 2, 1)
    transfers = run.transfers()
    assert {n: t.remote_order_id for n, t in transfers.items()} == {"1001": "5001",
                                                                   "1002": "5002"}
    assert query(db, ADMIN_LIST) == [
        {"order_no": 5001, "bill_name": "Anna Schmidt", "status": "new", "gross": D("22.04")},
        {"order_no": 5002, "bill_name": "Bernd Bauer", "status": "new", "gross": D("51.16")}]
    [anna] = query(db, "SELECT * FROM shop_order WHERE order_no = 5001")
    assert (anna["ext_ref"], anna["customer_id"], anna["email"], anna["bill_country_id"],
            anna["ship_country"], anna["currency"], anna["net"], anna["tax"], anna["shipping"],
            anna["internal_note"]) == (transfers["1001"].reference, 1, "anna.schmidt@example.com",
                                       1, "DE", "EUR", D("14.40"), D("2.74"), D("4.90"), "")
    assert items(db, anna["id"]) == [(11, "A-100", "Klauenhammer 450 g", 2, D("7.2000"),
                                      D("19.00"), D("14.40"), D("2.74"))]
    assert sums(db, anna["id"]) == [("net", "Subtotal", D("14.40"), 1),
                                    ("shipping", "Shipping", D("4.90"), 2),
                                    ("tax", "VAT 19 %", D("2.74"), 3),
                                    ("total", "Total", D("22.04"), 4)]

    [bernd_order] = query(db, "SELECT * FROM shop_order WHERE order_no = 5002")
    [customer] = query(db, "SELECT * FROM shop_customer WHERE email = 'bernd.bauer@example.com'")
    assert (bernd_order["customer_id"], bernd_order["bill_name"], bernd_order["bill_company"],
            bernd_order["bill_street"], bernd_order["bill_zip"], bernd_order["bill_city"],
            bernd_order["ship_name"], bernd_order["ship_street"], bernd_order["ship_zip"],
            bernd_order["ship_city"], bernd_order["ship_country"]) == (
        customer["id"], "Bernd Bauer", "Bauer Bau GmbH", "Lindenallee 7", "80331", "München",
        "Clara Bauer", "Seeweg 3", "1010", "Wien", "AT")
    assert items(db, bernd_order["id"]) == [
        (12, "A-200", "Schraubendreher-Satz", 3, D("10.8000"), D("19.00"), D("32.40"),
         D("6.16")),
        (11, "A-100", "Klauenhammer 450 g", 1, D("7.2000"), D("7.00"), D("7.20"), D("0.50"))]
    assert sums(db, bernd_order["id"]) == [("net", "Subtotal", D("39.60"), 1),
                                           ("shipping", "Shipping", D("4.90"), 2),
                                           ("tax", "VAT 19 %", D("6.16"), 3),
                                           ("tax", "VAT 7 %", D("0.50"), 4),
                                           ("total", "Total", D("51.16"), 5)]
    [log] = query(db, "SELECT status, message FROM shop_order_log WHERE order_id = :o",
                  o=bernd_order["id"])
    assert log == {"status": "new", "message": f"[{transfers['1002'].reference}] orderexchange: "
                                               f"customer order 1002 forwarded in supplier "
                                               f"order {run.so_ids[0]}"}
    [address] = query(db, "SELECT * FROM shop_address")
    assert (customer["first_name"], customer["phone"], customer["company"],
            customer["marketing"], customer["notes"], customer["default_address"]) == (
        "Bernd", "+49897654321", "Bauer Bau GmbH", 0, "", address["id"])
    # `ids = "uuid"`: a version 7 UUID made during this send (shop_sql.time_ordered_id), so
    # InnoDB puts the next one next to it instead of on a random page of a years-old table
    made = uuid.UUID(address["id"])
    assert (str(made), made.version) == (address["id"], 7)
    assert started_ms <= int(made.hex[:12], 16) <= time.time_ns() // 1_000_000
    assert (address["customer_id"], address["name"], address["street"], address["house_no"],
            address["zip"], address["city"], address["country_id"]) == (
        customer["id"], "Bernd Bauer", "Lindenallee", "7", "80331", "München", 1)
    assert query(db, "SELECT value FROM shop_counter") == [{"value": 5002}]


# === the mapping is checked when the config is loaded ======================================
@pytest.mark.parametrize("change, key, detail", [
    ({"order__columns": {"x": "{line.sku}"}}, "suppliers.alpha.connector.order",
     "columns.x: {line.sku} is not a placeholder of [order]"),
    ({"lines__columns": {"sku": "{line.sku}"}}, "suppliers.alpha.connector.lines",
     'columns must link each line to its order: a column = "{order.id}"'),
    ({"address__ids": "counter"}, "suppliers.alpha.connector.address",
     'ids = "counter" needs a counter'),
    ({"order__colums": {}}, "suppliers.alpha.connector.order.colums", "Extra inputs"),
    ({"products": None}, "suppliers.alpha.connector",
     "lines use {line.product_id}: add [products]"),
])
def test_mapping_mistakes_are_reported_by_key_path(make_config, mariadb_db, change, key,
                                                   detail):
    config = make_config(suppliers=alpha(mariadb_db, mapping(**change)))
    with pytest.raises(OXError) as err:
        connector_of(config)
    assert err.value.code == "OX-CFG-004"
    assert err.value.facts["key"] == key
    assert detail in err.value.message


# === full send ================================================================================
def test_full_send_known_and_new_customer_strict(shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(shop)
    full_send_and_verify(shop, prepare)


def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    load_schema(mariadb_nonstrict_db.url, "generic_shop_mysql.sql", engine="MyISAM")
    full_send_and_verify(mariadb_nonstrict_db, prepare)


def test_taxed_shipping_at_another_rate_is_its_own_tax_row(shop, prepare):
    """`shipping_tax_rate = "7"` with Anna's 19 % lines: the shipping's VAT 4.90 × 7 % = 0.34 is
    a "VAT 7 %" row of its own and in {order.tax}; 14.40 + 4.90 + 2.74 + 0.34 = 22.38. The
    mapping may also write the shipping's own figures ({order.shipping_…})."""
    note = ("shipping {order.shipping_gross} incl. {order.shipping_tax} VAT at "
            "{order.shipping_tax_rate} %")
    connector = mapping(order__columns={**MAPPING["order"]["columns"], "internal_note": note})
    run = prepare(alpha(shop, connector, shipping_tax_rate="7"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert query(shop, ADMIN_LIST) == [
        {"order_no": 5001, "bill_name": "Anna Schmidt", "status": "new", "gross": D("22.38")}]
    [anna] = query(shop, "SELECT * FROM shop_order WHERE order_no = 5001")
    assert (anna["net"], anna["tax"], anna["shipping"], anna["internal_note"]) == (
        D("14.40"), D("3.08"), D("4.90"), "shipping 5.24 incl. 0.34 VAT at 7 %")
    assert sums(shop, anna["id"]) == [("net", "Subtotal", D("14.40"), 1),
                                      ("shipping", "Shipping", D("4.90"), 2),
                                      ("tax", "VAT 19 %", D("2.74"), 3),
                                      ("tax", "VAT 7 %", D("0.34"), 4),
                                      ("total", "Total", D("22.38"), 5)]


def test_guest_and_blind_drop_ship(shop, prepare):
    run = prepare(alpha(shop, customer_policy="guest", guest_customer_id=1), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = query(shop, "SELECT customer_id, email, bill_name FROM shop_order")
    assert row == {"customer_id": 1, "email": "bernd.bauer@example.com",
                   "bill_name": "Bernd Bauer"}

    run = prepare(alpha(shop, customer_policy="distributor", distributor_customer_id=2),
                  [sample_order("1003", email="eva@example.com", first="Eva", last="Ende")])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [row] = query(shop, "SELECT * FROM shop_order WHERE order_no = 5002")
    assert (row["customer_id"], row["email"], row["bill_name"], row["bill_company"],
            row["ship_name"]) == (2, "orders@acme.example", "ACME Distribution",
                                  "ACME Distribution GmbH", "Eva Ende")
    assert not any("eva@" in str(v) for v in row.values())
    assert count(shop, "shop_customer") == 2


# === no transactions =========================================================================
lost_connection = connection_lost("INSERT INTO shop_order_sum …")


def test_crash_mid_write_then_retry(shop, prepare, monkeypatch):
    run = prepare(alpha(shop), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(generic_sql.GenericSqlConnector, "_total_rows", lost_connection)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-002"
    assert query(shop, ADMIN_LIST) == []
    if shop.engine == "MyISAM":
        [half] = query(shop, "SELECT id, order_no, status FROM shop_order")
        assert (half["order_no"], half["status"]) == (5001, "draft")
        assert count(shop, "shop_order_item") == 2
    else:
        assert count(shop, "shop_order") == 0 and count(shop, "shop_customer") == 2
    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [row] = query(shop, "SELECT id, order_no, status FROM shop_order")
    assert (row["order_no"], row["status"]) == (5001, "new")
    if shop.engine == "MyISAM":
        assert row["id"] == half["id"]
    assert count(shop, "shop_order_item") == 2 and count(shop, "shop_order_sum") == 5
    assert count(shop, "shop_order_log") == 1
    assert count(shop, "shop_customer", "email = 'bernd.bauer@example.com'") == 1


def test_myisam_without_a_hidden_status_is_refused(mariadb_db, prepare):
    load_schema(mariadb_db.url, "generic_shop_mysql.sql", engine="MyISAM")
    m = mapping()
    del m["order"]["status_hidden"]
    run = prepare(alpha(mariadb_db, m), [ANNA])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["mapping"].ok
    assert ("shop_order has no transactions (MyISAM): set order.status_hidden"
            in stage["mapping"].detail)
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert [f.code for f in result.findings] == ["OX-DB-013"]
    assert count(mariadb_db, "shop_order") == 0


def test_a_value_that_does_not_fit_its_column_type_is_reported(shop, prepare):
    m = mapping()
    m["order"]["columns"]["bill_country_id"] = "{billing.country}"  # 'DE' into an int column
    report = prepare(alpha(shop, m), [ANNA]).connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["mapping"].ok
    assert "shop_order.bill_country_id is int, but '{billing.country}' gives text" in \
        stage["mapping"].detail


# === concurrency =============================================================================
def test_two_concurrent_sends_get_distinct_order_numbers(shop, prepare):
    runs = [prepare(alpha(shop), [sample_order(f"{b + i}", email=f"k{b + i}@example.com",
                                               first="K", last=str(b + i)) for i in range(3)])
            for b in (2000, 3000)]
    results = send_at_once(*runs)
    assert all(results[i][0].state == S.NOTIFIED for i in range(2)), results
    assert [r["order_no"] for r in query(shop, ADMIN_LIST)] == list(range(5001, 5007))
    assert count(shop, "shop_customer") == 2 + 6


# === read-back and cancel ====================================================================
def test_read_back_and_cancel(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    root_execute(shop, "UPDATE shop_order SET status = 'shipped', tracking = 'JJD000390007', "
                       "shipped_at = '2026-03-02 10:00:00' WHERE order_no = 5001")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
        anna = status[transfers["1001"].reference]
        assert (anna.order_id, anna.status, anna.status_id, anna.progressed,
                anna.tracking_number, anna.shipped_at) == (
            "5001", "Shipped", "shipped", True, "JJD000390007", "2026-03-02 10:00:00")
        assert status[transfers["1002"].reference].status == "New"
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])
        after = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004"
    assert "moved shop order 5001 on to Shipped" in refused.value.message
    assert after[transfers["1002"].reference].cancelled
    assert [r["status"] for r in query(shop, "SELECT status FROM shop_order_log "
                                             "ORDER BY id")] == ["new", "new", "cancelled"]


# === test db ==================================================================================
def test_self_test_on_the_example_shop(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    details = {s.name: s.detail for s in report.stages}
    assert details["schema variant"] == ("generic SQL mapping over 6 tables: shop_address, "
                                         "shop_customer, shop_order, shop_order_item, "
                                         "shop_order_log, shop_order_sum")
    assert details["mapping"] == (
        "fits the live schema: shop_order: internal_note not mapped (NOT NULL without default: "
        "filled with '' / 0 / the write's time); shop_customer: notes not mapped (NOT NULL "
        "without default: filled with '' / 0 / the write's time)")
    assert details["reference data"].startswith("new orders get status = 'new'")
    # match = "lower" on a _ci column with an index: email IN (…) through it (test db says so)
    assert details["customers"] == ("customers of shop_customer are matched by `email` through "
                                    "its index; new ones are created")
    assert details["trial write"].startswith("sample order for A-100 written as order 5001")
    for table in ("shop_order", "shop_order_item", "shop_order_sum", "shop_order_log",
                  "shop_address"):
        assert count(shop, table) == 0, table
    assert count(shop, "shop_customer") == 2
    # the trial took no order number, not even where the counter cannot roll back (MyISAM)
    assert query(shop, "SELECT value FROM shop_counter") == [{"value": 5000}]


def test_least_privilege_user(shop, prepare, shop_user):
    grants = {t: "SELECT, INSERT" for t in ("shop_order_item", "shop_order_sum",
                                            "shop_order_log", "shop_address")}
    grants.update({"shop_product": "SELECT", "shop_country": "SELECT",
                   "shop_order": "SELECT, INSERT", "shop_customer": "SELECT, INSERT, UPDATE",
                   "shop_counter": "SELECT, UPDATE"})
    user = shop_user(shop, grants)
    run = prepare({"alpha": user.section(mapping())}, [BERND])
    with run.connector() as connector:
        fixes = connector.grant_fixes()
    db, name = shop.database, user.name
    expected = [f"GRANT INSERT ON `{db}`.`shop_counter` TO '{name}'@'%';",
                f"GRANT UPDATE ON `{db}`.`shop_order` TO '{name}'@'%';"]
    if shop.engine == "MyISAM":
        expected = [f"GRANT DELETE ON `{db}`.`shop_address` TO '{name}'@'%';",
                    expected[0],
                    f"GRANT DELETE ON `{db}`.`shop_customer` TO '{name}'@'%';",
                    f"GRANT DELETE, UPDATE ON `{db}`.`shop_order` TO '{name}'@'%';",
                    f"GRANT DELETE ON `{db}`.`shop_order_item` TO '{name}'@'%';",
                    f"GRANT DELETE ON `{db}`.`shop_order_log` TO '{name}'@'%';",
                    f"GRANT DELETE ON `{db}`.`shop_order_sum` TO '{name}'@'%';"]
    assert fixes == expected
    assert not run.connector().self_test().ok
    root_execute(shop, *fixes)
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()


# === the same connector on SQLite =============================================================
def test_a_minimal_mapping_on_sqlite(tmp_path, prepare):
    shop_file = tmp_path / "shop.sqlite"
    engine = sa.create_engine(f"sqlite:///{shop_file}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE orders (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, "
                             "who TEXT NOT NULL, total NUMERIC NOT NULL, note TEXT NOT NULL)")
        conn.exec_driver_sql("CREATE TABLE items (id TEXT PRIMARY KEY, order_id INTEGER NOT "
                             "NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL)")
    engine.dispose()
    connector = {"type": "generic_sql",
                 "order": {"table": "orders", "id": "id", "reference_column": "ref",
                           "columns": {"who": "{customer.name} <{customer.email}>",
                                       "total": "{order.total}"}},
                 "lines": {"table": "items", "id": "id", "ids": "uuid_hex",
                           "columns": {"order_id": "{order.id}", "sku": "{line.sku}",
                                       "qty": "{line.quantity}"}}}
    section = {"name": "Tiny", "email": "t@example.com", "shipping_cost": "4.90",
               "customer_policy": "guest", "guest_customer_id": 0,
               "database": {"url": f"sqlite:///{shop_file}"}, "connector": connector}
    run = prepare({"alpha": section}, [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    engine = sa.create_engine(f"sqlite:///{shop_file}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql("SELECT ref, who, total, note FROM orders")]
        [(line_id, *line)] = conn.exec_driver_sql("SELECT id, order_id, sku, qty FROM items")
    engine.dispose()
    lines = [tuple(line)]
    # `ids = "uuid_hex"`: 32 hex characters of a version 7 UUID (shop_sql.time_ordered_id)
    assert len(line_id) == 32 and uuid.UUID(line_id).version == 7, line_id
    reference = run.transfers()["1001"].reference
    assert rows == [(reference, "Anna Schmidt <anna.schmidt@example.com>", 22.04, "")]
    assert lines == [(1, "A-100", 2)]
    [again] = run.send()  # nothing left to do, nothing written twice
    assert again.skipped == "already notified"
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert {s.name: s.detail for s in report.stages}["grants"] == "not applicable (SQLite)"


def test_settings_are_validated_on_config_load(tmp_path, mariadb_db):
    raw = {"distributor": {"id": "acme", "name": "ACME", "email": "o@acme.example"},
           "store": {"url": f"sqlite:///{tmp_path / 's.sqlite'}"},
           "suppliers": alpha(mariadb_db)}
    config = config_mod.from_dict(raw, tmp_path / "config.toml")
    connector = connector_of(config)
    assert isinstance(connector, generic_sql.GenericSqlConnector)
    assert connector.settings.order.number_counter.key == "order"


# === when the trial write itself fails ========================================================
@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_a_trial_write_failing_midway_is_ox_db_008_and_leaves_nothing(mariadb_db, prepare,
                                                                      engine):
    load_schema(mariadb_db.url, "generic_shop_mysql.sql", engine=engine)
    # the shop allows at most two total rows per order: the trial's third one fails, after the
    # customer, address, order and items were written (on MyISAM: for real)
    root_execute(mariadb_db, "ALTER TABLE shop_order_sum ADD CONSTRAINT two_rows CHECK (pos <= 2)")
    report = prepare(alpha(mariadb_db), [ANNA]).connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not report.ok and not stage["trial write"].ok
    assert stage["trial write"].detail.startswith(
        "OX-DB-008: Supplier alpha: the trial write of a sample order failed: Supplier alpha: "
        "the shop database failed:")
    assert "two_rows" in stage["trial write"].detail
    assert "OX-DB-011" not in stage["trial write"].detail  # … and nothing stayed behind
    for table in ("shop_order", "shop_order_item", "shop_order_sum", "shop_address"):
        assert count(mariadb_db, table) == 0, table
    assert count(mariadb_db, "shop_customer") == 2


def test_rows_the_trial_cannot_remove_are_named_ox_db_011(mariadb_db, prepare):
    load_schema(mariadb_db.url, "generic_shop_mysql.sql", engine="MyISAM")
    # an audit trigger of the shop forbids deleting log rows
    root_execute(mariadb_db, "CREATE TRIGGER keep_log BEFORE DELETE ON shop_order_log FOR EACH "
                             "ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'log is append-only'")
    report = prepare(alpha(mariadb_db), [ANNA]).connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not stage["trial write"].ok
    detail = stage["trial write"].detail
    assert detail.startswith("OX-DB-011: Supplier alpha: the trial write could not remove "
                             "shop_order_log.id = 1 (")
    assert "log is append-only" in detail
    assert count(mariadb_db, "shop_order") == 0  # everything else was removed
    assert count(mariadb_db, "shop_order_log") == 1


def test_cancel_and_read_back_need_a_status_column_ox_wrt_003(mariadb_db, prepare):
    load_schema(mariadb_db.url, "generic_shop_mysql.sql", engine="InnoDB")
    m = mapping()
    for key in ("status_column", "status_new", "status_hidden", "status_cancelled"):
        m["order"].pop(key)
    m["order"]["cancellable"] = []
    run = prepare(alpha(mariadb_db, m), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    [transfer] = run.transfers().values()
    with run.connector() as connector:
        with pytest.raises(OXError) as cancel:
            connector.cancel(transfer)
        with pytest.raises(OXError) as back:
            connector.read_back([transfer])
    assert (cancel.value.code, back.value.code) == ("OX-WRT-003", "OX-WRT-003")
    assert cancel.value.message == "Supplier alpha: connector generic_sql cannot cancel orders."
    assert back.value.message == "Supplier alpha: connector generic_sql cannot read back orders."


def test_the_worked_example_in_the_docs_is_the_tested_mapping(tmp_path, monkeypatch):
    page = (Path(__file__).parents[1] / "docs" / "connectors" / "generic_sql.md").read_text(
        encoding="utf-8")
    [example] = [block for block in page.split("```toml\n")[1:]
                 if "[suppliers.gamma]" in block]
    raw = tomllib.loads(example.split("```")[0])
    assert raw["suppliers"]["gamma"]["connector"] == MAPPING
    monkeypatch.setenv("GAMMA_SHOP_PASSWORD", "secret")
    config = config_mod.from_dict({"distributor": {"id": "acme", "name": "ACME",
                                                   "email": "o@acme.example"}, **raw},
                                  tmp_path / "config.toml")
    connector = connector_of(config, "gamma")
    assert connector.settings.totals.rows["tax"] == "VAT {rate} %"


def test_render_parses_each_template_once_and_keeps_types_and_braces() -> None:
    """`render` caches a template's parse (it runs for every column of every row of a chunk):
    the same template with other values gives their text, a lone placeholder keeps its type,
    doubled braces stay literal braces."""
    from datetime import datetime

    from plugins.generic_sql import render
    template = "{{ref}} [{order.reference}] {order.total} at {now}"
    first = render(template, {"order.reference": "A-1", "order.total": Decimal("1.50"),
                              "now": datetime(2026, 1, 2, 3, 4, 5)})
    second = render(template, {"order.reference": "B-2", "order.total": None, "now": None})
    assert first == "{ref} [A-1] 1.50 at 2026-01-02 03:04:05"
    assert second == "{ref} [B-2]  at "
    assert render("{order.total}", {"order.total": Decimal("2.00")}) == Decimal("2.00")
    assert render("plain", {}) == "plain" and render(1.5, {}) == Decimal("1.5")


def test_a_chunks_queued_rows_go_in_resolved_and_stay_as_they_were_queued(tmp_path, mariadb_db):
    """`_flush` puts the id of a queued order into the rows naming it as they are inserted
    (their fitted copies): the rows queued keep their PendingId, and no row of the caller's is
    copied first."""
    from datetime import datetime

    from orderexchange.plugins.shop_sql import PendingId, _Batch
    load_schema(mariadb_db.url, "generic_shop_mysql.sql", engine="InnoDB")
    raw = {"distributor": {"id": "acme", "name": "ACME", "email": "o@acme.example"},
           "store": {"url": f"sqlite:///{tmp_path / 's.sqlite'}"},
           "suppliers": alpha(mariadb_db)}
    connector = connector_of(config_mod.from_dict(raw, tmp_path / "config.toml"))
    connector.open()
    try:
        now = datetime(2026, 12, 7, 2, 0, 0)
        batch = _Batch(now, 2)

        def chunk() -> list[dict[str, Any]]:
            connector._batch = batch
            try:
                logs = []
                for n in (1, 2):
                    order = connector.queue("shop_order", {
                        "order_no": 7000 + n, "ext_ref": f"OX-FLUSH-{n}", "status": "new",
                        "customer_id": 1, "email": "a@example.com", "currency": "EUR"},
                        key="id", now=now, drop_unknown=False)
                    assert isinstance(order, PendingId)
                    logs.append({"order_id": order, "status": "new", "message": f"m{n}",
                                 "created_at": now})
                # the children first: the flush puts the parents in before them
                for log in reversed(logs):
                    connector.queue("shop_order_log", log, key="id", now=now,
                                    drop_unknown=False)
                connector._flush(batch)
                return logs
            finally:
                connector._batch = None

        logs = connector.in_transaction(chunk)
    finally:
        connector.close()
    assert all(type(log["order_id"]) is PendingId for log in logs)
    ids = {r["ext_ref"]: r["id"] for r in query(mariadb_db, "SELECT id, ext_ref FROM shop_order")
           if r["ext_ref"].startswith("OX-FLUSH")}
    assert [log["order_id"].value for log in logs] == [ids["OX-FLUSH-1"], ids["OX-FLUSH-2"]]
    assert {(r["order_id"], r["message"]) for r in query(
        mariadb_db, "SELECT order_id, message FROM shop_order_log")} == {
        (ids["OX-FLUSH-1"], "m1"), (ids["OX-FLUSH-2"], "m2")}
