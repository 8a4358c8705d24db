"""The test-infrastructure fixtures themselves work (real servers, real clients)."""

from __future__ import annotations

import asyncio
import contextlib
import email.message
import socket
import ssl

import aiosmtplib
import pymysql
import pytest
import sqlalchemy as sa


def _message(to: str | list[str] = "buyer@shop.example", subject: str = "Order 1",
             body: str = "2 x widget\n") -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["From"] = "orders@supplier.example"
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def _send(server, msg, **kwargs):
    return asyncio.run(aiosmtplib.send(msg, hostname=server.host, port=server.port,
                                       timeout=10, **kwargs))


# --------------------------------------------------------------------- MariaDB


def test_mariadb_dedicated_user_can_query(mariadb_db):
    assert mariadb_db.password  # non-empty
    conn = pymysql.connect(host=mariadb_db.host, port=mariadb_db.port,
                           user=mariadb_db.user, password=mariadb_db.password,
                           database=mariadb_db.database)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(5))")
            cur.execute("INSERT INTO t VALUES (%s, %s)", (1, "Jürg"))
            conn.commit()
            cur.execute("SELECT name, DATABASE(), CURRENT_USER() FROM t")
            name, database, current_user = cur.fetchone()
    finally:
        conn.close()
    assert name == "Jürg"
    assert database == mariadb_db.database
    assert current_user == f"{mariadb_db.user}@%"


def test_mariadb_wrong_password_is_refused(mariadb_db):
    with pytest.raises(pymysql.err.OperationalError) as info:
        pymysql.connect(host=mariadb_db.host, port=mariadb_db.port,
                        user=mariadb_db.user, password=mariadb_db.password + "x",
                        database=mariadb_db.database)
    assert info.value.args[0] == 1045


def test_mariadb_user_sees_only_its_database(mariadb_db):
    conn = mariadb_db.connect()
    try:
        with conn.cursor() as cur:
            with pytest.raises(pymysql.err.OperationalError) as info:
                cur.execute("CREATE DATABASE sneaky")
    finally:
        conn.close()
    assert info.value.args[0] in (1044, 1045)  # access denied


def test_mariadb_url_works_with_sqlalchemy(mariadb_db, mariadb_server):
    assert mariadb_db.url.startswith("mysql+pymysql://")
    assert mariadb_db.password not in mariadb_db.url  # it is URL-quoted
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT DATABASE()")).scalar() == mariadb_db.database
    finally:
        engine.dispose()
    root_engine = sa.create_engine(mariadb_server.url(mariadb_db.database))
    try:
        with root_engine.connect() as conn:
            assert conn.execute(sa.text("SELECT CURRENT_USER()")).scalar() == "root@127.0.0.1"
    finally:
        root_engine.dispose()


def test_mariadb_databases_are_fresh_and_dropped(mariadb_server):
    import servers

    with servers.temporary_mariadb_database(mariadb_server) as db:
        leaked = db.connect()  # left open on purpose: teardown must still drop
        with leaked.cursor() as cur:
            cur.execute("CREATE TABLE x (id INT)")
            cur.execute("BEGIN")
            cur.execute("INSERT INTO x VALUES (1)")
        name, user = db.database, db.user
    with contextlib.suppress(Exception):  # it was killed by the teardown
        leaked.close()
    conn = mariadb_server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.schemata "
                        "WHERE schema_name = %s", (name,))
            assert cur.fetchone()[0] == 0
            cur.execute("SELECT COUNT(*) FROM mysql.user WHERE user = %s", (user,))
            assert cur.fetchone()[0] == 0
    finally:
        conn.close()


def test_mariadb_strict_and_nonstrict_sql_mode(mariadb_db, mariadb_nonstrict_db):
    for db in (mariadb_db, mariadb_nonstrict_db):
        with db.connect(autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE t (code VARCHAR(3))")
    with mariadb_db.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SELECT @@SESSION.sql_mode")
        assert "STRICT_TRANS_TABLES" in cur.fetchone()[0]
        with pytest.raises(pymysql.err.DataError) as info:
            cur.execute("INSERT INTO t VALUES ('toolong')")
        assert info.value.args[0] == 1406  # Data too long
    with mariadb_nonstrict_db.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SELECT @@SESSION.sql_mode")
        assert cur.fetchone()[0] == ""
        cur.execute("INSERT INTO t VALUES ('toolong')")  # silently truncated
        cur.execute("SELECT code FROM t")
        assert cur.fetchone()[0] == "too"


# ------------------------------------------------------------------ PostgreSQL


def test_postgres_roundtrip(pg_url):
    assert pg_url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(pg_url)
    try:
        meta = sa.MetaData()
        jobs = sa.Table("jobs", meta, sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("state", sa.String(20), nullable=False))
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(jobs.insert(), [{"id": 1, "state": "queued"},
                                         {"id": 2, "state": "sent"}])
        with engine.connect() as conn:
            rows = conn.execute(sa.select(jobs.c.id, jobs.c.state)
                                .order_by(jobs.c.id)).all()
            version = conn.execute(sa.text("SHOW server_version")).scalar()
            skip_locked = conn.execute(sa.text(
                "SELECT id FROM jobs WHERE state = 'queued' "
                "FOR UPDATE SKIP LOCKED")).scalars().all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "queued"), (2, "sent")]
    assert skip_locked == [1]
    assert int(version.split(".")[0]) >= 12


def test_postgres_databases_are_isolated(pg_server, pg_url):
    database = pg_url.rsplit("/", 1)[1]
    assert database != "postgres"
    engine = sa.create_engine(pg_server.url("postgres"))
    try:
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars().all()
    finally:
        engine.dispose()
    assert database in names


# ------------------------------------------------------------------------ SMTP


def test_smtp_plain_records_message(smtp_server):
    server = smtp_server()
    errors, _ = _send(server, _message(["a@shop.example", "b@shop.example"]))
    assert errors == {}
    assert len(server.messages) == 1
    got = server.messages[0]
    assert got.mail_from == "orders@supplier.example"
    assert got.rcpt_tos == ["a@shop.example", "b@shop.example"]
    assert got.tls is False
    assert got.message["Subject"] == "Order 1"
    assert b"2 x widget" in got.data
    assert server.connection_count == 1


def test_smtp_plain_with_auth(smtp_server):
    server = smtp_server(auth=("mailer", "s3cret"))
    _send(server, _message(), username="mailer", password="s3cret", start_tls=False)
    assert [m.auth_login for m in server.messages] == ["mailer"]
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        _send(server, _message(), username="mailer", password="wrong", start_tls=False)
    with pytest.raises(aiosmtplib.SMTPSenderRefused):  # auth required
        _send(server, _message(), start_tls=False)
    assert len(server.messages) == 1
    oks = [ok for _, _, ok in server.auth_attempts]
    assert oks[0] is True and len(oks) >= 2 and not any(oks[1:])  # client may retry mechanisms


def test_smtp_starttls_with_auth_verifies_ca(smtp_server):
    server = smtp_server("starttls", auth=("mailer", "s3cret"), require_starttls=True)
    _send(server, _message(), username="mailer", password="s3cret", start_tls=True,
          cert_bundle=server.ca_file)
    assert len(server.messages) == 1
    assert server.messages[0].tls is True
    assert server.messages[0].auth_login == "mailer"
    # Without trusting the test CA the certificate is rejected.  (aiosmtplib 5
    # lets ssl.SSLCertVerificationError escape from STARTTLS unwrapped.)
    with pytest.raises((aiosmtplib.SMTPConnectError, ssl.SSLError)):
        _send(server, _message(), username="mailer", password="s3cret", start_tls=True)
    assert len(server.messages) == 1


def test_smtp_starttls_required(smtp_server):
    server = smtp_server("starttls", require_starttls=True)
    with pytest.raises(aiosmtplib.SMTPResponseException) as info:
        _send(server, _message(), start_tls=False)
    assert info.value.code == 530
    assert server.messages == []


def test_smtp_implicit_tls_with_auth(smtp_server):
    server = smtp_server("tls", auth=("mailer", "s3cret"))
    _send(server, _message(), username="mailer", password="s3cret", use_tls=True,
          tls_context=server.client_tls_context())
    assert len(server.messages) == 1
    assert server.messages[0].tls is True
    assert server.messages[0].auth_login == "mailer"
    with pytest.raises((aiosmtplib.SMTPConnectError, ssl.SSLError)):
        _send(server, _message(), username="mailer", password="s3cret", use_tls=True)
    assert len(server.messages) == 1


def test_smtp_scripted_550_refuses_recipient(smtp_server):
    server = smtp_server()
    server.reply_for_rcpt["gone@shop.example"] = "550 5.1.1 No such user"
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as info:
        _send(server, _message("gone@shop.example"))
    [refused] = info.value.recipients
    assert refused.code == 550 and refused.recipient == "gone@shop.example"
    # Partly refused: the good recipient still gets it, the error is per recipient.
    errors, _ = _send(server, _message(["ok@shop.example", "gone@shop.example"]))
    assert set(errors) == {"gone@shop.example"}
    assert errors["gone@shop.example"].code == 550
    assert [m.rcpt_tos for m in server.messages] == [["ok@shop.example"]]


def test_smtp_scripted_450_is_transient(smtp_server):
    server = smtp_server()
    server.reply_for_rcpt["busy@shop.example"] = "450 4.2.0 Mailbox busy"
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as info:
        _send(server, _message("busy@shop.example"))
    assert info.value.recipients[0].code == 450
    del server.reply_for_rcpt["busy@shop.example"]
    _send(server, _message("busy@shop.example"))
    assert len(server.messages) == 1


def test_smtp_scripted_data_reply(smtp_server):
    server = smtp_server()
    server.reply_for_data = "451 4.3.0 Local error"
    with pytest.raises(aiosmtplib.SMTPDataError) as info:
        _send(server, _message())
    assert info.value.code == 451
    assert server.messages == []


def test_smtp_drop_next_connection(smtp_server):
    server = smtp_server()
    server.drop_next_connection = True
    with pytest.raises((aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError)):
        _send(server, _message())
    assert server.drop_next_connection is False  # consumed
    _send(server, _message())  # the next connection works
    assert len(server.messages) == 1
    assert server.connection_count == 2


def test_smtp_drop_after_ehlo(smtp_server):
    server = smtp_server("starttls")
    server.drop_next_connection = "ehlo"
    with pytest.raises((aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError)):
        _send(server, _message(), start_tls=True, cert_bundle=server.ca_file)
    _send(server, _message(), start_tls=True, cert_bundle=server.ca_file)
    assert len(server.messages) == 1


def test_smtp_server_stops(smtp_server):
    server = smtp_server()
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=5).close()


def test_dead_port_refuses(dead_port):
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", dead_port), timeout=5).close()
    with pytest.raises((aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError,
                        OSError)):
        asyncio.run(aiosmtplib.send(_message(), hostname="127.0.0.1", port=dead_port,
                                    timeout=5))
