"""SMTP: the transport (aiosmtplib on a private event loop) and the staged self-test behind
`orderexchange test mail`, each failure a coded error that says whether it is transient."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib

from ..config import MailConfig
from ..connector import SelfTestReport, SelfTestStage
from ..errors import OXError
from .render import envelope_recipients, envelope_sender
from .transports import Delivery, MailTransport
from .wire import wire_of


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

    def reusable(self) -> bool:
        """Connected, and the server was reachable: another batch may send over it."""
        return self._down is None and self._client is not None and self._client.is_connected

    def alive(self) -> bool:
        """NOOP on the kept connection: a server that closed it meanwhile (idle timeout, 421)
        fails here, before a message is sent into it."""
        if not self.reusable():
            return False
        assert self._client is not None
        try:
            self._run(self._client.noop(timeout=min(self.config.timeout, 10)))
        except Exception:  # gone, refused or slow: the pool connects anew
            return False
        return True

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
            refused, response = self._run(self._transmit(message))
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

    def _transmit(self, message: EmailMessage) -> Any:
        """The stored wire bytes as they are where they are what aiosmtplib would send (8BITMIME,
        ASCII addresses: mail/wire.py), else the message for aiosmtplib to serialise."""
        assert self._client is not None
        sender = envelope_sender(message)
        wire = wire_of(message)
        if wire is not None and self._client.supports_extension("8bitmime"):
            recipients = envelope_recipients(message)
            if recipients and (sender + "".join(recipients)).isascii():
                if _data_ready(wire) and hasattr(self._client.protocol, "read_response"):
                    return _sendmail_wire(self._client, sender, recipients, wire)
                return self._client.sendmail(sender, recipients, wire,
                                             mail_options=["BODY=8BITMIME"])
        return self._client.send_message(message, sender=sender)

    def self_test(self, report: SelfTestReport) -> None:
        self.open(report if isinstance(report, MailTestReport) else None)


#: a CR not followed by LF
_CR_ALONE = re.compile(rb"\r[^\n]")

#: a line end followed by a dot: the dot is doubled for DATA
_LEADING_DOT = re.compile(rb"\n\.")


def _data_ready(wire: bytes) -> bool:
    """Whether `wire` needs no line-end repair for DATA: every line ends in CRLF (what
    mail/wire.py writes), so aiosmtplib's normalisation would give it back unchanged.

    Every CR is followed by an LF (none alone, the last bytes CRLF), so each CR pairs with an
    LF; as many CRs as LFs then leaves no LF unpaired. Two counts and a search for a lone CR
    (a literal the regular expression engine finds by memchr): ~1.4 ms for a 400-order
    notification's 1.3 MB, where counting CRLF pairs alone took 1.1 ms of the 2 ms before."""
    return (wire.endswith(b"\r\n") and wire.count(b"\r") == wire.count(b"\n")
            and _CR_ALONE.search(wire) is None)


def _dot_stuffed(wire: bytes) -> bytes:
    """`wire` with a dot doubled at the start of each line (RFC 5321 §4.5.2), as
    `wire.replace(b"\n.", b"\n..")` (which cannot overlap) with the first line too: the
    regular expression finds its line ends by memchr, 0.5 ms for 1.3 MB against 2.3 ms."""
    data = _LEADING_DOT.sub(b"\n..", wire)
    return b"." + data if data.startswith(b".") else data


async def _sendmail_wire(client: aiosmtplib.SMTP, sender: str, recipients: list[str],
                         wire: bytes) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
    """`client.sendmail(sender, recipients, wire, mail_options=["BODY=8BITMIME"])` for wire
    bytes whose lines all end in CRLF (`_data_ready`): the same commands, options and DATA
    bytes, the same errors, without aiosmtplib's three regular-expression passes over the whole
    message (line ends for SIZE, line ends and leading dots for DATA: ~5 ms of CPU for a
    100-order notification, more than rendering its text part). Line ends need no repair
    here, and a line's leading dot is doubled by `_dot_stuffed`."""
    from aiosmtplib.email import parse_address

    parse_address(sender)  # checked before anything is sent, as sendmail does
    for recipient in recipients:
        parse_address(recipient)
    options = ["BODY=8BITMIME"]
    if client.supports_extension("size"):
        options.insert(0, f"size={len(wire)}")  # the octets DATA carries, CRLF included
    data = _dot_stuffed(wire)
    try:
        await client.mail(sender, options=options)
        refused: list[aiosmtplib.SMTPRecipientRefused] = []
        for recipient in recipients:
            try:
                await client.rcpt(recipient)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused.append(exc)
        if len(refused) == len(recipients):
            raise aiosmtplib.SMTPRecipientsRefused(refused)
        start = await client.execute_command(b"DATA")
        if start.code != 354:  # start mail input
            raise aiosmtplib.SMTPDataError(start.code, start.message)
        protocol = client.protocol
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        protocol.write(data + b".\r\n")
        response = await protocol.read_response(timeout=client.timeout)
        if response.code != 250:
            raise aiosmtplib.SMTPDataError(response.code, response.message)
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        try:  # the envelope reset for the next message, as sendmail does
            await client.rset()
        except (ConnectionError, aiosmtplib.SMTPResponseException):
            pass
        raise
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
        client.close()  # as aiosmtplib's data() does
        raise
    return ({e.recipient: aiosmtplib.SMTPResponse(e.code, e.message) for e in refused},
            response.message)


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
