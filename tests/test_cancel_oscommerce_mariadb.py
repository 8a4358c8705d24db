"""osCommerce cancel and read-back on real MariaDB, and the cancel / sync modules over them."""

from __future__ import annotations

import pytest
from helpers import sample_order
from shopdb import connector_of, prepare, root_execute, supplier_alpha  # noqa: F401 - a fixture

from orderexchange.cancel import cancel_order
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.sync import sync_status


@pytest.fixture
def sent(oscommerce_shop, make_config, prepare):
    """Orders 1001 (Anna, known) and 1002 (new customer) written and notified to alpha, whose
    shop got a Cancelled status (4) and a tracking-number column."""
    db = oscommerce_shop
    root_execute(db, "INSERT INTO orders_status (orders_status_id, language_id, "
                     "orders_status_name) VALUES (4, 1, 'Cancelled')",
                 "ALTER TABLE orders ADD COLUMN tracking_no varchar(64) NULL")

    def configure(**connector):
        return make_config(suppliers=alpha(db, connector))

    run = prepare(alpha(db, {"cancelled_status_id": 4, "tracking_column": "tracking_no"}), [
        sample_order("1001"), sample_order("1002", email="bernd@example.com", first="Bernd",
                                          last="Bauer")])
    [so_id] = run.so_ids
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.error
    return db, run.config, run.store, so_id, configure


alpha = supplier_alpha("oscommerce")


def fetch(db, sql):
    conn = db.connect()
    with conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    conn.close()
    return rows


def test_read_back_and_cancel_on_mariadb(sent):
    db, config, store, so_id, configure = sent
    transfers = {t.customer_order.number: t for t in store.supplier_order(so_id).transfers}
    anna, bernd = (int(transfers[n].remote_order_id) for n in ("1001", "1002"))
    root_execute(db, f"UPDATE orders SET orders_status = 3, tracking_no = 'JJD000123' "
                     f"WHERE orders_id = {anna}",
                 f"INSERT INTO orders_status_history (orders_id, orders_status_id, date_added, "
                 f"customer_notified, comments) VALUES ({anna}, 3, '2026-03-02 10:00:00', 1, "
                 f"'sent')")
    with connector_of(config) as connector:
        status = connector.read_back(list(transfers.values()))
    a, b = status[transfers["1001"].reference], status[transfers["1002"].reference]
    assert (a.order_id, a.status, a.status_id, a.progressed, a.cancelled, a.tracking_number,
            a.shipped_at) == (str(anna), "Delivered", "3", True, False, "JJD000123",
                              "2026-03-02 10:00:00")
    assert (b.status, b.progressed, b.tracking_number, b.shipped_at) == (
        "Pending", False, None, None)

    with connector_of(config) as connector:
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])  # twice: nothing more happens
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])  # already delivered
        after = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004" and "Delivered (3)" in refused.value.message
    assert after[transfers["1002"].reference].cancelled
    assert fetch(db, f"SELECT orders_status FROM orders WHERE orders_id = {bernd}") == ((4,),)
    history = fetch(db, f"SELECT orders_status_id FROM orders_status_history "
                        f"WHERE orders_id = {bernd} ORDER BY date_added, orders_status_id")
    assert [h[0] for h in history] == [1, 4]  # one history row for the cancel, not two
    # the reference still finds the order (exactly-once guard unaffected by the cancel row)
    with connector_of(config) as connector:
        assert connector.find_by_reference(transfers["1002"].reference).order_id == str(bernd)


def test_cancel_needs_a_configured_cancelled_status(sent):
    db, _config, store, so_id, configure = sent
    plain = configure()
    transfer = store.supplier_order(so_id).transfers[0]
    with connector_of(plain) as connector, pytest.raises(OXError) as exc:
        connector.cancel(transfer)
    assert exc.value.code == "OX-WRT-003"
    assert "cancelled_status_id" in exc.value.message + exc.value.solution
    # read-back works without it, and without a tracking column
    with connector_of(plain) as connector:
        status = connector.read_back([transfer])
    assert status[transfer.reference].status == "Pending"


def test_cancel_allowed_statuses_are_configurable(sent):
    db, _config, store, so_id, configure = sent
    root_execute(db, "UPDATE orders SET orders_status = 2")
    lenient = configure(cancelled_status_id=4, cancellable_status_ids=[1, 2])
    result = cancel_order(lenient, store, PluginHost(), "1002", reason="out of stock")
    assert result.ok and [s.outcome for s in result.steps] == ["cancelled"]
    assert result.status == "cancelled"


def test_sync_and_cancel_modules_on_mariadb(sent):
    db, config, store, so_id, configure = sent
    transfers = {t.customer_order.number: t for t in store.supplier_order(so_id).transfers}
    root_execute(db, f"UPDATE orders SET orders_status = 2, tracking_no = 'TRK1' "
                     f"WHERE orders_id = {transfers['1001'].remote_order_id}")
    result = cancel_order(config, store, PluginHost(), "1002")
    assert result.ok and len(list((config.mail.outbox).glob("*.eml"))) == 2
    # 1002 is cancelled: read-back only looks at 1001, which moved on -> confirmed
    [synced] = sync_status(config, store, PluginHost())
    assert (synced.read, synced.confirmed, synced.missing) == (1, [so_id], [])
    assert store.supplier_order(so_id).state == S.CONFIRMED
    extras = {x["id"]: x for x in store.transfer_extras(so_id).values()}
    first = extras[transfers["1001"].id]
    assert (first["remote_status"], first["tracking_number"]) == ("Processing", "TRK1")
    assert extras[transfers["1002"].id]["action"] == "cancel"
