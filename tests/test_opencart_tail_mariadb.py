"""OpenCart 3 on MyISAM sends an order's lines, totals, history and visible-last status as ONE
multi-statement query inside a chunk (plugins/opencart_tail.py, issue 15) — against the real
throwaway MariaDB, read back with the admin's own queries (test_opencart_mariadb.py). No
wall-clock assertions.
"""

from __future__ import annotations

import collections
import re

import pytest
import sqlalchemy as sa
from helpers import bernd_order, sample_order
from shopdb import (  # noqa: F401 - prepare is a fixture
    count, load_schema, prepare, query, root_execute, supplier_alpha,
)
from test_opencart_mariadb import ADMIN_LIST, LINES, TOTALS, order_view

from orderexchange.model import SupplierOrderState as S
from orderexchange.plugins import opencart, opencart_tail

alpha = supplier_alpha("opencart")


def test_a_tail_cut_short_leaves_the_order_hidden_and_the_retry_replaces_its_rows(mariadb_db,
                                                                                  prepare):
    """The shop refuses 1002's history row (a trigger): the server ran the tail's statements
    before it (lines, totals) and none after (the status), so 1002 stays hidden; 1001 and 1003
    are listed. The next send completes that very order: its lines and totals once, not twice."""
    shop = mariadb_db
    load_schema(shop.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    run = prepare(alpha(shop), [sample_order("1001"), bernd_order("1002"),
                                sample_order("1003", email="carla.neu@example.com",
                                             first="Carla", last="Neu")])
    root_execute(shop, "CREATE TRIGGER refuse_1002 BEFORE INSERT ON oc_order_history "
                       "FOR EACH ROW IF NEW.comment LIKE '%order 1002 %' THEN SIGNAL SQLSTATE "
                       "'22001' SET MYSQL_ERRNO = 1406, MESSAGE_TEXT = 'refused'; END IF")
    [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-006"
    assert failed.error.facts["order"] == "1002" and failed.written == 2
    assert [r["customer"] for r in query(shop, ADMIN_LIST)] == ["Anna Schmidt", "Carla Neu"]
    reference = run.transfers()["1002"].reference
    [half] = query(shop, "SELECT order_id, order_status_id FROM oc_order WHERE comment LIKE :p",
                   p=f"[{reference}]%")
    assert half["order_status_id"] == 0
    o = half["order_id"]
    assert count(shop, "oc_order_product", "order_id = :o", o=o) == 2  # ran before the refusal
    assert count(shop, "oc_order_total", "order_id = :o", o=o) == 5
    assert count(shop, "oc_order_history", "order_id = :o", o=o) == 0
    # Bernd's new account: its default address was set by the tail's first statement
    [bernd] = query(shop, "SELECT c.address_id, a.address_id AS own FROM oc_customer c JOIN "
                          "oc_address a ON a.customer_id = c.customer_id "
                          "WHERE c.email = 'bernd.bauer@example.com'")
    assert bernd["address_id"] == bernd["own"] != 0

    root_execute(shop, "DROP TRIGGER refuse_1002")
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1, again.as_dict()
    assert len(query(shop, ADMIN_LIST)) == 3 and count(shop, "oc_order") == 3
    assert run.transfers()["1002"].remote_order_id == str(o)
    view = order_view(shop, o)
    assert view["lines"] == LINES["1002"] and view["totals"] == TOTALS["1002"]
    assert [(h["name"], h["notify"]) for h in view["history"]] == [("Pending", 0)]
    for number in ("1001", "1003"):  # the chunk's other orders whole, each once
        view = order_view(shop, int(run.transfers()[number].remote_order_id))
        assert view["lines"] == LINES["1001"] and view["totals"] == TOTALS["1001"]
        assert len(view["history"]) == 1


def test_an_order_refused_at_its_own_row_leaves_its_new_customer_whole(mariadb_db, prepare):
    """The shop refuses 1002's `order` row (a trigger) after its new customer and address were
    inserted, so the customer's default-address UPDATE waiting in the order's tail never ran in
    the chunk; the dispatcher then writes the refused order alone, which matches Bernd by email
    and completes his account (`_complete_customer`) before it is refused again. His account is
    whole although his order is not there; the retry writes the order once, to that account."""
    shop = mariadb_db
    load_schema(shop.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    run = prepare(alpha(shop), [sample_order("1001"), bernd_order("1002")])
    root_execute(shop, "CREATE TRIGGER refuse_1002 BEFORE INSERT ON oc_order FOR EACH ROW "
                       "IF NEW.comment LIKE '%customer order 1002,%' THEN SIGNAL SQLSTATE "
                       "'22001' SET MYSQL_ERRNO = 1406, MESSAGE_TEXT = 'refused'; END IF")
    [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-006"
    assert failed.error.facts["order"] == "1002" and failed.written == 1
    assert count(shop, "oc_order", "comment LIKE '%customer order 1002,%'") == 0
    [bernd] = query(shop, "SELECT c.customer_id, c.address_id, a.address_id AS own FROM "
                          "oc_customer c JOIN oc_address a ON a.customer_id = c.customer_id "
                          "WHERE c.email = 'bernd.bauer@example.com'")
    assert bernd["address_id"] == bernd["own"] != 0

    root_execute(shop, "DROP TRIGGER refuse_1002")
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1, again.as_dict()
    assert [r["customer"] for r in query(shop, ADMIN_LIST)] == ["Anna Schmidt", "Bernd Bauer"]
    assert run.transfers()["1002"].remote_customer_id == str(bernd["customer_id"])
    assert count(shop, "oc_customer", "email = 'bernd.bauer@example.com'") == 1


def test_multi_statements_are_on_only_inside_the_block(mariadb_db):
    """Inside `enabled` one query may hold several statements; before and after, the
    connection refuses that as every connection does (a `;` in a query is a syntax error)."""
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            def two() -> list:
                cur = conn.connection.dbapi_connection.cursor()
                try:
                    cur.execute("SELECT 1; SELECT 2")
                    out = [cur.fetchall()]
                    while cur.nextset():
                        out.append(cur.fetchall())
                    return out
                finally:
                    cur.close()

            with pytest.raises(Exception, match="1064"):
                two()
            with opencart_tail.enabled(conn) as multi:
                assert multi is True
                assert two() == [((1,),), ((2,),)]
            with pytest.raises(Exception, match="1064"):
                two()
    finally:
        engine.dispose()


def test_a_tail_keeps_values_data(mariadb_db):
    """Values with `;`, quotes, `%` and backslashes are data inside a multi-statement query."""
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, "
                                 "`order` INT, v TEXT) ENGINE=MyISAM")
            odd = "x'; DROP TABLE t; -- %s \\ \" 100%"
            with opencart_tail.enabled(conn):
                tail = opencart_tail.Tail()
                tail.insert("t", [{"order": 1, "v": odd}, {"order": 2, "v": "plain"},
                                  {"v": None}])
                tail.update("t", {"v": "changed; %"}, {"order": 2})
                tail.run(conn)
                assert not tail
            rows = conn.exec_driver_sql("SELECT `order`, v FROM t ORDER BY id").all()
            assert [tuple(r) for r in rows] == [(1, odd), (2, "changed; %"), (None, None)]
    finally:
        engine.dispose()


@pytest.fixture
def round_trips(monkeypatch) -> collections.Counter:
    """Commands the shop connection sent inside `write_each` (each one a round trip: the
    client waits for its answer), by their first words: `INSERT oc_order` → how many."""
    import pymysql

    seen: collections.Counter = collections.Counter()
    inside = {"on": False}
    real_command = pymysql.connections.Connection._execute_command
    real_each = opencart.OpenCartConnector.write_each

    def command(conn, code, sql):
        if inside["on"]:
            if code == 0x03:  # COM_QUERY: the first statement names it
                text = sql.decode() if isinstance(sql, bytes) else sql
                words = re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM|SELECT .*? FROM|\w+)"
                                 r"\s*`?(\w*)", text, re.S | re.I)
                seen[f"{words.group(1).split()[0].upper()} {words.group(2)}".strip()] += 1
            else:
                seen[f"command {code:#x}"] += 1
        return real_command(conn, code, sql)

    def write_each(self, supplier_order, transfers):
        inside["on"] = True
        try:
            return real_each(self, supplier_order, transfers)
        finally:
            inside["on"] = False

    monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", command)
    monkeypatch.setattr(opencart.OpenCartConnector, "write_each", write_each)
    return seen


def test_a_chunks_orders_go_in_one_round_trip_and_the_admin_shows_every_order(
        mariadb_db, prepare, round_trips):
    """Eight orders in one MyISAM chunk: five new customers (Bernd twice, his second order with
    his email in capitals) and the shop's own Anna twice. The new customers go in three round
    trips for the chunk (customers, addresses, default addresses) before any order, then the
    eight orders are ONE query, each order's statements in its own order: its hidden row, lines,
    totals, history and the status that shows it (opencart_tail.Batch).
    Read back with the admin's order list and order page (admin/model/sale/order.php getOrders,
    getOrder/getOrderProducts/getOrderTotals/getOrderHistories) and its customer list
    (admin/model/customer/customer.php getCustomers: customer joined to its group's name)."""
    shop = mariadb_db
    load_schema(shop.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    new = {n: (f"c{n}@example.com", f"C{n}", "Neu") for n in ("1003", "1004", "1005", "1006")}
    orders = [sample_order("1001"), bernd_order("1002"),
              *[sample_order(n, email=e, first=f, last=last) for n, (e, f, last) in new.items()],
              bernd_order("1007", customer={"email": "BERND.BAUER@example.com"}),
              sample_order("1008")]
    run = prepare(alpha(shop), orders)
    shop_own = query(shop, "SELECT customer_id, address_id FROM oc_customer "
                           "ORDER BY customer_id")
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.error is None, result.as_dict()
    assert (result.written, result.customers_created) == (8, 5)

    assert round_trips.pop("INSERT oc_order") == 1  # one query for the orders, nothing per order
    assert dict(round_trips) == {
        "command 0x1b": 2,  # multi-statements on and off (COM_SET_OPTION)
        "SELECT GET_LOCK": 1, "SELECT RELEASE_LOCK": 1,  # the chunk's named locks
        "SELECT oc_order": 1,  # the references
        # OpenCart 3.0 indexes no email: the store's directory of the shop's customers reads
        # the rows added since its last read, then the emails among its candidates; then the
        # matched (Anna's) group
        "SELECT oc_customer": 3,
        "SELECT": 1,  # @@auto_increment_increment, once per connection
        "INSERT oc_customer": 1, "INSERT oc_address": 1, "UPDATE oc_customer": 1,
        "COMMIT": 3}  # the read before the locks, the chunk's, the locks' release

    transfers = run.transfers()
    listed = query(shop, ADMIN_LIST)
    assert [r["order_id"] for r in listed] == sorted(
        int(t.remote_order_id) for t in transfers.values())
    by_number = {n: order_view(shop, int(t.remote_order_id)) for n, t in transfers.items()}
    names = {r["order_id"]: r["customer"] for r in listed}
    assert [names[int(transfers[n].remote_order_id)] for n in sorted(transfers)] == [
        "Anna Schmidt", "Bernd Bauer", "C1003 Neu", "C1004 Neu", "C1005 Neu", "C1006 Neu",
        "Bernd Bauer", "Anna Schmidt"]
    for number, view in by_number.items():
        kind = "1002" if number in ("1002", "1007") else "1001"
        assert view["lines"] == LINES[kind] and view["totals"] == TOTALS[kind], number
        assert [(h["name"], h["notify"]) for h in view["history"]] == [("Pending", 0)]
        assert view["order"]["comment"].startswith(f"[{transfers[number].reference}]")
        assert view["order"]["customer_id"] == int(transfers[number].remote_customer_id)
    assert {n: (t.customer_match, t.customer_created) for n, t in transfers.items()} == {
        "1001": ("email", False), "1002": ("new", True), "1003": ("new", True),
        "1004": ("new", True), "1005": ("new", True), "1006": ("new", True),
        "1007": ("email", False), "1008": ("email", False)}
    assert transfers["1007"].remote_customer_id == transfers["1002"].remote_customer_id

    customers = query(shop, "SELECT c.*, CONCAT(c.firstname, ' ', c.lastname) AS name, "
                            "cgd.name AS customer_group FROM oc_customer c LEFT JOIN "
                            "oc_customer_group_description cgd ON c.customer_group_id = "
                            "cgd.customer_group_id WHERE cgd.language_id = 1 "
                            "ORDER BY c.customer_id")
    seeded = [{k: c[k] for k in ("customer_id", "address_id")} for c in customers
              if c["password"]]
    assert seeded == shop_own  # the shop's own (Anna, a distributor): as they were
    ours = [c for c in customers if not c["password"]]
    assert [c["name"] for c in ours] == [
        "Bernd Bauer", "C1003 Neu", "C1004 Neu", "C1005 Neu", "C1006 Neu"]
    anna = int(transfers["1001"].remote_customer_id)
    assert transfers["1008"].remote_customer_id == str(anna)
    assert anna in [c["customer_id"] for c in seeded]
    group = {c["customer_id"]: c["customer_group"] for c in customers}[anna]
    for c in ours:  # one address each, the default one, in the customer's name
        [address] = query(shop, "SELECT * FROM oc_address WHERE customer_id = :c",
                          c=c["customer_id"])
        assert c["address_id"] == address["address_id"]
        assert (address["firstname"], address["lastname"]) == (c["firstname"], c["lastname"])
        assert c["customer_group"] == group
    [bernd] = [c for c in ours if c["lastname"] == "Bauer"]
    assert bernd["email"] == "bernd.bauer@example.com"


def test_a_tail_names_the_id_of_its_first_row_in_later_rows(mariadb_db):
    """`insert_id` keeps the new row's id in @ox_order_id: later rows of the same query name it
    (rows with and without it mixed in one INSERT), an UPDATE finds the row by it, and `run`
    returns it."""
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE o (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT, "
                                 "s INT) ENGINE=MyISAM")
            conn.exec_driver_sql("CREATE TABLE l (id INT AUTO_INCREMENT PRIMARY KEY, o INT, "
                                 "v TEXT) ENGINE=MyISAM")
            conn.exec_driver_sql("INSERT INTO o (v, s) VALUES ('earlier', 1)")
            with opencart_tail.enabled(conn):
                tail = opencart_tail.Tail()
                var = tail.insert_id("o", {"v": "new; %s", "s": 0}, opencart_tail.ORDER_ID)
                tail.insert("l", [{"o": var, "v": "first"}, {"o": 99, "v": "%"},
                                  {"o": var, "v": "third"}])
                tail.update("o", {"s": 5}, {"id": var})
                new_id = tail.run(conn)
            assert new_id == 2
            assert [tuple(r) for r in conn.exec_driver_sql(
                "SELECT id, v, s FROM o ORDER BY id")] == [(1, "earlier", 1), (2, "new; %s", 5)]
            assert [tuple(r) for r in conn.exec_driver_sql("SELECT o, v FROM l ORDER BY id")] == [
                (2, "first"), (99, "%"), (2, "third")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("mode", ["", "NO_BACKSLASH_ESCAPES"])
def test_a_tails_literals_are_pymysqls_and_come_back_as_written(mariadb_db, mode):
    """`literals` escapes as PyMySQL's own `escape` does, value for value, with and without
    NO_BACKSLASH_ESCAPES (the server tells the client which in every answer), and the values
    come back from the server as they were."""
    import datetime as dt
    from decimal import Decimal

    odd = ["", "plain", "x'; DROP TABLE t; --", "back\\slash", "100% %s", 'dq"', "nul\0",
           "new\nline", "ümläut ß €", "\x1a\r\t"]
    others = [0, -7, 12345678901234, Decimal("0.0000"), Decimal("-19.9900"), None, True,
              dt.datetime(2026, 12, 6, 2, 30, 5), dt.date(2026, 12, 6), 1.5, b"\x00\xff"]
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, "
                                 "v TEXT) ENGINE=MyISAM")
            if mode:
                conn.exec_driver_sql(f"SET SESSION sql_mode = CONCAT(@@sql_mode, ',{mode}')")
            raw = conn.connection.dbapi_connection
            assert bool(raw.server_status & 512) == bool(mode)  # NO_BACKSLASH_ESCAPES
            assert opencart_tail.literals(raw, odd + others) == tuple(
                raw.escape(v) for v in odd + others)
            with opencart_tail.enabled(conn):
                tail = opencart_tail.Tail()
                tail.insert("t", [{"v": v} for v in odd])
                tail.run(conn)
            assert [r[0] for r in conn.exec_driver_sql("SELECT v FROM t ORDER BY id")] == odd
    finally:
        engine.dispose()


def test_customers_created_ahead_are_reported_by_the_order_that_uses_them(mariadb_db, prepare):
    """The chunk creates Bernd's and Carla's accounts before its first order; the shop then
    refuses Bernd's `order` row (a trigger), which stops the chunk. Carla's order, written alone
    after it on the same connection, still reports her account as new (created by this send);
    Bernd's account stays, whole and without an order, and his order's retry in a later send is
    written to it (reported as matched by email: that send did not create it)."""
    shop = mariadb_db
    load_schema(shop.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    run = prepare(alpha(shop), [sample_order("1001"), bernd_order("1002"), sample_order(
        "1003", email="carla.neu@example.com", first="Carla", last="Neu")])
    root_execute(shop, "CREATE TRIGGER refuse_1002 BEFORE INSERT ON oc_order FOR EACH ROW "
                       "IF NEW.comment LIKE '%customer order 1002,%' THEN SIGNAL SQLSTATE "
                       "'22001' SET MYSQL_ERRNO = 1406, MESSAGE_TEXT = 'refused'; END IF")
    [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.facts["order"] == "1002"
    assert (failed.written, failed.customers_created) == (2, 1)
    transfers = run.transfers()
    assert (transfers["1003"].customer_match, transfers["1003"].customer_created) == ("new", True)
    assert [r["customer"] for r in query(shop, ADMIN_LIST)] == ["Anna Schmidt", "Carla Neu"]
    for email in ("bernd.bauer@example.com", "carla.neu@example.com"):
        [c] = query(shop, "SELECT c.customer_id, c.address_id, a.address_id AS own FROM "
                          "oc_customer c JOIN oc_address a ON a.customer_id = c.customer_id "
                          "WHERE c.email = :e", e=email)
        assert c["address_id"] == c["own"] != 0

    root_execute(shop, "DROP TRIGGER refuse_1002")
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1
    assert count(shop, "oc_customer", "email = 'bernd.bauer@example.com'") == 1
    assert (run.transfers()["1002"].customer_match,
            run.transfers()["1002"].customer_created) == ("email", False)


def test_a_querys_results_give_every_id_and_leave_the_connection_in_step(mariadb_db):
    """`_results` reads each statement's OK packet itself: the ids of one-, three- and
    eight-byte length codes (auto-increment at 250, 70,000 and 2**32), 0 for a statement without
    one, and a caller that stops after the first result leaves the connection in step (the rest
    is read): the next query answers its own rows."""
    engine = sa.create_engine(mariadb_db.url)
    try:
        with engine.connect() as conn:
            for name, start in (("a", 250), ("b", 70_000), ("c", 2**32)):
                conn.exec_driver_sql(f"CREATE TABLE {name} (id BIGINT AUTO_INCREMENT PRIMARY "
                                     f"KEY, v TEXT) ENGINE=MyISAM AUTO_INCREMENT={start}")
            text = ("INSERT INTO a (v) VALUES ('x');\nINSERT INTO b (v) VALUES ('y');\n"
                    "SET @ox_order_id = 5;\nINSERT INTO c (v) VALUES ('z'), ('zz')")
            with opencart_tail.enabled(conn):
                assert list(opencart_tail._results(conn, text)) == [250, 70_000, 0, 2**32]
                first = opencart_tail._results(conn, text)
                assert next(first) == 251
                first.close()
            assert [tuple(r) for r in conn.exec_driver_sql(
                "SELECT id, v FROM c ORDER BY id")] == [
                (2**32, "z"), (2**32 + 1, "zz"), (2**32 + 2, "z"), (2**32 + 3, "zz")]
            assert conn.exec_driver_sql("SELECT @ox_order_id").scalar_one() == 5
    finally:
        engine.dispose()
