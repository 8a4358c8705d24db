"""The dispatch state machine with an in-memory connector (a fake, as unit tests may use).

The same rules are proven against real MariaDB in test_oscommerce_mariadb.py; here each rule of
SPEC §5 is isolated so a regression names the rule it broke.
"""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from helpers import sample_order

from orderexchange import hookimpl
from orderexchange.build import build
from orderexchange.connector import Connector, RemoteOrder, SelfTestReport
from orderexchange.dispatch import Dispatcher
from orderexchange.errors import OXError
from orderexchange.importer import import_orders
from orderexchange.mail import MemoryTransport
from orderexchange.model import CatalogueEntry, Finding, SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.store import Store


class MemoryShop:
    """A supplier shop in memory; the class attributes let a test script failures."""

    orders: dict[str, dict] = {}
    fail_write_for: set[str] = set()
    unknown_skus: set[str] = set()
    writes = 0


class MemoryConnector(Connector):
    type_name = "memory"

    def self_test(self) -> SelfTestReport:
        return SelfTestReport(self.supplier.id)

    def check(self, so):
        return [Finding.from_error(OXError("OX-CHK-006", order=t.customer_order.number,
                                           line=sl.line.line_no, sku=sl.supplier_sku,
                                           supplier=self.supplier.id))
                for t in so.transfers for sl in t.lines if sl.supplier_sku in MemoryShop.unknown_skus]

    def find_by_reference(self, reference):
        found = MemoryShop.orders.get(reference)
        return RemoteOrder(found["id"], "c1") if found else None

    def write(self, so, transfer):
        number = transfer.customer_order.number
        if number in MemoryShop.fail_write_for:
            raise OXError("OX-DB-006", supplier=self.supplier.id, detail="value rejected")
        MemoryShop.writes += 1
        remote_id = str(len(MemoryShop.orders) + 1)
        MemoryShop.orders[transfer.reference] = {"id": remote_id, "number": number}
        return RemoteOrder(remote_id, "c1", customer_created=True)


memory_plugin = SimpleNamespace(oe_connector_types=hookimpl(lambda: [MemoryConnector]))


@pytest.fixture(autouse=True)
def clean_shop():
    MemoryShop.orders, MemoryShop.fail_write_for, MemoryShop.unknown_skus = {}, set(), set()
    MemoryShop.writes = 0
    MemoryTransport.sent = []


@pytest.fixture
def env(tmp_path, make_config):
    config = make_config(
        suppliers={"alpha": {"name": "Alpha", "email": "a@example.com",
                             "connector": {"type": "memory"}},
                   "beta": {"name": "Beta", "email": "b@example.com",
                            "connector": {"type": "memory"}}},
        mail={"transport": "memory"})
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20")),
                            CatalogueEntry("RAKE", "beta", "B-20", Decimal("5.60"))])
    path = tmp_path / "orders.jsonl"
    lines = [{"sku": "HAMMER", "name": "h", "quantity": 1, "unit_price": "9"},
             {"sku": "RAKE", "name": "r", "quantity": 2, "unit_price": "8"}]
    path.write_text("\n".join(json.dumps(sample_order(n, lines=lines)) for n in ("1", "2")))
    import_orders(store, path)
    host = PluginHost()
    host.register(memory_plugin, "memory", "test", "0")
    created = build(store, config).created
    ids = {store.supplier_order(i).supplier_id: i for i in created}
    return SimpleNamespace(config=config, store=store, host=host, ids=ids)


def send(env, *ids):
    return Dispatcher(env.config, env.store, env.host).send(ids or env.ids.values())


def test_happy_path_writes_each_customer_order_once_and_mails_once_per_supplier_order(env):
    results = send(env)
    assert [r.state for r in results] == [S.NOTIFIED, S.NOTIFIED]
    assert MemoryShop.writes == 4 and len(MemoryTransport.sent) == 2
    for r in results:
        assert env.store.supplier_order(r.supplier_order_id).message_id == r.message_id
    # sending again does nothing: notified orders are not sendable
    again = send(env)
    assert all(r.skipped for r in again) and MemoryShop.writes == 4
    assert len(MemoryTransport.sent) == 2


def test_check_failure_blocks_only_its_supplier_order_and_writes_nothing(env):
    MemoryShop.unknown_skus = {"A-100"}
    results = {r.supplier_id: r for r in send(env)}
    assert results["alpha"].state == S.CHECK_FAILED
    assert results["alpha"].error.code == "OX-CHK-006"
    assert results["beta"].state == S.NOTIFIED
    assert sorted(o["number"] for o in MemoryShop.orders.values()) == ["1", "2"]  # beta's only
    stored = env.store.findings(env.ids["alpha"])
    assert [f.code for f in stored] == ["OX-CHK-006", "OX-CHK-006"]
    # fixed in the shop: the next send checks again and goes through
    MemoryShop.unknown_skus = set()
    assert send(env, env.ids["alpha"])[0].state == S.NOTIFIED
    assert env.store.findings(env.ids["alpha"]) == []


def test_write_failure_keeps_written_orders_and_resumes_without_rewriting(env):
    MemoryShop.fail_write_for = {"2"}
    r = send(env, env.ids["alpha"])[0]
    assert r.state == S.WRITE_FAILED and r.error.code == "OX-DB-006" and r.written == 1
    assert MemoryTransport.sent == []  # no mail before every order is written
    MemoryShop.fail_write_for = set()
    r = send(env, env.ids["alpha"])[0]
    assert r.state == S.NOTIFIED and r.written == 1 and r.already_there == 0
    assert MemoryShop.writes == 2  # order 1 was not written a second time


def test_crash_after_remote_commit_heals_by_reference(env, monkeypatch):
    real = env.store.set_transfers
    calls = {"n": 0}

    def crash_once(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("power cut")
        return real(*a, **kw)

    monkeypatch.setattr(env.store, "set_transfers", crash_once)
    with pytest.raises(RuntimeError):
        send(env, env.ids["alpha"])
    assert MemoryShop.writes == 1  # the shop has order 1, our store does not know yet
    r = send(env, env.ids["alpha"])[0]
    assert r.state == S.NOTIFIED and r.already_there == 1 and r.written == 1
    assert MemoryShop.writes == 2
    so = env.store.supplier_order(env.ids["alpha"])
    assert all(t.remote_order_id for t in so.transfers)


def test_mail_failure_never_writes_again(env, monkeypatch):
    def refuse(self, message):
        raise OXError("OX-MAIL-004", to=message["To"], detail="451 try later")

    monkeypatch.setattr(MemoryTransport, "send", refuse)
    r = send(env, env.ids["alpha"])[0]
    assert r.state == S.NOTIFY_FAILED and r.error.code == "OX-MAIL-004" and r.error.transient
    monkeypatch.undo()
    r = send(env, env.ids["alpha"])[0]
    assert r.state == S.NOTIFIED and r.written == 0 and MemoryShop.writes == 2
    assert len(MemoryTransport.sent) == 1


def test_inactive_supplier_is_skipped_with_its_code(env):
    env.config.suppliers["beta"].active = False
    results = {r.supplier_id: r for r in send(env)}
    assert results["beta"].skipped == "supplier inactive"
    assert results["beta"].error.code == "OX-CHK-008"
    assert results["alpha"].state == S.NOTIFIED
    assert env.store.supplier_order(env.ids["beta"]).state == S.DRAFT


def test_unknown_connector_type_is_a_config_error_for_that_supplier_only(env):
    env.config.suppliers["beta"].connector = "nosuchshop"
    results = {r.supplier_id: r for r in send(env)}
    assert results["beta"].error.code == "OX-CFG-007"
    assert "memory" in results["beta"].error.solution
    assert results["alpha"].state == S.NOTIFIED


class ExtraChecks:
    """A third-party check plug-in: a warning that never blocks, an error for one order."""

    @hookimpl
    def oe_check_supplier_order(self, config, supplier, supplier_order):
        out = [Finding("warning", "OX-CHK-007", "just so you know", "nothing to do")]
        for t in supplier_order.transfers:
            if t.customer_order.number == "2" and supplier.id == "beta":
                out.append(Finding.from_error(OXError("OX-CHK-002", order="2",
                                                      field="delivery.phone"), order="2"))
        return out


def test_plugin_checks_run_with_core_checks_and_block_only_on_errors(env):
    env.host.register(ExtraChecks(), "extra_checks", "test", "0")
    results = {r.supplier_id: r for r in send(env)}
    assert results["alpha"].state == S.NOTIFIED
    assert [f.severity for f in results["alpha"].findings] == ["warning"]
    # beta: order 2 is held (issue 13 §2), order 1 goes on
    beta = results["beta"]
    assert beta.state == S.NOTIFIED and beta.error is None
    assert beta.held == [("2", "OX-CHK-002")] and beta.written == 1
    held = env.store.supplier_order(beta.held_in)
    assert held.state == S.CHECK_FAILED and held.error_code == "OX-CHK-002"
    assert "delivery.phone" in held.error_message
    assert MemoryShop.writes == 3  # alpha's two customer orders and beta's order 1


def test_hold_policy_supplier_order_keeps_all_or_nothing(env):
    env.config.suppliers["beta"].hold_policy = "supplier_order"
    env.host.register(ExtraChecks(), "extra_checks", "test", "0")
    results = {r.supplier_id: r for r in send(env)}
    assert results["beta"].state == S.CHECK_FAILED
    assert results["beta"].error.code == "OX-CHK-002"
    assert "delivery.phone" in results["beta"].error.message
    assert MemoryShop.writes == 2  # alpha's two customer orders only
    so = env.store.supplier_order(env.ids["beta"])
    assert {t.customer_order.number: t.state.value for t in so.transfers} == {
        "1": "pending", "2": "held"}


def test_core_checks_refuse_an_invalid_email(env):
    so = env.store.supplier_order(env.ids["alpha"])
    so.transfers[0].customer_order.customer.email = "not-an-email"
    findings = env.host.check_supplier_order(env.config, env.config.supplier("alpha"), so)
    assert [f.code for f in findings] == ["OX-CHK-003"]


class Listener:
    def __init__(self):
        self.events = []

    @hookimpl
    def oe_dispatch_event(self, event):
        self.events.append(event)


class BrokenListener:
    @hookimpl
    def oe_dispatch_event(self, event):
        raise ValueError("chat server down")


def test_dispatch_events_follow_each_committed_step(env):
    listener = Listener()
    env.host.register(listener, "listener", "test", "0")
    env.host.register(BrokenListener(), "broken", "test", "0")
    (result,) = send(env, env.ids["alpha"])
    assert result.state == S.NOTIFIED
    steps = [(e.step, e.customer_order) for e in listener.events]
    assert steps == [("checked", None), ("order_written", "1"), ("order_written", "2"),
                     ("written", None), ("notified", None)]
    assert listener.events[-1].message_id == result.message_id
    assert listener.events[1].remote_order_id == MemoryShop.orders[
        env.store.supplier_order(env.ids["alpha"]).transfers[0].reference]["id"]
    # the broken listener was reported for each event, and changed nothing
    assert {w.code for w in env.host.warnings} == {"OX-PLG-002"}
    assert len(env.host.warnings) == 5 and "chat server down" in env.host.warnings[0].message


class ThresholdWitness:
    """Notes the garbage collector's thresholds at each step of a send; with `overlap`, alpha's
    send begins first and waits inside for beta's to begin, and beta's ends only after alpha's
    has: the second send to begin is the last to end."""

    def __init__(self, overlap=False):
        import threading

        self.seen = []
        self.overlap = overlap
        self.alpha_in, self.beta_in = threading.Event(), threading.Event()
        self.alpha_done = threading.Event()

    @hookimpl
    def oe_dispatch_event(self, event):
        import gc

        self.seen.append(gc.get_threshold())
        if not self.overlap:
            return
        if event.step == "checked" and event.supplier_id == "alpha":
            self.alpha_in.set()
            assert self.beta_in.wait(20)
        if event.step == "checked" and event.supplier_id == "beta":
            self.beta_in.set()
        if event.step == "notified" and event.supplier_id == "beta":
            assert self.alpha_done.wait(20)


@pytest.fixture
def python_thresholds():
    """Python's own garbage collector thresholds during the test, whatever ran before."""
    import gc

    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*saved)


def test_a_send_collects_garbage_less_often_and_restores_the_thresholds(
        env, monkeypatch, python_thresholds):
    import gc

    from orderexchange.dispatch import SEND_GC_THRESHOLDS

    witness = ThresholdWitness()
    env.host.register(witness, "witness", "test", "0")
    (result,) = send(env, env.ids["alpha"])
    assert result.state == S.NOTIFIED
    assert witness.seen and set(witness.seen) == {SEND_GC_THRESHOLDS}
    assert SEND_GC_THRESHOLDS != python_thresholds
    assert gc.get_threshold() == python_thresholds and not gc.get_freeze_count()
    # also when the send ends in an exception
    monkeypatch.setattr(Dispatcher, "_send", lambda self, wanted: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        send(env, env.ids["beta"])
    assert gc.get_threshold() == python_thresholds and not gc.get_freeze_count()


def test_overlapping_sends_restore_the_thresholds_when_the_last_ends(env, python_thresholds):
    """The daemon sends from several supplier threads: a send that began while another ran,
    and ends after it, must not leave the send's thresholds behind."""
    import gc
    import threading

    from orderexchange.dispatch import SEND_GC_THRESHOLDS

    witness = ThresholdWitness(overlap=True)
    env.host.register(witness, "witness", "test", "0")
    results = {}
    alpha = threading.Thread(target=lambda: results.update(alpha=send(env, env.ids["alpha"])))
    beta = threading.Thread(target=lambda: results.update(beta=send(env, env.ids["beta"])))
    alpha.start()
    assert witness.alpha_in.wait(20)
    beta.start()
    alpha.join(30)
    witness.alpha_done.set()
    beta.join(30)
    assert [r.state for k in ("alpha", "beta") for r in results[k]] == [S.NOTIFIED] * 2
    assert set(witness.seen) == {SEND_GC_THRESHOLDS}
    assert gc.get_threshold() == python_thresholds and not gc.get_freeze_count()


def test_failed_steps_are_events_too(env):
    listener = Listener()
    env.host.register(listener, "listener", "test", "0")
    MemoryShop.fail_write_for = {"1"}
    send(env, env.ids["alpha"])
    failed = [e for e in listener.events if e.step == "write_failed"]
    assert len(failed) == 1 and failed[0].error_code == "OX-DB-006"


class CsvAttachment:
    @hookimpl
    def oe_notification_attachments(self, config, supplier, supplier_order):
        from orderexchange.mail import Attachment

        rows = "".join(f"{t.customer_order.number};{t.remote_order_id}\n"
                       for t in supplier_order.transfers)
        return [Attachment(f"order-{supplier_order.id}.csv", rows.encode(), "text/csv")]


def test_plugin_attachments_reach_the_notification(env):
    env.host.register(CsvAttachment(), "csv_attachment", "test", "0")
    (result,) = send(env, env.ids["alpha"])
    assert result.state == S.NOTIFIED
    (message,) = MemoryTransport.sent
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == f"order-{env.ids['alpha']}.csv"
    assert part.get_content_type() == "text/csv"
    so = env.store.supplier_order(env.ids["alpha"])
    assert part.get_content() == "".join(f"{t.customer_order.number};{t.remote_order_id}\n"
                                         for t in so.transfers)


class FlakyShop(MemoryConnector):
    """Loses the connection: before writing, or after committing (only the answer is lost)."""

    type_name = "flaky"
    script: list[str] = []
    opens = 0

    def open(self):
        FlakyShop.opens += 1

    def write(self, so, transfer):
        fault = FlakyShop.script.pop(0) if FlakyShop.script else None
        if fault == "before":
            raise OXError("OX-DB-002", supplier=self.supplier.id, where="shop", detail="gone")
        remote = super().write(so, transfer)
        if fault == "after-commit":
            raise OXError("OX-DB-002", supplier=self.supplier.id, where="shop", detail="lost")
        return remote


flaky_plugin = SimpleNamespace(oe_connector_types=hookimpl(lambda: [FlakyShop]))


def fast_retry(attempts=4):
    from orderexchange.retry import RetryPolicy

    return RetryPolicy(attempts=attempts, initial=0, maximum=0, jitter=0)


@pytest.mark.parametrize("faults, writes", [(["before"], 2), (["after-commit"], 2),
                                            (["before", "after-commit"], 2)])
def test_transient_write_failures_are_retried_without_doubling(env, faults, writes):
    env.host.register(flaky_plugin, "flaky", "test", "0")
    env.config.suppliers["alpha"].connector = "flaky"
    FlakyShop.script, FlakyShop.opens = list(faults), 0
    (result,) = Dispatcher(env.config, env.store, env.host, retry=fast_retry()).send(
        [env.ids["alpha"]])
    assert result.state == S.NOTIFIED
    assert MemoryShop.writes == writes  # a commit whose answer was lost is found, not redone
    assert len(MemoryShop.orders) == 2
    assert FlakyShop.opens == 1 + len(faults)  # reconnected before each retry


def test_retries_are_bounded(env):
    env.host.register(flaky_plugin, "flaky", "test", "0")
    env.config.suppliers["alpha"].connector = "flaky"
    FlakyShop.script = ["before"] * 10
    (result,) = Dispatcher(env.config, env.store, env.host, retry=fast_retry(3)).send(
        [env.ids["alpha"]])
    assert result.state == S.WRITE_FAILED and result.error.code == "OX-DB-002"
    assert MemoryShop.writes == 0


def test_stop_request_leaves_the_rest_claimable(env):
    calls = {"n": 0}

    def stop_after_first_order():
        calls["n"] += 1
        return calls["n"] > 2  # before supplier order, before order 1: go; before order 2: stop

    (result,) = Dispatcher(env.config, env.store, env.host,
                           should_stop=stop_after_first_order).send([env.ids["alpha"]])
    assert result.skipped and MemoryShop.writes == 1
    assert env.store.supplier_order(env.ids["alpha"]).state == S.CHECKED
    (again,) = send(env, env.ids["alpha"])
    assert again.state == S.NOTIFIED and MemoryShop.writes == 2


def test_suppliers_are_sent_in_parallel_and_results_keep_their_order(env):
    ids = [env.ids["beta"], env.ids["alpha"]]
    results = Dispatcher(env.config, env.store, env.host, concurrency=2).send(ids)
    assert [r.supplier_order_id for r in results] == ids
    assert all(r.state == S.NOTIFIED for r in results) and len(MemoryTransport.sent) == 2


class BatchShop(MemoryConnector):
    """A shop that writes a chunk of orders in one transaction: all of them or none."""

    type_name = "batch"
    batch_writes = True
    batches: list[list[str]] = []
    script: list[str] = []

    def write_batch(self, so, transfers):
        numbers = [t.customer_order.number for t in transfers]
        fault = BatchShop.script.pop(0) if BatchShop.script else None
        if fault == "before":
            raise OXError("OX-DB-002", supplier=self.supplier.id, where="shop", detail="gone")
        bad = [n for n in numbers if n in MemoryShop.fail_write_for]
        if bad:  # the transaction is rolled back: nothing of the chunk stays
            raise OXError("OX-DB-006", supplier=self.supplier.id, detail=f"order {bad[0]}")
        BatchShop.batches.append(numbers)
        out = {t.reference: self.write(so, t) for t in transfers}
        if fault == "after-commit":
            raise OXError("OX-DB-002", supplier=self.supplier.id, where="shop", detail="lost")
        return out


batch_plugin = SimpleNamespace(oe_connector_types=hookimpl(lambda: [BatchShop]))


@pytest.fixture
def batch_env(env):
    env.host.register(batch_plugin, "batch", "test", "0")
    env.config.suppliers["alpha"].connector = "batch"
    BatchShop.batches, BatchShop.script = [], []
    return env


def test_a_batching_connector_gets_the_orders_as_one_chunk(batch_env):
    (result,) = Dispatcher(batch_env.config, batch_env.store, batch_env.host).send(
        [batch_env.ids["alpha"]])
    assert result.state == S.NOTIFIED and result.written == 2
    assert BatchShop.batches == [["1", "2"]]
    events = [e for e in batch_env.store.events(batch_env.ids["alpha"]) if e["step"] == "write"]
    assert [e["message"].split(":")[0] for e in events] == ["1", "2"]


def test_chunks_follow_the_write_batch_setting(batch_env):
    batch_env.config.daemon.write_batch = 1
    Dispatcher(batch_env.config, batch_env.store, batch_env.host).send([batch_env.ids["alpha"]])
    assert BatchShop.batches == []  # chunks of one are written with `write`
    assert MemoryShop.writes == 2


def test_a_bad_order_in_a_chunk_fails_alone(batch_env):
    MemoryShop.fail_write_for = {"2"}
    (result,) = Dispatcher(batch_env.config, batch_env.store, batch_env.host).send(
        [batch_env.ids["alpha"]])
    assert result.state == S.WRITE_FAILED and result.error.code == "OX-DB-006"
    assert result.error.facts["order"] == "2" and result.written == 1
    assert sorted(o["number"] for o in MemoryShop.orders.values()) == ["1"]
    MemoryShop.fail_write_for = set()
    (again,) = Dispatcher(batch_env.config, batch_env.store, batch_env.host).send(
        [batch_env.ids["alpha"]])
    assert again.state == S.NOTIFIED and again.written == 1 and MemoryShop.writes == 2


@pytest.mark.parametrize("faults", [["before"], ["after-commit"], ["after-commit", "before"]])
def test_a_chunk_lost_in_flight_is_looked_up_not_written_twice(batch_env, faults):
    BatchShop.script = list(faults)
    (result,) = Dispatcher(batch_env.config, batch_env.store, batch_env.host,
                           retry=fast_retry()).send([batch_env.ids["alpha"]])
    assert result.state == S.NOTIFIED
    assert MemoryShop.writes == 2 and len(MemoryShop.orders) == 2


def test_a_chunk_whose_shop_stays_gone_fails_every_order_of_it(batch_env):
    BatchShop.script = ["before"] * 10
    (result,) = Dispatcher(batch_env.config, batch_env.store, batch_env.host,
                           retry=fast_retry(3)).send([batch_env.ids["alpha"]])
    assert result.state == S.WRITE_FAILED and result.error.code == "OX-DB-002"
    so = batch_env.store.supplier_order(batch_env.ids["alpha"])
    assert [t.state.value for t in so.transfers] == ["failed", "failed"]
    assert MemoryShop.writes == 0


def test_update_customer_on_a_connector_that_cannot_is_refused_in_step_1(env):
    env.config.suppliers["alpha"].update_customer = True
    results = {r.supplier_id: r for r in send(env)}
    assert results["alpha"].state == S.CHECK_FAILED
    assert results["alpha"].error.code == "OX-CHK-042"
    assert results["alpha"].error.message == (
        "Supplier alpha: update_customer = true, but the memory connector never changes an "
        "existing shop customer.")
    assert results["beta"].state == S.NOTIFIED


def test_progress_names_only_the_supplier_orders_it_was_asked_to_send(env):
    """The menu's progress bars look each id up: a supplier order of held orders, made during
    the send, must not appear there."""
    env.host.register(ExtraChecks(), "extra_checks", "test", "0")
    seen = []
    results = Dispatcher(env.config, env.store, env.host,
                         lambda so_id, step: seen.append(so_id)).send(env.ids.values())
    assert any(r.held_in for r in results)
    assert set(seen) == set(env.ids.values())


class OrderWarnings:
    """A check plug-in with one warning per customer order, naming it."""

    @hookimpl
    def oe_check_supplier_order(self, config, supplier, supplier_order):
        return [Finding("warning", "OX-CHK-007", f"about order {t.customer_order.number}",
                        "nothing to do", t.customer_order.number)
                for t in supplier_order.transfers]


def test_each_supplier_order_is_dropped_before_the_next_loads_and_keeps_its_findings(
        tmp_path, make_config, monkeypatch):
    """A send of many supplier orders holds one loaded supplier order per supplier at a time
    (the previous one is gone when the next loads: memory stays flat however long the send),
    and every result still carries its own findings, as `send` prints them."""
    import gc
    import weakref

    config = make_config(
        suppliers={"alpha": {"name": "Alpha", "email": "a@example.com", "max_customer_orders": 2,
                             "connector": {"type": "memory"}}},
        mail={"transport": "memory"})
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"))])
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(sample_order(str(n), lines=[
        {"sku": "HAMMER", "name": "h", "quantity": 1, "unit_price": "9"}])) for n in range(1, 8)))
    import_orders(store, path)
    host = PluginHost()
    host.register(memory_plugin, "memory", "test", "0")
    host.register(OrderWarnings(), "order_warnings", "test", "0")
    created = build(store, config).created
    assert len(created) == 4

    loaded: list[weakref.ref] = []
    alive_at_load: list[int] = []
    load = Store.supplier_order

    def tracked(self, so_id):
        gc.collect()
        alive_at_load.append(sum(1 for ref in loaded if ref() is not None))
        so = load(self, so_id)
        loaded.append(weakref.ref(so))
        return so

    monkeypatch.setattr(Store, "supplier_order", tracked)
    results = Dispatcher(config, store, host).send(created)
    assert alive_at_load == [0, 0, 0, 0]
    assert [r.state for r in results] == [S.NOTIFIED] * 4 and MemoryShop.writes == 7
    assert [[f.order for f in r.findings] for r in results] == [
        ["1", "2"], ["3", "4"], ["5", "6"], ["7"]]
    assert all(f.message == f"about order {f.order}" for r in results for f in r.findings)
