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
    with servers.MariaDBServer() as server:
        yield server


@pytest.fixture(scope="session")
def mariadb_nonstrict_server():
    """A second mariadbd with ``sql_mode=''`` (lenient, like many old shop hosts)."""
    with servers.MariaDBServer(sql_mode="") as server:
        yield server


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

    def start(security: str = "plain", auth=None, require_starttls: bool = False,
              data_size_limit=None):
        server = servers.SMTPTestServer(tls_certificates, security=security, auth=auth,
                                        require_starttls=require_starttls,
                                        data_size_limit=data_size_limit)
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
# They import orderexchange lazily, inside each fixture; plain helpers live in tests/helpers.py.
from helpers import create_oscommerce_schema  # noqa: E402


@pytest.fixture
def oscommerce_shop(mariadb_db):
    """A MariaDB database holding an osCommerce shop: schema, countries, products, one customer."""
    create_oscommerce_schema(mariadb_db.url)
    return mariadb_db


@pytest.fixture
def make_config(tmp_path):
    """Factory: make_config(suppliers={...}, mail={...}, store_url=None, **more_tables)
    -> a validated Config (more_tables: e.g. sources={...}, in TOML layout)."""
    from orderexchange import config as config_mod

    def make(suppliers=None, mail=None, store_url=None, **more):
        raw = {"distributor": {"id": "acme", "name": "ACME Distribution",
                               "email": "orders@acme.example"},
               "store": {"url": store_url or f"sqlite:///{tmp_path / 'state.sqlite'}"},
               "mail": mail or {"transport": "file", "outbox": str(tmp_path / "outbox")},
               "suppliers": suppliers or {}, **more}
        return config_mod.from_dict(raw, tmp_path / "config.toml")
    return make


@pytest.fixture
def vendor_key():
    """A test vendor key pair; its public half is trusted through the test-only seam."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from orderexchange import licence

    key = Ed25519PrivateKey.generate()
    with licence._trust_keys_for_tests([key.public_key()]):
        yield key


#: the licence features of the test codes: the daemon and every shipped shop connector
SHOP_FEATURES = ["daemon", "generic_sql", "magento", "opencart", "oscommerce", "oxid",
                 "prestashop", "woocommerce"]


@pytest.fixture
def licence_code(vendor_key):
    """A valid activation code for distributor id "acme" (the MariaDB test configs): no expiry,
    10 suppliers, the daemon and every shipped connector, signed by vendor_key."""
    from orderexchange import licence

    return licence.encode({"licensee": "ACME Distribution", "distributor_id": "acme",
                           "max_suppliers": 10, "features": SHOP_FEATURES}, vendor_key)


@pytest.fixture
def demo_licence_code(vendor_key):
    """The same for the demo workspace (`write_workspace`, distributor id "demo", osCommerce
    suppliers): a code only activates for the distributor id it was issued for."""
    from orderexchange import licence

    return licence.encode({"licensee": "ACME Distribution", "distributor_id": "demo",
                           "max_suppliers": 10, "features": ["daemon", "oscommerce"]}, vendor_key)


# ------------------------------------------------------------------ SSH and TLS (issue 18)


@pytest.fixture
def ssh_server():
    """A throwaway OpenSSH ``sshd`` on 127.0.0.1 (tests/sshd.py), one per test: a test may kill
    it. ``.host``, ``.port``, ``.user``, ``.client_key`` (authorised), ``.host_key``,
    ``.host_fingerprint``, ``.authorize(lines)``, ``.kill()`` / ``.start()``."""
    import sshd

    with sshd.SSHServer() as server:
        yield server


@pytest.fixture(scope="session")
def mariadb_tls_server(tls_certificates):
    """A mariadbd with TLS: the certificate of ``tls_certificates`` (CA ``.ca_file``)."""
    directory = Path(tls_certificates.directory)
    key, cert = directory / "mariadb-key.pem", directory / "mariadb-cert.pem"
    tls_certificates.server_cert.private_key_pem.write_to_path(str(key))
    tls_certificates.server_cert.cert_chain_pems[0].write_to_path(str(cert))
    with servers.MariaDBServer(extra_args=(f"--ssl-cert={cert}", f"--ssl-key={key}",
                                           f"--ssl-ca={tls_certificates.ca_file}")) as server:
        yield server


@pytest.fixture
def mariadb_tls_db(mariadb_tls_server):
    """A fresh database with its own user on ``mariadb_tls_server``."""
    with servers.temporary_mariadb_database(mariadb_tls_server) as db:
        yield db
