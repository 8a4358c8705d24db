"""Notification emails: rendering (jinja2) and transports (smtp, file, console, memory).

A transport is opened once per batch and sends several messages over that one connection. SMTP is
sequential by nature; aiosmtplib is driven from a private event loop so the dispatch engine stays
plain synchronous code. Failures come out as coded errors: 4xx, disconnects and timeouts are
transient (try again later), 5xx and a refused login are permanent.
"""

from __future__ import annotations

import abc
import asyncio
import re
import ssl
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import jinja2

from .config import Config, MailConfig, SupplierConfig
from .connector import SelfTestReport
from .errors import OXError
from .model import SupplierOrder

TEMPLATES = Path(__file__).parent / "templates"
_WS = re.compile(r"\s+")


# --- rendering -------------------------------------------------------------------------------
def _environments(extra: Path | None = None) -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.ChoiceLoader(
        ([jinja2.FileSystemLoader(extra)] if extra else []) + [jinja2.FileSystemLoader(TEMPLATES)])
    common = {"loader": loader, "undefined": jinja2.StrictUndefined, "trim_blocks": True,
              "lstrip_blocks": True, "keep_trailing_newline": True}
    text_env = jinja2.Environment(autoescape=False, **common)
    html_env = jinja2.Environment(autoescape=True, **common)
    for env in (text_env, html_env):
        env.filters["money"] = lambda v: f"{v:.2f}"
    return text_env, html_env


def header_safe(value: str) -> str:
    """Fold any CR/LF/TAB run into one space: customer data can never start a new header."""
    return _WS.sub(" ", value).strip()


@dataclass(frozen=True)
class Attachment:
    """A file for the notification email (from an `oe_notification_attachments` plug-in)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


def render_notification(config: Config, supplier: SupplierConfig, so: SupplierOrder,
                        now: datetime | None = None,
                        attachments: Sequence[Attachment] = ()) -> EmailMessage:
    text_env, html_env = _environments()
    context: dict[str, Any] = {
        "distributor": config.distributor, "supplier": supplier, "supplier_order": so,
        "transfers": so.transfers, "shipping_cost": supplier.shipping_cost,
        "total_net": so.net_value,
    }
    try:
        subject = text_env.get_template("notification.subject.j2").render(context)
        text = text_env.get_template("notification.txt.j2").render(context)
        html = html_env.get_template("notification.html.j2").render(context)
    except jinja2.TemplateError as exc:
        raise OXError("OX-MAIL-006", template=getattr(exc, "name", None) or "notification",
                      detail=str(exc)) from None
    message = build_message(config, supplier.email, subject, text, html, now)
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        message.add_attachment(item.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=header_safe(item.filename))
    return message


def build_message(config: Config, to: str, subject: str, text: str, html: str | None = None,
                  now: datetime | None = None) -> EmailMessage:
    sender = config.mail.sender or config.distributor.email
    msg = EmailMessage()
    msg["From"] = header_safe(f"{config.distributor.name} <{sender}>")
    msg["To"] = header_safe(to)
    msg["Reply-To"] = header_safe(config.distributor.reply_to or config.distributor.email)
    msg["Subject"] = header_safe(subject)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "orderexchange.local")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


# --- transports ------------------------------------------------------------------------------
class MailTransport(abc.ABC):
    name = "base"

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def open(self) -> None:
        """Connect for a batch (no-op for transports without a connection)."""

    def close(self) -> None:
        """Disconnect; safe after a failed open."""

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise OXError (OX-MAIL-…)."""

    def self_test(self, report: SelfTestReport) -> None:
        report.add("transport", True, self.name)

    def __enter__(self) -> MailTransport:
        self.open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class FileTransport(MailTransport):
    """Writes each message as a `.eml` file: the demo default, and an audit trail."""

    name = "file"

    @property
    def outbox(self) -> Path:
        return Path(self.config.outbox or "outbox")

    def send(self, message: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        msgid = re.sub(r"[^A-Za-z0-9.-]", "", str(message["Message-ID"]))[:60]
        path = self.outbox / f"{stamp}-{msgid}.eml"
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.as_bytes())
        except OSError as exc:
            raise OXError("OX-MAIL-008", path=self.outbox, detail=exc.strerror or str(exc)) from None

    def self_test(self, report: SelfTestReport) -> None:
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            probe = self.outbox / ".write-test"
            probe.write_text("ok")
            probe.unlink()
            report.add("outbox writable", True, str(self.outbox))
        except OSError as exc:
            report.add("outbox writable", False, f"{self.outbox}: {exc.strerror or exc}")


class ConsoleTransport(MailTransport):
    name = "console"

    def send(self, message: EmailMessage) -> None:
        sys.stdout.write(message.as_string() + "\n")


class MemoryTransport(MailTransport):
    """Keeps messages in a list: for tests and for plug-ins that post-process mail."""

    name = "memory"
    sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        MemoryTransport.sent.append(message)


class SmtpTransport(MailTransport):
    name = "smtp"

    def __init__(self, config: MailConfig) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: aiosmtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.config.ca_file) if self.config.ca_file
                                         else None)
        if not self.config.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _facts(self, **extra: Any) -> dict[str, Any]:
        return {"host": self.config.host, "port": self.config.effective_port, **extra}

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return self._loop.run_until_complete(coro)

    def open(self, report: SelfTestReport | None = None) -> None:
        cfg = self.config
        self._loop = asyncio.new_event_loop()
        self._client = aiosmtplib.SMTP(
            hostname=cfg.host, port=cfg.effective_port, timeout=cfg.timeout,
            use_tls=cfg.security == "tls", start_tls=False,
            tls_context=self._tls_context() if cfg.security != "none" else None)
        stage = "connect"
        try:
            response = self._run(self._client.connect())
            if report:
                report.add("connect + banner", True,
                           f"{cfg.host}:{cfg.effective_port} {response.code} "
                           f"{response.message.splitlines()[0] if response.message else ''}")
            stage = "ehlo"
            self._run(self._client.ehlo())
            if cfg.security == "starttls":
                stage = "starttls"
                self._run(self._client.starttls(tls_context=self._tls_context()))
                if report:
                    report.add("STARTTLS", True, "certificate verified" if cfg.verify
                               else "certificate NOT verified (verify = false)")
            elif cfg.security == "tls" and report:
                report.add("TLS", True, "implicit TLS, certificate verified" if cfg.verify
                           else "implicit TLS, certificate NOT verified")
            if cfg.user:
                stage = "auth"
                password = cfg.password.get_secret_value() if cfg.password else ""
                self._run(self._client.login(cfg.user, password))
                if report:
                    report.add("AUTH", True, f"logged in as {cfg.user}")
        except aiosmtplib.SMTPAuthenticationError:
            self.close()
            raise OXError("OX-MAIL-002", host=cfg.host, user=cfg.user) from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            self.close()
            raise OXError("OX-MAIL-005", **self._facts(detail=_reason(exc))) from None
        except aiosmtplib.SMTPException as exc:
            self.close()
            if stage in ("starttls",) or isinstance(exc.__cause__, ssl.SSLError):
                raise OXError("OX-MAIL-005", **self._facts(detail=_reason(exc))) from None
            if stage == "auth" and not isinstance(exc, (aiosmtplib.SMTPServerDisconnected,
                                                        aiosmtplib.SMTPTimeoutError)):
                # the server offers no AUTH (typically: a plain link to a server that wants
                # STARTTLS first): a settings problem, not a transient one
                if cfg.security == "none":
                    raise OXError("OX-MAIL-005", **self._facts(detail=_reason(exc))) from None
                raise OXError("OX-MAIL-002", host=cfg.host, user=cfg.user) from None
            raise OXError("OX-MAIL-001", **self._facts(detail=_reason(exc), id="…")) from None
        except (OSError, asyncio.TimeoutError) as exc:
            self.close()
            raise OXError("OX-MAIL-001", **self._facts(detail=_reason(exc), id="…")) from None

    def close(self) -> None:
        if self._client is not None and self._loop is not None:
            protocol = self._client.protocol
            try:
                if self._client.is_connected:
                    self._run(self._client.quit())
            except Exception:  # the server may already be gone; closing must never fail
                self._client.close()
            try:  # after STARTTLS the socket closes only once the TLS shutdown ran on the loop
                self._run(_connection_lost(protocol))
            except Exception:
                pass
        if self._loop is not None:
            self._loop.close()
        self._client = None
        self._loop = None

    def send(self, message: EmailMessage, supplier: str = "") -> None:
        if self._client is None:
            self.open()
        assert self._client is not None
        to = message["To"]
        try:
            _errors, _response = self._run(self._client.send_message(message))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            code = refused.code if refused else 550
            detail = f"{code} {refused.message}" if refused else str(exc)
            raise OXError("OX-MAIL-004" if 400 <= code < 500 else "OX-MAIL-003",
                          to=to, detail=detail, supplier=supplier, id="…") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise OXError("OX-MAIL-004" if 400 <= exc.code < 500 else "OX-MAIL-003",
                          to=to, detail=f"{exc.code} {exc.message}", supplier=supplier,
                          id="…") from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
                aiosmtplib.SMTPConnectError, OSError, asyncio.TimeoutError) as exc:
            self.close()
            raise OXError("OX-MAIL-001", **self._facts(detail=_reason(exc), id="…")) from None

    def self_test(self, report: SelfTestReport) -> None:
        self.open(report)


async def _connection_lost(protocol: Any, limit: float = 5.0) -> None:
    """Wait (bounded) until aiosmtplib's protocol saw the connection close."""
    waited = 0.0
    while protocol is not None and protocol.transport is not None and waited < limit:
        await asyncio.sleep(0.01)
        waited += 0.01


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def transport_for(config: MailConfig, transports: dict[str, type[MailTransport]]) -> MailTransport:
    cls = transports.get(config.transport)
    if cls is None:
        raise OXError("OX-MAIL-007", transport=config.transport,
                      known=", ".join(sorted(transports)))
    return cls(config)


def self_test(config: Config, transports: dict[str, type[MailTransport]],
              to: str | None = None) -> SelfTestReport:
    """The mail self-test: each stage reported separately, then optionally a real test message."""
    report = SelfTestReport(supplier="(mail)")
    transport = transport_for(config.mail, transports)
    try:
        transport.self_test(report)
        if to:
            msg = build_message(config, to, f"orderexchange test message from "
                                f"{config.distributor.name}",
                                "This is a test message sent by `orderexchange test mail`.\n"
                                "If you can read it, the mail settings work.\n")
            transport.send(msg)
            report.add("send test message", True, f"to {header_safe(to)}, {msg['Message-ID']}")
    except OXError as exc:
        report.add(exc.code, False, f"{exc.message} — {exc.solution}")
    finally:
        transport.close()
    return report
