"""Crash tests: kill -9 the sending process at random moments, then check nothing was lost or doubled.

Real parts throughout: a throwaway MariaDB holding the osCommerce shop, an aiosmtpd server for the
notifications, the real CLI in a child process. The kill moments are drawn from a seeded random
generator, so a failing run can be replayed with the same seed (printed on failure).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import sqlalchemy as sa
from click.testing import CliRunner
from helpers import CATALOGUE_CSV, licensed_cli_command, sample_order
from shopdb import child_config

from orderexchange import config as config_mod
from orderexchange.cli import main
from orderexchange.store import Store

SEED = int(os.environ.get("OX_FAULT_SEED", "20261123"))
KILLS = 50


def write_config(tmp_path, shop, smtp, connector="oscommerce"):
    return child_config(tmp_path, shop, smtp, connector=connector, daemon=(
        '[daemon.retry]', 'attempts = 3', 'initial_seconds = 0.05', 'max_seconds = 0.2'))


def add_orders(cfg, tmp_path, first, count):
    path = tmp_path / f"orders-{first}.jsonl"
    path.write_text("\n".join(json.dumps(sample_order(str(n), email=f"c{n}@example.com",
                                                      first="Kim", last=f"Kunde{n}"))
                              for n in range(first, first + count)) + "\n")
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(cfg), "import", str(path)]).exit_code == 0


def activated_sender(cfg, tmp_path, vendor_key, licence_code):
    """Catalogue imported, licence activated: the argv of a licensed `send --all` child."""
    runner = CliRunner()
    (tmp_path / "catalogue.csv").write_text(CATALOGUE_CSV)
    runner.invoke(main, ["--config", str(cfg), "catalogue", "import", str(tmp_path / "catalogue.csv")])
    assert runner.invoke(main, ["--config", str(cfg), "activate", licence_code]).exit_code == 0
    return licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "send", "--all")


def test_kill_minus_nine_at_random_moments_loses_and_doubles_nothing(
        tmp_path, oscommerce_shop, smtp_server, vendor_key, licence_code):
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, oscommerce_shop, smtp)
    send = activated_sender(cfg, tmp_path, vendor_key, licence_code)
    rng = random.Random(SEED)
    next_number, kills, interrupted = 5000, 0, 0
    while kills < KILLS:
        # keep work waiting: a few new customer orders, built into new supplier orders
        add_orders(cfg, tmp_path, next_number, 3)
        next_number += 3
        CliRunner().invoke(main, ["--config", str(cfg), "build"])
        proc = subprocess.Popen(send, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.6))  # start-up takes ~0.5 s; then it sends
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            interrupted += 1
        proc.wait()
        kills += 1
    # the final run, undisturbed, must finish everything
    final = subprocess.run(send, capture_output=True, text=True)
    assert final.returncode == 0, f"seed {SEED}: {final.stdout}{final.stderr}"

    store = Store(config_mod.load(cfg).store.url)
    rows = store.list_supplier_orders()
    assert {r["state"] for r in rows} == {"notified"}, f"seed {SEED}"
    numbers = [str(n) for n in range(5000, next_number)]
    engine = sa.create_engine(oscommerce_shop.url)
    with engine.connect() as conn:
        history = [r.comments for r in conn.execute(sa.text(
            "SELECT comments FROM orders_status_history"))]
        orders_count = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
        customers = conn.execute(sa.text(
            "SELECT customers_email_address, count(*) n FROM customers "
            "GROUP BY customers_email_address HAVING count(*) > 1")).all()
    engine.dispose()
    # every customer order exactly once in the shop
    assert orders_count == len(numbers), f"seed {SEED}"
    for number in numbers:
        assert sum(f"order {number} " in c for c in history) == 1, f"seed {SEED}: {number}"
    assert customers == [], f"seed {SEED}: a customer was created twice"
    # every supplier order was mailed at least once (at-least-once: a kill between the
    # accepted DATA and our state update may mail it twice, never zero times)
    mailed = {m.message["Subject"] for m in smtp.messages}
    assert len(mailed) == len(rows), f"seed {SEED}"
    assert interrupted >= 10, "the kills should interrupt real work, not only start-up"


def test_kill_minus_nine_on_a_myisam_opencart_leaves_no_half_written_customer(
        tmp_path, mariadb_db, smtp_server, vendor_key, licence_code):
    """OpenCart 3.0 as shipped (MyISAM: no ROLLBACK), every order a new customer, the sender
    killed at random moments: whatever a kill left (a customer without its address, an order
    without its totals), the next run completes it — every order once, every new customer once
    and with its address as the default. (A random kill rarely lands between a customer's two
    INSERTs: test_opencart_mariadb kills exactly there, deterministically.)"""
    from shopdb import load_schema

    load_schema(mariadb_db.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, mariadb_db, smtp, connector="opencart")
    send = activated_sender(cfg, tmp_path, vendor_key, licence_code)
    rng = random.Random(SEED)
    next_number, interrupted = 7000, 0
    for _ in range(KILLS // 2):
        add_orders(cfg, tmp_path, next_number, 3)
        next_number += 3
        CliRunner().invoke(main, ["--config", str(cfg), "build"])
        proc = subprocess.Popen(send, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            interrupted += 1
        proc.wait()
    final = subprocess.run(send, capture_output=True, text=True)
    assert final.returncode == 0, f"seed {SEED}: {final.stdout}{final.stderr}"

    store = Store(config_mod.load(cfg).store.url)
    assert {r["state"] for r in store.list_supplier_orders()} == {"notified"}, f"seed {SEED}"
    numbers = [str(n) for n in range(7000, next_number)]
    engine = sa.create_engine(mariadb_db.url)
    with engine.connect() as conn:
        comments = [r.comment for r in conn.execute(sa.text(  # the admin lists these
            "SELECT h.comment FROM oc_order_history h JOIN oc_order o ON o.order_id = "
            "h.order_id WHERE o.order_status_id > 0"))]
        customers = conn.execute(sa.text(
            "SELECT c.email, c.address_id, a.address_id AS own, "
            "(SELECT COUNT(*) FROM oc_address x WHERE x.customer_id = c.customer_id) AS n "
            "FROM oc_customer c LEFT JOIN oc_address a ON a.address_id = c.address_id "
            "AND a.customer_id = c.customer_id WHERE c.email LIKE 'c7%'")).all()
    engine.dispose()
    for number in numbers:  # every customer order exactly once, visible in the admin
        assert sum(f"order {number} " in c for c in comments) == 1, f"seed {SEED}: {number}"
    assert sorted(c.email for c in customers) == sorted(f"c{n}@example.com" for n in numbers)
    half = [c.email for c in customers if c.own is None or c.n != 1]
    assert half == [], f"seed {SEED}: customers left without their address: {half}"
    assert interrupted >= 5, "the kills should interrupt real work, not only start-up"


def test_kill_minus_nine_on_a_prestashop_writes_every_order_once(
        tmp_path, mariadb_db, smtp_server, vendor_key, licence_code):
    """PrestaShop 8 (InnoDB: an order, and a chunk, is one transaction), every order a new
    customer, the sender killed at random moments: the next run finds what a killed one
    committed by its reference and writes the rest — every order once in the admin's order
    list (its shop's orders), every new customer once, the stock moved once per order."""
    from shopdb import load_schema

    load_schema(mariadb_db.url, "prestashop8_mysql.sql", prefix="ps_")
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, mariadb_db, smtp, connector="prestashop")
    send = activated_sender(cfg, tmp_path, vendor_key, licence_code)
    rng = random.Random(SEED)
    next_number, interrupted = 8000, 0
    for _ in range(KILLS // 3):
        add_orders(cfg, tmp_path, next_number, 3)
        next_number += 3
        CliRunner().invoke(main, ["--config", str(cfg), "build"])
        proc = subprocess.Popen(send, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            interrupted += 1
        proc.wait()
    final = subprocess.run(send, capture_output=True, text=True)
    assert final.returncode == 0, f"seed {SEED}: {final.stdout}{final.stderr}"

    store = Store(config_mod.load(cfg).store.url)
    assert {r["state"] for r in store.list_supplier_orders()} == {"notified"}, f"seed {SEED}"
    numbers = [str(n) for n in range(8000, next_number)]
    engine = sa.create_engine(mariadb_db.url)
    with engine.connect() as conn:
        notes = [r.note for r in conn.execute(sa.text(  # the orders the admin lists
            "SELECT note FROM ps_orders WHERE id_shop IN (1)"))]
        doubled = conn.execute(sa.text(
            "SELECT email FROM ps_customer GROUP BY email HAVING count(*) > 1")).all()
        stock = conn.execute(sa.text(
            "SELECT quantity FROM ps_stock_available WHERE id_product = 10 AND "
            "id_shop = 1")).scalar_one()
    engine.dispose()
    for number in numbers:
        assert sum(f"customer order {number}," in n for n in notes) == 1, f"seed {SEED}: {number}"
    assert len(notes) == len(numbers) and doubled == [], f"seed {SEED}"
    assert stock == 500 - 2 * len(numbers), f"seed {SEED}: stock moved more or less than once"
    assert interrupted >= 5, "the kills should interrupt real work, not only start-up"


def test_kill_minus_nine_on_a_magento_lists_every_order_once(
        tmp_path, mariadb_db, smtp_server, vendor_key, licence_code):
    """Magento 2.4 (InnoDB: an order with its grid row, and a chunk, is one transaction), every
    order a new customer, the sender killed at random moments: the next run finds what a
    killed one committed by its reference (`ext_order_id`) and writes the rest — every order
    once in the admin's order list (`sales_order_grid`), every new customer once, and no order
    number given twice."""
    from shopdb import load_schema

    load_schema(mariadb_db.url, "magento24_mysql.sql")
    smtp = smtp_server("plain")
    cfg = write_config(tmp_path, mariadb_db, smtp, connector="magento")
    send = activated_sender(cfg, tmp_path, vendor_key, licence_code)
    rng = random.Random(SEED)
    next_number, interrupted = 9000, 0
    for _ in range(KILLS // 3):
        add_orders(cfg, tmp_path, next_number, 3)
        next_number += 3
        CliRunner().invoke(main, ["--config", str(cfg), "build"])
        proc = subprocess.Popen(send, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            interrupted += 1
        proc.wait()
    final = subprocess.run(send, capture_output=True, text=True)
    assert final.returncode == 0, f"seed {SEED}: {final.stdout}{final.stderr}"

    store = Store(config_mod.load(cfg).store.url)
    assert {r["state"] for r in store.list_supplier_orders()} == {"notified"}, f"seed {SEED}"
    numbers = [str(n) for n in range(9000, next_number)]
    engine = sa.create_engine(mariadb_db.url)
    with engine.connect() as conn:
        listed = conn.execute(sa.text(  # the admin's order list, and each order's comment
            "SELECT g.increment_id, h.comment FROM sales_order_grid g JOIN "
            "sales_order_status_history h ON h.parent_id = g.entity_id")).all()
        orders = conn.execute(sa.text("SELECT COUNT(*) FROM sales_order")).scalar_one()
        doubled = conn.execute(sa.text(
            "SELECT email FROM customer_entity GROUP BY email HAVING count(*) > 1")).all()
    engine.dispose()
    for number in numbers:
        assert sum(f"Order {number} " in r.comment for r in listed) == 1, f"seed {SEED}: {number}"
    assert len(listed) == orders == len(numbers) and doubled == [], f"seed {SEED}"
    assert len({r.increment_id for r in listed}) == len(listed), f"seed {SEED}"
    assert interrupted >= 5, "the kills should interrupt real work, not only start-up"
