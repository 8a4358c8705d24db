"""One supplier order, one email: kills right after the mail server accepted DATA, concurrent
senders on SQLite / PostgreSQL / MariaDB stores, a permanent refusal, a killed daemon.

Real parts: the osCommerce shop on the session's MariaDB, aiosmtpd on loopback, the real CLI in
child processes. The kill moments come from a seeded generator (printed on failure).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict

import pytest
import servers
import sqlalchemy as sa
from click.testing import CliRunner
from helpers import CATALOGUE_CSV, licensed_cli_command, sample_order
from shopdb import child_config

from orderexchange import config as config_mod
from orderexchange.cli import main
from orderexchange.queue import WorkQueue
from orderexchange.store import Store

SEED = int(os.environ.get("OX_ONCE_SEED", "20261204"))
KILLS = 20


def write_config(tmp_path, shop, smtp, store_url=None, supplier_email=None, extra=()):
    return child_config(tmp_path, shop, smtp, store_url=store_url, supplier_email=supplier_email,
                        supplier=('max_customer_orders = 1',), daemon=(
                            '[daemon]', 'heartbeat_seconds = 1',
                            '[daemon.jobs.fetch]', 'enabled = false',
                            '[daemon.jobs.build]', 'enabled = false',
                            '[daemon.jobs.send]', 'every = 0.5',
                            '[daemon.retry]', 'attempts = 3', 'initial_seconds = 0.05',
                            'max_seconds = 0.2', *extra))


def cli(cfg, *args):
    result = CliRunner().invoke(main, ["--config", str(cfg), *map(str, args)])
    return result


def prepare(cfg, tmp_path, licence_code):
    (tmp_path / "catalogue.csv").write_text(CATALOGUE_CSV)
    assert cli(cfg, "catalogue", "import", tmp_path / "catalogue.csv").exit_code == 0
    assert cli(cfg, "activate", licence_code).exit_code == 0


def add_orders(cfg, tmp_path, first, count):
    """`count` customer orders, built into one supplier order each (max_customer_orders = 1)."""
    path = tmp_path / f"orders-{first}.jsonl"
    path.write_text("\n".join(json.dumps(sample_order(str(n), email=f"c{n}@example.com",
                                                      first="Kim", last=f"Kunde{n}"))
                              for n in range(first, first + count)) + "\n")
    assert cli(cfg, "import", path).exit_code == 0
    assert cli(cfg, "build").exit_code == 0


def shop_counts(shop, numbers):
    """(orders in the shop, customer order numbers not exactly once in its history)."""
    engine = sa.create_engine(shop.url)
    with engine.connect() as conn:
        history = [r.comments for r in conn.execute(sa.text(
            "SELECT comments FROM orders_status_history"))]
        count = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
    engine.dispose()
    return count, [n for n in numbers if sum(f"order {n} " in c for c in history) != 1]


def mails_by_order(smtp):
    """Subject (names the supplier order) → list of (Message-ID, raw bytes) received."""
    out = defaultdict(list)
    for m in smtp.messages:
        out[str(m.message["Subject"])].append((str(m.message["Message-ID"]).strip(), m.data))
    return out


def test_kill_right_after_the_server_accepted_data_resends_the_same_message(
        tmp_path, oscommerce_shop, smtp_server, vendor_key, licence_code):
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, oscommerce_shop, smtp)
    prepare(cfg, tmp_path, licence_code)
    rng = random.Random(SEED)
    send = licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "send", "--all")
    state = {"proc": None, "kill_at": 0, "seen": 0, "kills": 0}
    lock = threading.Lock()

    def kill_on_data(_message):
        # in the server's thread: the message is recorded, the 250 not yet sent — the sender
        # dies between the server's acceptance and its own commit of `notified`
        with lock:
            state["seen"] += 1
            proc = state["proc"]
            if proc is not None and state["seen"] == state["kill_at"]:
                os.kill(proc.pid, signal.SIGKILL)
                state["kills"] += 1

    smtp.on_data = kill_on_data
    next_number, runs = 7000, 0
    while state["kills"] < KILLS and runs < KILLS * 3:
        add_orders(cfg, tmp_path, next_number, 2)
        next_number += 2
        with lock:
            state["seen"], state["kill_at"] = 0, rng.randint(1, 3)
            state["proc"] = subprocess.Popen(send, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        state["proc"].wait()
        runs += 1
    smtp.on_data = None
    state["proc"] = None
    assert state["kills"] == KILLS, f"seed {SEED}"
    final = subprocess.run(send, capture_output=True, text=True)
    assert final.returncode == 0, f"seed {SEED}: {final.stdout}{final.stderr}"

    store = Store(config_mod.load(cfg).store.url)
    rows = store.list_supplier_orders()
    assert {r["state"] for r in rows} == {"notified"}, f"seed {SEED}"
    received = mails_by_order(smtp)
    assert len(received) == len(rows), f"seed {SEED}: every supplier order mailed"
    for subject, copies in received.items():
        # the acceptance: one Message-ID per supplier order, and a copy is the same message
        assert len({mid for mid, _raw in copies}) == 1, f"seed {SEED}: {subject}"
        assert len({raw for _mid, raw in copies}) == 1, f"seed {SEED}: {subject}"
    stored = {r["message_id"] for r in rows}
    assert stored == {mid for copies in received.values() for mid, _ in copies}
    assert sum(len(c) for c in received.values()) > len(rows)  # the kills did resend
    count, wrong = shop_counts(oscommerce_shop, range(7000, next_number))
    assert count == next_number - 7000 and wrong == [], f"seed {SEED}"
    store.close()


def store_url_for(backend, request, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite'}"
    if backend == "postgresql":
        return request.getfixturevalue("pg_url")
    db = request.getfixturevalue("mariadb_store_db")
    return db.url


@pytest.fixture
def mariadb_store_db(mariadb_server):
    """A second database on the session's MariaDB, for the state store (the first holds the
    shop)."""
    with servers.temporary_mariadb_database(mariadb_server) as db:
        yield db


@pytest.mark.parametrize("senders", [2, 3])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_concurrent_send_all_sends_each_supplier_order_once(
        backend, senders, request, tmp_path, oscommerce_shop, smtp_server, vendor_key,
        licence_code):
    smtp = smtp_server("plain")
    smtp.on_data = lambda _m: time.sleep(0.3)  # a mail server that takes its time
    cfg = write_config(tmp_path, oscommerce_shop, smtp,
                       store_url=store_url_for(backend, request, tmp_path))
    prepare(cfg, tmp_path, licence_code)
    add_orders(cfg, tmp_path, 100, 6)
    send = licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "send", "--all",
                                "--json")
    procs = [subprocess.Popen(send, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(senders)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * senders, outputs
    results = [r for out, _err in outputs for r in json.loads(out)]
    notified_by = Counter(r["supplier_order"] for r in results
                          if r["message_id"] and not r["skipped"])
    store = Store(config_mod.load(cfg).store.url)
    rows = store.list_supplier_orders()
    assert len(rows) == 6 and {r["state"] for r in rows} == {"notified"}
    assert notified_by == Counter({r["id"]: 1 for r in rows})  # each by exactly one sender
    others = [r["skipped"] for r in results if r["skipped"]]
    assert all(s.startswith(("being sent by ", "already notified")) for s in others), others
    assert any(s.startswith("being sent by ") for s in others), "the senders should compete"
    received = mails_by_order(smtp)
    assert len(received) == 6 and all(len(c) == 1 for c in received.values())
    count, wrong = shop_counts(oscommerce_shop, range(100, 106))
    assert count == 6 and wrong == []
    assert WorkQueue(store).daemons(kind=None) == []  # every sender cleared its row
    store.close()


def one_supplier_order(make_config):
    """(config, store, id) of one draft supplier order of alpha (a supplier without a shop)."""
    from decimal import Decimal

    from orderexchange.importer import parse_order
    from orderexchange.model import CatalogueEntry

    config = make_config(suppliers={"alpha": {"name": "A", "email": "a@example.com"}})
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"))])
    order, _ = parse_order(sample_order("1"), row=1)
    oid = store.add_customer_order(order)
    line = store.customer_orders([oid])[oid].lines[0].id
    return config, store, store.create_supplier_order(
        "alpha", [(oid, [(line, "A-100", Decimal("7.20"))])])


def test_being_sent_by_names_the_claimant(tmp_path, make_config):
    """A supplier order claimed by another worker is reported with its name, not sent."""
    from orderexchange.dispatch import Dispatcher
    from orderexchange.plugin_host import PluginHost

    config, store, so_id = one_supplier_order(make_config)
    other = WorkQueue(store, owner="elsewhere:1:daemon-abc123", heartbeat=60)
    other.heartbeat()
    assert other.claim(so_id) is None
    [result] = Dispatcher(config, store, PluginHost()).send([so_id])
    assert result.skipped == "being sent by elsewhere:1:daemon-abc123"
    assert store.supplier_order(so_id).state.value == "draft"
    other.stop()
    store.close()


def test_menu_send_beside_a_daemon_sends_each_supplier_order_once(
        tmp_path, oscommerce_shop, smtp_server, vendor_key, licence_code, capsys):
    from orderexchange.actions.app import App
    from orderexchange.menu import Menu

    smtp = smtp_server("plain")
    smtp.on_data = lambda _m: time.sleep(0.3)
    cfg = write_config(tmp_path, oscommerce_shop, smtp)
    prepare(cfg, tmp_path, licence_code)
    add_orders(cfg, tmp_path, 300, 6)
    argv = licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "daemon",
                                "--log-format", "json")
    log_path = tmp_path / "daemon.log"
    with log_path.open("w") as log:
        daemon = subprocess.Popen(argv, stderr=log)
        try:
            store = Store(config_mod.load(cfg).store.url)
            deadline = time.monotonic() + 60
            while not WorkQueue(store).daemons() and time.monotonic() < deadline:
                time.sleep(0.1)
            app = App(cfg)
            Menu(app).send([r["id"] for r in store.list_supplier_orders()])
            while time.monotonic() < deadline and {
                    r["state"] for r in store.list_supplier_orders()} != {"notified"}:
                time.sleep(0.2)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
    out = capsys.readouterr().out
    assert "Send results" in out
    # the menu and the daemon competed: some supplier orders went to the daemon
    assert "being" in out or "already" in out, out
    rows = store.list_supplier_orders()
    assert {r["state"] for r in rows} == {"notified"}, log_path.read_text()
    received = mails_by_order(smtp)
    assert len(received) == 6 and all(len(c) == 1 for c in received.values())
    count, wrong = shop_counts(oscommerce_shop, range(300, 306))
    assert count == 6 and wrong == []
    assert WorkQueue(store).daemons(kind=None) == []
    store.close()


def test_a_refused_recipient_is_tried_once_per_change(
        tmp_path, oscommerce_shop, smtp_server, vendor_key, licence_code, capsys):
    from orderexchange.actions.app import App
    from orderexchange.menu import Menu

    smtp = smtp_server("plain")
    smtp.reply_for_rcpt["orders@alpha.example"] = "550 5.1.1 No such user"
    cfg = write_config(tmp_path, oscommerce_shop, smtp)
    prepare(cfg, tmp_path, licence_code)
    add_orders(cfg, tmp_path, 500, 1)
    for _ in range(3):  # three daemon runs, and a cron `send --all`
        assert cli(cfg, "daemon", "--once").exit_code == 0
    assert cli(cfg, "send", "--all").exit_code == 0
    assert smtp.rcpt_attempts == ["orders@alpha.example"]  # one attempt, not one per run
    status = cli(cfg, "status", "--json")
    [failure] = json.loads(status.output)["failures"]
    assert failure["error_code"] == "OX-MAIL-003" and failure["permanent"] is True
    assert failure["stopped"] is True
    table = cli(cfg, "status").output
    assert "stopped: permanent; fix it, then `retry`" in " ".join(table.split())
    capsys.readouterr()
    Menu(App(cfg)).header()
    assert "alpha (1, 1 stopped until fixed)" in capsys.readouterr().out
    # the distributor fixes the address: the next daemon run tries again, once
    cfg = write_config(tmp_path, oscommerce_shop, smtp, supplier_email="order@alpha.example")
    assert cli(cfg, "daemon", "--once").exit_code == 0
    assert cli(cfg, "daemon", "--once").exit_code == 0
    assert smtp.rcpt_attempts == ["orders@alpha.example", "order@alpha.example"]
    assert len(smtp.messages) == 1
    assert json.loads(cli(cfg, "status", "--json").output)["failures"] == []


def test_retry_by_hand_sends_a_stopped_supplier_order(
        tmp_path, oscommerce_shop, smtp_server, vendor_key, licence_code):
    smtp = smtp_server("plain")
    smtp.reply_for_rcpt["orders@alpha.example"] = "550 5.1.1 No such user"
    cfg = write_config(tmp_path, oscommerce_shop, smtp)
    prepare(cfg, tmp_path, licence_code)
    add_orders(cfg, tmp_path, 600, 1)
    assert cli(cfg, "send", "--all").exit_code == 1
    stopped = cli(cfg, "send", "--all", "--json")
    [row] = json.loads(stopped.output)
    assert row["skipped"].startswith("retries stopped by permanent error OX-MAIL-003")
    smtp.reply_for_rcpt.clear()  # the supplier's mailbox exists again (nothing in our config)
    assert cli(cfg, "retry", "--failed").exit_code == 0
    assert len(smtp.messages) == 1 and len(smtp.rcpt_attempts) == 2


def test_a_killed_daemon_loses_its_claims_within_three_heartbeats(
        tmp_path, oscommerce_shop, smtp_server, vendor_key, licence_code, pg_url, monkeypatch):
    """A daemon stuck in an SMTP transaction is killed with SIGKILL: the stored lease of its
    claims ends at most three heartbeats after its last heartbeat, and once that time passed a
    worker on another host (no pid to look at) takes them over and clears its row."""
    from orderexchange import queue as queue_mod

    release = threading.Event()
    smtp = smtp_server("plain")
    smtp.on_data = lambda _m: release.wait(60)  # the daemon hangs in its first DATA
    cfg = write_config(tmp_path, oscommerce_shop, smtp, store_url=pg_url)
    prepare(cfg, tmp_path, licence_code)
    add_orders(cfg, tmp_path, 800, 3)
    argv = licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "daemon")
    daemon = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    store = Store(pg_url)
    so = queue_mod.supplier_orders
    try:
        deadline = time.monotonic() + 60
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert smtp.messages, "the daemon should be sending"
        time.sleep(1.5)  # a heartbeat or two while it hangs
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
    finally:
        release.set()
    with store.engine.connect() as conn:
        [(owner, seen, alive)] = conn.execute(sa.select(
            queue_mod.heartbeats.c.owner, queue_mod.heartbeats.c.seen_at,
            queue_mod.heartbeats.c.alive_until)).all()
        leases = conn.execute(sa.select(so.c.lease_until)
                              .where(so.c.claimed_by == owner)).scalars().all()
    assert leases, "the daemon held claims when it died"
    heartbeat = 1.0
    assert (alive - seen).total_seconds() == pytest.approx(3 * heartbeat)
    assert all((lease - seen).total_seconds() <= 3 * heartbeat + 0.5 for lease in leases)
    # seen from another host: only the heartbeat tells
    monkeypatch.setattr(queue_mod, "_dead_here", lambda owner: False)
    other = WorkQueue(store, owner="other-host:1:daemon-x", heartbeat=heartbeat)
    while queue_mod.now() < alive:
        time.sleep(0.1)
    taken = other.claim_supplier_orders(limit=10)
    assert taken and all(other.claimant(i) == "other-host:1:daemon-x" for i in taken)
    assert WorkQueue(store).daemons() == []  # the dead daemon's row is cleared
    store.close()


def test_a_killed_sender_on_this_host_is_taken_over_at_once(tmp_path, make_config):
    """The pid in a worker's name: a sender on this host whose process is gone holds nothing."""
    _config, store, so_id = one_supplier_order(make_config)
    gone = subprocess.Popen(["true"])
    gone.wait()
    import socket

    dead = WorkQueue(store, owner=f"{socket.gethostname()}:{gone.pid}:send-dead00",
                     heartbeat=3600)
    dead.heartbeat()
    assert dead.claim(so_id) is None
    assert WorkQueue(store, heartbeat=3600).claim(so_id) is None  # taken over, not refused
    assert [d["owner"] for d in WorkQueue(store).daemons(kind=None)] == []
    store.close()


def smtp_workspace(tmp_path, code, server, notification=""):
    """The demo workspace (SQLite shops) mailing through `server`; alpha's [notification]."""
    from orderexchange.demo import write_workspace

    cfg = write_workspace(tmp_path / "ws")
    text = cfg.read_text().replace('[mail]\ntransport = "file"\noutbox = "outbox"\n', "")
    cfg.write_text(text + f'\n[mail]\ntransport = "smtp"\nhost = "{server.host}"\n'
                   f'port = {server.port}\nsecurity = "none"\nretries = 0\n'
                   + (f"\n[suppliers.alpha.notification]\n{notification}\n"
                      if notification else ""))
    assert cli(cfg, "activate", code).exit_code == 0
    assert cli(cfg, "catalogue", "import", cfg.parent / "catalogue.csv").exit_code == 0
    return cfg


def demo_orders(cfg, *numbers):
    path = cfg.parent / f"orders-{numbers[0]}.jsonl"
    path.write_text("\n".join(json.dumps(sample_order(n, lines=[
        {"sku": "HAMMER-450", "name": "h", "quantity": 1, "unit_price": "12.90",
         "tax_rate": "19"}])) for n in numbers))
    assert cli(cfg, "import", path).exit_code == 0
    assert cli(cfg, "build").exit_code == 0


def test_a_deferred_notification_is_resent_as_the_same_message(
        tmp_path, demo_licence_code, smtp_server):
    from orderexchange.outbox import Outbox

    server = smtp_server()
    cfg = smtp_workspace(tmp_path, demo_licence_code, server)
    demo_orders(cfg, "9001")
    server.reply_for_data = "451 4.3.0 Try again later"
    assert cli(cfg, "send", "1").exit_code == 1
    store = Store(config_mod.load(cfg).store.url)
    pending = Outbox(store).pending("notification:1")
    assert pending is not None and store.supplier_order(1).state.value == "notify_failed"
    server.reply_for_data = None
    assert cli(cfg, "send", "--all").exit_code == 0
    [mail] = [m for m in server.messages if "orders@alpha-tools.example" in m.rcpt_tos]
    # (a long Message-ID is folded onto its own line on the wire: compare without the fold)
    assert str(mail.message["Message-ID"]).strip() == pending.message["Message-ID"]
    assert str(mail.message["Date"]).strip() == pending.message["Date"]
    assert store.supplier_order(1).message_id == str(pending.message["Message-ID"])
    assert Outbox(store).pending("notification:1") is None  # sent: dropped
    store.close()


def test_notified_and_the_outbox_drop_are_one_commit(tmp_path, demo_licence_code, smtp_server,
                                                    monkeypatch):
    """The sent message leaves the outbox in the transaction that records `notified`: when
    that transaction fails after the server accepted the email (a crash there), neither
    happened, and the next send mails the stored copy: the same Message-ID, never a new one."""
    from orderexchange.outbox import Outbox

    server = smtp_server()
    cfg = smtp_workspace(tmp_path, demo_licence_code, server)
    demo_orders(cfg, "9301")

    def store_fails(conn, key):
        raise RuntimeError("the store went away before the commit")

    monkeypatch.setattr(Outbox, "drop_in", staticmethod(store_fails))
    assert cli(cfg, "send", "1").exit_code != 0
    monkeypatch.undo()
    store = Store(config_mod.load(cfg).store.url)
    pending = Outbox(store).pending("notification:1")
    assert pending is not None  # kept: the drop was rolled back with `notified`
    assert store.supplier_order(1).state.value == "written"
    assert cli(cfg, "send", "--all").exit_code == 0
    mails = [m for m in server.messages if "orders@alpha-tools.example" in m.rcpt_tos]
    assert len(mails) == 2
    assert {str(m.message["Message-ID"]).strip() for m in mails} == {
        pending.message["Message-ID"]}
    assert store.supplier_order(1).state.value == "notified"
    assert Outbox(store).pending("notification:1") is None
    store.close()


def test_a_deferred_digest_is_resent_as_the_same_digest_for_the_same_orders(
        tmp_path, demo_licence_code, smtp_server):
    server = smtp_server()
    cfg = smtp_workspace(tmp_path, demo_licence_code, server, "digest = true")
    demo_orders(cfg, "9101")
    assert cli(cfg, "send", "--all").exit_code == 0
    server.reply_for_data = "451 4.3.0 Try again later"
    assert cli(cfg, "digest").exit_code == 1
    demo_orders(cfg, "9102")  # written after the first attempt
    assert cli(cfg, "send", "--all").exit_code == 0
    server.reply_for_data = None
    first = json.loads(cli(cfg, "digest", "--json").output)
    second = json.loads(cli(cfg, "digest", "--json").output)
    digests = [m.message for m in server.messages if "orders@alpha-tools.example" in m.rcpt_tos]
    assert len(digests) == 2
    assert [d["supplier_orders"] for d in first + second] == [[1], [2]]
    ids = [str(d["Message-ID"]).strip() for d in digests]
    assert first[0]["message_id"] == ids[0] != ids[1]
    assert "9101" in digests[0].get_body(("plain",)).get_content()
    assert "9102" not in digests[0].get_body(("plain",)).get_content()


def test_a_digest_whose_record_was_cut_short_is_recorded_not_mailed_again(
        tmp_path, demo_licence_code, smtp_server):
    from orderexchange.mail import build_message
    from orderexchange.model import SupplierOrderState
    from orderexchange.outbox import Outbox

    server = smtp_server()
    cfg = smtp_workspace(tmp_path, demo_licence_code, server, "digest = true")
    demo_orders(cfg, "9201")
    demo_orders(cfg, "9202")
    assert cli(cfg, "send", "--all").exit_code == 0
    config = config_mod.load(cfg)
    store = Store(config.store.url)
    alpha = sorted(r["id"] for r in store.list_supplier_orders() if r["supplier_id"] == "alpha")
    # a digest went out and the crash came after the first of its two records
    sent = Outbox(store).message("digest:alpha", lambda: build_message(
        config, "orders@alpha-tools.example", "digest", "text"), covers=alpha)
    store.set_state(alpha[0], SupplierOrderState.NOTIFIED, message_id=str(sent["Message-ID"]))
    before = len(server.messages)
    [result] = json.loads(cli(cfg, "digest", "--json").output)
    assert result["supplier_orders"] == alpha[1:] and result["message_id"] == sent["Message-ID"]
    assert len(server.messages) == before  # not mailed again
    assert store.supplier_order(alpha[1]).message_id == str(sent["Message-ID"])
    assert Outbox(store).pending("digest:alpha") is None
    store.close()
