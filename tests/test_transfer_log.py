"""The transfer log through the CLI: log, suppliers, confirm, purge, retry, sync-status, show.

Runs on the demo workspace (two SQLite osCommerce shops), so every command goes through the real
store and the real connector.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from orderexchange.actions.records import parse_when
from orderexchange.cli import main
from orderexchange.demo import write_workspace
from orderexchange.errors import OXError
from orderexchange.store import Store, supplier_orders


@pytest.fixture
def sent(tmp_path, demo_licence_code):
    """The demo workspace with its orders imported, built and sent: two notified orders."""
    config = write_workspace(tmp_path / "ws")
    ws = config.parent
    assert run(config, "activate", demo_licence_code).exit_code == 0
    assert run(config, "catalogue", "import", str(ws / "catalogue.csv")).exit_code == 0
    run(config, "import", str(ws / "orders.jsonl"))
    assert run(config, "build").exit_code == 0
    result = run(config, "send", "--all")
    assert result.exit_code == 0, result.output
    return config


def run(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def as_json(config, *args):
    result = run(config, *args, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def ids(config):
    return {r["supplier_id"]: r["id"] for r in as_json(config, "orders")}


def shop(config, supplier):
    return sqlite3.connect(config.parent / "shops" / f"{supplier}.sqlite")


def test_log_lists_events_with_supplier_and_customer_order_newest_last(sent):
    rows = as_json(sent, "log")
    assert rows == sorted(rows, key=lambda r: (r["at"], r["id"]))
    writes = [r for r in rows if r["step"] == "write"]
    assert {(r["supplier_id"], r["order_number"]) for r in writes} == {
        ("alpha", "1001"), ("alpha", "1002"), ("beta", "1001"), ("beta", "1003")}
    assert all(r["action"] == "create" and r["outcome"] == "ok" for r in writes)
    alpha = as_json(sent, "log", "--supplier", "alpha")
    assert alpha and {r["supplier_id"] for r in alpha} == {"alpha"}
    # --order: that customer order's own events and the supplier-order-wide ones (build, email)
    # of the supplier orders holding it; never another customer order's (beta also holds 1001)
    about = as_json(sent, "log", "--order", "1003")
    assert {r["supplier_id"] for r in about} == {"beta"}
    assert "notified" in [r["step"] for r in about]
    assert [r["order_number"] for r in about if r["step"] == "write"] == ["1003"]
    assert {r["order_number"] for r in about} == {"1003", None}
    assert not any((r["message"] or "").startswith("1001:") for r in about)  # 1001's writes
    assert as_json(sent, "log", "--since", "1d") == rows
    future = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert as_json(sent, "log", "--since", future) == []
    table = run(sent, "log")
    assert table.exit_code == 0 and "Transfer log" in table.output and "1002" in table.output


def test_since_accepts_a_date_or_an_age_and_names_a_bad_value():
    assert parse_when("--since", "2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    age = datetime.now(UTC) - parse_when("--since", "7d")
    assert abs(age - timedelta(days=7)) < timedelta(minutes=1)
    with pytest.raises(OXError) as bad:
        parse_when("--since", "last tuesday")
    assert bad.value.code == "OX-LOG-003" and "last tuesday" in bad.value.message
    with pytest.raises(OXError):
        parse_when("--older-than", "2026-01-01", age_only=True)


def test_suppliers_shows_the_transfer_status(sent):
    rows = {r["id"]: r for r in as_json(sent, "suppliers")}
    assert set(rows) == {"alpha", "beta"}
    alpha = rows["alpha"]
    assert alpha["active"] is True and alpha["connector"] == "oscommerce"
    assert alpha["last_build"] and alpha["last_sent"] and alpha["last_failure"] is None
    assert alpha["open"] == {"notified": 1}
    table = run(sent, "suppliers")
    assert table.exit_code == 0 and "Transfer status" in table.output


def test_confirm_only_from_notified(sent, tmp_path):
    so = ids(sent)
    result = as_json(sent, "confirm", str(so["alpha"]))
    assert result == {"confirmed": [so["alpha"]], "refused": []}
    again = run(sent, "confirm", str(so["alpha"]), str(so["beta"]))
    assert again.exit_code == 1
    assert "OX-LOG-001" in again.output and "is confirmed" in again.output
    assert {r["id"]: r["state"] for r in as_json(sent, "orders")} == {
        so["alpha"]: "confirmed", so["beta"]: "confirmed"}
    rows = {r["id"]: r for r in as_json(sent, "suppliers")}
    assert rows["alpha"]["open"] == {} and rows["alpha"]["states"] == {"confirmed": 1}
    assert "confirm" in [r["step"] for r in as_json(sent, "log", "--supplier", "alpha")]


def test_purge_removes_old_confirmed_orders_with_their_log(sent):
    so = ids(sent)
    assert run(sent, "confirm", str(so["alpha"])).exit_code == 0
    nothing = as_json(sent, "purge", "--confirmed", "--older-than", "90d")
    assert nothing["purged"] == [] and nothing["deleted"]["supplier_orders"] == 0
    # age the confirmation: 100 days ago
    store = Store(f"sqlite:///{sent.parent / 'state.sqlite'}")
    with store.engine.begin() as conn:
        conn.execute(supplier_orders.update().where(supplier_orders.c.id == so["alpha"])
                     .values(updated_at=datetime.now(UTC) - timedelta(days=100)))
    dry = as_json(sent, "purge", "--confirmed", "--older-than", "90d", "--dry-run")
    assert [r["id"] for r in dry["purged"]] == [so["alpha"]] and dry["deleted"] is None
    assert len(as_json(sent, "orders")) == 2
    refused = run(sent, "purge", "--confirmed", "--older-than", "90d")  # no terminal to ask
    assert refused.exit_code == 2 and "OX-LOG-005" in refused.output
    assert len(as_json(sent, "orders")) == 2
    done = run(sent, "purge", "--confirmed", "--older-than", "90d", "--yes")
    assert done.exit_code == 0 and "Removed 1 confirmed supplier order" in done.output
    assert "2 transfers" in done.output
    assert [r["id"] for r in as_json(sent, "orders")] == [so["beta"]]  # beta is not confirmed
    assert {r["supplier_id"] for r in as_json(sent, "log")} == {"beta"}
    # the purged lines are not forwarded again by a later build
    assert as_json(sent, "build")["created"] == []
    store.close()


def test_purge_needs_an_age(sent):
    result = run(sent, "purge", "--confirmed", "--older-than", "soon")
    assert result.exit_code == 2 and "OX-LOG-003" in result.output


def test_retry_resumes_failed_orders_only(tmp_path, demo_licence_code):
    config = write_workspace(tmp_path / "ws")
    ws = config.parent
    run(config, "activate", demo_licence_code)
    run(config, "catalogue", "import", str(ws / "catalogue.csv"))
    run(config, "import", str(ws / "orders.jsonl"))
    run(config, "build")
    with shop(config, "alpha") as conn:  # the supplier switched the hammer off
        conn.execute("UPDATE products SET products_status = 0 WHERE products_model = 'A-100'")
    sent = run(config, "send", "--all")
    assert sent.exit_code == 1 and "held" in sent.output  # 1001 is held, 1002 went on
    so = ids(config)
    refused = run(config, "retry", str(so["beta"]))
    assert refused.exit_code == 2 and "OX-LOG-002" in refused.output and "notified" in \
        refused.output
    [held] = as_json(config, "orders", "--held")
    assert (held["order"], held["code"]) == ("1001", "OX-CHK-006")
    assert as_json(config, "retry", str(held["supplier_order"]))[0]["state"] == "check_failed"
    with shop(config, "alpha") as conn:
        conn.execute("UPDATE products SET products_status = 1 WHERE products_model = 'A-100'")
    result = run(config, "retry", "--failed")
    assert result.exit_code == 0, result.output
    assert {r["state"] for r in as_json(config, "orders")} == {"notified"}
    assert "Nothing to retry" in run(config, "retry", "--failed").output
    assert run(config, "retry").exit_code == 2  # OX-CLI-001: nothing selected


def test_sync_status_stores_shop_status_and_confirms_progressed_orders(sent):
    so = ids(sent)
    with shop(sent, "alpha") as conn:  # the supplier starts processing one of two orders
        first = conn.execute("SELECT MIN(orders_id) FROM orders").fetchone()[0]
        conn.execute("UPDATE orders SET orders_status = 2 WHERE orders_id = ?", (first,))
    out = {r["supplier"]: r for r in as_json(sent, "sync-status")}
    assert out["alpha"]["read"] == 2 and out["alpha"]["confirmed"] == []
    shown = as_json(sent, "show", str(so["alpha"]))
    assert sorted(c["remote_status"] for c in shown["customer_orders"]) == [
        "Pending", "Processing"]
    with shop(sent, "alpha") as conn:
        conn.execute("UPDATE orders SET orders_status = 3")
    out = {r["supplier"]: r for r in as_json(sent, "sync-status", "alpha")}
    assert out["alpha"]["confirmed"] == [so["alpha"]] and "beta" not in out
    states = {r["id"]: r["state"] for r in as_json(sent, "orders")}
    assert states == {so["alpha"]: "confirmed", so["beta"]: "notified"}
    steps = [r["step"] for r in as_json(sent, "log", "--supplier", "alpha")]
    assert steps.count("read_back") == 4 and steps[-1] == "confirmed"
    # unchanged: no new events
    as_json(sent, "sync-status", "alpha")
    assert [r["step"] for r in as_json(sent, "log", "--supplier", "alpha")] == steps
    table = run(sent, "show", str(so["alpha"]))
    assert "Delivered" in table.output


def test_sync_reports_an_order_the_supplier_deleted(sent):
    so = ids(sent)
    with shop(sent, "beta") as conn:
        conn.execute("DELETE FROM orders WHERE orders_id = (SELECT MIN(orders_id) FROM orders)")
    out = {r["supplier"]: r for r in as_json(sent, "sync-status", "beta")}
    assert len(out["beta"]["missing"]) == 1 and out["beta"]["confirmed"] == []
    errors = [r for r in as_json(sent, "log", "--supplier", "beta") if r["outcome"] == "error"]
    assert [e["code"] for e in errors] == ["OX-WRT-005"]
    as_json(sent, "sync-status", "beta")  # reported once, not on every run
    errors = [r for r in as_json(sent, "log", "--supplier", "beta") if r["outcome"] == "error"]
    assert len(errors) == 1
    assert {r["id"]: r["state"] for r in as_json(sent, "orders")}[so["beta"]] == "notified"
    last = {r["id"]: r for r in as_json(sent, "suppliers")}["beta"]["last_failure"]
    assert last["code"] == "OX-WRT-005"
