"""Pages the shop's server reads and writes for a send into an OXID shop with history: our keys
as uuid4s against our keys growing with time (shop_sql.time_ordered_id), alternating.

    PYTHONPATH=$PWD .venv/bin/python bench/oxid_key_order.py [--orders 2000] [--history 300000]
        [--pool 128M] [--rounds 2] [--family oxid6]

Why counted, not timed: on this machine the shop's files sit in the OS page cache, so a page
missing from InnoDB's buffer pool costs a copy, not a disk read, and a timed send cannot show
what the key order saves on a server whose data outgrows its memory (bench/README, "A million
orders of history"). What InnoDB counts is the same whatever the load: `Innodb_buffer_pool_reads`
(pages not in the pool, read from the files) and `Innodb_pages_written`, from SHOW GLOBAL STATUS
around each send (the throwaway server runs nothing else). The buffer pool is made small
(`--pool`) against the history so that the shop outgrows it as a real one outgrows its server's
memory, without a million-order pre-fill's five minutes.

One throwaway durable mariadbd (bench/connectors.py's settings, the pool size changed), one OXID
shop filled by a first send and `connectors.prefill` to `--history` orders (the copies' keys are
MD5s: random, as a real OXID shop's), then `--rounds` pairs of sends of fresh generated orders
(another seed each: new customers, new references) into that shop, uuid4 keys then time-ordered
keys. Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import servers  # noqa: E402
from connectors import (  # noqa: E402
    DURABLE, FAMILIES, Shop, generate, prefill, root, send, settle,
)
from send_throughput import SinkSMTP  # noqa: E402

from orderexchange.plugins import oxid, shop_sql  # noqa: E402

COUNTERS = ("Innodb_buffer_pool_reads", "Innodb_buffer_pool_read_requests",
            "Innodb_pages_written")


def uuid4_hex() -> str:
    """OXID's keys before 27fa55b: random, 32 hex characters."""
    return uuid.uuid4().hex


KEYS = {"uuid4": uuid4_hex, "time-ordered": shop_sql.time_ordered_id}


def status(server: servers.MariaDBServer) -> dict[str, int]:
    conn = root(server)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN %s", (COUNTERS,))
            return {name: int(value) for name, value in cur.fetchall()}
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--history", type=int, default=300_000)
    parser.add_argument("--pool", default="128M", help="innodb_buffer_pool_size")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--family", default="oxid6", choices=("oxid6", "oxid7"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    server = servers.MariaDBServer(extra_args=(*DURABLE, f"--innodb-buffer-pool-size={args.pool}"))
    server.start()
    smtp = SinkSMTP("lean")
    smtp.start()
    fam = FAMILIES[args.family]
    try:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            work = Path(tmp)

            def shop() -> Shop:
                db = stack.enter_context(servers.temporary_mariadb_database(server))
                fam.create(db)
                return Shop(db)

            source, filled = shop(), shop()
            generate(work / "d0", args.orders, 1, args.seed)
            (work / "w0").mkdir()
            send(args.family, [source], work / "d0", work / "w0", smtp, 4, None, 2)
            prefill(server, args.family, source, filled, args.history)
            settle(server)
            print(f"{args.family}: {args.history} orders of history, buffer pool {args.pool}, "
                  f"{args.orders} generated orders per send")
            print("| round | keys | seconds | pool reads | read requests | pages written |")
            print("|---|---|---|---|---|---|")
            n = 0
            for rnd in range(1, args.rounds + 1):
                for name, make in KEYS.items():
                    n += 1
                    generate(work / f"d{n}", args.orders, 1, args.seed + n)
                    (work / f"w{n}").mkdir()
                    oxid.time_ordered_id = make  # forked send workers inherit it
                    before = status(server)
                    seconds, _tables = send(args.family, [filled], work / f"d{n}",
                                            work / f"w{n}", smtp, 4, None, 2)
                    after = status(server)
                    d = {k: after[k] - before[k] for k in COUNTERS}
                    print(f"| {rnd} | {name} | {seconds:.2f} | {d[COUNTERS[0]]:,} | "
                          f"{d[COUNTERS[1]]:,} | {d[COUNTERS[2]]:,} |", flush=True)
    finally:
        oxid.time_ordered_id = shop_sql.time_ordered_id
        smtp.stop()
        server.stop()


if __name__ == "__main__":
    main()
