"""bench/lean_sink.py, the benchmarks' `--sink lean`: orderexchange's own SMTP client delivers
real notifications to it (large ones, several over one connection, a line that starts with a
dot), so a benchmark that uses it measures sends that really went out."""

import argparse
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import notify_profile  # noqa: E402
from send_throughput import SinkSMTP  # noqa: E402
from test_mail_wire import realistic_supplier_order  # noqa: E402

from orderexchange import mail  # noqa: E402
from orderexchange.plugin_host import PluginHost  # noqa: E402


def test_the_lean_sink_takes_notifications_from_our_smtp_client(tmp_path):
    sink = SinkSMTP("lean")
    sink.start()
    try:
        config = notify_profile.make_config(
            tmp_path, sink, argparse.Namespace(language="en", security="none"))
        supplier = config.supplier("alpha")
        host = PluginHost()
        messages = [mail.render_notification(config, supplier, so)
                    for so in (realistic_supplier_order(120, seed=3),
                               realistic_supplier_order(5, seed=4))]
        # a body line that is a lone dot: the client doubles it, the end marker stays unique
        dot = EmailMessage()
        dot["From"], dot["To"], dot["Subject"] = config.distributor.email, supplier.email, "."
        dot["Message-ID"] = make_msgid()
        dot.set_content(".\nend\n")
        messages.append(dot)
        with mail.transport_for(config.mail, host.mail_transports()) as transport:
            deliveries = [transport.send(m) for m in messages]
        assert [d.message_id for d in deliveries] == [m["Message-ID"] for m in messages]
        # every recipient taken (the notification also goes to the supplier's second address)
        assert all(supplier.email in d.accepted and not d.refused for d in deliveries)
        assert len(deliveries[0].accepted) == 2 and deliveries[2].accepted == [supplier.email]
        assert len(messages[0].as_bytes()) > 300_000  # read in blocks, not one line at a time
    finally:
        sink.stop()
    assert sink.proc is not None and sink.proc.returncode is not None
