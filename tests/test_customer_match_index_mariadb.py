"""Customer matching by email reads the shop's index, not every customer (issue 15).

Every shipped SQL connector's shop (tests/test_realdata_e2e.py's FAMILIES) gets `EXTRA`
customers (bench/history_rows.py's `add_customers`: copies of its first customer, with
addresses), two of them with emails of our own: one in capitals, one with an accent. The
connector's `_match` — what step 1 and every chunk's write ask — then runs twice on the same
connection; the rows the server read in the second run (its `Handler_read_*` counters) must
stay far below `EXTRA`: the email column's collation ignores case, so the connectors ask
`email IN (…)` with lower-cased emails, which the email index serves. `LOWER(email) IN (…)`
read every customer (OpenCart 4: 4 → 40,004 rows with 20,000 customers, bench/README).

The semantics stay as they were: a differently-cased email in the shop is the same customer;
an accent variant (which the `_ci` collation equates) is not — the rows are compared
lower-cased in Python, as before. OpenCart 3 indexes no email (its install SQL,
upload/install/opencart.sql, keys oc_customer by customer_id alone): there the look-up reads
every row whichever form it takes — asserted, so that it is known.
"""

from __future__ import annotations

import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from shopdb import rows_read as scanned, shop_section

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import history_rows  # noqa: E402
from test_realdata_e2e import FAMILIES  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange.connector import instantiate  # noqa: E402
from orderexchange.model import Address, Customer, CustomerOrder  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402

EXTRA = 3_000
SHOP_CASED = "Mixed.Case@Example.COM"
SHOP_ACCENT = "müller.x@example.com"
#: no index on the email column: the match reads every customer (stated, not hidden)
SCANS = {"opencart3"}


def order(number: str, email: str, phone: str = "", postcode: str = "") -> CustomerOrder:
    address = Address("Erika", "Muster", "Hauptstr. 1", postcode, "Berlin", "DE")
    return CustomerOrder(number, datetime(2026, 12, 1), "EUR",
                         Customer(email, "Erika", "Muster", phone), address, address, [],
                         Decimal("0"))


def email_column(family: str) -> tuple[str, str]:
    first = history_rows.CUSTOMERS[family][0]
    return first.table, next(c for c, v in first.values.items() if v == history_rows._EMAIL)


@pytest.fixture
def shop(request, mariadb_server, mariadb_db, tmp_path):
    """(connector, the two customers' keys) of a shop of `request.param` with EXTRA more
    customers; the connector open on the shop."""
    family = request.param
    FAMILIES[family].create(mariadb_db)
    history_rows.add_customers(mariadb_server, family, mariadb_db.database, EXTRA)
    table, column = email_column(family)
    key = history_rows.CUSTOMERS[family][0].key
    conn = history_rows.root(mariadb_server, mariadb_db.database)
    ids = {}
    try:
        with conn.cursor() as cur:
            for n, email in ((1, SHOP_CASED), (2, SHOP_ACCENT)):
                was = f"history-{n}@customers.invalid"
                cur.execute(f"UPDATE `{table}` SET `{column}` = %s WHERE `{column}` = %s",
                            (email, was))
                assert cur.rowcount == 1
                cur.execute(f"SELECT `{key}` FROM `{table}` WHERE `{column}` = %s", (email,))
                ids[email] = cur.fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    config = config_mod.from_dict({
        "distributor": {"id": "acme", "name": "ACME", "email": "orders@acme.example"},
        "store": {"url": f"sqlite:///{tmp_path / 'state.sqlite'}"},
        "mail": {"transport": "file", "outbox": str(tmp_path / "outbox")},
        "suppliers": {"s0": shop_section(mariadb_db, FAMILIES[family].connector())}},
        tmp_path / "config.toml")
    connector = instantiate(PluginHost().connector_types(), config.supplier("s0"))
    connector.open()
    try:
        yield family, connector, ids
    finally:
        connector.close()



@pytest.mark.parametrize("shop", sorted(history_rows.CUSTOMERS), indirect=True)
def test_email_match_uses_the_index_and_keeps_its_semantics(shop):
    family, connector, ids = shop
    orders = [order("1", "mixed.case@example.com"),  # the shop spells it in capitals
              order("2", "MULLER.X@example.com"),    # the shop has müller.x: another person
              order("3", "history-7@customers.invalid")]
    connector._match(orders)  # first: the schema read, the policy
    connector.end_read()
    got = {}
    rows = scanned(connector, lambda: got.update(connector._match(orders)))
    connector.end_read()
    assert got["1"].key == "email"
    assert str(got["1"].customer_id) == str(ids[SHOP_CASED])
    assert got["2"].key == "new" and got["2"].customer_id is None
    assert got["3"].key == "email" and got["3"].customer_id is not None
    if family in SCANS:
        assert rows >= EXTRA, f"{family}: {rows} rows scanned (expected a scan: no index)"
    else:
        assert rows < EXTRA // 10, f"{family}: the email match scanned {rows} rows"


@pytest.mark.parametrize("shop", ["oscommerce", "modified"], indirect=True)
def test_oscommerce_reads_phones_and_names_only_where_they_can_change_a_match(shop):
    """Phone and name + postcode have no index (osCommerce and modified key customers by id
    and email, address_book by id and customer): each look-up reads every customer / address.
    Switched off (the default) they only name an account for an order no key in use found
    (OX-CHK-040): an order found by email asks neither; an order found by nothing asks both."""
    _family, connector, ids = shop
    known = order("1", "mixed.case@example.com", "+49 30 1234567", "10115")
    unknown = order("2", "someone.new@example.com", "+49 30 7654321", "10117")
    connector._match([known])
    connector.end_read()
    got = {}
    assert scanned(connector, lambda: got.update(connector._match([known]))) < EXTRA // 10
    assert got["1"].customer_id == ids[SHOP_CASED]
    assert scanned(connector, lambda: got.update(connector._match([known, unknown]))) >= EXTRA
    assert got["2"].key == "new" and got["1"].customer_id == ids[SHOP_CASED]
    connector.end_read()
    connector.supplier.match_phone = True  # in use: asked for every order (conflicts)
    assert scanned(connector, lambda: got.update(connector._match([known]))) >= EXTRA
    connector.end_read()
