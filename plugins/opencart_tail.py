"""One MyISAM OpenCart order — its hidden `order` row, lines, totals, history and the UPDATE that
makes it visible — sent to the server in ONE round trip (a multi-statement query), in that order;
the order's id travels in the connection's variable `@ox_order_id` (`Tail.insert_id`).

Why: OpenCart 3 ships MyISAM tables, so each order is written alone and visible last (a crash
leaves whole orders and at most one hidden one, which the next write completes). Its five
statements were five round trips, and a round trip (the server woken, the answer awaited) was
most of what an order cost against bench/connectors.py's floor.
The server runs the statements of one query one after the other and stops at the first that
fails; whatever a crash or a refusal cuts off is a suffix, so the UPDATE that shows the order
always comes after everything else of it, exactly as with separate statements. For the same
reason several orders' tails go as one query (`Batch`): the round trip per order was then still
most of an order's wait.

Multi-statements are switched on for the connection only while a chunk is written (`enabled`,
COM_SET_OPTION) and off again after: every other query of the connection stays a single
statement. Only with PyMySQL (the supported driver); `Tail.run` raises the driver's error, which
the caller maps like any other (`shop_sql.coded`).
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pymysql
from pymysql.constants import COMMAND, CR, SERVER_STATUS
from sqlalchemy.engine import Connection

from .sql_literals import Literals

#: COM_SET_OPTION and its two options (MySQL client/server protocol)
_COM_SET_OPTION = 0x1B
_MULTI_STATEMENTS_ON, _MULTI_STATEMENTS_OFF = 0, 1


def _raw(conn: Connection) -> Any:
    """The PyMySQL connection under `conn`, or None (another driver: no tail)."""
    if conn.dialect.name not in ("mysql", "mariadb") or conn.dialect.driver != "pymysql":
        return None
    raw = conn.connection.dbapi_connection
    return raw if hasattr(raw, "_execute_command") and hasattr(raw, "_read_packet") else None


def _set_multi_statements(raw: Any, on: bool) -> None:
    raw._execute_command(_COM_SET_OPTION, struct.pack(
        "<H", _MULTI_STATEMENTS_ON if on else _MULTI_STATEMENTS_OFF))
    raw._read_packet()  # EOF (or OK); an error packet raises


@contextmanager
def enabled(conn: Connection) -> Iterator[bool]:
    """Multi-statement queries allowed on `conn` inside the block; yields whether they are (False
    with another driver: the caller writes statement by statement). Switched off again on the
    way out unless the connection died meanwhile."""
    raw = _raw(conn)
    if raw is None:
        yield False
        return
    _set_multi_statements(raw, True)
    try:
        yield True
    finally:
        if raw.open:
            _set_multi_statements(raw, False)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class Var:
    """A user variable of the connection standing where a value would: written into the query
    text (`@ox_order_id`), not sent as a parameter. Why: the order's id is known to the server
    only once its INSERT ran, and the lines, totals, history and status UPDATE that name it are in
    the same query (`Tail.insert_id`)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not re.fullmatch(r"@ox_[a-z_]+", name):
            raise ValueError(f"not a variable name of ours: {name!r}")
        self.name = name

    def __repr__(self) -> str:
        return f"Var({self.name!r})"


#: the id of the order a tail inserts (`Tail.insert_id`)
ORDER_ID = Var("@ox_order_id")


def _slot(value: Any) -> str:
    return value.name if type(value) is Var else "%s"


@functools.lru_cache(maxsize=512)
def _insert_text(table: str, columns: tuple[str, ...],
                 slots: tuple[tuple[str, ...] | None, ...]) -> str:
    """`slots`: per row its placeholders, None for a row of plain values (all `%s`)."""
    plain = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in columns)}) VALUES "
            + ", ".join(plain if row is None else "(" + ", ".join(row) + ")" for row in slots))


@functools.lru_cache(maxsize=128)
def _update_text(table: str, columns: tuple[str, ...], where: tuple[str, ...],
                 slots: tuple[str, ...]) -> str:
    sets = [f"{_q(c)} = {s}" for c, s in zip(columns, slots)]
    conds = [f"{_q(c)} = {s}" for c, s in zip(where, slots[len(columns):])]
    return f"UPDATE {_q(table)} SET {', '.join(sets)} WHERE {' AND '.join(conds)}"


def literals(raw: Any, params: list[Any]) -> tuple[str, ...]:
    """The SQL literals of `params`, what PyMySQL's `Connection.escape` makes of each — written by
    sql_literals.Literals: the text values escaped in ONE pass over them joined, ints, finite
    Decimals and None as PyMySQL's encoders write them, anything else (datetime, bytes, bool,
    float, a NaN Decimal) by `raw.escape`, an equal datetime once per call.
    Why: value by value (a call of PyMySQL's `escape_string` per text) this was a third of a
    MyISAM chunk's CPU (~100 values per order, ~50 of them text); an order's texts are now one
    escape pass."""
    lits = Literals(raw)
    texts = iter(lits.strings([v for v in params if type(v) is str]))
    one = lits.one
    out: list[str] = []
    add = out.append
    for v in params:
        t = type(v)
        if t is str:
            add(next(texts))
        elif t is int:
            add(str(v))
        elif t is Decimal and v.is_finite():
            add(format(v, "f"))
        elif v is None:
            add("NULL")
        else:
            add(one(v))
    return tuple(out)


class Tail:
    """Statements collected for one order, run by `run` as one query in the order added."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.params: list[Any] = []
        #: the statement whose auto-increment id `run` returns (`insert_id`)
        self.id_at: int | None = None

    def __bool__(self) -> bool:
        return bool(self.statements)

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """One multi-row INSERT of rows (already fitted: `fit_row`); rows naming different
        columns go as one INSERT per run of equal column sets."""
        start = 0
        while start < len(rows):
            columns = tuple(rows[start])
            end = start + 1
            while end < len(rows) and tuple(rows[end]) == columns:
                end += 1
            slots = []
            for row in rows[start:end]:
                values = list(row.values())  # fitted rows: their keys are `columns`, in order
                if Var in set(map(type, values)):  # (an order's id in its lines, totals …)
                    at = [i for i, kind in enumerate(map(type, values)) if kind is Var]
                    slot = ["%s"] * len(values)
                    for i in reversed(at):
                        slot[i] = values.pop(i).name
                    slots.append(tuple(slot))
                else:
                    slots.append(None)
                self.params += values
            self.statements.append(_insert_text(table, columns, tuple(slots)))
            start = end

    def insert_id(self, table: str, row: dict[str, Any], var: Var) -> Var:
        """INSERT one row and keep its auto-increment id in `var` for the statements after it
        (`SET var = LAST_INSERT_ID()`); `run` returns that id."""
        self.id_at = len(self.statements)
        self.insert(table, [row])
        self.statements.append(f"SET {var.name} = LAST_INSERT_ID()")
        return var

    def update(self, table: str, values: dict[str, Any], where: dict[str, Any]) -> None:
        given = [*values.values(), *where.values()]
        self.statements.append(_update_text(table, tuple(values), tuple(where),
                                            tuple(_slot(v) for v in given)))
        self.params += [v for v in given if type(v) is not Var]

    def deferred(self, conn: Connection) -> Any:
        """A stand-in for `conn` to one_row's `update_row`: the UPDATE joins this tail instead
        of running now (a new customer's default address: one round trip fewer per new
        customer). The function is still called where it was, so what happens at that moment
        (a test's kill) happens there."""
        return _Deferred(self, conn)

    def text(self, raw: Any) -> str:
        """The statements as one query text, their values escaped here (`literals`), so PyMySQL
        sends the text as it is; the tail is empty afterwards."""
        text = ";\n".join(self.statements) % literals(raw, self.params)
        self.statements, self.params = [], []
        return text

    def run(self, conn: Connection) -> int | None:
        """Every statement in one round trip, each result read (an error raises at the statement
        that failed; the server ran the ones before it and none after). Returns the id the
        `insert_id` statement got, else None."""
        if not self.statements:
            return None
        id_at, self.id_at = self.id_at, None
        new_id = None
        for at, row_id in enumerate(_results(conn, self.text(conn.connection.dbapi_connection))):
            if at == id_at:
                new_id = row_id
        return new_id


def _results(conn: Connection, text: str) -> Iterator[int]:
    """Runs a multi-statement query and yields each statement's auto-increment id (0 for a
    statement without one) as its result arrives: an error raises at the statement that failed,
    after the results of the ones before it.

    Each result is read as the OK packet it is (every statement of a tail is an INSERT, SET or
    UPDATE): its insert id and the server's status, which PyMySQL keeps on the connection as its
    own reading does (`server_status`: NO_BACKSLASH_ESCAPES for `literals`, more results to
    come). Why not a cursor and `nextset`: PyMySQL's result objects and packet wrappers around
    each OK packet were a fifth of a MyISAM chunk's CPU (six results per order). An error packet
    raises in `_read_packet` (the driver's own exception); anything but an OK packet is refused.
    Results left unread when the caller stops early are drained, as a cursor's `close` did."""
    raw = conn.connection.dbapi_connection
    raw._execute_command(COMMAND.COM_QUERY, text)
    more = True
    try:
        while more:
            more = False  # an error packet raises here, and the server stops the query there
            row_id, more = _ok(raw, raw._read_packet().get_all_data())
            yield row_id
    finally:
        if more and raw.open:  # the caller stopped early: the rest is read, as `close` did
            try:
                while more:
                    more = False
                    _row_id, more = _ok(raw, raw._read_packet().get_all_data())
            except Exception:  # noqa: BLE001 - an error or a lost connection: it ends the query
                pass


def _ok(raw: Any, data: bytes) -> tuple[int, bool]:
    """(insert id, more results follow) of an OK packet; the server's status kept on `raw`.
    Anything else (a result set) closes the connection: the rest of its answer could not be
    told from the next query's."""
    if data[0] != 0 or len(data) < 7:
        raw.close()
        raise pymysql.err.OperationalError(
            CR.CR_COMMANDS_OUT_OF_SYNC, "a statement of a tail answered with a result set")
    _affected, at = _length_coded(data, 1)
    row_id, at = _length_coded(data, at)
    raw.server_status = status = data[at] | data[at + 1] << 8
    return row_id, bool(status & SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS)


def _length_coded(data: bytes, at: int) -> tuple[int, int]:
    """The length-encoded integer at `at` in an OK packet and the position after it (MySQL
    client/server protocol)."""
    first = data[at]
    if first < 0xFB:
        return first, at + 1
    size = {0xFC: 2, 0xFD: 3, 0xFE: 8}[first]
    return int.from_bytes(data[at + 1:at + 1 + size], "little"), at + 1 + size


@dataclass
class Waiting:
    """An order whose tail waits in a `Batch`: what the caller needs once it has run."""

    #: the caller's own record of the order (opencart.py: the transfer and its RemoteOrder)
    key: Any
    text: str
    statements: int
    #: the statement whose auto-increment id is the order's id (`Tail.insert_id`), or None
    id_at: int | None


class Batch:
    """Several orders' tails sent as ONE multi-statement query, each order's statements whole
    and in its own order (hidden row first, the status UPDATE that shows it last).

    Why: a MyISAM chunk's round trip per order — the client waiting for the server, the server
    woken for each query — was most of what an order cost against bench/connectors.py's floor.
    The server runs a query's statements one after the other and stops at the first that fails,
    so what a refusal or a crash cuts off is a suffix of the batch: the orders whose every
    result arrived are whole and visible, the one at the cut is at most half-written and hidden
    (the next write of it completes it), the ones after it were never run. `run` tells the
    caller which is which, counting results per order."""

    def __init__(self, limit: int) -> None:
        #: characters of query text after which the batch is `full`
        self.limit = limit
        self.waiting: list[Waiting] = []
        self.size = 0

    def __bool__(self) -> bool:
        return bool(self.waiting)

    def add(self, conn: Connection, key: Any, tail: Tail) -> None:
        """The order's tail joins the batch (and is empty afterwards)."""
        statements, id_at = len(tail.statements), tail.id_at
        tail.id_at = None
        text = tail.text(conn.connection.dbapi_connection)
        self.waiting.append(Waiting(key, text, statements, id_at))
        self.size += len(text)

    def full(self) -> bool:
        return self.size >= self.limit

    def run(self, conn: Connection
            ) -> tuple[list[tuple[Any, int | None]], list[Any], pymysql.err.Error | None]:
        """Sends the waiting orders; returns (key, id of its `insert_id` row or None) of every
        order all of whose statements ran, the keys of the orders that did not (the first of
        them the one an error cut, when there is an error), and that error. The batch is empty
        afterwards."""
        waiting, self.waiting, self.size = self.waiting, [], 0
        done: list[tuple[Any, int | None]] = []
        if not waiting:
            return done, [], None
        at, new_id = 0, None
        try:
            for row_id in _results(conn, ";\n".join(w.text for w in waiting)):
                order = waiting[len(done)]
                if at == order.id_at:
                    new_id = row_id
                at += 1
                if at == order.statements:
                    done.append((order.key, new_id))
                    at, new_id = 0, None
        except pymysql.err.Error as exc:
            return done, [w.key for w in waiting[len(done):]], exc
        return done, [], None


class _Matched:
    rowcount = 1  # update_row's callers here do not look at it; the row is the one just written


class _Deferred:
    """What one_row.update_row needs of a connection (its dialect, `exec_driver_sql`), adding the
    statement to a tail."""

    def __init__(self, tail: Tail, conn: Connection) -> None:
        self.tail = tail
        self.dialect = conn.dialect

    def exec_driver_sql(self, sql: str, params: tuple[Any, ...]) -> _Matched:
        self.tail.statements.append(sql)
        self.tail.params += list(params)
        return _Matched()
