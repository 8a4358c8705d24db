"""Customer matching through the store's directory of the shop's customer keys (issue 15).

osCommerce and modified compare keys no shop index serves (the phone's last six digits,
name + postcode, modified's `customers_cid`): without the directory each look-up reads every
customer / address of the shop. With it (orderexchange/store/key_directory.py, what a send with
a store uses) a look-up reads the shop rows above the directory's watermark and re-reads its
candidates by primary key with the same comparison. On a real MariaDB shop with `EXTRA`
customers more (bench/history_rows.py's `add_customers`) and each store backend:

- the matches are those of the shop read without the directory;
- a customer added to the shop after the build is found (the watermark's range), reading a few
  rows, not the shop;
- a customer whose phone (postcode) was edited in the shop after the build is not matched on
  the old key (the candidates are re-read), found on the new one once the directory is older
  than its max age and rebuilt;
- two processes rebuilding and extending the directory at once leave it complete.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import servers
import sqlalchemy as sa
from shopdb import rows_read as scanned, shop_section

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import history_rows  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange.connector import instantiate  # noqa: E402
from orderexchange.model import Address, Customer, CustomerOrder  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402
from orderexchange.store.key_directory import (  # noqa: E402
    CustomerKeys, customer_key_marks, customer_keys, digest, fold,
)

EXTRA = 2_000
PHONE, NEW_PHONE = "030 8642097", "030 9753108"  # history-1's, and what the admin edits it to
ORDER_PHONE, ORDER_NEW_PHONE = "+49 30 8642097", "+49 30 9753108"


def order(number: str, email: str, phone: str = "", postcode: str = "", cid: str = "",
          first: str = "Erika", last: str = "Muster") -> CustomerOrder:
    address = Address(first, last, "Hauptstr. 1", postcode, "Berlin", "DE")
    return CustomerOrder(number, datetime(2026, 12, 1), "EUR",
                         Customer(email, first, last, phone, number=cid), address, address, [],
                         Decimal("0"))


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def store_url(request, tmp_path, mariadb_server):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite'}"
    elif request.param == "postgresql":
        yield request.getfixturevalue("pg_url")
    else:
        with servers.temporary_mariadb_database(mariadb_server) as db:
            yield db.url


def shop_sql(server, database: str, *statements: tuple[str, tuple]) -> list:
    conn = history_rows.root(server, database)
    out = []
    try:
        with conn.cursor() as cur:
            for sql, args in statements:
                cur.execute(sql, args)
                out.append(cur.fetchall())
        conn.commit()
    finally:
        conn.close()
    return out


def grow(server, family: str, database: str, email: str, phone: str) -> int:
    """One customer more in the shop (with an address), as the shop's sign-up adds it."""
    history_rows.add_customers(server, family, database, 1)
    got = shop_sql(server, database, ("SELECT MAX(customers_id) FROM customers", ()))
    new = int(got[0][0][0])
    shop_sql(server, database, (
        "UPDATE customers SET customers_email_address = %s, customers_telephone = %s "
        "WHERE customers_id = %s", (email, phone, new)))
    return new


def customer_id(server, database: str, email: str) -> int:
    return int(shop_sql(server, database, (
        "SELECT customers_id FROM customers WHERE customers_email_address = %s", (email,)))[0][0][0])


def supplier_section(db, family: str) -> dict:
    return shop_section(db, FAMILIES[family].connector(), match_phone=True,
                        match_name_postcode=True)


def connector_for(section: dict, work: Path):
    config = config_mod.from_dict({
        "distributor": {"id": "acme", "name": "ACME", "email": "orders@acme.example"},
        "store": {"url": f"sqlite:///{work / 'unused.sqlite'}"},
        "mail": {"transport": "file", "outbox": str(work / "outbox")},
        "suppliers": {"s0": section}}, work / "config.toml")
    return instantiate(PluginHost().connector_types(), config.supplier("s0"))


@contextmanager
def connector_pair(section: dict, work: Path, store_url: str) -> Iterator[tuple]:
    """(connector with the store's directory, the same connector without it, the store), open:
    the same look-ups both ways, to compare results and rows read."""
    store = Store(store_url)
    keyed = connector_for(section, work)
    keyed.customer_keys = CustomerKeys(store.engine, "s0", timedelta(hours=24))
    plain = connector_for(section, work)
    keyed.open()
    plain.open()
    try:
        yield keyed, plain, store
    finally:
        keyed.close()
        plain.close()
        store.close()


@pytest.fixture(params=["oscommerce", "modified"])
def shop(request, mariadb_server, mariadb_db, tmp_path, store_url):
    """(family, server, database, connector with the directory, connector without, store)."""
    family = request.param
    FAMILIES[family].create(mariadb_db)
    history_rows.add_customers(mariadb_server, family, mariadb_db.database, EXTRA)
    db = mariadb_db.database
    first, second, third = (customer_id(mariadb_server, db, f"history-{n}@customers.invalid")
                            for n in (1, 2, 3))
    shop_sql(mariadb_server, db,
             ("UPDATE customers SET customers_telephone = %s WHERE customers_id = %s",
              (PHONE, first)),
             ("UPDATE address_book SET entry_firstname = 'Erika', entry_lastname = 'Muster', "
              "entry_postcode = '10 115' WHERE customers_id = %s", (second,)),
             *([("UPDATE customers SET customers_cid = 'Q-90817' WHERE customers_id = %s",
                 (third,))] if family == "modified" else []))
    section = supplier_section(mariadb_db, family)
    with connector_pair(section, tmp_path, store_url) as (keyed, plain, store):
        yield family, mariadb_server, db, keyed, plain, store, (first, second, third, section)


def match(connector, orders) -> dict:
    got = connector._match(orders)
    connector.end_read()
    return {n: (m.key, m.customer_id, m.conflict, m.candidate) for n, m in got.items()}



def orders_of(family: str) -> list[CustomerOrder]:
    out = [order("phone", "new-1@example.com", ORDER_PHONE),
           order("name", "new-2@example.com", postcode="10115"),
           order("name-other", "new-3@example.com", postcode="10115", first="Max"),
           order("nobody", "new-4@example.com", "+49 30 4132435", "99999"),
           order("email", "history-9@customers.invalid")]
    if family == "modified":
        out.append(order("number", "new-5@example.com", cid="Q-90817"))
    return out


def test_matches_as_reading_the_shop_and_new_customers_are_found_by_the_range(shop):
    family, server, db, keyed, plain, _store, (first, second, third, _s) = shop
    orders = orders_of(family)
    got = match(keyed, orders)
    assert keyed.customer_keys.last == "built"
    assert got == match(plain, orders)
    assert got["phone"][:2] == ("phone", first)
    assert got["name"][:2] == ("name+postcode", second)
    assert got["name-other"][0] == got["nobody"][0] == "new"
    if family == "modified":
        assert got["number"][:2] == ("number", third)
    # a customer added in the shop after the build: above the watermark
    late = grow(server, family, db, "late@example.com", "030 4132435")
    again: dict = {}
    rows = scanned(keyed, lambda: again.update(match(keyed, orders)))
    assert keyed.customer_keys.last == "range"
    assert again["nobody"][:2] == ("phone", late)
    assert again == match(plain, orders)
    assert rows < EXTRA // 4, f"{rows} rows read with the directory built"
    assert scanned(plain, lambda: match(plain, orders)) > EXTRA  # what it saves


def test_an_edited_phone_is_not_matched_on_the_old_one_and_found_after_the_rebuild(shop):
    family, server, db, keyed, plain, store, (first, second, _third, _s) = shop
    old, new = order("old", "new-1@example.com", ORDER_PHONE), \
        order("new", "new-2@example.com", ORDER_NEW_PHONE)
    moved = order("moved", "new-3@example.com", postcode="20095")
    assert match(keyed, [old, new, moved]) == {
        "old": ("phone", first, None, None), "new": ("new", None, None, None),
        "moved": ("new", None, None, None)}
    shop_sql(server, db,
             ("UPDATE customers SET customers_telephone = %s WHERE customers_id = %s",
              (NEW_PHONE, first)),
             ("UPDATE address_book SET entry_postcode = '20095' WHERE customers_id = %s",
              (second,)))
    # the directory still lists the old phone: its candidate is re-read and dropped
    assert match(keyed, [old]) == {"old": ("new", None, None, None)}
    # the new phone / postcode alone: missed until the rebuild (the documented staleness; with
    # the old phone in the same look-up the candidate it brings is re-read with the new one)
    got = match(keyed, [new, moved])
    assert got["new"][0] == got["moved"][0] == "new", got
    assert match(plain, [old, new, moved])["new"][:2] == ("phone", first)
    # older than the max age: the next look-up reads the whole shop again
    m = customer_key_marks.c
    with store.engine.begin() as conn:
        for kind, built in conn.execute(sa.select(m.kind, m.built_at)).all():
            conn.execute(customer_key_marks.update().where(m.kind == kind).values(
                built_at=built - timedelta(hours=25)))
    got = match(keyed, [old, new, moved])
    assert keyed.customer_keys.last == "built"
    assert got == match(plain, [old, new, moved])
    assert got["new"][:2] == ("phone", first) and got["moved"][:2] == ("name+postcode", second)


def _hammer(store_url: str, section: dict, work: str, rebuild: bool, rounds: int) -> None:
    """A daemon's look-ups: every one a full rebuild (max age 0) or a watermark range."""
    store = Store(store_url)
    connector = connector_for(section, Path(work))
    connector.customer_keys = CustomerKeys(store.engine, "s0",
                                           timedelta(0) if rebuild else timedelta(hours=24))
    connector.open()
    try:
        for i in range(rounds):
            match(connector, [order(f"o{i}", "nobody@example.com", ORDER_NEW_PHONE, "77777")])
    finally:
        connector.close()
        store.close()


def test_two_processes_building_at_once_leave_the_directory_complete(shop, tmp_path):
    family, server, db, keyed, _plain, store, (*_ids, section) = shop
    match(keyed, orders_of(family))  # the tables exist, one build done
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_hammer, args=(store.url, section, str(tmp_path), rebuild, 6))
               for rebuild in (True, True, False)]
    for w in workers:
        w.start()
    # meanwhile the shop grows: the range readers and the rebuilders see different shops
    # (each customer whole in one statement: a phone set after its row was read is an edit,
    # found at the next rebuild)
    source = _ids[0]
    grower = history_rows.root(server, db)
    try:
        with grower.cursor() as cur:
            for n in range(20):
                copy_customer(cur, db, source, f"grown-{n}@example.com", f"040 {1000000 + n}")
                grower.commit()
    finally:
        grower.close()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    match(keyed, orders_of(family))  # and this one's range read
    rows = shop_sql(server, db, (
        "SELECT customers_id, SUBSTR(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE("
        "customers_telephone, ' ', ''), '-', ''), '/', ''), '(', ''), ')', ''), '.', ''), "
        "'+', ''), -6) FROM customers", ()))[0]
    want = {(digest(fold(k or "")), int(i)) for i, k in rows if fold(k or "")}
    with store.engine.connect() as conn:
        m, k = customer_key_marks.c, customer_keys.c
        mark = conn.execute(sa.select(m.kind, m.gen, m.mark)
                            .where(m.kind.like("phone6/%"))).all()
        assert len(mark) == 1
        kind, gen, high = mark[0]
        have = {(key, int(i)) for key, i in conn.execute(
            sa.select(k.key, k.shop_id).where(k.kind == kind, k.gen == gen))}
        # the losers' and the replaced generations are gone (but for a build still running:
        # none here, every process has ended)
        assert {g for (g,) in conn.execute(sa.select(k.gen).where(k.kind == kind)
                                           .distinct())} == {gen}
    assert high == max(i for i, _k in rows)
    assert want <= have, f"{len(want - have)} customers missing from the directory"



@pytest.fixture
def opencart3(mariadb_server, mariadb_db, tmp_path, store_url):
    FAMILIES["opencart3"].create(mariadb_db)
    history_rows.add_customers(mariadb_server, "opencart3", mariadb_db.database, EXTRA)
    section = shop_section(mariadb_db, FAMILIES["opencart3"].connector())
    with connector_pair(section, tmp_path, store_url) as (keyed, plain, _store):
        yield mariadb_server, mariadb_db.database, keyed, plain


def test_opencart3_matches_by_email_through_the_directory(opencart3):
    """OpenCart 3.0 indexes no oc_customer.email: step 1's look-up and the write's (under the
    chunk's email locks) go through the directory."""
    server, db, keyed, plain = opencart3

    def plan(connector, orders):
        got = connector._match(orders)
        connector.end_read()
        return {n: (m.key, m.customer_id, m.conflict) for n, m in got.items()}

    def oc(sql, *args):
        return shop_sql(server, db, (sql, args))[0]

    known = int(oc("SELECT customer_id FROM oc_customer WHERE email = %s",
                   "history-5@customers.invalid")[0][0])
    orders = [order("known", "History-5@customers.invalid"), order("new", "late@example.com")]
    got = plan(keyed, orders)
    assert keyed.customer_keys.last == "built"
    assert got == plan(plain, orders) and got["known"][:2] == ("email", known)
    assert got["new"][0] == "new"
    # added in the shop after the build: found by the range; read: a few rows, not the shop
    history_rows.add_customers(server, "opencart3", db, 1)
    late = int(oc("SELECT MAX(customer_id) FROM oc_customer")[0][0])
    oc("UPDATE oc_customer SET email = 'late@example.com' WHERE customer_id = %s", late)
    again: dict = {}
    rows = scanned(keyed, lambda: again.update(plan(keyed, orders)))
    assert again == plan(plain, orders) and again["new"][:2] == ("email", late)
    assert rows < EXTRA // 4, f"{rows} rows read with the directory built"
    # an email edited in the shop: the old one is not matched (the candidate is re-read); the
    # new one is found once the directory is rebuilt
    oc("UPDATE oc_customer SET email = 'edited@example.com' WHERE customer_id = %s", known)
    assert plan(keyed, orders)["known"][0] == "new" == plan(plain, orders)["known"][0]
    edited = [order("edited", "edited@example.com")]
    assert plan(keyed, edited)["edited"][0] == "new"
    assert plan(plain, edited)["edited"][:2] == ("email", known)
    keyed.customer_keys.max_age = timedelta(0)
    assert plan(keyed, edited)["edited"][:2] == ("email", known)


def copy_customer(cur, db: str, source: int, email: str, phone: str) -> int:
    """A copy of customer `source` with its own email and phone and an auto-increment id."""
    names = [n for n, _extra, _t in history_rows._columns(cur, db, "customers")
             if n != "customers_id"]
    picks = ", ".join("%s" if n in ("customers_email_address", "customers_telephone")
                      else f"`{n}`" for n in names)
    args = [email if n == "customers_email_address" else phone for n in names
            if n in ("customers_email_address", "customers_telephone")]
    cur.execute(f"INSERT INTO customers ({', '.join(f'`{n}`' for n in names)}) "
                f"SELECT {picks} FROM customers WHERE customers_id = %s", args + [source])
    cur.execute("SELECT LAST_INSERT_ID()")
    return int(cur.fetchone()[0])


def test_a_customer_committed_after_a_later_one_is_found_through_the_watched_gap(shop):
    """Another daemon's chunk takes customer ids and commits after a later id committed (a
    checkout) and after a range read moved the watermark past both: the id without a row is
    watched — re-read at every look-up — so the customer is found once committed, without
    reading the shop."""
    _family, server, db, keyed, _plain, store, (first, *_rest) = shop
    lookup = [order("late", "someone-else@example.com", "+49 30 1357913")]
    assert match(keyed, lookup)["late"][0] == "new"  # built
    slow, quick = history_rows.root(server, db), history_rows.root(server, db)
    try:
        with slow.cursor() as cur, quick.cursor() as other:
            cur.execute("BEGIN")
            late = copy_customer(cur, db, first, "late@example.com", "030 1357913")
            # a later id commits first, and a look-up reads it: the watermark passes `late`
            after = copy_customer(other, db, first, "after@example.com", "030 2468024")
            quick.commit()
            assert after > late
            assert match(keyed, lookup)["late"][0] == "new"
            with store.engine.connect() as conn:
                m = customer_key_marks.c
                marks = conn.execute(sa.select(m.mark, m.gaps)
                                     .where(m.kind.like("phone6/%"))).all()
            assert marks[0][0] == after and marks[0][1].split(":")[0] == str(late)
        slow.commit()
    finally:
        slow.close()
        quick.close()
    rows: dict = {}
    read = scanned(keyed, lambda: rows.update(match(keyed, lookup)))
    assert rows["late"][:2] == ("phone", late)
    assert read < EXTRA // 4
    with store.engine.connect() as conn:
        assert all(str(late) not in (g or "") for (g,) in conn.execute(
            sa.select(customer_key_marks.c.gaps)))


def test_a_shop_restored_below_the_watermark_is_read_again(shop):
    """A shop restored from an older backup hands out ids the directory already passed: no row
    at or above the watermark and a highest id below it make the look-up rebuild."""
    _family, server, db, keyed, plain, _store, (first, *_rest) = shop
    lookup = [order("back", "someone-else@example.com", "+49 30 1122334")]
    assert match(keyed, lookup)["back"][0] == "new"  # built
    keep = EXTRA // 2
    shop_sql(server, db, ("DELETE FROM customers WHERE customers_id > %s", (keep,)),
             (f"ALTER TABLE customers AUTO_INCREMENT = {keep + 1}", ()))
    conn = history_rows.root(server, db)
    try:
        with conn.cursor() as cur:
            back = copy_customer(cur, db, first, "back@example.com", "030 1122334")
        conn.commit()
    finally:
        conn.close()
    assert back == keep + 1
    got = match(keyed, lookup)
    assert keyed.customer_keys.last == "built"
    assert got["back"][:2] == ("phone", back) and got == match(plain, lookup)
    # and the next look-up reads the rows added since again, not the shop
    assert match(keyed, lookup)["back"][:2] == ("phone", back)
    assert keyed.customer_keys.last == "range"
