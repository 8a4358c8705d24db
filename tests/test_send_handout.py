"""send_processes.Handout: which supplier a free sender takes next (threads and workers alike)."""

from __future__ import annotations

import threading

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
