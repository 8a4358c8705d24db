"""The state store: customer orders, catalogue, supplier orders and the transfer log.

SQLAlchemy 2 Core, so the same code runs on the zero-set-up SQLite file and on a PostgreSQL or
MariaDB shared by several daemons. Every state change is its own short transaction, committed before
the side effect it precedes (SPEC §5) — a crash can lose at most work in flight, never its record.

One `Store` class, written in parts by job so that no module grows past a few hundred lines:

- `schema`: the tables, column types and small helpers (`now`, `new_reference`);
- `connect`: opening a store (engine, refusal of a foreign file, upgrade of an older store);
- `orders`: customer orders (import, corrections) and the catalogue;
- `supplier`: build, load, state changes and write outcomes of supplier orders;
- `held`: held customer orders (step 1's holds, `hold` / `release` by hand);
- `log`: the transfer log's events, settings, supplier status and purge;
- `cancel_sync`: cancel and read-back of written transfers;
- `key_directory`: a cache of supplier shops' customer keys (`CustomerKeys`, customer matching).

No part is named like a table (`customers`, `transfers` …): importing a submodule sets the
package attribute of its name, which would hide the table re-exported under that name.

Everything that was importable from `orderexchange.store` before the split still is, from here.
"""

from __future__ import annotations

from .cancel_sync import CancelAndReadBack
from .connect import StoreBase, sqlite_path
from .held import Holds
from .key_directory import CustomerKeys  # registers its tables with `metadata`
from .log import TransferLog
from .orders import ChunkResult, CustomerOrders
from .schema import (
    CUSTOMER_FIELDS, DecimalText, Money, UtcDateTime, addresses, catalogue, customer_orders,
    customers, events, findings, metadata, new_reference, now, order_lines, settings,
    supplier_orders, transfer_lines, transfers,
)
from .supplier import SupplierOrders

__all__ = [
    "CUSTOMER_FIELDS", "ChunkResult", "CustomerKeys", "DecimalText", "Money", "Store", "UtcDateTime", "addresses",
    "catalogue", "customer_orders", "customers", "events", "findings", "metadata",
    "new_reference", "now", "order_lines", "settings", "sqlite_path", "supplier_orders",
    "transfer_lines", "transfers",
]


class Store(CustomerOrders, SupplierOrders, Holds, TransferLog, CancelAndReadBack, StoreBase):
    """One state store (an SQLite file or a PostgreSQL/MariaDB database), opened and upgraded.

    The parts share nothing but `engine` and call each other only through `self`, so a method
    moved between parts keeps its name and its callers."""
