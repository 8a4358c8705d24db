"""`orderexchange status`: one screen for "is everything fine?", and its `--json` schema."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from orderexchange import config as config_mod
from orderexchange.demo import write_workspace
from orderexchange.cli import main
from orderexchange.queue import WorkQueue
from orderexchange.store import Store

TOP_KEYS = {"ok", "licence", "daemons", "senders", "open_customer_orders", "supplier_orders",
            "suppliers", "failures", "held"}
LICENCE_KEYS = {"state", "licensee", "expires", "days_left", "error_code", "message"}
SUPPLIER_KEYS = {"id", "name", "active", "configured", "last_send", "failures", "held"}
FAILURE_KEYS = {"id", "supplier", "state", "error_code", "error_message", "solution",
                "permanent", "stopped", "updated_at"}
DAEMON_KEYS = {"owner", "kind", "started_at", "seen_at", "seconds_since_seen"}


@pytest.fixture
def workspace(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    return cfg


def run(cfg, *args):
    return CliRunner().invoke(main, ["--config", str(cfg), *args])


def prepare(cfg, demo_licence_code):
    ws = cfg.parent
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        run(cfg, *args)


def test_status_without_licence_exits_3_and_says_how_to_activate(workspace):
    result = run(workspace, "status")
    assert result.exit_code == 3
    assert "missing (OX-LIC-001)" in result.output and "orderexchange activate" in result.output
    data = json.loads(run(workspace, "status", "--json").stdout)
    assert set(data) == TOP_KEYS and set(data["licence"]) == LICENCE_KEYS
    assert data["licence"]["state"] == "missing" and data["ok"] is False
    assert [s["id"] for s in data["suppliers"]] == ["alpha", "beta"]
    assert data["daemons"] == [] and data["failures"] == []


def test_status_after_a_send_is_fine(workspace, demo_licence_code):
    prepare(workspace, demo_licence_code)
    before = json.loads(run(workspace, "status", "--json").stdout)
    assert before["supplier_orders"] == {"draft": 2} and before["open_customer_orders"] == 0
    assert all(s["last_send"] is None for s in before["suppliers"])
    assert run(workspace, "send", "--all").exit_code == 0

    result = run(workspace, "status", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == TOP_KEYS and data["ok"] is True
    assert data["licence"]["state"] == "active" and data["licence"]["days_left"] is None
    assert data["licence"]["licensee"] == "ACME Distribution"
    assert data["supplier_orders"] == {"notified": 2}
    for s in data["suppliers"]:
        assert set(s) == SUPPLIER_KEYS and s["active"] is True and s["failures"] == 0
        assert datetime.fromisoformat(s["last_send"]).tzinfo is not None
    human = run(workspace, "status")
    assert human.exit_code == 0
    assert "active for ACME Distribution (never expires)" in human.output
    assert "No failures waiting." in human.output and "never" not in human.output.split(
        "Suppliers")[1].split("No failures")[0].replace("never expires", "")


def test_status_lists_failures_waiting_with_code_and_solution_and_exits_1(workspace,
                                                                          demo_licence_code):
    prepare(workspace, demo_licence_code)
    text = workspace.read_text()
    broken = workspace.parent / "missing-folder" / "beta.sqlite"
    workspace.write_text(text.replace(str(workspace.parent / "shops" / "beta.sqlite"),
                                      str(broken)))
    sent = run(workspace, "send", "--all")
    assert sent.exit_code == 1, sent.output
    result = run(workspace, "status", "--json")
    assert result.exit_code == 1, run(workspace, "orders", "--json").output
    data = json.loads(result.stdout)
    assert data["ok"] is False and len(data["failures"]) == 1
    failure = data["failures"][0]
    assert set(failure) == FAILURE_KEYS
    # the shop was unreachable (transient): still a draft, its code kept for the retry
    assert failure["supplier"] == "beta" and failure["state"] == "draft"
    assert failure["error_code"] == "OX-DB-005" and failure["solution"]
    beta = next(s for s in data["suppliers"] if s["id"] == "beta")
    alpha = next(s for s in data["suppliers"] if s["id"] == "alpha")
    assert beta["failures"] == 1 and beta["last_send"] is None and alpha["last_send"]
    human = run(workspace, "status")
    assert human.exit_code == 1
    assert "Failures waiting" in human.output and failure["error_code"] in human.output
    assert "solution:" in human.output and "orderexchange send ID" in human.output

    # a permanent failure (*_failed state) is listed the same way
    from orderexchange.errors import OXError
    from orderexchange.model import SupplierOrderState

    store = Store(config_mod.load(workspace).store.url)
    store.set_state(failure["id"], SupplierOrderState.WRITE_FAILED, error=OXError("OX-DB-005"))
    store.close()
    data = json.loads(run(workspace, "status", "--json").stdout)
    assert [(f["state"], f["error_code"]) for f in data["failures"]] == [
        ("write_failed", "OX-DB-005")]


def test_status_shows_the_daemon_heartbeat(workspace, demo_licence_code):
    prepare(workspace, demo_licence_code)
    store = Store(config_mod.load(workspace).store.url)
    WorkQueue(store, owner="host-a:4242:abcdef").heartbeat()
    store.close()
    data = json.loads(run(workspace, "status", "--json").stdout)
    assert len(data["daemons"]) == 1
    daemon = data["daemons"][0]
    assert set(daemon) == DAEMON_KEYS and daemon["owner"] == "host-a:4242:abcdef"
    assert daemon["seconds_since_seen"] >= 0
    assert datetime.fromisoformat(daemon["seen_at"]).tzinfo is not None
    human = run(workspace, "status").output
    assert "Daemon:   host-a:4242:abcdef, last heartbeat" in human


def test_status_with_a_broken_config_exits_2(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[distributor\n")
    result = run(cfg, "status")
    assert result.exit_code == 2 and "OX-CFG-002" in result.output


def test_the_menu_refuses_without_a_terminal(workspace):
    result = run(workspace, "menu")  # CliRunner's input is no terminal
    assert result.exit_code == 2 and "OX-MNU-004" in result.output


def test_shell_completion_offers_commands_and_supplier_ids(workspace):
    from click.shell_completion import ShellComplete

    def complete(args, incomplete):
        sc = ShellComplete(main, {}, "orderexchange", "_ORDEREXCHANGE_COMPLETE")
        return [c.value for c in sc.get_completions(args, incomplete)]

    assert {"status", "send"} <= set(complete(["--config", str(workspace)], "s"))
    assert "menu" in complete([], "me") and "init" in complete([], "in")
    assert complete(["--config", str(workspace), "test", "db"], "") == ["alpha", "beta"]
    assert complete(["--config", str(workspace), "test", "db"], "b") == ["beta"]
    assert complete(["--config", str(workspace.parent / "none.toml"), "test", "db"], "") == []
