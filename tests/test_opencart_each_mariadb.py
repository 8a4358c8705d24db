"""OpenCart 3 on MyISAM writes a chunk of orders by `write_each` (issue 15): every order still its
own visible-last write, the named locks and the look-ups once per chunk — against the real
throwaway MariaDB, read back with the admin's own order list query (test_opencart_mariadb.py's
ADMIN_LIST: `order_status_id > 0`). No wall-clock assertions.
"""

from __future__ import annotations

from helpers import bernd_order, sample_order
from shopdb import (  # noqa: F401 - prepare is a fixture
    count, load_schema, prepare, query, root_execute, supplier_alpha,
)
from test_opencart_mariadb import ADMIN_LIST, LINES, TOTALS, order_view

from orderexchange.model import SupplierOrderState as S
from orderexchange.plugins import opencart, shop_sql

alpha = supplier_alpha("opencart")


def myisam_shop(db, engine: str = "MyISAM"):
    load_schema(db.url, "opencart3_mysql.sql", prefix="oc_", engine=engine)
    return db


def test_a_refused_order_fails_alone_and_its_hidden_half_is_completed_later(mariadb_db,
                                                                             prepare):
    """The shop refuses 1002's line (a trigger): 1001 and 1003 are written and listed, 1002
    stays hidden with its reference (MyISAM cannot roll back) and the next send completes that
    very order instead of inserting a second one."""
    shop = myisam_shop(mariadb_db)
    run = prepare(alpha(shop), [sample_order("1001"), bernd_order("1002"),
                                sample_order("1003", email="carla.neu@example.com",
                                             first="Carla", last="Neu")])
    root_execute(shop, "CREATE TRIGGER refuse_three BEFORE INSERT ON oc_order_product "
                       "FOR EACH ROW IF NEW.quantity = 3 THEN SIGNAL SQLSTATE '22001' SET "
                       "MYSQL_ERRNO = 1406, MESSAGE_TEXT = 'the shop refuses quantity 3'; END IF")
    [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-006"
    assert failed.error.facts["order"] == "1002" and failed.written == 2
    listed = query(shop, ADMIN_LIST)
    assert [r["customer"] for r in listed] == ["Anna Schmidt", "Carla Neu"]
    reference = run.transfers()["1002"].reference
    [half] = query(shop, "SELECT order_id, order_status_id FROM oc_order WHERE comment LIKE :p",
                   p=f"[{reference}]%")
    assert half["order_status_id"] == 0  # never listed

    root_execute(shop, "DROP TRIGGER refuse_three")
    [again] = run.send()
    assert again.state == S.NOTIFIED and (again.written, again.already_there) == (1, 0)
    assert count(shop, "oc_order") == 3 and len(query(shop, ADMIN_LIST)) == 3
    assert run.transfers()["1002"].remote_order_id == str(half["order_id"])
    view = order_view(shop, half["order_id"])
    assert view["lines"] == LINES["1002"] and view["totals"] == TOTALS["1002"]
    assert len(view["history"]) == 1


def test_one_new_customer_in_three_orders_of_a_chunk_is_created_once(mariadb_db, prepare,
                                                                      monkeypatch):
    """The chunk matched the emails once, before any order was written: the customer the first
    order creates is the one the later orders get (no second account, no second address), and
    the chunk runs one GET_LOCK statement for all its orders."""
    shop = myisam_shop(mariadb_db)
    orders = [sample_order(n, email="Dora.Dorn@example.com" if n != "2002" else
                           "dora.dorn@example.com", first="Dora", last="Dorn")
              for n in ("2001", "2002", "2003")]
    run = prepare(alpha(shop), orders)
    locks: list[int] = []
    real = shop_sql.acquire_locks

    def acquire(conn, names, supplier, timeout=30):
        names = list(names)
        locks.append(len(set(names)))
        return real(conn, names, supplier, timeout)

    monkeypatch.setattr(opencart, "acquire_locks", acquire)
    [result] = run.send()
    assert result.state == S.NOTIFIED and (result.written, result.customers_created) == (3, 1)
    assert locks == [3 + 1]  # three references and one email, taken at once
    [dora] = query(shop, "SELECT customer_id, address_id FROM oc_customer "
                         "WHERE LOWER(email) = 'dora.dorn@example.com'")
    [address] = query(shop, "SELECT address_id FROM oc_address WHERE customer_id = :c",
                      c=dora["customer_id"])
    assert dora["address_id"] == address["address_id"]
    transfers = run.transfers()
    assert {t.remote_customer_id for t in transfers.values()} == {str(dora["customer_id"])}
    assert {n: t.customer_match for n, t in transfers.items()} == {
        "2001": "new", "2002": "email", "2003": "email"}
    assert len(query(shop, ADMIN_LIST)) == 3


def test_a_half_written_customer_matched_twice_in_a_chunk_is_completed_once(mariadb_db,
                                                                              prepare):
    """A killed earlier send left Bernd's account without an address (our empty password): the
    first of his two orders in the chunk completes it, the second uses it as it is now."""
    shop = myisam_shop(mariadb_db)
    root_execute(shop, "SET SESSION sql_mode = ''",
                 "INSERT INTO oc_customer (customer_group_id, store_id, language_id, firstname, "
                 "lastname, email, telephone, password, custom_field, status, address_id, "
                 "date_added) VALUES (1, 0, 1, 'Bernd', 'Bauer', 'bernd.bauer@example.com', '', "
                 "'', '[]', 1, 0, NOW())")
    run = prepare(alpha(shop), [bernd_order("1002"), bernd_order("1004")])
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 2, result.as_dict()
    [bernd] = query(shop, "SELECT customer_id, address_id FROM oc_customer "
                          "WHERE email = 'bernd.bauer@example.com'")
    [address] = query(shop, "SELECT address_id, city FROM oc_address WHERE customer_id = :c",
                      c=bernd["customer_id"])
    assert (bernd["address_id"], address["city"]) == (address["address_id"], "München")
    assert {t.remote_customer_id for t in run.transfers().values()} == {
        str(bernd["customer_id"])}


def test_a_shop_mixing_engines_commits_each_order_of_the_chunk(mariadb_db, prepare):
    """Orders on MyISAM, customers on InnoDB (a shop converted half-way): each order of the
    chunk gets its own COMMIT, so a customer an order refers to is never rolled back with a
    later order's failure."""
    shop = myisam_shop(mariadb_db)
    root_execute(shop, "ALTER TABLE oc_customer ENGINE = InnoDB",
                 "ALTER TABLE oc_address ENGINE = InnoDB")
    run = prepare(alpha(shop), [bernd_order("1002"), sample_order(
        "1003", email="carla.neu@example.com", first="Carla", last="Neu")])
    root_execute(shop, "CREATE TRIGGER refuse_carla BEFORE INSERT ON oc_order_history "
                       "FOR EACH ROW IF NEW.comment LIKE '%order 1003 %' THEN SIGNAL SQLSTATE "
                       "'22001' SET MYSQL_ERRNO = 1406, MESSAGE_TEXT = 'refused'; END IF")
    [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.written == 1
    assert failed.error.facts["order"] == "1003"
    transfers = run.transfers()
    [bernd] = query(shop, "SELECT customer_id FROM oc_customer "
                          "WHERE email = 'bernd.bauer@example.com'")
    assert transfers["1002"].remote_customer_id == str(bernd["customer_id"])
    assert count(shop, "oc_address", "customer_id = :c", c=bernd["customer_id"]) == 1
    # Carla's customer row went with her failed order's rollback (InnoDB), her order stayed
    # hidden (MyISAM); the retry completes both
    root_execute(shop, "DROP TRIGGER refuse_carla")
    [again] = run.send()
    assert again.state == S.NOTIFIED and again.written == 1
    assert len(query(shop, ADMIN_LIST)) == 2
    assert count(shop, "oc_customer", "email = 'carla.neu@example.com'") == 1


def test_the_shops_reference_data_is_read_once_per_connection(mariadb_db, prepare,
                                                              monkeypatch):
    """Step 1 of every supplier order over one connection (one send to one shop) read the
    shop's settings, language, countries with zones, currencies and status names again; now the
    second check asks only for its products — and a country the first did not need is still
    read when a later one needs it. A new connection reads afresh (a changed rate counts)."""
    shop = myisam_shop(mariadb_db)
    run = prepare(alpha(shop), [sample_order("1001"), bernd_order("1002")])
    so = run.store.supplier_order(run.so_ids[0])
    first = [t for t in so.transfers if t.customer_order.number == "1001"]
    read: list[str] = []
    real = opencart.OpenCartConnector.sql

    def sql(self, text, **params):
        read.append(text.split(" FROM ")[1].split()[0].strip("`") if " FROM " in text else text)
        return real(self, text, **params)

    monkeypatch.setattr(opencart.OpenCartConnector, "sql", sql)
    with run.connector() as connector:
        so.transfers, rest = first, so.transfers
        assert connector.check(so) == []
        once = sorted(set(read))
        assert {"oc_setting", "oc_language", "oc_country", "oc_zone", "oc_currency",
                "oc_order_status", "oc_product"} <= set(once)
        read.clear()
        so.transfers = rest  # now with Bernd's delivery to Austria
        assert [f.code for f in connector.check(so) if f.severity == "error"] == []
        assert "oc_setting" not in read and "oc_language" not in read
        assert "oc_order_status" not in read and "oc_currency" not in read
        assert read.count("oc_country") == 1 and "oc_product" in read  # AT only; products afresh
        ref = connector._refdata(so)
        assert {"DE", "AT"} <= set(ref["countries"]) and ref["countries"]["AT"]["id"] == 14
    root_execute(shop, "UPDATE oc_currency SET value = 2 WHERE code = 'EUR'")
    read.clear()
    with run.connector() as connector:
        connector.check(so)
        assert "oc_currency" in read
