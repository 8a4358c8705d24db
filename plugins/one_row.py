"""One-row INSERT, UPDATE and DELETE statements at the driver's own cost.

Why: a write that cannot use multi-row INSERTs (OpenCart 3 on MyISAM writes each order alone,
visible last) runs a handful of one-row statements per order. Through SQLAlchemy's `text()`
each one is parsed for `:name` parameters, compiled and cached per call — measured on the bench
server at ~0.47 ms per INSERT against ~0.09 ms for the same INSERT through the driver
(bench/profile_send.py). Here the SQL text is built once per table and column set, with the
driver's own `%s` placeholders, and run with `exec_driver_sql`: SQLAlchemy still sees the
statement (its transaction, its error wrapping), only the compilation is gone.

MySQL/MariaDB only (PyMySQL's placeholders); another dialect gets shop_sql's `text()` versions,
so callers need not ask. The functions have shop_sql's signatures: a test that patches the
connector module's `update_row` to crash a write half-way keeps working.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.engine import Connection

from . import shop_sql


def _driver_sql(conn: Connection) -> bool:
    return conn.dialect.name in ("mysql", "mariadb")


@functools.lru_cache(maxsize=512)
def _insert_text(table: str, columns: tuple[str, ...], quote_char: str) -> str:
    def q(name: str) -> str:
        return quote_char + name.replace(quote_char, quote_char * 2) + quote_char
    return (f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})")


@functools.lru_cache(maxsize=512)
def _update_text(table: str, columns: tuple[str, ...], where: tuple[str, ...],
                 quote_char: str) -> str:
    def q(name: str) -> str:
        return quote_char + name.replace(quote_char, quote_char * 2) + quote_char
    return (f"UPDATE {q(table)} SET {', '.join(f'{q(c)} = %s' for c in columns)} "
            f"WHERE {' AND '.join(f'{q(c)} = %s' for c in where)}")


@functools.lru_cache(maxsize=512)
def _delete_text(table: str, where: tuple[str, ...], quote_char: str) -> str:
    def q(name: str) -> str:
        return quote_char + name.replace(quote_char, quote_char * 2) + quote_char
    return f"DELETE FROM {q(table)} WHERE {' AND '.join(f'{q(c)} = %s' for c in where)}"


def _quote_char(conn: Connection) -> str:
    return conn.dialect.identifier_preparer.initial_quote


def insert_row(conn: Connection, table: str, row: dict[str, Any]) -> int | None:
    """INSERT one row; the auto-increment id, if any (shop_sql.insert_row's contract)."""
    if not _driver_sql(conn):
        return shop_sql.insert_row(conn, table, row)
    result = conn.exec_driver_sql(_insert_text(table, tuple(row), _quote_char(conn)),
                                  tuple(row.values()))
    lastrowid = getattr(result, "lastrowid", None)
    return int(lastrowid) if lastrowid else None


def update_row(conn: Connection, table: str, values: dict[str, Any],
               where: dict[str, Any]) -> int:
    """UPDATE table SET values WHERE every `where` column equals its value; rows matched."""
    if not _driver_sql(conn):
        return shop_sql.update_row(conn, table, values, where)
    sql = _update_text(table, tuple(values), tuple(where), _quote_char(conn))
    return conn.exec_driver_sql(sql, (*values.values(), *where.values())).rowcount


def delete_rows(conn: Connection, table: str, where: dict[str, Any]) -> int:
    """DELETE the rows whose `where` columns all equal their values; rows deleted."""
    if not _driver_sql(conn):
        return shop_sql.delete_rows(conn, table, where)
    return conn.exec_driver_sql(_delete_text(table, tuple(where), _quote_char(conn)),
                                tuple(where.values())).rowcount
