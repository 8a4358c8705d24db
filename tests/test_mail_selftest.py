"""`orderexchange test mail`: every stage reported on its own, each failing stage with its own
code and solution — against aiosmtpd on loopback with trustme certificates.

Stages: DNS, connect, TLS (implicit), banner, EHLO, STARTTLS, AUTH, send test message.
"""

from __future__ import annotations

import json
import re
import socket

import pytest
from click.testing import CliRunner
from test_mail_smtp import PASSWORD, USER, WRONG_PASSWORD, smtp_settings

from orderexchange import mail
from orderexchange.cli import main
from orderexchange.plugin_host import PluginHost


@pytest.fixture(scope="module")
def transports():
    return PluginHost().mail_transports()


def stages(report) -> list[tuple[str, bool]]:
    return [(s.name, s.ok) for s in report.stages]


def failed(report):
    [stage] = [s for s in report.stages if not s.ok]
    return stage


def refuse_ehlo(server, reply):
    async def handle_EHLO(smtp, session, envelope, hostname, responses):  # noqa: N802
        return [reply]
    server.handle_EHLO = handle_EHLO


# --- all stages pass -----------------------------------------------------------------------------
def test_every_stage_reported_then_a_test_message(smtp_server, make_config, transports):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))

    report = mail.self_test(config, transports, to="check@example.com")

    assert stages(report) == [("DNS", True), ("connect", True), ("banner", True),
                              ("EHLO", True), ("STARTTLS", True), ("AUTH", True),
                              ("send test message", True)], report.stages
    assert report.ok
    details = {s.name: s.detail for s in report.stages}
    assert details["DNS"] == "127.0.0.1 → 127.0.0.1"
    assert details["connect"] == f"127.0.0.1:{server.port} (127.0.0.1)"
    assert details["banner"].startswith("220 ")
    assert "STARTTLS" in details["EHLO"] and "extensions" in details["EHLO"]
    assert details["STARTTLS"].startswith("TLSv1.")
    assert "certificate " in details["STARTTLS"]
    assert "for localhost" in details["STARTTLS"]
    assert "issuer " in details["STARTTLS"] and "O=orderexchange tests" in details["STARTTLS"]
    assert re.search(r"valid until \d{4}-\d\d-\d\d \(in \d+ days\)$", details["STARTTLS"])
    # (the test server also lists ATTEMPTS: aiosmtpd takes any auth_* attribute of its handler)
    assert re.fullmatch(rf"offered LOGIN PLAIN( ATTEMPTS)?; logged in as {USER}",
                        details["AUTH"])
    assert all(PASSWORD not in s.detail for s in report.stages)

    assert len(server.messages) == 1
    received = server.messages[0]
    assert received.rcpt_tos == ["check@example.com"]
    assert received.tls is True and received.auth_login == USER
    got = received.message
    assert got["Subject"] == "orderexchange test message from ACME Distribution"
    assert f"Message-ID {got['Message-ID']}" in details["send test message"]
    assert "Message accepted for delivery" in details["send test message"]
    assert "the mail settings work" in got.get_content()
    assert server.connection_count == 1


def test_implicit_tls_reports_the_certificate_before_the_banner(smtp_server, make_config,
                                                                 transports):
    server = smtp_server(security="tls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))

    report = mail.self_test(config, transports)

    assert stages(report) == [("DNS", True), ("connect", True), ("TLS", True), ("banner", True),
                              ("EHLO", True), ("AUTH", True)]
    tls = report.stages[2].detail
    assert tls.startswith("implicit TLS, TLSv1.") and "valid until" in tls
    assert server.messages == []


def test_without_a_login_the_offered_mechanisms_are_shown(smtp_server, make_config, transports):
    server = smtp_server(security="plain", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, auth=False))
    report = mail.self_test(config, transports)
    assert report.ok
    assert report.stages[-1].name == "AUTH"
    assert report.stages[-1].detail.startswith("no login configured (server offers LOGIN PLAIN")


# --- each stage failing with its own code ----------------------------------------------------
def test_dns_stage(make_config, transports, monkeypatch):
    def unknown(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)  # no resolver is asked in a test
    config = make_config(mail={"transport": "smtp", "host": "smtp.acme.invalid", "port": 587,
                               "user": USER, "password": PASSWORD})
    report = mail.self_test(config, transports, to="check@example.com")
    assert stages(report) == [("DNS", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-009"
    assert "smtp.acme.invalid" in stage.detail and "Name or service not known" in stage.detail
    assert "getent hosts smtp.acme.invalid" in stage.solution


def test_connect_stage(make_config, transports, dead_port):
    config = make_config(mail={"transport": "smtp", "host": "127.0.0.1", "port": dead_port,
                               "security": "starttls", "user": USER, "password": PASSWORD,
                               "timeout": 10})
    report = mail.self_test(config, transports, to="check@example.com")
    assert stages(report) == [("DNS", True), ("connect", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-001"
    assert f"127.0.0.1:{dead_port}" in stage.detail and "refused" in stage.detail.lower()
    assert PASSWORD not in stage.detail


def test_banner_stage_closed_before_greeting(smtp_server, make_config, transports):
    server = smtp_server(security="plain")
    server.drop_next_connection = True
    config = make_config(mail=smtp_settings(server, auth=False))
    report = mail.self_test(config, transports)
    assert stages(report) == [("DNS", True), ("connect", True), ("banner", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-010"
    assert "closed the connection before its greeting" in stage.detail
    assert server.connection_count == 1  # the self-test does not retry


@pytest.mark.parametrize("client", ["starttls", "none"])
def test_banner_stage_wrong_port_plain_client_on_implicit_tls_port(smtp_server, make_config,
                                                                   transports, client):
    server = smtp_server(security="tls")
    config = make_config(mail=smtp_settings(server, auth=False, security=client, timeout=1))
    report = mail.self_test(config, transports)
    assert stages(report) == [("DNS", True), ("connect", True), ("banner", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-011"
    assert f'security = "{client}"' in stage.detail
    assert "answers a TLS handshake" in stage.detail
    assert 'set security = "tls"' in stage.solution


def test_tls_stage_wrong_port_tls_client_on_plain_port(smtp_server, make_config, transports):
    server = smtp_server(security="starttls")
    config = make_config(mail=smtp_settings(server, auth=False, security="tls"))
    report = mail.self_test(config, transports)
    assert stages(report) == [("DNS", True), ("connect", True), ("TLS", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-011"
    assert "answered in plain text" in stage.detail
    assert 'security = "starttls" (usually port 587)' in stage.solution


def test_tls_stage_connection_closed_during_the_handshake(smtp_server, make_config,
                                                          transports):
    server = smtp_server(security="plain")
    server.drop_next_connection = True  # closes right after the TCP connect
    config = make_config(mail=smtp_settings(server, auth=False, security="tls",
                                            ca_file=server.certificates.ca_file))
    report = mail.self_test(config, transports)
    assert stages(report) == [("DNS", True), ("connect", True), ("TLS", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-005"
    assert "closed the connection during the TLS handshake" in stage.detail


@pytest.mark.parametrize("security, stage_name", [("starttls", "STARTTLS"), ("tls", "TLS")])
def test_tls_stage_certificate_not_trusted(smtp_server, make_config, transports, security,
                                           stage_name):
    server = smtp_server(security=security)
    config = make_config(mail=smtp_settings(server, auth=False, ca=False))
    report = mail.self_test(config, transports)
    assert stages(report)[-1] == (stage_name, False)
    stage = failed(report)
    assert stage.code == "OX-MAIL-013"
    assert "CERTIFICATE_VERIFY_FAILED" in stage.detail
    assert "ca_file" in stage.solution


def test_ehlo_stage(smtp_server, make_config, transports):
    server = smtp_server(security="plain")
    refuse_ehlo(server, "550 5.7.1 Your host name does not resolve")
    config = make_config(mail=smtp_settings(server, auth=False))
    report = mail.self_test(config, transports)
    assert stages(report) == [("DNS", True), ("connect", True), ("banner", True),
                              ("EHLO", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-012"
    assert "550 5.7.1 Your host name does not resolve" in stage.detail
    assert "local_hostname" in stage.solution


def test_local_hostname_is_sent_with_ehlo(smtp_server, make_config, transports):
    server = smtp_server(security="plain")
    seen = []

    async def handle_EHLO(smtp, session, envelope, hostname, responses):  # noqa: N802
        seen.append(hostname)
        return responses
    server.handle_EHLO = handle_EHLO
    config = make_config(mail=smtp_settings(server, auth=False,
                                            local_hostname="orders.acme.example"))
    assert mail.self_test(config, transports).ok
    assert seen == ["orders.acme.example"]


def test_starttls_stage_not_offered(smtp_server, make_config, transports):
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False, security="starttls"))
    report = mail.self_test(config, transports)
    assert stages(report)[-1] == ("STARTTLS", False)
    stage = failed(report)
    assert stage.code == "OX-MAIL-014"
    assert "does not offer STARTTLS" in stage.detail
    assert 'starttls = "opportunistic"' in stage.solution


def test_starttls_stage_opportunistic_says_it_is_unencrypted(smtp_server, make_config,
                                                             transports):
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False, security="starttls",
                                            starttls="opportunistic"))
    report = mail.self_test(config, transports)
    assert report.ok
    assert {s.name: s.detail for s in report.stages}["STARTTLS"] == \
        'not offered: sending UNENCRYPTED (starttls = "opportunistic")'


def test_auth_stage_refused(smtp_server, make_config, transports):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, password=WRONG_PASSWORD))
    report = mail.self_test(config, transports, to="check@example.com")
    assert stages(report) == [("DNS", True), ("connect", True), ("banner", True),
                              ("EHLO", True), ("STARTTLS", True), ("AUTH", False)]
    stage = failed(report)
    assert stage.code == "OX-MAIL-002"
    assert f"refused the login for {USER}" in stage.detail and "535" in stage.detail
    assert all(WRONG_PASSWORD not in s.detail + s.solution for s in report.stages)
    assert server.messages == []


def test_auth_stage_not_offered(smtp_server, make_config, transports):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, security="none"))
    report = mail.self_test(config, transports)
    assert stages(report)[-1] == ("AUTH", False)
    stage = failed(report)
    assert stage.code == "OX-MAIL-015"
    assert 'security = "starttls"' in stage.solution
    assert server.auth_attempts == []


@pytest.mark.parametrize("attr, reply, code", [
    ("reply_for_rcpt", "554 5.7.1 <check@example.com>: Relay access denied", "OX-MAIL-016"),
    ("reply_for_mail", "553 5.7.1 Sender address rejected: not owned by user", "OX-MAIL-017"),
    ("reply_for_rcpt", "550 5.1.1 No such user", "OX-MAIL-003"),
    ("reply_for_data", "451 4.3.0 Try again later", "OX-MAIL-004"),
])
def test_send_stage(smtp_server, make_config, transports, attr, reply, code):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    if attr == "reply_for_rcpt":
        server.reply_for_rcpt["check@example.com"] = reply
    else:
        setattr(server, attr, reply)
    config = make_config(mail=smtp_settings(server))
    report = mail.self_test(config, transports, to="check@example.com")
    assert stages(report)[-1] == ("send test message", False)
    stage = failed(report)
    assert stage.code == code
    assert reply in stage.detail
    assert server.messages == []


# --- the command ---------------------------------------------------------------------------------
def write_config(tmp_path, mail_table: dict) -> str:
    lines = ['[distributor]', 'id = "acme"', 'name = "ACME Distribution"',
             'email = "orders@acme.example"', '', '[mail]']
    lines += [f"{k} = {json.dumps(v)}" for k, v in mail_table.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_cli_test_mail_prints_every_stage_and_the_message_id(smtp_server, tmp_path,
                                                             monkeypatch):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    monkeypatch.setenv("OX_TEST_SMTP_PASSWORD", PASSWORD)
    settings = smtp_settings(server, password="${OX_TEST_SMTP_PASSWORD}")
    path = write_config(tmp_path, settings)

    result = CliRunner().invoke(main, ["--config", path, "test", "mail", "--to",
                                       "check@example.com", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [s["name"] for s in report["stages"]] == [
        "DNS", "connect", "banner", "EHLO", "STARTTLS", "AUTH", "send test message"]
    message_id = server.messages[0].message["Message-ID"]
    assert message_id in report["stages"][-1]["detail"]
    assert PASSWORD not in result.output

    result = CliRunner().invoke(main, ["--config", path, "test", "mail"])
    assert result.exit_code == 0
    for stage in ("DNS", "connect", "banner", "EHLO", "STARTTLS", "AUTH"):
        assert stage in result.output


def test_cli_test_mail_failure_prints_code_and_solution(smtp_server, tmp_path):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    path = write_config(tmp_path, smtp_settings(server, password=WRONG_PASSWORD))

    result = CliRunner().invoke(main, ["--config", path, "test", "mail"])
    assert result.exit_code == 1
    assert "OX-MAIL-002 AUTH: The mail server 127.0.0.1 refused the login for mailer" in \
        " ".join(result.output.split())
    assert "solution: Check [mail] user and password" in " ".join(result.output.split())
    assert WRONG_PASSWORD not in result.output

    result = CliRunner().invoke(main, ["--config", path, "test", "mail", "--json"])
    stage = json.loads(result.stdout)["stages"][-1]
    assert (stage["name"], stage["ok"], stage["code"]) == ("AUTH", False, "OX-MAIL-002")
    assert stage["solution"].startswith("Check [mail] user and password")
