"""`orderexchange shop create`: a ready-to-use test shop in a MariaDB/MySQL database.

A newcomer wants to see an order land in a real shop database before pointing orderexchange
at a supplier's. This fills an empty database with one of the shipped connector types' shops —
tables as the real shop declares them (NOT NULL columns without defaults included), the
statuses, a currency, countries and a few products — from the schema files in shop_schemas/
(the same files the connector tests load), and returns the `[suppliers.<id>]` block to paste.

Nothing here touches an existing shop: a database that already holds one of the tables is
refused (OX-SHP-001).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import tomlkit
from sqlalchemy.engine import URL, make_url

from .errors import OXError

SCHEMAS = Path(__file__).parent / "shop_schemas"

#: osCommerce's schema file holds no rows: these are its products (model, name, price, status)
OSCOMMERCE_PRODUCTS = [("A-100", "Claw hammer 450 g", "9.90", 1),
                       ("A-200", "Screwdriver set, 6 pieces", "14.50", 1),
                       ("A-300", "Spirit level 60 cm", "12.00", 0)]


@dataclass(frozen=True)
class Kind:
    """One kind of test shop: its schema file, table prefix and connector settings."""

    schema: str
    connector: dict[str, Any]
    prefix: str = ""
    #: the products the schema ships with (SKU, name, active), for the catalogue hint
    products: tuple[tuple[str, str, bool], ...] = (
        ("A-100", "Claw hammer 450 g", True), ("A-200", "Screwdriver set, 6 pieces", True),
        ("A-300", "Spirit level 60 cm", False))


KINDS: dict[str, Kind] = {
    "oscommerce": Kind("oscommerce_mysql.sql", {"type": "oscommerce", "order_status_id": 1,
                                                "language_id": 1, "cancelled_status_id": 4}),
    "modified": Kind("modified_mysql.sql", {"type": "oscommerce"}),
    "opencart3": Kind("opencart3_mysql.sql", {"type": "opencart", "table_prefix": "oc_"},
                      prefix="oc_"),
    "opencart4": Kind("opencart4_mysql.sql", {"type": "opencart", "table_prefix": "oc_"},
                      prefix="oc_"),
    "oxid6": Kind("oxid6_mysql.sql", {"type": "oxid"}),
    "oxid7": Kind("oxid7_mysql.sql", {"type": "oxid"}),
    "woocommerce": Kind("woocommerce_mysql.sql", {"type": "woocommerce", "table_prefix": "wp_"},
                        prefix="wp_"),
    "prestashop": Kind("prestashop8_mysql.sql", {"type": "prestashop", "table_prefix": "ps_"},
                       prefix="ps_"),
    "magento": Kind("magento24_mysql.sql", {"type": "magento"}),
    "generic-sql": Kind("generic_shop_mysql.sql", {}),  # its mapping file is the connector
}


@dataclass
class CreatedShop:
    kind: str
    where: str
    tables: int
    products: list[dict[str, Any]] = field(default_factory=list)
    block: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "database": self.where, "tables": self.tables,
                "products": self.products, "config": self.block}


def schema_text(name: str, prefix: str = "", engine: str = "InnoDB",
                user_engine: str | None = None) -> list[str]:
    """The statements of a schema file, comments dropped; {prefix} is the table prefix,
    {engine} the storage engine, {user_engine} OXID's user tables' engine (default: engine)."""
    text = (SCHEMAS / name).read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    text = (text.replace("{prefix}", prefix).replace("{user_engine}", user_engine or engine)
            .replace("{engine}", engine))
    return [s.strip().rstrip(";") for s in re.split(r";\s*\n", text) if s.strip()]


def load_schema(url: str | URL, name: str, prefix: str = "", engine: str = "InnoDB",
                user_engine: str | None = None) -> int:
    """Run a schema file's statements on the database at `url`; how many tables it made."""
    statements = schema_text(name, prefix, engine, user_engine)
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with eng.begin() as conn:
            for stmt in statements:
                conn.exec_driver_sql(stmt.replace("%", "%%"))
    finally:
        eng.dispose()
    return sum(1 for s in statements if s.upper().startswith("CREATE TABLE"))


def _tables(name: str, prefix: str) -> list[str]:
    return [m.group(1) for s in schema_text(name, prefix)
            if (m := re.match(r"CREATE TABLE\s+`?([\w]+)`?", s, re.I))]


def generic_mapping() -> dict[str, Any]:
    """The generic SQL connector's mapping for the test shop (docs/connectors/generic_sql.md
    explains this same file)."""
    return tomllib.loads((SCHEMAS / "generic_shop_connector.toml").read_text(encoding="utf-8"))


def create_shop(kind: str, url: str, password: str | None = None) -> CreatedShop:
    """Create the test shop `kind` in the (empty or new) database named by `url`."""
    spec = KINDS[kind]
    target = make_url(url)
    if password:
        target = target.set(password=password)
    where = f"{target.host or 'localhost'}:{target.port or 3306}/{target.database or ''}"
    if not target.database:
        raise OXError("OX-SHP-002", where=where, detail="the URL names no database")
    _ensure_database(target, where)
    wanted = set(_tables(spec.schema, spec.prefix))
    eng = sa.create_engine(target, poolclass=sa.pool.NullPool)
    try:
        with eng.connect() as conn:
            existing = set(sa.inspect(conn).get_table_names())
    except sa.exc.SQLAlchemyError as exc:
        raise OXError("OX-SHP-002", where=where, detail=_reason(exc)) from None
    finally:
        eng.dispose()
    clash = sorted(wanted & existing)
    if clash:
        raise OXError("OX-SHP-001", where=where, table=clash[0])
    try:
        tables = load_schema(target, spec.schema, spec.prefix)
        if kind == "oscommerce":
            from .demo import seed_oscommerce

            eng = sa.create_engine(target, poolclass=sa.pool.NullPool)
            try:
                with eng.begin() as conn:
                    seed_oscommerce(conn, OSCOMMERCE_PRODUCTS, [], prefix=spec.prefix)
                    # a status to cancel into, so `orderexchange cancel` works on it too
                    conn.exec_driver_sql(
                        f"INSERT INTO {spec.prefix}orders_status (orders_status_id, "
                        "language_id, orders_status_name) VALUES (4, 1, 'Cancelled')")
            finally:
                eng.dispose()
    except sa.exc.SQLAlchemyError as exc:
        raise OXError("OX-SHP-002", where=where, detail=_reason(exc)) from None
    shop = CreatedShop(kind, where, tables,
                       [{"sku": sku, "name": name, "active": active}
                        for sku, name, active in spec.products])
    return shop


def _ensure_database(target: URL, where: str) -> None:
    """Create the named database when it does not exist yet (if the user may)."""
    server = sa.create_engine(target.set(database=""), poolclass=sa.pool.NullPool)
    try:
        with server.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql("SHOW DATABASES")}
            if target.database not in names:
                quoted = target.database.replace("`", "``")
                conn.exec_driver_sql(f"CREATE DATABASE `{quoted}` CHARACTER SET utf8mb4 "
                                     "COLLATE utf8mb4_unicode_ci")
    except sa.exc.SQLAlchemyError as exc:
        raise OXError("OX-SHP-002", where=where, detail=_reason(exc)) from None
    finally:
        server.dispose()


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", ())
    return str(args[1]) if len(args) > 1 else str(orig or exc).splitlines()[0]


def supplier_block(kind: str, supplier_id: str, url: str, password_var: str | None,
                   email: str) -> str:
    """The `[suppliers.<id>]` tables to paste into the config: the URL without password, the
    password as a `${VAR}` reference, the connector settings the test shop needs."""
    spec = KINDS[kind]
    clean = make_url(url).set(password=None).render_as_string(hide_password=False)
    doc = tomlkit.document()
    suppliers = tomlkit.table(is_super_table=True)
    table = tomlkit.table()
    table["name"] = f"Test shop ({kind})"
    table["email"] = email
    table["language"] = "en"
    database = tomlkit.table()
    database["url"] = clean
    if password_var:
        database["password"] = f"${{{password_var}}}"
    table["database"] = database
    connector = tomlkit.table()
    for key, value in (generic_mapping() if kind == "generic-sql" else spec.connector).items():
        connector[key] = value
    table["connector"] = connector
    suppliers[supplier_id] = table
    doc["suppliers"] = suppliers
    return doc.as_string()
