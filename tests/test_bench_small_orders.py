"""bench/small_orders.py, what one small supplier order costs: each generated order really is a
supplier order of its own, really written into the shop, and the statements it counts are the
store's and the shop's (a script whose figures came from a send of one big supplier order, or
from no send, would print plausible numbers all the same)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import small_orders  # noqa: E402
from connectors import generate  # noqa: E402
from send_throughput import SinkSMTP  # noqa: E402
from shopdb import count  # noqa: E402


def test_each_order_is_sent_as_its_own_supplier_order(mariadb_server, tmp_path, monkeypatch):
    data = tmp_path / "data"
    generate(data, 12, 1, 5)
    orders = len((data / "orders.jsonl").read_text().splitlines())
    family = small_orders.FAMILIES["generic_sql"]
    create_shop, real_send = family.create, small_orders.Dispatcher.send
    shops, in_shop = [], []

    def create(db):  # the shop the script makes, kept to be read back
        create_shop(db)
        shops.append(db)

    def send(self, ids):  # the shop's database is dropped when `measure` returns: count now
        results = real_send(self, ids)
        in_shop.append(count(shops[0], "shop_order"))
        return results

    monkeypatch.setattr(family, "create", create)
    monkeypatch.setattr(small_orders.Dispatcher, "send", send)
    sink = SinkSMTP("lean")
    sink.start()
    try:
        row = small_orders.measure("generic_sql", mariadb_server, data, tmp_path / "w", sink)
    finally:
        sink.stop()
    assert row["supplier_orders"] == orders == 12
    assert 0 < row["written"] <= orders
    assert in_shop == [row["written"]]
    assert row["store_statements"] > 5 and row["shop_statements"] > 5
    assert row["cpu_ms"] > 0 and row["wall_ms"] > 0
