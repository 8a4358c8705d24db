"""Mail: rendering, header safety, and the transports against a real aiosmtpd server on loopback.

No mocks: every SMTP test talks to ``servers.SMTPTestServer`` (plain, STARTTLS or implicit TLS,
optionally with AUTH) through the ``smtp_server`` fixture, and checks what the server recorded.
"""

from __future__ import annotations

import email
import email.policy
import gc
import re
import warnings
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderexchange import mail
from orderexchange.errors import OXError
from orderexchange.model import (Address, Customer, CustomerOrder, OrderLine, SupplierLine,
                                 SupplierOrder, SupplierOrderState, Transfer, TransferState)
from orderexchange.plugin_host import PluginHost

USER = "mailer"
PASSWORD = "Pw-9f3k!unique-s3cret"
WRONG_PASSWORD = "Wr0ng-Pa55-qz7x"
SUPPLIER_EMAIL = "orders@alpha.example"
SENDER = "orders@acme.example"  # the distributor's address in make_config
CLIENT_SECURITY = {"plain": "none", "starttls": "starttls", "tls": "tls"}
FIXED_NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
ALPHA = {"name": "Alpha Tools GmbH", "email": SUPPLIER_EMAIL, "shipping_cost": "4.90",
         "connector": {"type": "oscommerce"}}


# --- helpers ---------------------------------------------------------------------------------
def smtp_settings(server, *, auth: bool = True, password: str = PASSWORD, ca: bool = True,
                  **extra) -> dict:
    """The `[mail]` table for an SMTP transport pointing at a test server."""
    settings = {"transport": "smtp", "host": server.host, "port": server.port,
                "security": CLIENT_SECURITY[server.security], "timeout": 10}
    if auth:
        settings.update(user=USER, password=password)
    if ca and server.ca_file:
        settings["ca_file"] = server.ca_file
    settings.update(extra)
    return settings


def header_lines(raw: bytes) -> list[str]:
    """The top-level header block of a serialised message, one entry per physical line."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return head.decode("ascii", "replace").splitlines()


def sample_supplier_order(first_name: str = "Anna", last_name: str = "Schmidt") -> SupplierOrder:
    delivery = Address(first_name="Anna", last_name="Schmidt", street="Hauptstr. 1",
                       postcode="10115", city="Berlin", country="DE",
                       company="Werkstatt Schmidt", street2="Hinterhaus")
    customer = Customer(email="anna.schmidt@example.com", first_name=first_name,
                        last_name=last_name, phone="+49 30 1234567")
    line = OrderLine(line_no=1, sku="HAMMER", name="Claw hammer 450 g", quantity=3,
                     unit_price=Decimal("12.90"), tax_rate=Decimal("19"))
    order = CustomerOrder(number="1001", ordered_at=datetime(2026, 11, 20, 9, 15),
                          currency="EUR", customer=customer, billing=delivery,
                          delivery=delivery, lines=[line], shipping=Decimal("4.90"))
    transfer = Transfer(customer_order=order,
                        lines=[SupplierLine(line=line, supplier_sku="A-100",
                                            purchase_price=Decimal("7.20"))],
                        reference="acme-1001-alpha", state=TransferState.WRITTEN,
                        remote_order_id="SHOP-4711", remote_customer_id="77",
                        customer_created=True)
    return SupplierOrder(id=42, supplier_id="alpha", state=SupplierOrderState.WRITTEN,
                         created_at=datetime(2026, 11, 20, 10, 0), transfers=[transfer])


def notification(config):
    return mail.render_notification(config, config.supplier("alpha"), sample_supplier_order(),
                                    now=FIXED_NOW)


@pytest.fixture(scope="module")
def transports():
    return PluginHost().mail_transports()


@pytest.fixture
def memory_outbox():
    """MemoryTransport keeps a class-level list: empty it around the test."""
    saved = list(mail.MemoryTransport.sent)
    mail.MemoryTransport.sent.clear()
    yield mail.MemoryTransport.sent
    mail.MemoryTransport.sent[:] = saved


# --- SMTP delivery ---------------------------------------------------------------------------
@pytest.mark.parametrize("security, encrypted", [("plain", False), ("starttls", True),
                                                 ("tls", True)])
def test_smtp_delivers_with_auth(smtp_server, make_config, security, encrypted):
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server))
    message = notification(config)

    with mail.SmtpTransport(config.mail) as transport:
        transport.send(message)

    assert len(server.messages) == 1
    received = server.messages[0]
    assert received.tls is encrypted
    assert received.auth_login == USER
    assert (("PLAIN", USER, True) in server.auth_attempts
            or ("LOGIN", USER, True) in server.auth_attempts)
    assert received.rcpt_tos == [SUPPLIER_EMAIL]
    assert received.mail_from == SENDER

    got = received.message
    assert got["From"] == f"ACME Distribution <{SENDER}>"
    assert got["To"] == SUPPLIER_EMAIL
    assert got["Reply-To"] == SENDER
    assert got["Subject"] == "ACME Distribution: order acme-42 (1 customer order)"
    assert got["Message-ID"] == message["Message-ID"]
    assert re.fullmatch(r"<[^<>@\s]+@acme\.example>", got["Message-ID"])
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["Date"] == "Fri, 20 Nov 2026 10:30:00 +0000"

    assert got.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    text = got.get_body(preferencelist=("plain",)).get_content()
    html = got.get_body(preferencelist=("html",)).get_content()
    assert "Your shop order SHOP-4711" in text
    assert "<h3>Your shop order SHOP-4711</h3>" in html


def test_one_connection_per_batch(smtp_server, make_config):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))
    recipients = [f"supplier{i}@example.com" for i in range(3)]

    transport = mail.SmtpTransport(config.mail)
    transport.open()
    try:
        for to in recipients:
            transport.send(mail.build_message(config, to, f"order for {to}", "body\n"))
    finally:
        transport.close()

    assert server.connection_count == 1
    assert [m.rcpt_tos for m in server.messages] == [[to] for to in recipients]
    assert all(m.tls and m.auth_login == USER for m in server.messages)
    assert len({m.message["Message-ID"] for m in server.messages}) == 3
    assert [ok for _mech, _login, ok in server.auth_attempts] == [True]  # one login per batch

    # the next batch opens a new connection
    with mail.SmtpTransport(config.mail) as transport:
        transport.send(mail.build_message(config, "late@example.com", "late", "body\n"))
    assert server.connection_count == 2
    assert len(server.messages) == 4


def test_refused_recipient_does_not_break_the_batch(smtp_server, make_config):
    server = smtp_server(security="plain")
    server.reply_for_rcpt["gone@example.com"] = "550 5.1.1 No such user"
    config = make_config(mail=smtp_settings(server, auth=False))

    with mail.SmtpTransport(config.mail) as transport:
        with pytest.raises(OXError) as info:
            transport.send(mail.build_message(config, "gone@example.com", "s", "t\n"))
        transport.send(mail.build_message(config, "fine@example.com", "s", "t\n"))

    assert info.value.code == "OX-MAIL-003"
    assert server.connection_count == 1
    assert [m.rcpt_tos for m in server.messages] == [["fine@example.com"]]


@pytest.mark.parametrize("security", ["plain", "starttls", "tls"])
def test_close_really_closes_the_socket(smtp_server, make_config, security):
    """After STARTTLS the socket closes only once the TLS shutdown ran: close() must wait."""
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        transport = mail.SmtpTransport(config.mail)
        transport.open()
        sock = transport._client.get_transport_info("socket")
        transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
        assert sock.fileno() != -1
        transport.close()
        assert sock.fileno() == -1  # closed by close(), not left to the garbage collector
        del transport, sock
        gc.collect()

    assert len(server.messages) == 1
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


# --- SMTP failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("security", ["plain", "starttls", "tls"])
def test_wrong_password_is_ox_mail_002_without_the_password(smtp_server, make_config, security):
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, password=WRONG_PASSWORD))

    transport = mail.SmtpTransport(config.mail)
    with pytest.raises(OXError) as info:
        transport.open()
    transport.close()  # safe after a failed open

    error = info.value
    assert error.code == "OX-MAIL-002"
    assert error.entry.transient is False
    assert USER in error.message and server.host in error.message
    for text in (str(error), error.message, error.solution, repr(error), repr(error.facts)):
        assert WRONG_PASSWORD not in text
        assert PASSWORD not in text
    assert server.auth_attempts and not any(ok for _m, _l, ok in server.auth_attempts)
    assert server.messages == []


def test_dead_server_is_transient_ox_mail_001(make_config, dead_port):
    config = make_config(mail={"transport": "smtp", "host": "127.0.0.1", "port": dead_port,
                               "security": "none", "timeout": 10})
    transport = mail.SmtpTransport(config.mail)
    with pytest.raises(OXError) as info:
        transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))  # opens lazily

    assert info.value.code == "OX-MAIL-001"
    assert info.value.entry.transient is True
    assert f"127.0.0.1:{dead_port}" in info.value.message
    transport.close()


@pytest.mark.parametrize("security, when", [("plain", True), ("plain", "ehlo"),
                                            ("starttls", True), ("tls", True), ("tls", "ehlo")])
def test_dropped_connection_is_transient_ox_mail_001(smtp_server, make_config, security, when):
    server = smtp_server(security=security)
    server.drop_next_connection = when
    config = make_config(mail=smtp_settings(server, auth=False))

    with pytest.raises(OXError) as info:
        with mail.SmtpTransport(config.mail) as transport:
            transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))

    assert info.value.code == "OX-MAIL-001"
    assert info.value.entry.transient is True
    assert f"{server.host}:{server.port}" in info.value.message
    assert server.connection_count == 1
    assert server.messages == []

    # a later attempt (the drop was one-off) succeeds: the failure really was transient
    with mail.SmtpTransport(config.mail) as transport:
        transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert server.connection_count == 2
    assert len(server.messages) == 1


@pytest.mark.parametrize("reply, code, transient", [
    ("450 4.2.0 Mailbox busy", "OX-MAIL-004", True),
    ("550 5.1.1 No such user", "OX-MAIL-003", False),
])
def test_refused_recipient(smtp_server, make_config, reply, code, transient):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    server.reply_for_rcpt[SUPPLIER_EMAIL] = reply
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server))

    with mail.SmtpTransport(config.mail) as transport:
        with pytest.raises(OXError) as info:
            transport.send(notification(config), supplier="alpha")

    error = info.value
    assert error.code == code
    assert error.entry.transient is transient
    assert SUPPLIER_EMAIL in error.message
    assert reply in error.message  # the server's own words
    if code == "OX-MAIL-003":
        assert "alpha" in error.solution
    assert server.messages == []


@pytest.mark.parametrize("attr, reply, code", [
    ("reply_for_mail", "451 4.3.0 Try later", "OX-MAIL-004"),
    ("reply_for_data", "452 4.3.1 Out of storage", "OX-MAIL-004"),
    ("reply_for_data", "554 5.7.1 Message refused", "OX-MAIL-003"),
])
def test_refused_sender_or_data(smtp_server, make_config, attr, reply, code):
    server = smtp_server(security="plain")
    setattr(server, attr, reply)
    config = make_config(mail=smtp_settings(server, auth=False))

    with mail.SmtpTransport(config.mail) as transport:
        with pytest.raises(OXError) as info:
            transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))

    assert info.value.code == code
    assert info.value.entry.transient is (code == "OX-MAIL-004")
    assert reply in info.value.message
    assert server.messages == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_untrusted_certificate_is_ox_mail_005(smtp_server, make_config, security):
    server = smtp_server(security=security)
    config = make_config(mail=smtp_settings(server, auth=False, ca=False))
    assert config.mail.verify is True and config.mail.ca_file is None

    transport = mail.SmtpTransport(config.mail)
    with pytest.raises(OXError) as info:
        transport.open()
    transport.close()

    assert info.value.code == "OX-MAIL-005"
    assert info.value.entry.transient is False
    assert "CERTIFICATE_VERIFY_FAILED" in info.value.message
    assert server.messages == []

    # verify = false: same server, same (untrusted) certificate, delivered over TLS
    config = make_config(mail=smtp_settings(server, auth=False, ca=False, verify=False))
    with mail.SmtpTransport(config.mail) as transport:
        transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert len(server.messages) == 1
    assert server.messages[0].tls is True


def test_plain_login_to_a_starttls_only_server_is_a_settings_error(smtp_server, make_config):
    """The server offers AUTH only after STARTTLS: permanent settings problem, not OX-MAIL-001."""
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, security="none"))

    transport = mail.SmtpTransport(config.mail)
    with pytest.raises(OXError) as info:
        transport.open()
    transport.close()

    assert info.value.code == "OX-MAIL-005"
    assert info.value.entry.transient is False
    assert PASSWORD not in str(info.value)
    assert server.auth_attempts == []


# --- self-test -------------------------------------------------------------------------------
def test_self_test_reports_every_stage(smtp_server, make_config, transports):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))

    report = mail.self_test(config, transports, to="check@example.com")

    assert [stage.name for stage in report.stages] == [
        "connect + banner", "STARTTLS", "AUTH", "send test message"]
    assert all(stage.ok for stage in report.stages), report.stages
    assert report.ok
    details = {stage.name: stage.detail for stage in report.stages}
    assert details["connect + banner"].startswith(f"{server.host}:{server.port} 220")
    assert details["STARTTLS"] == "certificate verified"
    assert details["AUTH"] == f"logged in as {USER}"
    assert all(PASSWORD not in stage.detail for stage in report.stages)

    assert len(server.messages) == 1
    received = server.messages[0]
    assert received.rcpt_tos == ["check@example.com"]
    assert received.tls is True and received.auth_login == USER
    got = received.message
    assert got["Subject"] == "orderexchange test message from ACME Distribution"
    assert got["Message-ID"] in details["send test message"]
    assert "the mail settings work" in got.get_content()
    assert server.connection_count == 1


def test_self_test_without_recipient_sends_nothing(smtp_server, make_config, transports):
    server = smtp_server(security="tls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))

    report = mail.self_test(config, transports)

    assert report.ok
    assert [stage.name for stage in report.stages] == ["connect + banner", "TLS", "AUTH"]
    assert server.messages == []


def test_self_test_against_dead_port(make_config, transports, dead_port):
    config = make_config(mail={"transport": "smtp", "host": "127.0.0.1", "port": dead_port,
                               "security": "starttls", "user": USER, "password": PASSWORD,
                               "timeout": 10})

    report = mail.self_test(config, transports, to="check@example.com")

    assert not report.ok
    assert [(stage.name, stage.ok) for stage in report.stages] == [("OX-MAIL-001", False)]
    assert f"127.0.0.1:{dead_port}" in report.stages[0].detail
    assert PASSWORD not in report.stages[0].detail


def test_self_test_wrong_password_hides_it(smtp_server, make_config, transports):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, password=WRONG_PASSWORD))

    report = mail.self_test(config, transports, to="check@example.com")

    assert not report.ok
    assert [(stage.name, stage.ok) for stage in report.stages] == [
        ("connect + banner", True), ("STARTTLS", True), ("OX-MAIL-002", False)]
    assert all(WRONG_PASSWORD not in stage.detail for stage in report.stages)
    assert server.messages == []


# --- file / memory transports ----------------------------------------------------------------
def test_file_transport_writes_a_parseable_eml(make_config, tmp_path, transports):
    config = make_config(suppliers={"alpha": ALPHA})
    assert config.mail.transport == "file"
    message = notification(config)

    transport = mail.transport_for(config.mail, transports)
    assert isinstance(transport, mail.FileTransport)
    with transport:
        transport.send(message)

    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    got = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert got["To"] == SUPPLIER_EMAIL
    assert got["Message-ID"] == message["Message-ID"]
    assert got["Subject"] == "ACME Distribution: order acme-42 (1 customer order)"
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    assert "SHOP-4711" in got.get_body(preferencelist=("plain",)).get_content()


def test_file_transport_unwritable_outbox_is_ox_mail_008(make_config, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should be")
    config = make_config(mail={"transport": "file", "outbox": str(blocker)})
    transport = mail.FileTransport(config.mail)

    with pytest.raises(OXError) as info:
        transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert info.value.code == "OX-MAIL-008"
    assert str(blocker) in info.value.message

    report = mail.self_test(config, {"file": mail.FileTransport})
    assert not report.ok
    assert report.stages[0].name == "outbox writable" and not report.stages[0].ok


def test_memory_transport_collects(make_config, transports, memory_outbox):
    config = make_config(mail={"transport": "memory"})
    first = mail.build_message(config, "a@example.com", "one", "1\n")
    second = mail.build_message(config, "b@example.com", "two", "2\n")

    with mail.transport_for(config.mail, transports) as transport:
        assert isinstance(transport, mail.MemoryTransport)
        transport.send(first)
        transport.send(second)

    assert memory_outbox == [first, second]
    assert [m["To"] for m in memory_outbox] == ["a@example.com", "b@example.com"]


def test_unknown_transport_is_ox_mail_007(make_config, transports):
    config = make_config(mail={"transport": "pigeon"})
    with pytest.raises(OXError) as info:
        mail.transport_for(config.mail, transports)
    assert info.value.code == "OX-MAIL-007"
    assert "pigeon" in info.value.message
    for name in ("smtp", "file", "memory"):
        assert name in info.value.solution


# --- header safety ---------------------------------------------------------------------------
def test_build_message_folds_injected_headers(make_config):
    config = make_config()
    message = mail.build_message(config, "supplier@example.com\r\nBcc: evil@example.com",
                                 "Subject\r\nBcc: evil@x", "text")
    raw = message.as_bytes()

    lines = header_lines(raw)
    assert not [line for line in lines if line.lower().startswith("bcc")]
    assert not re.search(rb"(?im)^bcc:", raw)
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Bcc"] is None
    assert got["Subject"] == "Subject Bcc: evil@x"
    assert "\r" not in str(message["To"]) and "\n" not in str(message["To"])
    assert [line.split(":", 1)[0] for line in lines if not line[:1].isspace()] == [
        "From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted",
        "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]


def test_injected_to_does_not_reach_the_envelope(smtp_server, make_config):
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False))
    message = mail.build_message(config, "supplier@example.com\r\nBcc: evil@example.com",
                                 "Subject\r\nBcc: evil@x", "text\n")

    with mail.SmtpTransport(config.mail) as transport:
        transport.send(message)

    assert len(server.messages) == 1
    assert server.messages[0].rcpt_tos == ["supplier@example.com"]
    assert not re.search(rb"(?im)^bcc:", server.messages[0].data)


def test_notification_with_hostile_customer_name(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    so = sample_supplier_order(first_name="Eve\r\nBcc: evil@example.com",
                               last_name="<script>alert(1)</script>")

    message = mail.render_notification(config, config.supplier("alpha"), so, now=FIXED_NOW)
    raw = message.as_bytes()

    lines = header_lines(raw)
    assert not [line for line in lines if line.lower().startswith("bcc")]
    names = [line.split(":", 1)[0] for line in lines if not line[:1].isspace()]
    assert names == ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                     "MIME-Version", "Content-Type"]
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Bcc"] is None
    assert got["To"] == SUPPLIER_EMAIL
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    for part in got.iter_parts():
        assert part["Bcc"] is None

    html = got.get_body(preferencelist=("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    text = got.get_body(preferencelist=("plain",)).get_content()
    assert "<script>alert(1)</script>" in text  # plain text is not HTML: no escaping there


# --- template content ------------------------------------------------------------------------
def test_notification_names_the_order_facts(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    message = notification(config)

    assert message["Subject"] == "ACME Distribution: order acme-42 (1 customer order)"
    assert message["To"] == SUPPLIER_EMAIL
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()

    assert "Hello Alpha Tools GmbH," in text
    assert "Your shop order SHOP-4711" in text            # transfer.remote_order_id
    assert "our order 1001" in text                       # customer order number
    assert "reference acme-1001-alpha" in text
    assert re.search(r"(?m)^\s+3\s+A-100\s+Claw hammer 450 g\s+7\.20\s+21\.60$", text)
    assert "Subtotal net 21.60 EUR, tax 4.10 EUR" in text
    assert "Net value of this supplier order: 21.60" in text
    assert "Anna Schmidt <anna.schmidt@example.com> (new customer in your shop)" in text
    delivery = text.split("Deliver to:", 1)[1]
    for fact in ("Werkstatt Schmidt", "Anna Schmidt", "Hauptstr. 1, Hinterhaus",
                 "10115 Berlin", "DE"):
        assert fact in delivery, fact
    assert delivery.index("Werkstatt Schmidt") < delivery.index("10115 Berlin")

    for fact in ("SHOP-4711", "Our order 1001", "<td>3</td><td>A-100</td>", "Hauptstr. 1",
                 "10115 Berlin", "21.60"):
        assert fact in html, fact


def test_notification_of_unwritten_transfer(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    so = sample_supplier_order()
    so.transfers[0].remote_order_id = None
    so.transfers[0].customer_created = False

    message = mail.render_notification(config, config.supplier("alpha"), so, now=FIXED_NOW)
    text = message.get_body(preferencelist=("plain",)).get_content()

    assert "Your shop order (not written)" in text
    assert "(existing customer in your shop)" in text
