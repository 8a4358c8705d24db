"""What a supplier connector is: the contract between the host and one kind of supplier shop.

A plug-in contributes connector *types* through the `oe_connector_types` hook; the host makes one
instance per supplier (with that supplier's validated settings) and uses it for one batch at a time
(`open` … `close`). Keeping the contract a small abstract class — rather than a dozen hooks — lets a
connector hold its connection and its schema cache between calls, which is what makes a batch fast.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pydantic

from .model import Finding, SupplierOrder, Transfer

if TYPE_CHECKING:
    from .config import SupplierConfig
    from .errors import OXError


class ConnectorSettings(pydantic.BaseModel):
    """Base of every connector's settings schema (the `[suppliers.X.connector]` table)."""

    model_config = pydantic.ConfigDict(extra="forbid")


@dataclass
class RemoteOrder:
    """Where a customer order landed in the supplier shop."""

    order_id: str
    customer_id: str | None = None
    customer_created: bool = False


@dataclass
class RemoteStatus:
    """What the supplier did with an order we wrote: read back from its shop."""

    order_id: str
    status: str  # the shop's own status name (e.g. "Processing")
    status_id: str | None = None
    #: True once the supplier moved the order on from the status we wrote (counts as receipt)
    progressed: bool = False
    cancelled: bool = False
    tracking_number: str | None = None
    shipped_at: str | None = None


@dataclass
class SelfTestStage:
    name: str
    ok: bool
    detail: str = ""
    #: passed, but something is off that the distributor should know (an optional feature
    #: without its grant): shown as a warning, not as a failure
    warning: bool = False


@dataclass
class SelfTestReport:
    """What `orderexchange test db` shows: every stage, so a failure says where it failed."""

    supplier: str
    stages: list[SelfTestStage] = field(default_factory=list)
    server_version: str = ""
    missing: list[str] = field(default_factory=list)
    #: every GRANT the database user still needs (required and optional, "-- …" comment lines
    #: before the optional groups), for a database administrator to run in one go
    grants: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(stage.ok for stage in self.stages) and not self.missing

    def add(self, name: str, ok: bool, detail: str = "", warning: bool = False) -> SelfTestStage:
        stage = SelfTestStage(name, ok, detail, warning)
        self.stages.append(stage)
        return stage


class Connector(abc.ABC):
    #: the value of `connector = "..."` in a supplier's config
    type_name: ClassVar[str]
    #: pydantic model validating the `[suppliers.X.connector]` settings
    settings_schema: ClassVar[type[ConnectorSettings]] = ConnectorSettings

    @classmethod
    def licence_feature(cls) -> str | None:
        """The licence feature that unlocks this connector type: its type name ("oscommerce",
        "opencart", "oxid", "generic_sql", a plug-in's own type), so a licence lists the
        connector types it pays for. None: part of every licence (mail-only writes no shop)."""
        return cls.type_name

    def __init__(self, supplier: SupplierConfig, settings: ConnectorSettings) -> None:
        self.supplier = supplier
        self.settings = settings
        #: the state store's directory of this supplier shop's customer keys
        #: (store.CustomerKeys), set by whoever sends with a store (the dispatcher): customer
        #: matching by keys the shop indexes not looks them up there instead of reading every
        #: customer of the shop. None (test db, tools without a store): the shop is read
        self.customer_keys: Any = None

    def open(self) -> None:
        """Connect for a batch. Raises OXError (OX-DB-…) when the shop cannot be reached."""

    def close(self) -> None:
        """Release what `open` took. Must be safe to call after a failed `open`."""

    def __enter__(self) -> Connector:
        self.open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @abc.abstractmethod
    def self_test(self) -> SelfTestReport:
        """Connect, report the server version and every table/column the connector needs."""

    def feature_warnings(self, when: str) -> list[OXError]:
        """Optional features that are off for lack of a database grant, for the step that uses
        them ("send" or "read-back"): reported as warnings there, never silently skipped."""
        return []

    @abc.abstractmethod
    def check(self, supplier_order: SupplierOrder) -> list[Finding]:
        """Connector-side rules of step 1 (product exists in the shop, field fits the column …).

        Must not write anything.
        """

    @abc.abstractmethod
    def find_by_reference(self, reference: str) -> RemoteOrder | None:
        """Look up an order we wrote earlier by its exchange reference (the exactly-once guard)."""

    def find_by_references(self, references: list[str], floor: int | None = None
                           ) -> dict[str, RemoteOrder]:
        """Look up several references at once (one query instead of one per order).

        `floor` (see `Transfer.shop_floor`, None: unbounded) is the shop's highest order key
        before the first write attempt of these references: a connector that knows such a key
        (`shop_floor`) reads only the orders above it, so the look-up costs the same in a shop
        with years of history as in an empty one. The default asks one by one.
        """
        found = {}
        for reference in references:
            remote = self.find_by_reference(reference)
            if remote is not None:
                found[reference] = remote
        return found

    def shop_floor(self) -> int | None:
        """The shop's highest order key now (an indexed, ever-growing id or number that every
        order written later lies above), or None when the connector has no such key; read
        before a supplier order's first write attempt and stored (`Store.record_floor`)."""
        return None

    @abc.abstractmethod
    def write(self, supplier_order: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        """Insert one customer order, atomically, carrying `transfer.reference`.

        Raises OXError on failure; the shop must then hold nothing of this order.
        """

    #: True when `write_batch` writes several customer orders in one shop transaction. The
    #: dispatcher then hands it chunks of `[daemon] write_batch` orders; otherwise it calls
    #: `write` once per order.
    batch_writes: bool = False
    #: whether the connector can update an existing shop customer's master data from an order
    #: (`update_customer = true` under [suppliers.X]); step 1 refuses the setting otherwise
    updates_customers: bool = False

    def write_batch(self, supplier_order: SupplierOrder,
                    transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """Insert several customer orders in ONE shop transaction: all of them or none.

        Why: a round trip per statement per order is most of a send's time; multi-row inserts
        across a chunk of orders cost a handful of round trips for the whole chunk. All-or-none
        keeps the exactly-once rule of `write`: after a failure the dispatcher looks every
        reference up again before it writes anything. Returns the written orders by reference.
        """
        raise NotImplementedError

    #: True when `write_each` writes a chunk of orders more cheaply than `write` one at a time;
    #: the dispatcher then hands it chunks of `[daemon] write_batch` orders (when the connector
    #: does not `batch_writes`)
    writes_each: bool = False

    def write_each(self, supplier_order: SupplierOrder, transfers: list[Transfer]
                   ) -> tuple[dict[str, RemoteOrder], OXError | None]:
        """Insert several customer orders, each one its own write exactly as `write` does it
        (a crash between two of them leaves only whole orders, and at most one half-written
        order that the next `write` of it heals), with what they share done once per chunk:
        named locks, the exactly-once look-up, customer matching.

        Why: on tables without transactions (OpenCart 3's MyISAM) a chunk cannot be one
        transaction, yet the per-order look-ups and locks were most of the statements. Stops at
        the first order that fails: returns the orders written before it, by reference, and its
        error (None when all were written); the dispatcher looks the rest up and writes them one
        by one. The default: `write` per order."""
        from .errors import OXError

        written: dict[str, RemoteOrder] = {}
        for transfer in transfers:
            try:
                written[transfer.reference] = self.write(supplier_order, transfer)
            except OXError as err:
                return written, err
        return written, None

    def cancel(self, transfer: Transfer) -> None:
        """Mark a written order cancelled the way the shop does it (status + history row, or a
        storno flag). Raises OXError (OX-WRT-…) when the supplier has already progressed it or
        the connector cannot cancel."""
        from .errors import OXError

        raise OXError("OX-WRT-003", supplier=self.supplier.id, type=self.type_name,
                      action="cancel")

    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """Current status (and tracking, where the shop keeps it) of written orders, by reference."""
        from .errors import OXError

        raise OXError("OX-WRT-003", supplier=self.supplier.id, type=self.type_name,
                      action="read back")


def instantiate(types: dict[str, type[Connector]], supplier: SupplierConfig) -> Connector:
    """Make the connector for one supplier, validating its settings against the type's schema."""
    from .errors import OXError

    cls = types.get(supplier.connector)
    if cls is None:
        raise OXError("OX-CFG-007", supplier=supplier.id, type=supplier.connector,
                      known=", ".join(sorted(types)) or "(none)")
    try:
        settings = cls.settings_schema.model_validate(supplier.settings)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(["suppliers", supplier.id, "connector", *map(str, err["loc"])])
        raise OXError("OX-CFG-004", key=key, detail=err["msg"],
                      hint=f"see the settings of connector type {cls.type_name} in the docs.") from None
    return cls(supplier, settings)


def look_up_floor(transfers: Iterable[Transfer]) -> int | None:
    """The floor a look-up of these transfers' references may use: the lowest of theirs, None
    (unbounded) when one of them has none."""
    floors = [t.shop_floor for t in transfers]
    if not floors or any(f is None for f in floors):
        return None
    return min(f for f in floors if f is not None)


def attempted(transfers: Iterable[Transfer]) -> tuple[list[str], int | None]:
    """References of the transfers ever attempted (a floor recorded) and their look-up floor:
    step 1 asks the shop about these only; a transfer never attempted cannot be there."""
    tried = [t for t in transfers if t.shop_floor is not None]
    return [t.reference for t in tried], look_up_floor(tried)
