"""Counted nouns read right: "1 customer order", "2 customer orders", never "1 customer orders"
nor "order(s)" — in the helper and in what the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import orderdata
import pytest

from orderexchange.build import BuildReport
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState
from orderexchange.plural import count, plural, plural_of
from orderexchange.present import desk, orders, reports


@pytest.mark.parametrize("word, words", [
    ("order", "orders"), ("customer order", "customer orders"), ("line", "lines"),
    ("box", "boxes"), ("address", "addresses"), ("match", "matches"), ("day", "days"),
    ("delivery", "deliveries"), ("catalogue row", "catalogue rows"), ("key", "keys"),
])
def test_regular_plurals(word, words):
    assert plural_of(word) == words


def test_one_is_singular_everything_else_plural():
    assert [count(n, "customer order") for n in (0, 1, 2)] == [
        "0 customer orders", "1 customer order", "2 customer orders"]
    assert count(-1, "day") == "-1 day" and count(-3, "day") == "-3 days"
    assert plural(1, "has", "have") == "has" and plural(4, "has", "have") == "have"
    assert count(12000, "byte", grouped=True) == "12,000 bytes"
    assert count(1, "byte", grouped=True) == "1 byte"


def flat(text: str) -> str:
    return " ".join(text.split())


def test_build_reasons_in_the_singular_and_plural(capsys):
    one = BuildReport(
        unassigned=[OXError("OX-BLD-001", order="1", line=1, sku="X"),
                    OXError("OX-BLD-005", order="1", line=2, sku="Y")],
        waiting=[OXError("OX-BLD-003", order="2", supplier="alpha", status="open",
                         trigger="paid"),
                 OXError("OX-BLD-004", supplier="beta", value="1.00", minimum="50.00",
                         currency="EUR", lines=1)])
    reports.print_build(one, [])
    out = flat(capsys.readouterr().out)
    assert ("No supplier order built: 1 customer order waits for its trigger (the shop status "
            "a supplier's `trigger` names; OX-BLD-003); 1 line waits for a minimum order value "
            "(OX-BLD-004, OX-BLD-006); 1 line has no active supplier (OX-BLD-001); 1 line waits for an "
            "exchange rate to compare the suppliers' prices (OX-BLD-005).") in out
    two = BuildReport(unassigned=one.unassigned * 2, waiting=[one.waiting[0]] * 2 + [
        OXError("OX-BLD-004", supplier="beta", value="1.00", minimum="50.00", currency="EUR",
                lines=3)])
    reports.print_build(two, [])
    out = flat(capsys.readouterr().out)
    assert ("2 customer orders wait for their trigger" in out and "3 lines wait for a minimum"
            in out and "2 lines have no active supplier" in out
            and "2 lines wait for an exchange rate" in out)


@dataclass
class _Import:
    rows: int
    file_rows: int
    counts: dict
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    report_path: None = None

    def issues(self):
        return []


def test_import_and_catalogue_counts(capsys):
    reports.print_import_report(_Import(1, 1, {"stored": 1, "duplicates": 0, "rejected": 0,
                                               "warnings": 1, "errors": 0}), False, 1000)
    reports.print_catalogue_import(1, [])
    out = capsys.readouterr().out
    assert "1 order read (1 row): 1 stored, 0 already imported, 0 rejected, 1 warning." in out
    assert "1 catalogue row stored, 0 rejected." in out
    reports.print_import_report(_Import(3, 4, {"stored": 3, "duplicates": 0, "rejected": 0,
                                               "warnings": 2, "errors": 1},
                                        errors=[1, 2]), False, 2)
    out = flat(capsys.readouterr().out)
    assert "3 orders read (4 rows): 3 stored, 0 already imported, 0 rejected, 2 warnings." in out
    assert "1 error was found in all" in out


def test_status_licence_purge_and_held_counts(capsys):
    data = {"licence": {"state": "active", "days_left": 1, "licensee": "ACME",
                        "message": None},
            "daemons": [], "supplier_orders": {}, "open_customer_orders": 1, "suppliers": [],
            "failures": []}
    desk.print_status(data)
    out = capsys.readouterr().out
    assert "active for ACME (1 day left)" in out and "Orders:   1 open customer order;" in out

    plan = SimpleNamespace(purge=[{"id": 7, "supplier_id": "alpha", "updated_at": None}],
                           before=None, keep=[{"id": 8, "open_orders": ["1001"]}])
    desk.print_purge(plan, {"supplier_orders": 1, "transfers": 2, "lines": 1, "findings": 0,
                            "events": 1}, dry_run=False)
    out = flat(capsys.readouterr().out)
    assert "Removed 1 confirmed supplier order" in out and "supplier orders" not in out
    assert "1 supplier order, 2 transfers, 1 line, 0 findings, 1 event" in out
    assert "Kept supplier order 8: customer order 1001 still has lines to build." in out

    result = SimpleNamespace(supplier_order_id=3, supplier_id="alpha", message_id=None,
                             digest_pending=False, skipped="", findings=[],
                             held=[("1002", "OX-CHK-052")], held_in=4, error=None, warnings=[],
                             state=SupplierOrderState.NOTIFIED, written=1, already_there=0,
                             customers_created=0)
    orders.print_results([result])
    out = flat(capsys.readouterr().out)
    assert "Supplier order 3: 1 customer order held (1002), moved to supplier order 4" in out


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_realistic_single_order_import_reads_singular(tmp_path, make_config, fmt):
    """The CLI's own line after importing one realistic order (tests/orderdata.py), as a
    distributor meets it: one order of one row (JSON Lines) or of a row per line (CSV)."""
    from click.testing import CliRunner

    from orderexchange.cli import main

    config = make_config()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[distributor]\nid = "acme"\nname = "ACME"\nemail = "o@acme.example"\n'
                   f'[store]\nurl = "{config.store.url}"\n')
    data = orderdata.generate(1, seed=5, bad_share=0, fmt=fmt, today=date(2026, 11, 30))
    orders_path = tmp_path / f"one.{fmt}"
    orders_path.write_bytes(data.file_bytes())
    result = CliRunner().invoke(main, ["--config", str(cfg), "import", str(orders_path)])
    assert result.exit_code == 0, result.output
    rows = 1 if fmt == "jsonl" else len(data.orders[0]["lines"])
    assert (f"1 order read ({count(rows, 'row')}): 1 stored, 0 already imported, 0 rejected, "
            in flat(result.output))
    assert "(s)" not in result.output and "1 orders" not in result.output
