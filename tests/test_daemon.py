"""The daemon: jobs from config, --once, one daemon per SQLite store, graceful stop."""

from __future__ import annotations

import io
import json
import logging
import signal
import subprocess
import time

import pytest
from click.testing import CliRunner
from helpers import licensed_cli_command, sample_order

from orderexchange import config as config_mod
from orderexchange.cli import main
from orderexchange.daemon import Daemon, configure_logging, slot_key
from orderexchange.demo import write_workspace
from orderexchange.errors import OXError
from orderexchange.config import JobConfig
from orderexchange.model import SupplierOrderState
from orderexchange.plugin_host import PluginHost
from orderexchange.send_result import SendResult
from orderexchange.store import Store


def daemon_workspace(tmp_path, extra=""):
    """The demo workspace plus an inbox folder source and a [daemon] table."""
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    text = cfg.read_text() + ('\n[sources.inbox]\ntype = "folder"\nfolder = "inbox"\n'
                              'settle_seconds = 0\n' + extra)
    cfg.write_text(text)
    (ws / "inbox").mkdir()
    return cfg


def drop_orders(ws, name, numbers):
    lines = [json.dumps(sample_order(n, lines=[{"sku": "HAMMER-450", "name": "h", "quantity": 1,
                                                 "unit_price": "12.90", "tax_rate": "19"},
                                                {"sku": "RAKE", "name": "r", "quantity": 2,
                                                 "unit_price": "11.90", "tax_rate": "19"}]))
             for n in numbers]
    tmp = ws / "inbox" / f".{name}.part"
    tmp.write_text("\n".join(lines) + "\n")
    tmp.rename(ws / "inbox" / name)  # renamed in whole, as a shop export should


def states(cfg):
    store = Store(config_mod.load(cfg).store.url)
    return sorted(r["state"] for r in store.list_supplier_orders())


def test_once_fetches_builds_and_sends(tmp_path, demo_licence_code):
    cfg = daemon_workspace(tmp_path)
    ws = cfg.parent
    CliRunner().invoke(main, ["--config", str(cfg), "catalogue", "import",
                              str(ws / "catalogue.csv")])
    drop_orders(ws, "batch1.jsonl", ["7001", "7002"])
    assert CliRunner().invoke(main, ["--config", str(cfg), "activate", demo_licence_code]).exit_code == 0
    result = CliRunner().invoke(main, ["--config", str(cfg), "daemon", "--once",
                                       "--log-format", "json"])
    assert result.exit_code == 0, result.output
    assert states(cfg) == ["notified", "notified"]  # one supplier order per supplier
    assert (ws / "inbox" / "done" / "batch1.jsonl").exists()
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    sent = [e for e in logs if e.get("step") == "notified"]
    assert len(sent) == 2 and all("supplier_order" in e for e in sent)


def test_daemon_needs_the_daemon_feature(tmp_path, vendor_key):
    from orderexchange import licence

    cfg = daemon_workspace(tmp_path)
    code = licence.encode({"licensee": "A", "distributor_id": "demo", "features": ["oscommerce"]},
                          vendor_key)
    CliRunner().invoke(main, ["--config", str(cfg), "activate", code])
    result = CliRunner().invoke(main, ["--config", str(cfg), "daemon", "--once"])
    assert result.exit_code == 3 and "OX-LIC-011" in result.output


def test_second_daemon_on_one_sqlite_store_is_refused(tmp_path):
    cfg = daemon_workspace(tmp_path)
    config = config_mod.load(cfg)
    store = Store(config.store.url)
    first = Daemon(config, store, PluginHost())
    first._single_daemon_lock()
    try:
        with pytest.raises(OXError) as exc:
            Daemon(config, store, PluginHost()).run(once=True)
        assert exc.value.code == "OX-DMN-001" and "PostgreSQL" in exc.value.solution
    finally:
        first._lock.release()
    assert Daemon(config, store, PluginHost()).run(once=True) == 0  # free again


def test_slot_keys_agree_across_daemons_for_one_firing():
    from datetime import UTC, datetime

    job = JobConfig(every=300)
    a = datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)
    b = datetime(2026, 11, 23, 10, 4, 58, tzinfo=UTC)
    c = datetime(2026, 11, 23, 10, 5, 0, tzinfo=UTC)
    assert slot_key("build", job, a) == slot_key("build", job, b) != slot_key("build", job, c)
    assert slot_key("build", JobConfig(cron="*/5 * * * *"), a) == "2026-11-23T10:00"


def test_job_config_needs_exactly_one_trigger(tmp_path, make_config):
    with pytest.raises(OXError) as exc:
        make_config(daemon={"jobs": {"build": {"every": 60, "cron": "* * * * *"}}})
    assert exc.value.code == "OX-CFG-004" and "daemon.jobs.build" in exc.value.message


def test_scheduled_daemon_sends_new_orders_and_stops_gracefully(tmp_path, vendor_key,
                                                                 demo_licence_code):
    cfg = daemon_workspace(tmp_path, "\n[daemon]\nheartbeat_seconds = 0.5\n"
                                     "[daemon.jobs.fetch]\nevery = 0.5\n"
                                     "[daemon.jobs.build]\nevery = 0.5\n"
                                     "[daemon.jobs.send]\nevery = 0.5\n")
    ws = cfg.parent
    runner = CliRunner()
    runner.invoke(main, ["--config", str(cfg), "catalogue", "import", str(ws / "catalogue.csv")])
    runner.invoke(main, ["--config", str(cfg), "activate", demo_licence_code])
    proc = subprocess.Popen(licensed_cli_command(vendor_key, tmp_path, "--config", cfg,
                                                 "daemon", "--log-format", "json"),
                            stderr=subprocess.PIPE, text=True)
    try:
        drop_orders(ws, "a.jsonl", ["8001"])
        deadline = time.monotonic() + 60
        while states(cfg) != ["notified", "notified"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert states(cfg) == ["notified", "notified"]
        drop_orders(ws, "b.jsonl", ["8002"])  # picked up on a later tick
        while len(states(cfg)) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        while states(cfg) != ["notified"] * 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert states(cfg) == ["notified"] * 4
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out = proc.communicate(timeout=60)[1]
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, out
    logs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any("stopped" in e["message"] for e in logs)
    assert "password" not in out.lower()


def test_a_job_kind_this_daemon_does_not_know_fails_with_its_code(tmp_path):
    """A newer daemon on the same store may queue kinds an older one cannot run."""
    import sqlalchemy as sa

    from orderexchange.queue import jobs

    cfg = daemon_workspace(tmp_path)
    config = config_mod.load(cfg)
    store = Store(config.store.url)
    daemon = Daemon(config, store, PluginHost())
    daemon.queue.enqueue("sync-status", "slot-1")
    daemon.work_jobs()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(jobs.c.state, jobs.c.error)).one()
    assert row.state == "failed" and row.error.startswith("OX-DMN-002")


def test_a_skipped_supplier_order_is_logged_as_skipped_in_json():
    """A script counting the daemon's notifications from its JSON log tells a supplier order it
    found already notified (another daemon sent it) from one it sent itself."""
    stream = io.StringIO()
    root = logging.getLogger("orderexchange")
    saved = root.handlers[:], root.level, root.propagate
    try:
        configure_logging("json", stream)
        Daemon._log_result(SendResult(7, "alpha", SupplierOrderState.NOTIFIED,
                                      skipped="already notified"))
        Daemon._log_result(SendResult(8, "alpha", SupplierOrderState.NOTIFIED, written=1))
    finally:
        root.handlers[:], root.level, root.propagate = saved
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["step"] == second["step"] == "notified"
    assert first["skipped"] == "already notified"
    assert first["message"] == "supplier order 7: not sent: already notified"
    assert "skipped" not in second and second["supplier_order"] == 8
