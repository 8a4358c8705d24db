"""Orders imported while the daemon's send job runs: the job takes them over, each once.

Why end to end: tests/test_send_handout.py shows the hand-out waiting for work with fake
suppliers. Here it is the real thing — the demo workspace's SQLite store and osCommerce shops,
the daemon's own claims (`Daemon.send_claimed`), the file outbox — and the orders arrive the way
they do in a distributor's set-up: another process (`orderexchange import` and `build`, e.g. a
cron job) stores them while the daemon holds a supplier. Asserted: the supplier orders of those
orders are sent in the same job, the one of the held supplier only after its current batch (a
supplier is never sent to by two senders), every order is in its shop once, one email each.
Once with hand-picked orders, once with the realistic generator's (bad rows, returning customers
who changed their details between the two imports, currencies a shop does not list), read back
with osCommerce's admin order list.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime

import orderdata
import pytest
import sqlalchemy as sa
from helpers import licensed_cli_command, sample_order
from test_realdata_e2e import OSC_COUNTRIES, OsCommerce, phone_as_stored

from orderexchange import config as config_mod
from orderexchange.daemon import Daemon
from orderexchange.demo import write_workspace
from orderexchange.dispatch import Dispatcher
from orderexchange.model import TransferState
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


class AlphaHeld:
    """Alpha's first batch waits, holding alpha, until beta sends a batch `releases` accepts
    (the waiting sender must take it), then goes on. Events and counters of the fork context:
    in the worker-process runs the wrapper runs in the forked workers."""

    def __init__(self, monkeypatch, releases):
        ctx = multiprocessing.get_context("fork")
        self.holds, self.beta_sent, self.saw_beta = ctx.Event(), ctx.Event(), ctx.Event()
        self.twice = ctx.Event()  # a second sender began alpha while one was sending to it
        self.batches, self.in_flight = ctx.Value("i", 0), ctx.Value("i", 0)
        send_supplier = Dispatcher._send_supplier

        def watched(dispatcher, supplier_id, batch):
            if supplier_id != "alpha":
                results = send_supplier(dispatcher, supplier_id, batch)
                if releases(dispatcher, batch):
                    self.beta_sent.set()
                return results
            with self.batches.get_lock():
                self.batches.value += 1
                first_batch = self.batches.value == 1
                self.in_flight.value += 1
                if self.in_flight.value > 1:
                    self.twice.set()
            try:
                if first_batch:
                    self.holds.set()
                    if self.beta_sent.wait(PATIENCE):
                        self.saw_beta.set()
                return send_supplier(dispatcher, supplier_id, batch)
            finally:
                with self.batches.get_lock():
                    self.in_flight.value -= 1

        monkeypatch.setattr(Dispatcher, "_send_supplier", watched)
        # a waiting sender asks for claims again this often (5 s in a daemon: a store
        # transaction)
        monkeypatch.setattr(Handout, "ASK_AGAIN", 0.1)

    def run_job(self, daemon, meanwhile):
        """The daemon's send job in a thread; `meanwhile()` once alpha is held. What the job
        returned (the supplier orders it sent)."""
        outcome: dict[str, object] = {}

        def job():
            try:
                outcome["sent"] = daemon.send_claimed()
            except BaseException as exc:  # noqa: BLE001 - reported below
                outcome["error"] = exc

        sender = threading.Thread(target=job)
        sender.start()
        try:
            assert self.holds.wait(PATIENCE), "the job never began alpha's supplier order"
            meanwhile()
        finally:
            sender.join(PATIENCE * 2)
        assert not sender.is_alive(), "the send job did not end"
        assert "error" not in outcome, outcome.get("error")
        return outcome["sent"]


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

    # alpha held until the imported orders' beta supplier order is sent
    held = AlphaHeld(monkeypatch, lambda _dispatcher, _batch: True)
    config = config_mod.load(cfg)
    store = Store(config.store.url)

    def meanwhile():
        # another process imports and builds: orders for both suppliers
        later = [sample_order("M-3", email="m1@example.org", first="Maja", last="Nowak 1",
                              lines=[RAKE]),
                 sample_order("M-4", email="ola@example.org", first="Ola", last="Kowalska",
                              lines=[HAMMER, RAKE]),
                 sample_order("M-5", email="m2@example.org", first="Maja", last="Nowak 2",
                              lines=[HAMMER])]
        _cli(vendor_key, tmp_path, cfg, "import", _orders_file(ws / "later.jsonl", later))
        _cli(vendor_key, tmp_path, cfg, "build")

    sent = held.run_job(Daemon(config, store, PluginHost()), meanwhile)
    try:
        # beta's new supplier order went out while alpha was still held, in this job
        assert held.saw_beta.is_set()
        # alpha's new one was not taken by a second sender while alpha was held: it was the
        # job's second alpha batch, after the first one ended
        assert held.batches.value == 2 and not held.twice.is_set()
        assert sent == 3
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


# === the same on realistic orders ==============================================================
#: the demo shops' products (orderexchange/demo.py SHOPS): the generator's catalogue maps its
#: products onto them, round robin, so most orders go to both suppliers
DEMO_SKUS = {"alpha": ["A-100", "A-200", "A-300"], "beta": ["B-10", "B-20"]}
#: orders in the file imported before the job; the rest arrive while alpha is held
BEFORE = 24


def _add_countries(ws):
    """The generator's customers live in nine countries; the demo shops list six (a real
    osCommerce install lists them all: catalog/install/osCommerce.sql)."""
    for supplier in DEMO_SKUS:
        with sqlite3.connect(ws / "shops" / f"{supplier}.sqlite") as shop:
            have = {iso for (iso,) in shop.execute("SELECT countries_iso_code_2 FROM countries")}
            shop.executemany(
                "INSERT INTO countries (countries_id, countries_name, countries_iso_code_2, "
                "countries_iso_code_3, address_format_id) VALUES (?, ?, ?, ?, ?)",
                [row for row in OSC_COUNTRIES if row[2] not in have])


def _import_json(vendor_key, tmp_path, cfg, path):
    """`import --json`: exit 1 when it refused rows (the generated files have bad ones)."""
    done = subprocess.run(licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "import",
                                               path, "--json"),
                          capture_output=True, text=True, timeout=PATIENCE)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("processes", [1, 2], ids=["threads", "worker-processes"])
def test_realistic_orders_imported_mid_job_are_each_in_their_shops_once(
        tmp_path, vendor_key, demo_licence_code, monkeypatch, processes):
    """Generated orders (tests/orderdata.py: nine locales, returning customers who moved or
    changed phone, a family sharing an email, CHF/GBP/PLN, companies, ~9 % bad rows) for both
    demo suppliers: a first file before the job, the rest imported and built by another process
    while the job holds alpha. Read back with osCommerce's own admin order list
    (test_realdata_e2e.OsCommerce.LIST, catalog/admin/orders.php) from each demo shop."""
    data = orderdata.generate(80, seed=41, today=datetime.now(UTC).date(), suppliers=DEMO_SKUS)
    stated = {lb.email: (lb.first_name, lb.last_name, lb.phone) for lb in data.labels[:BEFORE]
              if lb.good}
    changed = [lb.number for lb in data.labels[BEFORE:] if lb.good and lb.email in stated
               and stated[lb.email] != (lb.first_name, lb.last_name, lb.phone)]
    assert changed, "the file imported mid-job has customers of the first with new details"
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    cfg.write_text(cfg.read_text() + f"\n[daemon]\nconcurrency = 2\nprocesses = {processes}\n")
    _add_countries(ws)
    (ws / "catalogue.csv").write_text(data.catalogue_csv(), encoding="utf-8")
    _cli(vendor_key, tmp_path, cfg, "activate", demo_licence_code)
    _cli(vendor_key, tmp_path, cfg, "catalogue", "import", ws / "catalogue.csv")
    parts = [orderdata.Dataset(data.orders[:BEFORE], data.labels[:BEFORE], data.catalogue),
             orderdata.Dataset(data.orders[BEFORE:], data.labels[BEFORE:], data.catalogue)]
    files = []
    for i, part in enumerate(parts):
        files.append(ws / f"part{i}.jsonl")
        files[-1].write_bytes(part.file_bytes())
    reports = [_import_json(vendor_key, tmp_path, cfg, files[0])]
    _cli(vendor_key, tmp_path, cfg, "build")

    config = config_mod.load(cfg)
    store = Store(config.store.url)
    before = {head["id"] for head in store.list_supplier_orders()}  # the first file's
    later = {lb.number for lb in parts[1].labels}

    def of_second_file(dispatcher, batch):
        """Beta's supplier order of the second file's orders, not the one step 1 may split off
        for the first file's held orders."""
        return any(t.customer_order.number in later for so in batch
                   for t in dispatcher.store.supplier_order(so.id).transfers)

    def meanwhile():
        reports.append(_import_json(vendor_key, tmp_path, cfg, files[1]))
        _cli(vendor_key, tmp_path, cfg, "build")

    held = AlphaHeld(monkeypatch, of_second_file)
    sent = held.run_job(Daemon(config, store, PluginHost()), meanwhile)
    try:
        # beta's new supplier order went out while alpha was held; alpha's were each sent by
        # one sender at a time, the new one after the held batch
        assert held.saw_beta.is_set() and not held.twice.is_set()
        heads = store.list_supplier_orders()
        assert {h["supplier_id"] for h in heads if h["id"] not in before} == set(DEMO_SKUS)
        assert held.batches.value >= 2
        transfers = {(head["supplier_id"], t.customer_order.number): t
                     for head in heads for t in store.supplier_order(head["id"]).transfers}
        # each supplier order went out in this job, or was stopped by its held orders alone
        # (all in a currency the shop does not list): none is left for a later one
        by_state = {}
        for head in heads:
            by_state.setdefault(head["state"], []).append(head)
        assert set(by_state) <= {"notified", "check_failed"}, by_state.keys()
        assert all(h["error_code"] == "OX-CHK-010" and h["held"] == h["customer_orders"]
                   for h in by_state.get("check_failed", []))
        assert sent == len(by_state["notified"])
    finally:
        store.close()

    # the import: every good order stored, every bad one refused (a re-exported copy ignored)
    good = {lb.number: lb for lb in data.labels if lb.good}
    assert sum(r["counts"]["rejected"] for r in reports) == sum(
        lb.code != "OX-IMP-009" for lb in data.labels if not lb.good)
    assert {number for _s, number in transfers} == set(good)
    # each shop: the orders it can take listed once, under the person they name; the ones it
    # cannot (a currency it does not list) held with the code and not in it
    family = OsCommerce()
    for supplier in DEMO_SKUS:
        engine = sa.create_engine(f"sqlite:///{ws / 'shops' / f'{supplier}.sqlite'}")
        try:
            with engine.connect() as conn:
                listed = {row.order_id: row for row in family.listed(conn)}
                currencies = family.currencies(conn)
                accounts = family.accounts(conn, {row.customer_id for row in listed.values()})
        finally:
            engine.dispose()
        mine = {n: t for (s, n), t in transfers.items() if s == supplier}
        held = {n: t.error_code for n, t in mine.items() if t.state == TransferState.HELD}
        assert held == {n: family.missing_currency for n in mine
                        if good[n].currency not in currencies}, supplier
        written = {n: t.remote_order_id for n, t in mine.items() if n not in held}
        assert sorted(written.values()) == sorted(listed), supplier
        assert len(set(written.values())) == len(written)
        people = {n: (listed[oid].name, listed[oid].email.lower(), listed[oid].phone)
                  for n, oid in written.items()}
        assert people == {n: (f"{good[n].first_name} {good[n].last_name}",
                              good[n].email.lower(), phone_as_stored(good[n]))
                          for n in written}, supplier
        # no shop account mixes two people: its own name and phone are those of one order on
        # it, and every order on it is of one email household (test_realdata_e2e's rule)
        on_account = {}
        for n, oid in written.items():
            on_account.setdefault(listed[oid].customer_id, []).append(good[n])
        for customer_id, labels in on_account.items():
            account = accounts[customer_id]
            assert len({lb.household for lb in labels}) == 1, (supplier, customer_id)
            assert (account.first_name, account.last_name, account.phone) in {
                (lb.first_name, lb.last_name, phone_as_stored(lb)) for lb in labels}, (
                supplier, customer_id)
    assert len(list((ws / "outbox").glob("*.eml"))) == len(by_state["notified"])
