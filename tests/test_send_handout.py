"""send_processes.Handout: which supplier a free sender takes next (threads and workers alike)."""

from __future__ import annotations

import threading
import types
from typing import Any

from orderexchange.send_processes import Handout


def test_the_largest_supplier_goes_first_and_a_lone_sender_keeps_the_given_order():
    groups = [("a", [1]), ("b", [2, 3, 4]), ("c", [5, 6])]
    hand = Handout(groups)
    assert [hand.groups[hand.take()][0] for _ in range(3)] == ["b", "c", "a"]
    assert hand.take() is None
    lone = Handout(groups, largest_first=False)
    assert [lone.groups[lone.take()][0] for _ in range(3)] == ["a", "b", "c"]


def test_more_is_asked_only_when_nothing_is_left_and_never_for_a_supplier_being_sent_to():
    asked: list[set[str]] = []
    backlog = {"a": [[10], [11]], "b": [[20]]}

    def more(busy: set[str]) -> list:
        asked.append(set(busy))
        return [(s, backlog[s].pop(0)) for s in sorted(backlog) if s not in busy and backlog[s]]

    hand = Handout([("a", [1])], more=more)
    first = hand.take()
    assert hand.groups[first] == ("a", [1]) and asked == []  # something was left: not asked
    second = hand.take()  # "a" is being sent to: only "b" may be claimed
    assert asked == [{"a"}] and hand.groups[second] == ("b", [20])
    assert hand.take() is None and asked[-1] == {"a", "b"}
    hand.finish(first)  # "a" is free again: its next claim may go out
    third = hand.take()
    assert asked[-1] == {"b"} and hand.groups[third] == ("a", [10])


def test_a_stopping_send_asks_for_no_more_but_hands_out_what_it_has():
    asked = []
    hand = Handout([("a", [1])], more=lambda busy: asked.append(busy) or [("b", [2])])
    assert hand.take(lambda: True) is not None
    assert hand.take(lambda: True) is None and asked == []


def test_senders_in_parallel_never_hold_one_supplier_twice():
    """Eight threads take and finish groups while `more` claims for the free suppliers: at no
    moment do two threads hold the same supplier, and every claim is sent once."""
    lock = threading.Lock()
    left = {s: list(range(k * 100, k * 100 + 30)) for k, s in enumerate("abcd")}
    held: dict[str, int] = {}
    sent: list[int] = []
    clash: list[str] = []

    def more(busy: set[str]) -> list:
        with lock:
            out = []
            for s in sorted(left):
                if s not in busy and left[s]:
                    out.append((s, [left[s].pop(0)]))
            return out

    hand = Handout([], more=more)

    def sender() -> None:
        while (index := hand.take()) is not None:
            supplier, batch = hand.groups[index]
            with lock:
                if held.get(supplier):
                    clash.append(supplier)
                held[supplier] = held.get(supplier, 0) + 1
            with lock:
                held[supplier] -= 1
                sent.extend(batch)
            hand.finish(index)

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clash == []
    # a thread that finds every supplier with work held ends; the holders carry their
    # backlogs on, and the last sender asks once nobody holds anything: nothing is left
    assert sorted(sent) == [n for k in range(4) for n in range(k * 100, k * 100 + 30)]


# --- a daemon's sender that finds nothing waits while another holds a supplier ---------------

class _Imports:
    """A daemon's `more` over a backlog that grows while the job runs: at first only supplier
    "a" has work; "b" and "c" get theirs once `arrive()` is called (orders imported meanwhile).
    `asked_while_a_held` is set once a sender asked while "a" was held and got nothing."""

    def __init__(self, asked_while_a_held: Any, arrived: Any) -> None:
        self.backlog = {"a": [[1]], "b": [[2]], "c": [[3]]}
        self.asked_while_a_held = asked_while_a_held
        self.arrived = arrived

    def __call__(self, busy: set[str]) -> list:
        out = []
        for supplier in sorted(self.backlog):
            if supplier in busy or not self.backlog[supplier]:
                continue
            if supplier != "a" and not self.arrived.is_set():
                continue
            out.append((supplier, self.backlog[supplier].pop(0)))
        if not out and "a" in busy:
            self.asked_while_a_held.set()
        return out


def _send_like_a_supplier(supplier: str, together: Any, imports_ready: Any, arrive: Any) -> list:
    """A supplier's send: "a" makes "b" and "c" arrive once another sender has asked in vain;
    "b" and "c" meet at a barrier, which only two senders at once can pass."""
    if supplier == "a":
        assert imports_ready.wait(10), "no other sender asked while a was held"
        arrive()
    else:
        together.wait()  # BrokenBarrierError after its timeout: sent one after the other
    return [supplier]


def test_a_waiting_thread_takes_the_work_that_arrives_while_another_sends():
    """Two supplier threads, a daemon's job that starts with one supplier's backlog: the thread
    that finds nothing waits instead of ending, so the suppliers whose orders arrive meanwhile
    are sent by both threads at once."""
    from orderexchange.dispatch import Dispatcher

    asked, arrived = threading.Event(), threading.Event()
    together = threading.Barrier(2, timeout=10)
    hand = Handout([], more=_Imports(asked, arrived))
    sent: list[str] = []
    fake = types.SimpleNamespace(
        should_stop=lambda: False,
        _send_supplier=lambda supplier, batch: _send_like_a_supplier(
            supplier, together, asked, arrived.set))
    threads = [threading.Thread(target=Dispatcher._take_and_send,
                                args=(fake, hand, lambda _i, results: sent.extend(results)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert sorted(sent) == ["a", "b", "c"] and not together.broken
    assert hand.busy == set() and hand.pending == []


def test_without_more_a_thread_that_finds_nothing_ends_at_once():
    """A plain send (`orderexchange send`: no `more`): nothing can arrive, nobody waits."""
    hand = Handout([("a", [1])])
    first = hand.take()
    assert hand.take() is None and not hand.may_wait()
    hand.finish(first)
    daemon = Handout([("a", [1])], more=lambda busy: [])
    held = daemon.take()
    assert daemon.take() is None and daemon.may_wait()
    assert not daemon.may_wait(held_elsewhere=False)  # the holder is a dead worker: no wait
    daemon.finish(held)
    assert daemon.take() is None and not daemon.may_wait()


def test_more_is_asked_again_only_after_a_finish_or_after_a_while(monkeypatch):
    """Waiting senders do not claim on every wake: a claim is a store transaction per free
    supplier."""
    asked: list[set[str]] = []
    hand = Handout([("a", [1])], more=lambda busy: asked.append(set(busy)) or [])
    held = hand.take()
    assert hand.take() is None and len(asked) == 1
    assert hand.take() is None and len(asked) == 1  # nothing finished, too soon: not asked
    monkeypatch.setattr(Handout, "ASK_AGAIN", 0.0)  # a while later: imports may have come
    assert hand.take() is None and len(asked) == 2
    monkeypatch.setattr(Handout, "ASK_AGAIN", 3600.0)
    hand.finish(held)
    assert hand.take() is None and asked[-1] == set() and len(asked) == 3


def test_a_waiting_worker_process_takes_the_work_that_arrives_while_another_sends():
    """The same with two forked worker processes of one thread each (`send_in_processes`): the
    worker that found nothing is parked by the sending process, not told to end."""
    import multiprocessing

    from orderexchange import send_processes

    ctx = multiprocessing.get_context("fork")
    asked, arrived = ctx.Event(), ctx.Event()
    together = ctx.Barrier(2, timeout=10)
    hand = Handout([], more=_Imports(asked, arrived))
    sent: list[str] = []
    host = types.SimpleNamespace(
        warnings=[], mail_transports=lambda: {}, dispatch_event=lambda event: None,
        pm=types.SimpleNamespace(hook=types.SimpleNamespace(
            oe_dispatch_event=types.SimpleNamespace(get_hookimpls=lambda: []))))
    fake = types.SimpleNamespace(
        concurrency=2, host=host, config=types.SimpleNamespace(mail=None),
        store=types.SimpleNamespace(engine=types.SimpleNamespace(dispose=lambda close: None)),
        should_stop=lambda: False, progress=lambda so_id, step: None,
        _send_supplier=lambda supplier, batch: _send_like_a_supplier(
            supplier, together, asked, arrived.set))
    send_processes.send_in_processes(fake, hand, 2, 3,
                                     lambda _i, results: sent.extend(results))
    assert sorted(sent) == ["a", "b", "c"] and not together.broken
    assert hand.busy == set() and hand.pending == []
