"""Sending: step 1 (check) and step 2 (write into the shop, then notify), as one state machine.

The rules of SPEC §5 live here and nowhere else:
- step 1 decides per customer order: one with a blocking finding is *held* (moved into a
  supplier order of held orders) and the others go on; an error of the whole supplier order, or
  `hold_policy = "supplier_order"`, stops it whole — a check_failed supplier order is never
  written;
- each customer order is written in its own shop transaction, after looking up its exchange
  reference (shop_writes.py) — so a crash between the shop's commit and our state update heals
  on the next send (the order is found, recorded, not inserted again);
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

import gc
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .checks import run_checks
from . import licence as licence_mod, memory
from .config import Config
from .connector import Connector, instantiate
from .digest import record_delivery_warnings
from .errors import CATALOGUE, OXError
from .events import DispatchEvent
from .mail import MailLease, MailPool, refuse_example_values, render_notification, transport_for
from .model import Finding, SupplierOrder, SupplierOrderState as S, TransferState
from .outbox import Outbox
from .plugin_host import PluginHost
from .queue import Heartbeat, WorkQueue
from .retry import RetryPolicy, settings_fingerprint
from .send_processes import Done, Groups, Handout, can_fork, send_in_processes
from .send_result import SendResult
from .shop_writes import _WRITE_FROM, ShopWrites, _ShopLink, _Stopped
from .store import Store
from .store.key_directory import customer_directory

#: called after each step: (supplier order id, step name)
Progress = Callable[[int, str], None]

_CHECK_FROM = {S.DRAFT, S.CHECKED, S.CHECK_FAILED}
_NOTIFY_FROM = {S.WRITTEN, S.NOTIFY_FAILED}

#: the garbage collector's thresholds during a send (`Dispatcher.send`); Python's are (700, 10, 10)
SEND_GC_THRESHOLDS = (50_000, 20, 20)


class _SendingCollector:
    """The garbage collector as sends want it, from the first send that begins until the last
    one in the process ends (two Dispatchers can send at once in one process, each in a thread of
    its own — the tests of concurrent sends do; each saving and restoring the settings itself, a
    send ending after another could restore the send's settings for good).

    Why: the objects alive before the send (modules, the store's tables and compiled statements,
    templates: some 80,000 in the CLI) are frozen out of the collector's passes — each full pass
    walked them all, 50-90 ms of CPU every ~1,000 customer orders, 5-10 % of a send — and the
    young generation is collected after 50,000 new objects instead of 700: a send makes millions
    of short-lived dicts and tuples (rows, values, literals), and at 700 the collector ran ~1,150
    times in a 10,000-order send, ~0.45 s of its ~8 s of CPU (bench/README: "The garbage
    collector during a send"); now once or twice, for a few MB more of garbage held between
    collections. Both undone when the last send ends: nothing of before is kept from collection
    for longer than the sends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sends = 0
        self._saved: tuple[int, ...] = ()

    def __enter__(self) -> None:
        with self._lock:
            if self._sends == 0:
                self._saved = gc.get_threshold()
                gc.freeze()
                gc.set_threshold(*SEND_GC_THRESHOLDS)
            self._sends += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._sends -= 1
            if self._sends == 0:
                gc.set_threshold(*self._saved)
                gc.unfreeze()


_SENDING = _SendingCollector()

#: how often a daemon's supplier thread waiting for work looks at `should_stop` (seconds)
_WAIT_POLL = 0.2


@dataclass
class _Head:
    """A supplier order as a send first sees it: id, supplier, state — not its orders."""

    id: int
    supplier_id: str
    state: S


class _ClaimLost(Exception):
    """Another worker took this supplier order over (ours missed its heartbeats): hands off."""

    def __init__(self, holder: str | None) -> None:
        super().__init__(holder or "")
        self.holder = holder


class Dispatcher(ShopWrites):
    def __init__(self, config: Config, store: Store, host: PluginHost,
                 progress: Progress | None = None, *, retry: RetryPolicy | None = None,
                 concurrency: int = 1, should_stop: Callable[[], bool] | None = None,
                 queue: WorkQueue | None = None, worker: str = "send",
                 automatic: bool = False, processes: int = 1) -> None:
        """`queue`: the claiming worker (a daemon passes its own); without one, each `send`
        runs as a worker of kind `worker` with its own heartbeat. `automatic`: leave
        supplier orders stopped by a permanent error alone unless the supplier's settings changed
        (what `send --all` does; naming supplier orders, or `retry`, sends them anyway).
        `processes`: more than one spreads the suppliers over that many forked worker processes
        (send_processes.py), `concurrency` supplier threads in all."""
        self.config = config
        self.store = store
        self.host = host
        self.progress = progress or (lambda _id, _step: None)
        policy = config.daemon.retry
        self.retry = retry or RetryPolicy(attempts=policy.attempts, initial=policy.initial_seconds,
                                          maximum=policy.max_seconds)
        self.concurrency = max(1, concurrency)
        self.processes = max(1, processes)
        self.should_stop = should_stop or (lambda: False)
        self._connector_types = host.connector_types()
        self._own_queue = queue is None
        self.queue = queue or WorkQueue(store, lease=config.daemon.lease_seconds,
                                        heartbeat=config.daemon.heartbeat_seconds, kind=worker)
        self.automatic = automatic
        self.outbox = Outbox(store)
        #: how the plug-ins hear of a step (a send worker process relays it to its parent)
        self.tell: Callable[[DispatchEvent], None] = host.dispatch_event

    # -- public -----------------------------------------------------------------------------
    def send(self, so_ids: Iterable[int]) -> list[SendResult]:
        """Send supplier orders: suppliers in parallel (up to `concurrency`), each supplier's
        orders in their given order over one shop connection and one mail connection."""
        refuse_example_values(self.config)  # before any shop write or email
        wanted = list(dict.fromkeys(so_ids))
        with _SENDING:  # the garbage collector set for sends (`_SendingCollector`)
            if self._own_queue:
                # a worker with a heartbeat for this send: its claims outlive no crash by more
                # than three heartbeats, and are handed back when the send ends
                with Heartbeat(self.queue):
                    return self._send(wanted)
            return self._send(wanted)

    def _send(self, wanted: list[int]) -> list[SendResult]:
        groups = self._groups(wanted)
        batches: dict[int, list[SendResult]] = {}
        self._send_groups(Handout(groups, largest_first=self.concurrency > 1), len(groups),
                          batches.__setitem__)
        results = [r for batch in batches.values() for r in batch]
        order = {so_id: i for i, so_id in enumerate(wanted)}
        return sorted(results, key=lambda r: order[r.supplier_order_id])

    def send_claims(self, claim: Callable[[set[str]], list[int]], suppliers: int,
                    done: Callable[[list[SendResult]], None]) -> None:
        """A daemon's send job: send what `claim` hands out (the supplier orders it claimed for
        the suppliers not in the set it is given: those being sent to) and ask it again
        whenever a sender is free, until it has nothing; `done` hears of each supplier's batch
        as it ends. `suppliers`: how many may have work (the threads never outnumber them)."""
        refuse_example_values(self.config)
        first = claim(set())
        if not first:  # the daemon's idle firings: no worker is forked for nothing
            return
        with _SENDING:
            self._send_groups(Handout(self._groups(first),
                                      more=lambda busy: self._groups(claim(busy))),
                              suppliers, lambda _index, batch: done(batch))

    def _groups(self, wanted: list[int]) -> Groups:
        """The supplier orders by supplier, from their heads alone: each supplier order is loaded
        when its turn comes and dropped after, so memory stays flat however many a send holds."""
        heads = self.store.supplier_order_heads(wanted)
        groups: dict[str, list[_Head]] = {}
        for so_id in wanted:
            if so_id not in heads:
                raise OXError("OX-BLD-002", id=so_id)
            supplier_id, state = heads[so_id]
            groups.setdefault(supplier_id, []).append(_Head(so_id, supplier_id, state))
        return list(groups.items())

    def _send_groups(self, hand: Handout, width: int, done: Done) -> None:
        """Send every group `hand` gives out: over worker processes when there are more than one
        and the store allows it, else `concurrency` supplier threads here; one mail connection
        per sender, reused across its suppliers (mail/pool.py). glibc is told first to give
        large freed blocks back (memory.py); forked workers inherit the setting."""
        threads = max(1, min(self.concurrency, width))
        memory.tune()
        with MailPool(lambda: transport_for(self.config.mail, self.host.mail_transports())) \
                as self._mails:
            if min(self.processes, threads) > 1 and can_fork(self):
                send_in_processes(self, hand, self.processes, width, done)
            elif threads == 1:
                self._take_and_send(hand, done)
            else:
                with ThreadPoolExecutor(max_workers=threads,
                                        thread_name_prefix="ox-supplier") as pool:
                    for future in [pool.submit(self._take_and_send, hand, done)
                                   for _ in range(threads)]:
                        future.result()

    def _take_and_send(self, hand: Handout, done: Done) -> None:
        """One supplier thread: the next supplier's group until none is left (in a daemon's job:
        until none is left and no other thread holds a supplier, `Handout.may_wait`)."""
        while True:
            index = hand.take(self.should_stop)
            if index is None:
                if self.should_stop() or not hand.may_wait():
                    return
                hand.wait(_WAIT_POLL)
                continue
            try:
                results = self._send_supplier(*hand.groups[index])
            finally:
                hand.finish(index)
            done(index, results)

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
            connector.customer_keys = customer_directory(self.store, supplier)
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
        mail = self._mails.lease()
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
                    results.append(self._load_and_send(so, supplier, connector, mail, link,
                                                       fingerprint))
                except _ClaimLost as lost:
                    results.append(SendResult(so.id, so.supplier_id, so.state,
                                              skipped=f"being sent by {lost.holder}"))
                    self.progress(so.id, "skipped")
                except _Stopped as stopped:
                    results.append(SendResult(so.id, so.supplier_id, stopped.state,
                                              skipped="stopped before it was finished"))
                    break
                finally:
                    self.queue.release([so.id])
        finally:
            link.close()
            mail.close()
        return results

    def _load_and_send(self, head: _Head, supplier, connector: Connector, mail: MailLease,
                       link: _ShopLink, fingerprint: str) -> SendResult:
        """Load one claimed supplier order and send it. A method of its own so that the loaded
        order (its customer orders, lines, addresses: megabytes for 500 orders) is dropped when
        it returns: held in the supplier loop's variable it stayed alive while the next one
        loaded, two supplier orders in memory per supplier thread instead of one."""
        full = self.store.supplier_order(head.id)
        if not full.state.sendable:  # another process finished it meanwhile
            self.progress(head.id, "skipped")
            return SendResult(head.id, head.supplier_id, full.state,
                              skipped=f"already {full.state.value}")
        stopped = self._stopped(full, fingerprint)
        if stopped is not None:
            self.progress(head.id, "skipped")
            return stopped
        return self._send_one(full, supplier, connector, mail, link, fingerprint)

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
              stopped_under: str | None = None, also: Callable[[Any], Any] | None = None) -> None:
        """Persist a state, then tell the progress display and the plug-ins: in that order, so a
        listener never hears of a step that a crash could still undo. `also`: store work to
        commit with the state (store.set_state)."""
        self.store.set_state(so.id, state, error=error, message_id=message_id,
                             stopped_under=stopped_under, also=also)
        so.state = state
        self.progress(so.id, state.value)
        self.tell(DispatchEvent(
            step=state.value, supplier_order_id=so.id, supplier_id=so.supplier_id,
            error_code=error.code if error else None,
            error_message=error.message if error else None, message_id=message_id))

    def _send_one(self, so: SupplierOrder, supplier, connector: Connector,
                  mail: MailLease, link: _ShopLink, fingerprint: str = "") -> SendResult:
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
            # the sent message leaves the outbox in the commit that records it sent: one store
            # transaction, and no crash between them leaves a stale stored copy behind
            self._step(so, S.NOTIFIED, message_id=result.message_id,
                       also=lambda conn: self.outbox.drop_in(conn, key))
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
