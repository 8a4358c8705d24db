"""Round trips of a chunk's write (issue 15), counted on the real throwaway MariaDB.

A chunk of orders goes into an InnoDB shop in one transaction with one multi-row INSERT per
table; what made a connector slow was a chunk split into many statements after all (rows that
name different columns) or a statement per order left in the chunk path. Each test counts the
statements the shop's server received and reads the orders back the way the shop's admin does.
"""

from __future__ import annotations

import collections
import copy
import json
import re
from collections.abc import Iterator
from decimal import Decimal

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


def test_prestashop_chunk_is_one_insert_per_table_and_the_admin_shows_each_order(
        mariadb_db, prepare, statements):
    """PrestaShop on InnoDB: a chunk's customers, addresses, carts, orders, invoices, lines,
    taxes, carriers, histories and payments each go in one multi-row INSERT, the ids later rows
    name taken from those INSERTs; the invoice numbers from one read. Read back as the admin's
    order list and view do: every order under its own customer, its cart naming its delivery
    address, its invoice numbered in turn and linked to its lines, carrier and payment."""
    from test_prestashop_mariadb import ANNA, BERND, admin_list, make_shop
    from test_prestashop_mariadb import alpha as presta

    shop = make_shop(mariadb_db)
    bernd_again = copy.deepcopy(BERND)  # same email and addresses: his customer, his addresses
    bernd_again["number"] = "1003"
    others = [sample_order(str(1004 + k), email=f"p{k}@example.com", first=f"P{k}", last="Neu")
              for k in range(3)]
    run = prepare(presta(shop), [ANNA, BERND, bernd_again, *others])
    statements.clear()  # the shop's seed rows: not the send's
    [result] = run.send()
    assert result.error is None and result.written == 6, result.as_dict()
    assert result.customers_created == 4
    for table in ("customer", "customer_group", "address", "cart", "orders", "order_invoice",
                  "order_detail", "order_detail_tax", "order_carrier", "order_history",
                  "order_payment", "order_invoice_payment"):
        assert statements[f"INSERT ps_{table}"] == 1, table
    assert statements["UPDATE ps_orders"] == 0
    assert statements["SELECT ps_order_invoice"] == 1  # the highest number, once per chunk
    assert statements["SELECT ps_address"] == 1  # the known customers' addresses, once

    ids = {n: int(t.remote_order_id) for n, t in run.transfers().items()}
    listed = admin_list(shop)
    assert [r["id"] for r in listed] == sorted(ids.values())
    by_id = {r["id"]: r for r in listed}
    assert [by_id[ids[n]]["customer"] for n in ("1001", "1002", "1003", "1004", "1005",
                                                 "1006")] == [
        "A. Schmidt", "B. Bauer", "B. Bauer", "P. Neu", "P. Neu", "P. Neu"]
    assert [by_id[ids[n]]["new"] for n in ("1002", "1003")] == [1, 0]
    assert (by_id[ids["1001"]]["total"], by_id[ids["1002"]]["total"]) == (
        Decimal("22.040000"), Decimal("51.160000"))
    assert [r["invoice"] for r in listed] == [1, 2, 3, 4, 5, 6]  # in turn, none taken twice

    orders = query(shop, "SELECT o.id_order, o.id_customer, o.id_cart, o.id_address_delivery, "
                         "o.id_address_invoice, o.invoice_number, o.total_products_wt, "
                         "c.id_customer AS cart_customer, c.id_address_delivery AS cart_delivery,"
                         " c.delivery_option, c.id_carrier FROM ps_orders o JOIN ps_cart c ON "
                         "c.id_cart = o.id_cart ORDER BY o.id_order")
    for o in orders:
        assert (o["cart_customer"], o["cart_delivery"]) == (o["id_customer"],
                                                            o["id_address_delivery"])
        assert json.loads(o["delivery_option"]) == {
            str(o["id_address_delivery"]): f"{o['id_carrier']},"}
        [invoice] = query(shop, "SELECT id_order_invoice, number FROM ps_order_invoice WHERE "
                                "id_order = :o", o=o["id_order"])
        assert invoice["number"] == o["invoice_number"]
        details = query(shop, "SELECT id_order_invoice, total_price_tax_incl FROM "
                              "ps_order_detail WHERE id_order = :o", o=o["id_order"])
        assert {d["id_order_invoice"] for d in details} == {invoice["id_order_invoice"]}
        assert sum(d["total_price_tax_incl"] for d in details) == o["total_products_wt"]
        [carrier] = query(shop, "SELECT id_order_invoice FROM ps_order_carrier WHERE "
                                "id_order = :o", o=o["id_order"])
        assert carrier["id_order_invoice"] == invoice["id_order_invoice"]
        [link] = query(shop, "SELECT p.transaction_id FROM ps_order_invoice_payment l JOIN "
                             "ps_order_payment p ON p.id_order_payment = l.id_order_payment "
                             "WHERE l.id_order = :o AND l.id_order_invoice = :i",
                       o=o["id_order"], i=invoice["id_order_invoice"])
        assert link["transaction_id"] == next(t.reference for t in run.transfers().values()
                                              if int(t.remote_order_id) == o["id_order"])
    bernd = [o for o in orders if o["id_order"] in (ids["1002"], ids["1003"])]
    assert bernd[0]["id_customer"] == bernd[1]["id_customer"]
    assert (bernd[0]["id_address_delivery"], bernd[0]["id_address_invoice"]) == (
        bernd[1]["id_address_delivery"], bernd[1]["id_address_invoice"])  # reused, not doubled
    assert count_rows(shop, "ps_customer_group", bernd[0]["id_customer"]) == 1
    taxes = query(shop, "SELECT d.id_order, SUM(t.total_amount) AS tax FROM ps_order_detail_tax t "
                        "JOIN ps_order_detail d ON d.id_order_detail = t.id_order_detail "
                        "GROUP BY d.id_order ORDER BY d.id_order")
    assert {r["id_order"]: r["tax"] for r in taxes}[ids["1002"]] == Decimal("6.660000")  # 6.16 + 0.50


def count_rows(db, table: str, customer_id: int) -> int:
    return len(query(db, f"SELECT 1 FROM {table} WHERE id_customer = :c", c=customer_id))
