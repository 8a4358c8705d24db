"""How long `hold`, `release` and `cancel --supplier` take for many customer orders at once.

    .venv/bin/python bench/hold_cancel.py [--orders 1000]

Uses the demo workspace (real osCommerce schemas in SQLite shop files, SQLite state store, file
outbox): N orders for supplier beta are imported and built (N / 500 supplier orders), then
- hold all N by hand (one store transaction), release all N, hold half again;
- send: the other half is written and notified, the held half stays held;
- cancel all N at beta: the held half is dropped, the written half is cancelled in the shop (its
  status and a history row) with one cancellation email per supplier order.
Prints seconds per step and per 1,000 orders. Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import sample_order  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange.build import build  # noqa: E402
from orderexchange.cancel import cancel_orders  # noqa: E402
from orderexchange.demo import write_workspace  # noqa: E402
from orderexchange.dispatch import Dispatcher  # noqa: E402
from orderexchange.importer import import_catalogue, import_orders  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    n = parser.parse_args().orders
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = write_workspace(Path(tmp) / "ws")
        ws = cfg_path.parent
        # beta's shop gets a cancelled status, which stock osCommerce lacks
        with sqlite3.connect(ws / "shops" / "beta.sqlite") as shop:
            shop.execute("INSERT INTO orders_status (orders_status_id, language_id, "
                         "orders_status_name) VALUES (4, 1, 'Cancelled')")
        text = cfg_path.read_text(encoding="utf-8").replace(
            '[suppliers.beta.connector]\ntype = "oscommerce"',
            '[suppliers.beta.connector]\ntype = "oscommerce"\ncancelled_status_id = 4')
        cfg_path.write_text(text, encoding="utf-8")
        config = config_mod.load(cfg_path)
        store = Store(config.store.url)
        numbers = [f"H{i:06d}" for i in range(n)]
        path = ws / "many.jsonl"
        path.write_text("".join(json.dumps(sample_order(
            number, email=f"c{i}@example.com", first="Kim", last=f"Kunde{i}",
            lines=[{"sku": "RAKE", "name": "Leaf rake", "quantity": 1, "unit_price": "11.90",
                    "tax_rate": "19"}])) + "\n" for i, number in enumerate(numbers)),
            encoding="utf-8")
        import_catalogue(store, ws / "catalogue.csv", set(config.suppliers))
        import_orders(store, path)
        created = build(store, config).created
        host = PluginHost()
        timings: list[tuple[str, int, float]] = []

        def timed(label: str, count: int, fn):
            start = time.perf_counter()
            out = fn()
            timings.append((label, count, time.perf_counter() - start))
            return out

        timed("hold (by hand)", n, lambda: store.hold_by_hand(numbers, "beta"))
        timed("release", n, lambda: store.hold_by_hand(numbers, "beta", release=True))
        half = numbers[: n // 2]
        timed("hold half again", len(half), lambda: store.hold_by_hand(half, "beta"))
        ids = [so_id for so_id in created] + [h["supplier_order"] for h in store.held_orders()]
        timed("send (half written, half held)", n,
              lambda: Dispatcher(config, store, host).send(dict.fromkeys(ids)))
        results = timed("cancel --supplier beta (half dropped, half in the shop)", n,
                        lambda: cancel_orders(config, store, host, numbers,
                                              supplier_id="beta"))
        outcomes: dict[str, int] = {}
        for r in results:
            for s in r.steps:
                outcomes[s.outcome] = outcomes.get(s.outcome, 0) + 1
        mails = len(list((ws / "outbox").glob("*.eml")))
        store.close()
    print(f"{n} customer orders for one supplier ({len(created)} supplier orders), SQLite store")
    for label, count, seconds in timings:
        print(f"  {label:<58} {seconds:7.2f} s  ({seconds / count * 1000:6.2f} s per 1,000)")
    print(f"  cancel outcomes: {outcomes}; emails in the outbox: {mails}")


if __name__ == "__main__":
    main()
