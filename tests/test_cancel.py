"""The cancel action through the CLI, on the demo workspace's SQLite osCommerce shops.

The same connector code is proven on real MariaDB in test_cancel_oscommerce_mariadb.py.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from orderexchange.cli import main
from orderexchange.demo import write_workspace
from orderexchange.store import Store


def run(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def as_json(config, *args):
    result = run(config, *args, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def shop(config, supplier):
    return sqlite3.connect(config.parent / "shops" / f"{supplier}.sqlite")


def set_cancelled_status(config, *suppliers):
    """Give the shops a Cancelled status (4) and tell these suppliers' connectors about it."""
    for sid in ("alpha", "beta"):
        with shop(config, sid) as conn:
            conn.execute("INSERT OR IGNORE INTO orders_status (orders_status_id, language_id, "
                         "orders_status_name) VALUES (4, 1, 'Cancelled')")
    text = config.read_text()
    for sid in suppliers:
        head = f'[suppliers.{sid}.connector]\ntype = "oscommerce"\norder_status_id = 1\n'
        assert head in text
        text = text.replace(head, head + "cancelled_status_id = 4\n")
    config.write_text(text)


@pytest.fixture
def ws(tmp_path, demo_licence_code):
    """Demo workspace, imported and built (not sent): alpha holds 1001+1002, beta 1001+1003."""
    config = write_workspace(tmp_path / "ws")
    root = config.parent
    assert run(config, "activate", demo_licence_code).exit_code == 0
    run(config, "catalogue", "import", str(root / "catalogue.csv"))
    run(config, "import", str(root / "orders.jsonl"))
    assert run(config, "build").exit_code == 0
    return config


def ids(config):
    return {r["supplier_id"]: r["id"] for r in as_json(config, "orders")}


def emails(config):
    return sorted((config.parent / "outbox").glob("*.eml"))


def order_status(config, number):
    store = Store(f"sqlite:///{config.parent / 'state.sqlite'}")
    try:
        return store.customer_order_by_number(number)[1]
    finally:
        store.close()


def shop_order(config, supplier, remote_id):
    with shop(config, supplier) as conn:
        status = conn.execute("SELECT orders_status FROM orders WHERE orders_id = ?",
                              (remote_id,)).fetchone()[0]
        history = conn.execute("SELECT orders_status_id, comments FROM orders_status_history "
                               "WHERE orders_id = ? ORDER BY date_added, orders_status_id",
                               (remote_id,)).fetchall()
    return status, history


def test_cancel_a_written_order_sets_the_shop_status_mails_and_is_idempotent(ws):
    set_cancelled_status(ws, "alpha", "beta")
    assert run(ws, "send", "--all").exit_code == 0
    so = ids(ws)
    mails_before = len(emails(ws))
    remote = {c["number"]: c["remote_order_id"]
              for c in as_json(ws, "show", str(so["alpha"]))["customer_orders"]}
    result = as_json(ws, "cancel", "1002", "--reason", "customer withdrew")
    assert result["ok"] and result["status"] == "cancelled"
    [step] = result["steps"]
    assert (step["supplier"], step["outcome"], step["remote_order_id"]) == (
        "alpha", "cancelled", remote["1002"])
    assert step["message_id"] and not step["supplier_order_cancelled"]
    status, history = shop_order(ws, "alpha", remote["1002"])
    assert status == 4 and history[-1][0] == 4 and "cancelled by the distributor" in history[-1][1]
    assert shop_order(ws, "alpha", remote["1001"])[0] == 1  # the other order is untouched
    new = emails(ws)[mails_before:]
    assert len(new) == 1
    body = new[0].read_text(encoding="utf-8")
    assert "customer withdrew" in body and "1002" in body
    assert order_status(ws, "1002") == "cancelled"
    shown = as_json(ws, "show", str(so["alpha"]))
    assert shown["state"] == "notified"  # 1001 is still there
    assert {c["number"]: c["action"] for c in shown["customer_orders"]} == {
        "1001": "create", "1002": "cancel"}
    log = as_json(ws, "log", "--order", "1002")
    cancel_rows = [r for r in log if r["action"] == "cancel"]
    assert [r["step"] for r in cancel_rows] == ["cancel", "cancel_mail"]
    # a second cancel does nothing: no shop change, no email, no event
    again = as_json(ws, "cancel", "1002")
    assert again["ok"] and [s["outcome"] for s in again["steps"]] == ["already cancelled"]
    assert len(emails(ws)) == mails_before + 1
    assert as_json(ws, "log", "--order", "1002") == log
    assert len(shop_order(ws, "alpha", remote["1002"])[1]) == len(history)
    table = run(ws, "cancel", "1002")
    assert table.exit_code == 0 and "Customer order 1002: cancelled" in table.output


def test_a_connector_that_cannot_cancel_leaves_the_order_open_until_fixed(ws):
    set_cancelled_status(ws, "alpha")  # beta's connector has no cancelled status
    assert run(ws, "send", "--all").exit_code == 0
    so = ids(ws)
    mails_before = len(emails(ws))
    result = run(ws, "cancel", "1001")
    assert result.exit_code == 1
    assert "OX-WRT-003" in result.output and "cancelled_status_id" in result.output
    assert "OX-LOG-004" in result.output
    assert order_status(ws, "1001") == "built"
    assert len(emails(ws)) == mails_before + 1  # alpha was told
    set_cancelled_status(ws, "beta")
    result = as_json(ws, "cancel", "1001")
    assert result["ok"] and result["status"] == "cancelled"
    assert {(s["supplier"], s["outcome"]) for s in result["steps"]} == {
        ("alpha", "already cancelled"), ("beta", "cancelled")}
    assert len(emails(ws)) == mails_before + 2  # beta now; alpha not a second time
    assert {r["id"]: r["state"] for r in as_json(ws, "orders")} == {
        so["alpha"]: "notified", so["beta"]: "notified"}


def test_cancel_refused_when_the_supplier_moved_the_order_on(ws):
    set_cancelled_status(ws, "alpha", "beta")
    assert run(ws, "send", "--all").exit_code == 0
    with shop(ws, "alpha") as conn:
        conn.execute("UPDATE orders SET orders_status = 2")
    result = run(ws, "cancel", "1002")
    assert result.exit_code == 1
    assert "OX-WRT-004" in result.output and "Processing (2)" in result.output
    assert order_status(ws, "1002") == "built"
    error = [r for r in as_json(ws, "log", "--order", "1002") if r["outcome"] == "error"]
    assert [e["code"] for e in error] == ["OX-WRT-004"]


def test_cancel_before_sending_drops_the_order_and_cancels_emptied_supplier_orders(ws):
    so = ids(ws)
    result = as_json(ws, "cancel", "1003")
    assert result["ok"] and [s["outcome"] for s in result["steps"]] == ["dropped"]
    assert not result["steps"][0]["supplier_order_cancelled"]
    beta = as_json(ws, "show", str(so["beta"]))
    assert [c["number"] for c in beta["customer_orders"]] == ["1001"]
    result = as_json(ws, "cancel", "1001")
    assert {(s["supplier"], s["supplier_order_cancelled"]) for s in result["steps"]} == {
        ("alpha", False), ("beta", True)}
    assert {r["id"]: r["state"] for r in as_json(ws, "orders")} == {
        so["alpha"]: "draft", so["beta"]: "cancelled"}
    # a new build does not forward the cancelled orders' lines again
    assert as_json(ws, "build")["created"] == []
    sent = as_json(ws, "send", "--all")
    assert [(r["supplier"], r["state"], r["written"]) for r in sent] == [("alpha", "notified", 1)]
    assert [r["step"] for r in as_json(ws, "log", "--order", "1003")][-1] == "cancel"
    assert as_json(ws, "cancel", "1003")["steps"] == []  # nothing left to do


def test_cancel_an_unknown_customer_order(ws):
    result = run(ws, "cancel", "9999")
    assert result.exit_code == 2 and "OX-STO-002" in result.output


def test_a_failed_cancellation_email_is_sent_by_the_next_cancel_without_cancelling_twice(ws):
    set_cancelled_status(ws, "alpha", "beta")
    assert run(ws, "send", "--all").exit_code == 0
    outbox = ws.parent / "outbox"
    outbox.rename(ws.parent / "outbox.sent")
    outbox.write_text("not a folder")  # the mail cannot be written
    result = run(ws, "cancel", "1002")
    assert result.exit_code == 1 and "OX-MAIL-008" in result.output
    assert order_status(ws, "1002") == "built"
    remote = next(c["remote_order_id"] for c in as_json(ws, "show", str(ids(ws)["alpha"]))
                  ["customer_orders"] if c["number"] == "1002")
    assert shop_order(ws, "alpha", remote)[0] == 4  # the shop side is done and recorded
    outbox.unlink()
    result = as_json(ws, "cancel", "1002")
    assert result["ok"] and result["status"] == "cancelled"
    assert [s["outcome"] for s in result["steps"]] == ["already cancelled"]
    assert result["steps"][0]["message_id"]
    assert len(list(outbox.glob("*.eml"))) == 1
    history = shop_order(ws, "alpha", remote)[1]
    assert [h[0] for h in history].count(4) == 1
