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
"""

from __future__ import annotations

import abc
import asyncio
import functools
import re
import socket
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import jinja2

from . import documents
from .config import Config, MailConfig, SupplierConfig
from .connector import SelfTestReport, SelfTestStage
from .errors import OXError
from .model import SupplierOrder, Transfer, plain_quantity

TEMPLATES = Path(__file__).parent / "templates"
KINDS = ("notification", "cancellation", "digest")
PARTS = ("subject", "txt", "html")
_WS = re.compile(r"\s+")


# --- rendering -------------------------------------------------------------------------------
def header_safe(value: str) -> str:
    """Fold any CR/LF/TAB run into one space: customer data can never start a new header."""
    return _WS.sub(" ", value).strip()


@dataclass(frozen=True)
class Attachment:
    """A file for the notification email (from an `oe_notification_attachments` plug-in)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


def _folder(config: Config, folder: Path | None) -> Path | None:
    if folder is None:
        return None
    folder = Path(folder).expanduser()
    if not folder.is_absolute():
        folder = (config.path.parent if config.path else Path.cwd()) / folder
    return folder


def template_dirs(config: Config, supplier: SupplierConfig) -> list[Path]:
    """Where templates are looked up, first match wins: the supplier's folder (its language
    subfolder, then the folder itself), the global folder (likewise), the shipped language,
    the shipped English set."""
    lang = documents.language_of(supplier)
    dirs: list[Path] = []
    for folder in (_folder(config, supplier.notification.template_folder),
                   _folder(config, config.mail.template_folder)):
        if folder is not None:
            dirs += [folder / lang, folder]
    dirs += [TEMPLATES / lang, TEMPLATES / "en"]
    return list(dict.fromkeys(dirs))


def has_templates(config: Config, supplier: SupplierConfig) -> bool:
    """Whether the supplier's language has its own templates (otherwise English is used)."""
    english = documents.language_of(supplier) == "en"  # the shipped English ones are its own
    return any((d / "notification.txt.j2").is_file() for d in template_dirs(config, supplier)
               if english or d != TEMPLATES / "en")


@functools.lru_cache(maxsize=64)
def _environments(dirs: tuple[Path, ...], lang: str) -> tuple[jinja2.Environment,
                                                                jinja2.Environment]:
    loader = jinja2.FileSystemLoader([str(d) for d in dirs])
    common: dict[str, Any] = {"loader": loader, "undefined": jinja2.StrictUndefined,
                              "trim_blocks": True, "lstrip_blocks": True,
                              "keep_trailing_newline": True, "auto_reload": True}
    text_env = jinja2.Environment(autoescape=False, **common)
    html_env = jinja2.Environment(autoescape=True, **common)
    for env in (text_env, html_env):
        env.filters.update(
            money=lambda v: documents.format_money(v, lang),
            qty=lambda v: documents.format_number(plain_quantity(v), lang),
            date=lambda v: documents.format_date(v, lang),
            country=lambda code: documents.country_name(code, lang))
    return text_env, html_env


def _template_error(exc: jinja2.TemplateError, part: str) -> OXError:
    """OX-MAIL-006 naming the template file and line (from jinja's rewritten traceback)."""
    where = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    label = f"{where or part}" + (f" line {line}" if line else "")
    detail = str(exc) if not isinstance(exc, jinja2.TemplateNotFound) else f"{exc} not found"
    return OXError("OX-MAIL-006", template=label, detail=detail.splitlines()[0][:300])


def render_parts(config: Config, supplier: SupplierConfig, kind: str,
                 context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of one email kind for one supplier, or OX-MAIL-006."""
    lang = documents.language_of(supplier)
    text_env, html_env = _environments(tuple(template_dirs(config, supplier)), lang)
    out = []
    for part, env in (("subject", text_env), ("txt", text_env), ("html", html_env)):
        name = f"{kind}.{part}.j2"
        try:
            out.append(env.get_template(name).render(context))
        except jinja2.TemplateError as exc:
            raise _template_error(exc, name) from None
    return out[0], out[1], out[2]


def _context(sht: documents.Sheet, attachments: Sequence[Attachment]) -> dict[str, Any]:
    return {
        "distributor": sht.config.distributor, "supplier": sht.supplier,
        "supplier_order": sht.supplier_order, "label": sht.label, "orders": sht.orders,
        "totals": sht.totals, "handover": sht.handover, "reply_to": sht.reply_to,
        "customer_number": sht.customer_number, "language": sht.language,
        "issued_at": sht.issued_at,
        "attachments": [header_safe(a.filename) for a in attachments],
        # the raw model, for templates that need more than the sheet shows
        "transfers": sht.supplier_order.transfers,
    }


def _recipients(supplier: SupplierConfig) -> tuple[str, list[str]]:
    return supplier.email, list(supplier.notification.cc)


def _attach(message: EmailMessage, attachments: Sequence[Attachment]) -> EmailMessage:
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        message.add_attachment(item.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=header_safe(item.filename))
    return message


def render_notification(config: Config, supplier: SupplierConfig, so: SupplierOrder,
                        now: datetime | None = None,
                        attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """The email telling the supplier about one supplier order (step 2's notification)."""
    sht = documents.sheet(config, supplier, so, now=now)
    subject, text, html = render_parts(config, supplier, "notification",
                                       _context(sht, attachments))
    to, cc = _recipients(supplier)
    message = build_message(config, to, subject, text, html, now, cc=cc, reply_to=sht.reply_to)
    return _attach(message, attachments)


def render_cancellation(config: Config, supplier: SupplierConfig, supplier_order: SupplierOrder,
                        transfers: Sequence[Transfer], now: datetime | None = None,
                        attachments: Sequence[Attachment] = (),
                        reason: str = "") -> EmailMessage:
    """The email telling the supplier that these customer orders of a supplier order are
    cancelled (the `cancel` action). `reason` is shown when given."""
    sht = documents.sheet(config, supplier, supplier_order, transfers=transfers, now=now)
    context = dict(_context(sht, attachments), reason=reason,
                   partial=len(transfers) < len(supplier_order.transfers))
    subject, text, html = render_parts(config, supplier, "cancellation", context)
    to, cc = _recipients(supplier)
    message = build_message(config, to, subject, text, html, now, cc=cc, reply_to=sht.reply_to)
    return _attach(message, attachments)


def render_digest(config: Config, supplier: SupplierConfig,
                  supplier_orders: Sequence[SupplierOrder], now: datetime | None = None,
                  attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """One email listing several supplier orders (`notification.digest = true`): the daemon
    sends it once a day at `digest_at` instead of one email per supplier order."""
    if not supplier_orders:
        raise ValueError("a digest lists at least one supplier order")
    sheets = [documents.sheet(config, supplier, so, now=now) for so in supplier_orders]
    totals: dict[str, list[Any]] = {}
    for sht in sheets:
        for t in sht.totals:
            acc = totals.setdefault(t.currency, [0, 0, 0, 0])
            for i, value in enumerate((t.subtotal, t.shipping, t.tax, t.total)):
                acc[i] += value
    first = sheets[0]
    context = dict(_context(first, attachments), sheets=sheets,
                   orders=[o for s in sheets for o in s.orders],
                   totals=[documents.Totals(c, *v) for c, v in totals.items()],
                   day=now or datetime.now(UTC))
    subject, text, html = render_parts(config, supplier, "digest", context)
    to, cc = _recipients(supplier)
    message = build_message(config, to, subject, text, html, now, cc=cc, reply_to=first.reply_to)
    return _attach(message, attachments)


def build_message(config: Config, to: str | Sequence[str], subject: str, text: str,
                  html: str | None = None, now: datetime | None = None, *,
                  cc: Sequence[str] = (), reply_to: str | None = None) -> EmailMessage:
    """A plain business email: From, To (Cc), Reply-To, Subject, Date, Message-ID and
    `Auto-Submitted: auto-generated`; no list headers. Every header value is folded to one line
    first, so text from customer data can never start a header of its own."""
    sender = config.mail.sender or config.distributor.email
    msg = EmailMessage()
    # an Address, not "name <addr>" glued together: a name with a comma, colon or quote
    # ("Meier, Müller & Co. KG") is quoted, so it stays one display name and one address
    msg["From"] = Address(display_name=header_safe(config.distributor.name), addr_spec=sender)
    msg["To"] = header_safe(to) if isinstance(to, str) else ", ".join(header_safe(a) for a in to)
    if cc:
        msg["Cc"] = ", ".join(header_safe(a) for a in cc)
    msg["Reply-To"] = header_safe(reply_to or config.distributor.reply_to
                                  or config.distributor.email)
    msg["Subject"] = header_safe(subject)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "orderexchange.local")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def envelope_sender(message: EmailMessage) -> str:
    """MAIL FROM: the address of the From header as the header registry parsed it (never a
    split of the raw text, which a display name with a comma would cut in two)."""
    return message["From"].addresses[0].addr_spec


def address_problem(address: str) -> str | None:
    """Why `address` is no email address one can send to (None: it is one)."""
    import email_validator

    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        return str(exc)
    return None


def envelope_recipients(message: EmailMessage) -> list[str]:
    return [addr for _name, addr in getaddresses(
        [str(v) for key in ("To", "Cc", "Bcc") for v in message.get_all(key, [])]) if addr]


def check_rendering(config: Config, supplier: SupplierConfig,
                    attachments: Callable[[SupplierOrder], Sequence[Attachment]] | None = None
                    ) -> list[str]:
    """Render every email kind (and build the supplier's documents) with a sample supplier
    order: what `config check` runs so a broken template fails there, not in the daemon.
    Returns what was rendered; raises OXError (OX-MAIL-006 / OX-MAIL-019)."""
    sample = documents.sample_supplier_order(supplier)
    now = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    files = list(attachments(sample)) if attachments else []
    render_notification(config, supplier, sample, now=now, attachments=files)
    render_cancellation(config, supplier, sample, sample.transfers[:1], now=now,
                        reason="sample reason")
    render_digest(config, supplier, [sample, sample], now=now)
    return [f"{kind}.{part}" for kind in KINDS for part in PARTS] + [a.filename for a in files]


def build_attachments(supplier: SupplierConfig, what: str,
                      build: Callable[[], Sequence[tuple[str, bytes, str]]]) -> list[Attachment]:
    """Attachments from (filename, content, MIME type) triples; any failure while building the
    documents becomes OX-MAIL-019 (never a traceback, never a half-built email)."""
    try:
        return [Attachment(name, content, mime) for name, content, mime in build()]
    except documents.FontError as exc:
        raise OXError("OX-MAIL-019", format="PDF", supplier=supplier.id, detail=str(exc)) from None
    except OXError:
        raise
    except Exception as exc:  # a bug or bad data must become a coded error
        raise OXError("OX-MAIL-019", format=what, supplier=supplier.id,
                      detail=f"{type(exc).__name__}: {exc}") from None


def cancellation_attachments(config: Config, supplier: SupplierConfig,
                             supplier_order: SupplierOrder, transfers: Sequence[Transfer],
                             reason: str = "") -> list[Attachment]:
    """What a cancellation email carries: a UBL OrderCancellation per cancelled customer order
    when the supplier gets UBL, and the order sheet marked CANCELLED when it gets the PDF."""
    formats = documents.attachment_formats(supplier)
    sheet = documents.sheet(config, supplier, supplier_order, transfers=transfers)

    def build() -> list[tuple[str, bytes, str]]:
        out = []
        if "ubl" in formats:
            out += [(f"ubl-order-cancellation-{o.reference}.xml",
                     documents.ubl_order_cancellation(sheet, o, reason or "Cancelled"),
                     "application/xml") for o in sheet.orders]
        if "pdf" in formats:
            out.append((f"order-{sheet.label}-cancelled.pdf",
                        documents.order_pdf(sheet, cancelled=True), "application/pdf"))
        return out
    return build_attachments(supplier, "cancellation", build)


# --- transports ------------------------------------------------------------------------------
@dataclass
class Delivery:
    """What a transport did with one message."""

    message_id: str
    accepted: list[str] = field(default_factory=list)
    #: recipients the server refused while it accepted others: address → its reply
    refused: dict[str, str] = field(default_factory=dict)
    response: str = ""
    attempts: int = 1

    @property
    def warnings(self) -> list[OXError]:
        """OX-MAIL-018 per refused recipient (the message went to the others)."""
        return [OXError("OX-MAIL-018", to=addr, detail=reply, accepted=", ".join(self.accepted))
                for addr, reply in self.refused.items()]


class MailTransport(abc.ABC):
    name = "base"

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def open(self) -> None:
        """Connect for a batch (no-op for transports without a connection)."""

    def close(self) -> None:
        """Disconnect; safe after a failed open."""

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> Delivery | None:
        """Deliver one message or raise OXError (OX-MAIL-…)."""

    def self_test(self, report: SelfTestReport) -> None:
        report.add("transport", True, self.name)

    def __enter__(self) -> MailTransport:
        self.open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _delivered(message: EmailMessage, response: str = "") -> Delivery:
    return Delivery(str(message["Message-ID"]), envelope_recipients(message), {}, response)


class FileTransport(MailTransport):
    """Writes each message as a `.eml` file: the demo default, and an audit trail."""

    name = "file"

    @property
    def outbox(self) -> Path:
        return Path(self.config.outbox or "outbox")

    def send(self, message: EmailMessage) -> Delivery:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        msgid = re.sub(r"[^A-Za-z0-9.-]", "", str(message["Message-ID"]))[:60]
        path = self.outbox / f"{stamp}-{msgid}.eml"
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.as_bytes())
        except OSError as exc:
            raise OXError("OX-MAIL-008", path=self.outbox,
                          detail=exc.strerror or str(exc)) from None
        return _delivered(message, str(path))

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

    def send(self, message: EmailMessage) -> Delivery:
        sys.stdout.write(message.as_string() + "\n")
        return _delivered(message)


class MemoryTransport(MailTransport):
    """Keeps messages in a list: for tests and for plug-ins that post-process mail."""

    name = "memory"
    sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> Delivery:
        MemoryTransport.sent.append(message)
        return _delivered(message)


# --- SMTP --------------------------------------------------------------------------------------
@dataclass
class MailStage(SelfTestStage):
    """A stage of the mail self-test; a failed one carries its code and solution."""

    code: str | None = None
    solution: str = ""


class MailTestReport(SelfTestReport):
    def add(self, name: str, ok: bool, detail: str = "") -> SelfTestStage:
        stage = MailStage(name, ok, detail)
        self.stages.append(stage)
        return stage

    def fail(self, name: str, error: OXError) -> MailStage:
        stage = MailStage(name, False, error.message, code=error.code, solution=error.solution)
        self.stages.append(stage)
        return stage


#: SSL failures that mean "this port does not speak TLS" (implicit TLS against a plain port)
_NOT_TLS = ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE",
            "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST", "UNEXPECTED_RECORD", "record layer failure",
            "wrong version number")
_RELAY = re.compile(r"\b5\.7\.1\b|relay", re.IGNORECASE)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _ssl_cause(exc: BaseException) -> BaseException | None:
    seen = exc
    while seen is not None:
        if isinstance(seen, (ssl.SSLError, ssl.CertificateError)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def certificate_summary(ssl_object: Any) -> str:
    """'TLSv1.3, certificate CN=mail.example.com (issuer CN=…), valid until 2027-03-01
    (in 98 days)' — what the self-test shows of a TLS link."""
    from cryptography import x509

    parts = [ssl_object.version() or "TLS"]
    der = ssl_object.getpeercert(binary_form=True)
    if der:
        cert = x509.load_der_x509_certificate(der)
        expires = cert.not_valid_after_utc
        days = (expires - datetime.now(UTC)).days
        subject = cert.subject.rfc4514_string() or "(empty subject)"
        try:
            names = cert.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            names = []
        parts.append(f"certificate {subject}" + (f" for {', '.join(names[:4])}" if names else "")
                     + f", issuer {cert.issuer.rfc4514_string()}")
        left = "EXPIRED" if days < 0 else f"in {days} days"
        parts.append(f"valid until {expires:%Y-%m-%d} ({left})")
    return ", ".join(parts)


class SmtpTransport(MailTransport):
    """SMTP through aiosmtplib: plain, STARTTLS (required / opportunistic) or implicit TLS,
    AUTH, one connection per batch, bounded retries of transient failures."""

    name = "smtp"

    def __init__(self, config: MailConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(config)
        self._sleep = sleep
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: aiosmtplib.SMTP | None = None
        self._encrypted = False
        self._down: OXError | None = None
        #: the stage under way (the self-test names the failing stage by it)
        self.stage = "connect"
        #: retries per message; `test mail` sets 0 to see the first failure as it is
        self.retries = config.retries

    # -- helpers ----------------------------------------------------------------------------
    def _tls_context(self, verify: bool | None = None) -> ssl.SSLContext:
        verify = self.config.verify if verify is None else verify
        try:
            ctx = ssl.create_default_context(cafile=str(self.config.ca_file)
                                             if self.config.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise ca_file_error(self.config.ca_file,
                                getattr(exc, "strerror", None) or str(exc)) from None
        if not verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _facts(self, **extra: Any) -> dict[str, Any]:
        return {"host": self.config.host, "port": self.config.effective_port, **extra}

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return self._loop.run_until_complete(coro)

    # -- connect, stage by stage --------------------------------------------------------------
    def open(self, report: MailTestReport | None = None) -> None:
        """Connect for a batch (DNS, TCP, TLS, greeting, EHLO, STARTTLS, AUTH), with the same
        bounded retries as `send` for a server that answered but hiccupped."""
        self._down = None
        self._retrying(lambda: self._open(report))

    def _retrying(self, action: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                return action(), attempt
            except OXError as err:
                if err.transient and self.stage in ("DNS", "connect"):
                    self._down = err  # unreachable: the batch's next messages fail at once
                    raise
                if not err.transient or attempt > self.retries:
                    raise
                self._sleep(self.config.retry_delay * 2 ** (attempt - 1))

    def _open(self, report: MailTestReport | None = None) -> None:
        self.close()
        self._loop = asyncio.new_event_loop()
        sock: socket.socket | None = None
        try:
            sock = self._tcp(report)
            self._run(self._session(sock, report))
        except OXError:
            self.close()
            if sock is not None:
                sock.close()  # a TLS handshake that failed may leave it to us
            raise

    def _tcp(self, report: MailTestReport | None) -> socket.socket:
        cfg = self.config
        host, port = cfg.host, cfg.effective_port
        self.stage = "DNS"
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_AGAIN,):
                raise OXError("OX-MAIL-001", **self._facts(
                    detail=f"DNS lookup of {host} failed for now ({exc.strerror})")) from None
            raise OXError("OX-MAIL-009", **self._facts(detail=exc.strerror or str(exc))) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if report:
            report.add("DNS", True, f"{host} → {', '.join(addresses[:4])}")
        self.stage = "connect"
        try:
            sock = socket.create_connection((host, port), timeout=cfg.timeout)
        except TimeoutError:
            raise OXError("OX-MAIL-001", **self._facts(
                detail=f"no answer within {cfg.timeout:g} s (a firewall may drop the packets)")
                          ) from None
        except OSError as exc:
            raise OXError("OX-MAIL-001", **self._facts(detail=exc.strerror or _reason(exc))
                          ) from None
        if report:
            report.add("connect", True, f"{host}:{port} ({sock.getpeername()[0]})")
        sock.setblocking(False)
        return sock

    async def _session(self, sock: socket.socket, report: MailTestReport | None) -> None:
        cfg = self.config
        implicit = cfg.security == "tls"
        client = aiosmtplib.SMTP(hostname=cfg.host, sock=sock, timeout=cfg.timeout,
                                 use_tls=implicit, start_tls=False,
                                 tls_context=self._tls_context() if implicit else None,
                                 local_hostname=cfg.local_hostname)
        self._client = client
        self._encrypted = False
        # TLS (implicit) and banner: one call in aiosmtplib, told apart by what failed
        self.stage = "TLS" if implicit else "banner"
        try:
            greeting = await client.connect()
        except aiosmtplib.SMTPConnectResponseError as exc:
            self.stage = "banner"
            raise OXError("OX-MAIL-010", **self._facts(detail=f"{exc.code} {exc.message}")) \
                from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise self._connect_error(exc) from None
        if implicit:
            self._encrypted = True
            if report:
                report.add("TLS", True, "implicit TLS, " + certificate_summary(
                    client.get_transport_info("ssl_object")))
        self.stage = "banner"
        if report:
            report.add("banner", True, f"{greeting.code} {greeting.message.splitlines()[0]}"
                       if greeting.message else str(greeting.code))
        await self._ehlo(report)
        if cfg.security == "starttls":
            await self._starttls(report)
        await self._auth(report)

    def _connect_error(self, exc: BaseException) -> OXError:
        cfg = self.config
        cause = _ssl_cause(exc)
        if cause is not None:
            self.stage = "TLS"
            reason = getattr(cause, "reason", None) or ""
            text = _reason(cause)
            if isinstance(cause, ssl.SSLCertVerificationError) or isinstance(
                    cause, ssl.CertificateError):
                return OXError("OX-MAIL-013", **self._facts(detail=text))
            if any(mark in f"{reason} {text}" for mark in _NOT_TLS):
                return OXError("OX-MAIL-011", **self._facts(
                    security=cfg.security, detail=f"the server answered in plain text ({text})",
                    hint='use security = "starttls" (usually port 587) or the implicit-TLS '
                         "port (usually 465)"))
            return OXError("OX-MAIL-005", **self._facts(detail=text))
        waiting_banner = "ready message" in str(exc) or not cfg.security == "tls"
        if isinstance(exc, (aiosmtplib.SMTPTimeoutError, asyncio.TimeoutError)) and waiting_banner:
            self.stage = "banner"
            if self._speaks_implicit_tls():
                return OXError("OX-MAIL-011", **self._facts(
                    security=cfg.security,
                    detail=f"no greeting within {cfg.timeout:g} s, and the port answers a TLS "
                           "handshake",
                    hint='this is an implicit-TLS port: set security = "tls"'))
            return OXError("OX-MAIL-010", **self._facts(
                detail=f"no greeting within {cfg.timeout:g} s"))
        if isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(
                exc.__cause__, aiosmtplib.SMTPServerDisconnected):
            self.stage = "banner"
            return OXError("OX-MAIL-010", **self._facts(
                detail="the server closed the connection before its greeting"))
        if cfg.security == "tls" and isinstance(exc, aiosmtplib.SMTPConnectError) and \
                isinstance(exc.__cause__, OSError):
            self.stage = "TLS"
            return OXError("OX-MAIL-005", **self._facts(
                detail="the server closed the connection during the TLS handshake ("
                       + (_reason(exc.__cause__) if str(exc.__cause__)
                          else type(exc.__cause__).__name__) + ")"))
        return OXError("OX-MAIL-001", **self._facts(detail=_reason(exc)))

    def _speaks_implicit_tls(self) -> bool:
        """After a missing greeting: does the port complete a TLS handshake? Then the config
        talks plain SMTP to an implicit-TLS port (465). Certificates are not checked here."""
        cfg = self.config
        try:
            with socket.create_connection((cfg.host, cfg.effective_port),
                                          timeout=min(cfg.timeout, 10)) as raw:
                with self._tls_context(verify=False).wrap_socket(
                        raw, server_hostname=cfg.host):
                    return True
        except (OSError, ssl.SSLError):
            return False

    async def _ehlo(self, report: MailTestReport | None, again: bool = False) -> None:
        assert self._client is not None
        self.stage = "EHLO"
        try:
            response = await self._client.ehlo()
        except aiosmtplib.SMTPHeloError as exc:
            raise OXError("OX-MAIL-012", **self._facts(detail=f"{exc.code} {exc.message}")) \
                from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise OXError("OX-MAIL-001", **self._facts(
                detail=f"connection lost at EHLO ({_reason(exc)})")) from None
        if report and not again:
            name = response.message.splitlines()[0] if response.message else ""
            extensions = " ".join(sorted(k.upper() for k in self._client.esmtp_extensions))
            report.add("EHLO", True, f"{name}; extensions: {extensions or '(none)'}")

    async def _starttls(self, report: MailTestReport | None) -> None:
        cfg = self.config
        client = self._client
        assert client is not None
        self.stage = "STARTTLS"
        if not client.supports_extension("starttls"):
            if cfg.starttls == "required":
                raise OXError("OX-MAIL-014", **self._facts(
                    detail="the server does not offer STARTTLS"))
            if report:
                report.add("STARTTLS", True, 'not offered: sending UNENCRYPTED (starttls = '
                                             '"opportunistic")')
            return
        try:
            await client.starttls(tls_context=self._tls_context())
        except aiosmtplib.SMTPResponseException as exc:
            raise OXError("OX-MAIL-005", **self._facts(
                detail=f"STARTTLS refused: {exc.code} {exc.message}")) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            if _ssl_cause(exc) is None:
                raise OXError("OX-MAIL-001", **self._facts(
                    detail=f"connection lost at STARTTLS ({_reason(exc)})")) from None
            raise self._tls_error(exc) from None
        except (ssl.SSLError, ssl.CertificateError, aiosmtplib.SMTPException, OSError) as exc:
            raise self._tls_error(exc) from None
        self._encrypted = True
        if report:
            report.add("STARTTLS", True, certificate_summary(
                client.get_transport_info("ssl_object")))
        await self._ehlo(report, again=True)

    def _tls_error(self, exc: BaseException) -> OXError:
        cause = _ssl_cause(exc) or exc
        if isinstance(cause, (ssl.SSLCertVerificationError, ssl.CertificateError)):
            return OXError("OX-MAIL-013", **self._facts(detail=_reason(cause)))
        return OXError("OX-MAIL-005", **self._facts(detail=_reason(cause)))

    async def _auth(self, report: MailTestReport | None) -> None:
        cfg = self.config
        client = self._client
        assert client is not None
        offered = " ".join(m.upper() for m in client.server_auth_methods) or "(none)"
        if not cfg.user:
            if report:
                report.add("AUTH", True, f"no login configured (server offers {offered})")
            return
        self.stage = "AUTH"
        if not self._encrypted and cfg.security != "none":
            # opportunistic STARTTLS fell back to plain text: the password stays here
            raise OXError("OX-MAIL-014", **self._facts(
                detail="no STARTTLS, and the password is never sent unencrypted"))
        if not client.supports_extension("auth"):
            raise OXError("OX-MAIL-015", **self._facts(
                detail="the server offers no AUTH" + ("" if self._encrypted else
                                                      " on an unencrypted link")))
        password = cfg.password.get_secret_value() if cfg.password else ""
        try:
            await client.login(cfg.user, password)
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise OXError("OX-MAIL-002", host=cfg.host, user=cfg.user,
                          detail=f"{exc.code} {exc.message}") from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise OXError("OX-MAIL-001", **self._facts(
                detail=f"connection lost at AUTH ({_reason(exc)})")) from None
        except aiosmtplib.SMTPException as exc:
            raise OXError("OX-MAIL-015", **self._facts(
                detail=f"offered {offered}, none usable ({_reason(exc)})")) from None
        if report:
            report.add("AUTH", True, f"offered {offered}; logged in as {cfg.user}")

    # -- close, send --------------------------------------------------------------------------
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

    def send(self, message: EmailMessage, supplier: str = "") -> Delivery:
        """Deliver `message` over the batch's connection (opened on first use).

        Transient failures of a server that answered (4xx, 421, a connection dropped in the
        session, a timeout) are retried `retries` times, waiting retry_delay, 2×, 4× … seconds
        (a new connection where the old one is gone); the last failure is raised. A server
        that cannot be reached at all (DNS, connect) is not retried here: the error is raised
        at once, and again at once for the rest of the batch. A message refused for some
        recipients only went to the others: reported in `Delivery.refused`, never sent twice."""
        if self._down is not None:  # the server could not be reached for this batch
            raise OXError(self._down.code, **self._down.facts)
        delivery, attempts = self._retrying(lambda: self._send_once(message, supplier))
        delivery.attempts = attempts
        return delivery

    def _send_once(self, message: EmailMessage, supplier: str) -> Delivery:
        if self._client is None or not self._client.is_connected:
            self._open()
        assert self._client is not None
        to = ", ".join(envelope_recipients(message)) or str(message["To"])
        self.stage = "send"
        # supplier and supplier-order id are filled in by the caller that knows them
        facts: dict[str, Any] = {"to": to, **({"supplier": supplier} if supplier else {})}
        try:
            refused, response = self._run(self._client.send_message(
                message, sender=envelope_sender(message)))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            replies = [(r.recipient, r.code, r.message) for r in exc.recipients]
            detail = "; ".join(f"{who}: {code} {msg}" for who, code, msg in replies)
            if replies and all(400 <= code < 500 for _w, code, _m in replies):
                raise OXError("OX-MAIL-004", detail=detail, **facts) from None
            if any(_RELAY.search(f"{code} {msg}") for _w, code, msg in replies):
                raise OXError("OX-MAIL-016", detail=detail, **self._facts(**facts)) from None
            raise OXError("OX-MAIL-003", detail=detail, **facts) from None
        except aiosmtplib.SMTPSenderRefused as exc:
            detail = f"{exc.code} {exc.message}"
            if _too_large(exc.code, exc.message):  # SIZE: refused at MAIL FROM
                raise OXError("OX-MAIL-021", detail=detail, **facts) from None
            if 400 <= exc.code < 500:
                raise OXError("OX-MAIL-004", detail=detail, **facts) from None
            raise OXError("OX-MAIL-017", detail=detail, sender=exc.sender, **facts) from None
        except aiosmtplib.SMTPResponseException as exc:
            if _too_large(exc.code, exc.message):  # refused after DATA
                raise OXError("OX-MAIL-021", detail=f"{exc.code} {exc.message}",
                              **facts) from None
            raise OXError("OX-MAIL-004" if 400 <= exc.code < 500 else "OX-MAIL-003",
                          detail=f"{exc.code} {exc.message}", **facts) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
                aiosmtplib.SMTPConnectError, OSError, asyncio.TimeoutError) as exc:
            self.close()
            raise OXError("OX-MAIL-001", **self._facts(
                detail=f"connection lost while sending ({_reason(exc)})")) from None
        except (ValueError, aiosmtplib.SMTPException) as exc:  # an address it cannot send to
            raise OXError("OX-MAIL-003", detail=_reason(exc), **facts) from None
        recipients = envelope_recipients(message)
        return Delivery(str(message["Message-ID"]),
                        [r for r in recipients if r not in refused],
                        {addr: f"{r.code} {r.message}" for addr, r in refused.items()},
                        response)

    def self_test(self, report: SelfTestReport) -> None:
        self.open(report if isinstance(report, MailTestReport) else None)


def _too_large(code: int, message: str) -> bool:
    """552 (or 5.3.4 / "size") is the server's message size limit, not a bad sender: a different
    cure (smaller emails), so a different code."""
    return code == 552 or "5.3.4" in message or "size" in message.lower()


async def _connection_lost(protocol: Any, limit: float = 5.0) -> None:
    """Wait (bounded) until aiosmtplib's protocol saw the connection close."""
    waited = 0.0
    while protocol is not None and protocol.transport is not None and waited < limit:
        await asyncio.sleep(0.01)
        waited += 0.01


def ca_file_error(path: Path | None, detail: str = "does not exist") -> OXError:
    """[mail] ca_file that cannot be read, named with its path (config check and TLS)."""
    return OXError("OX-CFG-004", key="mail.ca_file", detail=f"file {path}: {detail}",
                   hint="name the PEM file of the CA that issued the mail server's certificate, "
                        "or remove ca_file to trust the system's CAs.")


def refuse_example_values(config: Config) -> None:
    """Raise OX-CFG-011 before any real mail goes out while config.example.toml's ACME values
    are still in the config (they would reach the supplier)."""
    from .config import example_leftovers

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
