"""One statement for many rows, with less of SQLAlchemy's work per row (the send's hot writes).

SQLAlchemy's executemany builds a parameter dict per row and runs every value through its type's
bind processor one by one: for a chunk's transfer outcomes and their log events that was about
three times what SQLite itself took to write them. `Many` compiles its statement once per
dialect, applies only the processors a column needs (SQLite's timestamps, exact decimals), and
hands the rows to the driver as tuples in one `exec_driver_sql`. SQLite only, where the store's
own writes are a send's CPU; other backends run the statement through SQLAlchemy as before, with
the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Any

import sqlalchemy as sa


class Many:
    """`statement` (an INSERT, or an UPDATE whose values and WHERE are bound parameters) for rows
    given as tuples in the order of `keys` — the statement's parameter names (for an INSERT
    without values, the column names)."""

    def __init__(self, statement: sa.Insert | sa.Update, keys: Sequence[str]) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        #: dialect name → (SQL, in SQL order: (index into a row, its bind processor or None),
        #: or (-1, the statement's own value, processed))
        self._plans: dict[str, tuple[str, list[tuple[int, Any]]]] = {}

    def __call__(self, conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        dialect = conn.dialect
        if dialect.name != "sqlite":
            conn.execute(self.statement, [dict(zip(self.keys, row)) for row in rows])
            return
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = self._plan(dialect)
        sql, order = plan
        n = len(rows)
        columns: list[Any] = []  # the parameters column by column, then zipped into rows
        for i, processor in order:
            if i < 0:
                columns.append(repeat(processor, n))
                continue
            values = [row[i] for row in rows]
            if processor is not None:
                first = values[0]
                if all(v is first for v in values):  # a chunk's timestamp: processed once
                    values = repeat(None if first is None else processor(first), n)
                else:
                    values = [None if v is None else processor(v) for v in values]
            columns.append(values)
        conn.exec_driver_sql(sql, list(zip(*columns)))

    def _plan(self, dialect: sa.Dialect) -> tuple[str, list[tuple[int, Any]]]:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(self.keys))
        names = compiled.positiontup
        if names is None or compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("Many needs a positional dialect and plain bound parameters")
        index = {key: i for i, key in enumerate(self.keys)}
        order: list[tuple[int, Any]] = []
        for name in names:
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if name in index:
                order.append((index[name], processor))
            else:  # a value of the statement itself (`attempts + 1`): the same for every row
                value = bind.effective_value
                order.append((-1, processor(value) if processor and value is not None
                               else value))
        return compiled.string, order
