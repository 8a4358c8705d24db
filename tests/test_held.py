"""Issue 13 §2 from the command line: a held customer order never blocks the others.

The demo workspace: real osCommerce schemas in SQLite shop files, the file outbox, the CLI as a
user runs it. Alpha gets orders 1001 and 1002, beta 1001 and 1003.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from orderexchange.cli import main
from orderexchange.demo import write_workspace


def run(cfg, *args):
    return CliRunner().invoke(main, ["--config", str(cfg), *args])


@pytest.fixture
def built(tmp_path, demo_licence_code):
    """The demo workspace, activated, its catalogue and orders imported and built."""
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    for args in (["activate", demo_licence_code],
                 ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)
    return cfg


def shop_orders(cfg, supplier: str) -> list[str]:
    """Customer order numbers in a demo shop, from the reference in its status history."""
    engine = sa.create_engine(f"sqlite:///{cfg.parent / 'shops' / f'{supplier}.sqlite'}")
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.text(
            "SELECT customers_name FROM orders ORDER BY orders_id")))


def test_hold_send_release_retry(built):
    cfg = built
    ws = cfg.parent

    held = run(cfg, "hold", "1002", "--supplier", "alpha", "--json")
    assert held.exit_code == 0, held.output
    [row] = json.loads(held.stdout)
    assert (row["order"], row["supplier"], row["outcome"], row["error"]) == (
        "1002", "alpha", "held", None)
    held_so = row["supplier_order"]
    assert held_so not in (1, 2)  # moved out of alpha's supplier order into its own

    sent = run(cfg, "send", "--all", "--json")
    results = {r["supplier_order"]: r for r in json.loads(sent.stdout)}
    assert results[1]["state"] == results[2]["state"] == "notified"
    assert results[held_so]["state"] == "check_failed"
    assert results[held_so]["held"] == [{"order": "1002", "code": "OX-HLD-001"}]
    assert sent.exit_code == 1  # something waits
    # alpha's shop and email got 1001 only; the held order is not mentioned to the supplier
    assert shop_orders(cfg, "alpha") == ["Anna Schmidt"]
    [alpha_mail] = [p for p in (ws / "outbox").glob("*.eml")
                    if "alpha" in p.read_text(encoding="utf-8").lower()
                    and "1001" in p.read_text(encoding="utf-8")]
    assert "1002" not in alpha_mail.read_text(encoding="utf-8")

    listed = json.loads(run(cfg, "orders", "--held", "--json").stdout)
    assert [(h["order"], h["supplier"], h["supplier_order"], h["code"]) for h in listed] == [
        ("1002", "alpha", held_so, "OX-HLD-001")]
    text = run(cfg, "orders", "--held").output
    assert "1002" in text and "OX-HLD-001" in text and "retry --held" in text
    status = run(cfg, "status", "--json")
    data = json.loads(status.stdout)
    assert [(h["order"], h["code"]) for h in data["held"]] == [("1002", "OX-HLD-001")]
    assert {s["id"]: s["held"] for s in data["suppliers"]} == {"alpha": 1, "beta": 0}
    assert "Held customer orders" in run(cfg, "status").output
    shown = json.loads(run(cfg, "show", str(held_so), "--json").stdout)
    assert [(c["number"], c["state"], c["error_code"]) for c in shown["customer_orders"]] == [
        ("1002", "held", "OX-HLD-001")]
    # retrying does not let a hold by hand go
    again = json.loads(run(cfg, "retry", "--held", "--json").stdout)
    assert [(r["supplier_order"], r["state"]) for r in again] == [(held_so, "check_failed")]

    released = run(cfg, "release", "1002")
    assert released.exit_code == 0 and "1 released" in released.output
    assert f"orderexchange retry {held_so}" in released.output
    retried = json.loads(run(cfg, "retry", "--held", "--json").stdout)
    assert retried == []  # nothing held any more: `retry ID` / --failed send it
    done = json.loads(run(cfg, "retry", str(held_so), "--json").stdout)
    assert [(r["state"], r["written"]) for r in done] == [("notified", 1)]
    assert shop_orders(cfg, "alpha") == ["Anna Schmidt", "Ben Müller"]
    log = run(cfg, "log", "--order", "1002", "--json")
    steps = [e["step"] for e in json.loads(log.stdout)]
    assert "held" in steps and "release" in steps and "write" in steps

    # what cannot be held is a coded error each
    written = run(cfg, "hold", "1001", "--supplier", "alpha", "--json")
    assert written.exit_code == 1
    assert json.loads(written.stdout)[0]["error"]["code"] == "OX-HLD-002"
    unknown = json.loads(run(cfg, "hold", "9999", "--json").stdout)
    assert unknown[0]["error"]["code"] == "OX-STO-002"
    elsewhere = json.loads(run(cfg, "hold", "1003", "--supplier", "alpha", "--json").stdout)
    assert elsewhere[0]["error"]["code"] == "OX-HLD-003"


def test_cancel_one_order_at_one_supplier_only(built):
    cfg = built
    ws = cfg.parent
    out = run(cfg, "cancel", "1001", "--supplier", "beta", "--json")
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert [(s["supplier"], s["outcome"]) for s in result["steps"]] == [("beta", "dropped")]
    assert result["status"] == "built"  # alpha still has it
    sent = json.loads(run(cfg, "send", "--all", "--json").stdout)
    assert all(r["state"] == "notified" for r in sent)
    assert shop_orders(cfg, "alpha") == ["Anna Schmidt", "Ben Müller"]
    assert shop_orders(cfg, "beta") == ["Chloé Dubois"]
    unknown = run(cfg, "cancel", "1003", "--supplier", "nosuch")
    assert unknown.exit_code != 0 and "nosuch" in unknown.output
    several = run(cfg, "cancel", "1002", "9999", "--json")
    assert several.exit_code != 0 and "OX-STO-002" in several.output


def test_orders_of_a_supplier_order_being_sent_are_not_held_meanwhile(built):
    from datetime import timedelta

    from orderexchange import config as config_mod
    from orderexchange.store import Store, now, supplier_orders

    cfg = built
    ws = cfg.parent
    store = Store(config_mod.load(cfg).store.url)
    with store.engine.begin() as conn:  # a daemon's claim on alpha's supplier order
        conn.execute(supplier_orders.update().where(supplier_orders.c.supplier_id == "alpha")
                     .values(claimed_by="daemon-1", lease_until=now() + timedelta(minutes=5)))
    store.close()
    out = run(cfg, "hold", "1002", "--json")
    assert out.exit_code == 1
    [row] = json.loads(out.stdout)
    assert row["error"]["code"] == "OX-HLD-004" and "daemon-1" in row["error"]["message"]
    assert json.loads(run(cfg, "orders", "--held", "--json").stdout) == []
