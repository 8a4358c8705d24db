"""Shared fixtures: throwaway MariaDB / PostgreSQL / SMTP servers (see tests/servers.py).

Servers are started lazily, once per test session, only if a test asks for them.
This file must not import the application (``orderexchange``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Import the helpers by path so this works whatever pytest's import mode is.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

import servers  # noqa: E402


# --------------------------------------------------------------------- MariaDB


@pytest.fixture(scope="session")
def mariadb_server():
    """One throwaway mariadbd (strict sql_mode) for the session.

    Attributes: host, port, socket, root_user ("root", empty password), version;
    ``url(database, user="root", password="")`` -> ``mysql+pymysql://...`` URL;
    ``connect(database=None, user="root", password="")`` -> pymysql connection.
    """
    server = servers.MariaDBServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_nonstrict_server():
    """A second mariadbd with ``sql_mode=''`` (lenient, like many old shop hosts)."""
    server = servers.MariaDBServer(sql_mode="")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mariadb_db(mariadb_server):
    """A fresh database on ``mariadb_server`` with its own user.

    Yields a ``servers.MariaDBDatabase``: host, port, user, password (random,
    non-empty, contains ``@/%``), database, url (SQLAlchemy, password quoted),
    root_url, socket, ``connect()`` / ``root_connect()`` (pymysql).
    The user has ALL on this database only.  Dropped afterwards.
    """
    with servers.temporary_mariadb_database(mariadb_server) as db:
        yield db


@pytest.fixture
def mariadb_nonstrict_db(mariadb_nonstrict_server):
    """Like ``mariadb_db`` but on the ``sql_mode=''`` server."""
    with servers.temporary_mariadb_database(mariadb_nonstrict_server) as db:
        yield db


# ------------------------------------------------------------------ PostgreSQL


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL cluster for the session (superuser ``postgres``,
    trust auth, 127.0.0.1).  ``url(database)`` -> ``postgresql+psycopg://...``."""
    server = servers.PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """SQLAlchemy URL (``postgresql+psycopg://postgres@127.0.0.1:PORT/oxtest_xxxx``)
    of a fresh database; dropped (WITH FORCE) afterwards."""
    with servers.temporary_pg_database(pg_server) as url:
        yield url


# ------------------------------------------------------------------------ SMTP


@pytest.fixture(scope="session")
def tls_certificates(tmp_path_factory):
    """trustme CA + server certificate (127.0.0.1, ::1, localhost).
    ``.ca_file`` is the CA's PEM path; ``.client_context()`` trusts it."""
    return servers.TestCertificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(tls_certificates):
    """Factory: ``smtp_server(security="plain"|"starttls"|"tls", auth=None|(user, pw),
    require_starttls=False)`` -> a started ``servers.SMTPTestServer``.

    It has .host, .port, .ca_file, .messages, .reply_for_rcpt, .reply_for_mail,
    .reply_for_data, .drop_next_connection, .connection_count, .auth_attempts,
    .stop().  All servers started through the factory stop at teardown.
    """
    started: list[servers.SMTPTestServer] = []

    def start(security: str = "plain", auth=None, require_starttls: bool = False):
        server = servers.SMTPTestServer(tls_certificates, security=security, auth=auth,
                                        require_starttls=require_starttls)
        server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def dead_port():
    """A TCP port on 127.0.0.1 with nothing listening (connections are refused)."""
    return servers.free_port()


# --- application fixtures below ---
