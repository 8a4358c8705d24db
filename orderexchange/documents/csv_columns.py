"""The CSV attachment's columns: name → (meaning, value), and the default choice.

A leaf module on purpose: the config validates `csv_columns` against this table, and every other
documents module needs the config's types — importing the table must not import those."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .text import amount, number


# --- CSV ---------------------------------------------------------------------------------------
def _decimal(value: Decimal | int, sep: str) -> str:
    return number(value).replace(".", sep) if sep != "." else number(value)


def _money(value: Decimal, sep: str) -> str:
    return amount(value).replace(".", sep) if sep != "." else amount(value)


#: (sheet, customer order, line, decimal separator) → the cell. The sheet types are not named:
#: this module must not import `sheet`, which needs the config's types (see above)
_Cell = Callable[[Any, Any, Any, str], object]


#: name → (meaning, value). The order of this table is the order `config check` lists them in.
CSV_COLUMNS: dict[str, tuple[str, _Cell]] = {
    "supplier_order": ("our supplier order, e.g. acme-42", lambda s, o, l, d: s.label),
    "reference": ("exchange reference of the customer order (quote it back)",
                  lambda s, o, l, d: o.reference),
    "shop_order": ("the order number in your shop (empty: handed over by email)",
                   lambda s, o, l, d: o.shop_order_id if s.handover == "shop" else ""),
    "order_number": ("the customer order number in our shop", lambda s, o, l, d: o.number),
    "order_date": ("customer order date, YYYY-MM-DD",
                   lambda s, o, l, d: f"{o.ordered_at:%Y-%m-%d}"),
    "customer_number": ("our customer number with you", lambda s, o, l, d: s.customer_number or ""),
    "line_no": ("line number in the customer order", lambda s, o, l, d: l.line_no),
    "supplier_sku": ("your article number", lambda s, o, l, d: l.supplier_sku),
    "sku": ("our article number", lambda s, o, l, d: l.sku),
    "name": ("product name", lambda s, o, l, d: l.name),
    "quantity": ("quantity", lambda s, o, l, d: _decimal(l.quantity, d)),
    "unit": ("unit, UN/ECE Rec. 20 code (C62 = piece)", lambda s, o, l, d: l.unit_code),
    "unit_price": ("net purchase price per unit", lambda s, o, l, d: _money(l.unit_price, d)),
    "line_net": ("net line total", lambda s, o, l, d: _money(l.net_total, d)),
    "tax_rate": ("tax rate in percent", lambda s, o, l, d: _decimal(l.tax_rate, d)),
    "line_tax": ("tax of the line", lambda s, o, l, d: _money(l.tax, d)),
    "currency": ("ISO 4217 currency", lambda s, o, l, d: o.currency),
    "shipping": ("net shipping of the customer order (repeated on each of its lines)",
                 lambda s, o, l, d: _money(o.shipping, d)),
    "drop_ship": ("blind drop-ship: yes / no", lambda s, o, l, d: "yes" if o.blind else "no"),
    "customer_name": ("end customer's name", lambda s, o, l, d:
                      f"{o.customer.first_name} {o.customer.last_name}".strip()),
    "customer_email": ("end customer's email (empty for blind drop-ship)",
                       lambda s, o, l, d: "" if o.blind else o.customer.email),
    "customer_phone": ("end customer's phone, for the carrier",
                       lambda s, o, l, d: o.customer.phone),
    "delivery_company": ("ship-to company", lambda s, o, l, d: o.delivery.company),
    "delivery_name": ("ship-to person", lambda s, o, l, d: o.delivery.name),
    "delivery_first_name": ("ship-to first name", lambda s, o, l, d: o.delivery.first_name),
    "delivery_last_name": ("ship-to last name", lambda s, o, l, d: o.delivery.last_name),
    "delivery_street": ("ship-to street and number", lambda s, o, l, d: o.delivery.street),
    "delivery_street2": ("ship-to address addition", lambda s, o, l, d: o.delivery.street2),
    "delivery_postcode": ("ship-to postcode", lambda s, o, l, d: o.delivery.postcode),
    "delivery_city": ("ship-to city", lambda s, o, l, d: o.delivery.city),
    "delivery_state": ("ship-to state / region", lambda s, o, l, d: o.delivery.state),
    "delivery_country": ("ship-to country, ISO 3166-1 alpha-2",
                         lambda s, o, l, d: o.delivery.country),
}


DEFAULT_CSV_COLUMNS = (
    "supplier_order", "reference", "shop_order", "order_number", "order_date", "line_no",
    "supplier_sku", "name", "quantity", "unit", "unit_price", "line_net", "tax_rate", "currency",
    "drop_ship", "delivery_company", "delivery_name", "delivery_street", "delivery_street2",
    "delivery_postcode", "delivery_city", "delivery_country", "customer_phone")
