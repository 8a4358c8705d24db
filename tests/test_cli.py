"""The CLI as a user meets it (click's CliRunner): tables, --json, coded errors, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import sample_order

from orderexchange.cli import main
from orderexchange.demo import write_workspace


@pytest.fixture
def workspace(tmp_path):
    """The demo's workspace: two SQLite osCommerce shops and a config using them."""
    config = write_workspace(tmp_path / "ws")
    return config


def run(config, *args, input=None):
    result = CliRunner().invoke(main, ["--config", str(config), *args], input=input)
    return result


def test_demo_runs_end_to_end(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--workspace", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "2 of 2 supplier orders sent" in result.output
    assert "OX-IMP-005" in result.output  # the sample order with an error is reported
    emls = list((tmp_path / "demo" / "outbox").glob("*.eml"))
    assert len(emls) == 2
    assert "regular" in result.output and "new" in result.output  # known and new customers


def test_send_without_licence_is_refused_with_exit_3(workspace):
    result = run(workspace, "build")
    assert result.exit_code == 3
    assert "OX-LIC-001" in result.output and "orderexchange activate" in result.output


def test_full_flow_through_the_cli(workspace, demo_licence_code, tmp_path):
    ws = workspace.parent
    assert run(workspace, "activate", demo_licence_code).exit_code == 0
    lic = json.loads(run(workspace, "licence", "--json").stdout)
    assert lic["licensee"] == "ACME Distribution" and lic["active_suppliers"] == 2

    result = run(workspace, "catalogue", "import", str(ws / "catalogue.csv"))
    assert result.exit_code == 0 and "5 catalogue rows stored" in result.output
    result = run(workspace, "import", str(ws / "orders.jsonl"), "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1  # one order was rejected
    assert report["stored"] == ["1001", "1002", "1003"] and report["rejected"] == ["1004"]
    assert {e["code"] for e in report["errors"]} == {"OX-IMP-005", "OX-IMP-006", "OX-IMP-007"}

    built = json.loads(run(workspace, "build", "--json").stdout)
    assert len(built["created"]) == 2
    rows = json.loads(run(workspace, "orders", "--json").stdout)
    assert [r["state"] for r in rows] == ["draft", "draft"]
    assert {r["supplier_id"] for r in rows} == {"alpha", "beta"}

    result = run(workspace, "send", "--all", "--json")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)
    assert [r["state"] for r in sent] == ["notified", "notified"]
    assert sum(r["written"] for r in sent) == 4

    shown = json.loads(run(workspace, "show", str(rows[0]["id"]), "--json").stdout)
    assert shown["state"] == "notified" and shown["message_id"]
    assert all(c["remote_order_id"] for c in shown["customer_orders"])
    assert [h["step"] for h in shown["history"]] == ["build", "checked", "write", "write",
                                                      "written", "notified"]
    assert "written as shop order" in shown["history"][2]["message"]
    table = run(workspace, "show", str(rows[0]["id"]))
    assert table.exit_code == 0 and "History" in table.output

    again = run(workspace, "send", "--all")
    assert again.exit_code == 0 and "Nothing to send" in again.output


def test_import_same_file_twice_reports_duplicates(workspace, demo_licence_code, tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(sample_order("7")) + "\n")
    assert run(workspace, "import", str(path)).exit_code == 0
    result = run(workspace, "import", str(path))
    assert result.exit_code == 0
    assert "1 already imported" in result.output and "OX-IMP-009" in result.output


def test_test_db_reports_each_stage(workspace):
    result = run(workspace, "test", "db", "--json")
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [r["supplier"] for r in reports] == ["alpha", "beta"]
    assert all(r["ok"] and r["server_version"].startswith("SQLite") for r in reports)


def test_test_db_names_a_missing_shop_database(workspace):
    (workspace.parent / "shops" / "beta.sqlite").unlink()
    result = run(workspace, "test", "db", "beta")
    assert result.exit_code == 1
    assert "OX-DB-005" in result.output


def test_test_mail_file_transport(workspace):
    result = run(workspace, "test", "mail", "--to", "me@example.com", "--json")
    assert result.exit_code == 0, result.output
    stages = json.loads(result.stdout)["stages"]
    assert [s["name"] for s in stages] == ["outbox writable", "send test message"]
    assert len(list((workspace.parent / "outbox").glob("*.eml"))) == 1


def test_explain_prints_message_and_solution():
    result = CliRunner().invoke(main, ["explain", "ox-chk-006"])
    assert result.exit_code == 0
    assert "OX-CHK-006" in result.output and "solution:" in result.output
    unknown = CliRunner().invoke(main, ["explain", "OX-NOPE-1"])
    assert unknown.exit_code == 2 and "OX-CLI-002" in unknown.output


def test_config_errors_name_the_key_and_never_echo_secrets(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    assert "OX-CFG-001" in run(cfg, "orders").output
    cfg.write_text('[distributor]\nid = "x"\nname = "X"\nemail = "x@example.com"\n'
                   '[suppliers.a]\nname = "A"\nemail = "a@example.com"\n'
                   '[suppliers.a.database]\nurl = "mysql+pymysql://u:hunter2@db/shop"\n')
    result = run(cfg, "orders")
    assert result.exit_code == 2
    assert "OX-CFG-004" in result.output and "suppliers.a.database.url" in result.output
    assert "hunter2" not in result.output
    cfg.write_text('[distributor]\nid = "x"\nname = "X"\nemail = "x@example.com"\n'
                   '[mail]\ntransport = "smtp"\npassword = "${OX_TEST_SMTP_PW}"\n')
    result = run(cfg, "orders")
    assert "OX-CFG-005" in result.output and "OX_TEST_SMTP_PW" in result.output
    monkeypatch.setenv("OX_TEST_SMTP_PW", "s3cret-value")
    result = run(cfg, "orders")
    assert result.exit_code == 0 and "s3cret-value" not in result.output
    cfg.write_text('[distributor]\nid = "x"\nname = "X"\nemail = "x@example.com"\nfoo = 1\n')
    result = run(cfg, "orders")
    assert "OX-CFG-008" in result.output and "distributor.foo" in result.output
    cfg.write_text('[distributor\n')
    assert "OX-CFG-002" in run(cfg, "orders").output


def test_send_needs_a_selection(workspace, demo_licence_code):
    run(workspace, "activate", demo_licence_code)
    result = run(workspace, "send")
    assert result.exit_code == 2 and "OX-CLI-001" in result.output


def code_for(vendor_key, **payload):
    from orderexchange import licence

    return licence.encode({"licensee": "ACME Distribution", "distributor_id": "demo",
                           **payload}, vendor_key)


def test_expired_licence_stops_sends_but_not_the_transfer_log(workspace, vendor_key):
    from datetime import date, timedelta

    good = code_for(vendor_key, expires=date.today() + timedelta(days=30))
    assert run(workspace, "activate", good).exit_code == 0
    ws = workspace.parent
    run(workspace, "catalogue", "import", str(ws / "catalogue.csv"))
    run(workspace, "import", str(ws / "orders.jsonl"))
    assert run(workspace, "build").exit_code == 0
    # the vendor's code expired yesterday: store it as if it had been activated in time
    from orderexchange.actions.app import LICENCE_KEY
    from orderexchange.config import load
    from orderexchange.store import Store

    expired = code_for(vendor_key, issued=date.today() - timedelta(days=400),
                       expires=date.today() - timedelta(days=1))
    Store(load(workspace).store.url).set_setting(LICENCE_KEY, expired)
    result = run(workspace, "send", "--all")
    assert result.exit_code == 3 and "OX-LIC-008" in result.output
    listing = run(workspace, "orders", "--json")
    assert listing.exit_code == 0 and len(json.loads(listing.stdout)) == 2
    status = json.loads(run(workspace, "licence", "--json").stdout)
    assert status["expired"] is True
    refused = run(workspace, "activate", expired)
    assert refused.exit_code == 3 and "OX-LIC-008" in refused.output


def test_near_expiry_warns_on_every_command_that_opens_the_store(workspace, vendor_key):
    from datetime import date, timedelta

    run(workspace, "activate", code_for(vendor_key, expires=date.today() + timedelta(days=5)))
    result = run(workspace, "orders")
    assert result.exit_code == 0 and "OX-LIC-009" in result.output


def test_supplier_limit_is_enforced(workspace, vendor_key):
    run(workspace, "activate", code_for(vendor_key, max_suppliers=1))
    result = run(workspace, "build")
    assert result.exit_code == 3 and "OX-LIC-010" in result.output


def test_a_code_for_another_distributor_is_refused_at_activation_and_at_use(workspace,
                                                                           vendor_key):
    from orderexchange.actions.app import LICENCE_KEY
    from orderexchange.config import load
    from orderexchange.store import Store

    other = code_for(vendor_key, distributor_id="other-co", features=["oscommerce"])
    refused = run(workspace, "activate", other)
    assert refused.exit_code == 3 and "OX-LIC-013" in refused.output
    assert "'other-co'" in refused.output and "'demo'" in refused.output
    assert "solution:" in refused.output
    assert "OX-LIC-001" in run(workspace, "licence").output  # not stored
    # a code stored before the config's distributor id changed is refused where it is used
    Store(load(workspace).store.url).set_setting(LICENCE_KEY, other)
    build = run(workspace, "build")
    assert build.exit_code == 3 and "OX-LIC-013" in build.output
    send = run(workspace, "send", "--all")
    assert send.exit_code == 3 and "OX-LIC-013" in send.output
    status = json.loads(run(workspace, "status", "--json").stdout)
    assert status["licence"]["state"] == "invalid"
    assert status["licence"]["error_code"] == "OX-LIC-013"


def test_a_connector_missing_from_the_licence_refuses_send_and_test_db(workspace, vendor_key):
    import sqlite3

    assert run(workspace, "activate", code_for(vendor_key, features=["daemon"])).exit_code == 0
    ws = workspace.parent
    run(workspace, "catalogue", "import", str(ws / "catalogue.csv"))
    run(workspace, "import", str(ws / "orders.jsonl"))
    assert run(workspace, "build").exit_code == 0
    send = run(workspace, "send", "--all")
    assert send.exit_code == 1 and "OX-LIC-014" in send.output
    assert "Supplier alpha uses connector oscommerce" in send.output
    assert "'oscommerce'" in send.output
    for supplier in ("alpha", "beta"):  # nothing was written into either shop
        with sqlite3.connect(ws / "shops" / f"{supplier}.sqlite") as shop:
            assert shop.execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)
    log = json.loads(run(workspace, "log", "--json").stdout)
    refusals = [r for r in log if r["step"] == "licence"]
    assert {r["supplier_id"] for r in refusals} == {"alpha", "beta"}
    assert {r["code"] for r in refusals} == {"OX-LIC-014"}
    test_db = run(workspace, "test", "db", "alpha")
    assert test_db.exit_code == 1 and "OX-LIC-014" in test_db.output
    assert "Supplier alpha uses connector oscommerce" in test_db.output
    [report] = json.loads(run(workspace, "test", "db", "alpha", "--json").stdout)
    assert report["ok"] is False and report["stages"][0]["name"] == "licence"
    # with the connector licensed, the same supplier orders go
    licensed = code_for(vendor_key, features=["daemon", "oscommerce"])
    assert run(workspace, "activate", licensed).exit_code == 0
    assert run(workspace, "test", "db", "alpha").exit_code == 0
    again = run(workspace, "send", "--all")
    assert again.exit_code == 0, again.output


def test_mail_only_needs_no_licence_feature_and_shop_connectors_their_type():
    from orderexchange.plugin_host import PluginHost

    types = PluginHost(None).connector_types()
    assert types["mail-only"].licence_feature() is None
    for name in ("oscommerce", "opencart", "oxid", "generic_sql", "woocommerce", "prestashop",
                 "magento"):
        assert types[name].licence_feature() == name


def test_typo_in_activation_code_names_the_group(workspace, demo_licence_code):
    groups = demo_licence_code.split("-")
    wrong = "0" if groups[2][0] != "0" else "1"
    groups[2] = wrong + groups[2][1:]
    result = run(workspace, "activate", "-".join(groups))
    assert result.exit_code == 3 and "OX-LIC-002" in result.output and "group 3" in result.output


def test_plugins_lists_shipped_plugins_as_json():
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0
    names = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert names["oscommerce"]["source"] == "shipped"
    assert names["oscommerce"]["hooks"] == ["oe_connector_types"]
    assert "source_folder" in names


def test_solutions_keep_config_table_names(tmp_path):
    """`[suppliers.a]` in a solution is text, not rich markup that would vanish."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('[distributor]\nid = "x"\nname = "X"\nemail = "x@example.com"\n')
    result = run(cfg, "test", "db", "nosuchsupplier")
    assert "OX-CFG-006" in result.output and "[suppliers.<id>]" in result.output
