"""Test helpers that need the application: shop schema, sample orders, config sections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# the osCommerce test shop's products, as `orderexchange shop create oscommerce` makes them:
# (model, name, price, status); A-300 is inactive in the shop
from orderexchange.shop_create import OSCOMMERCE_PRODUCTS as SHOP_PRODUCTS  # noqa: E402
KNOWN_CUSTOMER = {"first": "Anna", "last": "Schmidt", "email": "anna.schmidt@example.com",
                  "phone": "+49 30 1234567"}


def create_oscommerce_schema(url: str, prefix: str = "", engine: str = "InnoDB") -> None:
    """Create the osCommerce tables (orderexchange/shop_schemas) and seed a shop's reference
    data."""
    import sqlalchemy as sa

    from orderexchange.demo import seed_oscommerce

    from orderexchange.shop_create import schema_text

    eng = sa.create_engine(url)
    with eng.begin() as conn:
        for stmt in schema_text("oscommerce_mysql.sql", prefix, engine):
            conn.exec_driver_sql(stmt.replace("%", "%%"))
        seed_oscommerce(conn, SHOP_PRODUCTS, [KNOWN_CUSTOMER], prefix=prefix)
    eng.dispose()



def supplier_section(db, **overrides):
    """The `[suppliers.X]` table for a shop database fixture (password kept apart from the URL),
    osCommerce unless `connector` says otherwise: shopdb.shop_section under its older name."""
    from shopdb import shop_section

    return shop_section(db, **overrides)


# Taken once per test process: two sample orders built a moment apart must be the same order. With
# the clock read per call, a re-import that straddled a second boundary carried another date and
# was taken for a corrected copy instead of a duplicate (a CI flake in test_sources).
_SESSION_NOW = datetime.now(UTC).replace(microsecond=0)


def recent(days: int = 3) -> str:
    """An order date `days` before the session's start (ISO 8601): sample orders never age into a
    warning, and the same sample order built twice has the same date."""
    return (_SESSION_NOW - timedelta(days=days)).isoformat()


def sample_order(number="1001", email="anna.schmidt@example.com", first="Anna", last="Schmidt",
                 country="DE", lines=None, phone=None, **extra):
    """One customer order in the JSON Lines import shape.

    Anna (the shop's known customer) has the seeded phone number; anyone else gets a number of
    their own (derived from the order number), so phone matching finds only whom it should.
    """
    if phone is None:
        phone = KNOWN_CUSTOMER["phone"] if email.lower() == KNOWN_CUSTOMER["email"] \
            else f"+49 40 5{''.join(ch for ch in number if ch.isdigit())[-6:]:0>6}"
    addr = {"first_name": first, "last_name": last, "street": "Hauptstr. 1", "postcode": "10115",
            "city": "Berlin", "country": country}
    order = {"number": number, "ordered_at": recent(), "currency": "EUR",
             "shipping": "4.90",
             "customer": {"email": email, "first_name": first, "last_name": last,
                          "phone": phone},
             "billing": addr, "delivery": dict(addr),
             "lines": lines or [{"sku": "HAMMER", "name": "Claw hammer", "quantity": 2,
                                 "unit_price": "12.90", "tax_rate": "19"}]}
    order.update(extra)
    return order


BERND_CUSTOMER = {"email": "bernd.bauer@example.com", "first_name": "Bernd", "last_name": "Bauer",
                  "phone": "+49 89 7654321"}
BERND_BILLING = {"first_name": "Bernd", "last_name": "Bauer", "company": "Bauer Bau GmbH",
                 "street": "Lindenallee 7", "street2": "Hinterhaus", "postcode": "80331",
                 "city": "München", "state": "Bayern", "country": "DE"}
BERND_DELIVERY = {"first_name": "Clara", "last_name": "Bauer", "street": "Seeweg 3",
                  "postcode": "1010", "city": "Wien", "country": "AT"}
BERND_LINES = [{"sku": "SCREWS", "name": "Screwdriver set", "quantity": 3, "unit_price": "19.90",
                "tax_rate": "19"},
               {"sku": "HAMMER", "name": "Claw hammer", "quantity": 1, "unit_price": "12.90",
                "tax_rate": "7"}]


def bernd_order(number: str = "1002", *, customer: dict[str, Any] | None = None,
                billing: dict[str, Any] | None = None, delivery: dict[str, Any] | None = None,
                **extra: Any) -> dict[str, Any]:
    """The connector tests' new customer: Bernd Bauer, billing in Munich with company, suburb
    and state, delivery to Clara Bauer in Vienna; 3 × SCREWS at 19 % and 1 × HAMMER at 7 %.

    `customer`, `billing` and `delivery` change single fields of his (a None value drops the
    field), so a shop's variant says only what differs.
    """
    def changed(base: dict[str, Any], changes: dict[str, Any] | None) -> dict[str, Any]:
        out = {**base, **(changes or {})}
        return {k: v for k, v in out.items() if v is not None}

    return sample_order(number, email="bernd.bauer@example.com", first="Bernd", last="Bauer",
                        customer=changed(BERND_CUSTOMER, customer),
                        billing=changed(BERND_BILLING, billing),
                        delivery=changed(BERND_DELIVERY, delivery),
                        lines=[dict(line) for line in BERND_LINES], **extra)


CATALOGUE_CSV = ("sku,supplier,supplier_sku,purchase_price,name\n"
                 "HAMMER,alpha,A-100,7.20,Claw hammer\n"
                 "SCREWS,alpha,A-200,10.80,Screwdriver set\n"
                 "LEVEL,alpha,A-300,8.90,Spirit level\n")



# Runs the real `orderexchange` CLI in a child process that trusts a test vendor key: the
# test-only seam is in-process, so the child installs it itself before calling the CLI.
LICENSED_CLI = """
import sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from orderexchange import licence
from orderexchange.cli import main
with licence._trust_keys_for_tests([load_pem_public_key(open(sys.argv[1], 'rb').read())]):
    main(sys.argv[2:])
"""


def licensed_cli_command(vendor_key, folder, *args):
    """argv for a child process running `orderexchange *args` with `vendor_key` trusted."""
    import sys

    from cryptography.hazmat.primitives import serialization

    pem = Path(folder) / "test-vendor-public.pem"
    pem.write_bytes(vendor_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return [sys.executable, "-c", LICENSED_CLI, str(pem), *map(str, args)]


def send_at_once(*runs):
    """Start every run's `send()` in its own thread at the same moment (a barrier) and return
    their results in run order: two processes sending to one shop at once."""
    import threading

    barrier = threading.Barrier(len(runs))
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def send(i: int) -> None:
        barrier.wait()
        try:
            results[i] = runs[i].send()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(runs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(runs))]


def cli_config(directory: Path, database_toml: str) -> Path:
    """`directory/config.toml` for CLI tests: distributor, an SQLite store and the file mail
    transport in `directory`, and the OpenCart supplier alpha whose `[suppliers.alpha.database]`
    table (and any tables below it) is `database_toml`."""
    path = directory / "config.toml"
    path.write_text(f"""
[distributor]
id = "acme"
name = "ACME"
email = "orders@acme.example"

[store]
url = "sqlite:///{directory / 'state.sqlite'}"

[mail]
transport = "file"
outbox = "{directory / 'outbox'}"

[suppliers.alpha]
name = "Alpha"
email = "orders@alpha.example"
connector = "opencart"

[suppliers.alpha.database]
{database_toml}""", encoding="utf-8")
    return path


def kill_at_write(patch: Any, module: Any, connector: type, table: str,
                  column: str | None = None) -> None:
    """The shop connection dies (MySQL error 2013) at the first INSERT into `table`, or at the
    first UPDATE of `column` in it: what a kill leaves behind on tables without transactions.
    `module` is the connector's module (its `update_row`), `connector` its class."""
    import pymysql
    import sqlalchemy as sa

    def lost() -> None:
        raise sa.exc.OperationalError(f"… {table} …", {},
                                      pymysql.err.OperationalError(2013, "Lost connection"))

    real_insert, real_update = connector.insert, module.update_row

    def insert(self: Any, name: str, values: Any, **kwargs: Any) -> Any:
        if name == table and column is None:
            lost()
        return real_insert(self, name, values, **kwargs)

    def update(conn: Any, name: str, values: Any, where: Any) -> Any:
        if name == table and column in values:
            lost()
        return real_update(conn, name, values, where)

    patch.setattr(connector, "insert", insert)
    patch.setattr(module, "update_row", update)
