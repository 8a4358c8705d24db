"""The mail transport interface (`MailTransport`, one connection per batch) and the transports
that need no server: file (an outbox folder), console and memory."""

from __future__ import annotations

import abc
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ..config import MailConfig
from ..connector import SelfTestReport
from ..errors import OXError
from .render import envelope_recipients
from .wire import file_bytes


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

    def reusable(self) -> bool:
        """Whether another batch of the same send may use this open transport (mail/pool.py).
        No by default: a transport is opened and closed per batch unless it says otherwise."""
        return False

    def alive(self) -> bool:
        """Whether a kept transport still works (asked before it is used again)."""
        return True

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
            path.write_bytes(file_bytes(message))
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
