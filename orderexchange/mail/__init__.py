"""Notification emails: rendering (jinja2, per language, overridable) and transports (smtp, file,
console, memory), plus the staged mail self-test behind `orderexchange test mail`.

Rendering: each email kind (notification, cancellation, digest) is three templates — subject,
text and HTML (autoescaped) — looked up in the supplier's template folder, then the global one
(`[mail] template_folder`), then the shipped set for the supplier's language (en, de; others fall
back to en). Templates use StrictUndefined: a misspelt variable fails in `config check`.

Transports: a transport is opened once per batch and sends several messages over that one
connection. SMTP is sequential by nature; aiosmtplib is driven from a private event loop so the
dispatch engine stays plain synchronous code. Every failure comes out as a coded error whose
`transient` flag says whether a later attempt may succeed: 4xx replies, dropped connections and
timeouts are transient (and retried here a bounded number of times, with back-off); 5xx replies,
a refused login and TLS/port/certificate mistakes are permanent.

In parts: `render` (templates, messages), `mime` and `wire` (text parts, the bytes sent),
`transports` (the interface; file, console, memory), `smtp` (SMTP and its self-test stages),
`pool` (connections kept between the supplier batches of one send). Every name is importable
from here.
"""

from __future__ import annotations

from ..config import Config, MailConfig
from ..errors import OXError
from .render import (
    KINDS, PARTS, TEMPLATES, Attachment, address_problem, build_attachments, build_message,
    cancellation_attachments, check_rendering, envelope_recipients, envelope_sender,
    has_templates, header_safe, render_cancellation, render_digest, render_notification,
    render_parts, template_dirs,
)
from .pool import MailLease, MailPool
from .smtp import MailStage, MailTestReport, SmtpTransport, ca_file_error, certificate_summary
from .transports import ConsoleTransport, Delivery, FileTransport, MailTransport, MemoryTransport

__all__ = [
    "KINDS", "PARTS", "TEMPLATES", "Attachment", "ConsoleTransport", "Delivery", "FileTransport",
    "MailLease", "MailPool", "MailStage", "MailTestReport", "MailTransport", "MemoryTransport",
    "SmtpTransport",
    "address_problem", "build_attachments", "build_message", "ca_file_error",
    "cancellation_attachments", "certificate_summary", "check_rendering", "envelope_recipients",
    "envelope_sender", "has_templates", "header_safe", "refuse_example_values",
    "render_cancellation", "render_digest", "render_notification", "render_parts", "self_test",
    "template_dirs", "transport_for",
]


def refuse_example_values(config: Config) -> None:
    """Raise OX-CFG-011 before any real mail goes out while config.example.toml's ACME values
    are still in the config (they would reach the supplier)."""
    from ..config import example_leftovers

    leftovers = example_leftovers(config)
    if leftovers:
        raise leftovers[0]


def transport_for(config: MailConfig, transports: dict[str, type[MailTransport]]) -> MailTransport:
    cls = transports.get(config.transport)
    if cls is None:
        raise OXError("OX-MAIL-007", transport=config.transport,
                      known=", ".join(sorted(transports)))
    return cls(config)


def self_test(config: Config, transports: dict[str, type[MailTransport]],
              to: str | None = None) -> MailTestReport:
    """The mail self-test: each stage reported on its own (DNS, connect, TLS, banner, EHLO,
    STARTTLS, AUTH), then optionally a real test message; a failing stage carries its code."""
    if to:
        refuse_example_values(config)
    report = MailTestReport(supplier="(mail)")
    transport = transport_for(config.mail, transports)
    if isinstance(transport, SmtpTransport):
        transport.retries = 0  # show the first failure as it is
    try:
        transport.self_test(report)
        if to:
            msg = build_message(config, to, f"orderexchange test message from "
                                f"{config.distributor.name}",
                                "This is a test message sent by `orderexchange test mail`.\n"
                                "If you can read it, the mail settings work.\n")
            delivery = transport.send(msg)
            answer = f", server: {delivery.response}" if delivery and delivery.response else ""
            report.add("send test message", True,
                       f"to {header_safe(to)}, Message-ID {msg['Message-ID']}{answer}")
    except OXError as exc:
        stage = getattr(transport, "stage", "transport")
        exc.facts.setdefault("supplier", "(none: a test message)")  # no supplier order here
        exc.facts.setdefault("id", "ID")
        report.fail("send test message" if stage == "send" else stage, exc)
    finally:
        transport.close()
    return report
