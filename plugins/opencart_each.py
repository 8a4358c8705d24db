"""What a chunk of OpenCart single writes (`OpenCartConnector.write_each`) reads once for all its
orders.

Why: OpenCart 3 ships MyISAM tables, so a chunk cannot be one transaction — each order is still
written on its own, hidden first and its real status last. But the look-ups around each order
(its exchange reference, its customer by email, the customer's group and whether a killed
earlier attempt left that customer without an address) were five of the fifteen statements an
order cost. Under the chunk's named locks (every reference and every email of the chunk) nobody
else writes these orders or creates these customers, so one look-up per kind for the whole chunk
answers what the per-order ones did; what an earlier order of the chunk changes (a customer it
created, an address it completed) is kept here as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orderexchange.connector import look_up_floor
from orderexchange.model import SupplierOrder, Transfer


@dataclass
class Customer:
    """A matched shop customer as the chunk read it (and as its orders changed it)."""

    group: int
    #: empty: created by this connector (the storefront and the admin always set one)
    password: str
    #: `customer.address_id` (OpenCart 3.0), None where the column does not exist
    default_address: int | None
    #: the customer's address book, by id
    addresses: list[int] = field(default_factory=list)


@dataclass
class EachChunk:
    #: reference → (order id, customer id, status) of orders already carrying it (hidden ones
    #: included: half-written by a killed attempt, completed by `_write`)
    existing: dict[str, tuple[int, int, int]]
    #: (policy, account, problem) of `_policy_account`
    policy_account: tuple[str, dict[str, Any] | None, str | None]
    #: order number → CustomerMatch (policy "customer" only)
    matches: dict[str, Any] = field(default_factory=dict)
    #: email (lower case) → id of a customer an earlier order of the chunk created
    created: dict[str, int] = field(default_factory=dict)
    #: customer id → what the chunk knows of a matched customer
    customers: dict[int, Customer] = field(default_factory=dict)


def load_chunk(connector: Any, so: SupplierOrder, transfers: list[Transfer]) -> EachChunk:
    """The chunk's look-ups, inside its locks and transaction: at most four statements (the
    references, the emails, the matched customers, their addresses) for any number of orders."""
    chunk = EachChunk(
        existing=connector._by_reference([t.reference for t in transfers], end=False,
                                         floor=look_up_floor(transfers)),
        policy_account=connector._policy_account())
    if chunk.policy_account[0] != "customer":
        return chunk
    chunk.matches = connector._match([t.customer_order for t in transfers])
    ids = sorted({int(m.customer_id) for m in chunk.matches.values()
                  if m.customer_id is not None and not m.conflict})
    if not ids:
        return chunk
    linked = connector.table(connector.t("customer")).has("address_id")
    for r in connector.sql(
            f"SELECT customer_id, customer_group_id, password"
            f"{', address_id' if linked else ''} FROM {connector.qt('customer')} "
            f"WHERE customer_id IN :ids", ids=ids):
        chunk.customers[int(r.customer_id)] = Customer(
            int(r.customer_group_id or 0), r.password or "",
            int(r.address_id or 0) if linked else None)
    ours = [cid for cid, c in chunk.customers.items() if not c.password]
    if ours:
        for r in connector.sql(f"SELECT customer_id, address_id FROM {connector.qt('address')} "
                               f"WHERE customer_id IN :ids ORDER BY address_id", ids=ours):
            chunk.customers[int(r.customer_id)].addresses.append(int(r.address_id))
    return chunk
