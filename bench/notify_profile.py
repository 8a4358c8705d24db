"""What one notification email of a large supplier order costs: render, outbox, SMTP.

    .venv/bin/python bench/notify_profile.py [--messages 20] [--orders 100] [--language en]
        [--security none|starttls] [--one-connection] [--profile 25]

Why: in a send of 2,000 orders the notification was 20 % of the time (templates 14 %) and SMTP
15 % (issue 15). Each message is the notification of one supplier order of `--orders` realistic
customer orders (tests/test_mail_wire.py's, from tests/orderdata.py: 9 locales, umlauts, Polish
names), rendered, stored in the outbox (SQLite) and sent over SMTP to an aiosmtpd sink in its own
process (bench/send_throughput.py's: its CPU is not ours) — the calls a send makes. Each message
is its own supplier's batch (its own supplier order: other customers and lines), leasing its connection from the send's pool as dispatch does (on a
tree without mail/pool.py: opened and closed around it), unless `--one-connection`; `--security starttls` adds STARTTLS and AUTH (a loopback
aiosmtpd with a trustme certificate, in its own process too).

Prints CPU ms and wall ms per message (median of the messages after a warm-up message), split
into render / outbox / SMTP; `--profile N` adds cProfile's N costliest functions (cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]

from send_throughput import SinkSMTP  # noqa: E402
from test_mail_wire import alpha, realistic_supplier_order  # noqa: E402

from orderexchange import config as config_mod  # noqa: E402
from orderexchange import mail  # noqa: E402
from orderexchange.outbox import Outbox  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402
from orderexchange.store import Store  # noqa: E402

USER, PASSWORD = "bench", "bench-password"

_TLS_SERVER = """
import sys, time, servers
certs = servers.TestCertificates(sys.argv[1])
server = servers.SMTPTestServer(certs, security="starttls", auth=(sys.argv[2], sys.argv[3]),
                                keep_content=False).start()
print(server.port, certs.ca_file, flush=True)
sys.stdin.read()
"""


class TlsSink:
    """aiosmtpd with STARTTLS and AUTH (tests/servers.py) in its own process."""

    def __init__(self, folder: Path) -> None:
        self.host = "127.0.0.1"
        self.proc = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", _TLS_SERVER, str(folder), USER, PASSWORD],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=ROOT / "tests", env={**os.environ, "PYTHONPATH": str(ROOT / "tests")})
        assert self.proc.stdout is not None
        port, self.ca_file = self.proc.stdout.readline().split()
        self.port = int(port)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def make_config(folder: Path, server, args) -> config_mod.Config:
    mail_cfg = {"transport": "smtp", "host": server.host, "port": server.port,
                "security": args.security, "timeout": 30}
    if args.security == "starttls":
        mail_cfg.update(user=USER, password=PASSWORD, ca_file=server.ca_file)
    raw = {"distributor": {"id": "acme", "name": "ACME Distribution",
                           "email": "orders@acme.example"},
           "store": {"url": f"sqlite:///{folder / 'state.sqlite'}"},
           "mail": mail_cfg, "suppliers": {"alpha": alpha(language=args.language)}}
    return config_mod.from_dict(raw, folder / "config.toml")


def run(args, config, store, profiler: cProfile.Profile | None) -> list[dict[str, float]]:
    host = PluginHost()
    supplier = config.supplier("alpha")
    outbox = Outbox(store)
    transports = host.mail_transports()
    # a supplier order of its own per message (other customers, other lines), as in a send:
    # the same one each time would find every line in the encoder's caches
    orders = [realistic_supplier_order(args.orders, seed=21 + i) for i in range(args.messages + 1)]
    shared = None
    if args.one_connection:
        shared = mail.transport_for(config.mail, transports)
        shared.open()
    # a send's batches lease their connection from the send's pool (dispatch.py); a tree
    # without mail/pool.py (an older main, for comparison) opens one per batch
    pool_cls = getattr(mail, "MailPool", None)
    pool = pool_cls(lambda: mail.transport_for(config.mail, transports)) if pool_cls else None
    figures = []
    for i in range(args.messages + 1):  # the first one warms up (imports, template compile)
        if profiler is not None and i == 1:
            profiler.enable()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        so = orders[i]
        message = outbox.message(f"notification:{i}", lambda: mail.render_notification(
            config, supplier, so, attachments=host.notification_attachments(
                config, supplier, so)))
        cpu1, wall1 = time.process_time(), time.perf_counter()
        if shared is not None:
            shared.send(message)
        elif pool is not None:
            lease = pool.lease()
            lease.send(message)
            lease.close()
        else:
            transport = mail.transport_for(config.mail, transports)
            transport.open()
            transport.send(message)
            transport.close()
        cpu2, wall2 = time.process_time(), time.perf_counter()
        outbox.drop(f"notification:{i}")
        cpu3, wall3 = time.process_time(), time.perf_counter()
        if i:
            figures.append({"cpu": (cpu3 - cpu0) * 1000, "wall": (wall3 - wall0) * 1000,
                            "render+outbox cpu": (cpu1 - cpu0) * 1000,
                            "smtp cpu": (cpu2 - cpu1) * 1000, "smtp wall": (wall2 - wall1) * 1000,
                            "drop cpu": (cpu3 - cpu2) * 1000})
    if profiler is not None:
        profiler.disable()
    if shared is not None:
        shared.close()
    if pool is not None:
        pool.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--language", default="en", choices=("en", "de"))
    parser.add_argument("--security", default="none", choices=("none", "starttls"))
    parser.add_argument("--one-connection", action="store_true",
                        help="one SMTP connection for every message (one supplier's batch)")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--json", action="store_true", help="the medians as one JSON line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ox-notify-bench-") as tmp:
        folder = Path(tmp)
        server = TlsSink(folder) if args.security == "starttls" else SinkSMTP()
        if isinstance(server, SinkSMTP):
            server.start()
        try:
            config = make_config(folder, server, args)
            store = Store(config.store.url)
            profiler = cProfile.Profile() if args.profile else None
            figures = run(args, config, store, profiler)
            store.close()
        finally:
            server.stop()
    medians = {k: statistics.median(f[k] for f in figures) for k in figures[0]}
    load = os.getloadavg()
    if args.json:
        print(json.dumps({"load": load[0], **{k: round(v, 2) for k, v in medians.items()}}))
    else:
        print(f"{args.messages} notifications of {args.orders} customer orders ({args.language}, "
              f"SMTP {args.security}, "
              f"{'one connection' if args.one_connection else 'a batch per message'}); "
              f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"per message (median): CPU {medians['cpu']:.1f} ms, wall {medians['wall']:.1f} ms"
              f"  [render+outbox CPU {medians['render+outbox cpu']:.1f} ms, SMTP CPU "
              f"{medians['smtp cpu']:.1f} ms / wall {medians['smtp wall']:.1f} ms, outbox drop "
              f"CPU {medians['drop cpu']:.1f} ms]")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
