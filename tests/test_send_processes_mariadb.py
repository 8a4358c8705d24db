"""A send spread over worker processes (`[daemon] processes`, send_processes.py) on real shops.

The oracle is the same send with supplier threads: the same realistic orders (tests/orderdata.py:
returning customers, shared emails, CHF/GBP/PLN, companies, bad rows refused at import) into
fresh shops of four suppliers on three connectors, once with threads and once with two worker
processes. Each shop's own admin order list (test_realdata_e2e's queries, cited there) must show
the same orders, under the same customers, with the same totals; the results, the plug-in events
and the progress the sending process hears must be the same; no claim may be left behind.
Then the worker dies (SIGKILL) right after a shop committed a chunk of orders, and the send is
told to stop half-way: each customer order is still in its shop exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orderdata
import pytest
import servers
import sqlalchemy as sa
from shopdb import shop_section
from test_realdata_e2e import FAMILIES

from orderexchange import config as config_mod, send_processes
from orderexchange.build import build
from orderexchange.daemon import CLAIM_PER_SUPPLIER, Daemon
from orderexchange.dispatch import Dispatcher
from orderexchange.errors import OXError
from orderexchange.hookspecs import hookimpl
from orderexchange.importer import import_catalogue, import_orders
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins.oscommerce import OsCommerceConnector
from orderexchange.queue import Heartbeat, heartbeats
from orderexchange.send_processes import can_fork, worker_threads
from orderexchange.store import Store, supplier_orders

#: supplier → the shop family it runs (two osCommerce shops: one connector in two workers)
SHOPS = {"alpha": "oscommerce", "beta": "opencart4", "gamma": "woocommerce_hpos",
         "delta": "oscommerce"}
#: every test shop sells A-100 and A-200 (the families' schemas); each supplier has its own shop
SKUS = {s: ["A-100", "A-200"] for s in SHOPS}
ORDERS = 240


@pytest.fixture(scope="module")
def dataset() -> orderdata.Dataset:
    return orderdata.generate(ORDERS, seed=29, today=datetime.now(UTC).date(), suppliers=SKUS)


class Listener:
    """A plug-in that keeps what it hears in memory: it sees a step only if the sending process
    itself is told (a worker's copy of it would keep its notes to itself)."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    def oe_dispatch_event(self, event: Any) -> None:
        self.events.append(event)


def _send(tmp: Path, stack: ExitStack, server: Any, smtp: Any, data: orderdata.Dataset,
          processes: int, listener: Listener | None = None, store_url: str | None = None,
          daemon: bool = False, max_customer_orders: int = 500,
          **options: Any) -> SimpleNamespace:
    """Fresh shops, a fresh store, the data imported and built, one send (`daemon`: the
    daemon's send job, which claims as it goes); what it left."""
    dbs = {s: stack.enter_context(servers.temporary_mariadb_database(server)) for s in SHOPS}
    for supplier, family in SHOPS.items():
        FAMILIES[family].create(dbs[supplier])
    config = config_mod.from_dict({
        "distributor": {"id": "acme", "name": "ACME Distribution", "email": "orders@acme.example"},
        "store": {"url": store_url or f"sqlite:///{tmp / 'state.sqlite'}"},
        "mail": {"transport": "smtp", "host": smtp.host, "port": smtp.port, "security": "none"},
        "daemon": {"concurrency": 2, "processes": processes, "write_batch": 25},
        "suppliers": {s: shop_section(dbs[s], FAMILIES[f].connector(),
                                      max_customer_orders=max_customer_orders)
                      for s, f in SHOPS.items()}}, tmp / "config.toml")
    store = stack.enter_context(_closing(Store(config.store.url)))
    paths = data.write(tmp / "data")
    import_orders(store, paths["orders"])
    _n, errors = import_catalogue(store, paths["catalogue"], set(SHOPS))
    assert errors == []
    ids = build(store, config).created
    listener = listener or Listener()
    host = PluginHost()
    host.register(listener, "listener", "test", "0")
    steps: list[tuple[int, str]] = []
    if daemon:
        results = _send_as_daemon(config, store, host, steps)
    else:
        results = Dispatcher(config, store, host, lambda so_id, step: steps.append((so_id, step)),
                             concurrency=2, processes=processes, **options).send(ids)
    return SimpleNamespace(config=config, store=store, host=host, listener=listener, ids=ids,
                           results=results, steps=steps, dbs=dbs)


def _send_as_daemon(config: Any, store: Store, host: PluginHost,
                    steps: list[tuple[int, str]]) -> list[Any]:
    """The daemon's send job once, with its heartbeat; the results it logged, by id."""
    daemon = Daemon(config, store, host)
    daemon._progress = lambda so_id, step: steps.append((so_id, step))
    logged: list[Any] = []
    daemon._log_result = logged.append
    with Heartbeat(daemon.queue):
        sent = daemon.send_claimed()
    assert sent == sum(1 for r in logged if r.ok)
    return sorted(logged, key=lambda r: r.supplier_order_id)


class _closing:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *_exc: object) -> None:
        self.store.close()


def test_the_workers_share_a_postgresql_store(mariadb_server, smtp_server, pg_url, tmp_path,
                                              dataset):
    """The same send with the state store on a real PostgreSQL: the workers open their own
    connections to it (the sender's pooled ones are left to the sender)."""
    smtp = smtp_server()
    with ExitStack() as stack:
        threads = _send(tmp_path / "threads", stack, mariadb_server, smtp, dataset, 1)
        procs = _send(tmp_path / "procs", stack, mariadb_server, smtp, dataset, 2,
                      store_url=pg_url)
        assert procs.store.engine.dialect.name == "postgresql"
        assert _outcome(procs.results) == _outcome(threads.results)
        assert _listed(procs) == _listed(threads)
        assert Counter(procs.steps) == Counter(threads.steps)
        _no_claims_left(procs.store)


def _listed(sent: SimpleNamespace) -> dict[str, list[Any]]:
    """Each shop's admin order list (the shop family's own list and view queries)."""
    out = {}
    for supplier, family in SHOPS.items():
        engine = sa.create_engine(sent.dbs[supplier].root_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                out[supplier] = FAMILIES[family].listed(conn)
        finally:
            engine.dispose()
    return out


def _outcome(results: list[Any]) -> list[tuple]:
    return [(r.supplier_order_id, r.supplier_id, r.state, r.written, r.already_there,
             r.customers_created, sorted(r.held), r.error.code if r.error else None)
            for r in results]


def _no_claims_left(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(
            supplier_orders.c.claimed_by.is_not(None))).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(heartbeats)).scalar() == 0


def test_two_worker_processes_send_what_threads_send(mariadb_server, smtp_server, tmp_path,
                                                     dataset, monkeypatch):
    smtp = smtp_server()
    # the sender gives its freed memory back before it forks (the workers start with its pages)
    given_back = []
    monkeypatch.setattr(send_processes.memory, "give_back",
                        lambda real=send_processes.memory.give_back: given_back.append(real()))
    with ExitStack() as stack:
        threads = _send(tmp_path / "threads", stack, mariadb_server, smtp, dataset, 1)
        assert given_back == []
        mails_by_threads = len(smtp.messages)
        procs = _send(tmp_path / "procs", stack, mariadb_server, smtp, dataset, 2)
        assert len(given_back) == 1

        assert _outcome(procs.results) == _outcome(threads.results)
        assert [r.supplier_order_id for r in procs.results] == procs.ids  # in the asked order
        notified = [r for r in procs.results if r.state == S.NOTIFIED]
        assert len(notified) == len(SHOPS) and sum(r.written for r in notified) > 150
        assert all(r.message_id for r in notified)
        assert len(smtp.messages) == 2 * mails_by_threads
        assert _listed(procs) == _listed(threads)
        # the listener registered in this process heard every step, as with threads
        def heard(sent: SimpleNamespace) -> Counter:
            return Counter((e.step, e.supplier_order_id, e.customer_order, e.remote_order_id)
                           for e in sent.listener.events)
        assert heard(procs) == heard(threads)
        assert sum(1 for e in procs.listener.events if e.step == "order_written") == \
            sum(r.written for r in procs.results)
        assert Counter(procs.steps) == Counter(threads.steps)
        assert {step for _id, step in procs.steps} >= {"checked", "written", "notified"}
        _no_claims_left(procs.store)
        assert procs.host.warnings == []

        # sent again: nothing is written twice
        again = Dispatcher(procs.config, procs.store, procs.host, processes=2,
                           concurrency=2).send(procs.ids)
        assert all(r.skipped and r.written == 0 for r in again)
        assert _listed(procs) == _listed(threads)


def test_the_daemon_sends_with_worker_processes_what_it_sends_with_threads(
        mariadb_server, smtp_server, tmp_path, dataset, monkeypatch):
    """The daemon's send job with `[daemon] processes = 2` against the same job with one
    process, with more supplier orders per supplier than one claim takes (`more` is asked
    again as senders get free): the shops list the same orders, every supplier order is sent
    once, in worker processes, and no claim is left behind."""
    senders: list[tuple[int, str]] = []
    original = OsCommerceConnector.write_batch

    def write(self: Any, so: Any, transfers: Any) -> Any:
        senders.append((os.getpid(), self.supplier.id))
        (tmp_path / f"pid-{os.getpid()}").touch()  # a worker's own list stays in the worker
        return original(self, so, transfers)
    monkeypatch.setattr(OsCommerceConnector, "write_batch", write)
    smtp = smtp_server()
    with ExitStack() as stack:
        threads = _send(tmp_path / "threads", stack, mariadb_server, smtp, dataset, 1,
                        daemon=True, max_customer_orders=2)
        assert {pid for pid, _s in senders} == {os.getpid()}
        procs = _send(tmp_path / "procs", stack, mariadb_server, smtp, dataset, 2,
                      daemon=True, max_customer_orders=2)
        per_supplier = Counter(r.supplier_id for r in procs.results)
        assert min(per_supplier.values()) > CLAIM_PER_SUPPLIER  # claimed in several turns
        ids = [r.supplier_order_id for r in procs.results]
        assert len(ids) == len(set(ids))  # each supplier order sent once
        built = [r for r in procs.results if r.supplier_order_id in procs.ids]
        assert len(built) == len(procs.ids)
        assert sum(r.state == S.NOTIFIED for r in built) > 150  # the rest as with threads
        # the held customer orders' supplier orders, made by this job's step 1, are claimed by
        # the same job (as a sender free for them asks again) and held again by their findings
        held = [r for r in procs.results if r.supplier_order_id not in procs.ids]
        assert held and all(r.state == S.CHECK_FAILED for r in held)
        assert _outcome(built) == _outcome(threads.results[:len(built)])
        # made as the suppliers' step 1 ran, in parallel: their ids differ, not what they hold
        assert sorted(o[1:] for o in _outcome(held)) == \
            sorted(o[1:] for o in _outcome(threads.results[len(built):]))
        assert _listed(procs) == _listed(threads)
        assert Counter(procs.steps) == Counter(threads.steps)
        workers = {p.name for p in tmp_path.glob("pid-*")} - {f"pid-{os.getpid()}"}
        assert len(workers) == 2  # forked once per job, not once per claim
        _no_claims_left(procs.store)


def _after_a_workers_first_chunk(monkeypatch: Any, supplier: str, marker: Path,
                                 then: Any) -> None:
    """osCommerce's chunk write, patched (the workers fork with it): once a send worker has
    committed the first chunk for `supplier`, `marker` is created and `then()` runs there."""
    parent = os.getpid()
    original = OsCommerceConnector.write_batch

    def write(self: Any, so: Any, transfers: Any) -> Any:
        out = original(self, so, transfers)
        if os.getpid() != parent and self.supplier.id == supplier and not marker.exists():
            marker.touch()
            then()
        return out
    monkeypatch.setattr(OsCommerceConnector, "write_batch", write)


def test_a_worker_killed_after_a_shop_commit_leaves_its_supplier_to_the_sender(
        mariadb_server, smtp_server, tmp_path, dataset, monkeypatch):
    """SIGKILL right after osCommerce committed the first chunk of supplier "delta", in the
    worker: the sending process finds the worker gone, sends delta itself, and the exchange
    reference finds the chunk already in the shop — the shop's list is the threads' list."""
    killed = tmp_path / "killed"
    smtp = smtp_server()
    with ExitStack() as stack:
        threads = _send(tmp_path / "threads", stack, mariadb_server, smtp, dataset, 1)
        _after_a_workers_first_chunk(monkeypatch, "delta", killed,
                                     lambda: os.kill(os.getpid(), signal.SIGKILL))
        procs = _send(tmp_path / "procs", stack, mariadb_server, smtp, dataset, 2)
        assert killed.exists()  # the worker did die
        assert _listed(procs) == _listed(threads)
        delta = [r for r in procs.results if r.supplier_id == "delta"]
        assert all(r.state == S.NOTIFIED for r in delta if r.skipped is None)
        assert sum(r.already_there for r in delta) >= 1  # the chunk the dead worker committed
        written = {s: sum(r.written + r.already_there for r in procs.results
                          if r.supplier_id == s) for s in SHOPS}
        assert written == {s: sum(r.written for r in threads.results if r.supplier_id == s)
                           for s in SHOPS}
        _no_claims_left(procs.store)


def test_a_stop_lands_between_customer_orders_and_the_next_send_finishes(
        mariadb_server, smtp_server, tmp_path, dataset, monkeypatch):
    """The sending process is told to stop once a worker has committed the first chunk of
    supplier "alpha" (the worker then waits a second: the stop is polled every 0.2 s). The
    workers stop between chunks, leave the rest claimable, and the next send (threads) finishes;
    every shop lists exactly what a send without the stop lists."""
    asked = tmp_path / "stop"
    smtp = smtp_server()
    with ExitStack() as stack:
        threads = _send(tmp_path / "threads", stack, mariadb_server, smtp, dataset, 1)
        _after_a_workers_first_chunk(monkeypatch, "alpha", asked, lambda: time.sleep(1.0))
        procs = _send(tmp_path / "procs", stack, mariadb_server, smtp, dataset, 2,
                      should_stop=asked.exists)
        (alpha,) = [r for r in procs.results if r.supplier_id == "alpha"]
        assert alpha.skipped == "stopped before it was finished"
        assert alpha.state == S.CHECKED  # where it stays, not the draft it was when loaded
        stored = procs.store.supplier_order(alpha.supplier_order_id)
        assert stored.state == S.CHECKED  # checked, partly written: the next send goes on
        assert 0 < sum(t.remote_order_id is not None for t in stored.transfers) \
            < len(stored.transfers)
        _no_claims_left(procs.store)
        monkeypatch.undo()
        rest = Dispatcher(procs.config, procs.store, procs.host, concurrency=2).send(procs.ids)
        assert all(r.state == S.NOTIFIED or r.skipped for r in rest)
        assert any(r.already_there == 0 and r.written for r in rest if r.supplier_id == "alpha")
        assert _listed(procs) == _listed(threads)


def test_a_store_no_other_process_can_open_is_sent_with_threads(tmp_path):
    """`processes` is a wish: SQLite in memory cannot be opened by a worker, so such a send
    stays in threads; a file store (or a server's) can be."""
    memory = Store("sqlite://")
    on_disk = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        host = PluginHost()
        config = config_mod.from_dict({
            "distributor": {"id": "acme", "name": "ACME", "email": "orders@acme.example"},
            "store": {"url": "sqlite://"}, "mail": {"transport": "file",
                                                    "outbox": str(tmp_path / "out")},
            "suppliers": {}}, tmp_path / "config.toml")
        assert not can_fork(Dispatcher(config, memory, host, processes=2))
        assert can_fork(Dispatcher(config, on_disk, host, processes=2))
    finally:
        memory.close()
        on_disk.close()


@pytest.mark.parametrize("concurrency, processes, suppliers, threads", [
    (4, 2, 10, [2, 2]), (3, 2, 10, [2, 1]), (2, 2, 10, [1, 1]), (4, 3, 10, [2, 1, 1]),
    (4, 2, 3, [2, 1]), (2, 4, 10, [1, 1]), (8, 2, 2, [1, 1]), (1, 2, 5, [1])])
def test_concurrency_stays_the_suppliers_in_flight(concurrency, processes, suppliers, threads):
    assert worker_threads(concurrency, processes, suppliers) == threads


def test_an_error_travels_back_from_a_worker_with_its_facts():
    """Results cross the process boundary pickled: an error keeps code, facts and message; a
    fact that cannot be pickled travels as its text."""
    import pickle
    import threading

    error = OXError("OX-DB-006", supplier="beta [eu]", detail=threading.Lock())
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is OXError and back.code == "OX-DB-006"
    assert back.facts["supplier"] == "beta [eu]" and "lock" in back.facts["detail"]
    assert back.message == error.message.replace(repr(error.facts["detail"]),
                                                 back.facts["detail"])
    assert str(back).startswith("OX-DB-006: ")


def test_the_cli_prints_its_table_once_with_send_workers(mariadb_server, smtp_server, tmp_path,
                                                         vendor_key, licence_code):
    """`orderexchange send --all` with the default config (two send workers) in a child process
    whose stdout is a pipe, block-buffered as under cron: each supplier's row once, the line the
    process printed before the send once (multiprocessing flushes before it forks, and a worker
    leaves by `os._exit`), no worker error on stderr; `--json` stays one document."""
    from click.testing import CliRunner
    from helpers import CATALOGUE_CSV, create_oscommerce_schema, licensed_cli_command, \
        sample_order
    from shopdb import child_config

    from orderexchange.cli import main

    smtp = smtp_server()
    with ExitStack() as stack:
        alpha, beta = (stack.enter_context(servers.temporary_mariadb_database(mariadb_server))
                       for _ in range(2))
        for db in (alpha, beta):
            create_oscommerce_schema(db.url)
        cfg = child_config(tmp_path, alpha, smtp)
        section = shop_section(beta)
        cfg.write_text(cfg.read_text() + "\n".join([
            '[suppliers.beta]', 'name = "Beta"', 'email = "orders@beta.example"',
            '[suppliers.beta.database]', f'url = "{section["database"]["url"]}"',
            f'password = "{section["database"]["password"]}"',
            '[suppliers.beta.connector]', 'type = "oscommerce"']) + "\n")
        assert config_mod.load(cfg).daemon.processes == 2  # the default

        def cli(*args: Any) -> Any:
            return CliRunner().invoke(main, ["--config", str(cfg), *map(str, args)])

        (tmp_path / "catalogue.csv").write_text(CATALOGUE_CSV + "NAILS,beta,A-100,1.20,Nails\n")
        assert cli("catalogue", "import", tmp_path / "catalogue.csv").exit_code == 0
        assert cli("activate", licence_code).exit_code == 0
        orders = tmp_path / "orders.jsonl"
        orders.write_text("\n".join(json.dumps(sample_order(
            str(n), email=f"c{n}@example.com", first="Kim", last=f"Kunde{n}",
            lines=[{"sku": "HAMMER" if n % 2 else "NAILS", "name": "x", "quantity": 1,
                    "unit_price": "12.90", "tax_rate": "19"}])) for n in range(2001, 2011)) + "\n")
        assert cli("import", orders).exit_code == 0
        assert cli("build").exit_code == 0

        command = licensed_cli_command(vendor_key, tmp_path, "--config", cfg, "send", "--all")
        # a line the process printed before the send, in its buffer until the workers fork
        command[2] = "print('written before the send')\n" + command[2]
        buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        table = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                               env=buffered)
        assert table.returncode == 0, table.stderr
        assert "send worker" not in table.stderr
        assert table.stdout.count("written before the send") == 1, table.stdout
        lines = table.stdout.splitlines()
        for supplier in ("alpha", "beta"):
            assert sum(supplier in line and "notified" in line for line in lines) == 1, \
                table.stdout
        assert len(smtp.messages) == 2

        again = subprocess.run(licensed_cli_command(vendor_key, tmp_path, "--config", cfg,
                                                    "send", "--all", "--json"),
                               capture_output=True, text=True, timeout=300, check=False)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout) == []  # nothing left to send: one (empty) document


def test_a_send_whose_workers_cannot_start_is_sent_by_the_sender(
        mariadb_server, smtp_server, tmp_path, dataset, monkeypatch, caplog):
    """fork fails (a process limit, no memory): the sender sends every supplier itself, with
    the results and the shops' lists of the threads' send."""
    import multiprocessing.process

    def no_fork(self: Any) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    smtp = smtp_server()
    with ExitStack() as stack:
        threads = _send(tmp_path / "threads", stack, mariadb_server, smtp, dataset, 1)
        monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", no_fork)
        procs = _send(tmp_path / "procs", stack, mariadb_server, smtp, dataset, 2)
        assert "could not start a send worker" in caplog.text
        assert _outcome(procs.results) == _outcome(threads.results)
        assert _listed(procs) == _listed(threads)
        _no_claims_left(procs.store)
