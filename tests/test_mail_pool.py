"""The mail connection reused across the supplier batches of one send (orderexchange/mail/pool.py),
against the real aiosmtpd server on loopback: one connection (one STARTTLS, one AUTH) for several
suppliers; a connection the server dropped or refused (421) while idle is found by NOOP and
replaced by one new connection before anything is sent; 451 and 550 on a reused connection are
what they were on a fresh one; an unreachable server fails a batch at once; nothing stays open
after the send; transports that cannot be reused are opened and closed per batch as before.
"""

from __future__ import annotations

import json

import pytest
import servers
from test_exactly_once import cli, sample_order, smtp_workspace
from test_mail import ALPHA, SUPPLIER_EMAIL, notification
from test_mail_smtp import PASSWORD, USER, smtp_settings

from orderexchange import mail
from orderexchange.errors import OXError


def pool_for(config, waits=None) -> mail.MailPool:
    return mail.MailPool(lambda: mail.SmtpTransport(
        config.mail, sleep=(waits.append if waits is not None else lambda s: None)))


def batch(pool, *messages):
    """One supplier batch: a lease, its messages, given back."""
    lease = pool.lease()
    try:
        return [lease.send(m) for m in messages]
    finally:
        lease.close()


@pytest.fixture
def noop_reply(monkeypatch):
    """Script the server's answer to NOOP: `noop_reply(handler)` with an async (smtp, arg)
    callable, None for the usual "250 OK"; returns the list of NOOPs seen. aiosmtpd binds its
    command methods per connection, so the hook is in place before any connection opens."""
    smtp_class = servers._make_smtp_class()
    original = smtp_class.smtp_NOOP
    calls: list[str] = []
    answer = [None]

    async def scripted(self, arg):
        calls.append(arg)
        if answer[0] is None:
            return await original(self, arg)
        return await answer[0](self, arg)
    monkeypatch.setattr(smtp_class, "smtp_NOOP", scripted)

    def set_to(handler):
        answer[0] = handler
        return calls
    return set_to


async def hang_up(smtp, arg):
    smtp.transport.close()


async def closing_421(smtp, arg):
    await smtp.push("421 4.4.2 idle too long, closing")
    smtp.transport.close()


@pytest.mark.parametrize("security", ["plain", "starttls"])
def test_one_connection_for_the_batches_of_a_send(smtp_server, make_config, noop_reply, security):
    server = smtp_server(security=security, auth=(USER, PASSWORD))
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server))
    noops = noop_reply(None)
    with pool_for(config) as pool:
        for _supplier in range(3):
            batch(pool, notification(config), notification(config))
    assert len(server.messages) == 6 and server.connection_count == 1
    assert (pool.opened, pool.reused, len(noops)) == (1, 2, 2)  # NOOP before each reuse
    assert len(server.auth_attempts) == 1  # one login for the whole send
    assert all(m.tls is (security == "starttls") for m in server.messages)


@pytest.mark.parametrize("answer", [hang_up, closing_421], ids=["dropped", "421"])
def test_a_connection_gone_while_idle_is_replaced_once_before_sending(
        smtp_server, make_config, noop_reply, answer):
    server = smtp_server()
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, auth=False))
    waits: list[float] = []
    with pool_for(config, waits) as pool:
        batch(pool, notification(config))
        noop_reply(answer)
        [delivery] = batch(pool, notification(config))
    assert delivery.attempts == 1 and waits == []  # no failed attempt, no back-off
    assert len(server.messages) == 2 and server.connection_count == 2
    assert (pool.opened, pool.reused) == (2, 0)


def test_451_on_a_reused_connection_is_retried_as_before(smtp_server, make_config):
    server = smtp_server()
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, auth=False))
    waits: list[float] = []
    with pool_for(config, waits) as pool:
        batch(pool, notification(config))
        server.reply_for_data = "451 4.3.0 Try again later"
        with pytest.raises(OXError) as failed:
            batch(pool, notification(config))
        server.reply_for_data = None
        [later] = batch(pool, notification(config))
    assert failed.value.code == "OX-MAIL-004" and failed.value.transient
    assert len(waits) == config.mail.retries  # the transport's bounded back-off, unchanged
    assert later.attempts == 1 and len(server.messages) == 2


def test_550_on_a_reused_connection_fails_that_message_only(smtp_server, make_config):
    server = smtp_server()
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, auth=False))
    with pool_for(config) as pool:
        batch(pool, notification(config))
        server.reply_for_rcpt[SUPPLIER_EMAIL] = "550 5.1.1 No such user"
        with pytest.raises(OXError) as refused:
            batch(pool, notification(config))
        del server.reply_for_rcpt[SUPPLIER_EMAIL]
        batch(pool, notification(config))  # the next supplier's batch: same connection
    assert refused.value.code == "OX-MAIL-003" and not refused.value.transient
    assert len(server.messages) == 2 and server.connection_count == 1


def test_an_unreachable_server_fails_the_batch_at_once_and_is_not_kept(make_config, dead_port):
    config = make_config(suppliers={"alpha": ALPHA}, mail={
        "transport": "smtp", "host": "127.0.0.1", "port": dead_port, "security": "none",
        "timeout": 5})
    with pool_for(config) as pool:
        lease = pool.lease()
        for _ in range(2):
            with pytest.raises(OXError) as failed:
                lease.send(notification(config))
            assert failed.value.code == "OX-MAIL-001"
        lease.close()
        assert pool.opened == 1 and pool._idle == []  # one attempt for the batch, nothing kept


def test_nothing_stays_open_after_the_send(smtp_server, make_config):
    server = smtp_server()
    config = make_config(suppliers={"alpha": ALPHA}, mail=smtp_settings(server, auth=False))
    pool = pool_for(config)
    lease = pool.lease()
    lease.send(notification(config))
    kept = lease._transport
    lease.close()
    assert pool._idle == [kept] and kept.reusable()
    pool.close()
    assert pool._idle == [] and not kept.reusable()
    other = pool.lease()  # a batch still running at the end gives its connection back: closed
    other.send(notification(config))
    transport = other._transport
    other.close()
    assert not transport.reusable() and pool._idle == []


def test_a_transport_that_is_not_reusable_is_opened_and_closed_per_batch(make_config):
    calls: list[str] = []

    class Flushing(mail.MemoryTransport):
        name = "flushing"

        def open(self):
            calls.append("open")

        def close(self):
            calls.append("close")

    config = make_config(suppliers={"alpha": ALPHA})
    with mail.MailPool(lambda: Flushing(config.mail)) as pool:
        batch(pool, notification(config))
        batch(pool, notification(config), notification(config))
    assert calls == ["open", "close", "open", "close"]


def test_a_send_over_two_suppliers_uses_one_connection(tmp_path, demo_licence_code,
                                                        smtp_server):
    # one supplier after the other ([daemon] concurrency = 1); in parallel each running batch
    # has its own connection, and the pool keeps them for the batches that follow
    server = smtp_server()
    cfg = smtp_workspace(tmp_path, demo_licence_code, server)
    cfg.write_text(cfg.read_text() + "\n[daemon]\nconcurrency = 1\n")
    path = cfg.parent / "two-suppliers.jsonl"
    path.write_text(json.dumps(sample_order("9301", lines=[
        {"sku": "HAMMER-450", "name": "h", "quantity": 1, "unit_price": "12.90", "tax_rate": "19"},
        {"sku": "RAKE", "name": "r", "quantity": 1, "unit_price": "11.90", "tax_rate": "19"}])))
    assert cli(cfg, "import", path).exit_code == 0
    assert cli(cfg, "build").exit_code == 0
    before = server.connection_count
    assert cli(cfg, "send", "--all").exit_code == 0
    suppliers = {r for m in server.messages for r in m.rcpt_tos}
    assert {"orders@alpha-tools.example"} <= suppliers and len(server.messages) == 2
    assert server.connection_count - before == 1
