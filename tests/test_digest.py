"""The daily digest, and recipients refused one by one, through the CLI and the daemon.

Runs on the demo workspace (two SQLite osCommerce shops, the real store and connector); mail goes
to the `.eml` outbox or, where the test needs server replies, to aiosmtpd on loopback.
"""

from __future__ import annotations

import json
from datetime import datetime
from email import message_from_bytes, policy

import sqlalchemy as sa
from click.testing import CliRunner
from helpers import sample_order

from orderexchange import config as config_mod
from orderexchange.cli import main
from orderexchange.daemon import digest_slot
from orderexchange.demo import write_workspace
from orderexchange.digest import due_today
from orderexchange.queue import jobs
from orderexchange.store import Store

LINES = [{"sku": "HAMMER-450", "name": "h", "quantity": 1, "unit_price": "12.90",
          "tax_rate": "19"},
         {"sku": "RAKE", "name": "r", "quantity": 2, "unit_price": "11.90", "tax_rate": "19"}]


def run(cfg, *args):
    return CliRunner().invoke(main, ["--config", str(cfg), *args])


def as_json(cfg, *args):
    result = run(cfg, *args, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def workspace(tmp_path, demo_licence_code, alpha_notification, extra=""):
    """The demo workspace; alpha's [notification] table as given; catalogue in, licence on."""
    cfg = write_workspace(tmp_path / "ws")
    cfg.write_text(cfg.read_text() + "\n[suppliers.alpha.notification]\n" + alpha_notification
                   + "\n" + extra)
    assert run(cfg, "activate", demo_licence_code).exit_code == 0
    assert run(cfg, "catalogue", "import", str(cfg.parent / "catalogue.csv")).exit_code == 0
    return cfg


def new_orders(cfg, *numbers):
    path = cfg.parent / f"orders-{numbers[0]}.jsonl"
    path.write_text("\n".join(json.dumps(sample_order(n, lines=LINES)) for n in numbers))
    assert run(cfg, "import", str(path)).exit_code == 0
    assert run(cfg, "build").exit_code == 0


def by_supplier(cfg):
    rows = as_json(cfg, "orders")
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["supplier_id"], []).append(r)
    return out


def outbox(cfg):
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((cfg.parent / "outbox").glob("*.eml"))]


def test_a_digest_supplier_is_written_at_once_and_mailed_in_one_digest(tmp_path, demo_licence_code):
    cfg = workspace(tmp_path, demo_licence_code, 'digest = true\ndigest_at = "17:00"')
    new_orders(cfg, "5001")
    first = as_json(cfg, "send", "--all")
    alpha = next(r for r in first if r["supplier"] == "alpha")
    assert alpha["state"] == "written" and alpha["digest_pending"] and alpha["ok"]
    assert alpha["message_id"] is None and alpha["written"] == 1
    assert [m["To"] for m in outbox(cfg)] == ["shop@beta-garden.example"]  # beta: at once
    new_orders(cfg, "5002")
    assert run(cfg, "send", "--all").exit_code == 0
    written = [r["id"] for r in by_supplier(cfg)["alpha"]]
    assert len(written) == 2 and all(r["state"] == "written" for r in by_supplier(cfg)["alpha"])

    (digest,) = as_json(cfg, "digest")
    assert digest["supplier"] == "alpha" and digest["supplier_orders"] == sorted(written)
    assert digest["ok"] and digest["message_id"]
    mails = [m for m in outbox(cfg) if m["To"] != "shop@beta-garden.example"]
    assert len(mails) == 1 and str(mails[0]["Message-ID"]).strip() == digest["message_id"]
    text = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "5001" in text and "5002" in text
    for so_id in written:
        shown = as_json(cfg, "show", str(so_id))
        assert shown["state"] == "notified" and shown["message_id"] == digest["message_id"]
    # owed nothing any more: a second digest sends nothing
    again = run(cfg, "digest")
    assert again.exit_code == 0 and "No digest owed" in again.output
    assert len(outbox(cfg)) == 3


def test_digest_for_a_supplier_without_one_names_the_setting(tmp_path, demo_licence_code):
    cfg = workspace(tmp_path, demo_licence_code, "digest = true")
    result = run(cfg, "digest", "--supplier", "beta")
    assert result.exit_code == 2
    assert "OX-MAIL-020" in result.output and "digest = true" in result.output


def test_a_failed_digest_leaves_its_orders_owed_and_the_next_one_sends_them(
        tmp_path, demo_licence_code, smtp_server):
    server = smtp_server()
    smtp = f'\n[mail]\ntransport = "smtp"\nhost = "{server.host}"\nport = {server.port}\n' \
           'security = "none"\nretries = 0\n'
    cfg = workspace(tmp_path, demo_licence_code, "digest = true")
    cfg.write_text(cfg.read_text().replace('[mail]\ntransport = "file"\noutbox = "outbox"\n', "")
                   + smtp)
    new_orders(cfg, "5101")
    assert run(cfg, "send", "--all").exit_code == 0
    server.reply_for_rcpt["orders@alpha-tools.example"] = "550 5.1.1 No such user"
    result = run(cfg, "digest", "--json")
    assert result.exit_code == 1
    (failed,) = json.loads(result.stdout)
    assert failed["error"]["code"] == "OX-MAIL-003"
    (alpha,) = by_supplier(cfg)["alpha"]
    assert alpha["state"] == "notify_failed"
    server.reply_for_rcpt.clear()
    (ok,) = as_json(cfg, "digest")
    assert ok["ok"] and by_supplier(cfg)["alpha"][0]["state"] == "notified"
    digests = [m for m in server.messages if "orders@alpha-tools.example" in m.rcpt_tos]
    assert len(digests) == 1


def test_a_recipient_refused_while_others_accept_is_a_warning_in_the_transfer_log(
        tmp_path, demo_licence_code, smtp_server):
    server = smtp_server()
    smtp = f'\n[mail]\ntransport = "smtp"\nhost = "{server.host}"\nport = {server.port}\n' \
           'security = "none"\n'
    cfg = workspace(tmp_path, demo_licence_code, 'cc = ["gone@alpha-tools.example"]')
    cfg.write_text(cfg.read_text().replace('[mail]\ntransport = "file"\noutbox = "outbox"\n', "")
                   + smtp)
    server.reply_for_rcpt["gone@alpha-tools.example"] = "550 5.1.1 No such user"
    new_orders(cfg, "5201")
    results = as_json(cfg, "send", "--all")
    alpha = next(r for r in results if r["supplier"] == "alpha")
    assert alpha["state"] == "notified" and alpha["ok"]
    assert [w["code"] for w in alpha["warnings"]] == ["OX-MAIL-018"]
    assert "gone@alpha-tools.example" in alpha["warnings"][0]["message"]
    log = as_json(cfg, "log", "--supplier", "alpha")
    warnings = [e for e in log if e["outcome"] == "warning"]
    assert [(e["step"], e["code"]) for e in warnings] == [("notify", "OX-MAIL-018")]
    # the table output names it too, as a warning with its solution
    new_orders(cfg, "5202")
    table = run(cfg, "send", "--all")
    assert table.exit_code == 0 and "OX-MAIL-018" in table.output


def test_daemon_once_sends_a_due_digest_once_a_day_and_runs_read_back(tmp_path, demo_licence_code):
    sync = '\n[daemon.jobs.sync]\nevery = 900\nenabled = true\n'
    cfg = workspace(tmp_path, demo_licence_code, 'digest = true\ndigest_at = "00:00"', extra=sync)
    new_orders(cfg, "5301")
    result = run(cfg, "daemon", "--once", "--log-format", "json")
    assert result.exit_code == 0, result.output
    states = {s: [r["state"] for r in rows] for s, rows in by_supplier(cfg).items()}
    assert states == {"alpha": ["notified"], "beta": ["notified"]}
    assert len(outbox(cfg)) == 2  # beta's notification, alpha's digest
    store = Store(config_mod.load(cfg).store.url)
    with store.engine.connect() as conn:
        done = {(r.kind, r.state) for r in conn.execute(sa.select(jobs.c.kind, jobs.c.state))}
        slots = [r.slot for r in conn.execute(sa.select(jobs.c.slot)
                                              .where(jobs.c.kind == "digest"))]
    assert ("sync", "done") in done and ("digest", "done") in done
    assert slots == [digest_slot("00:00")]
    # a second run the same day: the new order is written, its digest waits for tomorrow
    new_orders(cfg, "5302")
    assert run(cfg, "daemon", "--once").exit_code == 0
    alpha = by_supplier(cfg)["alpha"]
    assert sorted(r["state"] for r in alpha) == ["notified", "written"]
    assert len(outbox(cfg)) == 3  # beta's second notification only


def test_a_digest_is_due_once_its_time_of_day_has_passed(make_config):
    config = make_config(suppliers={"alpha": {
        "name": "Alpha", "email": "a@example.com", "connector": {"type": "mail-only"},
        "notification": {"digest": True, "digest_at": "17:30"}}})
    alpha = config.suppliers["alpha"]
    assert not due_today(alpha, datetime(2026, 11, 23, 17, 29).astimezone())
    assert due_today(alpha, datetime(2026, 11, 23, 17, 30).astimezone())
    assert digest_slot("17:30", datetime(2026, 11, 23, 18, 0)) == "2026-11-23T17:30"
