"""Fault test: the supplier's MariaDB stops in the middle of a send and comes back.

Issue 8's acceptance: "MariaDB stopped and restarted in the middle of a send → the run finishes
after retries". Real parts throughout: a dedicated throwaway mariadbd (stopping the session's
shared server would break every other test), the osCommerce shop on it, an aiosmtpd server, and
the real CLI in a child process trusting the test vendor key. The outage is timed by watching the
shop fill up, not by the clock: the server goes down once some customer orders were written and
others are still to come.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from helpers import CATALOGUE_CSV, create_oscommerce_schema, licensed_cli_command, sample_order
from servers import MariaDBServer, temporary_mariadb_database
from shopdb import child_config

from orderexchange import config as config_mod
from orderexchange.cli import main
from orderexchange.store import Store

SUPPLIER_ORDERS = 3
ORDERS_EACH = 300
OUTAGE_SECONDS = 2.0


@pytest.fixture
def own_mariadb():
    """A mariadbd of this test alone: it is stopped and started again in the middle of a send."""
    server = MariaDBServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shop(own_mariadb):
    with temporary_mariadb_database(own_mariadb) as db:
        create_oscommerce_schema(db.url)
        yield db


def write_config(tmp_path, shop, smtp, attempts):
    return child_config(tmp_path, shop, smtp, database=('connect_timeout = 2',), daemon=(
        # long enough to bridge the outage: waits of 0.5, 1, 2, 2, 2 … seconds
        '[daemon]', 'write_batch = 20',
        '[daemon.retry]', f'attempts = {attempts}', 'initial_seconds = 0.5', 'max_seconds = 2'))


def prepare(tmp_path, cfg, licence_code):
    """Several supplier orders, each with many customer orders: import and build in rounds."""
    runner = CliRunner()
    (tmp_path / "catalogue.csv").write_text(CATALOGUE_CSV)
    assert runner.invoke(main, ["--config", str(cfg), "catalogue", "import",
                                str(tmp_path / "catalogue.csv")]).exit_code == 0
    assert runner.invoke(main, ["--config", str(cfg), "activate", licence_code]).exit_code == 0
    numbers = []
    for round_no in range(SUPPLIER_ORDERS):
        first = 7000 + round_no * ORDERS_EACH
        batch = [str(n) for n in range(first, first + ORDERS_EACH)]
        path = tmp_path / f"orders-{round_no}.jsonl"
        path.write_text("\n".join(json.dumps(sample_order(n, email=f"c{n}@example.com",
                                                          first="Kim", last=f"Kunde{n}"))
                                  for n in batch) + "\n")
        result = runner.invoke(main, ["--config", str(cfg), "import", str(path)])
        assert result.exit_code == 0, result.output
        result = runner.invoke(main, ["--config", str(cfg), "build"])
        assert result.exit_code == 0, result.output
        numbers += batch
    return numbers


def shop_count(shop) -> int | None:
    """Customer orders in the shop so far; None while the server is down."""
    try:
        conn = shop.connect(connect_timeout=1)
    except Exception:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders")
            return cur.fetchone()[0]
    finally:
        conn.close()


def outage_during(proc, server, shop, total) -> dict:
    """Stop the server once part of the orders is in the shop, start it again after a while."""
    seen = {"before": None, "halted": False}
    while proc.poll() is None:
        count = shop_count(shop)
        if count is not None and 0 < count < total:
            seen["before"] = count
            server.halt()
            seen["halted"] = True
            time.sleep(OUTAGE_SECONDS)
            server.resume()
            break
        time.sleep(0.02)
    return seen


def assert_exactly_once(shop, numbers, cfg, smtp):
    engine = sa.create_engine(shop.url)
    with engine.connect() as conn:
        history = [r.comments for r in conn.execute(sa.text(
            "SELECT comments FROM orders_status_history"))]
        orders_count = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
        twice = conn.execute(sa.text(
            "SELECT customers_email_address FROM customers "
            "GROUP BY customers_email_address HAVING count(*) > 1")).all()
    engine.dispose()
    assert orders_count == len(numbers)
    missing_or_twice = [n for n in numbers if sum(f"order {n} " in c for c in history) != 1]
    assert missing_or_twice == [], f"not exactly once in the shop: {missing_or_twice[:10]}"
    assert twice == [], "a customer was created twice"
    store = Store(config_mod.load(cfg).store.url)
    rows = store.list_supplier_orders()
    assert len(rows) == SUPPLIER_ORDERS
    assert {r["state"] for r in rows} == {"notified"}, rows
    mailed = {m.message["Subject"] for m in smtp.messages}
    assert len(mailed) == SUPPLIER_ORDERS


def start_send(tmp_path, vendor_key, cfg):
    send = licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "send", "--all")
    out = (tmp_path / "send.out").open("w")
    return subprocess.Popen(send, stdout=out, stderr=subprocess.STDOUT), tmp_path / "send.out"


def test_send_rides_out_a_mariadb_restart(tmp_path, own_mariadb, shop, smtp_server,
                                          vendor_key, licence_code):
    """The server stops mid-send and comes back two seconds later: the one `send` finishes by
    itself — retries back off and reopen the connection (a failed reopen is not the end of the
    retries), and the next supplier order gets a fresh connection."""
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, shop, smtp, attempts=10)
    numbers = prepare(tmp_path, cfg, licence_code)
    proc, log = start_send(tmp_path, vendor_key, cfg)
    seen = outage_during(proc, own_mariadb, shop, len(numbers))
    proc.wait(timeout=600)
    assert seen["halted"], "the send finished before the outage could start; add orders"
    output = log.read_text()
    assert proc.returncode == 0, output
    assert_exactly_once(shop, numbers, cfg, smtp)


def test_after_a_mariadb_restart_a_retry_finishes_exactly_once(tmp_path, own_mariadb, shop,
                                                               smtp_server, vendor_key,
                                                               licence_code):
    """Whatever the interrupted run left (written, write_failed, half a chunk), the next
    `retry --failed` and `send` complete every supplier order without writing one twice."""
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, shop, smtp, attempts=10)
    numbers = prepare(tmp_path, cfg, licence_code)
    proc, log = start_send(tmp_path, vendor_key, cfg)
    seen = outage_during(proc, own_mariadb, shop, len(numbers))
    proc.wait(timeout=600)
    assert seen["halted"], "the send finished before the outage could start; add orders"
    for command in (("retry", "--failed"), ("send", "--all")):
        again = subprocess.run(licensed_cli_command(vendor_key, tmp_path, "--config", cfg,
                                                    *command), capture_output=True, text=True,
                               timeout=600)
        assert again.returncode in (0, 1), again.stdout + again.stderr
    assert_exactly_once(shop, numbers, cfg, smtp)


def test_a_killed_mariadb_mid_send_also_heals(tmp_path, own_mariadb, shop, smtp_server,
                                              vendor_key, licence_code):
    """A crash (SIGKILL) of the database server instead of a clean shutdown: InnoDB recovers,
    and the orders whose COMMIT answer was lost are found by their reference, not written
    again."""
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, shop, smtp, attempts=10)
    numbers = prepare(tmp_path, cfg, licence_code)
    proc, log = start_send(tmp_path, vendor_key, cfg)
    seen = {"halted": False}

    def crash_when_half_written():
        while proc.poll() is None:
            count = shop_count(shop)
            if count is not None and 0 < count < len(numbers):
                own_mariadb.halt(kill=True)
                seen["halted"] = True
                time.sleep(OUTAGE_SECONDS)
                own_mariadb.resume()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=crash_when_half_written)
    watcher.start()
    proc.wait(timeout=600)
    watcher.join()
    assert seen["halted"], "the send finished before the crash could happen; add orders"
    for command in (("retry", "--failed"), ("send", "--all")):
        subprocess.run(licensed_cli_command(vendor_key, tmp_path, "--config", cfg, *command),
                       capture_output=True, text=True, timeout=600)
    assert_exactly_once(shop, numbers, cfg, smtp)
