"""SMTP delivery against a real aiosmtpd server on loopback (tests/servers.py), with certificates
made by trustme: every TLS mode, AUTH, one connection per batch, transient failures retried with
a bounded back-off (421 / 451 / dropped connections / timeouts), permanent ones not (5xx, login,
certificate, wrong port), partly refused recipients recorded per recipient.

Server behaviour is scripted per test with `script()` (the next replies of one SMTP command);
the back-off is recorded through the transport's `sleep` argument, never measured.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings

import pytest
from test_mail import ALPHA, SENDER, SUPPLIER_EMAIL, notification, supplier

from orderexchange import mail
from orderexchange.errors import OXError
from orderexchange.mail.wire import readdress, wire_bytes, wire_of, with_wire

USER = "mailer"
PASSWORD = "Pw-9f3k!unique-s3cret"
WRONG_PASSWORD = "Wr0ng-Pa55-qz7x"
CLIENT_SECURITY = {"plain": "none", "starttls": "starttls", "tls": "tls"}


def smtp_settings(server, *, auth: bool = True, password: str = PASSWORD, ca: bool = True,
                  **extra) -> dict:
    """The `[mail]` table for an SMTP transport pointing at a test server."""
    settings = {"transport": "smtp", "host": server.host, "port": server.port,
                "security": CLIENT_SECURITY[server.security], "timeout": 10,
                "retry_delay": 0.5}
    if auth:
        settings.update(user=USER, password=password)
    if ca and server.ca_file:
        settings["ca_file"] = server.ca_file
    settings.update(extra)
    return settings


def script(server, command: str, *replies):
    """The next calls of the server's handler for `command` (MAIL, RCPT, DATA) answer `replies`
    in turn — a reply line, or an async callable taking the handler's arguments — and the calls
    after them behave as before. Returns the list of calls seen (each the handler's arguments)."""
    name = f"handle_{command}"
    original = getattr(server, name)
    queue = list(replies)
    calls: list[tuple] = []

    async def scripted(*args):
        calls.append(args)
        if queue:
            reply = queue.pop(0)
            return await reply(*args) if callable(reply) else reply
        return await original(*args)

    setattr(server, name, scripted)  # aiosmtpd looks hooks up per connection
    return calls


async def drop_connection(smtp, session, envelope, *rest):
    """A handler that closes the connection instead of answering (after the data arrived)."""
    smtp.transport.close()
    return "250 never seen by the client"


@pytest.fixture(autouse=True, params=["object", "wire"])
def sent_as(request, monkeypatch):
    """Every test twice: the message as an object (aiosmtplib serialises it) and as the wire
    bytes the outbox stores (sent by smtp.py's own DATA where the server offers 8BITMIME)."""
    if request.param == "wire":
        send = mail.SmtpTransport.send

        def send_wire(self, message, supplier=""):
            if wire_of(message) is None:
                message = with_wire(readdress(message), wire_bytes(message))
            return send(self, message, supplier)
        monkeypatch.setattr(mail.SmtpTransport, "send", send_wire)
    return request.param


def transport(config, waits=None) -> mail.SmtpTransport:
    return mail.SmtpTransport(config.mail, sleep=(waits.append if waits is not None
                                                  else lambda s: None))


# --- delivery in every TLS mode ----------------------------------------------------------------
@pytest.mark.parametrize("security, encrypted", [("plain", False), ("starttls", True),
                                                 ("tls", True)])
def test_smtp_delivers_with_auth(smtp_server, make_config, security, encrypted):
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server))
    message = notification(config)

    with transport(config) as smtp:
        delivery = smtp.send(message)

    assert (delivery.message_id, delivery.accepted, delivery.refused, delivery.attempts) == (
        message["Message-ID"], [SUPPLIER_EMAIL], {}, 1)
    assert len(server.messages) == 1
    received = server.messages[0]
    assert received.tls is encrypted
    assert received.auth_login == USER
    assert received.rcpt_tos == [SUPPLIER_EMAIL]
    assert received.mail_from == SENDER
    got = received.message
    assert got["Message-ID"] == message["Message-ID"]
    assert got["Subject"] == "ACME Distribution: order acme-42 (1 customer order)"
    assert got["Auto-Submitted"] == "auto-generated"
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    assert "Your shop order SHOP-4711" in got.get_body(preferencelist=("plain",)).get_content()


def test_opportunistic_starttls(smtp_server, make_config):
    # a server without STARTTLS: delivered in plain text, as the setting allows
    plain = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(plain, auth=False, security="starttls",
                                            starttls="opportunistic"))
    with transport(config) as smtp:
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert plain.messages[0].tls is False

    # a server offering STARTTLS: used
    tls = smtp_server(security="starttls")
    config = make_config(mail=smtp_settings(tls, auth=False, starttls="opportunistic"))
    with transport(config) as smtp:
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert tls.messages[0].tls is True


def test_opportunistic_fallback_never_sends_the_password_in_clear(smtp_server, make_config):
    server = smtp_server(security="plain", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, security="starttls",
                                            starttls="opportunistic"))
    with pytest.raises(OXError) as info:
        transport(config).open()
    assert info.value.code == "OX-MAIL-014" and not info.value.transient
    assert "never sent unencrypted" in info.value.message
    assert server.auth_attempts == []


def test_required_starttls_refuses_a_server_without_it(smtp_server, make_config):
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False, security="starttls"))
    assert config.mail.starttls == "required"
    smtp = transport(config)
    with pytest.raises(OXError) as info:
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    smtp.close()
    assert info.value.code == "OX-MAIL-014" and not info.value.transient
    assert f"{server.host}:{server.port}" in info.value.message
    assert server.messages == []


def test_one_connection_per_batch(smtp_server, make_config):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))
    recipients = [f"supplier{i}@example.com" for i in range(3)]

    smtp = transport(config)
    smtp.open()
    try:
        for to in recipients:
            smtp.send(mail.build_message(config, to, f"order for {to}", "body\n"))
    finally:
        smtp.close()

    assert server.connection_count == 1
    assert [m.rcpt_tos for m in server.messages] == [[to] for to in recipients]
    assert all(m.tls and m.auth_login == USER for m in server.messages)
    assert len({m.message["Message-ID"] for m in server.messages}) == 3
    assert [ok for _mech, _login, ok in server.auth_attempts] == [True]  # one login per batch

    with transport(config) as smtp:  # the next batch opens a new connection
        smtp.send(mail.build_message(config, "late@example.com", "late", "body\n"))
    assert server.connection_count == 2
    assert len(server.messages) == 4


@pytest.mark.parametrize("security", ["plain", "starttls", "tls"])
def test_close_really_closes_the_socket(smtp_server, make_config, security):
    """After STARTTLS the socket closes only once the TLS shutdown ran: close() must wait."""
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        smtp = transport(config)
        smtp.open()
        sock = smtp._client.get_transport_info("socket")
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
        assert sock.fileno() != -1
        smtp.close()
        assert sock.fileno() == -1  # closed by close(), not left to the garbage collector
        del smtp, sock
        gc.collect()

    assert len(server.messages) == 1
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


# --- transient failures: retried, bounded --------------------------------------------------------
def test_421_is_retried_on_a_new_connection(smtp_server, make_config):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    calls = script(server, "MAIL", "421 4.3.2 Service shutting down, try again")
    config = make_config(mail=smtp_settings(server))
    waits: list[float] = []

    with transport(config, waits) as smtp:
        delivery = smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))

    assert delivery.attempts == 2 and waits == [0.5]
    assert len(calls) == 2  # MAIL FROM twice
    assert server.connection_count == 2  # 421 closes the connection: the retry reconnects
    assert len(server.messages) == 1


@pytest.mark.parametrize("command, reply", [("RCPT", "451 4.3.0 Greylisted, try again"),
                                            ("DATA", "452 4.3.1 Out of storage")])
def test_4xx_is_retried_on_the_same_connection(smtp_server, make_config, command, reply):
    server = smtp_server(security="plain")
    calls = script(server, command, reply)
    config = make_config(mail=smtp_settings(server, auth=False))
    waits: list[float] = []

    with transport(config, waits) as smtp:
        delivery = smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))

    assert delivery.attempts == 2 and waits == [0.5]
    assert len(calls) == 2
    assert server.connection_count == 1
    assert [m.rcpt_tos for m in server.messages] == [[SUPPLIER_EMAIL]]


def test_persistent_4xx_gives_up_after_bounded_retries_with_back_off(smtp_server, make_config):
    server = smtp_server(security="plain")
    server.reply_for_mail = "451 4.3.0 Try later"
    calls = script(server, "MAIL")
    config = make_config(mail=smtp_settings(server, auth=False, retries=3, retry_delay=2))
    waits: list[float] = []

    with transport(config, waits) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"), supplier="alpha")

    assert info.value.code == "OX-MAIL-004" and info.value.transient
    assert "451 4.3.0 Try later" in info.value.message
    assert len(calls) == 4  # the first try and three retries
    assert waits == [2, 4, 8]  # exponential back-off
    assert server.messages == []


def test_connection_dropped_mid_data(smtp_server, make_config):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    script(server, "DATA", drop_connection, drop_connection)
    config = make_config(mail=smtp_settings(server, retries=0))
    message = mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n")

    with transport(config) as smtp:  # no retries: the failure as it is
        with pytest.raises(OXError) as info:
            smtp.send(message)
    assert info.value.code == "OX-MAIL-001" and info.value.transient
    assert "connection lost while sending" in info.value.message
    assert server.messages == []

    config = make_config(mail=smtp_settings(server, retries=1))
    waits: list[float] = []
    with transport(config, waits) as smtp:  # the second drop is healed by the retry
        delivery = smtp.send(message)
    assert delivery.attempts == 2 and waits == [0.5]
    assert len(server.messages) == 1
    assert server.messages[0].message["Message-ID"] == message["Message-ID"]  # same message
    assert server.connection_count == 3


def test_timeout_is_transient(smtp_server, make_config):
    server = smtp_server(security="plain")

    async def stall(*args):
        await asyncio.sleep(3)
        return "250 too late"

    script(server, "DATA", stall)
    config = make_config(mail=smtp_settings(server, auth=False, timeout=1, retries=0))
    with transport(config) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert info.value.code == "OX-MAIL-001" and info.value.transient


@pytest.mark.parametrize("security, when, code", [
    ("plain", True, "OX-MAIL-010"), ("plain", "ehlo", "OX-MAIL-001"),
    ("starttls", True, "OX-MAIL-010"), ("tls", True, "OX-MAIL-010"),
    ("tls", "ehlo", "OX-MAIL-001")])
def test_dropped_connection_is_transient(smtp_server, make_config, security, when, code):
    server = smtp_server(security=security)
    server.drop_next_connection = when
    config = make_config(mail=smtp_settings(server, auth=False, retries=0))

    with pytest.raises(OXError) as info:
        with transport(config) as smtp:
            smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))

    assert info.value.code == code and info.value.transient
    assert f"{server.host}:{server.port}" in info.value.message
    assert server.connection_count == 1 and server.messages == []

    # with the default retries, the same one-off drop is healed while the batch connects
    server.drop_next_connection = when
    config = make_config(mail=smtp_settings(server, auth=False))
    waits: list[float] = []
    with transport(config, waits) as smtp:
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert waits == [0.5]
    assert server.connection_count == 3 and len(server.messages) == 1


def test_dead_server_is_transient_and_fails_fast_for_the_rest_of_the_batch(make_config,
                                                                           dead_port,
                                                                           monkeypatch):
    config = make_config(mail={"transport": "smtp", "host": "127.0.0.1", "port": dead_port,
                               "security": "none", "timeout": 10})
    attempts = []
    real = socket.create_connection
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **kw: attempts.append(a) or real(*a, **kw))
    waits: list[float] = []
    smtp = transport(config, waits)
    for _ in range(3):  # three supplier orders of one batch
        with pytest.raises(OXError) as info:
            smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
        assert info.value.code == "OX-MAIL-001" and info.value.transient
        assert f"127.0.0.1:{dead_port}" in info.value.message
    smtp.close()
    assert len(attempts) == 1 and waits == []  # one connection attempt for the whole batch


# --- permanent failures: not retried -------------------------------------------------------------
@pytest.mark.parametrize("reply, code, transient", [
    ("450 4.2.0 Mailbox busy", "OX-MAIL-004", True),
    ("550 5.1.1 No such user", "OX-MAIL-003", False),
    ("554 5.7.1 <orders@alpha.example>: Relay access denied", "OX-MAIL-016", False),
])
def test_refused_recipient(smtp_server, make_config, reply, code, transient):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    server.reply_for_rcpt[SUPPLIER_EMAIL] = reply
    calls = script(server, "RCPT")
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, retries=0))
    waits: list[float] = []

    with transport(config, waits) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(notification(config), supplier="alpha")

    error = info.value
    assert error.code == code and error.transient is transient
    assert SUPPLIER_EMAIL in error.message and reply in error.message
    assert len(calls) == 1 and waits == []
    assert server.messages == []


def test_550_is_permanent_even_with_retries(smtp_server, make_config):
    server = smtp_server(security="plain")
    server.reply_for_rcpt[SUPPLIER_EMAIL] = "550 5.1.1 No such user"
    calls = script(server, "RCPT")
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, auth=False))
    waits: list[float] = []
    with transport(config, waits) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(notification(config), supplier="alpha")
    assert info.value.code == "OX-MAIL-003" and not info.value.transient
    assert "alpha" in info.value.solution
    assert len(calls) == 1 and waits == []


@pytest.mark.parametrize("attr, reply, code", [
    ("reply_for_data", "554 5.7.1 Message refused", "OX-MAIL-003"),
    ("reply_for_mail", "553 5.7.1 Sender address rejected: not owned by user", "OX-MAIL-017"),
])
def test_refused_sender_or_data(smtp_server, make_config, attr, reply, code):
    server = smtp_server(security="plain")
    setattr(server, attr, reply)
    config = make_config(mail=smtp_settings(server, auth=False))
    waits: list[float] = []

    with transport(config, waits) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))

    assert info.value.code == code and not info.value.transient
    assert reply in info.value.message and waits == []
    if code == "OX-MAIL-017":
        assert SENDER in info.value.message
    assert server.messages == []


def test_one_of_two_recipients_refused(smtp_server, make_config):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    server.reply_for_rcpt["gone@alpha.example"] = "550 5.1.1 No such user"
    config = make_config(suppliers={"alpha": supplier(notification={
        "cc": ["gone@alpha.example"]})}, mail=smtp_settings(server))
    message = notification(config)

    with transport(config) as smtp:
        delivery = smtp.send(message)

    assert delivery.accepted == [SUPPLIER_EMAIL]
    assert delivery.refused == {"gone@alpha.example": "550 5.1.1 No such user"}
    [warning] = delivery.warnings
    assert warning.code == "OX-MAIL-018"
    assert "gone@alpha.example" in warning.message and SUPPLIER_EMAIL in warning.message
    assert "550 5.1.1 No such user" in warning.message
    assert [m.rcpt_tos for m in server.messages] == [[SUPPLIER_EMAIL]]  # delivered once
    assert server.messages[0].message["Cc"] == "gone@alpha.example"


def test_all_recipients_refused_some_only_for_now(smtp_server, make_config):
    server = smtp_server(security="plain")
    server.reply_for_rcpt[SUPPLIER_EMAIL] = "452 4.2.2 Mailbox full"
    server.reply_for_rcpt["b@alpha.example"] = "550 5.1.1 No such user"
    config = make_config(suppliers={"alpha": supplier(notification={"cc": ["b@alpha.example"]})},
                         mail=smtp_settings(server, auth=False, retries=0))
    with transport(config) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(notification(config))
    assert info.value.code == "OX-MAIL-003"  # one refusal is final: not worth retrying
    assert "452 4.2.2 Mailbox full" in info.value.message
    assert "b@alpha.example: 550 5.1.1 No such user" in info.value.message


def test_refused_recipient_does_not_break_the_batch(smtp_server, make_config):
    server = smtp_server(security="plain")
    server.reply_for_rcpt["gone@example.com"] = "550 5.1.1 No such user"
    config = make_config(mail=smtp_settings(server, auth=False))

    with transport(config) as smtp:
        with pytest.raises(OXError) as info:
            smtp.send(mail.build_message(config, "gone@example.com", "s", "t\n"))
        smtp.send(mail.build_message(config, "fine@example.com", "s", "t\n"))

    assert info.value.code == "OX-MAIL-003"
    assert server.connection_count == 1
    assert [m.rcpt_tos for m in server.messages] == [["fine@example.com"]]


@pytest.mark.parametrize("security", ["plain", "starttls", "tls"])
def test_wrong_password_is_ox_mail_002_without_the_password(smtp_server, make_config, security):
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, password=WRONG_PASSWORD))

    smtp = transport(config)
    with pytest.raises(OXError) as info:
        smtp.open()
    smtp.close()  # safe after a failed open

    error = info.value
    assert error.code == "OX-MAIL-002" and not error.transient
    assert USER in error.message and server.host in error.message
    assert "535" in error.message  # the server's own answer
    for text in (str(error), error.message, error.solution, repr(error), repr(error.facts)):
        assert WRONG_PASSWORD not in text
        assert PASSWORD not in text
    assert server.auth_attempts and not any(ok for _m, _l, ok in server.auth_attempts)
    assert server.messages == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_untrusted_certificate_is_ox_mail_013(smtp_server, make_config, security):
    server = smtp_server(security=security)
    config = make_config(mail=smtp_settings(server, auth=False, ca=False))
    assert config.mail.verify is True and config.mail.ca_file is None

    smtp = transport(config)
    with pytest.raises(OXError) as info:
        smtp.open()
    smtp.close()

    assert info.value.code == "OX-MAIL-013" and not info.value.transient
    assert "CERTIFICATE_VERIFY_FAILED" in info.value.message
    assert "ca_file" in info.value.solution
    assert server.messages == []

    # verify = false: same server, same (untrusted) certificate, delivered over TLS
    config = make_config(mail=smtp_settings(server, auth=False, ca=False, verify=False))
    with transport(config) as smtp:
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert len(server.messages) == 1
    assert server.messages[0].tls is True


def test_implicit_tls_to_a_plain_port_is_the_wrong_port(smtp_server, make_config):
    server = smtp_server(security="starttls")
    config = make_config(mail=smtp_settings(server, auth=False, security="tls"))
    smtp = transport(config)
    with pytest.raises(OXError) as info:
        smtp.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    smtp.close()
    assert info.value.code == "OX-MAIL-011" and not info.value.transient
    assert 'security = "tls"' in info.value.message
    assert 'use security = "starttls"' in info.value.solution


def test_plain_login_to_a_starttls_only_server_offers_no_login(smtp_server, make_config):
    """The server offers AUTH only after STARTTLS: a permanent settings problem."""
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    config = make_config(mail=smtp_settings(server, security="none"))

    smtp = transport(config)
    with pytest.raises(OXError) as info:
        smtp.open()
    smtp.close()

    assert info.value.code == "OX-MAIL-015" and not info.value.transient
    assert "unencrypted link" in info.value.message
    assert PASSWORD not in str(info.value)
    assert server.auth_attempts == []


def test_injected_to_does_not_reach_the_envelope(smtp_server, make_config):
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False))
    message = mail.build_message(config, "supplier@example.com\r\nBcc: evil@example.com",
                                 "Subject\r\nBcc: evil@x", "text\n")

    with transport(config) as smtp:
        smtp.send(message)

    assert len(server.messages) == 1
    assert server.messages[0].rcpt_tos == ["supplier@example.com"]
    assert b"\nBcc:" not in server.messages[0].data.replace(b"\r\n", b"\n")


@pytest.mark.parametrize("where", ["size", "data"])
def test_an_email_too_large_for_the_server_is_its_own_permanent_error(smtp_server, make_config,
                                                                      where):
    """Refused for its size at MAIL FROM (the SIZE extension) or after DATA (a server that only
    looks then): OX-MAIL-021, which says to make supplier orders smaller, not to fix the sender."""
    server = smtp_server(data_size_limit=2000 if where == "size" else None)
    if where == "data":
        server.reply_for_data = "552 5.3.4 Message size exceeds fixed maximum message size"
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, auth=False))
    message = notification(config)
    assert len(message.as_bytes()) > 2000
    with transport(config) as smtp, pytest.raises(OXError) as info:
        smtp.send(message, supplier="alpha")
    assert info.value.code == "OX-MAIL-021" and not info.value.transient
    assert "max_customer_orders" in info.value.solution
    assert server.messages == []


# --- stored wire bytes: smtp.py's own DATA --------------------------------------------------------
def test_wire_bytes_are_sent_as_they_are_with_leading_dots_doubled(smtp_server, make_config,
                                                                 monkeypatch):
    """Wire bytes (CRLF throughout) go out by smtp.py's DATA, not aiosmtplib's sendmail: the
    server receives exactly them — a line that starts with a dot, the first one too, arrives as
    it was (doubled on the wire, undoubled by the server) — with SIZE and BODY=8BITMIME."""
    from orderexchange.mail import smtp as smtp_mod

    used = []
    fast = smtp_mod._sendmail_wire
    monkeypatch.setattr(smtp_mod, "_sendmail_wire",
                        lambda *args: used.append(1) or fast(*args))
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False))
    text = ".first\n..two dots\n.\nmiddle .dot\n. \n" + "x" * 100 + "\n.end\n"
    message = mail.build_message(config, SUPPLIER_EMAIL, "s", text, "<p>\n.html</p>\n")
    wire = wire_bytes(readdress(message))
    with transport(config) as smtp:
        smtp.send(with_wire(message, wire))
        smtp.send(with_wire(message, b"." + wire))  # a message whose very first byte is a dot
    assert len(used) == 2
    [first, second] = server.messages
    assert first.data == wire and second.data == b"." + wire
    assert first.mail_options == [f"SIZE={len(wire)}", "BODY=8BITMIME"]
    assert first.rcpt_tos == [SUPPLIER_EMAIL]


def test_wire_bytes_with_a_bare_line_end_go_through_aiosmtplib(smtp_server, make_config,
                                                               monkeypatch):
    """Bytes with a bare LF or CR (no wire of ours has one) are left to aiosmtplib, which
    repairs the line ends: the server receives what it received before."""
    from orderexchange.mail import smtp as smtp_mod

    monkeypatch.setattr(smtp_mod, "_sendmail_wire", None)  # would fail if it were called
    server = smtp_server(security="plain")
    config = make_config(mail=smtp_settings(server, auth=False))
    message = mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n")
    wire = wire_bytes(readdress(message))
    odd = wire + b"bare\nline\rend"
    with transport(config) as smtp:
        smtp.send(with_wire(message, odd))
    assert server.messages[0].data == wire + b"bare\r\nline\r\nend\r\n"


def test_data_ready_and_dot_stuffing_are_the_counts_and_replace_they_stand_for():
    """smtp.py's line-end check and dot doubling against their plain definitions (every CR
    and LF a CRLF pair; `replace(b"\\n.", b"\\n..")` and a first dot doubled) on random bytes
    of CR, LF, dots and text."""
    import random

    from orderexchange.mail import smtp as smtp_mod

    def by_counts(wire: bytes) -> bool:
        crlf = wire.count(b"\r\n")
        return wire.endswith(b"\r\n") and wire.count(b"\r") == crlf == wire.count(b"\n")

    def by_replace(wire: bytes) -> bytes:
        data = wire.replace(b"\n.", b"\n..")
        return b"." + data if data.startswith(b".") else data

    rnd = random.Random(3)
    pieces = [b"\r\n", b"\r\n", b"\r\n", b"\r", b"\n", b".", b"..", b"x", b"ab", b"\n\r"]
    samples = [b"", b"\r\n", b".\r\n", b"\r", b"\n", b"x\r\n\r", b"\r\r\n\n"]
    samples += [b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
                for _ in range(3000)]
    samples += [b"".join(rnd.choice(pieces[:3] + pieces[5:9]) for _ in range(rnd.randint(0, 30)))
                + b"\r\n" for _ in range(1000)]  # mostly clean ones
    ready = 0
    for wire in samples:
        assert smtp_mod._data_ready(wire) == by_counts(wire), wire
        assert smtp_mod._dot_stuffed(wire) == by_replace(wire), wire
        ready += by_counts(wire)
    assert 100 < ready < len(samples) - 100  # both answers were asked for
