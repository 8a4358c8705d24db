"""An email as the supplier's mail server receives it: serialised once, sent as those bytes.

Why: a 100-order notification was serialised three times — stored in the outbox, parsed back,
serialised again by aiosmtplib for the wire — a third of its cost. Now the outbox serialises it
once, exactly as aiosmtplib would (`email.policy.SMTP`: CRLF, folded at 78 columns, 8-bit bodies
kept, Bcc dropped; address headers re-set after the others, as the outbox's parse-back used to
put them), stores those bytes, and the SMTP transport sends them as they are (`wire` on the
message). tests/test_mail_wire.py proves the bytes are the ones sent before.

The bytes go out as they are only where aiosmtplib would have produced the same ones: a server
offering 8BITMIME (else aiosmtplib re-encodes 8-bit parts as 7-bit) and ASCII envelope addresses
(else it would use SMTPUTF8 headers). Anywhere else the transport sends the message object as
before.
"""

from __future__ import annotations

import copy
import email
import email.policy
import io
from email.message import EmailMessage

from .mime import WireGenerator

#: the headers the outbox's parse-back re-set from their addresses (so they come last, in this
#: order): refolding a *parsed* address header drops the quotes of a display name with a comma
ADDRESS_HEADERS = ("From", "Reply-To", "To", "Cc")


def readdress(message: EmailMessage) -> EmailMessage:
    """Re-set the address headers from their parsed addresses, after the other headers."""
    for key in ADDRESS_HEADERS:
        if message[key] is not None:
            addresses = message[key].addresses
            del message[key]
            message[key] = addresses
    return message


def wire_bytes(message: EmailMessage) -> bytes:
    """The bytes aiosmtplib's `send_message` puts into DATA for `message` (8BITMIME, ASCII
    addresses): Bcc and Resent-Bcc left out, policy SMTP."""
    if message["Bcc"] is not None or message["Resent-Bcc"] is not None:
        message = copy.copy(message)
        del message["Bcc"]
        del message["Resent-Bcc"]
    out = io.BytesIO()
    WireGenerator(out, policy=email.policy.SMTP).flatten(message)
    return out.getvalue()


def with_wire(message: EmailMessage, wire: bytes) -> EmailMessage:
    """`message`, marked as serialised to `wire` (what the transports send or write)."""
    message.wire = wire  # type: ignore[attr-defined]
    return message


def wire_of(message: EmailMessage) -> bytes | None:
    """The stored wire bytes of `message`, or None (a message nobody serialised for us)."""
    wire = getattr(message, "wire", None)
    return wire if isinstance(wire, bytes) else None


def is_wire(raw: bytes) -> bool:
    """Whether stored bytes are wire bytes (CRLF line ends). Outbox rows of earlier versions hold
    the message with bare LF line ends (and unfolded headers) and are parsed as before."""
    first = raw.split(b"\n", 1)[0]
    return first.endswith(b"\r")


def parse_wire(raw: bytes, message_id: str) -> EmailMessage:
    """A stored wire message as an object again (a resend): headers and parts for whoever reads
    them, the Message-ID as it was stored (a long one comes back folded from the wire), and the
    wire bytes to send."""
    message: EmailMessage = email.message_from_bytes(
        raw, policy=email.policy.default)  # type: ignore[assignment]
    if message_id and str(message["Message-ID"]) != message_id:
        message.replace_header("Message-ID", message_id)
    return with_wire(message, raw)


def file_bytes(message: EmailMessage) -> bytes:
    """What the file transport writes: the wire bytes with LF line ends (what `as_bytes()` of the
    same message gives), or `as_bytes()` when there are none."""
    wire = wire_of(message)
    return wire.replace(b"\r\n", b"\n") if wire is not None else message.as_bytes()
