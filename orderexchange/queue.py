"""Work shared between daemons through the state store: scheduled jobs and supplier-order claims.

Why here and not in APScheduler: APScheduler cannot share a job store between processes, so each
daemon schedules in memory and a firing only *enqueues* a job under a key per time slot — the
unique key makes the store, not the scheduler, decide that a slot runs once however many daemons
fire it.

Supplier orders: every sender — a daemon, `orderexchange send`, the menu's send — takes a supplier
order through a claim on its row (`claimed_by`, `lease_until`) before it touches it, and a claim
held by someone else is reported ("being sent by host:pid:…"), never sent through. Daemons claim
batches with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL, MariaDB 10.6+); on SQLite, which has
no row locks, a claim is one conditional `UPDATE` (SQLite serialises writers, so two processes can
never both win it); one daemon per SQLite store is still enforced by a file lock (daemon.py).

Every claimant is a worker with a heartbeat row in `ox_daemons` (`kind`: daemon, send, menu …).
A lease is three heartbeats long and each heartbeat renews it, so a worker that dies loses its
claims within three heartbeats; whoever claims next also clears a dead worker's row and gives its
running jobs back. A worker on this host whose process no longer exists is dead at once (its pid
is in its name), which makes a send started right after a `kill -9` go on without waiting.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .model import SENDABLE, SupplierOrderState
from .store import Store, UtcDateTime, metadata, now, supplier_orders

jobs = sa.Table(
    "ox_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("slot", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # queued | running | done | failed
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("owner", sa.String(128)),
    sa.Column("lease_until", UtcDateTime),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("kind", "slot"),
)

heartbeats = sa.Table(
    "ox_daemons", metadata,
    sa.Column("owner", sa.String(128), primary_key=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
    # added later (so `_upgrade` adds them): what kind of worker, and when it counts as dead
    sa.Column("kind", sa.String(16), nullable=False, server_default="daemon"),
    sa.Column("alive_until", UtcDateTime, nullable=True),
)

#: heartbeats a worker may miss before its claims and its row are taken away
MISSED_HEARTBEATS = 3

#: a sender's per-supplier-order statements, built once with bound names (`owner`, `now`,
#: `until`, `so_id`): built per call, each cost more to build and key than to run
_so = supplier_orders
_FREE = (_so.c.claimed_by.is_(None) | (_so.c.claimed_by == sa.bindparam("owner"))
         | _so.c.lease_until.is_(None) | (_so.c.lease_until < sa.bindparam("now")))
_CLAIM_ONE = _so.update().where(_so.c.id == sa.bindparam("so_id"), _FREE).values(
    claimed_by=sa.bindparam("owner"), lease_until=sa.bindparam("until"))
_CLAIMANT = sa.select(_so.c.claimed_by).where(_so.c.id == sa.bindparam("so_id"))
_RENEW_ONE = _so.update().where(_so.c.id == sa.bindparam("so_id"),
                                _so.c.claimed_by == sa.bindparam("owner")).values(
    lease_until=sa.bindparam("until"))
_RELEASE = _so.update().where(_so.c.id.in_(sa.bindparam("ids", expanding=True)),
                              _so.c.claimed_by == sa.bindparam("owner")).values(
    claimed_by=None, lease_until=None)


def worker_id(kind: str = "daemon") -> str:
    """host:pid:kind-random — unique per worker, readable in `status` and in "being sent by …"."""
    return f"{socket.gethostname()}:{os.getpid()}:{kind}-{uuid.uuid4().hex[:6]}"


def _dead_here(owner: str) -> bool:
    """Whether `owner` names a process on this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid, _, _tag = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. another user's process: it exists
        return False
    return False


class WorkQueue:
    """One worker's view of the shared work: its claims, its jobs, its heartbeat.

    `lease` is how long a claim lasts without a heartbeat; `heartbeat` (seconds), when given,
    shortens it to MISSED_HEARTBEATS heartbeats — what a worker that renews its claims needs."""

    def __init__(self, store: Store, owner: str | None = None, lease: float = 120.0,
                 heartbeat: float | None = None, kind: str = "daemon") -> None:
        self.store = store
        self.kind = kind
        self.owner = owner or worker_id(kind)
        if heartbeat is not None:
            lease = min(lease, MISSED_HEARTBEATS * heartbeat)
        self.lease = timedelta(seconds=lease)
        self.heartbeat_seconds = heartbeat if heartbeat is not None else lease / MISSED_HEARTBEATS
        metadata.create_all(store.engine, tables=[jobs, heartbeats])
        self._locking = store.engine.dialect.name in ("postgresql", "mysql", "mariadb")

    def _for_update(self, query: sa.Select) -> sa.Select:
        return query.with_for_update(skip_locked=True) if self._locking else query

    # -- jobs -------------------------------------------------------------------------------
    def enqueue(self, kind: str, slot: str) -> bool:
        """Queue a job for a time slot; False when any daemon queued this slot already."""
        try:
            with self.store.engine.begin() as conn:
                conn.execute(jobs.insert().values(kind=kind, slot=slot, state="queued",
                                                  created_at=now()))
            return True
        except IntegrityError:
            return False

    def claim_job(self) -> tuple[int, str, str] | None:
        """The oldest queued job (or one whose runner's lease ran out), now ours."""
        ts = now()
        with self.store.engine.begin() as conn:
            row = conn.execute(self._for_update(
                sa.select(jobs.c.id, jobs.c.kind, jobs.c.slot)
                .where((jobs.c.state == "queued")
                       | ((jobs.c.state == "running") & (jobs.c.lease_until < ts)))
                .order_by(jobs.c.id).limit(1))).first()
            if row is None:
                return None
            conn.execute(jobs.update().where(jobs.c.id == row.id).values(
                state="running", owner=self.owner, lease_until=ts + self.lease))
        return row.id, row.kind, row.slot

    def finish_job(self, job_id: int, error: str | None = None) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(
                state="failed" if error else "done", finished_at=now(), error=error,
                lease_until=None))

    # -- supplier orders --------------------------------------------------------------------
    def claim_supplier_orders(self, limit: int = 50, supplier_id: str | None = None,
                              states: Iterable[SupplierOrderState] = SENDABLE,
                              exclude: Iterable[int] = (),
                              skip_stopped_under: str | None = None) -> list[int]:
        """Claim up to `limit` supplier orders with work left (in `states`) that nobody holds a
        lease on; `exclude` names ones this run has tried already (a failed one is tried again
        at the next firing, not in a loop). With `skip_stopped_under` (the supplier's current
        settings fingerprint), a supplier order stopped by a permanent error under the same
        settings is left alone: only a change, or a retry by hand, sends it again."""
        so = supplier_orders
        self.reap()
        ts = now()
        query = (sa.select(so.c.id)
                 .where(so.c.state.in_([s.value for s in states]),
                        so.c.lease_until.is_(None) | (so.c.lease_until < ts))
                 .order_by(so.c.id).limit(limit))
        if supplier_id is not None:
            query = query.where(so.c.supplier_id == supplier_id)
        if skip_stopped_under is not None:
            query = query.where(so.c.stopped_under.is_(None)
                                | (so.c.stopped_under != skip_stopped_under))
        skip = list(exclude)
        if skip:
            query = query.where(so.c.id.not_in(skip))
        until = ts + self.lease
        if not self._locking:
            # SQLite: read the candidates, then take them with one conditional UPDATE as the
            # first statement of its own transaction — a writer that waits there (busy timeout)
            # re-reads the rows, so a row another process took meanwhile is not taken again
            with self.store.engine.connect() as conn:
                candidates = [r.id for r in conn.execute(query)]
            if not candidates:
                return []
            with self.store.engine.begin() as conn:
                conn.execute(so.update().where(so.c.id.in_(candidates), self._free(ts))
                             .values(claimed_by=self.owner, lease_until=until))
                return [r.id for r in conn.execute(
                    sa.select(so.c.id).where(so.c.id.in_(candidates),
                                             so.c.claimed_by == self.owner,
                                             so.c.lease_until == until).order_by(so.c.id))]
        with self.store.engine.begin() as conn:
            ids = [r.id for r in conn.execute(self._for_update(query))]
            if ids:
                conn.execute(so.update().where(so.c.id.in_(ids))
                             .values(claimed_by=self.owner, lease_until=until))
        return ids

    def _free(self, ts: datetime) -> sa.ColumnElement[bool]:
        so = supplier_orders
        return (so.c.claimed_by.is_(None) | (so.c.claimed_by == self.owner)
                | so.c.lease_until.is_(None) | (so.c.lease_until < ts))

    def claim(self, so_id: int) -> str | None:
        """Claim one supplier order (the sender's way in): None when it is now ours, else the
        name of the worker that holds it. One conditional UPDATE on every backend: PostgreSQL
        and InnoDB re-check its WHERE on the row they waited for, SQLite serialises writers."""
        for _ in range(2):
            ts = now()
            with self.store.engine.begin() as conn:
                hit = conn.execute(_CLAIM_ONE, {"so_id": so_id, "owner": self.owner, "now": ts,
                                                "until": ts + self.lease})
                if hit.rowcount:
                    return None
                other = conn.execute(_CLAIMANT, {"so_id": so_id}).scalar_one_or_none()
            if other is None or not _dead_here(other):
                return other or "(unknown)"
            self._release_owners([other])  # its process is gone: the claim is void
        return other

    def holds(self, so_id: int) -> bool:
        """Renew the claim on one supplier order; False when it is no longer ours (a worker
        that missed its heartbeats lost it). Asked before each side effect (fencing)."""
        with self.store.engine.begin() as conn:
            return bool(conn.execute(_RENEW_ONE, {"so_id": so_id, "owner": self.owner,
                                                  "until": now() + self.lease}).rowcount)

    def claimant(self, so_id: int) -> str | None:
        with self.store.engine.connect() as conn:
            return conn.execute(_CLAIMANT, {"so_id": so_id}).scalar_one_or_none()

    def reap(self) -> list[str]:
        """Clear dead workers: rows whose heartbeat is older than MISSED_HEARTBEATS, and
        workers on this host whose process is gone. Their claims are released, their running
        jobs queued again, their rows deleted. Returns their names."""
        ts = now()
        with self.store.engine.connect() as conn:
            dead = set(conn.execute(sa.select(heartbeats.c.owner)
                                    .where(heartbeats.c.alive_until < ts)).scalars())
            holders = set(conn.execute(
                sa.select(supplier_orders.c.claimed_by).distinct()
                .where(supplier_orders.c.claimed_by.is_not(None))).scalars())
            listed = set(conn.execute(sa.select(heartbeats.c.owner)).scalars())
        dead |= {o for o in holders | listed if o != self.owner and _dead_here(o)}
        dead.discard(self.owner)
        if dead:
            self._release_owners(sorted(dead))
        return sorted(dead)

    def _release_owners(self, owners: list[str]) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(supplier_orders.update()
                         .where(supplier_orders.c.claimed_by.in_(owners))
                         .values(claimed_by=None, lease_until=None))
            conn.execute(jobs.update().where(jobs.c.owner.in_(owners), jobs.c.state == "running")
                         .values(state="queued", owner=None, lease_until=None))
            conn.execute(heartbeats.delete().where(heartbeats.c.owner.in_(owners)))

    def release(self, ids: list[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        with self.store.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                conn.execute(_RELEASE, {"ids": ids[start:start + 500], "owner": self.owner})

    def heartbeat(self) -> None:
        """Renew every lease this daemon holds and record that it is alive."""
        ts = now()
        with self.store.engine.begin() as conn:
            conn.execute(supplier_orders.update()
                         .where(supplier_orders.c.claimed_by == self.owner,
                                supplier_orders.c.lease_until.is_not(None))
                         .values(lease_until=ts + self.lease))
            conn.execute(jobs.update().where(jobs.c.owner == self.owner,
                                             jobs.c.state == "running")
                         .values(lease_until=ts + self.lease))
            alive = ts + timedelta(seconds=MISSED_HEARTBEATS * self.heartbeat_seconds)
            if conn.execute(heartbeats.update().where(heartbeats.c.owner == self.owner)
                            .values(seen_at=ts, alive_until=alive)).rowcount == 0:
                conn.execute(heartbeats.insert().values(owner=self.owner, started_at=ts,
                                                        seen_at=ts, alive_until=alive,
                                                        kind=self.kind))
        self.reap()

    def stop(self) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(supplier_orders.update()
                         .where(supplier_orders.c.claimed_by == self.owner)
                         .values(claimed_by=None, lease_until=None))
            conn.execute(heartbeats.delete().where(heartbeats.c.owner == self.owner))

    def daemons(self, kind: str | None = "daemon") -> list[dict[str, datetime]]:
        """Workers with a heartbeat row: daemons by default, every kind with `kind=None`."""
        query = sa.select(heartbeats.c.owner, heartbeats.c.started_at, heartbeats.c.seen_at,
                          heartbeats.c.kind).order_by(heartbeats.c.started_at)
        if kind is not None:
            query = query.where(heartbeats.c.kind == kind)
        with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


class Heartbeat:
    """A worker's heartbeat in a background thread, for senders that have no scheduler (the
    CLI's send, the menu, `daemon --once`): it renews the worker's claims while it works, and on
    leaving hands every claim back and clears the worker's row."""

    def __init__(self, queue: WorkQueue) -> None:
        self.queue = queue
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="ox-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.queue.heartbeat_seconds):
            try:
                self.queue.heartbeat()
            except Exception:  # noqa: BLE001 - a store hiccup: the next beat tries again
                pass

    def __enter__(self) -> WorkQueue:
        self.queue.heartbeat()
        self._thread.start()
        return self.queue

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.queue.stop()
