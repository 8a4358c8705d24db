"""The shared shop-SQL layer (plugins/shop_sql.py).

The helpers the connector tests share live in tests/shopdb.py; they are re-exported here for test
files that import them from this module.

Grant parsing is unit-tested on the exact lines MariaDB prints; everything else runs on the
session's throwaway MariaDB: engines and NOT NULL columns as information_schema reports them, a
real least-privilege user's grants, atomic counters under two concurrent connections.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa
from shopdb import (  # noqa: F401 - re-exported; prepare and shop_user are fixtures
    Run, ShopUser, count, load_schema, prepare, query, root_execute, server_sql_mode,
    shop_section, shop_user,
)

from orderexchange.plugins.shop_sql import (
    ColumnInfo, TableInfo, fit_row, fit_rows, grant_statement, missing_privileges, next_counter,
    parse_grants, read_grants, read_tables, split_street, time_ordered_id, too_long,
)

#: what test files importing the shared helpers from here (rather than from shopdb) get
__all__ = ["Run", "ShopUser", "count", "load_schema", "prepare", "query", "root_execute",
           "server_sql_mode", "shop_section", "shop_user"]

# =============================================================================================
# unit tests: grants, LIKE patterns, rows, streets
# =============================================================================================
def test_time_ordered_ids_are_uuid7s_unique_and_grow_with_the_clock(monkeypatch):
    """Our keys (OXID's, a generic SQL shop's `uuid` / `uuid_hex`): UUIDs of version 7 in
    OXID's 32-hex form or the dashed one, sorted by the millisecond they were made in, so a
    shop's clustered index gets them next to each other (see time_ordered_id)."""
    import types
    import uuid

    from orderexchange.plugins import shop_sql

    ids = [time_ordered_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch("[0-9a-f]{32}", k) for k in ids)
    parsed = [uuid.UUID(k) for k in ids[:100] + [time_ordered_id("dashed")]]
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid.RFC_4122)}
    assert re.fullmatch("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        time_ordered_id("dashed"))
    clock = iter([1_800_000_000_000_000_000 + ms * 1_000_000 for ms in (5, 5, 6, 900, 901, 902)])
    monkeypatch.setattr(shop_sql, "time", types.SimpleNamespace(time_ns=lambda: next(clock)))
    later = [time_ordered_id() for _ in range(5)]
    assert [int(k[:12], 16) for k in later] == [1_800_000_000_005, 1_800_000_000_005,
                                                 1_800_000_000_006, 1_800_000_000_900,
                                                 1_800_000_000_901]
    assert later[2:] == sorted(later[2:]) and later[1] != later[0]
    dashed = time_ordered_id("dashed")
    assert int(dashed.replace("-", "")[:12], 16) == 1_800_000_000_902 and dashed > str(
        uuid.UUID(later[-1]))


SHOW_GRANTS = [  # what MariaDB 10.11 printed for a user with a default role (see the probe)
    "GRANT `r1` TO `lp`@`%`",
    "GRANT USAGE ON *.* TO `lp`@`%` IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EF'",
    "GRANT SELECT, INSERT, UPDATE (`a`, `b`) ON `shop_1`.`oc_order` TO `lp`@`%`",
    "GRANT USAGE ON *.* TO `r1`",
    "GRANT DELETE ON `shop\\_1`.* TO `r1`",
    "SET DEFAULT ROLE `r1` FOR `lp`@`%`",
]


def test_parse_grants_tables_columns_roles_and_patterns():
    grants = parse_grants(SHOW_GRANTS, "'lp'@'%'")
    assert grants.global_privileges == set()
    assert grants.on("shop_1", "oc_order") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert grants.on("shop_1", "oc_customer") == {"DELETE"}  # the role's database grant
    assert grants.on("shopx1", "oc_customer") == set()  # `\_` is a literal underscore
    missing = missing_privileges(grants, "shop_1", {"oc_order": {"SELECT", "INSERT"},
                                                    "oc_customer": {"SELECT", "INSERT"}})
    assert missing == {"oc_customer": ["INSERT", "SELECT"]}
    assert grant_statement(grants.user, "shop_1", "oc_customer", missing["oc_customer"]) == \
        "GRANT INSERT, SELECT ON `shop_1`.`oc_customer` TO 'lp'@'%';"


def test_parse_grants_all_privileges_and_wildcards():
    grants = parse_grants(["GRANT ALL PRIVILEGES ON `shop%`.* TO `u`@`%`",
                           "GRANT PROXY ON ``@`%` TO `u`@`%`",
                           "GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`"], "'u'@'%'")
    assert missing_privileges(grants, "shop_live", {"oc_order": {"SELECT", "DELETE"}}) == {}
    assert missing_privileges(grants, "other", {"oc_order": {"SELECT"}}) == {
        "oc_order": ["SELECT"]}
    root = parse_grants(["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"],
                        "'root'@'localhost'")
    assert root.on("anything", "t") == {"ALL"}


@pytest.mark.parametrize("street, expected", [
    ("Hauptstr. 1", ("Hauptstr.", "1")),
    ("Am Markt 12a", ("Am Markt", "12a")),
    ("Lindenallee 7-9", ("Lindenallee", "7-9")),
    ("Postfach", ("Postfach", "")),
    ("Straße des 17. Juni 135", ("Straße des 17. Juni", "135")),
])
def test_split_street(street, expected):
    assert split_street(street) == expected


def test_too_long_with_its_remembered_limits_is_the_column_by_column_answer():
    """`too_long` remembers each key's limit per read of the table: on realistic orders' texts
    (names, streets, emails of 9 locales) and awkward keys (another case, unknown, a column
    without length, a text column of length 0, values that are no text) its answers, asked
    cold and then warm, are those of looking every column up."""
    import orderdata
    table = TableInfo("t", {c.name.lower(): c for c in [
        ColumnInfo("Name", "varchar", 12), ColumnInfo("street", "varchar", 20),
        ColumnInfo("email", "varchar", 24), ColumnInfo("note", "text"),
        ColumnInfo("code", "char", 0), ColumnInfo("qty", "int")]})

    def looked_up(values):
        out = []
        for key, value in values.items():
            column = table.column(key)
            if (column is not None and column.length and isinstance(value, str)
                    and len(value) > column.length):
                out.append((column.name, len(value), column.length))
        return out

    rows = []
    for order in orderdata.generate(150, seed=5).orders:
        c, b = order["customer"], order["billing"]
        rows.append({"NAME": f"{c['first_name']} {c['last_name']}", "Street": b["street"],
                     "email": c["email"], "note": b["city"] * 20, "code": "x", "qty": 123456,
                     "unknown": "y" * 99, "name": None})
    assert any(looked_up(r) for r in rows) and not all(looked_up(r) for r in rows)
    # every value a text (the one pass over lengths), bytes and lists longer than the limit
    # (lengths, but no text), one limited key alone (itemgetter's answer is then no tuple)
    rows += [{"NAME": "x" * 13, "street": "ok"}, {"NAME": "short", "street": "s" * 21},
             {"NAME": b"b" * 40, "email": ["l"] * 30}, {"NAME": "x" * 12},
             {"name": "y" * 13}, {"qty": 5, "unknown": "z" * 99}, {"email": None}]
    for values in rows + rows:
        assert too_long(table, values) == looked_up(values)


def test_fit_row_fills_every_not_null_column_and_skips_generated_ones():
    table = TableInfo("t", {c.name.lower(): c for c in [
        ColumnInfo("id", "int", nullable=False, auto_increment=True),
        ColumnInfo("name", "varchar", 10, nullable=False),
        ColumnInfo("note", "text", nullable=False),
        ColumnInfo("qty", "int", nullable=False, has_default=True),
        ColumnInfo("kind", "enum", nullable=False, enum_values=("a", "b")),
        ColumnInfo("at", "datetime", nullable=False),
        ColumnInfo("opt", "varchar", 5, nullable=True),
        ColumnInfo("calc", "int", generated=True),
    ]}, engine="MyISAM")
    now = datetime(2026, 5, 1, 12, 0, 0)
    row, filled = fit_row(table, {"NAME": "x", "qty": None, "calc": 3, "unknown": 1}, now)
    assert row == {"name": "x", "note": "", "kind": "a", "at": now}
    assert filled == ["note", "kind", "at"]
    assert not table.transactional
    with pytest.raises(KeyError):
        fit_row(table, {"unknown": 1}, now, drop_unknown=False)


# =============================================================================================
# on MariaDB: the live schema, a least-privilege user's grants, counters
# =============================================================================================
def test_read_tables_reports_engines_and_not_null_traps(mariadb_db):
    root_execute(mariadb_db,
                 "CREATE TABLE `order` (id int auto_increment primary key, "
                 "comment text NOT NULL, total decimal(15,4) NOT NULL DEFAULT 0, "
                 "`default` tinyint(1) NOT NULL, note varchar(20)) ENGINE=MyISAM",
                 "CREATE TABLE line (id char(32) NOT NULL primary key, qty int NOT NULL) "
                 "ENGINE=InnoDB")
    engine = sa.create_engine(mariadb_db.url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        tables = read_tables(conn, ["order", "line", "missing"])
    engine.dispose()
    assert tables["order"].engine == "MyISAM" and not tables["order"].transactional
    assert tables["line"].engine == "InnoDB" and tables["line"].transactional
    assert not tables["missing"].exists
    assert [c.name for c in tables["order"].required] == ["comment", "default"]
    assert [c.name for c in tables["line"].required] == ["id", "qty"]
    assert tables["order"].column("NOTE").length == 20


def test_grants_of_a_least_privilege_user_and_the_grant_that_fixes_them(mariadb_db, shop_user):
    root_execute(mariadb_db, "CREATE TABLE a (id int primary key)",
                 "CREATE TABLE b (id int primary key)")
    user = shop_user(mariadb_db, {"a": "SELECT, INSERT"})
    url = sa.engine.make_url(f"mysql+pymysql://{user.name}@{mariadb_db.host}:"
                             f"{mariadb_db.port}/{mariadb_db.database}").set(
        password=user.password)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        grants = read_grants(conn)
        missing = missing_privileges(grants, mariadb_db.database,
                                     {"a": {"SELECT", "INSERT"}, "b": {"SELECT", "UPDATE"}})
        fix = grant_statement(grants.user, mariadb_db.database, "b", missing["b"])
    engine.dispose()
    assert missing == {"b": ["SELECT", "UPDATE"]}
    assert fix == f"GRANT SELECT, UPDATE ON `{mariadb_db.database}`.`b` TO '{user.name}'@'%';"
    root_execute(mariadb_db, fix)  # the statement as printed is accepted by the server …
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:  # … and afterwards nothing is missing
        assert missing_privileges(read_grants(conn), mariadb_db.database,
                                  {"a": {"SELECT"}, "b": {"SELECT", "UPDATE"}}) == {}
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["InnoDB", "MyISAM"])
def test_counter_never_hands_out_a_number_twice_under_concurrency(mariadb_db, engine_name):
    root_execute(mariadb_db, f"CREATE TABLE counters (ident char(32) NOT NULL PRIMARY KEY, "
                             f"n int NOT NULL) ENGINE={engine_name}",
                 "INSERT INTO counters VALUES ('order', 100)")
    barrier = threading.Barrier(4)
    taken: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        engine = sa.create_engine(mariadb_db.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                barrier.wait()
                for _ in range(10):
                    with conn.begin():
                        taken.append(next_counter(conn, "counters", "ident", "order", "n"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sorted(taken) == list(range(101, 141))  # 40 numbers, none twice, none skipped
    assert query(mariadb_db, "SELECT n FROM counters")[0]["n"] == 140


def test_counter_row_missing_is_created_from_the_seed(mariadb_db):
    root_execute(mariadb_db, "CREATE TABLE counters (ident char(32) NOT NULL PRIMARY KEY, "
                             "n int NOT NULL) ENGINE=InnoDB")
    engine = sa.create_engine(mariadb_db.url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        with conn.begin():
            first = next_counter(conn, "counters", "ident", "oxOrder", "n", seed=lambda: 41)
        with conn.begin():
            second = next_counter(conn, "counters", "ident", "oxOrder", "n", seed=lambda: 0)
    engine.dispose()
    assert (first, second) == (42, 43)


def test_fit_rows_gives_fit_rows_rows_for_every_mix_of_keys_and_none():
    """fit_rows's plan per table and key set is only a cache of fit_row's look-ups (issue 15):
    the same rows, keys in the same order, for every subset of keys with None where it matters
    (NOT NULL with and without default, nullable, auto-increment, generated, unknown, a key in
    another case, two keys for one column)."""
    import itertools

    now = datetime(2026, 12, 6, 2, 30)
    table = TableInfo("t", {c.name.lower(): c for c in [
        ColumnInfo("id", "int", nullable=False, auto_increment=True),
        ColumnInfo("Name", "varchar", 32, nullable=False),
        ColumnInfo("note", "text"),
        ColumnInfo("status", "int", nullable=False, has_default=True),
        ColumnInfo("added", "datetime", nullable=False),
        ColumnInfo("kind", "enum", nullable=False, enum_values=("a", "b")),
        ColumnInfo("total", "decimal", nullable=False),
        ColumnInfo("upper_name", "varchar", 32, generated=True),
    ]}, engine="InnoDB")
    keys = ["id", "name", "note", "status", "added", "NAME", "upper_name", "unknown"]
    samples = {"id": 7, "name": "Anna", "note": "n", "status": 2, "added": now, "NAME": "B",
               "upper_name": "ANNA", "unknown": 1}
    rows = []
    for n in range(len(keys) + 1):
        for chosen in itertools.combinations(keys, n):
            for nones in itertools.product((False, True), repeat=min(n, 3)):
                rows.append({k: (None if i < len(nones) and nones[i] else samples[k])
                             for i, k in enumerate(chosen)})
    for _twice in range(2):  # planned, then from the plans
        got = fit_rows(table, rows, now)
        for values, row in zip(rows, got, strict=True):
            expected, _filled = fit_row(table, values, now)
            assert row == expected and list(row) == list(expected), values
    # a table read again has no plans: the new read's columns count
    again = TableInfo("t", dict(table.columns, extra=ColumnInfo("extra", "varchar", 8,
                                                                 nullable=False)), "InnoDB")
    assert fit_rows(again, [{"name": "A"}], now)[0]["extra"] == ""


def test_a_chunks_locks_are_taken_and_released_in_statements_of_200(mariadb_db):
    """acquire_locks takes every name (sorted, 200 a statement); release_locks frees each one
    (one UNION ALL statement per 200: a row per lock, not a column)."""
    from orderexchange.plugins.shop_sql import acquire_locks, release_locks

    class Supplier:
        id = "s"

    names = [f"orderexchange:test-{i:03}" for i in range(450)]
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn, engine.connect() as other:
            got = acquire_locks(conn, reversed(names), Supplier())
            assert got == names
            held = "SELECT " + ", ".join(f"IS_USED_LOCK('{n}') IS NOT NULL" for n in names)
            assert set(other.exec_driver_sql(held).one()) == {1}
            release_locks(conn, got)
            assert set(other.exec_driver_sql(held).one()) == {0}
    finally:
        engine.dispose()


def test_a_lock_held_elsewhere_is_the_one_missing_and_the_others_are_released(mariadb_db,
                                                                             monkeypatch):
    """Each answer belongs to its own name (the first a column, the rest one string): with one
    name of a statement held by another session, that one is refused and every other of its
    statement was taken — then given back, as the whole acquisition fails (OX-DB-004). One name
    alone works too, and names the driver would escape are locked as they are."""
    from orderexchange.errors import OXError
    from orderexchange.plugins import shop_sql

    class Supplier:
        id = "s"

    # names the driver would escape (written into the statement's text as it would write them)
    awkward = ["orderexchange:it's", "orderexchange:back\\slash", 'orderexchange:"q"',
               "orderexchange:per%cent", "orderexchange:ünï", "orderexchange:nul\0?"]
    names = sorted([f"orderexchange:held-{i:03}" for i in range(224)] + awkward)
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn, engine.connect() as other:
            def used() -> list[str]:
                return [n for n in names if other.exec_driver_sql(
                    "SELECT IS_USED_LOCK(%s) IS NOT NULL", (n,)).scalar()]

            given_back: list[str] = []
            release = shop_sql.release_locks
            monkeypatch.setattr(shop_sql, "release_locks",
                                lambda c, got: (given_back.extend(got), release(c, got)))
            for blocked in (names[0], names[137], names[-1]):
                assert other.exec_driver_sql("SELECT GET_LOCK(%s, 0)", (blocked,)).scalar() == 1
                given_back.clear()
                with pytest.raises(OXError) as caught:
                    shop_sql.acquire_locks(conn, names, Supplier(), timeout=0)
                assert caught.value.code == "OX-DB-004"
                # the statements (200 names each) up to the refusal's were run, no later one
                asked = names[:200] if names.index(blocked) < 200 else names
                assert given_back == [n for n in asked if n != blocked]
                assert used() == [blocked]  # ours were all given back
                other.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (blocked,))
            assert shop_sql.acquire_locks(conn, names[:1], Supplier()) == names[:1]
            assert used() == names[:1]
            release(conn, names[:1])
            assert used() == []
            assert shop_sql.acquire_locks(conn, reversed(names), Supplier()) == names
            assert used() == names  # each under its own name, the awkward ones too
            release(conn, names)
            assert used() == []
    finally:
        engine.dispose()
