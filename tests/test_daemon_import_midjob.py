"""Orders imported while the daemon's send job runs: the job takes them over, each once.

Why end to end: tests/test_send_handout.py shows the hand-out waiting for work with fake
suppliers. Here it is the real thing — the demo workspace's SQLite store and osCommerce shops,
the daemon's own claims (`Daemon.send_claimed`), the file outbox — and the orders arrive the way
they do in a distributor's set-up: another process (`orderexchange import` and `build`, e.g. a
cron job) stores them while the daemon holds a supplier. Asserted: the supplier orders of those
orders are sent in the same job, the one of the held supplier only after its current batch (a
supplier is never sent to by two senders), every order is in its shop once, one email each.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import threading

import pytest
from helpers import licensed_cli_command, sample_order

from orderexchange import config as config_mod
from orderexchange.daemon import Daemon
from orderexchange.demo import write_workspace
from orderexchange.dispatch import Dispatcher
from orderexchange.plugin_host import PluginHost
from orderexchange.send_processes import Handout
from orderexchange.store import Store

#: seconds any side waits for the other before the test fails (never reached when it works)
PATIENCE = 60

HAMMER = {"sku": "HAMMER-450", "name": "Claw hammer", "quantity": 1, "unit_price": "12.90",
          "tax_rate": "19"}
RAKE = {"sku": "RAKE", "name": "Leaf rake", "quantity": 2, "unit_price": "11.90",
        "tax_rate": "19"}


def _orders_file(path, orders):
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders),
                    encoding="utf-8")
    return path


def _cli(vendor_key, tmp_path, cfg, *args):
    done = subprocess.run(licensed_cli_command(vendor_key, tmp_path, "--config", cfg, *args),
                          capture_output=True, text=True, timeout=PATIENCE)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _shop_orders(ws, supplier):
    """(order id, comment) of the status-history rows our writes left in the supplier's
    osCommerce shop (the row that carries the exchange reference and names the order)."""
    with sqlite3.connect(ws / "shops" / f"{supplier}.sqlite") as shop:
        return shop.execute("SELECT orders_id, comments FROM orders_status_history "
                            "WHERE comments LIKE '%orderexchange: order %' ORDER BY orders_id").fetchall()


@pytest.mark.parametrize("processes", [1, 2], ids=["threads", "worker-processes"])
def test_orders_imported_while_a_supplier_is_sent_to_go_out_in_the_same_job(
        tmp_path, vendor_key, demo_licence_code, monkeypatch, processes):
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    cfg.write_text(cfg.read_text() + f"\n[daemon]\nconcurrency = 2\nprocesses = {processes}\n")
    _cli(vendor_key, tmp_path, cfg, "activate", demo_licence_code)
    _cli(vendor_key, tmp_path, cfg, "catalogue", "import", ws / "catalogue.csv")
    # the job starts with alpha's backlog alone: one supplier order of two customer orders
    first = [sample_order(f"M-{n}", email=f"m{n}@example.org", first="Maja", last=f"Nowak {n}",
                          lines=[HAMMER]) for n in (1, 2)]
    _cli(vendor_key, tmp_path, cfg, "import", _orders_file(ws / "first.jsonl", first))
    _cli(vendor_key, tmp_path, cfg, "build")

    # Alpha's send waits, holding alpha, until the imported orders' beta supplier order is sent
    # (the waiting sender must take it). Events of the fork context: in the worker-process run
    # these wrappers run in the forked workers.
    ctx = multiprocessing.get_context("fork")
    alpha_holds, beta_sent, alpha_saw_beta = ctx.Event(), ctx.Event(), ctx.Event()
    alpha_twice = ctx.Event()  # a second sender began alpha while one was sending to it
    alpha_batches, alpha_in_flight = ctx.Value("i", 0), ctx.Value("i", 0)
    send_supplier = Dispatcher._send_supplier

    def watched(self, supplier_id, batch):
        if supplier_id == "alpha":
            with alpha_batches.get_lock():
                alpha_batches.value += 1
                first_batch = alpha_batches.value == 1
                alpha_in_flight.value += 1
                if alpha_in_flight.value > 1:
                    alpha_twice.set()
            try:
                if first_batch:
                    alpha_holds.set()
                    if beta_sent.wait(PATIENCE):
                        alpha_saw_beta.set()
                return send_supplier(self, supplier_id, batch)
            finally:
                with alpha_batches.get_lock():
                    alpha_in_flight.value -= 1
        results = send_supplier(self, supplier_id, batch)
        beta_sent.set()
        return results

    monkeypatch.setattr(Dispatcher, "_send_supplier", watched)
    # a waiting sender asks for claims again this often (5 s in a daemon: a store transaction)
    monkeypatch.setattr(Handout, "ASK_AGAIN", 0.1)

    config = config_mod.load(cfg)
    store = Store(config.store.url)
    daemon = Daemon(config, store, PluginHost())
    outcome: dict[str, object] = {}

    def job():
        try:
            outcome["sent"] = daemon.send_claimed()
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread below
            outcome["error"] = exc

    sender = threading.Thread(target=job)
    sender.start()
    try:
        assert alpha_holds.wait(PATIENCE), "the job never began alpha's supplier order"
        # meanwhile another process imports and builds: orders for both suppliers
        later = [sample_order("M-3", email="m1@example.org", first="Maja", last="Nowak 1",
                              lines=[RAKE]),
                 sample_order("M-4", email="ola@example.org", first="Ola", last="Kowalska",
                              lines=[HAMMER, RAKE]),
                 sample_order("M-5", email="m2@example.org", first="Maja", last="Nowak 2",
                              lines=[HAMMER])]
        _cli(vendor_key, tmp_path, cfg, "import", _orders_file(ws / "later.jsonl", later))
        _cli(vendor_key, tmp_path, cfg, "build")
    finally:
        sender.join(PATIENCE * 2)
    try:
        assert not sender.is_alive(), "the send job did not end"
        assert "error" not in outcome, outcome.get("error")
        # beta's new supplier order went out while alpha was still held, in this job
        assert alpha_saw_beta.is_set()
        # alpha's new one was not taken by a second sender while alpha was held: it was the
        # job's second alpha batch, after the first one ended
        assert alpha_batches.value == 2 and not alpha_twice.is_set()
        assert outcome["sent"] == 3
        rows = store.list_supplier_orders()
        assert sorted((r["supplier_id"], r["state"]) for r in rows) == [
            ("alpha", "notified"), ("alpha", "notified"), ("beta", "notified")]
    finally:
        store.close()
    # each customer order in its shop once: alpha has M-1, M-2, M-4, M-5; beta M-3, M-4
    alpha, beta = _shop_orders(ws, "alpha"), _shop_orders(ws, "beta")
    assert len(alpha) == 4 and len({oid for oid, _c in alpha}) == 4
    assert len(beta) == 2 and len({oid for oid, _c in beta}) == 2
    for number, shop in (("M-1", alpha), ("M-2", alpha), ("M-4", alpha), ("M-5", alpha),
                         ("M-3", beta), ("M-4", beta)):
        assert sum(f"order {number} forwarded" in c for _oid, c in shop) == 1, (number, shop)
    emails = sorted((ws / "outbox").glob("*.eml"))
    assert len(emails) == 3
