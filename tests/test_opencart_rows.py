"""opencart_rows.RowFitter gives exactly shop_sql.fit_row's rows (issue 15: the plan per table
and key set is only a cache of fit_row's look-ups)."""

from __future__ import annotations

import itertools
from datetime import datetime

from orderexchange.plugins.opencart_rows import RowFitter
from orderexchange.plugins.shop_sql import ColumnInfo, TableInfo, fit_row

NOW = datetime(2026, 12, 6, 2, 30)


def table() -> TableInfo:
    columns = [
        ColumnInfo("id", "int", nullable=False, auto_increment=True),
        ColumnInfo("Name", "varchar", 32, nullable=False),  # NOT NULL, no default
        ColumnInfo("note", "text"),  # nullable
        ColumnInfo("status", "int", nullable=False, has_default=True),
        ColumnInfo("added", "datetime", nullable=False),  # filled with the write's time
        ColumnInfo("kind", "enum", nullable=False, enum_values=("a", "b")),
        ColumnInfo("total", "decimal", nullable=False),
        ColumnInfo("upper_name", "varchar", 32, generated=True),
    ]
    return TableInfo("t", {c.name.lower(): c for c in columns}, "MyISAM")


def test_the_planned_rows_are_fit_rows_rows_for_every_mix_of_given_and_none():
    info, fitter = table(), RowFitter()
    keys = ["id", "name", "note", "status", "added", "kind", "upper_name", "unknown"]
    samples = {"id": 7, "name": "Anna", "note": "n", "status": 2, "added": NOW, "kind": "b",
               "upper_name": "ANNA", "unknown": 1}
    for n in range(len(keys) + 1):
        for chosen in itertools.combinations(keys, n):
            for nones in itertools.product((False, True), repeat=min(n, 3)):
                values = {k: (None if i < len(nones) and nones[i] else samples[k])
                          for i, k in enumerate(chosen)}
                expected, _filled = fit_row(info, values, NOW)
                got = fitter.fit(info, values, NOW)
                assert got == expected and list(got) == list(expected), values


def test_a_table_read_again_gets_a_new_plan():
    fitter, first = RowFitter(), table()
    assert fitter.fit(first, {"name": "A"}, NOW)["total"] == 0
    second = table()
    second.columns["extra"] = ColumnInfo("extra", "varchar", 8, nullable=False)
    assert fitter.fit(second, {"name": "A"}, NOW)["extra"] == ""
