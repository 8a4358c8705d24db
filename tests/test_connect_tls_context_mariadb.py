"""Opening a shop connection without `tls` reuses one TLS context per process (issue 15: PyMySQL
built one, loading the system's CA store, at every connect) and keeps PyMySQL's behaviour: TLS
when the server offers it, plain when it does not. Real servers: the plain test mariadbd and the
one started with a certificate (tests/conftest.py)."""

from __future__ import annotations

import ssl

import pytest
from shopdb import prepare, shop_section  # noqa: F401 - fixture

from orderexchange.config import from_dict
from orderexchange.plugins.shop_sql import ShopDatabase


def supplier(db, tmp_path, **database):
    section = shop_section(db, {"type": "opencart"})
    section["database"].update(database)
    config = from_dict({"distributor": {"id": "acme", "name": "ACME", "email": "a@acme.example"},
                        "store": {"url": f"sqlite:///{tmp_path / 's.sqlite'}"},
                        "mail": {"transport": "file", "outbox": str(tmp_path / "out")},
                        "suppliers": {"alpha": section}}, tmp_path / "config.toml")
    return config.supplier("alpha")


def contexts(sup, times: int = 2) -> list[tuple[object, bool]]:
    """(the connection's TLS context, whether its socket is encrypted) of `times` opens."""
    out = []
    for _ in range(times):
        shop = ShopDatabase(sup)
        conn = shop.open()
        try:
            raw = conn.connection.dbapi_connection
            out.append((raw.ctx, isinstance(raw._sock, ssl.SSLSocket)))
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        finally:
            shop.close()
    return out


@pytest.mark.parametrize("server", ["plain", "tls"])
def test_one_context_for_every_connect_and_tls_only_when_offered(server, request, tmp_path):
    db = request.getfixturevalue("mariadb_db" if server == "plain" else "mariadb_tls_db")
    (first, first_tls), (second, second_tls) = contexts(supplier(db, tmp_path))
    assert first is second and first.verify_mode == ssl.CERT_NONE
    assert first_tls is second_tls is (server == "tls")


def test_required_still_builds_its_own_context(mariadb_tls_db, tmp_path):
    (first, first_tls), (second, _) = contexts(supplier(mariadb_tls_db, tmp_path, tls="required"))
    assert first_tls and first is not second
