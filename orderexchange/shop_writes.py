"""Step 2a of a send: writing a supplier order's customer orders into the supplier's shop.

Apart from `dispatch` because it is the exactly-once part of SPEC §5 and its own subject: each
customer order is written in its own shop transaction (or a chunk in one, when the connector
batches), always after looking up its exchange reference, so a crash between the shop's COMMIT
and our state update heals on the next send — the order is found and recorded, not inserted
again. `ShopWrites` is a part of `dispatch.Dispatcher`, which supplies the claim fence (`_fence`).
"""

from __future__ import annotations

from collections.abc import Callable

from .config import Config
from .connector import Connector, RemoteOrder, look_up_floor
from .errors import OXError
from .events import DispatchEvent
from .model import SupplierOrder, SupplierOrderState, Transfer, TransferState
from .plugin_host import PluginHost
from .retry import RetryPolicy
from .send_result import SendResult
from .store import Store

#: the states a supplier order may be written from: the rule of step 1 (checked first)
_WRITE_FROM = {SupplierOrderState.CHECKED, SupplierOrderState.WRITE_FAILED}


class _ShopLink:
    """The supplier batch's shop connection, reopened on demand.

    Why not just `connector.open()` before a retry: while the shop's server is still down, that
    open fails at once, and raised from the retry hook it would end every retry within
    milliseconds of the outage. Here a failed reopen is only remembered; the next attempt opens
    again after the policy's back-off, and fails (transient, so retried) until the server is back.
    """

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.is_open = False

    def ensure(self) -> None:
        if not self.is_open:
            self.connector.open()
            self.is_open = True

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            try:
                self.connector.close()
            except Exception:  # noqa: BLE001 - a broken link may fail to close; it is gone anyway
                pass

    def reset(self, _error: OXError | None = None, _attempt: int = 0) -> None:
        """`before_retry` hook: drop the (probably broken) connection, try a new one quietly."""
        self.close()
        try:
            self.ensure()
        except OXError:
            pass  # still down: the next attempt opens again, after its back-off


#: failures of the shop itself (connection, lock wait, deadlock): a chunk is retried whole
_SHOP_TRANSIENT = frozenset({"OX-DB-002", "OX-DB-004"})


class _OrderProblem(Exception):
    """A chunk failed for a reason that may be one order's (a refused value, data changed since
    the check): not worth retrying whole — the orders are written one by one instead, so the
    bad one fails alone with its own error."""

    def __init__(self, error: OXError) -> None:
        super().__init__(error.message)
        self.error = error


class _Stopped(Exception):
    """The daemon is stopping: leave this supplier order where it is, claimable by the next run.
    Carries the state it stays in (checked, or write_failed before a retry), for the result."""

    def __init__(self, state: SupplierOrderState) -> None:
        super().__init__(state.value)
        self.state = state


class ShopWrites:
    """The writing half of `Dispatcher`: what it needs of the dispatcher is declared here."""

    config: Config
    store: Store
    host: PluginHost
    retry: RetryPolicy
    should_stop: Callable[[], bool]
    tell: Callable[[DispatchEvent], None]
    _fence: Callable[[SupplierOrder], None]

    def _write_all(self, so: SupplierOrder, connector: Connector,
                   result: SendResult, link: _ShopLink | None = None) -> OXError | None:
        if so.state not in _WRITE_FROM:  # the rule of step 1, enforced where the writing is
            return OXError("OX-WRT-001", id=so.id, state=so.state.value)
        failure: OXError | None = None
        pending = [t for t in so.transfers
                   if t.state not in (TransferState.WRITTEN, TransferState.HELD)]

        if link is None:  # called on its own, on an opened connector
            link = _ShopLink(connector)
            link.is_open = True
        try:
            self._record_floor(so, link)
            # the exactly-once guard: what the shop already holds is recorded, never written again
            existing = self._lookup(link, pending)
        except OXError as err:
            err.facts["id"] = so.id
            return err
        # chunks: in one shop transaction (batch_writes), or each order its own write with the
        # chunk's locks and look-ups shared (writes_each: tables without transactions)
        each = not connector.batch_writes and connector.writes_each
        size = max(1, self.config.daemon.write_batch) if connector.batch_writes or each else 1
        for start in range(0, len(pending), size):
            if self.should_stop():
                raise _Stopped(so.state)
            self._fence(so)
            chunk = pending[start:start + size]
            outcomes = self._write_chunk(so, chunk, link, existing, each=each)
            records: list[tuple[Transfer, OXError | None, bool]] = []
            for transfer, remote, found, err in outcomes:
                if err is not None:
                    err.facts.setdefault("order", transfer.customer_order.number)
                    err.facts["id"] = so.id
                    transfer.state = TransferState.FAILED
                    failure = failure or err
                else:
                    assert remote is not None
                    transfer.state = TransferState.WRITTEN
                    transfer.remote_order_id = remote.order_id
                    transfer.remote_customer_id = remote.customer_id
                    if not found:
                        transfer.customer_created = remote.customer_created
                records.append((transfer, err, found))
            self.store.set_transfers(so.id, records)
            for transfer, remote, found, err in outcomes:
                if err is not None:
                    continue
                self.tell(DispatchEvent(
                    step="order_written", supplier_order_id=so.id, supplier_id=so.supplier_id,
                    customer_order=transfer.customer_order.number,
                    remote_order_id=transfer.remote_order_id, already_there=found))
                if found:
                    result.already_there += 1
                else:
                    result.written += 1
                    result.customers_created += int(remote.customer_created)
            if any(err is not None and err.code == "OX-DB-002" for *_, err in outcomes):
                break  # the shop is gone: the next orders would fail too
        return failure

    def _record_floor(self, so: SupplierOrder, link: _ShopLink) -> None:
        """Before the first write attempt of a transfer: store the shop's highest order key as
        its floor (issue 15), so every look-up of its reference reads only the orders above it.
        Stored before anything is written, so a crash at any later point leaves an order we
        wrote above the floor its next look-up uses."""
        if all(t.shop_floor is not None for t in so.transfers):
            return

        def once() -> int | None:
            link.ensure()
            return link.connector.shop_floor()

        floor = self.retry.call(once, before_retry=link.reset)
        self.store.record_floor(so, 0 if floor is None else floor)

    def _lookup(self, link: _ShopLink, transfers: list[Transfer]) -> dict[str, RemoteOrder]:
        """What the shop already holds of these transfers, retried like a write."""
        references = [t.reference for t in transfers]
        floor = look_up_floor(transfers)

        def once() -> dict[str, RemoteOrder]:
            link.ensure()
            return link.connector.find_by_references(references, floor=floor)

        return self.retry.call(once, before_retry=link.reset)

    def _write_chunk(self, so: SupplierOrder, chunk: list[Transfer], link: _ShopLink,
                     existing: dict[str, RemoteOrder], each: bool = False,
                     ) -> list[tuple[Transfer, RemoteOrder | None, bool, OXError | None]]:
        """Write one chunk: in one shop transaction when the connector batches, else (and when the
        batch fails for a reason retrying cannot cure) order by order, so that one bad order
        fails alone; `each`: by the connector's `write_each` first. Returns (transfer, remote order, found already written, error) per order,
        in chunk order; orders after a lost shop connection are left out, still pending."""
        done: dict[str, tuple[RemoteOrder, bool]] = {
            t.reference: (existing[t.reference], True) for t in chunk if t.reference in existing}
        todo = [t for t in chunk if t.reference not in done]
        failed: dict[str, OXError] = {}
        if len(todo) > 1 and each:
            todo = self._write_each(so, todo, link, done)
        elif len(todo) > 1:
            try:
                done.update(self._write_batch(so, todo, link))
                todo = []
            except (OXError, _OrderProblem) as err:
                if isinstance(err, OXError) and err.code == "OX-DB-002":
                    # the shop stayed gone through every retry: one by one cannot help
                    failed = {t.reference: err for t in todo}
                    todo = []
                else:  # an order of the chunk (or the chunk's size): nothing of it stayed
                    try:
                        again = self._lookup(link, todo)
                    except OXError as lookup_error:
                        again = {}
                        failed = {t.reference: lookup_error for t in todo}
                        todo = []
                    done.update({ref: (remote, True) for ref, remote in again.items()})
                    todo = [t for t in todo if t.reference not in done]
        for i, transfer in enumerate(todo):
            if i and self.should_stop():  # the chunk loop asked before the first one
                break
            try:
                done[transfer.reference] = self._write_one(so, transfer, link)
            except OXError as err:
                failed[transfer.reference] = err
                if err.code == "OX-DB-002":
                    break
        out: list[tuple[Transfer, RemoteOrder | None, bool, OXError | None]] = []
        for transfer in chunk:
            if transfer.reference in done:
                remote, found = done[transfer.reference]
                out.append((transfer, remote, found, None))
            elif transfer.reference in failed:
                out.append((transfer, None, False, failed[transfer.reference]))
        return out

    def _write_each(self, so: SupplierOrder, todo: list[Transfer], link: _ShopLink,
                    done: dict[str, tuple[RemoteOrder, bool]]) -> list[Transfer]:
        """The chunk by the connector's `write_each` (each order its own write, the chunk's
        locks and look-ups once); the orders it did not write are returned for the one-by-one
        path — after a failure looked up first, as after a failed batch (an order whose answer
        was lost may be whole in the shop)."""
        try:
            link.ensure()
            written, error = link.connector.write_each(so, todo)
        except OXError as err:
            written, error = {}, err
        done.update({ref: (remote, False) for ref, remote in written.items()})
        rest = [t for t in todo if t.reference not in done]
        if error is not None and rest:
            try:
                again = self._lookup(link, rest)
            except OXError:
                again = {}  # the one-by-one writes look up (and fail) each on their own
            done.update({ref: (remote, True) for ref, remote in again.items()})
            rest = [t for t in rest if t.reference not in done]
        return rest

    def _write_batch(self, so: SupplierOrder, todo: list[Transfer], link: _ShopLink
                     ) -> dict[str, tuple[RemoteOrder, bool]]:
        """One shop transaction for the chunk, retried on transient failures; like `_write_one`,
        every retry first looks up what a lost COMMIT answer may have left in the shop."""
        attempt = {"n": 0}

        connector = link.connector

        def once() -> dict[str, tuple[RemoteOrder, bool]]:
            attempt["n"] += 1
            link.ensure()
            out: dict[str, tuple[RemoteOrder, bool]] = {}
            if attempt["n"] > 1:
                found = connector.find_by_references([t.reference for t in todo],
                                                     floor=look_up_floor(todo))
                out.update({ref: (remote, True) for ref, remote in found.items()})
            rest = [t for t in todo if t.reference not in out]
            if rest:
                try:
                    written = connector.write_batch(so, rest)
                except OXError as err:
                    if err.code not in _SHOP_TRANSIENT:
                        raise _OrderProblem(err) from None  # not retried: one by one now
                    raise
                out.update({t.reference: (written[t.reference], False) for t in rest})
            return out

        return self.retry.call(once, before_retry=link.reset)

    def _write_one(self, so: SupplierOrder, transfer: Transfer,
                   link: _ShopLink) -> tuple[RemoteOrder, bool]:
        """Write one customer order, retrying transient failures. Every retry looks the reference
        up first: a connection lost during COMMIT may have lost only the answer, not the order."""
        attempt = {"n": 0}
        connector = link.connector

        def once() -> tuple[RemoteOrder, bool]:
            attempt["n"] += 1
            link.ensure()
            if attempt["n"] > 1:
                found = connector.find_by_references(
                    [transfer.reference], floor=transfer.shop_floor).get(transfer.reference)
                if found is not None:
                    return found, True
            return connector.write(so, transfer), False

        return self.retry.call(once, before_retry=link.reset)
