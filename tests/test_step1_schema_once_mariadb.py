"""Step 1's schema reads happen once per send per shop, not per supplier order (issue 15), on
the real MariaDB.

The dispatcher keeps one connector and one shop connection for a supplier's supplier orders
of a send; what the shop's schema says (tables, columns, engines: information_schema) and
facts such as the configured order status's existence are read during the first supplier
order and kept for the connection. A reconnect after a dropped connection reads them again (the
shop may have been migrated meanwhile); a new send always does.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from helpers import create_oscommerce_schema, sample_order
from shopdb import connection_lost, load_schema, prepare  # noqa: F401 - prepare: fixture
import test_generic_sql_mariadb as generic
import test_opencart_mariadb as opencart
import test_oscommerce_mariadb as oscommerce
import test_oxid_mariadb as oxid
import test_prestashop_mariadb as prestashop
import test_woocommerce_mariadb as woocommerce

from orderexchange.dispatch import Dispatcher
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins import oscommerce as oscommerce_plugin
from orderexchange.retry import RetryPolicy


def _oscommerce(db: Any) -> Callable[..., Any]:
    create_oscommerce_schema(db.url)
    return oscommerce.alpha


def _opencart(n: int) -> Callable[[Any], Callable[..., Any]]:
    def make(db: Any) -> Callable[..., Any]:
        schema, engine = opencart.SHOPS[sorted(opencart.SHOPS)[n]]
        load_schema(db.url, schema, prefix="oc_", engine=engine)
        return opencart.alpha
    return make


def _oxid(db: Any) -> Callable[..., Any]:
    schema, engine, user_engine = oxid.SHOPS[sorted(oxid.SHOPS)[-1]]
    load_schema(db.url, schema, engine=engine, user_engine=user_engine)
    return oxid.alpha


def _generic(db: Any) -> Callable[..., Any]:
    load_schema(db.url, "generic_shop_mysql.sql", engine="InnoDB")
    return generic.alpha


def _prestashop(db: Any) -> Callable[..., Any]:
    prestashop.make_shop(db)
    return prestashop.alpha


def _woocommerce(db: Any) -> Callable[..., Any]:
    woocommerce.make_shop(db, "hpos")
    return woocommerce.alpha


SHOPS = {"oscommerce": _oscommerce, "opencart-a": _opencart(0), "opencart-b": _opencart(1),
         "oxid": _oxid, "generic": _generic, "prestashop": _prestashop,
         "woocommerce": _woocommerce}
SCHEMA_READS = ("information_schema", "SHOW ")


def _orders(n: int) -> list[Any]:
    return [sample_order(str(1001 + k), email=f"new{k}@example.com", first=f"Neu{k}",
                         last="Kunde") for k in range(n)]


def _per_supplier_order(send: Callable[[], Any]) -> tuple[Any, list[list[str]]]:
    """`send()`'s results and the shop statements of each supplier order (each one's last
    statement releases its named locks)."""
    seen: list[str] = []
    last: list[Any] = [None]

    def note(conn, cursor, statement, params, *_args) -> None:
        # (a listener on the Engine class may hear one execution twice once a send has
        # made a second engine: one execution is one cursor, statement and parameters)
        key = (id(cursor), id(params), statement)
        if conn.dialect.name != "sqlite" and key != last[0]:
            last[0] = key
            seen.append(" ".join(statement.split()) + " " + repr(params))

    sa.event.listen(Engine, "before_cursor_execute", note)
    try:
        results = send()
    finally:
        sa.event.remove(Engine, "before_cursor_execute", note)
    ends = [i for i, s in enumerate(seen) if s.startswith("SELECT RELEASE_LOCK")]
    return results, [seen[a + 1:b + 1] for a, b in zip([-1, *ends], ends)]


def _schema_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if any(k in s for k in SCHEMA_READS)]


@pytest.mark.parametrize("shop", sorted(SHOPS))
def test_later_supplier_orders_of_a_send_read_no_schema(mariadb_db, prepare, shop):
    """Three supplier orders of one order each (max_customer_orders = 1) in one send: the
    first reads the shop's schema, the later ones none of it."""
    alpha = SHOPS[shop](mariadb_db)
    run = prepare(alpha(mariadb_db, max_customer_orders=1), _orders(3))
    results, parts = _per_supplier_order(run.send)
    assert [(r.state, r.written) for r in results] == [(S.NOTIFIED, 1)] * 3, [
        r.as_dict() for r in results]
    assert len(parts) == 3
    first, *later = parts
    assert _schema_reads(first)
    for statements in later:
        assert _schema_reads(statements) == []


def test_oscommerce_reads_the_order_status_once_per_send(mariadb_db, prepare):
    """The configured order status's existence (step 1, OX-CHK-009) is a fact of the shop,
    asked once for the send's connection; a new send asks again."""
    create_oscommerce_schema(mariadb_db.url)
    run = prepare(oscommerce.alpha(mariadb_db, max_customer_orders=1), _orders(3))
    _results, parts = _per_supplier_order(run.send)
    status = [sum("FROM orders_status WHERE" in s for s in p) for p in parts]
    assert status == [1, 0, 0]


def test_a_reconnect_reads_the_schema_again(mariadb_db, prepare, monkeypatch):
    """The connection drops during the second supplier order's write: the retry reconnects
    and reads the schema (and the order status) again before writing; the third supplier
    order, on the new connection, reads none of it."""
    create_oscommerce_schema(mariadb_db.url)
    run = prepare(oscommerce.alpha(mariadb_db, max_customer_orders=1), _orders(3))
    original = oscommerce_plugin.OsCommerceConnector._total_rows
    calls = {"n": 0}

    def once_lost(self, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second supplier order's first try
            connection_lost("INSERT INTO orders_total …")()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(oscommerce_plugin.OsCommerceConnector, "_total_rows", once_lost)
    retry = RetryPolicy(attempts=3, initial=0, maximum=0, jitter=0)
    results, parts = _per_supplier_order(
        lambda: Dispatcher(run.config, run.store, PluginHost(), retry=retry).send(run.so_ids))
    assert [(r.state, r.written) for r in results] == [(S.NOTIFIED, 1)] * 3, [
        r.as_dict() for r in results]
    assert calls["n"] == 4
    # the first supplier order, the second's try that lost the connection, its retry on the
    # new connection, the third supplier order
    first, lost, retried, third = parts
    assert _schema_reads(first) and _schema_reads(lost) == []
    assert _schema_reads(retried), "the reconnect did not read the schema again"
    again = _tables_read(retried)
    assert again and again <= _tables_read(first)
    # the third reads only what the retried write did not need (step 1's own tables), and
    # the order status, forgotten with the old connection, once
    assert not _tables_read(third) & again
    assert [sum("FROM orders_status WHERE" in s for s in p) for p in parts] == [1, 0, 0, 1]


def _tables_read(statements: list[str]) -> set[str]:
    """The table names the schema reads among `statements` asked about."""
    return {name for s in _schema_reads(statements)
            for name in re.findall(r"'names_\d+': '(\w+)'", s)}
