"""Round trips of a chunk's write (issue 15), counted on the real throwaway MariaDB.

A chunk of orders goes into an InnoDB shop in one transaction with one multi-row INSERT per
table; what made a connector slow was a chunk split into many statements after all (rows that
name different columns) or a statement per order left in the chunk path. Each test counts the
statements the shop's server received and reads the orders back the way the shop's admin does.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from helpers import bernd_order, sample_order
from shopdb import load_schema, prepare, query, root_execute  # noqa: F401 - prepare: fixture
from sqlalchemy.engine import Engine
from test_oxid_mariadb import ADMIN_LIST, AUSTRIA, NO_DELIVERY, alpha, delivery

from orderexchange.plugins.shop_sql import insert_rows


@pytest.fixture
def statements() -> Iterator[collections.Counter]:
    """Statements sent to MariaDB (not the SQLite store) while the test runs, by verb and
    table: `INSERT oxorder` → how many."""
    seen: collections.Counter = collections.Counter()

    def count(conn, _cursor, statement, _params, _context, _many) -> None:
        if conn.dialect.name == "sqlite":
            return
        match = re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM|SELECT .*? FROM)\s+`?(\w+)",
                         statement, re.S | re.I)
        if match:
            seen[f"{match.group(1).split()[0].upper()} {match.group(2)}"] += 1

    sa.event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(Engine, "before_cursor_execute", count)


def test_rows_naming_different_columns_go_in_one_insert_with_defaults(mariadb_db, statements):
    root_execute(mariadb_db, "CREATE TABLE t (id int auto_increment primary key, "
                             "a varchar(10) NOT NULL DEFAULT 'dflt', b int NOT NULL DEFAULT 7, "
                             "c varchar(10) NULL) ENGINE=InnoDB")
    engine = sa.create_engine(mariadb_db.url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            first = insert_rows(conn, "t", [{"a": "x"}, {"b": 1, "c": "y"}, {"a": "z", "b": 2}])
    finally:
        engine.dispose()
    assert statements["INSERT t"] == 1
    assert first == 1
    assert [tuple(r.values()) for r in query(mariadb_db, "SELECT * FROM t ORDER BY id")] == [
        (1, "x", 7, None), (2, "dflt", 1, "y"), (3, "z", 2, None)]


def test_oxid_chunk_is_one_insert_per_table_with_and_without_delivery_address(
        mariadb_db, prepare, statements):
    """Orders shipped to their billing address leave OXID's OXDEL… columns out; those with a
    delivery address of their own fill them. Both kinds in one chunk: one oxorder INSERT
    (OXID 6 used to send one per run of alike orders), and the admin shows each order right."""
    load_schema(mariadb_db.url, "oxid6_mysql.sql")
    orders = []
    for k in range(6):  # alternating: 2001 own delivery address, 2002 none, …
        number = str(2001 + k)
        orders.append(bernd_order(number=number, customer={"email": f"c{k}@example.com"},
                                  billing={"state": None}, delivery={"street": "Seeweg 3a"})
                      if k % 2 == 0 else sample_order(number, email=f"c{k}@example.com",
                                                      first=f"C{k}", last="Neu"))
    run = prepare(alpha(mariadb_db), orders)
    [result] = run.send()
    assert result.error is None and result.written == 6, result.as_dict()
    assert statements["INSERT oxorder"] == 1
    assert statements["INSERT oxorderarticles"] == 1
    listed = query(mariadb_db, ADMIN_LIST)
    assert [r["OXORDERNR"] for r in listed] == list(range(1001, 1007))
    for k, row in enumerate(listed):
        [full] = query(mariadb_db, "SELECT * FROM oxorder WHERE OXORDERNR = :n",
                       n=row["OXORDERNR"])
        assert full["OXREMARK"].startswith(f"orderexchange: customer order {2001 + k} ")
        if k % 2 == 0:
            assert delivery(full) == ("", "Clara", "Bauer", "Seeweg", "3a", "", "1010", "Wien",
                                      AUSTRIA)
        else:
            assert delivery(full) == NO_DELIVERY
