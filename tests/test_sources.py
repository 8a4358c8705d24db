"""Order sources: the shipped drop folder, and a source type added by a plug-in."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from helpers import sample_order

from orderexchange.cli import main
from orderexchange.errors import OXError
from orderexchange.plugin_host import PluginHost
from orderexchange.sources import fetch
from orderexchange.store import Store


def drop(folder, name, orders, age=60):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(json.dumps(o) for o in orders) + "\n")
    old = path.stat().st_mtime - age
    os.utime(path, (old, old))
    return path


def test_folder_source_imports_and_files_away(tmp_path, make_config):
    config = make_config(sources={"shop": {"type": "folder", "folder": "in"}})
    store = Store(config.store.url)
    drop(tmp_path / "in", "a.jsonl", [sample_order("1"), sample_order("2")])
    drop(tmp_path / "in", "b.jsonl", [sample_order("3"), sample_order("4", email="bad")])
    drop(tmp_path / "in", "busy.jsonl", [sample_order("5")], age=0)  # still being written
    (reports,) = fetch(store, config, PluginHost().order_sources())
    assert [len(r.stored) for r in reports.reports] == [2, 1]
    assert (tmp_path / "in" / "done" / "a.jsonl").exists()
    assert (tmp_path / "in" / "failed" / "b.jsonl").exists()
    errors = (tmp_path / "in" / "failed" / "b.jsonl.errors.txt").read_text()
    assert "OX-IMP-005" in errors and "Order 4" in errors
    assert (tmp_path / "in" / "busy.jsonl").exists()
    assert sorted(o["number"] for o in store.list_customer_orders()) == ["1", "2", "3"]


def test_fetch_through_the_cli_with_a_plugin_source_type(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "inline_source.py").write_text(
        "import json\n"
        "from pathlib import Path\n"
        "from orderexchange import hookimpl\n"
        "from orderexchange.sources import OrderSource, SourceSettings\n"
        "class Settings(SourceSettings):\n    file: str\n"
        "class OneFile(OrderSource):\n"
        "    type_name = 'onefile'\n    settings_schema = Settings\n"
        "    def files(self):\n        p = Path(self.settings.file)\n"
        "        return [p] if p.exists() else []\n"
        "    def done(self, path, report):\n        path.rename(path.with_suffix('.seen'))\n"
        "@hookimpl\ndef oe_order_sources():\n    return {'onefile': OneFile}\n")
    orders = drop(tmp_path, "orders.jsonl", [sample_order("9")])
    cfg = tmp_path / "config.toml"
    cfg.write_text('[distributor]\nid = "x"\nname = "X"\nemail = "x@example.com"\n'
                   f'[store]\nurl = "sqlite:///{tmp_path / "s.sqlite"}"\n'
                   '[plugins]\nfolder = "plugins"\n'
                   f'[sources.erp]\ntype = "onefile"\nfile = "{orders}"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "fetch", "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["source"] == "erp" and report["files"][0]["stored"] == ["9"]
    assert orders.with_suffix(".seen").exists()
    again = CliRunner().invoke(main, ["--config", str(cfg), "fetch"])
    assert "nothing new" in again.output
    unknown = CliRunner().invoke(main, ["--config", str(cfg), "fetch", "nope"])
    assert unknown.exit_code == 2 and "OX-CFG-010" in unknown.output


def test_unknown_source_type_is_a_config_error(tmp_path, make_config):
    config = make_config(sources={"erp": {"type": "ftp"}})
    with pytest.raises(OXError) as exc:
        fetch(Store(config.store.url), config, PluginHost().order_sources())
    assert exc.value.code == "OX-CFG-009" and "folder" in exc.value.solution


def test_a_batch_source_hands_raw_orders_to_the_import_and_hears_back_before_the_next(
        make_config):
    """The raw-order API: the host validates like `import`, and `taken` precedes the next batch."""
    from orderexchange.sources import OrderBatch, OrderSource

    calls = []

    class Memory(OrderSource):
        type_name = "memory"

        def batches(self, store):
            calls.append("read 1")
            yield OrderBatch("memory 1", [sample_order("21"), sample_order("22", country="XX")],
                             context="first")
            calls.append("read 2")
            yield OrderBatch("memory 2", [sample_order("21"), sample_order("23")])

        def taken(self, store, batch, report):
            calls.append(f"taken {batch.label}: stored {report.stored} "
                         f"rejected {report.rejected_orders} dup {report.duplicates}")

        def close(self):
            calls.append("closed")

    config = make_config(sources={"mem": {"type": "memory"}})
    store = Store(config.store.url)
    (report,) = fetch(store, config, {"memory": Memory})
    assert calls == ["read 1", "taken memory 1: stored ['21'] rejected ['22'] dup []",
                     "read 2", "taken memory 2: stored ['23'] rejected [] dup ['21']", "closed"]
    first = report.reports[0]
    assert first.path == "memory 1" and first.errors[0].code == "OX-IMP-006"
    assert "Order 22" in first.errors[0].message
    assert report.as_dict()["files"][1]["stored"] == ["23"]
    assert sorted(o["number"] for o in store.list_customer_orders()) == ["21", "23"]


def test_config_check_validates_every_source(tmp_path):
    from orderexchange.demo import write_workspace

    cfg = write_workspace(tmp_path / "ws")
    cfg.write_text(cfg.read_text() + '\n[sources.inbox]\ntype = "folder"\nfolder = "in"\n'
                   '\n[sources.broken]\ntype = "folder"\nsettle_seconds = "soon"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "config", "check"])
    assert result.exit_code == 2, result.output
    assert "source inbox" in result.output and "source broken" in result.output
    assert "OX-CFG-004" in result.output


def test_the_daemon_logs_each_refused_order_with_its_code(tmp_path, demo_licence_code):
    from orderexchange.demo import write_workspace

    cfg = write_workspace(tmp_path / "ws")
    cfg.write_text(cfg.read_text() + '\n[sources.inbox]\ntype = "folder"\nfolder = "in"\n'
                   'settle_seconds = 0\n')
    drop(cfg.parent / "in", "a.jsonl", [sample_order("1"), sample_order("2", email="bad")])
    assert CliRunner().invoke(main, ["--config", str(cfg), "activate", demo_licence_code]).exit_code == 0
    result = CliRunner().invoke(main, ["--config", str(cfg), "daemon", "--once",
                                       "--log-format", "json"])
    assert result.exit_code == 0, result.output
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    refused = [e for e in logs if e.get("job") == "fetch" and e.get("code") == "OX-IMP-005"]
    assert refused and "Order 2" in refused[0]["message"] and refused[0]["level"] == "warning"
    summary = [e for e in logs if e.get("job") == "fetch" and "imported" in e["message"]]
    assert "1 customer orders imported, 1 refused" in summary[0]["message"]


def test_a_batch_with_a_changed_status_says_so_once(tmp_path):
    """A source handing over an order again with a new status gets OX-IMP-017 alone, not also
    OX-IMP-009's "the new copy is ignored" (the status is taken over)."""
    from orderexchange.sources import OrderBatch, import_batch

    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        first = import_batch(store, OrderBatch("shop", [sample_order("1", status="pending")]))
        assert first.stored == ["1"]
        again = import_batch(store, OrderBatch("shop", [sample_order("1", status="paid")]))
        assert again.duplicates == ["1"]
        assert [n.code for n in again.notices] == ["OX-IMP-017"]
        same = import_batch(store, OrderBatch("shop", [sample_order("1", status="paid")]))
        assert [n.code for n in same.notices] == ["OX-IMP-009"]
    finally:
        store.close()
