"""Claims and slot jobs on SQLite, PostgreSQL and MariaDB state stores."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from orderexchange.model import CatalogueEntry, SupplierOrderState
from orderexchange.queue import WorkQueue
from orderexchange.store import Store


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    elif request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = request.getfixturevalue("mariadb_db").url
    s = Store(url)
    s.backend = request.param
    yield s
    s.close()


def make_supplier_orders(store, count):
    """`count` draft supplier orders (one customer order each) without going through build."""
    from helpers import sample_order

    from orderexchange.importer import parse_order

    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"))])
    ids = []
    for i in range(count):
        order, errors = parse_order(sample_order(str(i)), row=1)
        assert not errors
        oid = store.add_customer_order(order)
        line_id = store.customer_orders([oid])[oid].lines[0].id
        ids.append(store.create_supplier_order("alpha", [(oid, [(line_id, "A-100",
                                                                Decimal("7.20"))])]))
    return ids


def test_claims_never_overlap_between_concurrent_workers(store):
    ids = make_supplier_orders(store, 40)
    if store.backend == "sqlite":
        # one daemon per SQLite store (file lock, test_daemon); its claims still never overlap
        a, b = WorkQueue(store, owner="a"), WorkQueue(store, owner="b")
        first, second = a.claim_supplier_orders(limit=25), b.claim_supplier_orders(limit=25)
        assert sorted(first + second) == sorted(ids) and not set(first) & set(second)
        return
    workers = [WorkQueue(store, owner=f"w{i}") for i in range(4)]
    got: dict[str, list[int]] = {w.owner: [] for w in workers}
    barrier = threading.Barrier(len(workers))

    def work(queue):
        barrier.wait()
        # an empty claim means "nothing free right now" (InnoDB may hold a whole sort's rows):
        # like the daemon, try again until every order is taken
        while sum(len(b) for b in got.values()) < len(ids):
            batch = queue.claim_supplier_orders(limit=3)
            got[queue.owner].extend(batch)
            time.sleep(0.02 if batch else 0.001)  # "sending" the batch takes a moment

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for batch in got.values() for i in batch]
    assert sorted(claimed) == sorted(ids)  # every order claimed exactly once
    assert sum(1 for batch in got.values() if batch) >= 2  # the work was shared


def test_lease_expiry_hands_work_to_another_daemon(store):
    ids = make_supplier_orders(store, 3)
    dead = WorkQueue(store, owner="dead", lease=-1)  # its leases are already over
    alive = WorkQueue(store, owner="alive", lease=60)
    assert dead.claim_supplier_orders() == ids
    assert alive.claim_supplier_orders() == ids  # taken back after the lease ran out
    assert WorkQueue(store, owner="third").claim_supplier_orders() == []
    alive.release(ids[:1])
    assert WorkQueue(store, owner="third").claim_supplier_orders() == ids[:1]


def test_finished_orders_are_not_claimed(store):
    ids = make_supplier_orders(store, 2)
    store.set_state(ids[0], SupplierOrderState.NOTIFIED)
    assert WorkQueue(store).claim_supplier_orders() == ids[1:]


def test_a_time_slot_runs_once_whatever_the_number_of_daemons(store):
    a, b = WorkQueue(store, owner="a"), WorkQueue(store, owner="b")
    assert a.enqueue("build", "2026-11-23T10:00") is True
    assert b.enqueue("build", "2026-11-23T10:00") is False
    job = b.claim_job()
    assert job is not None and job[1:] == ("build", "2026-11-23T10:00")
    assert a.claim_job() is None
    b.finish_job(job[0])
    assert a.claim_job() is None


def test_heartbeat_keeps_leases_alive_and_lists_daemons(store):
    ids = make_supplier_orders(store, 1)
    q = WorkQueue(store, owner="me", lease=60)
    q.heartbeat()
    assert q.claim_supplier_orders() == ids
    q.heartbeat()
    assert WorkQueue(store, owner="other").claim_supplier_orders() == []
    assert [d["owner"] for d in q.daemons()] == ["me"]
    q.stop()
    assert q.daemons() == []
    assert WorkQueue(store, owner="other").claim_supplier_orders() == ids
