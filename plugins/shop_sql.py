"""What every SQL shop connector needs: a connection, coded errors, and the live schema.

Not a plug-in itself (it implements no hook); the shop connectors import it. Errors from the
driver are turned into OX-DB codes here, once, so no connector can leak a raw traceback — or a
password, which never reaches this module's messages (only user, host and database do).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from orderexchange.config import SupplierConfig
from orderexchange.errors import OXError

# MySQL/MariaDB error numbers, grouped by what the user must do.
_LOGIN = {1045, 1044, 1698}
_UNREACHABLE = {2002, 2003, 2005, 2006, 2013, 2055}
_NO_DATABASE = {1049}
_SCHEMA = {1054, 1146}
_DATA = {1048, 1264, 1265, 1292, 1364, 1366, 1406, 1452}


def error_code_of(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", exc)
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def coded(exc: BaseException, supplier: SupplierConfig, table: str = "") -> OXError:
    """Map a driver error to its OX-DB code. Transient ones (lost connection, lock wait) say so."""
    if isinstance(exc, OXError):
        return exc
    db = supplier.database
    where = db.where() if db else "?"
    number = error_code_of(exc)
    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
    if number in _LOGIN:
        user = sa.engine.make_url(db.url).username if db else "?"
        return OXError("OX-DB-001", supplier=supplier.id, user=user)
    if number in _UNREACHABLE or (number is None and isinstance(exc, OSError)):
        return OXError("OX-DB-002", supplier=supplier.id, where=where, detail=detail)
    if number in _NO_DATABASE:
        return OXError("OX-DB-005", supplier=supplier.id,
                       database=sa.engine.make_url(db.url).database if db else "?")
    if number in _SCHEMA or "no such table" in detail or "no such column" in detail:
        return OXError("OX-DB-003", supplier=supplier.id, table=table or "?", detail=detail)
    if number in _DATA or "NOT NULL constraint" in detail:
        return OXError("OX-DB-006", supplier=supplier.id, detail=detail)
    return OXError("OX-DB-004", supplier=supplier.id, detail=detail)


class ShopDatabase:
    """One supplier shop database connection for a batch, plus its reflected column lengths."""

    def __init__(self, supplier: SupplierConfig) -> None:
        if supplier.database is None:
            raise OXError("OX-CHK-011", supplier=supplier.id, type=supplier.connector)
        self.supplier = supplier
        self.engine: Engine | None = None
        self.conn: Connection | None = None
        self._columns: dict[str, dict[str, int | None]] = {}

    @property
    def dialect(self) -> str:
        assert self.engine is not None
        return self.engine.dialect.name

    def open(self) -> Connection:
        db = self.supplier.database
        assert db is not None
        url = db.sqlalchemy_url()
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            # SQLite would silently create an empty file: a missing shop is an error, not a new shop
            if not url.database or not Path(url.database).exists():
                raise OXError("OX-DB-005", supplier=self.supplier.id, database=url.database)
        else:
            connect_args = {"connect_timeout": db.connect_timeout, "charset": "utf8mb4"}
        try:
            self.engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.NullPool)
            self.conn = self.engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            self.close()
            raise coded(exc, self.supplier) from None
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except SQLAlchemyError:
                pass
        if self.engine is not None:
            self.engine.dispose()
        self.conn = None
        self.engine = None

    def adapt(self, params: dict[str, Any]) -> dict[str, Any]:
        """SQLite's driver cannot bind Decimal: pass exact decimal text instead (never a float)."""
        if self.dialect != "sqlite":
            return params
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}

    def server_version(self) -> str:
        assert self.conn is not None
        if self.dialect == "sqlite":
            return "SQLite " + self.conn.execute(sa.text("select sqlite_version()")).scalar_one()
        return str(self.conn.execute(sa.text("select version()")).scalar_one())

    def columns(self, table: str) -> dict[str, int | None]:
        """Column name → maximum length (None: not a string) of a live table; cached per batch."""
        if table not in self._columns:
            assert self.conn is not None
            try:
                cols = sa.inspect(self.conn).get_columns(table)
            except sa.exc.NoSuchTableError:
                cols = []
            except DBAPIError as exc:
                raise coded(exc, self.supplier, table) from None
            self._columns[table] = {c["name"]: getattr(c["type"], "length", None) for c in cols}
        return self._columns[table]

    def missing(self, required: dict[str, tuple[str, ...]]) -> list[str]:
        """Every required table or table.column that the live schema lacks."""
        gaps: list[str] = []
        for table, cols in required.items():
            have = self.columns(table)
            if not have:
                gaps.append(table)
                continue
            gaps.extend(f"{table}.{c}" for c in cols if c not in have)
        return gaps
