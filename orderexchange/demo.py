"""`orderexchange demo`: the whole product on a throwaway workspace, with nothing to install.

Two supplier shops as SQLite files with the osCommerce schema, the SQLite state store, and a folder
of `.eml` files as the outbox. It runs the same import, build and dispatch code as the real
commands; only the licence gate is not asked (the demo must work before activation).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from . import config as config_mod
from .build import build
from .dispatch import Dispatcher
from .errors import OXError
from .importer import import_catalogue, import_orders
from .model import SupplierOrderState
from .plugin_host import PluginHost
from .present import styled
from .store import Store

DATA = Path(__file__).parent / "demo_data"

COUNTRIES = [  # id, name, iso2, iso3, address_format_id
    (81, "Germany", "DE", "DEU", 5), (14, "Austria", "AT", "AUT", 5),
    (204, "Switzerland", "CH", "CHE", 5), (222, "United Kingdom", "GB", "GBR", 1),
    (73, "France", "FR", "FRA", 1), (223, "United States", "US", "USA", 2),
]
CURRENCIES = [  # title, code, left, right, decimal point, thousands, places, value
    ("Euro", "EUR", "", "€", ",", ".", "2", 1.0),
    ("US Dollar", "USD", "$", "", ".", ",", "2", 1.08),
    ("Swiss Franc", "CHF", "CHF ", "", ".", "'", "2", 0.9412),
    ("Pound Sterling", "GBP", "£", "", ".", ",", "2", 0.8563),
]
STATUSES = [(1, "Pending"), (2, "Processing"), (3, "Delivered")]


def seed_oscommerce(conn: sa.Connection, products: list[tuple[str, str, str, int]],
                    customers: list[dict[str, Any]] = (), prefix: str = "") -> None:
    """Reference data a real shop has: countries, currencies, statuses, products, customers.

    products: (model, name, price, status). Used by the demo and by the tests.
    """
    def ins(table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            cols = list(rows[0])
            conn.execute(sa.text(f"INSERT INTO {prefix}{table} ({', '.join(cols)}) VALUES "
                                 f"({', '.join(':' + c for c in cols)})"), rows)

    ins("countries", [{"countries_id": i, "countries_name": n, "countries_iso_code_2": c2,
                       "countries_iso_code_3": c3, "address_format_id": f}
                      for i, n, c2, c3, f in COUNTRIES])
    ins("currencies", [{"title": t, "code": c, "symbol_left": left, "symbol_right": right,
                        "decimal_point": dp, "thousands_point": tp, "decimal_places": pl,
                        "value": v} for t, c, left, right, dp, tp, pl, v in CURRENCIES])
    ins("orders_status", [{"orders_status_id": i, "language_id": 1, "orders_status_name": n}
                          for i, n in STATUSES])
    for pid, (model, name, price, status) in enumerate(products, start=1):
        ins("products", [{"products_id": pid, "products_quantity": 100, "products_model": model,
                          "products_price": price, "products_date_added": "2026-01-01 00:00:00",
                          "products_weight": "1.00", "products_status": status,
                          "products_tax_class_id": 1}])
        ins("products_description", [{"products_id": pid, "language_id": 1,
                                      "products_name": name}])
    for c in customers:
        cid = conn.execute(sa.text(
            f"INSERT INTO {prefix}customers (customers_firstname, customers_lastname, "
            "customers_email_address, customers_telephone, customers_password, "
            "customers_newsletter, customers_default_address_id) "
            "VALUES (:first, :last, :email, :phone, 'x', '0', 0)"), c).lastrowid
        aid = conn.execute(sa.text(
            f"INSERT INTO {prefix}address_book (customers_id, entry_firstname, entry_lastname, "
            "entry_street_address, entry_postcode, entry_city, entry_country_id, entry_zone_id) "
            "VALUES (:cid, :first, :last, 'Hauptstr. 1', '10115', 'Berlin', 81, 0)"),
            dict(c, cid=cid)).lastrowid
        conn.execute(sa.text(f"UPDATE {prefix}customers SET customers_default_address_id = :a "
                             "WHERE customers_id = :c"), {"a": aid, "c": cid})


SHOPS = {
    "alpha": ("Alpha Tools GmbH", "orders@alpha-tools.example",
              [("A-100", "Claw hammer 450 g", "9.90", 1), ("A-200", "Screwdriver set, 6 pieces",
                                                             "14.50", 1),
               ("A-300", "Spirit level 60 cm", "12.00", 1)],
              [{"first": "Anna", "last": "Schmidt", "email": "anna.schmidt@example.com",
                "phone": "+49 30 1234567"}]),
    "beta": ("Beta Garden Supplies", "shop@beta-garden.example",
             [("B-10", "Garden hose 20 m", "19.00", 1), ("B-20", "Leaf rake", "8.40", 1)], []),
}


def create_shop(path: Path, products: list[tuple[str, str, str, int]],
                customers: list[dict[str, Any]]) -> None:
    with sqlite3.connect(path) as raw:
        raw.executescript((DATA / "oscommerce_sqlite.sql").read_text(encoding="utf-8"))
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        seed_oscommerce(conn, products, customers)
    engine.dispose()


#: written into every demo workspace: a later `demo --workspace` may write there again
MARKER = ".orderexchange-demo"
#: what a demo run leaves in its workspace (anything else means the folder is someone's)
DEMO_FILES = frozenset({MARKER, "shops", "config.toml", "catalogue.csv", "orders.jsonl",
                        "outbox", "state.sqlite", "state.sqlite-wal", "state.sqlite-shm",
                        "state.daemon.lock", "inbox"})


def check_workspace(ws: Path) -> None:
    """`demo --workspace DIR` writes only into a new or empty folder or a previous demo's: a
    real config.toml and state.sqlite in DIR must never be overwritten (OX-CLI-003)."""
    if not ws.exists():
        return
    if not ws.is_dir():
        raise OXError("OX-CLI-003", path=ws, example=ws.name)
    entries = sorted(p.name for p in ws.iterdir())
    if not entries:
        return
    foreign = [name for name in entries if name not in DEMO_FILES]
    if MARKER not in entries or foreign:
        raise OXError("OX-CLI-003", path=ws, example=(foreign or entries)[0])


def write_workspace(ws: Path) -> Path:
    (ws / "shops").mkdir(parents=True, exist_ok=True)
    (ws / MARKER).write_text("a workspace of `orderexchange demo`: it may be written again\n",
                             encoding="utf-8")
    lines = ['[distributor]', 'id = "demo"', 'name = "Demo Distribution Ltd"',
             'email = "orders@demo-distribution.example"', '',
             '[store]', 'url = "sqlite:///state.sqlite"', '',
             '[mail]', 'transport = "file"', 'outbox = "outbox"', '']
    for sid, (name, email, products, customers) in SHOPS.items():
        shop = ws / "shops" / f"{sid}.sqlite"
        if shop.exists():
            shop.unlink()
        create_shop(shop, products, customers)
        lines += [f'[suppliers.{sid}]', f'name = "{name}"', f'email = "{email}"',
                  'shipping_cost = "4.90"', '',
                  f'[suppliers.{sid}.database]', f'url = "sqlite:///{shop}"', '',
                  f'[suppliers.{sid}.connector]', 'type = "oscommerce"', 'order_status_id = 1', '']
    (ws / "config.toml").write_text("\n".join(lines), encoding="utf-8")
    (ws / "catalogue.csv").write_text(
        "sku,supplier,supplier_sku,purchase_price,name\n"
        "HAMMER-450,alpha,A-100,7.20,Claw hammer\n"
        "SCREW-SET,alpha,A-200,10.80,Screwdriver set\n"
        "LEVEL-60,alpha,A-300,8.90,Spirit level\n"
        "HOSE-20,beta,B-10,13.50,Garden hose\n"
        "RAKE,beta,B-20,5.60,Leaf rake\n", encoding="utf-8")
    (ws / "orders.jsonl").write_text("\n".join(json.dumps(o, ensure_ascii=False)
                                               for o in _orders()) + "\n", encoding="utf-8")
    return ws / "config.toml"


def _orders() -> list[dict[str, Any]]:
    # dated a few days back from today, so the demo never warns that its orders are old
    day = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(days=3)

    def at(days: int, hh_mm: str) -> str:
        hour, minute = map(int, hh_mm.split(":"))
        return (day + timedelta(days=days)).replace(hour=hour, minute=minute).isoformat()

    def addr(first: str, last: str, street: str, pc: str, city: str, cc: str) -> dict[str, str]:
        return {"first_name": first, "last_name": last, "street": street, "postcode": pc,
                "city": city, "country": cc}

    anna = addr("Anna", "Schmidt", "Hauptstr. 1", "10115", "Berlin", "DE")
    return [
        {"number": "1001", "ordered_at": at(0, "09:15"), "currency": "EUR",
         "shipping": "4.90",
         "customer": {"email": "anna.schmidt@example.com", "first_name": "Anna",
                      "last_name": "Schmidt", "phone": "+49 30 1234567"},
         "billing": anna, "delivery": anna,
         "lines": [{"sku": "HAMMER-450", "name": "Claw hammer", "quantity": 2,
                    "unit_price": "12.90", "tax_rate": "19"},
                   {"sku": "HOSE-20", "name": "Garden hose 20 m", "quantity": 1,
                    "unit_price": "24.90", "tax_rate": "19"}]},
        {"number": "1002", "ordered_at": at(0, "10:02"), "currency": "EUR",
         "customer": {"email": "ben.mueller@example.org", "first_name": "Ben",
                      "last_name": "Müller"},
         "billing": addr("Ben", "Müller", "Ringstraße 5", "1010", "Wien", "AT"),
         "delivery": {**addr("Clara", "Müller", "Gartenweg 3", "8010", "Graz", "AT"),
                      "company": "Müller & Söhne"},
         "lines": [{"sku": "SCREW-SET", "name": "Screwdriver set", "quantity": 1,
                    "unit_price": "18.50", "tax_rate": "20"},
                   {"sku": "LEVEL-60", "name": "Spirit level", "quantity": 3,
                    "unit_price": "14.00", "tax_rate": "20"}]},
        {"number": "1003", "ordered_at": at(1, "14:40"), "currency": "EUR",
         "customer": {"email": "chloe.dubois@example.fr", "first_name": "Chloé",
                      "last_name": "Dubois"},
         "billing": addr("Chloé", "Dubois", "12 rue de la Paix", "75002", "Paris", "FR"),
         "lines": [{"sku": "RAKE", "name": "Leaf rake", "quantity": 2, "unit_price": "11.90",
                    "tax_rate": "20"}]},
        {"number": "1004", "ordered_at": at(1, "16:00"), "currency": "EUR",
         "customer": {"email": "not-an-email", "first_name": "Dave", "last_name": "Broken"},
         "billing": addr("Dave", "Broken", "Nowhere 1", "12345", "Nowhere", "XX"),
         "lines": [{"sku": "RAKE", "name": "Leaf rake", "quantity": "two", "unit_price": "11.90",
                    "tax_rate": "19"}]},
    ]


def run_demo(workspace: Path | None, console: Console) -> Path:
    ws = Path(workspace) if workspace else Path(tempfile.mkdtemp(prefix="orderexchange-demo-"))
    check_workspace(ws)
    ws.mkdir(parents=True, exist_ok=True)
    for stale in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
        (ws / stale).unlink(missing_ok=True)
    config_path = write_workspace(ws)
    config = config_mod.load(config_path)
    store = Store(config.store.url)
    host = PluginHost(config.plugin_folder)
    console.rule(styled("[bold]orderexchange demo"))
    console.print(f"workspace: {ws}", soft_wrap=True)

    count, _ = import_catalogue(store, ws / "catalogue.csv", config.price_currencies())
    report = import_orders(store, ws / "orders.jsonl")
    console.print(styled("\n[bold]1. Import[/bold]: {} catalogue rows; {} customer orders "
                         "read, {} stored, {} errors:", count, report.rows, len(report.stored),
                         len(report.errors)))
    for e in report.errors:
        console.print(styled("   [red]{}[/red] {}\n      [dim]solution:[/dim] {}", e.code,
                             e.message, e.solution), highlight=False, soft_wrap=True)

    built = build(store, config)
    console.print(styled("\n[bold]2. Build[/bold]: {} supplier orders", len(built.created)))
    console.print(styled("\n[bold]3. Send[/bold] (step 1 check, step 2 write + notify)"))
    results = Dispatcher(config, store, host).send(built.created)
    # no Message-ID column: at 80 columns it would be cut with "…"; each follows in full
    table = Table("supplier order", "supplier", "state", "written", "new customers", "email")
    for r in results:
        table.add_row(str(r.supplier_order_id), r.supplier_id, r.state.value, str(r.written),
                      str(r.customers_created),
                      "sent" if r.message_id else (r.error.code if r.error else ""))
    console.print(table)
    for r in results:
        if r.message_id:
            console.print(f"  supplier order {r.supplier_order_id}: Message-ID {r.message_id}",
                          highlight=False, soft_wrap=True)

    console.print(styled("\n[bold]4. What the supplier shops now hold[/bold]"))
    shop_table = Table("shop", "order", "customer", "account", "deliver to", "lines", "total",
                       "status")
    for so_id in built.created:
        so = store.supplier_order(so_id)
        for t in so.transfers:
            engine = sa.create_engine(config.supplier(so.supplier_id).database.url)
            with engine.connect() as conn:
                row = conn.execute(sa.text(
                    "SELECT o.orders_id, o.customers_name, o.delivery_city, o.delivery_country, "
                    "(SELECT count(*) FROM orders_products p WHERE p.orders_id = o.orders_id) n, "
                    "(SELECT text FROM orders_total t WHERE t.orders_id = o.orders_id "
                    " AND t.class = 'ot_total') total, s.orders_status_name "
                    "FROM orders o JOIN orders_status s ON s.orders_status_id = o.orders_status "
                    "WHERE o.orders_id = :id"), {"id": t.remote_order_id}).first()
            engine.dispose()
            if row:
                shop_table.add_row(so.supplier_id, str(row.orders_id), row.customers_name,
                                   "new" if t.customer_created else "regular",
                                   f"{row.delivery_city}, {row.delivery_country}", str(row.n),
                                   row.total.replace("<strong>", "").replace("</strong>", ""),
                                   row.orders_status_name)
    console.print(shop_table)

    # paths as whole lines, not table cells: a cell would cut them with "…" at 80 columns
    console.print(styled("\n[bold]Where to look[/bold]"))
    where = [(f"shop database {sid}", ws / "shops" / f"{sid}.sqlite") for sid in config.suppliers]
    where += [("notification email", eml) for eml in sorted((ws / "outbox").glob("*.eml"))]
    where += [("state store", ws / "state.sqlite"), ("config", config_path)]
    for what, path in where:
        console.print(f"  {what}: {path}", highlight=False, soft_wrap=True)
    sent = sum(1 for r in results if r.state == SupplierOrderState.NOTIFIED)
    console.print(f"\n{sent} of {len(results)} supplier orders sent. Try: orderexchange --config "
                  f"{config_path} orders   (or: show ID, test db, explain OX-IMP-005)",
                  soft_wrap=True)
    store.close()
    return ws
