"""What the connector tests (tests/test_*_mariadb.py and the others that write into a shop) share:
creating a shop database from shop_schemas/, reading it back, a least-privilege user, the
`[suppliers.alpha]` block for a test database, and the import → build → send `prepare` fixture.

One copy here, so that a new connector's test file starts from the same set-up as the others
(import the fixtures `prepare` and `shop_user` by name). test_shop_sql re-exports these names for
files that still import them from there.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import CATALOGUE_CSV

from orderexchange.build import build
from orderexchange.dispatch import Dispatcher, SendResult
from orderexchange.importer import import_catalogue, import_orders
from orderexchange.plugin_host import PluginHost
from orderexchange.store import Store


def load_schema(url: str, name: str, prefix: str = "", engine: str = "InnoDB",
                user_engine: str | None = None) -> None:
    """Create a shop from shop_schemas/<name>: tables and the reference rows it ships with.
    {engine} is the storage engine; {user_engine} (OXID's user tables) defaults to it."""
    from orderexchange.shop_create import load_schema as load

    load(url, name, prefix, engine, user_engine)  # the loader `shop create` uses


def query(db: Any, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a read-back query on the shop database, as dicts (its own short connection)."""
    engine = sa.create_engine(db.root_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def count(db: Any, table: str, where: str = "1=1", **params: Any) -> int:
    return query(db, f"SELECT COUNT(*) AS n FROM `{table}` WHERE {where}", **params)[0]["n"]


def root_execute(db: Any, *statements: str) -> None:
    conn = db.root_connect()
    try:
        with conn.cursor() as cur:
            for stmt in statements:
                cur.execute(stmt)
        conn.commit()
    finally:
        conn.close()


def server_sql_mode(db: Any) -> str:
    return query(db, "SELECT @@GLOBAL.sql_mode AS m")[0]["m"]


@dataclass
class ShopUser:
    """A second, least-privilege database user on a test database."""

    name: str
    password: str
    db: Any

    def section(self, connector: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        url = f"mysql+pymysql://{self.name}@{self.db.host}:{self.db.port}/{self.db.database}"
        section = {"name": "Alpha Tools GmbH", "email": "orders@alpha.example",
                   "shipping_cost": "4.90", "database": {"url": url, "password": self.password},
                   "connector": connector}
        section.update(overrides)
        return section

    def grant(self, privileges: str, table: str) -> None:
        root_execute(self.db, f"GRANT {privileges} ON `{self.db.database}`.`{table}` "
                              f"TO '{self.name}'@'%'")


@pytest.fixture
def shop_user(request):
    """Factory: shop_user(db, {table: "SELECT, INSERT", …}) -> ShopUser with exactly those
    table grants (dropped at teardown)."""
    made: list[ShopUser] = []

    def make(db: Any, grants: dict[str, str]) -> ShopUser:
        user = ShopUser(f"lp_{secrets.token_hex(4)}", f"Pw-{secrets.token_hex(6)}@/%", db)
        root_execute(db, f"CREATE USER '{user.name}'@'%' IDENTIFIED BY '{user.password}'")
        for table, privileges in grants.items():
            user.grant(privileges, table)
        made.append(user)
        return user

    yield make
    for user in made:
        try:
            root_execute(user.db, f"DROP USER IF EXISTS '{user.name}'@'%'")
        except Exception:  # the database fixture may have gone first; nothing to leak
            pass


def shop_section(db: Any, connector: dict[str, Any] | None = None,
                 **overrides: Any) -> dict[str, Any]:
    """`[suppliers.alpha]` for a test database's own (ALL on its database) user; the
    connector is osCommerce unless said."""
    url = f"mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}"
    section = {"name": "Alpha Tools GmbH", "email": "orders@alpha.example",
               "shipping_cost": "4.90", "database": {"url": url, "password": db.password},
               "connector": connector or {"type": "oscommerce"}}
    section.update(overrides)
    return section


def rows_read(connector: Any, fn: Callable[[], Any]) -> int:
    """Rows the server's handlers read on the connector's connection while `fn` ran (every
    Handler_read_* counter: a scan of a MyISAM table or in no index's order counts in
    Handler_read_rnd_next, InnoDB's scan in primary-key order — `ORDER BY` the key — in
    Handler_read_next, as do the rows an index range returns). A count, not a time: what proves
    that a look-up uses an index on this shared machine."""
    def now() -> int:
        return sum(int(r[1]) for r in connector.conn.exec_driver_sql(
            "SHOW SESSION STATUS LIKE 'Handler_read%%'"))

    before = now()
    fn()
    return now() - before


def connection_lost(statement: str) -> Callable[..., Any]:
    """A stand-in for a connector's write step that fails as a killed connection does (MySQL
    error 2013) while running `statement` — patched in to crash a write half-way."""
    def lost(*_args: Any, **_kwargs: Any) -> Any:
        import pymysql

        raise sa.exc.OperationalError(statement, {},
                                      pymysql.err.OperationalError(2013, "Lost connection"))
    return lost


def child_config(folder: Path, shop: Any, smtp: Any, *, connector: str = "oscommerce",
                 store_url: str | None = None, supplier_email: str | None = None,
                 daemon: tuple[str, ...] | list[str] = (), supplier: tuple[str, ...] = (),
                 database: tuple[str, ...] = ()) -> Path:
    """`folder/config.toml` for tests that run the CLI in child processes (kill and restart
    tests): distributor ACME, the store (SQLite in `folder` unless `store_url`), SMTP to `smtp`
    without retries, then the caller's `daemon` lines, and supplier alpha on `shop` with
    `supplier` / `database` lines of its own under those tables."""
    section = shop_section(shop)
    lines = ['[distributor]', 'id = "acme"', 'name = "ACME"', 'email = "orders@acme.example"',
             '[store]', f'url = "{store_url or "sqlite:///" + str(folder / "state.sqlite")}"',
             '[mail]', 'transport = "smtp"', f'host = "{smtp.host}"', f'port = {smtp.port}',
             'security = "none"', 'retries = 0', *daemon,
             '[suppliers.alpha]', f'name = "{section["name"]}"',
             f'email = "{supplier_email or section["email"]}"', *supplier,
             '[suppliers.alpha.database]', f'url = "{section["database"]["url"]}"',
             f'password = "{section["database"]["password"]}"', *database,
             '[suppliers.alpha.connector]', f'type = "{connector}"']
    cfg = folder / "config.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def supplier_alpha(connector_type: str) -> Callable[..., dict[str, dict[str, Any]]]:
    """`alpha(db, connector=None, **overrides)` for one connector type: the `suppliers` table
    with one supplier "alpha" on `db`, its `[connector]` the type plus `connector`'s settings
    and `overrides` on the supplier (e.g. shipping_tax_rate="19")."""
    def alpha(db: Any, connector: dict[str, Any] | None = None,
              **overrides: Any) -> dict[str, dict[str, Any]]:
        return {"alpha": shop_section(db, {"type": connector_type, **(connector or {})},
                                      **overrides)}
    return alpha


def connector_of(config: Any, supplier: str = "alpha") -> Any:
    """A supplier's connector, built from a loaded config as a CLI run builds it: a fresh
    PluginHost's connector types (use it as a context manager)."""
    from orderexchange.connector import instantiate

    return instantiate(PluginHost().connector_types(), config.supplier(supplier))


@dataclass
class Run:
    """One prepared exchange: config, state store and the supplier orders `build` created."""

    config: Any
    store: Store
    so_ids: list[int]
    outbox: Path

    def send(self, ids: list[int] | None = None) -> list[SendResult]:
        """Send with a fresh Dispatcher and PluginHost, as a new CLI run would."""
        return Dispatcher(self.config, self.store, PluginHost()).send(
            self.so_ids if ids is None else ids)

    def transfers(self, so_id: int | None = None) -> dict[str, Any]:
        so = self.store.supplier_order(self.so_ids[0] if so_id is None else so_id)
        return {t.customer_order.number: t for t in so.transfers}

    def connector(self, supplier: str = "alpha") -> Any:
        """The supplier's connector, built as a CLI run builds it (a context manager)."""
        return connector_of(self.config, supplier)

    def eml_files(self) -> list[Path]:
        """The messages the file transport wrote (none before the first send)."""
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []


@pytest.fixture
def prepare(make_config, tmp_path):
    """Factory: prepare(suppliers, orders, catalogue=CATALOGUE_CSV, store_url=None, mail=None)
    -> Run (import + build). Each call has its own folder, store and file outbox; `mail` replaces
    the file transport (the Run's outbox stays where that transport would have written)."""
    stores: list[Store] = []
    counter = {"n": 0}

    def make(suppliers: dict[str, Any], orders: list[dict[str, Any]],
             catalogue: str = CATALOGUE_CSV, store_url: str | None = None,
             mail: dict[str, Any] | None = None) -> Run:
        counter["n"] += 1
        base = tmp_path / f"run{counter['n']}"
        base.mkdir()
        config = make_config(suppliers=suppliers, store_url=store_url or
                             f"sqlite:///{base / 'state.sqlite'}",
                             mail=mail or {"transport": "file",
                                           "outbox": str(base / "outbox")})
        store = Store(config.store.url)
        stores.append(store)
        orders_path = base / "orders.jsonl"
        orders_path.write_text("".join(json.dumps(o) + "\n" for o in orders), encoding="utf-8")
        imported = import_orders(store, orders_path)
        assert not imported.errors, [e.as_dict() for e in imported.errors]
        catalogue_path = base / "catalogue.csv"
        catalogue_path.write_text(catalogue, encoding="utf-8")
        _n, cat_errors = import_catalogue(store, catalogue_path, set(config.suppliers))
        assert not cat_errors
        report = build(store, config)
        assert not report.unassigned
        return Run(config, store, report.created, base / "outbox")

    yield make
    for store in stores:
        store.close()


