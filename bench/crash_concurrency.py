"""Crash-and-concurrency run: one supplier order, one email, under kill -9 and competing senders.

    .venv/bin/python bench/crash_concurrency.py [--orders 200] [--senders 3] [--kills 20]
                                                [--store sqlite|postgresql|mariadb] [--seed N]

Starts a throwaway mariadbd (the suppliers' osCommerce shops, one table prefix each) and an
aiosmtpd server in this process that records every message; with `--store postgresql` also a
throwaway PostgreSQL for the state store. Imports N customer orders and builds them (at most five
customer orders per supplier order, over three suppliers), then:
- rounds of S concurrent `orderexchange send --all` processes, while the mail server SIGKILLs
  the sender of a seeded-random DATA right after it accepted the message (the worst moment:
  accepted, not yet recorded), until K kills happened;
- undisturbed rounds of S concurrent senders until nothing is left to send.
Prints: kills; emails received; supplier orders mailed with more than one Message-ID (copies
nobody can recognise — must be 0); duplicates by Message-ID (recognisable copies: the kills'
price); duplicates by content (copies of a supplier order's email whatever their Message-ID);
duplicates beyond one per kill (copies no kill explains — must be 0 with `--concurrency 1`; with
more, one kill can catch that many accepted, unrecorded emails of one sender); customer orders
missing in the shops or there twice; supplier orders not notified. Every received message, its
sender's pid and whether the kill hit it are written to trail.json in the work folder.
Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import servers  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from helpers import (  # noqa: E402
    create_oscommerce_schema, licensed_cli_command, sample_order,
)

SUPPLIERS = ["s1", "s2", "s3"]


def pid_of_peer(port: int, pids: list[int]) -> int | None:
    """The child process whose TCP socket has local port `port` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None


def write_config(work: Path, shop, smtp, store_url: str, heartbeat: float,
                 concurrency: int) -> Path:
    shop_url = f"mysql+pymysql://{shop.user}@{shop.host}:{shop.port}/{shop.database}"
    lines = ['[distributor]', 'id = "acme"', 'name = "ACME"', 'email = "o@acme.example"',
             '[store]', f'url = "{store_url}"',
             '[mail]', 'transport = "smtp"', f'host = "{smtp.host}"', f'port = {smtp.port}',
             'security = "none"', 'retries = 0',
             '[daemon]', f'heartbeat_seconds = {heartbeat}', f'concurrency = {concurrency}',
             '[daemon.retry]', 'attempts = 3', 'initial_seconds = 0.05', 'max_seconds = 0.2']
    for sid in SUPPLIERS:
        lines += [f'[suppliers.{sid}]', f'name = "{sid}"', f'email = "{sid}@example.com"',
                  'max_customer_orders = 5',
                  f'[suppliers.{sid}.database]', f'url = "{shop_url}"',
                  f'password = "{shop.password}"',
                  f'[suppliers.{sid}.connector]', 'type = "oscommerce"',
                  f'table_prefix = "{sid}_"']
    cfg = work / "config.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def prepare(cfg: Path, work: Path, orders: int, key) -> None:
    from click.testing import CliRunner

    from orderexchange import licence
    from orderexchange.cli import main

    code = licence.encode({"licensee": "ACME", "distributor_id": "acme", "max_suppliers": 10,
                           "features": ["daemon", "oscommerce"]}, key)
    (work / "catalogue.csv").write_text(
        "sku,supplier,supplier_sku,purchase_price,name\n"
        + "".join(f"P{i},{sid},A-100,7.20,Hammer\n" for i, sid in enumerate(SUPPLIERS)))
    (work / "orders.jsonl").write_text("\n".join(json.dumps(sample_order(
        str(n), email=f"c{n}@example.com", first="Kim", last=f"K{n}",
        lines=[{"sku": f"P{n % len(SUPPLIERS)}", "name": "Hammer", "quantity": 1,
                "unit_price": "12.90", "tax_rate": "19"}])) for n in range(orders)) + "\n")
    runner = CliRunner()
    with licence._trust_keys_for_tests([key.public_key()]):
        for args in (["activate", code], ["catalogue", "import", str(work / "catalogue.csv")],
                     ["import", str(work / "orders.jsonl")], ["build"]):
            result = runner.invoke(main, ["--config", str(cfg), *args])
            if result.exit_code != 0:
                raise SystemExit(f"{args[0]}: {result.output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--senders", type=int, default=3)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "mariadb"], default="sqlite")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--heartbeat", type=float, default=2.0,
                        help="[daemon] heartbeat_seconds of the senders (a lease is three)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="[daemon] concurrency: suppliers each sender mails in parallel (above "
                             "1, one kill can catch that many accepted, unrecorded emails)")
    args = parser.parse_args()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from orderexchange.store import Store

    rng = random.Random(args.seed)
    key = Ed25519PrivateKey.generate()
    work = Path(tempfile.mkdtemp(prefix="ox-crash-bench-"))
    maria = servers.MariaDBServer()
    maria.start()
    pg = None
    smtp = servers.SMTPTestServer(security="plain")
    smtp.start()
    started = time.monotonic()
    try:
        with servers.temporary_mariadb_database(maria) as shop, \
                servers.temporary_mariadb_database(maria) as store_db:
            for sid in SUPPLIERS:
                create_oscommerce_schema(shop.url, prefix=f"{sid}_")
            if args.store == "postgresql":
                pg = servers.PostgresServer()
                pg.start()
                store_cm = servers.temporary_pg_database(pg)
                store_url = store_cm.__enter__()
            else:
                store_cm = None
                store_url = (store_db.url if args.store == "mariadb"
                             else f"sqlite:///{work / 'state.sqlite'}")
            cfg = write_config(work, shop, smtp, store_url, args.heartbeat, args.concurrency)
            prepare(cfg, work, args.orders, key)
            store = Store(store_url)
            supplier_orders = len(store.list_supplier_orders())
            send = licensed_cli_command(key, work, "--config", cfg, "send", "--all")
            lock = threading.Lock()
            live: list[subprocess.Popen] = []
            state = {"seen": 0, "kill_at": rng.randint(1, 4), "kills": 0}

            trail: list[dict] = []  # every message received: who sent it, was it killed

            def kill_on_data(message) -> None:
                with lock:
                    state["seen"] += 1
                    pid = pid_of_peer(message.peer[1], [p.pid for p in live])
                    trail.append({"subject": str(message.message["Subject"]), "pid": pid,
                                  "message_id": str(message.message["Message-ID"]).strip(),
                                  "killed": False, "at": time.time()})
                    if state["kills"] >= args.kills or state["seen"] < state["kill_at"]:
                        return
                    if pid is None:
                        return
                    os.kill(pid, signal.SIGKILL)
                    trail[-1]["killed"] = True
                    state["kills"] += 1
                    state["seen"], state["kill_at"] = 0, rng.randint(1, 4)

            smtp.on_data = kill_on_data
            rounds = failed_runs = 0
            while rounds < 200:
                with lock:
                    logs = [(work / f"send-{rounds}-{i}.log").open("w")
                            for i in range(args.senders)]
                    live[:] = [subprocess.Popen(send, stdout=log, stderr=log) for log in logs]
                for p in list(live):
                    p.wait()
                for log in logs:
                    log.close()
                failed_runs += sum(1 for p in live if p.returncode not in (0, -signal.SIGKILL))
                rounds += 1
                left = [r for r in store.list_supplier_orders() if r["state"] != "notified"]
                print(f"round {rounds}: {state['kills']} kills, {len(left)} supplier orders "
                      f"left ({', '.join(sorted({r['state'] for r in left}))})",
                      file=sys.stderr, flush=True)
                if state["kills"] >= args.kills and not left:
                    break
                if state["kills"] < args.kills and not left:
                    break  # every supplier order went out before the kills were used up
            smtp.on_data = None
            rows = store.list_supplier_orders()
            by_subject: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
            for m in smtp.messages:
                msg = m.message
                by_subject[str(msg["Subject"])].append((str(msg["Message-ID"]).strip(), m.data))
            ids = Counter(mid for copies in by_subject.values() for mid, _ in copies)
            engine = sa.create_engine(shop.url)
            numbers: Counter[str] = Counter()
            with engine.connect() as conn:
                for sid in SUPPLIERS:
                    for (comment,) in conn.execute(sa.text(
                            f"SELECT comments FROM {sid}_orders_status_history")):
                        found = re.search(r"orderexchange: order (\S+) forwarded", comment)
                        if found:
                            numbers[found.group(1)] += 1
            engine.dispose()
            expected = {str(n) for n in range(args.orders)}
            figures = {
                "store": args.store, "orders": args.orders, "supplier orders": supplier_orders,
                "senders": args.senders, "concurrency": args.concurrency, "rounds": rounds,
                "kills": state["kills"],
                "sender runs that failed": failed_runs,
                "emails received": len(smtp.messages),
                "supplier orders with >1 Message-ID": sum(
                    1 for copies in by_subject.values() if len({m for m, _ in copies}) > 1),
                "duplicates by Message-ID": sum(n - 1 for n in ids.values()),
                "duplicates by content": sum(len(c) - 1 for c in by_subject.values()),
                # a copy that no kill explains: each kill costs at most one resend
                "duplicates beyond one per kill": sum(
                    max(0, len(c) - 1 - sum(1 for t in trail if t["subject"] == subject
                                            and t["killed"]))
                    for subject, c in by_subject.items()),
                "copies not byte-identical": sum(
                    1 for copies in by_subject.values() if len({raw for _, raw in copies}) > 1),
                "orders missing": len(expected - set(numbers)),
                "orders twice": sum(1 for n in expected if numbers[n] > 1),
                "supplier orders not notified": sum(1 for r in rows
                                                    if r["state"] != "notified"),
                "seconds": round(time.monotonic() - started, 1),
            }
            (work / "trail.json").write_text(json.dumps(trail, indent=1))
            store.close()
            if store_cm is not None:
                store_cm.__exit__(None, None, None)
    finally:
        smtp.stop()
        if pg is not None:
            pg.stop()
        maria.stop()
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print(f"sender logs and trail.json: {work}")


if __name__ == "__main__":
    main()
