"""Realistic orders into every shipped SQL connector: what is written, what is held, how long.

    .venv/bin/python bench/realistic_send.py [--orders 2000] [--seed 13] [--only oxid7 ...]

Starts a throwaway mariadbd (tests/servers.py, strict mode) and, per connector, a shop from
orderexchange/shop_schemas; generates the orders with the realistic generator (tests/orderdata.py: 9 locales,
shared emails and phones, EUR/CHF/GBP/PLN, mixed VAT, ~9 % bad rows) and runs exactly what
tests/test_realdata_e2e.py runs on a few hundred: import (bad rows refused), build, send, a
second send. Prints per connector the good orders, how many the shop's admin lists, the held
ones by code, and the wall time. Figures only; the test module asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import orderdata  # noqa: E402
import servers  # noqa: E402
import test_realdata_e2e as e2e  # noqa: E402

from orderexchange.model import TransferState  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--only", nargs="*", choices=sorted(e2e.FAMILIES), default=None)
    args = parser.parse_args()
    data = orderdata.generate(args.orders, seed=args.seed, today=datetime.now(UTC).date(),
                              suppliers={"alpha": ["A-100", "A-200"]})
    print(f"{args.orders} orders (seed {args.seed}), {len(data.bad())} bad rows")
    print(f"{'connector':17} {'good':>5} {'listed':>6} {'held':>5}  held by code"
          f"{'':14} seconds (import, build, send, resend)")
    with tempfile.TemporaryDirectory() as tmp, servers.MariaDBServer() as server:
        for key in args.only or e2e.FAMILIES:
            with servers.temporary_mariadb_database(server) as db:
                started = time.perf_counter()
                result = e2e._exchange(e2e.FAMILIES[key], db, Path(tmp) / key, data)
                seconds = time.perf_counter() - started
            held = Counter(t.error_code for t in result.transfers.values()
                           if t.state == TransferState.HELD)
            codes = ", ".join(f"{c} {n}" for c, n in sorted(held.items()))
            print(f"{key:17} {len(result.good()):>5} {len(result.listed):>6} "
                  f"{sum(held.values()):>5}  {codes:26} {seconds:6.1f}", flush=True)


if __name__ == "__main__":
    main()
