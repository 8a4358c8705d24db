"""A send spread over several worker processes: suppliers in parallel on more than one core.

Why: a send is bound by orderexchange's own Python CPU, not by the shops or the mail server
(bench/README, "Who is busy during a 10,000-order send"): supplier threads share one core under
the GIL, so `[daemon] concurrency` overlaps waiting but never computes on two cores. With
`[daemon] processes = N` the suppliers of one send are handed to N forked workers instead.

Why fork: a worker inherits the loaded configuration, the plug-ins (also those registered in code
by an application or a test), the compiled templates and the step 1 caches; nothing is loaded
twice and nothing has to be picklable on the way in.

What stays exactly as with threads (dispatch.py's rules):
- every supplier order is claimed, fenced and released under the sender's own worker name, whose
  heartbeat (in this process) renews the claims a worker holds;
- a worker persists each state before anything hears of it; the progress display and the
  `oe_dispatch_event` listeners are then told *here*, in the sending process, in the order the
  worker reported — so a listener that keeps state in memory hears every step as before. The
  other hooks (checks, attachments, mail transports) run in the worker, as they are pure;
- a worker that dies (killed, out of memory) leaves the supplier it was sending to this process,
  which sends it itself once the workers are gone: the send resumes at the step that failed and
  the exchange reference finds what the worker had already written, as after any crash.

The hand-out is on demand: each worker thread (`concurrency / processes` per worker) asks for the
next supplier when it is free, the largest suppliers first, so one slow shop does not leave a core
idle while another worker still holds a queue of work.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from . import memory
from .mail import MailPool, transport_for
from .send_result import SendResult

#: dispatch.py's Dispatcher and a supplier's (id, [its supplier order heads]): named only in
#: words, so that this module, which dispatch.py imports, does not import it back
Dispatcher = Any
Groups = list[tuple[str, list[Any]]]

log = logging.getLogger(__name__)

#: how often the sending process looks at `should_stop` while its workers run (seconds)
_STOP_POLL = 0.2


def can_fork(dispatcher: Dispatcher) -> bool:
    """Workers need fork and a store that another process can open (not SQLite in memory).
    Not on macOS, where a fork of a process that used the system's frameworks (its TLS, its
    keychain) may crash (Python itself no longer forks there by default): threads there."""
    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return False
    url = dispatcher.store.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def worker_threads(concurrency: int, processes: int, suppliers: int) -> list[int]:
    """The supplier threads of each worker: `concurrency` stays the number of suppliers in
    flight (never more than there are suppliers), shared out evenly; no worker without one."""
    total = max(1, min(concurrency, suppliers))
    processes = max(1, min(processes, total))
    return [total // processes + (k < total % processes) for k in range(processes)]


class Handout:
    """Which supplier a free sender (a worker thread, here or in a worker process) takes next.

    Why one policy for threads and processes: the largest groups first, so the long suppliers
    start at once and the short ones fill the gaps; a supplier is never sent to by two senders
    at once (within a supplier the order is kept, and one shop connection is enough); and when
    nothing is left, `more` — a daemon's next claims — is asked for work of the suppliers nobody
    is sending to, so a send job runs on until the backlog is gone without waiting for its
    slowest supplier at the end of a round (and worker processes are forked once per job).

    A daemon's sender that finds nothing while others still send waits (`may_wait`) instead of
    ending: the supplier another sender holds is free again when its turn ends, and orders
    imported meanwhile bring work for suppliers nobody holds. Ended, it left the rest of the job
    to fewer senders — one, when the job began with a single supplier's backlog. `more` is asked
    again only when a sender finished since it last had nothing, or `ASK_AGAIN` seconds later
    (a claim is a store transaction per free supplier: not for every waiting sender's wake)."""

    #: seconds after which a waiting sender asks `more` again though no sender finished
    ASK_AGAIN = 5.0

    def __init__(self, groups: Groups, more: Callable[[set[str]], Groups] | None = None,
                 largest_first: bool = True) -> None:
        self.groups: Groups = []
        self.pending: list[int] = []
        self.more = more
        self.largest_first = largest_first  # a lone sender keeps the order it was given
        self.busy: set[str] = set()  # the suppliers a sender holds
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)
        #: whether `more` may have something new: a sender finished since it last had nothing
        self._fresh = True
        self._asked_at = 0.0
        self._add(groups)

    def _add(self, groups: Groups) -> None:
        first = len(self.groups)
        self.groups.extend(groups)
        fresh = range(first, len(self.groups))
        self.pending.extend(sorted(fresh, key=lambda i: -len(self.groups[i][1]))
                            if self.largest_first else fresh)

    def take(self, stopping: Callable[[], bool] = lambda: False) -> int | None:
        """The index of the next group to send, None when there is none now (and, once
        `stopping()`, nothing new is asked of `more`)."""
        with self._lock:
            if not self.pending and self.more is not None and not stopping() and (
                    self._fresh or time.monotonic() - self._asked_at >= self.ASK_AGAIN):
                self._asked_at = time.monotonic()
                self._add(self.more(set(self.busy)))
                self._fresh = bool(self.pending)
            if not self.pending:
                return None
            index = self.pending.pop(0)
            self.busy.add(self.groups[index][0])
            return index

    def may_wait(self, held_elsewhere: bool | None = None) -> bool:
        """Whether a sender that `take` gave nothing should wait for more rather than end: only
        a daemon's job (`more`), and only while another sender still holds a supplier
        (`held_elsewhere`: the caller's own count of live senders, where a dead worker's
        supplier stays held until it is sent again by the sending process itself)."""
        with self._lock:
            held = bool(self.busy) if held_elsewhere is None else held_elsewhere
            return self.more is not None and held

    def wait(self, timeout: float) -> None:
        """Until a sender finishes (or `timeout` seconds: the caller looks at its stop flag)."""
        with self._finished:
            self._finished.wait(timeout)

    def finish(self, index: int) -> None:
        with self._finished:
            self.busy.discard(self.groups[index][0])
            self._fresh = True
            self._finished.notify_all()


#: told in the sending process as each group's results arrive: (its index, its results)
Done = Callable[[int, list[SendResult]], None]


def send_in_processes(dispatcher: Dispatcher, hand: Handout, processes: int, width: int,
                      done: Done) -> None:
    """Send the groups `hand` gives out with `processes` forked workers and `width` supplier
    threads in all (never more than the suppliers that may have work); `done` hears of each
    group's results here. Without any worker (none could be started) the groups are sent here,
    one after the other, as by the leftovers of dead workers."""
    threads = worker_threads(dispatcher.concurrency, processes, width)
    ctx = multiprocessing.get_context("fork")
    memory.give_back()  # a worker starts with every page resident here, freed ones too
    # read by the workers' `should_stop` without a lock: set once, by this process
    stop = ctx.RawValue("b", 0)
    slots: list[_Slot] = []
    workers = []
    for count in threads:
        pairs = [ctx.Pipe(duplex=True) for _ in range(count)]
        proc = ctx.Process(target=_worker, args=(dispatcher, [c for _, c in pairs], stop),
                           name="ox-send-worker", daemon=True)
        try:
            proc.start()
        except OSError as exc:  # no fork left (memory, a process limit): fewer workers
            log.warning("could not start a send worker (%s); sending with %d", exc, len(workers))
            for here, there in pairs:
                here.close()
                there.close()
            break
        for here, there in pairs:
            # our copy of the worker's end closed at once (and so never inherited by the next
            # worker): a worker that dies then reads as end-of-file on its slots
            there.close()
            slots.append(_Slot(here, proc))
        workers.append(proc)
    _Hand(dispatcher, hand, slots, workers, stop, done).run()


class _Slot:
    """One worker thread's pipe, seen from the sending process."""

    def __init__(self, conn: Connection, proc: Any) -> None:
        self.conn = conn
        self.proc = proc
        self.busy: int | None = None  # the group index it is sending
        self.open = True


class _Hand:
    """The sending process's side: hands out groups, relays progress and events, collects."""

    def __init__(self, dispatcher: Dispatcher, hand: Handout, slots: list[_Slot],
                 workers: list[Any], stop: Any, done: Done) -> None:
        self.d = dispatcher
        self.stop = stop
        self.hand = hand
        self.slots = slots
        self.workers = workers
        self.done = done
        self.orphans: list[int] = []
        self.stopping = False
        #: slots that asked for work when there was none yet (a daemon's job: `Handout.may_wait`)
        self.parked: list[_Slot] = []

    def run(self) -> None:
        try:
            while any(slot.open for slot in self.slots):
                by_conn = {slot.conn: slot for slot in self.slots if slot.open}
                for conn in wait(list(by_conn), timeout=_STOP_POLL):
                    self._read(by_conn[conn])
                if not self.stopping and self.d.should_stop():
                    # the workers stop between customer orders, as the supplier threads do
                    self.stopping = True
                    self.stop.value = 1
                parked, self.parked = self.parked, []
                for slot in parked:  # a supplier freed, orders imported meanwhile, or stopping
                    if slot.open:
                        self._hand_out(slot)
        finally:
            for proc in self.workers:
                proc.join(timeout=5)
                if proc.is_alive():  # pragma: no cover - a worker stuck after its last answer
                    proc.kill()
                    proc.join()
        # what a dead worker left, and what no worker took (they all died): sent here
        for i in sorted(self.orphans + self.hand.pending):
            self._finish(i, self.d._send_supplier(*self.hand.groups[i]))
        self.hand.pending.clear()

    def _finish(self, index: int, results: list[SendResult]) -> None:
        self.hand.finish(index)
        self.done(index, results)

    def _read(self, slot: _Slot) -> None:
        try:
            message = slot.conn.recv()
        except (EOFError, OSError):  # the worker ended (or died): its work in flight is ours
            slot.open = False
            if slot.busy is not None:
                self.orphans.append(slot.busy)
            slot.busy = None
            return
        kind = message[0]
        if kind == "next":
            self._hand_out(slot)
        elif kind == "progress":
            self.d.progress(message[1], message[2])
        elif kind == "event":
            self.d.host.dispatch_event(message[1])
        elif kind == "done":
            self.d.host.warnings.extend(message[2])
            index, slot.busy = slot.busy, None
            self._finish(index, message[1])
        elif kind == "failed":  # an unexpected error in the worker: sent again here, where
            # it raises as it would have in a supplier thread if it was no passing accident
            log.warning("send worker %s failed on supplier %s, sending it here: %s",
                        slot.proc.pid, self.hand.groups[slot.busy][0], message[1])
            self.orphans.append(slot.busy)
            slot.busy = None


    def _hand_out(self, slot: _Slot) -> None:
        """The next group to `slot`'s worker thread; else the slot waits while a live worker
        still holds a supplier in a daemon's job (a dead worker's supplier is sent here at the
        end: nobody waits for it), or is told there is none and its thread ends."""
        index = None if self.stopping else self.hand.take()
        if index is not None:
            slot.busy = index
            _quiet_send(slot.conn, ("group", *self.hand.groups[index]))
            return
        held = any(other.busy is not None for other in self.slots if other.open)
        if not self.stopping and self.hand.may_wait(held):
            self.parked.append(slot)
            return
        _quiet_send(slot.conn, ("none",))


def _quiet_send(conn: Connection, message: tuple) -> None:
    try:
        conn.send(message)
    except (BrokenPipeError, OSError):
        pass  # the worker is gone; its EOF is read next


def _worker(dispatcher: Dispatcher, conns: list[Connection], stop_flag: Any) -> None:
    """A worker process, left only by `os._exit`: the sender's atexit handlers and finalizers
    are not the worker's to run, and whatever the sender's other threads wrote into stdout after
    multiprocessing's flush before the fork must not be printed a second time by the worker."""
    code = 0
    try:
        _work(dispatcher, conns, stop_flag)
    except BaseException:  # noqa: BLE001 - the sender sends what this worker had in flight
        os.write(2, f"orderexchange send worker {os.getpid()}: "
                    f"{traceback.format_exc(limit=-3)}".encode(errors="replace"))
        code = 1
    finally:
        os._exit(code)


def _work(dispatcher: Dispatcher, conns: list[Connection], stop_flag: Any) -> None:
    """The worker's threads ask for groups (a supplier and its supplier order heads: sent
    through the pipe, as a daemon claims more while the workers run) and send them, reporting
    back."""
    # Ctrl-C reaches the whole process group, and a service manager's stop (systemd's SIGTERM)
    # the whole control group: the sending process decides (should_stop) and tells the workers,
    # who finish the customer order in flight like the threads do
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        signal.set_wakeup_fd(-1)  # the parent's event loop's, if it had one: not ours
    except ValueError:  # pragma: no cover - not the main thread of the fork
        pass
    # the store's pooled connections belong to the parent: a fresh pool here, the parent's left
    dispatcher.store.engine.dispose(close=False)
    local = threading.local()
    dispatcher.progress = lambda so_id, step: local.conn.send(("progress", so_id, step))
    dispatcher.should_stop = lambda: bool(stop_flag.value)
    listening = bool(dispatcher.host.pm.hook.oe_dispatch_event.get_hookimpls())
    dispatcher.tell = (lambda event: local.conn.send(("event", event))) if listening \
        else (lambda _event: None)

    warnings = dispatcher.host.warnings  # e.g. a check hook that raised, shown by the CLI
    told, told_up_to = threading.Lock(), [len(warnings)]

    def serve(conn: Connection) -> None:
        local.conn = conn
        while True:
            conn.send(("next",))
            answer = conn.recv()
            if answer[0] != "group":
                return
            try:
                batch = dispatcher._send_supplier(answer[1], answer[2])
            except Exception:  # noqa: BLE001 - reported; the sending process sends it again
                conn.send(("failed", traceback.format_exc(limit=-1).strip()))
                continue
            with told:  # the plug-in warnings of this worker not yet handed on
                fresh = warnings[told_up_to[0]:]
                told_up_to[0] = len(warnings)
            conn.send(("done", batch, fresh))

    config = dispatcher.config
    with MailPool(lambda: transport_for(config.mail, dispatcher.host.mail_transports())) \
            as dispatcher._mails:
        threads = [threading.Thread(target=serve, args=(conn,), name="ox-supplier")
                   for conn in conns]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for conn in conns:
        conn.close()
