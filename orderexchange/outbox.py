"""The outbox: an email's identity is decided and stored before it is sent.

Why: SMTP has no two-phase commit. Between the server's "250 accepted" and our commit of
`notified` a crash can happen, and the next send must then mail again — it cannot know. What it
can do is send the *same* message: the rendered email (Message-ID, Date, MIME boundaries, body and
attachments, byte for byte) is stored under a key before the SMTP transaction, and every later
attempt sends that stored copy instead of rendering anew. A duplicate after such a crash is
therefore recognisable by its Message-ID — the supplier's mail program (or a person) sees a copy,
not a second order. This is Postfix's promise: accepted mail is never lost; it may, rarely, arrive
twice, and then as the identical message.

Keys: `notification:<supplier order>`, `cancellation:<supplier order>:<transfer ids>`,
`digest:<supplier>` (a digest also records which supplier orders it covers).

What is stored are the wire bytes (mail/wire.py): the message serialised once, as the SMTP
transport then sends it unchanged; rows of earlier versions (the message with LF line ends) are
parsed and sent as they were.

A stored message is dropped once it was sent (its Message-ID lives on in the supplier order and
the transfer log) and when the server refused it permanently (5xx): nothing was accepted then, and
the next attempt — after the distributor fixed the address or the settings — renders anew.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import IntegrityError

from .errors import OXError
from .mail.wire import is_wire, parse_wire, readdress, wire_bytes, with_wire
from .store import Store, UtcDateTime, metadata, now

T = TypeVar("T")

outbox = sa.Table(
    "ox_outbox", metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("message_id", sa.String(255), nullable=False),
    # MariaDB's BLOB holds 64 KiB: too small for an email with a PDF
    sa.Column("raw", sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb"),
              nullable=False),
    sa.Column("covers", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
)


@dataclass
class Pending:
    """A stored message: what to send, and (digests) the supplier orders it covers."""

    message: EmailMessage
    covers: list[int]


def _parse(raw: bytes, message_id: str = "") -> EmailMessage:
    """A stored message. Rows of earlier versions hold it with LF line ends and unfolded headers
    (a long Message-ID read back as itself); they are parsed as then, the address headers set
    anew (refolding a parsed one drops the quotes of "Meier, Müller & Co. KG"), and sent as the
    object they were."""
    if is_wire(raw):
        return parse_wire(raw, message_id)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return readdress(message)  # type: ignore[arg-type]


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store
        metadata.create_all(store.engine, tables=[outbox])

    def pending(self, key: str) -> Pending | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(outbox.c.raw, outbox.c.covers, outbox.c.message_id)
                               .where(outbox.c.key == key)).first()
        if row is None:
            return None
        return Pending(_parse(bytes(row.raw), row.message_id),
                       [int(i) for i in row.covers.split(",") if i])

    def message(self, key: str, render: Callable[[], EmailMessage],
                covers: list[int] | None = None) -> EmailMessage:
        """The message stored under `key`, or `render()`'s, stored first. Either way it carries
        the stored wire bytes, which are what the transports send: the first attempt and any
        resend are the same bytes."""
        found = self.pending(key)
        if found is not None:
            return found.message
        message = readdress(render())
        raw = wire_bytes(message)
        try:
            with self.store.engine.begin() as conn:
                conn.execute(outbox.insert().values(
                    key=key, message_id=str(message["Message-ID"]).strip(), raw=raw,
                    covers=",".join(map(str, covers or [])), created_at=now()))
        except IntegrityError:  # stored meanwhile by another attempt: that one is the message
            found = self.pending(key)
            if found is not None:
                return found.message
            raise
        return with_wire(message, raw)

    def send(self, key: str, render: Callable[[], EmailMessage],
             deliver: Callable[[EmailMessage], T], covers: list[int] | None = None
             ) -> tuple[EmailMessage, T]:
        """Send the message stored under `key` (rendered and stored first when there is none)
        with `deliver`. A permanent refusal drops it (nothing was accepted; the next attempt,
        after the fix, renders anew); a transient one keeps it for the resend. The caller drops
        it once the success is recorded."""
        message = self.message(key, render, covers)
        try:
            return message, deliver(message)
        except OXError as err:
            if not err.transient:
                self.drop(key)
            raise

    def drop(self, key: str) -> None:
        """Sent, or refused for good: the next message under this key is a new one."""
        with self.store.engine.begin() as conn:
            self.drop_in(conn, key)

    @staticmethod
    def drop_in(conn: sa.Connection, key: str) -> None:
        """`drop` inside the caller's transaction (the sender's `notified`: store.set_state)."""
        conn.execute(outbox.delete().where(outbox.c.key == key))
