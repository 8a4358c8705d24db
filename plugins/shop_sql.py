"""What every SQL shop connector needs: a connection, coded errors, and the live schema.

Not a plug-in itself (it implements no hook); the shop connectors import it. Errors from the
driver are turned into OX-DB codes here, once, so no connector can leak a raw traceback — or a
password, which never reaches this module's messages (only user, host and database do).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import operator
import os
import re
import ssl
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pymysql
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from orderexchange.config import DatabaseConfig, SupplierConfig
from orderexchange.connector import (
    Connector, ConnectorSettings, RemoteOrder, SelfTestReport, look_up_floor,
)
from orderexchange.errors import OXError
from orderexchange.tunnel import STAGE_OF_CODE, OnStage, SshTunnel
from orderexchange.model import (
    Address, Customer, CustomerOrder, Finding, OrderLine, SupplierLine, SupplierOrder,
    SupplierOrderState, Transfer, TransferState,
)

from . import sql_literals
from .sql_literals import MISSING, Literals

# MySQL/MariaDB error numbers, grouped by what the user must do.
_LOGIN = {1045, 1698}
#: the login worked, but the user may do nothing in the configured database
_NO_PRIVILEGE = {1044}
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
    cause = getattr(getattr(exc, "orig", exc), "original_exception", None)  # PyMySQL keeps it
    if isinstance(cause, ssl.SSLCertVerificationError):
        return OXError("OX-TLS-001", supplier=supplier.id, where=where,
                       detail=cause.verify_message or _first_line(cause))
    if number in _LOGIN:
        user = sa.engine.make_url(db.url).username if db else "?"
        return OXError("OX-DB-001", supplier=supplier.id, user=user)
    if number in _NO_PRIVILEGE:
        url = sa.engine.make_url(db.url) if db else None
        return OXError("OX-DB-014", supplier=supplier.id, user=url.username if url else "?",
                       database=url.database if url else "?")
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


def tls_connect_args(db: DatabaseConfig) -> dict[str, Any]:
    """PyMySQL's arguments for `tls` / `ca_file`. Unset (and no ssl_… URL parameters) leaves
    the driver's default: TLS when the server offers it, unverified. Through an SSH tunnel TLS
    is off (the tunnel encrypts, and PyMySQL cannot wrap an SSH channel in TLS)."""
    mode = db.effective_tls
    if db.ssh is not None or mode == "off":
        return {"ssl_disabled": True}
    if mode == "verify":
        # the server's certificate chains to ca_file (else the system's CAs) and names the host
        return {"ssl": ssl.create_default_context(
            cafile=str(db.ca_file) if db.ca_file else None)}
    if mode == "required":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return {"ssl": context}
    return {}


class _PyMySQLConnection(pymysql.connections.Connection):
    """PyMySQL's connection with the context of its TLS-if-offered mode (no `tls` set: PyMySQL
    builds an unverified context) built once per process instead of at every connect.

    Why: building it loads the system's CA store (about 20 ms, far more on a loaded machine)
    although a context that verifies nothing never reads it. The mode's behaviour is PyMySQL's
    own: TLS when the server offers it, else plain. Every other mode builds its context as
    before (`tls_connect_args`)."""

    _unverified: ssl.SSLContext | None = None

    def _create_ssl_ctx(self, sslp: Any) -> Any:
        if sslp != {}:  # a CA, a certificate or a context of ours: PyMySQL's own way
            return super()._create_ssl_ctx(sslp)
        cls = _PyMySQLConnection
        if cls._unverified is None:
            cls._unverified = super()._create_ssl_ctx(sslp)
        return cls._unverified


def _connect_reusing_tls_context(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """SQLAlchemy `do_connect` listener of direct PyMySQL connections (not through a tunnel,
    whose own listener opens the channel; TLS is off there)."""
    return _PyMySQLConnection(*cargs, **cparams)


def certificate_summary(der: bytes) -> str:
    """"subject CN=…, expires 2027-12-31" of a DER certificate, for `test db`."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    expires = cert.not_valid_after_utc
    issuer = cert.issuer.rfc4514_string()
    return (f"subject {cert.subject.rfc4514_string() or '(empty)'}, issuer {issuer}, "
            f"expires {expires:%Y-%m-%d %H:%M} UTC")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:300] if text else "") or type(exc).__name__


class ShopDatabase:
    """One supplier shop database connection for a batch, plus its reflected column lengths.

    The connection is direct (with TLS as `tls` / `ca_file` say) or through the supplier's SSH
    server (`[…database.ssh]`, orderexchange/tunnel.py): then the tunnel opens with the
    connection and closes with it, so a reopen after a drop builds a new one."""

    def __init__(self, supplier: SupplierConfig) -> None:
        if supplier.database is None:
            raise OXError("OX-CHK-011", supplier=supplier.id, type=supplier.connector)
        for key, path in supplier.database.missing_files():
            raise OXError("OX-CFG-004", key=f"suppliers.{supplier.id}.database.{key}",
                          detail=f"file {path} does not exist",
                          hint="give the path of an existing file (relative paths are relative "
                               "to the config file's folder).")
        self.supplier = supplier
        self.engine: Engine | None = None
        self.conn: Connection | None = None
        self.tunnel: SshTunnel | None = None
        self._columns: dict[str, dict[str, int | None]] = {}

    @property
    def dialect(self) -> str:
        assert self.engine is not None
        return self.engine.dialect.name

    def open(self, on_stage: OnStage | None = None, *,
             without_database: bool = False) -> Connection:
        """Connect (through the SSH tunnel when configured); `on_stage(name, detail)` hears of
        each tunnel stage that passed, for `test db`. `without_database` logs in without
        selecting the database (for reading the grants of a user that may do nothing in it
        yet, OX-DB-014)."""
        db = self.supplier.database
        assert db is not None
        url = db.sqlalchemy_url()
        if without_database:  # (URL.set takes None as "unchanged")
            url = sa.engine.URL.create(url.drivername, url.username, url.password, url.host,
                                       url.port, None, url.query)
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            # SQLite would silently create an empty file: a missing shop is an error, not a new shop
            if not url.database or not Path(url.database).exists():
                raise OXError("OX-DB-005", supplier=self.supplier.id, database=url.database)
        else:
            connect_args = {"connect_timeout": db.connect_timeout, "charset": "utf8mb4"}
            connect_args.update(tls_connect_args(db))
        try:
            if db.ssh is not None:
                self.tunnel = SshTunnel(self.supplier.id, db, on_stage)
                self.tunnel.open()
            self.engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.NullPool)
            if self.tunnel is not None:
                sa.event.listen(self.engine, "do_connect", self.tunnel.connect_hook)
            elif url.get_driver_name() == "pymysql":
                sa.event.listen(self.engine, "do_connect", _connect_reusing_tls_context)
            self.conn = self.engine.connect()
        except OXError:
            self.close()
            raise
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
        if self.tunnel is not None:
            self.tunnel.close()
        self.conn = None
        self.engine = None
        self.tunnel = None

    def peer_certificate(self) -> bytes | None:
        """The database server's TLS certificate (DER) of the open connection, if any."""
        if self.conn is None:
            return None
        raw = self.conn.connection.dbapi_connection
        sock = getattr(raw, "_sock", None)  # PyMySQL's socket, an SSLSocket under TLS
        if isinstance(sock, ssl.SSLSocket):
            return sock.getpeercert(binary_form=True)
        return None

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


# =============================================================================================
# Shared by the OpenCart, OXID and generic SQL connectors (issue 6): the live schema with its
# storage engines and NOT NULL traps, grants, named locks, counters, and a connector base class
# with the stage-by-stage self-test (grants with the GRANT that fixes them, trial write rolled
# back). Added below the original code so the two can be edited independently.
# =============================================================================================


#: storage engines whose tables take part in a transaction (everything else ignores ROLLBACK)
TRANSACTIONAL_ENGINES = frozenset({"innodb", "xtradb", "rocksdb", "tokudb", "ndbcluster", "ndb",
                                   "sqlite"})

_INT_TYPES = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "bit", "year"}
_NUMBER_TYPES = {"decimal", "numeric", "float", "double", "real", "double precision"}
_TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set",
               "json", "nchar", "nvarchar", "clob", "character varying", "character"}
_BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a live shop table, as information_schema describes it."""

    name: str
    data_type: str  # lower case: varchar, int, decimal, text, datetime …
    length: int | None = None  # character maximum length of text columns
    nullable: bool = True
    has_default: bool = False
    auto_increment: bool = False
    generated: bool = False
    enum_values: tuple[str, ...] = ()
    #: the column's collation (text columns of MySQL/MariaDB; None elsewhere)
    collation: str | None = None

    @property
    def case_insensitive(self) -> bool:
        """Compared case-insensitively by the server (a `*_ci` collation): `col IN (…)` with
        lower-cased values finds every spelling through the column's index, where `LOWER(col)`
        would read every row. A `_ci` collation equates more than case (accents, ß = s or ss):
        the caller keeps only the rows equal to its values once lower-cased, as before."""
        return bool(self.collation) and self.collation.lower().endswith("_ci")

    @property
    def kind(self) -> str:
        """int | number | text | datetime | date | binary | other."""
        t = self.data_type
        if t in _INT_TYPES:
            return "int"
        if t in _NUMBER_TYPES:
            return "number"
        if t in _TEXT_TYPES:
            return "text"
        if t in ("datetime", "timestamp"):
            return "datetime"
        if t == "date":
            return "date"
        if t in _BINARY_TYPES:
            return "binary"
        return "other"

    @property
    def required(self) -> bool:
        """NOT NULL without a default: an INSERT that leaves it out fails in strict SQL mode
        (and silently gets '' / 0 in lax mode) — we must always fill it."""
        return not (self.nullable or self.has_default or self.auto_increment or self.generated)


@dataclass
class TableInfo:
    """A live table: its columns (looked up case-insensitively, as MySQL does) and engine."""

    name: str
    columns: dict[str, ColumnInfo] = field(default_factory=dict)  # lower-case name → column
    #: storage engine; None when the table is missing or the user cannot see it (then it
    #: counts as not transactional: the conservative guess for grants and writes)
    engine: str | None = None
    #: `fit_rows`'s plan per set of keys, made once per read of the table (`_RowPlan`)
    plans: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False, compare=False)
    #: `too_long`'s (key, column name, length limit) of the limited keys, per set of keys
    #: (made once per read of the table: step 1 asks the same keys for every customer order)
    limits: dict[tuple[str, ...], list[tuple[str, str, int]]] = field(
        default_factory=dict, repr=False, compare=False)
    #: the sets of keys `queue` found columns for, or the first unknown key (once per read of
    #: the table: a chunk queues ~100,000 rows of a handful of key sets)
    unknown: dict[tuple[str, ...], str | None] = field(default_factory=dict, repr=False,
                                                       compare=False)

    @property
    def exists(self) -> bool:
        return bool(self.columns)

    @property
    def transactional(self) -> bool:
        return self.engine is not None and self.engine.lower() in TRANSACTIONAL_ENGINES

    def column(self, name: str) -> ColumnInfo | None:
        return self.columns.get(name.lower())

    def has(self, name: str) -> bool:
        return name.lower() in self.columns

    @functools.cached_property
    def required(self) -> list[ColumnInfo]:
        """Computed once per read of the table (every INSERT of a chunk asks)."""
        return [c for c in self.columns.values() if c.required]


def _enum_values(column_type: str) -> tuple[str, ...]:
    match = re.match(r"^(?:enum|set)\((.*)\)$", column_type.strip(), re.I | re.S)
    if not match:
        return ()
    return tuple(v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", match.group(1)))


def read_tables(conn: Connection, names: Iterable[str]) -> dict[str, TableInfo]:
    """Columns and storage engine of each named table, in two queries (MySQL/MariaDB) or from
    SQLite's catalogue. A table that does not exist (or the user cannot see) has no columns."""
    names = sorted(set(names))
    tables = {n: TableInfo(n) for n in names}
    if not names:
        return tables
    if conn.dialect.name == "sqlite":
        inspector = sa.inspect(conn)
        for name in names:
            try:
                cols = inspector.get_columns(name)
                pk = inspector.get_pk_constraint(name).get("constrained_columns") or []
            except sa.exc.NoSuchTableError:
                continue
            for c in cols:
                type_name = str(c["type"]).split("(")[0].strip().lower()
                auto = len(pk) == 1 and pk[0] == c["name"] and type_name == "integer"
                tables[name].columns[c["name"].lower()] = ColumnInfo(
                    c["name"], type_name, getattr(c["type"], "length", None),
                    nullable=bool(c["nullable"]) and not auto,
                    has_default=c.get("default") is not None, auto_increment=auto)
            tables[name].engine = "SQLite"
        return tables
    stmt = sa.text(
        "SELECT TABLE_NAME AS tname, COLUMN_NAME AS cname, DATA_TYPE AS dt, "
        "CHARACTER_MAXIMUM_LENGTH AS len, IS_NULLABLE AS nul, COLUMN_DEFAULT AS dflt, "
        "EXTRA AS extra, COLUMN_TYPE AS ct, COLLATION_NAME AS coll "
        "FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN :names "
        "ORDER BY TABLE_NAME, ORDINAL_POSITION").bindparams(sa.bindparam("names", expanding=True))
    for r in conn.execute(stmt, {"names": names}):
        extra = (r.extra or "").upper()
        generated = any(k in extra for k in ("VIRTUAL GENERATED", "STORED GENERATED",
                                             "PERSISTENT GENERATED"))
        tables[r.tname].columns[r.cname.lower()] = ColumnInfo(
            r.cname, str(r.dt).lower(), int(r.len) if r.len is not None else None,
            nullable=r.nul == "YES", has_default=r.dflt is not None,
            auto_increment="AUTO_INCREMENT" in extra, generated=generated,
            enum_values=_enum_values(r.ct or ""), collation=r.coll)
    engines = sa.text("SELECT TABLE_NAME AS tname, ENGINE AS e FROM information_schema.TABLES "
                      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN :names"
                      ).bindparams(sa.bindparam("names", expanding=True))
    for r in conn.execute(engines, {"names": names}):
        tables[r.tname].engine = r.e or "VIEW"
    return tables


def implicit_value(column: ColumnInfo, now: datetime) -> Any:
    """A neutral value for a NOT NULL column without default that we have nothing for — what a
    lax-mode MySQL would have put there, except for dates, where a zero date is refused by
    NO_ZERO_DATE servers: those get the write's own time."""
    kind = column.kind
    if column.data_type in ("enum",) and column.enum_values:
        return column.enum_values[0]
    if column.data_type == "json":
        return "{}"
    if kind in ("int", "number"):
        return 0
    if kind == "datetime":
        return now
    if kind == "date":
        return now.date()
    if column.data_type == "time":
        return "00:00:00"
    if kind == "binary":
        return b""
    return ""


def fit_row(table: TableInfo, values: dict[str, Any], now: datetime,
            drop_unknown: bool = True) -> tuple[dict[str, Any], list[str]]:
    """The row to insert into `table`: `values` under the live column names, every NOT NULL
    column without default filled (the neutral value when we have none; None for such a column
    counts as none), generated columns left out.

    Returns (row, names of columns filled with a neutral value). Keys the table lacks are
    dropped (`drop_unknown`, for columns that differ between shop versions) or raise KeyError.
    """
    row: dict[str, Any] = {}
    for key, value in values.items():
        column = table.column(key)
        if column is None:
            if drop_unknown:
                continue
            raise KeyError(key)
        if column.generated:
            continue
        if value is None and not column.nullable:
            if column.has_default or column.auto_increment:
                continue  # the column's own default applies
            value = implicit_value(column, now)
        row[column.name] = value
    filled = []
    for column in table.required:
        if column.name not in row:
            row[column.name] = implicit_value(column, now)
            filled.append(column.name)
    return row, filled


_SKIP = object()  # a NOT NULL column with a default given None: left out (its default applies)


class _RowPlan:
    """What fit_row works out for a row with these keys, in this table: the live name of each
    kept key, which of them are NOT NULL (None leaves the column out where it has a default,
    else becomes the neutral value), and the required columns no key gives."""

    __slots__ = ("same", "pairs", "strict", "fill")

    def __init__(self, table: TableInfo, keys: tuple[str, ...]) -> None:
        pairs: list[tuple[str, str]] = []
        self.strict: list[tuple[str, Any]] = []
        for key in keys:
            column = table.column(key)
            if column is None or column.generated:
                continue
            pairs.append((key, column.name))
            if not column.nullable:
                self.strict.append((column.name, _SKIP if column.has_default
                                    or column.auto_increment else column))
        names = [name for _k, name in pairs]
        if len(set(names)) != len(names):  # two keys for one column: fit_row's own way
            raise ValueError("keys name one column twice")
        #: every key kept under its own name: the row starts as a copy of the values
        self.same = all(k == n for k, n in pairs) and len(pairs) == len(keys)
        self.pairs = pairs
        given = set(names)
        self.fill = [c for c in table.required if c.name not in given]

    def fit(self, values: dict[str, Any], now: datetime) -> dict[str, Any]:
        row = values.copy() if self.same else {name: values[k] for k, name in self.pairs}
        for name, when_none in self.strict:
            if row[name] is None:
                if when_none is _SKIP:
                    del row[name]
                else:
                    row[name] = implicit_value(when_none, now)
        for column in self.fill:
            row[column.name] = implicit_value(column, now)
        return row


def fit_rows(table: TableInfo, rows: Iterable[dict[str, Any]], now: datetime
             ) -> list[dict[str, Any]]:
    """[fit_row(table, values, now)[0] for values in rows] (unknown keys dropped), with what
    fit_row looks up for each row worked out once per table read and set of keys (`_RowPlan`).

    Why: fit_row asks the table for every key and every required column of every row; a chunk's
    rows of one table have the same keys, and those look-ups were a quarter of the writes' CPU
    (17,000 rows, 171,000 `column` calls for 1,857 osCommerce orders). tests/test_shop_sql.py
    compares the rows with fit_row's."""
    plans = table.plans
    out = []
    for values in rows:
        keys = tuple(values)
        plan = plans.get(keys)
        if plan is None:
            try:
                plan = plans[keys] = _RowPlan(table, keys)
            except ValueError:
                plan = plans[keys] = False
        out.append(plan.fit(values, now) if plan else fit_row(table, values, now)[0])
    return out


def too_long(table: TableInfo, values: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(column, length, limit) for every text value longer than its live column allows."""
    keys = tuple(values)
    try:
        plan = table.limits[keys]
    except KeyError:
        # (key, column, limit) of the keys whose column has a length: made once per set of
        # keys and read of the table (step 1 checks ~5 rows of the same keys per order)
        plan = table.limits[keys] = []
        for key in keys:
            column = table.column(key)
            if column is not None and column.length:
                plan.append((key, column.name, column.length))
    out = []
    for key, name, limit in plan:
        value = values[key]
        if isinstance(value, str) and len(value) > limit:
            out.append((name, len(value), limit))
    return out


def quote(conn: Connection, name: str) -> str:
    """A table or column name quoted for this database (`order`, `default`, `key` are reserved)."""
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _bindable(conn: Connection, value: Any) -> Any:
    if conn.dialect.name == "sqlite" and isinstance(value, Decimal):
        return str(value)
    return value


def insert_row(conn: Connection, table: str, row: dict[str, Any]) -> int | None:
    """INSERT one row (parameterised, every identifier quoted); the auto-increment id, if any."""
    cols = list(row)
    sql = (f"INSERT INTO {quote(conn, table)} ({', '.join(quote(conn, c) for c in cols)}) "
           f"VALUES ({', '.join(f':p{i}' for i in range(len(cols)))})")
    result = conn.execute(sa.text(sql), {f"p{i}": _bindable(conn, row[c])
                                         for i, c in enumerate(cols)})
    lastrowid = getattr(result, "lastrowid", None)
    return int(lastrowid) if lastrowid else None


#: a statement whose values are in its text: the driver neither formats nor escapes it
_NO_PARAMETERS = {"no_parameters": True}


def _pymysql_of(conn: Connection) -> Any:
    """The PyMySQL connection under `conn` when its literals can be written here
    (`sql_literals.usable`), else None."""
    if conn.dialect.driver != "pymysql":
        return None
    raw = conn.connection.dbapi_connection
    return raw if sql_literals.usable(raw) else None


#: where SQLAlchemy's text() finds a bind parameter (`:name`) and an escaped colon (a backslash
#: before it): `literal_text` must find exactly the names text() would
_BIND = getattr(sa.sql.elements.TextClause, "_bind_params_regex",
                re.compile(r"(?<![:\w\x5c]):(\w+)(?![:\w])", re.UNICODE))
_ESCAPED_COLON = re.compile(r"\x5c(:\w*)(?![:\w])", re.UNICODE)


def literal_text(conn: Connection, text: str, params: dict[str, Any]) -> str | None:
    """`text` with each of its `:name` bind parameters written as the literal of `params[name]`
    (a list or tuple as `(a, b, …)`, an empty one as `(NULL)`), exactly as PyMySQL escapes a
    bound value (sql_literals); None where that cannot be done here — not PyMySQL, an escaped
    colon in the text, a name without a value —: the caller binds as before.

    Why: a look-up's `IN :emails` / `IN :markers` list went through SQLAlchemy's expanding
    parameter (a name per value, compiled per execution) and PyMySQL's escape per value; for a
    300-email customer match that was 0.44 of 1.55 ms of CPU (a throwaway MariaDB, 500 runs).
    The text is scanned once, before any literal is put in: a literal holding `:name` or `%`
    is never taken for a parameter (the statement is sent without any: `_NO_PARAMETERS`)."""
    raw = _pymysql_of(conn)
    if raw is None or _ESCAPED_COLON.search(text):
        return None
    lits = Literals(raw)
    missing: list[str] = []

    def literal(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            missing.append(name)
            return match.group(0)
        value = params[name]
        if isinstance(value, (list, tuple)):
            return "(" + ", ".join(lits.column(list(value)) if value else ["NULL"]) + ")"
        return lits.one(value)

    out = _BIND.sub(literal, text)
    return None if missing else out


def execute_literal(conn: Connection, text: str, params: dict[str, Any]) -> Any | None:
    """`literal_text`'s statement executed as it is (no parameters), or None where it cannot
    be written: the caller executes `text` with `params` bound."""
    literal = literal_text(conn, text, params)
    if literal is None:
        return None
    return conn.exec_driver_sql(literal, execution_options=_NO_PARAMETERS)


def insert_rows(conn: Connection, table: str, rows: Sequence[dict[str, Any]]) -> int | None:
    """One multi-row INSERT; the first row's auto-increment id.

    Rows may name different columns: a column a row lacks gets the keyword DEFAULT, exactly
    what leaving it out of a single-row INSERT gives. Why: an order shipped to its billing
    address leaves OXID's delivery columns out, one with a NULL for a NOT NULL column with a
    default leaves that out (`fit_row`); splitting the chunk at every such change cost one
    statement per few orders (OXID 6: 564 oxorder INSERTs for 26 chunks).

    MySQL/MariaDB only (the driver's own placeholders, no SQL compilation per chunk). The ids of
    one multi-row INSERT are consecutive when innodb_autoinc_lock_mode is 0 or 1, so the first
    id numbers them all — callers check that mode (`consecutive_ids`) before relying on it, and
    never mix rows that give the auto-increment column with rows that do not (a "mixed-mode"
    insert, whose ids need not be consecutive)."""
    if not rows:
        return None
    cols = list(dict.fromkeys(itertools.chain.from_iterable(rows)))
    raw = _pymysql_of(conn)
    if raw is not None:  # the literals written here, the text sent as it is (sql_literals)
        if set(map(len, rows)) == {len(cols)}:  # every row gives every column
            columns = [list(map(operator.itemgetter(c), rows)) for c in cols]
        else:
            columns = [[row.get(c, MISSING) for row in rows] for c in cols]
        sql = (f"INSERT INTO {quote(conn, table)} ({', '.join(quote(conn, c) for c in cols)}) "
               f"VALUES " + Literals(raw).rows(columns, len(rows)))
        result = conn.exec_driver_sql(sql, execution_options=_NO_PARAMETERS)
        lastrowid = getattr(result, "lastrowid", None)
        return int(lastrowid) if lastrowid else None
    if all(len(row) == len(cols) for row in rows):
        one = "(" + ", ".join(["%s"] * len(cols)) + ")"
        values = ", ".join([one] * len(rows))
        params = tuple(_bindable(conn, row[c]) for row in rows for c in cols)
    else:
        values = ", ".join("(" + ", ".join("%s" if c in row else "DEFAULT" for c in cols) + ")"
                           for row in rows)
        params = tuple(_bindable(conn, row[c]) for row in rows for c in cols if c in row)
    sql = (f"INSERT INTO {quote(conn, table)} ({', '.join(quote(conn, c) for c in cols)}) "
           f"VALUES " + values)
    result = conn.exec_driver_sql(sql, params)
    lastrowid = getattr(result, "lastrowid", None)
    return int(lastrowid) if lastrowid else None


def consecutive_ids(conn: Connection) -> bool:
    """Whether a multi-row INSERT gets consecutive auto-increment ids on this server
    (innodb_autoinc_lock_mode 0 "traditional" or 1 "consecutive", MariaDB's default)."""
    if conn.dialect.name not in ("mysql", "mariadb"):
        return False
    try:
        mode = conn.exec_driver_sql("SELECT @@innodb_autoinc_lock_mode").scalar()
    except SQLAlchemyError:
        return False
    return mode is not None and int(mode) in (0, 1)


def update_row(conn: Connection, table: str, values: dict[str, Any], where: dict[str, Any]) -> int:
    """UPDATE table SET values WHERE every `where` column equals its value; rows matched."""
    params: dict[str, Any] = {}
    sets, conds = [], []
    for i, (c, v) in enumerate(values.items()):
        sets.append(f"{quote(conn, c)} = :s{i}")
        params[f"s{i}"] = _bindable(conn, v)
    for i, (c, v) in enumerate(where.items()):
        conds.append(f"{quote(conn, c)} = :w{i}")
        params[f"w{i}"] = _bindable(conn, v)
    sql = f"UPDATE {quote(conn, table)} SET {', '.join(sets)} WHERE {' AND '.join(conds)}"
    return conn.execute(sa.text(sql), params).rowcount


def delete_rows(conn: Connection, table: str, where: dict[str, Any]) -> int:
    params = {f"w{i}": _bindable(conn, v) for i, v in enumerate(where.values())}
    conds = [f"{quote(conn, c)} = :w{i}" for i, c in enumerate(where)]
    sql = f"DELETE FROM {quote(conn, table)} WHERE {' AND '.join(conds)}"
    return conn.execute(sa.text(sql), params).rowcount


def next_counter(conn: Connection, table: str, key_column: str, key: str, value_column: str,
                 seed: Callable[[], int] | None = None, count: int = 1) -> int:
    """Take the next number of a counter row atomically (OXID's `oxcounters`, a generic counter
    table): one `UPDATE … SET n = LAST_INSERT_ID(n + 1)`, so two concurrent sends can never get
    the same number — on InnoDB the row lock holds until the order commits, on MyISAM the single
    statement is atomic. A missing counter row is created from `seed()` (e.g. the highest number
    in use); a second process creating it at the same time makes us retry the UPDATE.
    `count` > 1 takes that many numbers at once (a chunk's orders) and returns the first."""
    t, k, v = quote(conn, table), quote(conn, key_column), quote(conn, value_column)
    for _attempt in range(3):
        if conn.dialect.name == "sqlite":
            hit = conn.execute(sa.text(f"UPDATE {t} SET {v} = {v} + :n WHERE {k} = :k"),
                               {"k": key, "n": count})
            if hit.rowcount:
                return int(conn.execute(sa.text(f"SELECT {v} FROM {t} WHERE {k} = :k"),
                                        {"k": key}).scalar_one()) - count + 1
        else:
            hit = conn.execute(sa.text(f"UPDATE {t} SET {v} = LAST_INSERT_ID({v} + :n) "
                                       f"WHERE {k} = :k"), {"k": key, "n": count})
            if hit.rowcount:
                return int(conn.execute(sa.text("SELECT LAST_INSERT_ID()")).scalar_one()) \
                    - count + 1
        start = (seed() if seed else 0) + 1
        try:
            with conn.begin_nested():
                conn.execute(sa.text(f"INSERT INTO {t} ({k}, {v}) VALUES (:k, :v)"),
                             {"k": key, "v": start + count - 1})
            return start
        except DBAPIError as exc:
            if error_code_of(exc) != 1062 and "UNIQUE" not in str(exc):
                raise
    raise OXError("OX-DB-004", supplier="?", detail=f"counter {table}.{key} cannot be taken")


def time_ordered_id(form: str = "hex") -> str:
    """A new UUID of version 7 (RFC 9562): the milliseconds since 1970 in its first 48 bits, then
    the version and variant bits and 74 random bits; 32 lower-case hex characters (OXID's form,
    a `uuid_hex` column) or the 36-character dashed form (a `uuid` column).

    Why: InnoDB keeps a table in its primary key's order. A random key (uuid4, or OXID's own
    MD5s) sends every insert to another leaf page, and in a shop with years of orders the order
    and article tables are far bigger than the buffer pool: a disk read per row written
    (bench/README, "A million orders of history", and bench/oxid_key_order.py). Keys that grow
    with time go in next to each other, on pages that stay in memory, whether the column is
    CHAR(32), CHAR(36) or MariaDB's own UUID type (which keeps a version 7 in its time order).
    Unique as uuid4 is in practice: 74 random bits a millisecond. Python 3.14's uuid.uuid7 is
    the same layout; 3.11 has none."""
    random = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 of them used
    value = ((time.time_ns() // 1_000_000 & (1 << 48) - 1) << 80
             | 0x7 << 76 | (random >> 62 & 0xFFF) << 64
             | 0b10 << 62 | random & (1 << 62) - 1)
    return f"{value:032x}" if form == "hex" else str(uuid.UUID(int=value))


# --- named locks -----------------------------------------------------------------------------
def marker(reference: str) -> str:
    """How a shop without a column of ours carries the exchange reference: at the start of a
    text field (a comment, a remark), in brackets."""
    return f"[{reference}]"


def markers_by_length(references: Iterable[str]) -> dict[int, list[str]]:
    """The markers of `references` grouped by length: a look-up compares `SUBSTR(field, 1, n)`
    with the markers of length n, one query per length instead of one per reference."""
    out: dict[int, list[str]] = {}
    for ref in references:
        out.setdefault(len(marker(ref)), []).append(marker(ref))
    return out


def lock_name(database: str, kind: str, key: str) -> str:
    """A MariaDB user-lock name (≤ 64 characters) for one shop database and one thing in it."""
    digest = hashlib.sha1(f"{database}\0{kind}\0{key}".encode()).hexdigest()[:40]
    return f"orderexchange:{digest}"


def acquire_locks(conn: Connection, names: Iterable[str], supplier: SupplierConfig,
                  timeout: int = 30) -> list[str]:
    """GET_LOCK each name (sorted, so two processes never wait on each other crosswise).

    User locks belong to the session, not to a transaction: taken before the write's
    transaction and released after its commit, they make "look up, then insert" atomic across
    processes (the same customer or the same reference written twice at once). SQLite: no-op.
    """
    if conn.dialect.name == "sqlite":
        return []
    got: list[str] = []
    wanted = sorted(set(names))
    try:
        # one round trip for a whole chunk's locks, taken left to right
        for start in range(0, len(wanted), 200):
            part = wanted[start:start + 200]
            answer = _lock_statement(conn, "GET_LOCK(%s, " + str(int(timeout)) + ")", part).one()
            got += [name for name, ok in zip(part, _lock_answers(answer)) if ok == "1"]
            if len(got) < start + len(part):
                raise OXError("OX-DB-004", supplier=supplier.id,
                              detail=f"another send holds a lock on this shop for more than "
                                     f"{timeout} s")
    except BaseException:
        release_locks(conn, got)
        raise
    finally:
        if conn.in_transaction():
            conn.commit()  # GET_LOCK autobegan a transaction; the write begins its own
    return got


def _lock_sql(call: str, count: int) -> str:
    """`SELECT call, CONCAT(IFNULL(call, 'x'), …)` for `count` names: the first lock's answer
    as a column of its own, every further one a character of one string, evaluated left to
    right (IFNULL: CONCAT would stop at the first NULL and skip the calls after it).

    Why not a column per lock: PyMySQL parses a field description per column, and as rows (a
    SELECT per lock joined by UNION ALL) a row packet per lock — for a chunk's ~200 references
    and emails that was most of the CPU its two lock statements cost (osCommerce, 10,000 orders:
    ~40,000 field descriptions). The statement still begins with the call (`SELECT GET_LOCK` …),
    as the round-trip counts of the tests and bench/profile_send.py name it."""
    if count == 1:
        return f"SELECT {call}"
    return (f"SELECT {call}, CONCAT("
            + ", ".join([f"IFNULL({call}, 'x')"] * (count - 1)) + ")")


def _lock_statement(conn: Connection, call: str, names: Sequence[str]) -> Any:
    """Run `_lock_sql` for `names`: their literals written into the text here (`sql_literals`,
    as PyMySQL's `escape` writes them) where the connection allows, else bound by the driver.
    Why: the driver's escaping of a parameter (`_mogrify` → `escape` → … → `translate`) cost
    more than the lock itself, for some 40,000 names a 10,000-order send takes and gives back."""
    sql = _lock_sql(call, len(names))
    raw = _pymysql_of(conn)
    if raw is None or not all(type(n) is str for n in names):
        return conn.exec_driver_sql(sql, tuple(names))
    return conn.exec_driver_sql(sql % tuple(Literals(raw).strings(list(names))),
                                execution_options=_NO_PARAMETERS)


def _lock_answers(row: Any) -> str:
    """The answers of `_lock_sql`'s row, a character per name: '1', '0' or 'x' (NULL)."""
    first = "x" if row[0] is None else str(int(row[0]))
    rest = row[1] if len(row) > 1 else ""
    return first + (rest.decode() if isinstance(rest, bytes) else rest)


def release_locks(conn: Connection, names: list[str]) -> None:
    """RELEASE_LOCK each name, in one statement per 200 answered by one row of two columns
    (`_lock_sql`); the answers are not looked at."""
    try:
        for start in range(0, len(names), 200):
            part = names[start:start + 200]
            _lock_statement(conn, "RELEASE_LOCK(%s)", part)
        if conn.in_transaction():
            conn.commit()
    except SQLAlchemyError:
        pass  # the session's locks end with the connection anyway


# --- grants ----------------------------------------------------------------------------------
@dataclass
class Grants:
    """What `SHOW GRANTS` says the connected user (and its active role) may do."""

    user: str  # 'name'@'host', as a GRANT statement names it
    global_privileges: set[str] = field(default_factory=set)
    database_privileges: list[tuple[str, set[str]]] = field(default_factory=list)  # (pattern, …)
    table_privileges: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def on(self, database: str, table: str) -> set[str]:
        privileges = set(self.global_privileges)
        for pattern, privs in self.database_privileges:
            if _like(pattern, database):
                privileges |= privs
        privileges |= self.table_privileges.get((database, table), set())
        return privileges


def _like(pattern: str, value: str) -> bool:
    """MySQL's LIKE semantics for database names in grants (`%`, `_`, backslash escapes)."""
    regex, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex += re.escape(pattern[i + 1])
            i += 2
            continue
        regex += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
        i += 1
    return re.fullmatch(regex, value, re.S) is not None


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses and backticks."""
    parts, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == "`":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "`'\"":
        return name[1:-1].replace(name[0] * 2, name[0])
    return name


def _object(text: str) -> tuple[str, str] | None:
    """`db`.`table` / `db`.* / *.* → (db, table); None for routines and proxies."""
    text = text.strip()
    if re.match(r"^(FUNCTION|PROCEDURE|PACKAGE(\s+BODY)?)\s", text, re.I):
        return None
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == "`":
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    if len(parts) == 1:
        return ("*", _unquote(parts[0])) if parts[0].strip() != "*" else ("*", "*")
    return _unquote(parts[0]), _unquote(parts[1])


_GRANT = re.compile(r"^GRANT\s+(?P<privs>.+?)\s+ON\s+(?P<object>.+?)\s+TO\s+", re.I | re.S)


def parse_grants(lines: Iterable[str], user: str) -> Grants:
    """Parse `SHOW GRANTS` lines. Column-level grants count for their table (the trial write is
    the final word on them); role grants shown by MariaDB for the active role are included."""
    grants = Grants(user)
    for line in lines:
        match = _GRANT.match(line.strip())
        if not match:
            continue  # role memberships, SET DEFAULT ROLE
        target = _object(match.group("object"))
        if target is None:
            continue
        privileges = set()
        for item in _split_top(match.group("privs")):
            name = re.sub(r"\s*\(.*\)\s*$", "", item, flags=re.S).strip().upper()
            name = re.sub(r"\s+", " ", name)
            privileges.add("ALL" if name in ("ALL", "ALL PRIVILEGES") else name)
        privileges.discard("USAGE")
        if not privileges:
            continue
        database, table = target
        if database == "*":
            grants.global_privileges |= privileges
        elif table == "*":
            grants.database_privileges.append((database, privileges))
        else:
            grants.table_privileges.setdefault((database, table), set()).update(privileges)
    return grants


def read_grants(conn: Connection) -> Grants:
    current = str(conn.execute(sa.text("SELECT CURRENT_USER()")).scalar_one())
    name, _, host = current.rpartition("@")
    lines = [str(r[0]) for r in conn.execute(sa.text("SHOW GRANTS"))]
    return parse_grants(lines, f"'{name}'@'{host}'")


def missing_privileges(grants: Grants, database: str,
                       needed: dict[str, set[str]]) -> dict[str, list[str]]:
    """table → privileges (sorted) it lacks, for every table that lacks any."""
    out = {}
    for table, privileges in needed.items():
        have = grants.on(database, table)
        if "ALL" in have:
            continue
        lacking = sorted(p for p in privileges if p not in have)
        if lacking:
            out[table] = lacking
    return out


def setup_account(db: DatabaseConfig) -> str:
    """'user'@'host' as the shop's database sees us: through an SSH tunnel to the loopback the
    connection comes from 127.0.0.1; directly from an address only the admin knows ('%')."""
    user = (sa.engine.make_url(db.url).username or "orderexchange").replace("'", "''")
    host = "%"
    if db.ssh is not None and db.remote()[0] in ("127.0.0.1", "::1"):
        host = db.remote()[0]
    return f"'{user}'@'{host}'"


def grant_statement(user: str, database: str, table: str, privileges: Iterable[str]) -> str:
    """The GRANT a database administrator runs to give `user` what it lacks on one table."""
    db = database.replace("`", "``")
    tb = table.replace("`", "``")
    return f"GRANT {', '.join(sorted(privileges))} ON `{db}`.`{tb}` TO {user};"


@dataclass(frozen=True)
class OptionalTable:
    """A stock table of the shop that turns one feature on; orders are sent without it.

    Declared by the connector (not looked up in information_schema, which hides a table the
    user has no privilege on) so that `test db` asks for its grant in the same round as the
    required ones, and a missing grant is said where the feature is used."""

    table: str  # prefixed
    privileges: frozenset[str]
    feature: str  # e.g. "tracking read-back"
    without: str  # what happens without it, e.g. "read-back shows no tracking numbers"
    when: str  # the step that uses it: "send" or "read-back"


def grant_lines(user: str, database: str, groups: Sequence[tuple[str, dict[str, list[str]]]]
                ) -> list[str]:
    """Every GRANT still missing, as one list to run in one go: the first group's (what
    sending needs) first, then each further group after a `-- label` comment line."""
    lines: list[str] = []
    for label, missing in groups:
        if not missing:
            continue
        if label:
            lines.append(f"-- {label}:")
        lines += [grant_statement(user, database, t, p) for t, p in sorted(missing.items())]
    return lines


# --- a sample order for the trial write ------------------------------------------------------
def sample_transfer(supplier_id: str, reference: str, sku: str, country: str, currency: str,
                    price: Decimal = Decimal("1.00"), customer_email: str | None = None
                    ) -> tuple[SupplierOrder, Transfer]:
    """A complete one-line order for `test db`'s trial write (never committed)."""
    email = customer_email or f"trial-{reference.lower()}@orderexchange.invalid"
    address = Address("Trial", "Order", "Teststr. 1", "10115", "Berlin", country)
    line = OrderLine(1, sku, "orderexchange trial", 1, price, Decimal("19"))
    order = CustomerOrder(f"TRIAL-{reference[-6:]}", datetime.now(), currency,
                          Customer(email, "Trial", "Order", "+49 30 0000000"),
                          address, address, [line])
    transfer = Transfer(order, [SupplierLine(line, sku, price, currency)], reference)
    so = SupplierOrder(0, supplier_id, SupplierOrderState.CHECKED, datetime.now(), [transfer])
    return so, transfer


_STREET_NR = re.compile(r"^(?P<street>.*?\S)\s+(?P<nr>\d+\s*[A-Za-z]?(?:\s*[-/]\s*\d+\s*[A-Za-z]?)?)$")


def split_street(street: str) -> tuple[str, str]:
    """'Hauptstr. 1a' → ('Hauptstr.', '1a'): for shops with a separate house-number column."""
    match = _STREET_NR.match(street.strip())
    if not match:
        return street.strip(), ""
    return match.group("street"), match.group("nr")


# --- the connector base ----------------------------------------------------------------------
#: the types of a queued row's values that are data as they are (`_resolved` returns them
#: unchanged), as opposed to a PendingId or a connector's own placeholder
_PLAIN = frozenset({str, int, float, bool, Decimal, type(None), datetime, date, bytes})


class PendingId:
    """The auto-increment id of a row queued by a chunk's write (`SqlShopConnector.queue`):
    known once the chunk's multi-row INSERTs ran. A queued child row may hold it as its parent's
    id; `str()` before then is a tag that `_write_chunk` swaps for the real id."""

    __slots__ = ("value", "tag")

    def __init__(self, n: int) -> None:
        self.value: int | None = None
        self.tag = f"\x00queued-id-{n}"

    def __str__(self) -> str:
        return self.tag if self.value is None else str(self.value)


@dataclass
class _Batch:
    """What one chunk's write (`SqlShopConnector._write_chunk`) keeps between its orders: the
    rows queued per table (inserted parents first: `_flush`), the customer matches of the whole
    chunk from one look-up, and the customers created in it by email."""

    now: datetime
    #: orders in the chunk
    size: int = 0
    rows: dict[str, list[tuple[dict[str, Any], PendingId | None]]] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)
    auto: dict[str, str | None] = field(default_factory=dict)
    pending: dict[str, PendingId] = field(default_factory=dict)
    matches: dict[str, Any] = field(default_factory=dict)
    created: dict[str, Any] = field(default_factory=dict)
    #: (table, key column, column) → (key, value) UPDATEs to run after the INSERTs
    updates: dict[tuple[str, str, str], list[tuple[Any, Any]]] = field(default_factory=dict)
    #: the connector's own look-ups for the chunk (e.g. customer groups)
    extra: dict[str, Any] = field(default_factory=dict)


class TrialRollback(Exception):
    """Raised inside the trial write's transaction to roll it back."""


class SqlShopConnector(Connector):
    """Plumbing every SQL shop connector here shares: the connection, the live schema (columns,
    engines) cached per batch, inserts that fill every NOT NULL column, transactions with named
    locks, and the stages of `test db` (connect with TLS, version, tables/columns/types, engines,
    grants with the GRANT that fixes them, trial write that leaves nothing behind).

    Subclasses name what they need (`required_columns`, `needed_privileges`) and implement the
    shop-specific stages (`detect_variant`, `reference_stage`, `customer_stage`,
    `trial_write`)."""

    def __init__(self, supplier: Any, settings: ConnectorSettings) -> None:
        super().__init__(supplier, settings)
        self.db = ShopDatabase(supplier)
        self._tables: dict[str, TableInfo] = {}
        #: other facts of the shop that hold for a send (a status's existence …), read once per
        #: connection like `_tables`: the send's supplier orders share one connection, and a
        #: reconnect (`close`) forgets them, as the shop may have been changed meanwhile
        self._facts: dict[Any, Any] = {}
        #: (table, key column, key value) of every row inserted while a trial write runs
        self._journal: list[tuple[str, str, Any]] | None = None
        #: how the customer of the last written order was found (recorded on the transfer)
        self._last_match: str | None = None
        #: the shop's reference data (countries, products …) read for supplier order `_ref_for`
        self._ref: dict[str, Any] = {}
        self._ref_for: int | None = None
        #: `setup_grants` without a connection: tables are taken as unseen, not read
        self._schema_unknown = False
        #: whether a multi-row INSERT gets consecutive ids here (`insert_numbered`); per batch
        self._consecutive: bool | None = None
        #: the user's grants, read once per connection when an optional feature is asked about
        self._grants: Grants | None = None
        #: every written table transactional: chunks are written in one transaction (asked
        #: once per connection)
        self._batchable: bool | None = None
        #: the chunk being written with multi-row INSERTs (`_write_chunk`), else None
        self._batch: _Batch | None = None

    # -- connection and SQL ---------------------------------------------------------------
    @property
    def conn(self) -> Connection:
        assert self.db.conn is not None, "connector not opened"
        return self.db.conn

    def t(self, name: str) -> str:
        """Prefixed table name (the prefix is validated to [A-Za-z0-9_])."""
        return getattr(self.settings, "table_prefix", "") + name

    def qt(self, name: str) -> str:
        """Prefixed and quoted table name for SQL text."""
        return quote(self.conn, self.t(name))

    def open(self, on_stage: OnStage | None = None) -> None:
        try:
            self.db.open(on_stage)
        except OXError as err:
            # the URL asks for TLS (ssl_… parameters) and the server offers none: PyMySQL
            # refuses (2026), which `coded` reports as a plain database error
            if err.code == "OX-DB-004" and "SSL" in str(err.facts.get("detail", "")):
                raise OXError("OX-DB-012", supplier=self.supplier.id,
                              where=self.supplier.database.where()) from None
            raise

    def close(self) -> None:
        self.db.close()
        self._tables = {}
        self._facts = {}
        self._ref_for = None
        self._consecutive = None
        self._grants = None
        self._batchable = None

    def sql(self, text: str, **params: Any) -> Any:
        """Execute parameterised SQL; list/set values bind as `IN :name` lists (never empty:
        an empty IN list is invalid in MySQL, so it becomes a list holding NULL). On PyMySQL the
        values are written into the text (`literal_text`)."""
        binds: dict[str, Any] = {}
        lists: list[str] = []
        for key, value in params.items():
            if isinstance(value, (list, tuple, set, frozenset)):
                lists.append(key)
                values = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
                binds[key] = [_bindable(self.conn, v) for v in values] or [None]
            else:
                binds[key] = _bindable(self.conn, value)
        result = execute_literal(self.conn, text, binds)
        if result is not None:
            return result
        stmt = sa.text(text)
        if lists:
            stmt = stmt.bindparams(*(sa.bindparam(key, expanding=True) for key in lists))
        return self.conn.execute(stmt, binds)

    def end_read(self) -> None:
        """Close the implicit read transaction (a stale InnoDB snapshot would hide orders
        written meanwhile, and a write must begin its own transaction)."""
        if self.db.conn is not None and self.db.conn.in_transaction():
            self.db.conn.rollback()


    def highest(self, table: str, column: str, where: str = "", **params: Any) -> int:
        """MAX of an indexed key column (0 in an empty table): one index dive, whatever the
        table's size. The connectors' `shop_floor`."""
        try:
            value = self.sql(f"SELECT MAX({quote(self.conn, column)}) FROM {self.qt(table)}"
                             + (f" WHERE {where}" if where else ""), **params).scalar()
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t(table)) from None
        finally:
            self.end_read()
        return int(value or 0)

    # -- step 1 -----------------------------------------------------------------------------
    def check(self, supplier_order: SupplierOrder) -> list[Finding]:
        """Connector rules of step 1; a failing shop query becomes a finding, never a crash."""
        try:
            findings = self._check(supplier_order)
            return findings + [Finding.from_error(w, severity="warning")
                               for w in self.feature_warnings("send")]
        except OXError as err:
            return [Finding.from_error(err)]
        except SQLAlchemyError as exc:
            return [Finding.from_error(coded(exc, self.supplier))]
        finally:
            self.end_read()

    def _check(self, so: SupplierOrder) -> list[Finding]:
        raise NotImplementedError

    def schema_gaps(self, out: Findings) -> bool:
        """Add OX-DB-003 when a needed table or column is missing or of the wrong type."""
        missing, wrong = self.missing_columns(self.required_columns())
        if missing or wrong:
            table = (missing or wrong)[0].split(".")[0].split(" ")[0]
            out.add("OX-DB-003", None, table=table,
                    detail="; ".join(([f"lacks {', '.join(missing)}"] if missing else []) + wrong))
            return True
        return False

    def database_name(self) -> str:
        db = self.supplier.database
        return (sa.engine.make_url(db.url).database or "") if db else ""

    # -- schema ---------------------------------------------------------------------------
    def tables(self, names: Iterable[str]) -> dict[str, TableInfo]:
        """Live TableInfo of prefixed table names (cached per batch)."""
        names = list(names)
        todo = [n for n in names if n not in self._tables]
        if todo and self.db.conn is None and self._schema_unknown:
            # supplier-setup before the shop is reachable: every table unseen (the safe guess)
            self._tables.update({n: TableInfo(n) for n in todo})
        elif todo:
            self._tables.update(read_tables(self.conn, todo))
        return {n: self._tables[n] for n in names}

    def table(self, name: str) -> TableInfo:
        """Live TableInfo of a prefixed table name (asked per queued row: the cached one
        without `tables`' lists)."""
        info = self._tables.get(name)
        return info if info is not None else self.tables([name])[name]

    def fact(self, key: Any, read: Callable[[], Any]) -> Any:
        """`read()`'s answer, asked once per connection (see `_facts`)."""
        if key not in self._facts:
            self._facts[key] = read()
        return self._facts[key]

    def case_blind(self, table: str, column: str, expr: str) -> str:
        """How to compare the text column `column` of the (prefixed) table `table` with
        lower-cased values, `<this> IN :values`: `expr` itself where the column's collation
        ignores case (the column's index finds every spelling), else `LOWER(expr)` (which reads
        every row: no index can serve it). Either way the server may return more than the same
        lower-cased text (a `_ci` collation also equates accents, ß): the caller compares the
        rows' values lower-cased again (`match_by_email`)."""
        info = self.table(table).column(column)
        return expr if info is not None and info.case_insensitive else f"LOWER({expr})"

    def match_cost(self, table: str, column: str, expr: str, directory: bool = False) -> str:
        """How customer matching by the text column `column` of the (prefixed) table `table`
        reads the shop, for `test db`: through an index the column leads, or — no such index,
        or a case-sensitive collation (`case_blind`'s LOWER()) — every customer per supplier
        order, with the statement that would fix it. A shop with years of customers pays that
        on every send (issue 15); whether to add an index is the shop owner's call, so we say
        it rather than do it. `directory`: the connector then looks the column up through the
        store's directory of the shop's customers (`keyed`), which is said instead."""
        how = self.case_blind(table, column, expr)
        if self.db.dialect == "sqlite":
            return f"by {how}"
        indexed = self.leads_index(table, column)
        if indexed and how == expr:
            return f"by {how} through its index"
        why = "no index starts with it" if not indexed else "its collation tells case apart"
        fix = (f"CREATE INDEX {quote(self.conn, column)} ON {quote(self.conn, table)} "
               f"({quote(self.conn, column)})" if not indexed
               else "a case-insensitive (_ci) collation on the column")
        hours = self.supplier.customer_directory_max_age_hours
        if directory and hours:  # the connector looks it up through `keyed`
            return (f"by {how} through orderexchange's directory of the shop's customers ({why}; "
                    f"{fix} would make it an index read): a send reads only the customers "
                    f"added since, and all of them every {hours:g} h")
        return (f"by {how}, which reads every row of {table} per supplier order ({why}; "
                f"{fix} would make it an index read)")

    def leads_index(self, table: str, column: str) -> bool:
        """Whether an index of the (prefixed) table starts with `column` (MySQL/MariaDB; read
        once per connector: step 1 asks per supplier order). SQLite: taken as indexed."""
        if self.db.dialect == "sqlite":
            return True
        known = self.__dict__.setdefault("_leads_index", {})
        if (table, column) not in known:
            known[(table, column)] = self.sql(
                "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME = :t AND COLUMN_NAME = :c AND SEQ_IN_INDEX = 1 LIMIT 1",
                t=table, c=column).first() is not None
        return bool(known[(table, column)])

    def directory_note(self, keys: str) -> str:
        """For `test db`: how customer matching by `keys` (no shop index serves them) reads
        the shop during a send — through the store's directory (`keyed`), or, switched off,
        every customer per supplier order."""
        hours = self.supplier.customer_directory_max_age_hours
        if not hours:
            return (f"{keys} read every customer of the shop per supplier order "
                    f"(customer_directory_max_age_hours = 0)")
        return (f"{keys} through orderexchange's directory of the shop's customers: a send "
                f"reads only the customers added since, and all of them every {hours:g} h")

    def keyed(self, name: str, keys: Iterable[str], table: str, id_column: str, columns: str,
              key_of: Callable[[Any], str], *, join: str = "") -> set[int] | None:
        """Customer matching by a key no shop index serves, through the store's directory of
        this shop's customer keys (`customer_keys`, orderexchange/store/key_directory.py): the
        ids of `table` (prefixed; `id_column` its integer primary key) whose key was one of
        `keys` when read — candidates only, which the caller re-reads by id with its exact
        comparison (an entry may be stale). The directory reads the rows above its watermark
        (a key range: bounded by the new rows, not by the shop's life) and the ids below it it
        watches (no row when read), all of them only when it is built or older than the
        supplier's `customer_directory_max_age_hours`.
        `columns` are selected (aliases `key_of` reads; `join` may add a table aliased apart
        from `t`, the table's own alias), `key_of(row)` is the row's key. None: no directory
        (no store, switched off, or the store would not take its update) — the caller reads
        the shop as before."""
        directory = self.customer_keys
        if directory is None:
            return None
        page = 10_000

        def read(after: int | None, ids: Sequence[int]) -> Iterator[tuple[str, int]]:
            for i in range(0, len(ids), 1_000):  # ids the directory watches (rows not seen)
                for r in self.sql(f"SELECT t.{id_column} AS id_, {columns} FROM {table} t"
                                  f"{join} WHERE t.{id_column} IN :ids",
                                  ids=list(ids[i:i + 1_000])):
                    yield key_of(r), int(r.id_)
            last = -1 if after is None else after
            while True:
                rows = self.sql(f"SELECT t.{id_column} AS id_, {columns} FROM {table} t{join} "
                                f"WHERE t.{id_column} > :after ORDER BY t.{id_column} "
                                f"LIMIT {page}", after=last).all()
                for r in rows:
                    yield key_of(r), int(r.id_)
                if len(rows) < page:
                    return
                last = int(rows[-1].id_)

        db = self.supplier.database
        where = sa.engine.make_url(db.url).render_as_string(hide_password=True) if db else ""
        # another server, database, table or column is another directory: its ids and
        # watermark would be another shop's
        kind = directory.kind(name, f"{where}|{table}.{id_column}|{columns}")
        def top() -> int:
            return int(self.sql(f"SELECT COALESCE(MAX({id_column}), 0) AS m FROM {table}")
                       .scalar() or 0)

        return directory.candidates(kind, keys, read, step=self.id_spacing(), top=top)

    def id_spacing(self) -> tuple[int, int]:
        """(auto_increment_increment, auto_increment_offset) of the shop's server, read once
        per connector: which ids a new row can get (1, 1 but in replication set-ups)."""
        if self.db.dialect not in ("mysql", "mariadb"):
            return 1, 1
        known = self.__dict__.setdefault("_leads_index", {})
        if "spacing" not in known:
            row = self.sql("SELECT @@auto_increment_increment AS i, "
                           "@@auto_increment_offset AS o").first()
            known["spacing"] = (max(1, int(row.i or 1)), max(1, int(row.o or 1)))
        return known["spacing"]

    def non_transactional(self, tables: Iterable[str]) -> list[str]:
        """Those of `tables` (prefixed) that ignore ROLLBACK. A table the user cannot see takes
        the engine of the visible ones when they all agree (a shop uses one engine), else it
        counts as non-transactional (the safe guess)."""
        live = self.tables(tables)
        seen = {i.transactional for i in live.values() if i.exists}
        guess = seen.pop() if len(seen) == 1 else False
        return [n for n, i in live.items() if not (i.transactional if i.exists else guess)]

    def insert(self, table: str, values: dict[str, Any], *, key: str | None = None,
               now: datetime | None = None, drop_unknown: bool = True) -> int | None:
        """Insert into a prefixed table name, filling every NOT NULL column; returns the
        auto-increment id. `key` names the primary-key column (for the trial-write journal)."""
        info = self.table(table)
        try:
            row, _filled = fit_row(info, values, now or datetime.now().replace(microsecond=0),
                                   drop_unknown=drop_unknown)
        except KeyError as exc:  # the shop's schema changed since step 1
            raise OXError("OX-DB-003", supplier=self.supplier.id, table=table,
                          detail=f"lacks {table}.{exc.args[0]}") from None
        new_id = insert_row(self.conn, table, row)
        if key is None:  # the auto-increment column, if the table has one
            key = next((c.name for c in info.columns.values() if c.auto_increment), None)
        if self._journal is not None and key is not None:
            column = info.column(key)
            given = row.get(column.name) if column is not None else None
            self._journal.append((table, column.name if column else key,
                                  given if given is not None else new_id))
        return new_id

    def insert_all(self, table: str, rows: Sequence[dict[str, Any]], *, key: str | None = None,
                   now: datetime | None = None) -> None:
        """The lines (or totals) of one order: one multi-row INSERT on MySQL/MariaDB — lines in
        batches, not row by row — else one INSERT each. `key` as for `insert` (the trial-write
        journal removes MyISAM rows by it)."""
        if not rows:
            return
        if self.db.dialect not in ("mysql", "mariadb"):
            for row in rows:
                self.insert(table, row, key=key, now=now)
            return
        self.insert_many(table, rows, key=key, now=now)

    def insert_many(self, table: str, rows: Sequence[dict[str, Any]], *,
                    key: str | None = None, now: datetime | None = None,
                    queued: Sequence[int] = ()) -> list[int]:
        """Insert rows into a prefixed table name with one multi-row INSERT (one per run of rows
        that give the auto-increment id or leave it to the server), every NOT NULL column
        filled as `insert` does; returns their auto-increment ids in row order (empty when the
        table has none). Only where `consecutive_ids` holds, i.e. MySQL/MariaDB with lock mode
        0 or 1. `queued`: the positions of rows naming queued rows (`_flush`), resolved in
        their fitted copies — the caller's rows stay as they are, without a copy of their own."""
        if not rows:
            return []
        info = self.table(table)
        fitted = fit_rows(info, rows, now or datetime.now().replace(microsecond=0))
        for i in queued:
            row = fitted[i]
            for k, v in row.items():
                if type(v) not in _PLAIN:
                    row[k] = self._resolved(v)
        given = key is not None and all(row.get(key) is not None for row in fitted)
        auto = next((c.name for c in info.columns.values() if c.auto_increment), None)
        ids: list[int] = []
        start = 0
        while start < len(fitted):  # one INSERT per run of rows that give the auto id or not
            end = start + 1
            while end < len(fitted) and (auto in fitted[end]) == (auto in fitted[start]):
                end += 1
            first = insert_rows(self.conn, table, fitted[start:end])
            if auto is not None and first is not None:
                ids += range(first, first + end - start)
            start = end
        if self._journal is not None:
            if given:  # ids we generated (OXID): remove by them
                self._journal += [(table, key, row[key]) for row in fitted]
            elif auto is not None:
                self._journal += [(table, auto, i) for i in ids]
        return ids

    def insert_numbered(self, table: str, rows: Sequence[dict[str, Any]], *, key: str,
                        now: datetime | None = None) -> list[int]:
        """Insert rows whose auto-increment ids the caller needs, in row order: one multi-row
        INSERT where the server numbers it consecutively (`consecutive_ids`, asked once per
        batch), else one INSERT per row."""
        if self._consecutive is None:
            self._consecutive = consecutive_ids(self.conn)
        if self._consecutive:
            return self.insert_many(table, rows, key=key, now=now)
        ids = [self.insert(table, row, key=key, now=now) for row in rows]
        assert all(i is not None for i in ids), f"{table} has no auto-increment id"
        return [int(i) for i in ids if i is not None]

    def write_locks(self, transfers: Iterable[Transfer], customer_kind: str | None) -> list[str]:
        """The named locks a write holds: each order's reference and, when new customers may be
        created (`customer_kind` names where they go), each customer's email — so two processes
        neither write one order twice nor create one customer twice."""
        database = self.database_name()
        locks = []
        for t in transfers:
            locks.append(lock_name(database, "reference", t.reference))
            if customer_kind is not None and self.supplier.customer_policy == "customer":
                locks.append(lock_name(database, customer_kind,
                                       t.customer_order.customer.email.strip().lower()))
        return locks

    #: the status of a half-written order (written hidden, its real status set last):
    #: `_by_reference` finds such an order, `find_by_references` does not
    hidden_status: Any = None

    def find_by_reference(self, reference: str) -> RemoteOrder | None:
        return self.find_by_references([reference]).get(reference)

    def find_by_references(self, references: list[str], floor: int | None = None
                           ) -> dict[str, RemoteOrder]:
        """Complete orders carrying these references (one look-up for all, above `floor`):
        those of `_by_reference` that are not in `hidden_status`."""
        return {ref: RemoteOrder(str(oid), str(cid))
                for ref, (oid, cid, status) in self._by_reference(references,
                                                                   floor=floor).items()
                if status != self.hidden_status}

    def _by_reference(self, references: list[str], end: bool = True,
                      floor: int | None = None) -> dict[str, Any]:
        """reference → (order id, customer id, status) of every order carrying it, half-written
        ones included, among the orders above `floor` where the connector has a key for it
        (`shop_floor`); `end=False` inside a write's transaction."""
        raise NotImplementedError

    def order_ids(self, transfers: Iterable[Transfer]) -> dict[str, int]:
        """reference → the shop's numeric order id of written orders: the id recorded on the
        transfer, else the one its reference is found under (one look-up for all unknown)."""
        transfers = list(transfers)
        ids = {t.reference: int(t.remote_order_id) for t in transfers
               if t.remote_order_id and t.remote_order_id.isdigit()}
        unknown = [t.reference for t in transfers if t.reference not in ids]
        if unknown:
            ids.update({r: int(o.order_id) for r, o in self.find_by_references(unknown).items()})
        return ids

    def checked_policy_account(self, out: Findings) -> tuple[dict[str, Any] | None, bool]:
        """Step 1's look at the account the customer policy books orders on (the connector's
        `_policy_account`): (account, True), or (None, False) with an OX-CHK-030 finding in
        `out` when the shop cannot take orders on it."""
        policy, account, problem = self._policy_account()
        if problem:
            setting = f"{policy}_customer_id"
            out.add("OX-CHK-030", None, setting=setting,
                    value=getattr(self.supplier, setting), detail=problem)
            return None, False
        return account, True

    def policy_error(self, policy: str, problem: str) -> OXError:
        """OX-CHK-030: the account the customer policy names (`<policy>_customer_id`) is
        unusable in the shop, for `problem`."""
        setting = f"{policy}_customer_id"
        return OXError("OX-CHK-030", supplier=self.supplier.id, setting=setting,
                       value=getattr(self.supplier, setting), detail=problem)

    def configured_group_id(self) -> int | None:
        """The customer group of new customers as configured: the connector's
        `customer_group_id`, else a numeric `customer_template.group`; None: the shop's own
        default (each connector knows where that is)."""
        chosen = getattr(self.settings, "customer_group_id", None)
        if chosen is not None:
            return int(chosen)
        group = self.supplier.customer_template.group
        if group is not None:
            try:
                return int(group)
            except ValueError:
                pass
        return None

    def currency_problems(self, have: Iterable[str], table: str) -> list[OXError]:
        """`test db`'s ids stage: OX-DB-009 for each of the supplier's `currencies` that the
        shop's currency table (`have`: its codes) lacks."""
        known = set(have)
        return [OXError("OX-DB-009", supplier=self.supplier.id, setting="currencies", value=code,
                        detail=f"not in {table}")
                for code in self.supplier.currencies if code not in known]

    def take_number(self, table: str, key_column: str, key: str, value_column: str,
                    seed: Callable[[], int] | None = None, count: int = 1) -> int:
        """The next number of a counter row (`next_counter`). During a trial write on a
        counter table without transactions it only peeks: the trial must not use up a number
        it cannot give back."""
        if self._journal is not None and not self.table(table).transactional:
            row = self.sql(f"SELECT {quote(self.conn, value_column)} FROM "
                           f"{quote(self.conn, table)} WHERE {quote(self.conn, key_column)} = :k",
                           k=key).first()
            return int(row[0] if row else (seed() if seed else 0)) + 1
        return next_counter(self.conn, table, key_column, key, value_column, seed=seed,
                            count=count)

    def take_order_number(self, table: str, key_column: str, key: str, value_column: str,
                          seed: Callable[[], int] | None = None) -> int:
        """`take_number` for a counter that numbers orders: in a chunk's write the numbers of
        all its orders are taken with one UPDATE (the counter row stays locked until the chunk
        commits and rolls back with it), and handed out in turn."""
        batch = self._batch
        if batch is None:
            return self.take_number(table, key_column, key, value_column, seed=seed)
        numbers = batch.extra.setdefault(("numbers", table, key), [])
        if not numbers:
            first = self.take_number(table, key_column, key, value_column, seed=seed,
                                     count=batch.size)
            numbers.extend(range(first + batch.size - 1, first - 1, -1))
        return numbers.pop()

    def missing_columns(self, required: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
        """(missing tables/columns, incompatible column types) for prefixed table names."""
        live = self.tables(required)
        missing, wrong = [], []
        for table, columns in required.items():
            info = live[table]
            if not info.exists:
                missing.append(table)
                continue
            for name, kind in columns.items():
                column = info.column(name)
                if column is None:
                    missing.append(f"{table}.{name}")
                elif not _compatible(kind, column):
                    wrong.append(f"{table}.{name} is {column.data_type}, expected {kind}")
        return missing, wrong

    # -- writing: one order, or a chunk in one transaction ----------------------------------
    def customer_lock(self) -> str | None:
        """The named-lock kind guarding the customers a write may create (`write_locks`);
        None when it creates none."""
        return "customer"

    def write(self, supplier_order: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        """One transaction (where the engine has them), under named locks on the reference and
        the customer's email: two processes sending at once neither write one order twice nor
        create one customer twice (the lock holds across MyISAM tables too)."""
        return self.in_transaction(lambda: self._write(supplier_order, transfer),
                                   self.write_locks([transfer], self.customer_lock()))

    def _write(self, so: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        """The connector's single-order write, inside the transaction `write` opened."""
        raise NotImplementedError

    def _written(self) -> list[str]:
        """The tables a write inserts into or updates."""
        raise NotImplementedError

    @property
    def batch_writes(self) -> bool:  # type: ignore[override]
        """Chunks go in one transaction when every written table is transactional (InnoDB):
        the COMMIT makes the whole chunk visible at once, and one commit (one log flush) per
        chunk instead of per order is most of what a send into a durable server costs. Tables
        without transactions (MyISAM) keep the visible-last single writes."""
        if self._batchable is None:
            try:
                self._batchable = not self.non_transactional(self._written())
            except (SQLAlchemyError, OXError):
                return False  # the link is down: one by one, and ask again next time
        return self._batchable

    def write_batch(self, supplier_order: SupplierOrder,
                    transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """The chunk in ONE transaction under the named locks of every reference and customer
        in it, each order written by the connector's own single-order `_write` (an order of the
        chunk sees the customers the earlier ones created). All or nothing: an order that fails
        rolls the chunk back and the dispatcher writes it again one by one, so the bad order
        fails alone."""
        def chunk() -> dict[str, RemoteOrder]:
            there = self._by_reference([t.reference for t in transfers], end=False,
                                       floor=look_up_floor(transfers))
            if there:  # written meanwhile, or half of it: the one-by-one path deals with each
                first = next(t for t in transfers if t.reference in there)
                raise OXError("OX-WRT-002", order=first.customer_order.number,
                              supplier=self.supplier.id, id=supplier_order.id,
                              detail="already in the shop, in part or whole; written one by one")
            return self._write_chunk(supplier_order, transfers)

        return self.in_transaction(chunk, self.write_locks(transfers, self.customer_lock()))

    def _write_chunk(self, so: SupplierOrder, transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """The chunk's orders, none of them in the shop yet, inside `write_batch`'s transaction:
        each by the connector's own `_write`, with its rows queued (`queue`, `queue_all`,
        `queue_numbered`) and inserted at the end with one multi-row INSERT per table. The
        customers are matched once for the whole chunk (`match_one`).

        Why: a statement per row and order was most of a send's time into a durable server
        (the floor with one multi-row INSERT per table and chunk is 4-10x faster than one
        INSERT per row). The COMMIT makes the chunk visible at once, so `_write` writes each
        order's real status directly (`queuing`), without the visible-last UPDATE a single
        write needs."""
        if self.db.dialect not in ("mysql", "mariadb"):  # multi-row INSERTs are MySQL's here
            return {t.reference: self._write(so, t) for t in transfers}
        batch = _Batch(datetime.now().replace(microsecond=0), len(transfers))
        batch.matches = self._match([t.customer_order for t in transfers])
        self._batch = batch
        try:
            out = {t.reference: self._write(so, t) for t in transfers}
            self._flush(batch)
        finally:
            self._batch = None
        pending = batch.pending

        def real(value: str | None) -> str | None:
            return str(pending[value]) if value is not None and value in pending else value

        return {ref: RemoteOrder(str(real(r.order_id)), real(r.customer_id), r.customer_created)
                for ref, r in out.items()}

    def _match(self, orders: list[CustomerOrder]) -> dict[str, Any]:
        """Order number → CustomerMatch of the shop's customers (the connector's)."""
        raise NotImplementedError

    @property
    def queuing(self) -> bool:
        """Inside a chunk's write (`_write_chunk`): rows are queued, the chunk was looked up
        as a whole (none of its references is in the shop) and its COMMIT shows all at once."""
        return self._batch is not None

    def match_one(self, co: CustomerOrder) -> Any:
        """The CustomerMatch of one order inside a write: in a chunk, from the chunk's one
        look-up, or the customer an earlier order of the chunk created (`created_customer`);
        else from the shop, now."""
        batch = self._batch
        if batch is None:
            return self._match([co])[co.number]
        email = co.customer.email.strip().lower()
        if email in batch.created:
            return CustomerMatch("email", batch.created[email])
        return batch.matches[co.number]

    def policy_account(self) -> tuple[str, dict[str, Any] | None, str | None]:
        """The connector's `_policy_account` — in a chunk's write read once for all its orders."""
        batch = self._batch
        if batch is None:
            return self._policy_account()
        if "policy_account" not in batch.extra:
            batch.extra["policy_account"] = self._policy_account()
        return batch.extra["policy_account"]

    def created_customer(self, co: CustomerOrder, customer_id: Any) -> None:
        """A write created the customer of `co`: a later order of the chunk with the same email
        is theirs (what a look-up in the shop would now find)."""
        if self._batch is not None:
            self._batch.created[co.customer.email.strip().lower()] = customer_id

    def queue(self, table: str, values: dict[str, Any], *, key: str | None = None,
              now: datetime | None = None, drop_unknown: bool = True) -> Any:
        """Insert one row into a prefixed table name: in a chunk, at its end with the others of
        the table (returns a PendingId where the table numbers its rows and the server numbers a
        multi-row INSERT consecutively, else the row is inserted now); else now (`insert`)."""
        batch = self._batch
        if batch is None:
            return self.insert(table, values, key=key, now=now, drop_unknown=drop_unknown)
        if not drop_unknown:
            info = self.table(table)
            keys = tuple(values)
            try:
                unknown = info.unknown[keys]
            except KeyError:
                unknown = info.unknown[keys] = next(
                    (k for k in keys if info.column(k) is None), None)
            if unknown is not None:  # the shop's schema changed since step 1
                raise OXError("OX-DB-003", supplier=self.supplier.id, table=table,
                              detail=f"lacks {table}.{unknown}")
        if table not in batch.auto:
            batch.auto[table] = next((c.name for c in self.table(table).columns.values()
                                      if c.auto_increment), None)
        auto = batch.auto[table]
        pending = None
        if auto is not None and values.get(auto) is None:
            if self._consecutive is None:
                self._consecutive = consecutive_ids(self.conn)
            if not self._consecutive:
                return self.insert(table, {k: self._resolved(v) for k, v in values.items()},
                                   key=key, now=now, drop_unknown=drop_unknown)
            pending = PendingId(len(batch.pending))
            batch.pending[pending.tag] = pending
        batch.rows.setdefault(table, []).append((values, pending))
        batch.keys.setdefault(table, key)
        return pending

    def queue_all(self, table: str, rows: Sequence[dict[str, Any]], *,
                  key: str | None = None, now: datetime | None = None) -> None:
        """Rows whose ids nobody needs (lines, totals, meta): in a chunk queued, else
        `insert_all`."""
        if self._batch is None:
            self.insert_all(table, rows, key=key, now=now)
            return
        for row in rows:
            self._batch.rows.setdefault(table, []).append((row, None))
        self._batch.keys.setdefault(table, key)

    def queue_numbered(self, table: str, rows: Sequence[dict[str, Any]], *, key: str,
                       now: datetime | None = None) -> list[Any]:
        """Rows whose ids the caller needs, in row order: in a chunk PendingIds (or real ids
        where the server does not number consecutively), else `insert_numbered`."""
        if self._batch is None:
            return self.insert_numbered(table, rows, key=key, now=now)
        return [self.queue(table, row, key=key, now=now) for row in rows]

    @staticmethod
    def _resolved(value: Any) -> Any:
        if isinstance(value, PendingId):
            if value.value is None:
                raise RuntimeError("a queued row refers to a row queued after it")
            return value.value
        return value

    def queue_update(self, table: str, key_column: str, key: Any, column: str,
                     value: Any) -> None:
        """SET `column` = `value` on the row whose `key_column` is `key`: in a chunk after its
        INSERTs (one UPDATE for all rows of the table and column: a row that must name a row
        queued after it, such as a customer's default address), else now."""
        batch = self._batch
        if batch is None:
            update_row(self.conn, table, {column: value}, {key_column: key})
            return
        batch.updates.setdefault((table, key_column, column), []).append((key, value))

    def _flush(self, batch: _Batch) -> None:
        """The chunk's queued rows: one multi-row INSERT per table (`insert_many`), each
        table once every row it names (a PendingId) has its id — parents
        before children, whatever order the orders queued them in; then the queued UPDATEs."""
        todo = dict(batch.rows)
        # per table the queued rows holding a value other than plain data (a PendingId, a
        # connector's own placeholder: `_resolved`'s), and the PendingIds they name. Why: asked
        # of every value of every table until each was in, this was a tenth of the writes' CPU
        odd = {t: [i for i, (row, _p) in enumerate(entries)
                   if not _PLAIN.issuperset(map(type, row.values()))]
               for t, entries in todo.items()}
        names = {t: [v for i in odd[t] for v in todo[t][i][0].values()
                     if isinstance(v, PendingId)] for t in todo}
        while todo:
            table = next((t for t in todo if all(p.value is not None for p in names[t])), None)
            if table is None:
                raise RuntimeError(f"queued rows of {', '.join(todo)} name each other")
            entries = todo.pop(table)
            ids = self.insert_many(table, [row for row, _p in entries],
                                   key=batch.keys.get(table), now=batch.now, queued=odd[table])
            if any(p is not None for _r, p in entries):
                assert len(ids) == len(entries), f"{table}: no ids for the queued rows"
                for (_row, p), new_id in zip(entries, ids, strict=True):
                    if p is not None:
                        p.value = new_id
        batch.rows.clear()
        raw = _pymysql_of(self.conn)
        for (table, key_column, column), pairs in batch.updates.items():
            q = functools.partial(quote, self.conn)
            cases = " ".join(["WHEN %s THEN %s"] * len(pairs))
            params = [self._resolved(x) for k, v in pairs for x in (k, v)]
            keys = [self._resolved(k) for k, _v in pairs]
            sql = (f"UPDATE {q(table)} SET {q(column)} = CASE {q(key_column)} {cases} END "
                   f"WHERE {q(key_column)} IN ({', '.join(['%s'] * len(keys))})")
            if raw is None:
                self.conn.exec_driver_sql(sql, tuple(params + keys))
            else:  # the literals written here (sql_literals), as PyMySQL would have
                self.conn.exec_driver_sql(sql % tuple(Literals(raw).column(params + keys)),
                                          execution_options=_NO_PARAMETERS)
        batch.updates.clear()

    # -- transactions ----------------------------------------------------------------------
    def in_transaction(self, fn: Callable[[], Any], locks: Iterable[str] = ()) -> Any:
        """Run `fn` in one transaction, holding named locks from before it begins until after
        it commits. Driver errors become OX-DB errors."""
        self.end_read()
        held: list[str] = []
        try:
            held = acquire_locks(self.conn, locks, self.supplier)
            with self.conn.begin():
                return fn()
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier) from None
        finally:
            if held:
                release_locks(self.conn, held)

    def trial(self, fn: Callable[[], Any]) -> tuple[Any, list[str], Exception | None]:
        """Run `fn` inside a transaction that is rolled back. Rows it inserted into tables that
        ignore ROLLBACK (MyISAM) are deleted by key afterwards — also when `fn` failed halfway.
        Returns (fn's result, rows that could not be removed, the error `fn` raised)."""
        self.end_read()
        self._journal = []
        result: Any = None
        error: Exception | None = None
        leftovers: list[str] = []
        try:
            tx = self.conn.begin()
            try:
                result = fn()
            except (OXError, SQLAlchemyError) as exc:
                error = exc
            finally:
                tx.rollback()
            journal, self._journal = self._journal, None
            for table, key, value in reversed(journal):
                if self.table(table).transactional or value is None:
                    continue
                try:
                    with self.conn.begin():
                        delete_rows(self.conn, table, {key: value})
                except SQLAlchemyError as exc:
                    leftovers.append(f"{table}.{key} = {value} ({coded(exc, self.supplier).message})")
            for table, key, value in journal:
                if value is None:
                    continue
                still = self.sql(f"SELECT COUNT(*) FROM {quote(self.conn, table)} "
                                 f"WHERE {quote(self.conn, key)} = :v", v=value).scalar_one()
                if still and not any(x.startswith(f"{table}.{key} = {value} ") for x in leftovers):
                    leftovers.append(f"{table}.{key} = {value}")
            self.end_read()
        finally:
            self._journal = None
        return result, leftovers, error

    def trial_stage(self, fn: Callable[[], Any], describe: Callable[[Any], str],
                    still_there: Callable[[], bool]) -> tuple[bool, str]:
        """The "trial write" stage: run `fn` as a trial, then prove nothing of it stayed (no
        leftover rows; `still_there()` — an order with the trial's reference — is False)."""
        result, leftovers, error = self.trial(fn)
        problems = []
        if error is not None:
            detail = error.message if isinstance(error, OXError) else \
                coded(error, self.supplier).message
            problems.append(OXError("OX-DB-008", supplier=self.supplier.id, detail=detail))
        if not leftovers and still_there():
            leftovers = ["the sample order (found by its reference)"]
        if leftovers:
            problems.append(OXError("OX-DB-011", supplier=self.supplier.id,
                                    rows=", ".join(leftovers)))
        if problems:
            return False, " | ".join(stage_text(p) for p in problems)
        return True, describe(result)

    def sample_trial(self, sku: str, country: str, currency: str, *,
                     who: Callable[[RemoteOrder], str] = lambda r: f"customer {r.customer_id}",
                     order_word: str = "order") -> tuple[bool, str]:
        """The "trial write" of the connectors that write through `_write` and find by
        `_by_reference`: a sample order for `sku` (its reference unique to the moment), written
        as a trial and proven gone; `who` names its customer in the stage's text."""
        reference = "OX-TRIAL-" + datetime.now().strftime("%H%M%S%f")
        so, transfer = sample_transfer(self.supplier.id, reference, sku, country, currency)

        def describe(remote: RemoteOrder) -> str:
            return (f"sample order for {sku} written as {order_word} {remote.order_id} "
                    f"({who(remote)}) and removed again: nothing stayed")

        write, find = self._write, self._by_reference  # type: ignore[attr-defined]
        try:
            return self.trial_stage(lambda: write(so, transfer), describe,
                                    lambda: bool(find([reference])))
        finally:
            self._ref_for = None

    # -- what a subclass provides ----------------------------------------------------------
    def required_columns(self) -> dict[str, dict[str, str]]:
        """Prefixed table → column → kind (int | number | text | datetime | date | any)."""
        return {}

    def needed_privileges(self) -> dict[str, set[str]]:
        """Prefixed table → privileges every statement the connector runs needs."""
        return {}

    def optional_tables(self) -> list[OptionalTable]:
        """Stock tables that turn a feature on (tracking, store settings); see OptionalTable."""
        return []

    def grant_groups(self) -> list[tuple[str, dict[str, set[str]]]]:
        """Everything `test db` asks the database user to have, in one round: ("", what
        sending needs) first, then one labelled group per optional feature. A connector that
        cannot tell its shop's variant (all tables hidden) adds the other variant's tables."""
        groups: list[tuple[str, dict[str, set[str]]]] = [("", self.needed_privileges())]
        for optional in self.optional_tables():
            groups.append((f"optional, for {optional.feature}",
                           {optional.table: set(optional.privileges)}))
        return groups

    def feature_warnings(self, when: str) -> list[OXError]:
        """OX-DB-015 for each optional table of the step `when` the user lacks a grant on
        (one SHOW GRANTS per connection). A table the shop simply does not have is no warning."""
        optional = [o for o in self.optional_tables() if o.when == when]
        if not optional or self.db.dialect == "sqlite":
            return []
        if self._grants is None:
            try:
                self._grants = read_grants(self.conn)
            except SQLAlchemyError:
                return []  # a warning must never block a send; a lost link is seen next step
            finally:
                self.end_read()
        database = self.database_name()
        out = []
        for o in optional:
            lacking = missing_privileges(self._grants, database, {o.table: set(o.privileges)})
            if lacking:
                out.append(self._feature_off(o, self._grants.user, lacking[o.table]))
        return out

    def _feature_off(self, optional: OptionalTable, user: str, lacking: list[str]) -> OXError:
        return OXError("OX-DB-015", supplier=self.supplier.id, feature=optional.feature,
                       user=user, privileges=", ".join(lacking), table=optional.table,
                       without=optional.without,
                       grant=grant_statement(user, self.database_name(), optional.table,
                                             lacking))

    def detect_variant(self) -> tuple[bool, str]:
        return True, "-"

    def extra_stages(self) -> list[tuple[str, bool, str]]:
        """Connector-specific stages run after the tables check (name, ok, detail)."""
        return []

    def reference_stage(self) -> tuple[bool, str]:
        """The configured status / group / language … ids exist in the shop."""
        return True, "-"

    def customer_stage(self) -> tuple[bool, str]:
        return True, "-"

    def trial_write(self) -> tuple[bool, str]:
        """Write a complete sample order inside `self.trial`; (ok, what happened)."""
        return True, "not available for this connector"

    # -- the self-test ----------------------------------------------------------------------
    def self_test(self) -> SelfTestReport:
        """`orderexchange test db`: every stage with its result; a failing stage names its
        error code and what fixes it. Stops after a stage the next ones depend on."""
        report = SelfTestReport(self.supplier.id)
        assert self.supplier.database is not None
        try:
            try:  # the SSH stages (when tunnelled) report themselves as they pass
                self.open(on_stage=lambda name, detail: report.add(name, True, detail))
            except OXError as err:
                report.add(STAGE_OF_CODE.get(err.code, "connect"), False, stage_text(err))
                if err.code == "OX-DB-014":  # logs in, may do nothing: say what to grant
                    self.db.open(without_database=True)
                    self._grant_stages(report)
                return report
            report.add("connect", True, self._connection_detail())
            tls = self._tls_stage()
            if tls is not None:
                report.add("TLS", *tls)
            report.server_version = self.db.server_version()
            report.add("server version", True, report.server_version)
            report.add("schema variant", *self.detect_variant())
            missing, wrong = self.missing_columns(self.required_columns())
            report.missing = missing
            if missing or wrong:
                invisible = self._ungranted(missing)
                problems = ([f"lacks {', '.join(missing)}"] if missing else []) + wrong
                if invisible:
                    problems.append(f"{', '.join(invisible)}: not visible to the database user, "
                                    f"who has no privilege on it (see the grants stage)")
                err = OXError("OX-DB-003", supplier=self.supplier.id,
                              table=(missing or wrong)[0].split(".")[0].split(" ")[0],
                              detail="; ".join(problems))
                report.add("tables and columns", False, stage_text(err))
                if invisible and not wrong and set(missing) <= set(invisible):
                    # the tables are there, only hidden: the GRANT is the fix to show
                    self._grant_stages(report)
                    report.add("trial write", False, "skipped: fix the stages above first")
                return report
            report.add("tables and columns", True, "all present, types compatible")
            for stage in self.extra_stages():
                report.add(*stage)
            report.add("storage engines", True, self._engine_detail())
            self._grant_stages(report)
            report.add("reference data", *self.reference_stage())
            report.add("customers", *self.customer_stage())
            if all(stage.ok for stage in report.stages):
                report.add("trial write", *self.trial_write())
            else:
                report.add("trial write", False, "skipped: fix the stages above first")
        except OXError as exc:
            report.add(exc.code, False, f"{exc.message} — {exc.solution}")
        except SQLAlchemyError as exc:
            err = coded(exc, self.supplier)
            report.add(err.code, False, f"{err.message} — {err.solution}")
        finally:
            self.close()
        return report

    def _ungranted(self, missing: list[str]) -> list[str]:
        """Missing tables on which the user has no privilege at all: information_schema hides
        them, so they may well exist."""
        tables = [m for m in missing if "." not in m]
        if not tables or self.db.dialect == "sqlite":
            return []
        grants = read_grants(self.conn)
        self.end_read()
        return [t for t in tables if not grants.on(self.database_name(), t)]

    def _connection_detail(self) -> str:
        assert self.supplier.database is not None
        return self.supplier.database.where()

    def _tls_stage(self) -> tuple[bool, str] | None:
        """How the session is encrypted, proved by the server (its Ssl_cipher), with the
        certificate's subject and expiry; a failure when TLS was asked for and is missing."""
        db = self.supplier.database
        assert db is not None
        if self.db.dialect == "sqlite":
            return None
        row = self.sql("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first()
        self.end_read()
        cipher = (row[1] if row else "") or ""
        mode = db.effective_tls
        if cipher:
            how = {"verify": f"certificate verified against {db.ca_file or 'the system CAs'}",
                   "required": 'certificate not verified (tls = "required")',
                   "preferred": "certificate not verified (tls unset: set tls = \"verify\" "
                                "with ca_file to check it)",
                   }.get(mode, "as the ssl_… URL parameters say")
            der = self.db.peer_certificate()
            return True, (f"encrypted ({cipher}), {how}"
                          + (f"; {certificate_summary(der)}" if der else ""))
        if db.ssh is not None:
            return True, "encrypted by the SSH tunnel (no TLS inside it)"
        if mode not in ("off", "preferred"):
            return False, stage_text(OXError("OX-DB-012", supplier=self.supplier.id,
                                             where=db.where()))
        why = 'tls = "off"' if mode == "off" else "tls unset and the server offers none"
        return True, (f"not encrypted ({why}): set tls = \"verify\" with ca_file, or reach "
                      "the database through an SSH tunnel")

    def _engine_detail(self) -> str:
        live = self.tables(self.required_columns())
        groups: dict[str, list[str]] = {}
        for name, info in live.items():
            groups.setdefault(info.engine or "unknown", []).append(name)
        parts = [f"{engine}: {', '.join(sorted(names))}" for engine, names in sorted(groups.items())]
        written = {t for t, privileges in self.needed_privileges().items()
                   if privileges & {"INSERT", "UPDATE"}}
        plain = [n for n, i in live.items() if not i.transactional and n in written]
        note = (" — no transactions on " + ", ".join(sorted(plain)) +
                ": orders are written so they show in the admin only at the last step"
                if plain else " — every order is one transaction")
        return "; ".join(parts) + note

    def _grant_stages(self, report: SelfTestReport) -> None:
        """The grants stage and, where the connector has optional tables, the optional
        features stage. Everything still missing — what sending needs and what the optional
        features need — goes into one GRANT list (`report.grants`): one round, not two."""
        if self.db.dialect == "sqlite":
            report.add("grants", True, "not applicable (SQLite)")
            return
        grants = read_grants(self.conn)
        self.end_read()
        self._grants = grants
        database = self.database_name()
        groups = [(label, missing_privileges(grants, database, needs))
                  for label, needs in self.grant_groups()]
        required = groups[0][1]
        optional = [(label, missing) for label, missing in groups[1:] if missing]
        report.grants = grant_lines(grants.user, database, groups)
        texts = [stage_text(OXError("OX-DB-007", supplier=self.supplier.id, user=grants.user,
                                    privileges=", ".join(p), table=t,
                                    grant=grant_statement(grants.user, database, t, p)))
                 for t, p in sorted(required.items())]
        texts += [f"{label}: " + " ".join(grant_statement(grants.user, database, t, p)
                                          for t, p in sorted(missing.items()))
                  for label, missing in optional]
        if required:
            report.add("grants", False, " | ".join(texts))
        elif optional:
            report.add("grants", True, f"{grants.user} has every privilege sending needs; not "
                                       f"yet granted: " + " | ".join(texts), warning=True)
        else:
            report.add("grants", True, f"{grants.user} has every privilege needed")
        if self.optional_tables():
            report.add("optional features", *self._feature_stage(grants))

    def _feature_stage(self, grants: Grants) -> tuple[bool, str, bool]:
        """(ok, detail, warning): each optional feature on, or off and why."""
        parts, off = [], False
        database = self.database_name()
        for o in self.optional_tables():
            lacking = missing_privileges(grants, database, {o.table: set(o.privileges)})
            if lacking:
                err = self._feature_off(o, grants.user, lacking[o.table])
                parts.append(f"{o.feature}: OFF — {err.code}: {err.message}")
                off = True
            elif not self.table(o.table).exists:
                parts.append(f"{o.feature}: off — the shop has no table {o.table}; {o.without}")
                off = True
            else:
                parts.append(f"{o.feature}: on")
        return True, "; ".join(parts), off

    def setup_grants(self) -> tuple[str, list[str], str]:
        """(account, GRANT statements, where they come from) for `supplier-setup`: the least
        privileges this connector needs, from the live schema when the shop answers (DELETE
        only on tables without transactions), else from the connector's tables alone, taken
        as non-transactional (the safe side)."""
        db = self.supplier.database
        assert db is not None
        try:
            self.open()
        except OXError as err:
            self._schema_unknown = True
            source = (f"the shop could not be reached ({err.code}): DELETE is included for "
                      "tables that may lack transactions; run again once it answers")
            account = setup_account(db)
        else:
            grants = read_grants(self.conn)
            self.end_read()
            account, source = grants.user, "read from the shop's live schema"
        try:
            groups = self.grant_groups()  # the optional tables' grants too, labelled
        finally:
            self.close()
            self._schema_unknown = False
        return account, grant_lines(account, self.database_name(),
                                    [(label, {t: sorted(p) for t, p in needed.items()})
                                     for label, needed in groups]), source

    def grant_fixes(self) -> list[str]:
        """The GRANT statements that would give the connected user what it lacks (open first):
        required and optional, in one list (see `grant_lines`)."""
        grants = read_grants(self.conn)
        self.end_read()
        database = self.database_name()
        return grant_lines(grants.user, database,
                           [(label, missing_privileges(grants, database, needs))
                            for label, needs in self.grant_groups()])


def stage_text(err: OXError) -> str:
    """How a failed self-test stage reads: its code, the message and the fix."""
    return f"{err.code}: {err.message} — {err.solution}"


def _compatible(kind: str, column: ColumnInfo) -> bool:
    if kind == "any":
        return True
    if kind == "number":
        return column.kind in ("int", "number")
    if kind == "datetime":
        return column.kind in ("datetime", "date")
    if kind == "text":
        return column.kind in ("text",)
    return column.kind == kind


# --- step 1 rules and order arithmetic shared by the SQL shop connectors ----------------------


@dataclass
class CustomerMatch:
    """Who the customer of one order is in the shop, and by which key (a MATCH_KEYS value)."""

    key: str
    customer_id: Any = None  # None: a new customer will be created
    #: two shop customers matched: (first id, first key, second id, second key)
    conflict: tuple[Any, str, Any, str] | None = None
    #: matched by email, but the account is in another name (a family sharing one email):
    #: the account's name, for step 1's warning (OX-CHK-041)
    other_name: str | None = None


def match_by_email(orders: Iterable[CustomerOrder], rows: Iterable[tuple[Any, ...]]
                   ) -> dict[str, CustomerMatch]:
    """Order number → match, from (customer id, email[, first name, last name]) rows the shop
    returned for the orders' emails (compared case-insensitively). Two accounts with one email
    make the match ambiguous: step 1 stops rather than guess. One email is one shop login, so
    an account in another name is still the match — with the name, for a warning."""
    by_email: dict[str, list[Any]] = {}
    names: dict[Any, tuple[str, str]] = {}
    for cid, email, *name in rows:
        ids = by_email.setdefault((email or "").strip().lower(), [])
        if cid not in ids:
            ids.append(cid)
        if name:
            names[cid] = (name[0] or "", name[1] or "")
    out = {}
    for co in orders:
        ids = by_email.get(co.customer.email.strip().lower(), [])
        if not ids:
            out[co.number] = CustomerMatch("new")
        elif len(ids) == 1:
            out[co.number] = CustomerMatch("email", ids[0],
                                           other_name=other_name(co, names.get(ids[0])))
        else:
            out[co.number] = CustomerMatch("email", ids[0], (ids[0], "email", ids[1], "email"))
    return out


def other_name(co: CustomerOrder, account: tuple[str, str] | None) -> str | None:
    """The account's name when it is not the order's customer's (case and spaces aside)."""
    if account is None:
        return None
    mine = (co.customer.first_name.strip().casefold(), co.customer.last_name.strip().casefold())
    if (account[0].strip().casefold(), account[1].strip().casefold()) == mine:
        return None
    return f"{account[0]} {account[1]}".strip()


@dataclass
class Product:
    """A product of the supplier's shop, found by its SKU (model / article number)."""

    id: Any
    sku: str
    active: bool
    name: str = ""
    stock: Decimal = Decimal("0")
    price: Decimal = Decimal("0")
    extra: dict[str, Any] = field(default_factory=dict)


class Findings:
    """Collects step-1 findings for one supplier order."""

    def __init__(self, supplier: SupplierConfig) -> None:
        self.supplier = supplier
        self.items: list[Finding] = []

    def add(self, code: str, order: str | None, severity: str = "error", **facts: Any) -> None:
        err = OXError(code, order=order or "-", supplier=self.supplier.id, **facts)
        self.items.append(Finding.from_error(err, severity=severity, order=order))

    def lines(self, so: SupplierOrder, products: dict[str, Product], *,
              whole_quantities: bool) -> None:
        """Product exists and is active, quantity fits the shop, stock, purchase price."""
        needed: dict[str, Decimal] = {}
        for t in so.transfers:
            n = t.customer_order.number
            for sl in t.lines:
                found = products.get(sl.supplier_sku)
                if found is None or not found.active:
                    self.add("OX-CHK-006", n, line=sl.line.line_no, sku=sl.supplier_sku)
                    continue
                quantity = Decimal(sl.line.quantity)
                if whole_quantities and quantity != quantity.to_integral_value():
                    self.add("OX-CHK-031", n, line=sl.line.line_no, value=sl.line.quantity,
                             unit=sl.line.unit)
                needed[sl.supplier_sku] = needed.get(sl.supplier_sku, Decimal("0")) + quantity
                if self.supplier.check_stock and needed[sl.supplier_sku] > found.stock:
                    self.add("OX-CHK-023", n, line=sl.line.line_no, sku=sl.supplier_sku,
                             needed=_plain_number(needed[sl.supplier_sku]),
                             stock=_plain_number(found.stock))
                tolerance = self.supplier.price_tolerance
                if tolerance is not None and found.price:
                    deviation = abs(sl.purchase_price - found.price) / found.price * 100
                    if deviation > tolerance:
                        self.add("OX-CHK-024", n, self.supplier.price_mismatch,
                                 line=sl.line.line_no, sku=sl.supplier_sku,
                                 price=f"{sl.purchase_price:.2f}",
                                 shop_price=f"{found.price:.2f}", deviation=f"{deviation:.1f}",
                                 tolerance=f"{tolerance}")

    def places(self, so: SupplierOrder, countries: Iterable[str], currencies: Iterable[str] | None
               ) -> None:
        """Every address's country and (unless `currencies` is None) the currency are known."""
        countries = set(countries)
        for t in so.transfers:
            co = t.customer_order
            if currencies is not None and co.currency not in set(currencies):
                self.add("OX-CHK-010", co.number, value=co.currency)
            for kind, addr in (("billing", co.billing), ("delivery", co.delivery)):
                if addr.country not in countries:
                    self.add("OX-CHK-004", co.number, field=kind, value=addr.country)

    def matches(self, so: SupplierOrder, matches: dict[str, CustomerMatch]) -> None:
        """Record the planned customer match on each pending transfer; ambiguity blocks."""
        for t in so.transfers:
            match = matches.get(t.customer_order.number)
            if match is None or t.state == TransferState.WRITTEN:
                continue
            t.customer_match = match.key
            if match.other_name:
                co = t.customer_order
                self.add("OX-CHK-041", co.number, "warning", customer_id=match.customer_id,
                         email=co.customer.email, account=match.other_name,
                         name=f"{co.customer.first_name} {co.customer.last_name}")
            if match.conflict:
                first_id, first_key, second_id, second_key = match.conflict
                self.add("OX-CHK-029", t.customer_order.number, first_id=first_id,
                         first_key=first_key, second_id=second_id, second_key=second_key)

    def already_written(self, so: SupplierOrder, found: dict[str, RemoteOrder]) -> None:
        for t in so.transfers:
            if t.reference in found:
                self.add("OX-CHK-028", t.customer_order.number, "warning",
                         remote=found[t.reference].order_id, reference=t.reference)

    def lengths(self, order: str, table: TableInfo, values: dict[str, Any]) -> None:
        """A text value longer than its live column: the shop would cut it (lax mode) or refuse
        the insert (strict mode) — either way step 1 stops it."""
        for column, length, limit in too_long(table, values):
            self.add("OX-CHK-007", order, field=f"{table.name}.{column}", length=length,
                     limit=limit)


def _plain_number(value: Decimal) -> int | Decimal:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


