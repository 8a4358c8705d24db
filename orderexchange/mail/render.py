"""Rendering the notification, cancellation and digest emails: jinja2 templates per language
(the supplier's folder, the global one, the shipped set), the message with its attachments,
and the address checks a message must pass."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any

import jinja2

from .. import documents
from ..config import Config, SupplierConfig
from ..documents.language import money_formatter
from ..errors import OXError
from ..model import SupplierOrder, Transfer, plain_quantity
from . import partials
from .mime import add_alternative_text, set_text


TEMPLATES = Path(__file__).parent.parent / "templates"  # orderexchange/templates


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
    """The text and HTML environments of one template lookup path, made once per process.

    `auto_reload` is off: on, jinja stats the file on every `get_template`, and the compiled
    code of `{% include %}` calls that once per included *order* (two hundred stats for a
    100-order notification). Edited templates are still picked up by the next email:
    `_fresh` asks every template the environment compiled once per rendered email."""
    loader = partials.Loader([str(d) for d in dirs])  # the shipped order partials in Python
    common: dict[str, Any] = {"loader": loader, "undefined": jinja2.StrictUndefined,
                              "trim_blocks": True, "lstrip_blocks": True,
                              "keep_trailing_newline": True, "auto_reload": False}
    text_env = jinja2.Environment(autoescape=False, **common)
    html_env = jinja2.Environment(autoescape=True, **common)
    text_env.template_class = html_env.template_class = partials.FastTemplate

    def qty(v: Any) -> str:  # a whole number (most quantities) reads the same in every language
        return str(v) if type(v) is int else documents.format_number(plain_quantity(v), lang)

    for env in (text_env, html_env):
        env.filters.update(
            money=money_formatter(lang),
            qty=qty,
            date=lambda v: documents.format_date(v, lang),
            country=lambda code: documents.country_name(code, lang))
    return text_env, html_env


def _fresh(env: jinja2.Environment) -> jinja2.Environment:
    """`env` with no compiled template older than its file: one stat per cached template and
    email (what `auto_reload` did per `get_template` call), so a template edited while the
    daemon runs is used from the next email on, its includes and layout too."""
    cache = env.cache
    if cache is not None and not all(t.is_up_to_date for t in list(cache.values())):
        cache.clear()
    return env


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
    envs = _environments(tuple(template_dirs(config, supplier)), lang)
    text_env, html_env = _fresh(envs[0]), _fresh(envs[1])
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
    set_text(msg, text)  # set_content / add_alternative, the bodies encoded cheaply (mime.py)
    if html is not None:
        add_alternative_text(msg, html)
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
        return str(exc).rstrip(".")  # a clause of our own message, which ends it
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
