"""Opening a state store: the engine, the refusal of a file that is not a store, the upgrade.

Why apart from the queries: this is the only part that knows backends differ (SQLite pragmas,
MariaDB's isolation level) and what an older release's store lacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import OXError
from .schema import CUSTOMER_FIELDS, customer_orders, customers, metadata, transfers


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite store URL (None: not SQLite, or in memory)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _refuse_foreign_file(path: Path) -> None:
    """An existing file must be an SQLite database: SQLite would silently turn an empty file
    (a full disk, a bad copy) into a fresh store, and the licence, the history and the transfer
    log would be gone without a word. OX-STO-003 with the way back (the backup) instead.

    Only `stat`, never `open()`: closing any descriptor of the file drops every POSIX lock this
    process holds on it — SQLite's own locks included, which corrupts a store in use. Content
    that is not SQLite is reported by SQLite itself ("file is not a database", see `Store`)."""
    if path.exists() and path.stat().st_size == 0:
        raise OXError("OX-STO-003", path=path, detail="the file is empty (0 bytes)")


class StoreBase:
    """The engine of one state store, created, checked and upgraded on opening."""

    def __init__(self, url: str) -> None:
        self.url = url
        path = sqlite_path(url)
        if path is not None:
            _refuse_foreign_file(path)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            backend = sa.engine.make_url(url).get_backend_name()
            # MySQL/MariaDB default to REPEATABLE READ, whose gap locks make a daemon's
            # `FOR UPDATE SKIP LOCKED` claim block (and deadlock with) `build` inserting new
            # supplier orders; READ COMMITTED, PostgreSQL's default, locks only the rows read
            options = {"isolation_level": "READ COMMITTED"} if backend in ("mysql", "mariadb") \
                else {}
            self.engine: Engine = sa.create_engine(url, future=True, **options)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            if path is not None:
                names = sa.inspect(self.engine).get_table_names()
                if names and customer_orders.name not in names:
                    raise OXError("OX-STO-003", path=path, detail=(
                        f"it holds other tables ({', '.join(sorted(names)[:3])}"
                        f"{' …' if len(names) > 3 else ''}) but none of orderexchange's"))
            metadata.create_all(self.engine)
            _upgrade(self.engine)
        except sa.exc.DatabaseError as exc:
            if path is not None and "not a database" in str(exc):
                raise OXError("OX-STO-003", path=path,
                              detail="it is not an SQLite database") from None
            if path is not None and "malformed" in str(exc):
                raise OXError("OX-STO-003", path=path, detail=_short(exc)) from None
            raise OXError("OX-STO-001", where=sa.engine.make_url(url).render_as_string(),
                          detail=_short(exc)) from None
        except (SQLAlchemyError, OSError) as exc:
            raise OXError("OX-STO-001", where=sa.engine.make_url(url).render_as_string(),
                          detail=_short(exc)) from None

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL survives a crash of the process; a power cut may lose the last commits, which
    # the exchange-reference lookup heals (a written order is found, not written again).
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _upgrade(engine: Engine) -> None:
    """Add the columns a newer release defined to an existing store (never drops or alters).

    Each such column allows NULL or has a server default, so adding it is safe on SQLite,
    PostgreSQL and MariaDB alike.
    """
    inspector = sa.inspect(engine)
    statements = []
    added: set[tuple[str, str]] = set()
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            added.add((table.name, column.name))
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {column.name} " \
                  f"{column.type.compile(dialect=engine.dialect)}"
            if column.server_default is not None:
                default = str(column.server_default.arg).replace("'", "''")
                ddl += f" DEFAULT '{default}' NOT NULL"
            statements.append(ddl)
    if statements:
        with engine.begin() as conn:
            for ddl in statements:
                conn.exec_driver_sql(ddl)
    _add_indexes(engine, inspector)
    if (customer_orders.name, "customer_email") in added:
        _backfill_customer_snapshot(engine)
    if (transfers.name, "shop_floor") in added:
        # transfers from before issue 15 may have been attempted: their look-up stays unbounded
        with engine.begin() as conn:
            conn.execute(transfers.update().values(shop_floor=0))


def _add_indexes(engine: Engine, inspector: Any) -> None:
    """Create the indexes a newer release defined on an existing store's tables (`create_all`
    creates indexes only with a new table). An index changes no data, so this is as safe as
    adding a column; it only makes the queries that need it stop reading whole tables."""
    missing = []
    for table in metadata.sorted_tables:
        have = {ix["name"] for ix in inspector.get_indexes(table.name)}
        missing += [ix for ix in table.indexes if ix.name not in have]
    if missing:
        with engine.begin() as conn:
            for ix in missing:
                ix.create(conn, checkfirst=True)


def _backfill_customer_snapshot(engine: Engine) -> None:
    """Give the orders of a store from before issue 13 their own customer snapshot.

    Those stores kept one customer row per email, overwritten by each import, so the best that
    is known of an old order's customer is that row: it is copied into every order of the email
    still lacking a snapshot. Orders imported from then on keep what they said themselves."""
    c = customers
    with engine.begin() as conn:
        conn.execute(customer_orders.update()
                     .where(customer_orders.c.customer_email.is_(None))
                     .values({customer_orders.c[f"customer_{f}"]:
                              sa.select(c.c[f]).where(c.c.id == customer_orders.c.customer_id)
                              .scalar_subquery() for f in CUSTOMER_FIELDS}))


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return text[:300]
