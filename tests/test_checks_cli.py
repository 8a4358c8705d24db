"""`orderexchange check`, `import` with its results table and --report, and `show` with the
customer match — through the CLI on the demo workspace (two SQLite osCommerce shops)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import sample_order

from orderexchange.cli import main
from orderexchange.demo import write_workspace


@pytest.fixture
def workspace(tmp_path, demo_licence_code):
    config = write_workspace(tmp_path / "ws")
    assert run(config, "activate", demo_licence_code).exit_code == 0
    assert run(config, "catalogue", "import", str(config.parent / "catalogue.csv")).exit_code == 0
    return config


def run(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def built(config) -> dict[str, int]:
    assert run(config, "import", str(config.parent / "orders.jsonl")).exit_code == 1  # 1004 bad
    created = json.loads(run(config, "build", "--json").output)["created"]
    rows = json.loads(run(config, "orders", "--json").output)
    return {r["supplier_id"]: r["id"] for r in rows if r["id"] in created}


def test_check_runs_step_one_alone_and_prints_the_report(workspace, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")  # wide tables: one line per row, easy to read back
    ids = built(workspace)
    result = run(workspace, "check", str(ids["alpha"]))
    assert result.exit_code == 0, result.output
    assert "Check report" in result.output and "no findings" in result.output
    assert "Customer matches" in result.output
    assert "found by email" in result.output and "new customer" in result.output
    shown = json.loads(run(workspace, "show", str(ids["alpha"]), "--json").output)
    assert shown["state"] == "checked"
    assert {c["number"]: (c["customer_match"], c["remote_order_id"])
            for c in shown["customer_orders"]} == {"1001": ("email", None),
                                                   "1002": ("new", None)}
    # nothing was written into the shop and nothing mailed
    assert not list((workspace.parent / "outbox").glob("*.eml"))

    sent = json.loads(run(workspace, "send", str(ids["alpha"]), "--json").output)
    assert sent[0]["state"] == "notified" and sent[0]["written"] == 2
    shown = json.loads(run(workspace, "show", str(ids["alpha"]), "--json").output)
    assert {c["number"]: (c["customer_match"], c["remote_customer_id"])
            for c in shown["customer_orders"]} == {"1001": ("email", "1"),
                                                   "1002": ("new", "2")}
    table = run(workspace, "show", str(ids["alpha"]))
    assert "customer" in table.output and "found by email (1)" in table.output
    assert "new customer (2)" in table.output

    again = run(workspace, "check", str(ids["alpha"]), "--json")
    assert json.loads(again.output)[0]["skipped"] == "already notified"


def test_check_all_reports_errors_and_exits_1_and_send_shows_the_same_report(workspace):
    text = workspace.read_text().replace('[suppliers.beta]\n',
                                         '[suppliers.beta]\ncountries = ["AT"]\n')
    workspace.write_text(text)
    ids = built(workspace)
    result = run(workspace, "check", "--all", "--json")
    assert result.exit_code == 1
    report = {r["supplier"]: r for r in json.loads(result.output)}
    assert report["alpha"]["state"] == "checked"
    assert report["beta"]["state"] == "check_failed"
    assert [(f["code"], f["order"]) for f in report["beta"]["findings"]] == [
        ("OX-CHK-018", "1001"), ("OX-CHK-018", "1003")]
    assert report["beta"]["customer_matches"] == {"1001": None, "1003": None}

    sent = run(workspace, "send", "--all")
    assert sent.exit_code == 1
    assert "Check report" in sent.output and "OX-CHK-018" in sent.output
    assert "does not deliver to DE" in sent.output
    rows = json.loads(run(workspace, "orders", "--json").output)
    assert {r["id"]: r["state"] for r in rows} == {ids["alpha"]: "notified",
                                                   ids["beta"]: "check_failed"}


def test_check_needs_a_selection(workspace):
    result = run(workspace, "check")
    assert result.exit_code == 2 and "OX-CLI-001" in result.output


def test_import_prints_a_results_table_and_writes_the_report(workspace, tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps(sample_order("7", phone="call me")) + "\n"
                    + json.dumps(sample_order("8", email="nope")) + "\n")
    report = tmp_path / "errors.csv"
    result = run(workspace, "import", str(path), "--report", str(report))
    assert result.exit_code == 1
    out = result.output
    assert "2 orders read (2 rows): 1 stored, 0 already imported, 1 rejected, 1 warning." in out
    assert "Import findings" in out
    for text in ("OX-IMP-005", "OX-CHK-020", "OX-IMP-005 solution:"):
        assert text in out
    assert f"Rejected rows are in {report}" in out.replace("\n", "")
    assert report.read_text().count("\n") == 2  # header + the rejected order's one line
    as_json = json.loads(run(workspace, "import", str(path), "--json", "--dry-run").output)
    assert as_json["counts"]["rejected"] == 1 and as_json["counts"]["duplicates"] == 1
    assert [(e["row"], e["order"], e["code"]) for e in as_json["errors"]] == [(2, "8",
                                                                              "OX-IMP-005")]


@pytest.mark.parametrize("width", [80, 140])
def test_check_report_keeps_the_message_readable_at_80_columns(monkeypatch, width):
    import io

    from rich.console import Console

    from orderexchange.present import orders as present_orders
    from orderexchange.dispatch import SendResult
    from orderexchange.model import Finding, SupplierOrderState

    out = io.StringIO()
    monkeypatch.setattr(present_orders, "console", Console(file=out, width=width, color_system=None))
    finding = Finding("error", "OX-CHK-006", "Order 1001 line 2: supplier SKU A-900 is not a "
                      "product of supplier alpha's shop.", "solution", "1001")
    present_orders.print_check_report([SendResult(17, "alpha", SupplierOrderState.CHECK_FAILED,
                                       findings=[finding])])
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= width
    assert "OX-CHK-006" in text and "1001" in text
    assert ("severity" in text) == (width >= 110)  # narrow: the code's colour says it
    words = " ".join(line.split("│")[-2].strip() for line in text.splitlines() if "│" in line)
    assert "is not a product of supplier alpha's shop." in " ".join(words.split())
