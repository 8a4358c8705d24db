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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orderexchange.connector import look_up_floor
from orderexchange.model import CustomerOrder, SupplierOrder, Transfer

from .opencart_rows import HIDDEN
from .opencart_tail import Tail
from .shop_sql import insert_rows


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


def create_customers(connector: Any, so: SupplierOrder, transfers: list[Transfer],
                     update_row: Callable[..., Any]) -> None:
    """The chunk's new customers, before its first order: one multi-row INSERT of the customers,
    one of their addresses, one query of their default-address UPDATEs (OpenCart 3.0's
    `customer.address_id`) — three round trips for the chunk instead of two or three per new
    customer. Only on MyISAM (`write_each` with multi-statements and no transactional written
    table) and under the chunk's locks, which cover every email of the chunk.

    Why this is safe: a customer whole without an order is what a kill between a customer and
    its order always could leave (the customer row comes first); the orders stay visible last.
    A kill in here leaves what a kill between a customer's statements left before — customers
    without an address or without the default one, ours (empty password) — which the next
    write of their order completes (`_complete_customer`). Each address still goes through
    `connector.insert` and each UPDATE through `update_row` at the moment it did, only collected
    (a test's kill at the first address happens with the customers in the shop and no address).

    Customers are created only for the orders `_write` would reach: the chunk stops at the first
    order it refuses (changed products, a customer matched twice). The ids of one multi-row
    INSERT into a MyISAM table are consecutive (the table is locked for the statement), spaced
    by `auto_increment_increment`. A customer created here and not yet used by an order is
    kept in `connector._fresh`, so the order that uses it — in this chunk or written alone
    after a failure — reports the customer as created."""
    each = connector._each
    if each is None or each.policy_account[0] != "customer":
        return
    ref = connector._refdata(so)
    new: dict[str, CustomerOrder] = {}
    for transfer in transfers:
        if connector._refuses(transfer, ref):
            break
        found = each.existing.get(transfer.reference)
        if found is not None and found[2] != HIDDEN:
            continue  # written meanwhile: nothing to create
        co = transfer.customer_order
        match = each.matches[co.number]
        if match.conflict:
            break  # `_customer` refuses it (OX-CHK-029): the chunk stops there
        email = co.customer.email.strip().lower()
        if match.customer_id is None and email not in each.created:
            new.setdefault(email, co)
    if not new:
        return
    now = datetime.now().replace(microsecond=0)
    customer_table, address_table = connector.t("customer"), connector.t("address")
    values = [connector._new_customer_values(co, ref, now) for co in new.values()]
    step = id_step(connector)
    first = insert_rows(connector.conn, customer_table,
                        [connector._fit(customer_table, c, now) for c, _a in values])
    assert first is not None
    customer_ids = [first + i * step for i in range(len(values))]
    connector._collect = []
    try:
        for customer_id, (_c, address) in zip(customer_ids, values):
            connector.insert(address_table, dict(address, customer_id=customer_id),
                             key="address_id", now=now)
        rows, connector._collect = connector._collect, None
    finally:
        connector._collect = None
    first = insert_rows(connector.conn, address_table, rows)
    assert first is not None
    address_ids = [first + i * step for i in range(len(rows))]
    if connector.table(customer_table).has("address_id"):
        tail = Tail()
        target = tail.deferred(connector.conn)
        for customer_id, address_id in zip(customer_ids, address_ids):
            update_row(target, customer_table, {"address_id": address_id},
                       {"customer_id": customer_id})
        tail.run(connector.conn)
    for co, customer_id, address_id in zip(new.values(), customer_ids, address_ids):
        connector.created_customer(co, customer_id)
        connector._fresh[customer_id] = address_id


def id_step(connector: Any) -> int:
    """The server's `auto_increment_increment` (1 unless a replication setup spaces ids)."""
    return _server_settings(connector)["id_step"]


#: characters of one query of a chunk's waiting orders (opencart_tail.Batch): ~200 orders of a
#: realistic send, a fraction of the smallest `max_allowed_packet` a server ships with (1 MB)
BATCH_CHARACTERS = 256 * 1024


def batch_limit(connector: Any) -> int:
    """How much query text a batch of orders' tails may hold: BATCH_CHARACTERS, or less where
    the server's `max_allowed_packet` is smaller than usual (a character of text is up to four
    bytes in utf8mb4)."""
    return min(BATCH_CHARACTERS, _server_settings(connector)["max_packet"] // 8)


def _server_settings(connector: Any) -> dict[str, int]:
    """The server variables a chunk needs, read in one statement once per connection."""
    cached = connector._shop_data
    if "server" not in cached:
        step, packet = connector.conn.exec_driver_sql(
            "SELECT @@auto_increment_increment, @@max_allowed_packet").one()
        cached["server"] = {"id_step": max(1, int(step or 1)),
                            "max_packet": int(packet or 1024 * 1024)}
    return cached["server"]
