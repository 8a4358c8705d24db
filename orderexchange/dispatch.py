"""Sending: step 1 (check) and step 2 (write into the shop, then notify), as one state machine.

The rules of SPEC §5 live here and nowhere else:
- step 1 decides per customer order: one with a blocking finding is *held* (moved into a
  supplier order of held orders) and the others go on; an error of the whole supplier order, or
  `hold_policy = "supplier_order"`, stops it whole — a check_failed supplier order is never
  written;
- each customer order is written in its own shop transaction, after looking up its exchange
  reference — so a crash between the shop's commit and our state update heals on the next send
  (the order is found, recorded, not inserted again);
- every state is committed to the store before the next side effect;
- a mail failure leaves the supplier order `notify_failed`: the next send only mails, it never
  writes again;
- a send resumes at the step that failed;
- a supplier order is touched only under its claim (queue.py): the CLI, the menu and the daemon
  all call `send`, which claims each supplier order before it loads it, reports one claimed by
  another worker as "being sent by …", and asks again before each shop write and before the
  email whether the claim is still its own;
- the notification is rendered and stored before it is sent (outbox.py), so a resend after a
  crash is the same message with the same Message-ID;
- a permanent error (the catalogue says which) stops automatic retries under the supplier's
  settings fingerprint: automatic sends leave it alone until those settings change or someone
  retries it by hand; a transient one is tried again at the next send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .checks import run_checks
from . import licence as licence_mod
from .config import Config
from .connector import Connector, RemoteOrder, instantiate, look_up_floor
from .digest import record_delivery_warnings
from .errors import CATALOGUE, OXError
from .events import DispatchEvent
from .mail import MailTransport, refuse_example_values, render_notification, transport_for
from .model import Finding, SupplierOrder, SupplierOrderState as S, Transfer, TransferState
from .outbox import Outbox
from .plugin_host import PluginHost
from .queue import Heartbeat, WorkQueue
from .retry import RetryPolicy, settings_fingerprint
from .store import Store

#: called after each step: (supplier order id, step name)
Progress = Callable[[int, str], None]

_CHECK_FROM = {S.DRAFT, S.CHECKED, S.CHECK_FAILED}
_WRITE_FROM = {S.CHECKED, S.WRITE_FAILED}
_NOTIFY_FROM = {S.WRITTEN, S.NOTIFY_FAILED}


@dataclass
class SendResult:
    supplier_order_id: int
    supplier_id: str
    state: S
    findings: list[Finding] = field(default_factory=list)
    error: OXError | None = None
    written: int = 0
    already_there: int = 0
    customers_created: int = 0
    message_id: str | None = None
    skipped: str | None = None
    #: written; the supplier gets these orders in its daily digest (`notification.digest`)
    digest_pending: bool = False
    #: recipients the mail server refused while it accepted others (OX-MAIL-018 each)
    warnings: list[OXError] = field(default_factory=list)
    #: customer orders step 1 held: (order number, code); `held_in` is the supplier order of
    #: held orders they moved to when the others went on (issue 13 §2)
    held: list[tuple[str, str]] = field(default_factory=list)
    held_in: int | None = None

    @property
    def ok(self) -> bool:
        if self.error is not None:
            return False
        return self.state in (S.NOTIFIED, S.CONFIRMED) or (
            self.digest_pending and self.state in (S.WRITTEN, S.NOTIFY_FAILED))

    def as_dict(self) -> dict[str, object]:
        return {
            "supplier_order": self.supplier_order_id, "supplier": self.supplier_id,
            "state": self.state.value, "ok": self.ok, "written": self.written,
            "already_there": self.already_there, "customers_created": self.customers_created,
            "message_id": self.message_id, "skipped": self.skipped,
            "digest_pending": self.digest_pending,
            "warnings": [w.as_dict() for w in self.warnings],
            "held": [{"order": n, "code": c} for n, c in self.held], "held_in": self.held_in,
            "error": self.error.as_dict() if self.error else None,
            "findings": [f.__dict__ for f in self.findings],
        }


@dataclass
class _Head:
    """A supplier order as a send first sees it: id, supplier, state — not its orders."""

    id: int
    supplier_id: str
    state: S


class _LazyMail:
    """One mail connection per supplier batch, opened only when the first message is due."""

    def __init__(self, factory: Callable[[], MailTransport]) -> None:
        self._factory = factory
        self._transport: MailTransport | None = None

    def send(self, message: Any) -> Any:
        if self._transport is None:
            self._transport = self._factory()
            self._transport.open()
        return self._transport.send(message)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


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
    """The daemon is stopping: leave this supplier order where it is, claimable by the next run."""


class _ClaimLost(Exception):
    """Another worker took this supplier order over (ours missed its heartbeats): hands off."""

    def __init__(self, holder: str | None) -> None:
        super().__init__(holder or "")
        self.holder = holder


class Dispatcher:
    def __init__(self, config: Config, store: Store, host: PluginHost,
                 progress: Progress | None = None, *, retry: RetryPolicy | None = None,
                 concurrency: int = 1, should_stop: Callable[[], bool] | None = None,
                 queue: WorkQueue | None = None, worker: str = "send",
                 automatic: bool = False) -> None:
        """`queue`: the claiming worker (a daemon passes its own); without one, each `send`
        runs as a worker of kind `worker` with its own heartbeat. `automatic`: leave
        supplier orders stopped by a permanent error alone unless the supplier's settings changed
        (what `send --all` does; naming supplier orders, or `retry`, sends them anyway)."""
        self.config = config
        self.store = store
        self.host = host
        self.progress = progress or (lambda _id, _step: None)
        policy = config.daemon.retry
        self.retry = retry or RetryPolicy(attempts=policy.attempts, initial=policy.initial_seconds,
                                          maximum=policy.max_seconds)
        self.concurrency = max(1, concurrency)
        self.should_stop = should_stop or (lambda: False)
        self._connector_types = host.connector_types()
        self._own_queue = queue is None
        self.queue = queue or WorkQueue(store, lease=config.daemon.lease_seconds,
                                        heartbeat=config.daemon.heartbeat_seconds, kind=worker)
        self.automatic = automatic
        self.outbox = Outbox(store)

    # -- public -----------------------------------------------------------------------------
    def send(self, so_ids: Iterable[int]) -> list[SendResult]:
        """Send supplier orders: suppliers in parallel (up to `concurrency`), each supplier's
        orders in their given order over one shop connection and one mail connection."""
        refuse_example_values(self.config)  # before any shop write or email
        wanted = list(dict.fromkeys(so_ids))
        if self._own_queue:
            # a worker with a heartbeat for this send: its claims outlive no crash by more than
            # three heartbeats, and are handed back when the send ends
            with Heartbeat(self.queue):
                return self._send(wanted)
        return self._send(wanted)

    def _send(self, wanted: list[int]) -> list[SendResult]:
        heads = self.store.supplier_order_heads(wanted)
        for so_id in wanted:
            if so_id not in heads:
                raise OXError("OX-BLD-002", id=so_id)
        # grouped by supplier from the heads alone: each supplier order is loaded when its turn
        # comes and dropped after, so memory stays flat however many orders a send holds
        groups: dict[str, list[_Head]] = {}
        for so_id in wanted:
            supplier_id, state = heads[so_id]
            groups.setdefault(supplier_id, []).append(_Head(so_id, supplier_id, state))
        if self.concurrency == 1 or len(groups) == 1:
            batches = [self._send_supplier(sid, batch) for sid, batch in groups.items()]
        else:
            with ThreadPoolExecutor(max_workers=self.concurrency,
                                    thread_name_prefix="ox-supplier") as pool:
                batches = list(pool.map(lambda item: self._send_supplier(*item),
                                        groups.items()))
        results = [r for batch in batches for r in batch]
        order = {so_id: i for i, so_id in enumerate(wanted)}
        return sorted(results, key=lambda r: order[r.supplier_order_id])

    def check(self, so_ids: Iterable[int]) -> list[SendResult]:
        """Step 1 alone (`orderexchange check`): the same code path as `send`, stopping after the
        check, so findings and the checked / check_failed state are persisted exactly alike."""
        self._check_only = True
        try:
            return self.send(so_ids)
        finally:
            self._check_only = False

    # -- per supplier -----------------------------------------------------------------------
    def _send_supplier(self, supplier_id: str, batch: list[_Head]) -> list[SendResult]:
        results = []
        todo = []
        for so in batch:
            if not so.state.sendable:
                results.append(SendResult(so.id, so.supplier_id, so.state,
                                          skipped=f"already {so.state.value}"))
                self.progress(so.id, "skipped")
            else:
                todo.append(so)
        if not todo:
            return results
        try:
            supplier = self.config.supplier(supplier_id)
            connector = instantiate(self._connector_types, supplier)
            if not supplier.active:
                for so in todo:
                    err = OXError("OX-CHK-008", supplier=supplier_id)
                    results.append(SendResult(so.id, supplier_id, so.state, error=err,
                                              skipped="supplier inactive"))
                    self.progress(so.id, "skipped")
                return results
            # the licence's connector features (not asked before activation: the demo)
            licence_mod.require_connector(licence_mod.stored(self.store), supplier_id,
                                          connector.type_name, connector.licence_feature())
        except OXError as err:
            step = "licence" if err.code.startswith("OX-LIC") else "connect"
            return results + self._fail_all(todo, err, supplier_id,
                                            settings_fingerprint(self.config, supplier_id),
                                            step=step)
        fingerprint = settings_fingerprint(self.config, supplier_id)
        link = _ShopLink(connector)
        mail = _LazyMail(lambda: transport_for(self.config.mail, self.host.mail_transports()))
        try:
            for i, so in enumerate(todo):
                if self.should_stop():
                    break  # not started: stays claimable as it is
                try:
                    # opened for the first supplier order, and again if the shop went away
                    # during the previous one
                    self.retry.call(link.ensure, before_retry=link.reset)
                except OXError as err:
                    results += self._fail_all(todo[i:], err, supplier_id, fingerprint)
                    break
                elsewhere = self._claim(so)
                if elsewhere is not None:
                    results.append(elsewhere)
                    continue
                try:
                    full = self.store.supplier_order(so.id)  # loaded now, dropped after
                    if not full.state.sendable:  # another process finished it meanwhile
                        results.append(SendResult(so.id, supplier_id, full.state,
                                                  skipped=f"already {full.state.value}"))
                        self.progress(so.id, "skipped")
                        continue
                    stopped = self._stopped(full, fingerprint)
                    if stopped is not None:
                        results.append(stopped)
                        self.progress(so.id, "skipped")
                        continue
                    results.append(self._send_one(full, supplier, connector, mail, link,
                                                  fingerprint))
                except _ClaimLost as lost:
                    results.append(SendResult(so.id, so.supplier_id, so.state,
                                              skipped=f"being sent by {lost.holder}"))
                    self.progress(so.id, "skipped")
                except _Stopped:
                    results.append(SendResult(so.id, so.supplier_id, so.state,
                                              skipped="stopped before it was finished"))
                    break
                finally:
                    self.queue.release([so.id])
        finally:
            link.close()
            mail.close()
        return results

    def _fail_all(self, heads: list[_Head], err: OXError, supplier_id: str,
                  fingerprint: str, step: str = "connect") -> list[SendResult]:
        """The supplier cannot be reached (or configured): each supplier order not claimed
        elsewhere records the error, under its claim like any other step."""
        results = []
        for head in heads:
            elsewhere = self._claim(head)
            if elsewhere is not None:
                results.append(elsewhere)
                continue
            try:
                self.store.set_state(head.id, head.state, error=err, step=step,
                                     stopped_under=self._stop_under(err, fingerprint))
            finally:
                self.queue.release([head.id])
            results.append(SendResult(head.id, supplier_id, head.state, error=err))
            self.progress(head.id, "failed")
        return results

    def _claim(self, head: _Head) -> SendResult | None:
        """Claim a supplier order: None when it is now ours, else the result saying who is
        sending it (it is not touched)."""
        holder = self.queue.claim(head.id)
        if holder is None:
            return None
        self.progress(head.id, "skipped")
        return SendResult(head.id, head.supplier_id, head.state,
                          skipped=f"being sent by {holder}")

    def _stopped(self, so: SupplierOrder, fingerprint: str) -> SendResult | None:
        """The result for a supplier order a permanent error stopped, when this send is
        automatic and the supplier's settings are unchanged since; else None (send it)."""
        if not self.automatic or so.stopped_under != fingerprint:
            return None
        return SendResult(so.id, so.supplier_id, so.state, skipped=(
            f"retries stopped by permanent error {so.error_code}: fix it, then "
            f"`orderexchange retry {so.id}`"))

    @staticmethod
    def _stop_under(error: OXError | None, fingerprint: str) -> str | None:
        """The fingerprint to stop a supplier order's retries under, for a permanent error;
        else None."""
        if error is None or error.transient or isinstance(error, _FindingError) \
                or error.code.startswith("OX-LIC"):  # activating a licence is the cure
            return None
        return fingerprint

    def _fence(self, so: SupplierOrder) -> None:
        """Before a side effect: is the claim still ours? (It renews it, too.)"""
        if not self.queue.holds(so.id):
            raise _ClaimLost(self.queue.claimant(so.id))

    def _step(self, so: SupplierOrder, state: S, error: OXError | None = None,
              message_id: str | None = None,
              stopped_under: str | None = None) -> None:
        """Persist a state, then tell the progress display and the plug-ins: in that order, so a
        listener never hears of a step that a crash could still undo."""
        self.store.set_state(so.id, state, error=error, message_id=message_id,
                             stopped_under=stopped_under)
        so.state = state
        self.progress(so.id, state.value)
        self.host.dispatch_event(DispatchEvent(
            step=state.value, supplier_order_id=so.id, supplier_id=so.supplier_id,
            error_code=error.code if error else None,
            error_message=error.message if error else None, message_id=message_id))

    def _send_one(self, so: SupplierOrder, supplier, connector: Connector,
                  mail: _LazyMail, link: _ShopLink, fingerprint: str = "") -> SendResult:
        result = SendResult(so.id, so.supplier_id, so.state)
        # step 1: check
        check_only = getattr(self, "_check_only", False)
        if so.state in _CHECK_FROM:
            findings = run_checks(self.host, self.config, supplier, so, connector)
            self.store.save_findings(so.id, findings)
            self.store.save_matches(so)  # the customer match the connector's check planned
            result.findings = findings
            blocking = [f for f in findings if f.blocking]
            if not self._hold(so, supplier, blocking, result):
                result.error = _FindingError(blocking[0])
                self._step(so, S.CHECK_FAILED, error=result.error)
                result.state = so.state
                return result
            self._step(so, S.CHECKED)
            result.state = so.state
        elif check_only:
            result.skipped = f"already {so.state.value} (checked before)"
        if check_only:
            return result
        # step 2a: write every customer order into the shop
        if so.state in _WRITE_FROM:
            failure = self._write_all(so, connector, result, link)
            if failure is not None:
                result.error = failure
                self._step(so, S.WRITE_FAILED, error=failure,
                           stopped_under=self._stop_under(failure, fingerprint))
                result.state = so.state
                return result
            self._step(so, S.WRITTEN)
            result.state = so.state
        # step 2b: notify (or leave it to the supplier's daily digest, see digest.py)
        if so.state in _NOTIFY_FROM and supplier.notification.digest:
            result.digest_pending = True
            return result
        if so.state in _NOTIFY_FROM:
            key = f"notification:{so.id}"
            def deliver(message: Any) -> Any:
                self._fence(so)
                return mail.send(message)  # the transport retries 4xx itself

            try:
                # identity first: rendered once and stored, then sent; a resend after a crash
                # sends the stored message, not a new rendering
                message, delivery = self.outbox.send(key, lambda: render_notification(
                    self.config, supplier, so,
                    attachments=self.host.notification_attachments(self.config, supplier, so)),
                    deliver)
            except OXError as err:
                err.facts.setdefault("supplier", supplier.id)
                err.facts["id"] = so.id
                result.error = err
                self._step(so, S.NOTIFY_FAILED, error=err,
                           stopped_under=self._stop_under(err, fingerprint))
                result.state = so.state
                return result
            result.message_id = str(message["Message-ID"])
            self._step(so, S.NOTIFIED, message_id=result.message_id)
            self.outbox.drop(key)
            result.warnings = record_delivery_warnings(self.store, so.id, delivery,
                                                       supplier.id)
            result.state = so.state
        return result

    def _hold(self, so: SupplierOrder, supplier, blocking: list[Finding],
              result: SendResult) -> bool:
        """Apply step 1's blocking findings per customer order (issue 13 §2); True when the
        supplier order goes on to step 2.

        An order with a blocking finding of its own is *held*. Under `hold_policy = "order"`
        (the default) the held orders move into a new supplier order of held orders (state
        check_failed, retried by `retry` and the daemon like any failed check) and the others
        go on; the supplier's email then lists only what was written. The supplier order stops
        whole when a finding concerns no single order (minimum order value, the shop's schema),
        when every order it still has to write is held, or under `hold_policy =
        "supplier_order"` — its held orders are marked held in place then."""
        numbers = {t.customer_order.number for t in so.transfers}
        first: dict[str, Finding] = {}
        for f in blocking:
            if f.order in numbers:
                first.setdefault(f.order, f)
        whole = [f for f in blocking if f.order not in numbers]  # no order, or none of ours
        open_ = [t for t in so.transfers if t.state != TransferState.WRITTEN]
        held = [(t, first[t.customer_order.number]) for t in open_
                if t.customer_order.number in first]
        released = [t for t in open_ if t.state == TransferState.HELD
                    and t.customer_order.number not in first]
        goes_on = not whole and (not held or (supplier.hold_policy == "order"
                                              and len(held) < len(open_)))
        moved_to = self.store.record_holds(so.id, held, released, split=goes_on and bool(held))
        for t in released:
            t.state, t.error_code, t.error_message = TransferState.PENDING, None, None
        for t, f in held:
            t.state, t.error_code, t.error_message = TransferState.HELD, f.code, f.message
        result.held = [(t.customer_order.number, f.code) for t, f in held]
        if moved_to is not None:
            result.held_in = moved_to
            gone = {id(t) for t, _f in held}
            so.transfers = [t for t in so.transfers if id(t) not in gone]
            # no progress call for `moved_to`: progress displays know only the ids they sent
        return goes_on

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
        size = max(1, self.config.daemon.write_batch) if connector.batch_writes else 1
        for start in range(0, len(pending), size):
            if self.should_stop():
                raise _Stopped
            self._fence(so)
            chunk = pending[start:start + size]
            outcomes = self._write_chunk(so, chunk, link, existing)
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
                self.host.dispatch_event(DispatchEvent(
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
                     existing: dict[str, RemoteOrder],
                     ) -> list[tuple[Transfer, RemoteOrder | None, bool, OXError | None]]:
        """Write one chunk: in one shop transaction when the connector batches, else (and when the
        batch fails for a reason retrying cannot cure) order by order, so that one bad order
        fails alone. Returns (transfer, remote order, found already written, error) per order,
        in chunk order; orders after a lost shop connection are left out, still pending."""
        done: dict[str, tuple[RemoteOrder, bool]] = {
            t.reference: (existing[t.reference], True) for t in chunk if t.reference in existing}
        todo = [t for t in chunk if t.reference not in done]
        failed: dict[str, OXError] = {}
        if len(todo) > 1:
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


class _FindingError(OXError):
    """A stored finding presented as an error (its text was filled when the check ran)."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        Exception.__init__(self, finding.message)
        self.entry = CATALOGUE[finding.code]
        self.facts = {}

    @property
    def message(self) -> str:
        return self.finding.message

    @property
    def solution(self) -> str:
        return self.finding.solution
