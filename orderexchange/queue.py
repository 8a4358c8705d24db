"""Work shared between daemons through the state store: scheduled jobs and supplier-order claims.

Why here and not in APScheduler: APScheduler cannot share a job store between processes, so each
daemon schedules in memory and a firing only *enqueues* a job under a key per time slot — the
unique key makes the store, not the scheduler, decide that a slot runs once however many daemons
fire it. Supplier orders are claimed one batch at a time with `SELECT … FOR UPDATE SKIP LOCKED`
(PostgreSQL, MariaDB 10.6+) and a lease: a daemon that dies keeps its claims only until the lease
runs out, a live one renews them (heartbeat). SQLite has no row locks; there, one daemon per store
is enforced by a file lock (see daemon.py), and the same queries run without the locking clause.
"""

from __future__ import annotations

import os
import socket
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
)


def worker_id() -> str:
    """host:pid:random — unique per daemon process, readable in `orderexchange status`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class WorkQueue:
    def __init__(self, store: Store, owner: str | None = None, lease: float = 120.0) -> None:
        self.store = store
        self.owner = owner or worker_id()
        self.lease = timedelta(seconds=lease)
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
                              exclude: Iterable[int] = ()) -> list[int]:
        """Claim up to `limit` supplier orders with work left (in `states`) that nobody holds a
        lease on; `exclude` names ones this run has tried already (a failed one is tried again
        at the next firing, not in a loop)."""
        so = supplier_orders
        ts = now()
        query = (sa.select(so.c.id)
                 .where(so.c.state.in_([s.value for s in states]),
                        so.c.lease_until.is_(None) | (so.c.lease_until < ts))
                 .order_by(so.c.id).limit(limit))
        if supplier_id is not None:
            query = query.where(so.c.supplier_id == supplier_id)
        skip = list(exclude)
        if skip:
            query = query.where(so.c.id.not_in(skip))
        with self.store.engine.begin() as conn:
            ids = [r.id for r in conn.execute(self._for_update(query))]
            if ids:
                conn.execute(so.update().where(so.c.id.in_(ids))
                             .values(claimed_by=self.owner, lease_until=ts + self.lease))
        return ids

    def release(self, ids: list[int]) -> None:
        if not ids:
            return
        so = supplier_orders
        with self.store.engine.begin() as conn:
            conn.execute(so.update().where(so.c.id.in_(ids), so.c.claimed_by == self.owner)
                         .values(claimed_by=None, lease_until=None))

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
            if conn.execute(heartbeats.update().where(heartbeats.c.owner == self.owner)
                            .values(seen_at=ts)).rowcount == 0:
                conn.execute(heartbeats.insert().values(owner=self.owner, started_at=ts,
                                                        seen_at=ts))

    def stop(self) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(supplier_orders.update()
                         .where(supplier_orders.c.claimed_by == self.owner)
                         .values(claimed_by=None, lease_until=None))
            conn.execute(heartbeats.delete().where(heartbeats.c.owner == self.owner))

    def daemons(self) -> list[dict[str, datetime]]:
        with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(heartbeats))]
