"""Read-back as a daemon job (`sync`), off by default; the store upgrade adds its columns."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from click.testing import CliRunner

from orderexchange import config as config_mod
from orderexchange.cli import main
from orderexchange.daemon import Daemon
from orderexchange.demo import write_workspace
from orderexchange.plugin_host import PluginHost
from orderexchange.store import Store


def run(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_sync_job_is_off_by_default_and_can_be_turned_on(make_config):
    jobs = make_config().daemon.jobs
    assert jobs["sync"].enabled is False and jobs["sync"].every == 900
    on = make_config(daemon={"jobs": {"sync": {"cron": "*/30 * * * *"}}}).daemon.jobs
    assert on["sync"].enabled and on["sync"].cron == "*/30 * * * *"


def test_daemon_sync_job_reads_back_and_confirms(tmp_path, demo_licence_code):
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    run(cfg, "activate", demo_licence_code)
    run(cfg, "catalogue", "import", str(ws / "catalogue.csv"))
    run(cfg, "import", str(ws / "orders.jsonl"))
    run(cfg, "build")
    assert run(cfg, "send", "--all").exit_code == 0
    for sid in ("alpha", "beta"):
        with sqlite3.connect(ws / "shops" / f"{sid}.sqlite") as conn:
            conn.execute("UPDATE orders SET orders_status = 2")
    config = config_mod.load(cfg)
    store = Store(config.store.url)
    try:
        detail = Daemon(config, store, PluginHost())._run_job("sync")
        assert detail == "4 orders read back, 2 supplier orders confirmed"
        assert {r["state"] for r in store.list_supplier_orders()} == {"confirmed"}
    finally:
        store.close()


def test_an_older_store_gets_the_read_back_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:  # as a release before read-back left it
        for column in ("tracking_number", "remote_status"):
            conn.execute(f"ALTER TABLE ox_transfers DROP COLUMN {column}")
    store = Store(f"sqlite:///{path}")
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("ox_transfers")}
    assert {"tracking_number", "remote_status", "cancelled_at"} <= columns
    store.close()
