"""`orderexchange daemon`: fetch, build and send on a schedule, without anyone clicking.

APScheduler only keeps time (SPEC §8): each firing of `fetch` or `build` enqueues a job under a key
for its time slot, so with several daemons on one store a slot still runs once; sending needs no
slot, every daemon claims supplier orders (leases, see queue.py) and sends what it holds — through
the same claim as `orderexchange send` and the menu, so a supplier order is never sent by two
workers at once. A permanent error stops the automatic retries of its supplier order until the
supplier's settings change (or a `retry` by hand): one attempt per change, not one per run. Suppliers
are sent to in parallel (`[daemon] concurrency`, over `[daemon] processes` worker processes as by
`orderexchange send`), each with its own shop connection and mail connection; within one supplier
the order is kept.

A SQLite store has no row locks, so there a second daemon refuses to start (file lock, OX-DMN-001).
SIGTERM/SIGINT stop gracefully: the supplier order in flight is finished, every claim is handed
back at once, the process exits 0. A daemon killed outright loses its claims within three
heartbeats (at once to a worker on the same host, which sees its process is gone).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from filelock import FileLock, Timeout
from sqlalchemy.engine import make_url

from .build import build
from .config import Config, JobConfig
from .digest import OWED, digest_suppliers, due_today, send_digests
from .dispatch import Dispatcher
from .errors import OXError
from .model import SENDABLE
from .plugin_host import PluginHost
from .queue import Heartbeat, WorkQueue
from .retry import settings_fingerprint
from .sources import fetch
from .store import Store

log = logging.getLogger("orderexchange.daemon")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the supplier order id when the record has one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "message": record.getMessage()}
        for key in ("supplier_order", "supplier", "step", "code", "job", "daemon", "skipped"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(fmt: str, stream: Any = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("orderexchange")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def digest_slot(at: str, day: datetime | None = None) -> str:
    """One digest per supplier time and local day: `2026-11-23T17:00`."""
    return f"{(day or datetime.now().astimezone()).strftime('%Y-%m-%d')}T{at}"


#: supplier orders one turn of a supplier claims (`send_claimed` hands a free sender the next 10 of
#: a supplier nobody is sending to): enough that a turn keeps its sender busy, few enough that
#: several daemons on one store share a supplier's backlog
CLAIM_PER_SUPPLIER = 10


class _SupplierClaims:
    """What one supplier's claims ask for during a send job: a digest supplier's written orders
    wait for the digest job, not for a sender; a supplier order already tried in this job (a
    failure) waits for the next firing rather than loop; one stopped by a permanent error under
    the supplier's current settings waits for a change (or a retry by hand)."""

    def __init__(self, config: Config, supplier_id: str) -> None:
        self.supplier_id = supplier_id
        self.states = (SENDABLE - set(OWED)
                       if config.suppliers[supplier_id].notification.digest else SENDABLE)
        self.fingerprint = settings_fingerprint(config, supplier_id)
        self.tried: set[int] = set()

    def claim(self, queue: WorkQueue) -> list[int]:
        ids = queue.claim_supplier_orders(limit=CLAIM_PER_SUPPLIER, supplier_id=self.supplier_id,
                                          states=self.states, exclude=self.tried,
                                          skip_stopped_under=self.fingerprint)
        self.tried.update(ids)
        return ids


def slot_key(kind: str, job: JobConfig, at: datetime) -> str:
    """The same key on every daemon for one firing: interval jobs by interval number, cron jobs
    by the minute (clocks a few seconds apart still agree)."""
    if job.every is not None:
        return f"every{int(job.every)}:{int(at.timestamp() // job.every)}"
    return at.strftime("%Y-%m-%dT%H:%M")


class Daemon:
    def __init__(self, config: Config, store: Store, host: PluginHost) -> None:
        self.config = config
        self.store = store
        self.host = host
        self.settings = config.daemon
        self.queue = WorkQueue(store, lease=self.settings.lease_seconds,
                               heartbeat=self.settings.heartbeat_seconds)
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._lock: FileLock | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def _single_daemon_lock(self) -> None:
        url = make_url(self.store.url)
        if url.get_backend_name() != "sqlite" or not url.database:
            return
        path = Path(url.database).with_suffix(".daemon.lock")
        self._lock = FileLock(str(path))
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            self._lock = None
            raise OXError("OX-DMN-001", store=url.database, lock=path) from None

    def stop(self, *_: Any) -> None:
        if not self.stopping.is_set():
            log.info("stopping: finishing the supplier order in flight",
                     extra={"daemon": self.queue.owner})
        self.stopping.set()
        self._wake.set()

    def run(self, once: bool = False) -> int:
        self._single_daemon_lock()
        log.info("daemon %s started (%s store)", self.queue.owner,
                 self.store.engine.dialect.name, extra={"daemon": self.queue.owner})
        try:
            self.queue.heartbeat()
            if once:
                self._install_signals()
                with Heartbeat(self.queue):  # no scheduler beats for --once
                    self.run_once()
            else:
                asyncio.run(self._main())
        finally:
            self.queue.stop()
            if self._lock is not None:
                self._lock.release()
            log.info("daemon %s stopped", self.queue.owner, extra={"daemon": self.queue.owner})
        return 0

    def _install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)

    def run_once(self) -> None:
        """Every enabled job once, now (for cron users and tests): fetch, build, send, then
        read-back when enabled, and the digests whose time of day has passed and which were not
        sent today (a digest slot is per day, so running `--once` every few minutes from cron
        still mails one digest a day)."""
        stamp = datetime.now(UTC).strftime("once-%Y%m%dT%H%M%S.%f")
        for kind in ("fetch", "build"):
            job = self.settings.jobs.get(kind)
            if job is not None and job.enabled:
                self.queue.enqueue(kind, f"{stamp}:{self.queue.owner}")
        self.work_jobs()
        if self.settings.jobs.get("send", JobConfig(every=1)).enabled:
            self.send_claimed()
        sync = self.settings.jobs.get("sync")
        if sync is not None and sync.enabled:
            self.queue.enqueue("sync", f"{stamp}:{self.queue.owner}")
        for at in sorted({s.notification.digest_at for s in digest_suppliers(self.config)
                          if due_today(s)}):
            self.queue.enqueue("digest", digest_slot(at))
        self.work_jobs()

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1,
            "misfire_grace_time": self.settings.misfire_grace_seconds})
        for kind, job in self.settings.jobs.items():
            if not job.enabled:
                continue
            trigger = (IntervalTrigger(seconds=job.every, timezone=UTC) if job.every
                       else CronTrigger.from_crontab(job.cron, timezone=UTC))
            scheduler.add_job(self._fire, trigger, args=[kind, job], id=kind)
        for at in sorted({s.notification.digest_at for s in digest_suppliers(self.config)}):
            hour, minute = at.split(":")
            scheduler.add_job(self._fire_digest, CronTrigger(
                hour=int(hour), minute=int(minute), timezone=datetime.now().astimezone().tzinfo),
                args=[at], id=f"digest {at}")
        scheduler.add_job(self.queue.heartbeat, IntervalTrigger(
            seconds=self.settings.heartbeat_seconds, timezone=UTC), id="heartbeat")
        scheduler.start()
        self._wake.set()  # run what is due at start-up
        try:
            while not self.stopping.is_set():
                await loop.run_in_executor(None, self._wake.wait, 5.0)
                self._wake.clear()
                if self.stopping.is_set():
                    break
                await loop.run_in_executor(None, self.work_jobs)
                if self._send_due:
                    self._send_due = False
                    await loop.run_in_executor(None, self.send_claimed)
        finally:
            scheduler.shutdown(wait=False)

    _send_due = True

    def _fire(self, kind: str, job: JobConfig) -> None:
        if kind == "send":
            self._send_due = True
        else:
            self.queue.enqueue(kind, slot_key(kind, job, datetime.now(UTC)))
        self._wake.set()

    def _fire_digest(self, at: str) -> None:
        self.queue.enqueue("digest", digest_slot(at))
        self._wake.set()

    # -- work -------------------------------------------------------------------------------
    def work_jobs(self) -> None:
        """Run every queued slot job this daemon can claim."""
        while not self.stopping.is_set():
            claimed = self.queue.claim_job()
            if claimed is None:
                return
            job_id, kind, slot = claimed
            try:
                detail = self._run_job(kind, slot)
                log.info("%s (%s): %s", kind, slot, detail, extra={"job": kind})
                self.queue.finish_job(job_id)
            except OXError as exc:
                log.error("%s (%s): %s — %s", kind, slot, exc, exc.solution,
                          extra={"job": kind, "code": exc.code})
                self.queue.finish_job(job_id, error=str(exc))

    def _run_job(self, kind: str, slot: str = "") -> str:
        if kind == "fetch":
            reports = fetch(self.store, self.config, self.host.order_sources())
            for r in reports:
                for f in r.reports:
                    # a refused order must reach whoever reads the log, not only `fetch`
                    for err in f.errors:
                        log.warning("fetch %s (%s): %s — %s", r.source, f.path, err.message,
                                    err.solution, extra={"job": kind, "code": err.code})
            stored = sum(f.counts["stored"] for r in reports for f in r.reports)
            refused = sum(f.counts["rejected"] for r in reports for f in r.reports)
            return (f"{stored} customer orders imported"
                    + (f", {refused} refused (see the warnings)" if refused else ""))
        if kind == "build":
            report = build(self.store, self.config)
            for problem in report.unassigned:
                log.warning("%s — %s", problem, problem.solution, extra={"code": problem.code})
            return f"{len(report.created)} supplier orders built"
        if kind == "sync":
            from .sync import sync_status

            results = sync_status(self.config, self.store, self.host)
            for r in results:
                if r.error is not None:
                    log.error("read-back %s: %s — %s", r.supplier_id, r.error, r.error.solution,
                              extra={"job": kind, "code": r.error.code})
            return (f"{sum(r.read for r in results)} orders read back, "
                    f"{sum(len(r.confirmed) for r in results)} supplier orders confirmed")
        if kind == "digest":
            at = slot.rpartition("T")[2]
            results = send_digests(self.config, self.store, self.host,
                                   [s.id for s in digest_suppliers(self.config)
                                    if s.notification.digest_at == at], owner=self.queue.owner)
            for r in results:
                if r.error is not None:
                    log.error("digest %s: %s — %s", r.supplier_id, r.error, r.error.solution,
                              extra={"job": kind, "supplier": r.supplier_id,
                                     "code": r.error.code})
                for w in r.warnings:
                    log.warning("digest %s: %s", r.supplier_id, w,
                                extra={"job": kind, "supplier": r.supplier_id, "code": w.code})
            return (f"{sum(1 for r in results if r.ok)} digests sent "
                    f"({sum(len(r.supplier_orders) for r in results if r.ok)} supplier orders)")
        raise OXError("OX-DMN-002", kind=kind)

    def send_claimed(self) -> int:
        """Claim and send supplier orders until none is left or stop, suppliers in parallel:
        one Dispatcher for the whole job, so `[daemon] processes` spreads the suppliers over
        that many worker processes (send_processes.py), forked once, exactly as `orderexchange
        send` does — with supplier threads alone a send computes on one core. Whenever a sender
        is free it gets the next `CLAIM_PER_SUPPLIER` supplier orders of a supplier nobody is
        sending to; each batch is logged and its claims handed back as it ends."""
        claims = {sid: _SupplierClaims(self.config, sid)
                  for sid, s in self.config.suppliers.items() if s.active}
        held: set[int] = set()
        sent = 0
        counting = threading.Lock()  # `done` runs in the supplier threads when not in workers

        def claim(busy: set[str]) -> list[int]:
            if self.stopping.is_set():
                return []
            ids = [so_id for sid, c in claims.items() if sid not in busy
                   for so_id in c.claim(self.queue)]
            with counting:
                held.update(ids)
            return ids

        def done(batch: list[Any]) -> None:
            nonlocal sent
            for result in batch:
                self._log_result(result)
            ids = [r.supplier_order_id for r in batch]
            self.queue.release(ids)
            with counting:
                sent += sum(1 for r in batch if r.ok)
                held.difference_update(ids)

        # a stop lands between customer orders: the one in flight is finished, the rest of the
        # claims are handed back below and stay claimable
        dispatcher = Dispatcher(self.config, self.store, self.host, self._progress,
                                should_stop=self.stopping.is_set, queue=self.queue,
                                automatic=True, concurrency=self.settings.concurrency,
                                processes=self.settings.processes)
        try:
            dispatcher.send_claims(claim, len(claims), done)
        finally:
            if held:
                self.queue.release(list(held))
        return sent

    def _progress(self, so_id: int, step: str) -> None:
        log.debug("supplier order %s: %s", so_id, step, extra={"supplier_order": so_id,
                                                               "step": step})

    @staticmethod
    def _log_result(result: Any) -> None:
        extra = {"supplier_order": result.supplier_order_id, "supplier": result.supplier_id,
                 "step": result.state.value}
        if result.skipped and result.error is None:
            # "step" is the state it was found in: "skipped" tells a script counting the
            # notifications that this daemon sent nothing (another one had already done it)
            extra["skipped"] = result.skipped
            log.info("supplier order %s: not sent: %s", result.supplier_order_id, result.skipped,
                     extra=extra)
            return
        if result.error is not None:
            extra["code"] = result.error.code
            log.error("supplier order %s: %s — %s", result.supplier_order_id, result.error.message,
                      result.error.solution, extra=extra)
        else:
            log.info("supplier order %s: %s (%d written, %d found already written)",
                     result.supplier_order_id, result.state.value, result.written,
                     result.already_there, extra=extra)

