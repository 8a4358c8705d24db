"""The multi-row INSERT's literals written by plugins/sql_literals.py are PyMySQL's own, character
for character, and hostile text comes back from MariaDB as it went in — with and without
NO_BACKSLASH_ESCAPES (issue 15: the writes escape a chunk's columns at once instead of PyMySQL's
per-value layers; "exactly as safe" is what this file checks)."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pymysql import converters

from orderexchange.plugins import sql_literals
from orderexchange.plugins.shop_sql import execute_literal, insert_rows, literal_text

HOSTILE = ["", "plain", "x'; DROP TABLE t; --", "it''s", "\\", "back\\slash\\", "\\'",
           "'\\", "100% %s %(x)s", 'dq"', "nul\0nul", "\0", "new\nline", "cr\rlf\r\n", "\x1a",
           "ctrl\x1a\x1b\t\x08", "ümläut ß € Ω", "日本語", "emoji 😀🎉👩‍👩‍👧", "\U0010fffd",
           "sep\x1fin it", "`backtick`", "--", "/* c */", " trailing space ", "a" * 3000,
           "'" * 50 + "\\" * 50]


def test_the_escape_is_pymysqls_for_every_character_and_random_text():
    for code in [*range(0x800), 0xFFFD, 0x1F600, 0x10FFFF]:
        c = chr(code)
        assert sql_literals.escape_backslash(c) == converters.escape_string(c), hex(code)
        assert sql_literals.escape_backslash(c * 3) == converters.escape_string(c * 3)
    rnd = random.Random(15)
    alphabet = "\\\0\n\r\x1a\"'\x1f%aü😀 "
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
        assert sql_literals.escape_backslash(text) == converters.escape_string(text), repr(text)
        assert sql_literals.escape_quotes(text) == text.replace("'", "''")


def _mogrified(raw, table: str, rows: list[dict]) -> str:
    """The statement insert_rows sent before: placeholders escaped by PyMySQL's `mogrify`."""
    cols = list(dict.fromkeys(c for row in rows for c in row))
    values = ", ".join("(" + ", ".join("%s" if c in row else "DEFAULT" for c in cols) + ")"
                       for row in rows)
    params = tuple(row[c] for row in rows for c in cols if c in row)
    return raw.cursor().mogrify(f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in cols)}) "
                                f"VALUES {values}", params)


@pytest.mark.parametrize("mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_a_multi_row_insert_is_pymysqls_text_and_hostile_text_comes_back(mariadb_db, mode):
    now = datetime(2026, 12, 6, 5, 30, 1)
    text_rows = [{"txt": s, "v": s[:200], "n": s[:20] or None, "d": Decimal("-19.9900"), "i": k,
                  "at": now, "day": date(2026, 12, 6)} for k, s in enumerate(HOSTILE)]
    odd_rows = [  # mixed columns: text and NULL, numbers of all kinds, a row without some
        {"txt": "x", "v": "y", "n": None, "d": Decimal("0.0000"), "i": True, "at": now},
        {"txt": "\\'", "v": "'", "n": 7, "d": Decimal("12345678.9999"), "i": -3,
         "at": datetime(2026, 1, 2, 3, 4, 5, 678900), "day": None},
        {"txt": "z", "v": "\x1f", "d": 3, "i": 12345678901234},
        {"txt": "f", "v": "1.5", "n": 1.5, "d": Decimal("1E+2"), "i": 0, "at": None,
         "day": date(1999, 1, 1)},
    ]
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, txt TEXT, v VARCHAR(200), "
                "n VARCHAR(20), d DECIMAL(15,4), i BIGINT, at DATETIME(6) NULL, "
                "day DATE DEFAULT '2000-01-01') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                "COLLATE=utf8mb4_bin")
            if mode:
                conn.exec_driver_sql(f"SET SESSION sql_mode = CONCAT(@@sql_mode, ',{mode}')")
            raw = conn.connection.dbapi_connection
            assert bool(raw.server_status & 512) == bool(mode)  # NO_BACKSLASH_ESCAPES
            assert sql_literals.usable(raw)
            sent: list[str] = []

            def note(_conn, _cursor, statement, *_args) -> None:
                sent.append(statement)

            sa.event.listen(conn, "before_cursor_execute", note)
            for rows in (text_rows, odd_rows, text_rows[:1], [{}, {}]):
                expected = _mogrified(raw, "t", rows)
                sent.clear()
                first = insert_rows(conn, "t", rows)
                assert sent == [expected]
                assert first is not None
            conn.commit()
            back = conn.exec_driver_sql("SELECT txt, v, n, d, i, at, day FROM t ORDER BY id").all()
    finally:
        engine.dispose()
    assert [r.txt for r in back[:len(HOSTILE)]] == HOSTILE
    assert [r.v for r in back[:len(HOSTILE)]] == [s[:200] for s in HOSTILE]
    assert [r.n for r in back[:len(HOSTILE)]] == [s[:20] or None for s in HOSTILE]
    assert [(r.txt, r.v, r.n, r.d, r.i, r.at, r.day) for r in back[len(HOSTILE):]] == [
        ("x", "y", None, Decimal("0.0000"), 1, now, date(2000, 1, 1)),
        ("\\'", "'", "7", Decimal("12345678.9999"), -3, datetime(2026, 1, 2, 3, 4, 5, 678900),
         None),
        ("z", "\x1f", None, Decimal("3.0000"), 12345678901234, None, date(2000, 1, 1)),
        ("f", "1.5", "1.5", Decimal("100.0000"), 0, None, date(1999, 1, 1)),
        (HOSTILE[0], HOSTILE[0], None, Decimal("-19.9900"), 0, now, date(2026, 12, 6)),
        *[(None, None, None, None, None, None, date(2000, 1, 1))] * 2]  # rows of defaults


def test_a_literal_is_the_connections_escape_for_any_value(mariadb_db):
    """`one` and `column` agree with `Connection.escape` on every kind of value PyMySQL takes,
    subclasses of str and int included (they go to PyMySQL itself)."""
    class Text(str):
        pass

    class Number(int):
        pass

    values = [*HOSTILE, 0, -7, 2**70, Decimal("0.0000"), Decimal("-1E-10"), None, True, False,
              1.5, -0.0, datetime(2026, 12, 6, 2, 30, 5), datetime(2026, 12, 6, 2, 30, 5, 1),
              date(2026, 12, 6), b"\x00'\\\xff", bytearray(b"ab"), Text("o'k\\"), Number(5)]
    engine = sa.create_engine(mariadb_db.url)
    try:
        for mode in ("", "NO_BACKSLASH_ESCAPES"):
            with engine.connect() as conn:
                if mode:
                    conn.exec_driver_sql(f"SET SESSION sql_mode = '{mode}'")
                raw = conn.connection.dbapi_connection
                lit = sql_literals.Literals(raw)
                assert [lit.one(v) for v in values] == [raw.escape(v) for v in values]
                assert lit.column(values) == [raw.escape(v) for v in values]
                for kind in (str, int, Decimal):
                    same = [v for v in values if type(v) is kind]
                    assert lit.column(same) == [raw.escape(v) for v in same]
                with pytest.raises(Exception) as raised:
                    raw.escape(Decimal("NaN"))
                with pytest.raises(type(raised.value)):
                    lit.column([Decimal("1"), Decimal("NaN")])
    finally:
        engine.dispose()


def test_equal_dates_of_a_statement_are_escaped_once_and_aware_times_keep_their_zone(
        mariadb_db):
    """Each order of a chunk brings its own `now`: equal naive datetimes and dates are one
    escape; two aware datetimes of one instant in two zones are two texts, as PyMySQL writes
    them."""
    from datetime import timedelta, timezone
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            lit = sql_literals.Literals(raw)
            escaped = []
            lit.raw = type("Counting", (), {"escape": lambda _s, v: escaped.append(v)
                                            or raw.escape(v)})()
            nows = [datetime(2026, 12, 7, 2, 3, 4) + timedelta(seconds=s // 3) for s in range(9)]
            nows = [n.replace() for n in nows]  # nine objects, three values
            utc = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
            zurich = utc.astimezone(timezone(timedelta(hours=1)))
            days = [date(2026, 12, 7), date(2026, 12, 7), date(2026, 12, 8)]
            values = [*nows, utc, zurich, *days]
            assert lit.column(values) == [raw.escape(v) for v in values]
            assert len(escaped) == 3 + 2 + 2
            assert lit.one(utc) != lit.one(zurich)
    finally:
        engine.dispose()


def _bound(conn, text: str, params: dict):
    """The statement as SQLAlchemy binds it (lists expanding): what `literal_text` replaces."""
    stmt = sa.text(text)
    lists = [k for k, v in params.items() if isinstance(v, list)]
    if lists:
        stmt = stmt.bindparams(*(sa.bindparam(k, expanding=True) for k in lists))
    return conn.execute(stmt, params).all()


@pytest.mark.parametrize("mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_a_look_up_with_its_values_written_in_finds_what_the_bound_one_finds(mariadb_db, mode):
    """`literal_text` (SqlShopConnector.sql, osCommerce's _q): hostile values, `IN` lists,
    NULL, numbers and dates written into the text find exactly the rows the bound statement
    finds, and a value holding `:name`, `%s` or `'` is never read as SQL."""
    engine = sa.create_engine(mariadb_db.url)
    texts = [s[:200] for s in HOSTILE] + [":id", "x :id y", "%(v)s", "%s", "::x", "\\:id"]
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE k (id INT PRIMARY KEY, v VARCHAR(200), d DECIMAL(15,4), "
                "at DATETIME) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
            if mode:
                conn.exec_driver_sql(f"SET SESSION sql_mode = CONCAT(@@sql_mode, ',{mode}')")
            insert_rows(conn, "k", [{"id": i, "v": v, "d": Decimal(i) / 4,
                                    "at": datetime(2026, 12, 8, 4, 0, i % 60)}
                                   for i, v in enumerate(texts)])
            sent: list[tuple] = []
            sa.event.listen(conn, "before_cursor_execute",
                            lambda _c, _cur, statement, parameters, *_a:
                            sent.append((statement, parameters)))
            cases = [
                ("SELECT id, v FROM k WHERE v IN :values ORDER BY id", {"values": texts[::2]}),
                ("SELECT id FROM k WHERE v = :v AND id > :floor ORDER BY id",
                 {"v": texts[2], "floor": -1}),
                # a colon, percent signs and a time in the text itself are no parameters
                ("SELECT id, DATE_FORMAT(at, '%Y-%m-%d 00:00:00') AS day, '50%' AS p, "
                 "CONCAT(v, '::') AS w FROM k WHERE id IN :ids AND d >= :d ORDER BY id",
                 {"ids": [1, 3, 5, 7, 40], "d": Decimal("0.25")}),
                ("SELECT id FROM k WHERE at < :at OR v IN :values ORDER BY id",
                 {"at": datetime(2026, 12, 8, 4, 0, 3), "values": [":id", "%s", None]}),
                ("SELECT COUNT(*) AS n FROM k WHERE v IN :values", {"values": ["\\:id"]}),
            ]
            for text, params in cases:
                literal = literal_text(conn, text, params)
                assert literal is not None
                sent.clear()
                mine = execute_literal(conn, text, params).all()
                assert len(sent) == 1 and sent[0][0] == literal, sent
                assert not sent[0][1], sent  # sent as it is, no parameter bound
                assert mine == _bound(conn, text, params), text
                assert mine, text  # every case finds something
            # the values written in are what PyMySQL would send for them
            params = {"values": texts, "n": 5, "d": Decimal("-1.5"), "none": None}
            literal = literal_text(conn, "SELECT :n, :d, :none FROM k WHERE v IN :values",
                                   params)
            raw = conn.connection.dbapi_connection
            assert literal == raw.cursor().mogrify(
                "SELECT %s, %s, %s FROM k WHERE v IN (" + ", ".join(["%s"] * len(texts)) + ")",
                (5, Decimal("-1.5"), None, *texts))
            # an empty list is (NULL): nothing, as SqlShopConnector.sql's [None] found before
            assert literal_text(conn, "SELECT id FROM k WHERE id IN :ids", {"ids": []}) \
                == "SELECT id FROM k WHERE id IN (NULL)"
            # not written here: a name without a value, an escaped colon in the text
            assert literal_text(conn, "SELECT :a, :b", {"a": 1}) is None
            assert literal_text(conn, "SELECT id FROM k WHERE v = '\\:x' AND id = :i",
                                {"i": 1}) is None
    finally:
        engine.dispose()
    sqlite = sa.create_engine("sqlite://")
    try:
        with sqlite.connect() as conn:  # not PyMySQL: bound as before
            assert literal_text(conn, "SELECT :a", {"a": 1}) is None
    finally:
        sqlite.dispose()
