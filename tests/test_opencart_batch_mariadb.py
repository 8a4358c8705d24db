"""OpenCart 3 on MyISAM sends a chunk's orders several to a multi-statement query, each order
still hidden first and shown by its last statement (plugins/opencart_tail.py `Batch`, issue 15) —
against the real throwaway MariaDB, read back with the admin's own queries
(test_opencart_mariadb.py: ADMIN_LIST is getOrders, order_view getOrder/getOrderProducts/
getOrderTotals/getOrderHistories). No wall-clock assertions.
"""

from __future__ import annotations

import threading
import time

import pymysql
import pytest
import servers
from helpers import bernd_order, sample_order
from shopdb import (  # noqa: F401 - prepare is a fixture
    count, load_schema, prepare, query, root_execute, supplier_alpha,
)
from test_opencart_mariadb import ADMIN_LIST, LINES, TOTALS, order_view

from orderexchange.dispatch import Dispatcher
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins import opencart_tail
from orderexchange.retry import RetryPolicy

alpha = supplier_alpha("opencart")

#: the tables an order and its new customer are written into
WRITTEN = ("oc_order", "oc_order_product", "oc_order_total", "oc_order_history", "oc_customer",
           "oc_address")
#: columns the write stamps with the moment it runs
STAMPS = {"date_added", "date_modified"}


def orders() -> list[dict]:
    """Five orders: the shop's own Anna twice, Bernd new (twice, with a second line's quantity 3)
    and Carla new."""
    return [sample_order("1001"), bernd_order("1002"),
            sample_order("1003", email="carla.neu@example.com", first="Carla", last="Neu"),
            bernd_order("1004"), sample_order("1005")]


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """How many orders each batch sent (opencart_tail.Batch.run), in order."""
    sizes: list[int] = []
    real_run = opencart_tail.Batch.run

    def counted(self, conn):
        sizes.append(len(self.waiting))
        return real_run(self, conn)

    monkeypatch.setattr(opencart_tail.Batch, "run", counted)
    return sizes


def myisam_shop(db):
    load_schema(db.url, "opencart3_mysql.sql", prefix="oc_", engine="MyISAM")
    return db


def rows_written(db, references: dict[str, str]) -> dict[str, list[dict]]:
    """Every row of the written tables, by key, the moment stamps left out and each exchange
    reference replaced by its order's number (two stores give the same order other
    references)."""
    out = {}
    for table in WRITTEN:
        rows = []
        for row in query(db, f"SELECT * FROM {table} ORDER BY 1"):
            kept = {}
            for column, value in row.items():
                if column in STAMPS:
                    continue
                if isinstance(value, str):
                    for reference, number in references.items():
                        value = value.replace(reference, f"<{number}>")
                kept[column] = value
            rows.append(kept)
        out[table] = rows
    return out


def journal_matches_shop(db, run) -> None:
    """The store recorded, for every order, the shop order that carries its reference."""
    for number, transfer in run.transfers().items():
        [row] = query(db, "SELECT order_id, customer_id FROM oc_order WHERE comment LIKE :p",
                      p=f"[{transfer.reference}]%")
        assert (transfer.remote_order_id, transfer.remote_customer_id) == (
            str(row["order_id"]), str(row["customer_id"])), number


def test_the_batched_chunk_writes_the_rows_single_writes_write(mariadb_server, mariadb_db,
                                                               prepare, sent):
    """The same five orders: once as one chunk (one query for all five orders), once each
    order its own write (`write_batch = 1`: `write`, statement by statement, as before
    batching). Every row of every written table is the same, ids included; the admin lists
    the same orders; the journal names the order the shop holds for each reference."""
    batched_shop = myisam_shop(mariadb_db)
    batched = prepare(alpha(batched_shop), orders())
    [result] = batched.send()
    assert result.state == S.NOTIFIED and (result.written, result.customers_created) == (5, 2)
    assert sent == [5]

    with servers.temporary_mariadb_database(mariadb_server) as single_shop:
        myisam_shop(single_shop)
        single = prepare(alpha(single_shop), orders())
        single.config.daemon.write_batch = 1
        [result] = single.send()
        assert result.state == S.NOTIFIED and (result.written, result.customers_created) == (5, 2)
        assert sent == [5]  # no batch: each order its own write

        def references(run) -> dict[str, str]:
            return {t.reference: n for n, t in run.transfers().items()}

        assert rows_written(batched_shop, references(batched)) == rows_written(
            single_shop, references(single))
        assert query(batched_shop, ADMIN_LIST) == query(single_shop, ADMIN_LIST)
        assert {n: (t.remote_order_id, t.remote_customer_id, t.customer_match,
                    t.customer_created) for n, t in batched.transfers().items()} == {
            n: (t.remote_order_id, t.remote_customer_id, t.customer_match, t.customer_created)
            for n, t in single.transfers().items()}
    journal_matches_shop(batched_shop, batched)


def test_a_bad_order_in_the_middle_of_a_batch_fails_alone(mariadb_db, prepare, monkeypatch):
    """The shop refuses 1003's history row (a trigger) in the middle of the batch of five: the
    server ran the batch up to that statement. 1001 and 1002 landed with it, 1003 is hidden
    with its reference, 1004 and 1005 never ran and are written after it — each order once,
    1003 failed alone with its own coded error. The next send completes 1003 itself."""
    shop = myisam_shop(mariadb_db)
    run = prepare(alpha(shop), orders())
    root_execute(shop, "CREATE TRIGGER refuse_1003 BEFORE INSERT ON oc_order_history "
                       "FOR EACH ROW IF NEW.comment LIKE '%order 1003 %' THEN SIGNAL SQLSTATE "
                       "'22001' SET MYSQL_ERRNO = 1406, MESSAGE_TEXT = 'refused'; END IF")
    outcomes: list[tuple[list, list]] = []
    real_run = opencart_tail.Batch.run

    def recorded(self, conn):
        done, not_done, exc = real_run(self, conn)
        outcomes.append(([t.customer_order.number for (t, _r, _f), _id in done],
                         [t.customer_order.number for t, _r, _f in not_done]))
        return done, not_done, exc

    monkeypatch.setattr(opencart_tail.Batch, "run", recorded)
    [failed] = run.send()
    assert outcomes == [(["1001", "1002"], ["1003", "1004", "1005"])]
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-006"
    assert failed.error.facts["order"] == "1003" and failed.written == 4
    assert failed.customers_created == 1  # Bernd's; Carla's account counts with her order
    assert [r["customer"] for r in query(shop, ADMIN_LIST)] == [
        "Anna Schmidt", "Bernd Bauer", "Bernd Bauer", "Anna Schmidt"]
    assert count(shop, "oc_order") == 5  # 1003's hidden one included, nothing twice
    reference = run.transfers()["1003"].reference
    [half] = query(shop, "SELECT order_id, order_status_id FROM oc_order WHERE comment LIKE :p",
                   p=f"[{reference}]%")
    assert half["order_status_id"] == 0
    transfers = run.transfers()
    assert transfers["1003"].remote_order_id is None
    for number in ("1001", "1002", "1004", "1005"):
        view = order_view(shop, int(transfers[number].remote_order_id))
        kind = "1002" if number in ("1002", "1004") else "1001"
        assert view["lines"] == LINES[kind] and view["totals"] == TOTALS[kind], number
        assert len(view["history"]) == 1, number

    root_execute(shop, "DROP TRIGGER refuse_1003")
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1, again.as_dict()
    assert count(shop, "oc_order") == 5 and len(query(shop, ADMIN_LIST)) == 5
    assert run.transfers()["1003"].remote_order_id == str(half["order_id"])
    view = order_view(shop, half["order_id"])
    assert view["lines"] == LINES["1001"] and view["totals"] == TOTALS["1001"]
    assert len(view["history"]) == 1
    assert count(shop, "oc_customer", "email = 'carla.neu@example.com'") == 1
    journal_matches_shop(shop, run)


def _account(db) -> str:
    [row] = query_root(db, "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user "
                           "WHERE user = %s", db.user)
    return row[0]


def query_root(db, sql: str, *params) -> list[tuple]:
    conn = db.root_connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params or None)
            return list(cur.fetchall())
    finally:
        conn.close()


def _kill_when_asleep(db, lock: pymysql.connections.Connection, lock_out: bool,
                      killed: list[int]) -> None:
    """Waits until a connection of `db` sleeps in the trigger, lets go of the trigger's lock
    (later writes pass) and kills that connection mid-query, as a crash of the shop's server
    or the network ends it; `lock_out`: the shop's account is locked first, so nothing of the
    send reaches the shop again (what a crash of the sending process leaves)."""
    root = db.root_connect()
    try:
        with root.cursor() as cur:
            for _ in range(600):
                cur.execute("SELECT id FROM information_schema.processlist WHERE db = %s AND "
                            "state = 'User sleep'", (db.database,))
                row = cur.fetchone()
                if row:
                    if lock_out:
                        cur.execute(f"ALTER USER {_account(db)} ACCOUNT LOCK")
                    with lock.cursor() as held:
                        held.execute("SELECT RELEASE_LOCK('ox_test_hold')")
                    cur.execute(f"KILL CONNECTION {int(row[0])}")
                    killed.append(int(row[0]))
                    return
                time.sleep(0.05)
    finally:
        root.close()


@pytest.mark.parametrize("lock_out", [False, True], ids=["send-heals", "next-send-heals"])
def test_a_batch_killed_mid_query_heals(mariadb_db, prepare, lock_out):
    """The sending connection is killed while the server runs the batch, inside 1003's history
    row (a trigger sleeps there until the kill): 1001 and 1002 are whole, 1003 is hidden with
    its reference, 1004 and 1005 were never run. Either the send reconnects and carries on, or
    (`lock_out`) the shop stays out of reach for the rest of the send and the next send
    carries on. Either way: the whole ones found, 1003 completed (not written a second time),
    the rest written — every order listed once with its own lines, totals and one history row,
    and the journal names the shop's order."""
    shop = myisam_shop(mariadb_db)
    run = prepare(alpha(shop), orders())
    root_execute(shop, "CREATE TRIGGER hold_1003 BEFORE INSERT ON oc_order_history FOR EACH ROW "
                       "IF NEW.comment LIKE '%order 1003 %' AND IS_USED_LOCK('ox_test_hold') "
                       "IS NOT NULL THEN SET @ox_test_slept = SLEEP(60); END IF")
    lock = shop.root_connect()
    killed: list[int] = []
    try:
        with lock.cursor() as cur:
            cur.execute("SELECT GET_LOCK('ox_test_hold', 0)")
            assert cur.fetchone() == (1,)
        killer = threading.Thread(target=_kill_when_asleep, args=(shop, lock, lock_out, killed))
        killer.start()
        try:
            [first] = Dispatcher(run.config, run.store, PluginHost(),
                                 retry=RetryPolicy.none()).send(run.so_ids)
        finally:
            killer.join()
    finally:
        lock.close()
    assert len(killed) == 1
    if lock_out:
        assert first.state == S.WRITE_FAILED and first.written == 2, first.as_dict()
        assert [r["customer"] for r in query(shop, ADMIN_LIST)] == [
            "Anna Schmidt", "Bernd Bauer"]
        reference = run.transfers()["1003"].reference
        [half] = query(shop, "SELECT order_id, order_status_id FROM oc_order "
                             "WHERE comment LIKE :p", p=f"[{reference}]%")
        assert half["order_status_id"] == 0 and count(shop, "oc_order") == 3
        assert count(shop, "oc_order_history", "order_id = :o", o=half["order_id"]) == 0
        query_root(shop, f"ALTER USER {_account(shop)} ACCOUNT UNLOCK")
        [first] = run.send()
        assert first.written == 3
    assert first.state == S.NOTIFIED, first.as_dict()
    assert count(shop, "oc_order") == 5 and len(query(shop, ADMIN_LIST)) == 5
    transfers = run.transfers()
    if lock_out:
        assert transfers["1003"].remote_order_id == str(half["order_id"])  # completed
    for number, transfer in transfers.items():
        view = order_view(shop, int(transfer.remote_order_id))
        kind = "1002" if number in ("1002", "1004") else "1001"
        assert view["lines"] == LINES[kind] and view["totals"] == TOTALS[kind], number
        assert [(h["name"], h["notify"]) for h in view["history"]] == [("Pending", 0)], number
    for email in ("bernd.bauer@example.com", "carla.neu@example.com"):
        assert count(shop, "oc_customer", "email = :e", e=email) == 1
    journal_matches_shop(shop, run)


@pytest.mark.parametrize("limit", [1, 3000])
def test_a_full_batch_is_sent_before_the_next_order(mariadb_db, prepare, monkeypatch, sent,
                                                    limit):
    """A batch is sent once its text reaches the limit (the server's max_allowed_packet bounds
    it): with a tiny limit every order is its own query, with a larger one the chunk is split;
    either way every order is listed once and the journal names it."""
    shop = myisam_shop(mariadb_db)
    monkeypatch.setattr("orderexchange.plugins.opencart_each.BATCH_CHARACTERS", limit)
    run = prepare(alpha(shop), orders())
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 5, result.as_dict()
    assert sum(sent) == 5 and (sent == [1] * 5 if limit == 1 else 1 < len(sent) < 5)
    assert len(query(shop, ADMIN_LIST)) == 5
    journal_matches_shop(shop, run)
