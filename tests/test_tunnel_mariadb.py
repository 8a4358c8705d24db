"""Issue 18: the shop database through a real OpenSSH server (tests/sshd.py), forwarding to the
throwaway mariadbd — full send, pinned host key, login, permitopen, an SSH outage mid-send
healed exactly once, nothing left open after a batch, and no secret in any output.

The database URL names a host that does not resolve (`shop-db.invalid`): only the tunnel
(`remote_host` / `remote_port`, the database as the SSH server sees it) can reach the shop.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import cli_config, sample_order
from sshd import fingerprint, keygen
from shopdb import count, load_schema, prepare, shop_section  # noqa: F401 - fixture

from orderexchange.cli import main
from orderexchange.dispatch import Dispatcher
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins import opencart
from orderexchange.retry import RetryPolicy
from orderexchange.tunnel import SshTunnel

ANNA = sample_order("1001")
BERND = sample_order("1002", email="bernd.bauer@example.com", first="Bernd", last="Bauer")
CLARA = sample_order("1003", email="clara.c@example.com", first="Clara", last="Cole")
QUICK = RetryPolicy(attempts=6, initial=0.01, maximum=0.05, jitter=0.01)


@pytest.fixture
def shop(mariadb_db):
    load_schema(mariadb_db.url, "opencart4_mysql.sql", prefix="oc_", engine="InnoDB")
    return mariadb_db


def permit(db) -> str:
    return f'restrict,port-forwarding,permitopen="127.0.0.1:{db.port}"'


def tunnelled(db, server, **ssh: Any) -> dict[str, Any]:
    """`[suppliers.alpha]` reaching `db` only through `server`."""
    section = shop_section(db, {"type": "opencart"})
    section["database"]["url"] = (f"mysql+pymysql://{db.user}@shop-db.invalid:3306/"
                                  f"{db.database}")
    section["database"]["ssh"] = {"host": server.host, "port": server.port, "user": server.user,
                                  "key_file": str(server.client_key),
                                  "host_key": server.host_key, "remote_host": "127.0.0.1",
                                  "remote_port": db.port, "timeout": 5, **ssh}
    return {"alpha": section}


def transports() -> list[threading.Thread]:
    import paramiko

    return [t for t in threading.enumerate() if isinstance(t, paramiko.Transport) and t.is_alive()]


def sockets_to(port: int) -> set[str]:
    """Inodes of this process's TCP sockets connected to `port` (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            mine.add(target[8:-1])
    return mine


def stages(report) -> list[tuple[str, bool]]:
    return [(s.name, s.ok) for s in report.stages]


# --- a full send through the tunnel ------------------------------------------------------------
def test_full_send_through_the_tunnel_then_nothing_stays_open(shop, ssh_server, prepare):
    ssh_server.authorize(f"{permit(shop)} {ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert (result.written, result.already_there) == (2, 0)
    assert count(shop, "oc_order", "order_status_id > 0") == 2
    assert {t.remote_order_id for t in run.transfers().values()} == {"1", "2"}
    # the batch's tunnel is closed: no paramiko thread, no socket to the SSH server
    assert transports() == [] and sockets_to(ssh_server.port) == set()
    assert "direct-tcpip" in ssh_server.log() or "Accepted publickey" in ssh_server.log()


def test_test_db_through_the_tunnel_shows_the_ssh_stages_first(shop, ssh_server, prepare):
    ssh_server.authorize(f"{permit(shop)} {ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server), [ANNA])
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    assert stages(report)[:6] == [("SSH reachable", True), ("host key matches", True),
                                  ("SSH login", True), ("tunnel opened", True), ("connect", True),
                                  ("TLS", True)]
    detail = {s.name: s.detail for s in report.stages}
    assert detail["host key matches"].startswith(ssh_server.host_fingerprint)
    assert detail["tunnel opened"] == f"127.0.0.1:{shop.port} as seen from 127.0.0.1"
    assert detail["TLS"] == "encrypted by the SSH tunnel (no TLS inside it)"
    assert "via SSH" in detail["connect"]
    assert transports() == [] and sockets_to(ssh_server.port) == set()


def test_a_fingerprint_pin_works_too(shop, ssh_server, prepare):
    ssh_server.authorize(f"{permit(shop)} {ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server, host_key=[ssh_server.host_fingerprint]), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()


# --- host key: unknown and changed are refused with the fingerprint -------------------------------
def test_unknown_host_key_is_refused_showing_the_fingerprint_and_line(shop, ssh_server, prepare,
                                                                     tmp_path):
    run = prepare(tunnelled(shop, ssh_server, host_key=[]), [ANNA])
    report = run.connector().self_test()
    assert stages(report) == [("SSH reachable", True), ("host key matches", False)]
    detail = report.stages[-1].detail
    assert detail.startswith("OX-SSH-002: Supplier alpha: the SSH server "
                             f"127.0.0.1:{ssh_server.port} offers host key "
                             f"{ssh_server.host_fingerprint}, and no host_key is configured")
    assert f'host_key = "{ssh_server.host_key}"' in detail
    assert f"[127.0.0.1]:{ssh_server.port} {ssh_server.host_key}" in detail  # known_hosts line
    # the CLI prints the failed stage once more on one line: the host_key line copies whole
    config = cli_config(tmp_path, f"""url = "mysql+pymysql://{shop.user}@127.0.0.1:{shop.port}/\
{shop.database}"
[suppliers.alpha.database.ssh]
host = "127.0.0.1"
port = {ssh_server.port}
user = "{ssh_server.user}"
key_file = "{ssh_server.client_key}"
""")
    result = CliRunner().invoke(main, ["--config", str(config), "test", "db", "alpha"])
    assert result.exit_code == 1
    assert (f'add to [suppliers.alpha.database.ssh]: host_key = "{ssh_server.host_key}"'
            in result.output)
    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-SSH-002"
    assert count(shop, "oc_order") == 0
    assert "Accepted publickey" not in ssh_server.log()  # never logged in
    assert transports() == [] and sockets_to(ssh_server.port) == set()


def test_changed_host_key_is_refused_and_names_both_fingerprints(shop, ssh_server, prepare,
                                                                 tmp_path):
    other = keygen(tmp_path / "other_host", "someone-else")
    run = prepare(tunnelled(shop, ssh_server, host_key=[other]), [ANNA])
    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-SSH-003"
    assert ssh_server.host_fingerprint in result.error.message
    assert fingerprint(other) in result.error.message
    assert result.state == S.DRAFT  # the connection comes first: nothing checked or written
    assert count(shop, "oc_order") == 0


def test_a_malformed_host_key_is_a_config_error(shop, ssh_server, make_config):
    with pytest.raises(OXError) as exc:
        make_config(suppliers=tunnelled(shop, ssh_server, host_key=["ssh-ed25519 not-base64!"]))
    assert exc.value.code == "OX-CFG-004"
    assert "suppliers.alpha.database.ssh.host_key" in exc.value.message


# --- login and tunnel ---------------------------------------------------------------------------
def test_wrong_user_key_is_ox_ssh_004_with_the_authorized_keys_line(shop, ssh_server, prepare,
                                                                    tmp_path):
    stranger = keygen(tmp_path / "stranger", "not-authorised")
    run = prepare(tunnelled(shop, ssh_server, key_file=str(tmp_path / "stranger")), [ANNA])
    report = run.connector().self_test()
    assert stages(report) == [("SSH reachable", True), ("host key matches", True), ("SSH login", False)]
    detail = report.stages[-1].detail
    assert detail.startswith(f"OX-SSH-004: Supplier alpha: the SSH server 127.0.0.1:"
                             f"{ssh_server.port} refused the login of user {ssh_server.user} "
                             "(key stranger)")
    # the fix: exactly the line the supplier's admin pastes, our key with the restriction
    assert f"{permit(shop)} {stranger}" in detail
    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-SSH-004"
    assert not result.error.transient


def test_permitopen_to_another_port_is_ox_ssh_005(shop, ssh_server, prepare):
    ssh_server.authorize(f'restrict,port-forwarding,permitopen="127.0.0.1:1" '
                         f"{ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server), [ANNA])
    report = run.connector().self_test()
    assert stages(report) == [("SSH reachable", True), ("host key matches", True), ("SSH login", True),
                              ("tunnel opened", False)]
    assert report.stages[-1].detail.startswith("OX-SSH-005: Supplier alpha: the SSH server "
                                               f"127.0.0.1:{ssh_server.port} refused a tunnel "
                                               f"to 127.0.0.1:{shop.port}")
    assert permit(shop) in report.stages[-1].detail
    assert transports() == [] and sockets_to(ssh_server.port) == set()


def test_ssh_server_down_is_transient_ox_ssh_001(shop, ssh_server, prepare):
    ssh_server.kill()
    run = prepare(tunnelled(shop, ssh_server), [ANNA])
    report = run.connector().self_test()
    assert stages(report) == [("SSH reachable", False)]
    assert report.stages[0].detail.startswith("OX-SSH-001: Supplier alpha: cannot reach the SSH "
                                              f"server 127.0.0.1:{ssh_server.port}")
    [result] = Dispatcher(run.config, run.store, PluginHost(), retry=QUICK).send(run.so_ids)
    assert result.error is not None and result.error.code == "OX-SSH-001"
    assert result.error.transient and result.state == S.DRAFT


# --- an outage of the SSH server in the middle of a send ----------------------------------------
def test_ssh_server_killed_mid_send_is_retried_and_healed_exactly_once(shop, ssh_server, prepare,
                                                                       monkeypatch):
    ssh_server.authorize(f"{permit(shop)} {ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server), [ANNA, BERND, CLARA])
    calls = {"totals": 0, "refused": 0, "opened": 0}
    insert_totals = opencart.OpenCartConnector._insert_totals
    tunnel_open = SshTunnel.open

    def totals_then_outage(self, *args, **kwargs):
        calls["totals"] += 1
        if calls["totals"] == 2:  # inside the second order's transaction
            ssh_server.kill()
        return insert_totals(self, *args, **kwargs)

    def open_while_down(self):
        calls["opened"] += 1
        try:
            return tunnel_open(self)
        except OXError as err:
            assert err.code == "OX-SSH-001"
            calls["refused"] += 1
            ssh_server.start()  # the server comes back; the next attempt heals
            raise

    monkeypatch.setattr(opencart.OpenCartConnector, "_insert_totals", totals_then_outage)
    monkeypatch.setattr(SshTunnel, "open", open_while_down)
    [result] = Dispatcher(run.config, run.store, PluginHost(), retry=QUICK).send(run.so_ids)
    assert result.state == S.NOTIFIED, result.as_dict()
    assert calls["refused"] == 1 and calls["opened"] == 3  # first, refused while down, healed
    assert (result.written, result.already_there) == (3, 0)
    # every order exactly once in the shop, each with its own lines
    for number in ("1001", "1002", "1003"):
        ref = run.transfers()[number].reference
        assert count(shop, "oc_order", "comment LIKE :c", c=f"[{ref}]%") == 1, number
    assert count(shop, "oc_order") == 3
    assert transports() == [] and sockets_to(ssh_server.port) == set()


# --- secrets ------------------------------------------------------------------------------------
def test_no_secret_in_output_log_or_store(shop, ssh_server, tmp_path, monkeypatch, caplog,
                                          licence_code):
    """Passphrase of the key, SSH password, database password: in no output, log or the store."""
    passphrase, ssh_password = "pp-Secret-4711", "ssh-Secret-0815"
    key = tmp_path / "locked"
    public = keygen(key, "locked", passphrase=passphrase)
    ssh_server.authorize(f"{permit(shop)} {public}")
    monkeypatch.setenv("ALPHA_KEY_PASSPHRASE", passphrase)
    monkeypatch.setenv("ALPHA_SSH_PASSWORD", ssh_password)
    monkeypatch.setenv("ALPHA_DB_PASSWORD", shop.password)
    orders = tmp_path / "orders.jsonl"
    orders.write_text(json.dumps(ANNA) + "\n", encoding="utf-8")
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text("sku,supplier,supplier_sku,purchase_price,name\n"
                         "HAMMER,alpha,A-100,7.20,Claw hammer\n", encoding="utf-8")
    config = cli_config(tmp_path, f"""
url = "mysql+pymysql://{shop.user}@shop-db.invalid/{shop.database}"
password = "${{ALPHA_DB_PASSWORD}}"

[suppliers.alpha.database.ssh]
host = "{ssh_server.host}"
port = {ssh_server.port}
user = "{ssh_server.user}"
key_file = "locked"
key_passphrase = "${{ALPHA_KEY_PASSPHRASE}}"
password = "${{ALPHA_SSH_PASSWORD}}"
host_key = "{ssh_server.host_key}"
remote_host = "127.0.0.1"
remote_port = {shop.port}
""")
    caplog.set_level(logging.DEBUG)  # paramiko's own debug log included
    runner = CliRunner()
    outputs = []
    for args in (["activate", licence_code], ["test", "db", "alpha"], ["import", str(orders)],
                 ["catalogue", "import", str(catalogue)], ["build"], ["send", "--all"],
                 ["supplier-setup", "alpha"], ["config", "check"]):
        result = runner.invoke(main, ["--config", str(config), *args])
        outputs.append(result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
    assert count(shop, "oc_order", "order_status_id > 0") == 1, "\n".join(outputs)
    # a wrong passphrase is named as such, not shown
    monkeypatch.setenv("ALPHA_KEY_PASSPHRASE", "wrong-" + passphrase)
    result = runner.invoke(main, ["--config", str(config), "test", "db", "alpha", "--json"])
    [report] = json.loads(result.output)
    assert report["stages"][-1]["detail"].startswith("OX-SSH-007")
    assert "the passphrase does not open it" in report["stages"][-1]["detail"]
    outputs.append(result.output)
    # a key the server does not know: the SSH password is tried (and refused) after it
    monkeypatch.setenv("ALPHA_KEY_PASSPHRASE", passphrase)
    ssh_server.authorize(ssh_server.client_public)
    result = runner.invoke(main, ["--config", str(config), "test", "db", "alpha", "--json"])
    [report] = json.loads(result.output)
    assert report["stages"][-1]["detail"].startswith("OX-SSH-004")
    assert "(key locked, password)" in report["stages"][-1]["detail"]
    outputs.append(result.output)
    # supplier-setup --json: the line this test's sshd accepted, for the admin to paste
    result = runner.invoke(main, ["--config", str(config), "supplier-setup", "alpha", "--json"])
    setup = json.loads(result.output)
    assert setup["ssh"]["authorized_keys"] == [f"{permit(shop)} {public}"]
    outputs.append(result.output)
    everything = "\n".join(outputs) + caplog.text + (tmp_path / "state.sqlite").read_bytes().decode("latin-1")
    everything += "".join(p.read_text(errors="replace") for p in (tmp_path / "outbox").rglob("*")
                          if p.is_file())
    for secret in (passphrase, ssh_password, shop.password):
        assert secret not in everything


def test_a_literal_secret_in_the_ssh_table_is_refused(shop, ssh_server, make_config):
    with pytest.raises(OXError) as exc:
        make_config(suppliers=tunnelled(shop, ssh_server, password="hunter2"))
    assert exc.value.code == "OX-CFG-004"
    assert "suppliers.alpha.database.ssh.password" in exc.value.message
    assert "hunter2" not in exc.value.message + exc.value.solution


def test_database_down_behind_the_ssh_server_is_transient_ox_ssh_006(shop, ssh_server, prepare):
    from servers import free_port

    closed = free_port()
    ssh_server.authorize(f'restrict,port-forwarding,permitopen="127.0.0.1:{closed}" '
                         f"{ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server, remote_port=closed), [ANNA])
    report = run.connector().self_test()
    assert stages(report) == [("SSH reachable", True), ("host key matches", True), ("SSH login", True),
                              ("tunnel opened", False)]
    assert report.stages[-1].detail.startswith(
        f"OX-SSH-006: Supplier alpha: the SSH server 127.0.0.1:{ssh_server.port} cannot connect "
        f"to the database at 127.0.0.1:{closed}")
    [result] = Dispatcher(run.config, run.store, PluginHost(), retry=QUICK).send(run.so_ids)
    assert result.error is not None and result.error.code == "OX-SSH-006"
    assert result.error.transient
    assert transports() == [] and sockets_to(ssh_server.port) == set()


# --- supplier-setup: what to send the supplier's admin ---------------------------------------------
def test_supplier_setup_prints_grants_and_the_authorized_keys_line(shop, ssh_server, prepare,
                                                                   tmp_path):
    from orderexchange import supplier_setup

    ssh_server.authorize(f"{permit(shop)} {ssh_server.client_public}")
    run = prepare(tunnelled(shop, ssh_server), [ANNA])
    sup = run.config.supplier("alpha")
    data = supplier_setup.collect(sup, run.connector())
    line = f"{permit(shop)} {ssh_server.client_public}"
    assert data["ssh"]["authorized_keys"] == [line]  # what this test's sshd accepts, verbatim
    assert data["ssh"]["host_key_pinned"] == [ssh_server.host_fingerprint]
    db = data["database"]
    assert db["source"] == "read from the shop's live schema"
    account = f"'{shop.user}'@'%'"
    assert (f"GRANT INSERT, SELECT, UPDATE ON `{shop.database}`.`oc_order` TO {account};"
            in db["grants"])
    # InnoDB everywhere: no DELETE is asked for
    assert not any("DELETE" in g for g in db["grants"])
    text = supplier_setup.render(data)
    assert line in text and db["create_user"] in text

    # before the supplier has set anything up: from the connector alone, DELETE included
    ssh_server.kill()
    offline = supplier_setup.collect(sup, run.connector())["database"]
    assert offline["source"].startswith("the shop could not be reached (OX-SSH-001)")
    assert offline["account"] == f"'{shop.user}'@'127.0.0.1'"
    assert (f"GRANT DELETE, INSERT, SELECT, UPDATE ON `{shop.database}`.`oc_order` TO "
            f"'{shop.user}'@'127.0.0.1';" in offline["grants"])
    assert transports() == [] and sockets_to(ssh_server.port) == set()
