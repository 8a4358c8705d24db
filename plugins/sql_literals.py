"""The VALUES text of a multi-row INSERT, its values written as SQL literals here, a column at a
time, exactly as PyMySQL's `Connection.escape` writes each — so the driver sends the text as it
is instead of escaping value by value.

Why: a chunk of 100 orders is ~10,000 values, and PyMySQL's per-value layers (`_mogrify` →
`Connection.escape` → `escape_item` → the encoder, `_escape_string` → `str.translate`) were
half of the shop writes' CPU (osCommerce: ~191,000 calls, 0.44 s of 0.83 s for 1,857 orders).
Here a column whose values are all `str` is escaped in one pass over the column joined (the same
replacements as PyMySQL's `escape_string` table, or only `'` → `''` where the server has
NO_BACKSLASH_ESCAPES on, as PyMySQL asks `server_status`); ints, finite Decimals and None are
written as PyMySQL's encoders write them; any other value (datetime, date, bytes, bool, float,
a str subclass …) goes to the connection's own `escape`. tests/test_sql_literals_mariadb.py
compares the text with PyMySQL's and round-trips hostile strings through MariaDB.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymysql import converters
from pymysql.constants import SERVER_STATUS

#: a column a row does not give: the keyword DEFAULT (shop_sql.insert_rows)
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()

#: joins a column's strings for one escape pass; a column holding it is escaped value by value
_SEP = "\x1f"

#: PyMySQL's escape table (converters.escape_string) as replacements, backslash first: a later
#: replacement's backslash must not be doubled again (the same text as the table's one pass)
_BACKSLASH_REPLACEMENTS = (("\\", "\\\\"), ("\0", "\\0"), ("\n", "\\n"), ("\r", "\\r"),
                           ("\x1a", "\\Z"), ('"', '\\"'), ("'", "\\'"))

_NONE = type(None)


def escape_backslash(text: str) -> str:
    """converters.escape_string(text) (tests/test_sql_literals_mariadb.py compares them on
    every character it escapes and on random text)."""
    for old, new in _BACKSLASH_REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text


def escape_quotes(text: str) -> str:
    """What PyMySQL writes with NO_BACKSLASH_ESCAPES on: only `'` doubled."""
    return text.replace("'", "''")


def usable(raw: Any) -> bool:
    """Whether `raw` is a PyMySQL connection whose encoders are PyMySQL's own (the ones this
    module writes as): else the caller lets the driver escape."""
    encoders = getattr(raw, "encoders", None)
    return (hasattr(raw, "server_status") and encoders is not None
            and encoders.get(int) is converters.escape_int
            and encoders.get(_NONE) is converters.escape_None
            and encoders.get(Decimal) is converters.Decimal2Literal)


def _key(value: Any, kind: type) -> Any:
    """What a literal of the connection's `escape` is kept by for one statement: a date or a
    naive datetime by its value — equal ones are the same text, and each order of a chunk
    brings its own `now` object (an OXID or generic SQL chunk: ~200 per table, each formatted
    by PyMySQL before); any other value by its identity (the values live as long as the
    statement's rows; an aware datetime's text is its wall time, which equal instants in two
    zones do not share)."""
    if kind is date or (kind is datetime and value.tzinfo is None):
        return value
    return id(value)


class Literals:
    """SQL literals for one PyMySQL connection, as its `escape` writes them; the server's
    NO_BACKSLASH_ESCAPES is read from the connection's status when made (make one per
    statement: the status follows every reply of the server)."""

    __slots__ = ("raw", "escape", "_other")

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        plain = raw.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES
        self.escape = escape_quotes if plain else escape_backslash
        #: literals of the values given to the connection's `escape`, by `_key`
        self._other: dict[Any, str] = {}

    def one(self, value: Any) -> str:
        """The literal of one value: `Connection.escape(value)` (MISSING: DEFAULT)."""
        t = type(value)
        if t is str:
            return "'" + self.escape(value) + "'"
        if t is int:
            return str(value)
        if value is None:
            return "NULL"
        if t is Decimal and value.is_finite():
            return format(value, "f")
        if value is MISSING:
            return "DEFAULT"
        key = _key(value, t)
        other = self._other.get(key)
        if other is None:
            other = self._other[key] = self.raw.escape(value)
        return other

    def strings(self, values: list[str]) -> list[str]:
        """The quoted literals of `values` (each exactly a `str`): escaped in one pass over
        them joined."""
        joined = _SEP.join(values)
        if joined.count(_SEP) != len(values) - 1:  # a value holds the separator
            escape = self.escape
            return ["'" + escape(v) + "'" for v in values]
        # no replacement makes a separator: it still parts the values after escaping
        return ("'" + self.escape(joined).replace(_SEP, "'" + _SEP + "'") + "'").split(_SEP)

    def column(self, values: list[Any]) -> list[str]:
        """The literals of a column's values, in order."""
        kinds = set(map(type, values))
        if len(kinds) == 1:
            kind = next(iter(kinds))
            if kind is str:
                return self.strings(values)
            if kind is int:
                return list(map(str, values))
            if kind is _NONE:
                return ["NULL"] * len(values)
            if kind is Decimal and all(map(Decimal.is_finite, values)):
                return list(map(format, values, itertools.repeat("f")))
        one = self.one
        if str in kinds:  # text and NULLs (or numbers): the text escaped in one pass
            text = iter(self.strings([v for v in values if type(v) is str]))
            return [next(text) if type(v) is str else one(v) for v in values]
        return [one(v) for v in values]

    def rows(self, columns: list[list[Any]], count: int) -> str:
        """`(a, b), (c, d)` of the `count` rows whose values are `columns` (one list per column,
        every list `count` long); `(), ()` for rows of no columns (each the table's defaults)."""
        if not columns:
            return ", ".join(["()"] * count)
        lits = [self.column(values) for values in columns]
        return "(" + "), (".join(map(", ".join, zip(*lits))) + ")"
