"""Mail connections kept open between the supplier batches of one send.

Why: a send writes each supplier's orders and then mails one notification per supplier order.
Each supplier batch used to open its own SMTP connection (TCP, greeting, EHLO, STARTTLS with a
TLS handshake, AUTH) and close it again; a send over ten shops did that ten times (issue 15: SMTP
was 15 % of a send). The pool hands a batch a connection another batch of the same send has
finished with.

Reuse is careful: an idle connection is asked NOOP before it is used again, and one that does not
answer (the server closed it while the shop was being written) is closed and replaced by one new
connection before anything is sent — never a message sent into a dead connection and retried
with back-off. Only transports that say they can be reused (`MailTransport.reusable`, the SMTP
transport while it is connected) are kept; any other transport is opened and closed per batch as
before, so a plug-in transport that flushes on close keeps working. Thread-safe: batches of
different suppliers run in parallel, each with its own connection. `close()` at the end of the
send closes what is left: nothing stays open between sends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from .transports import Delivery, MailTransport


class MailPool:
    """The mail connections of one send; `lease()` one per supplier batch."""

    def __init__(self, factory: Callable[[], MailTransport], keep: int = 4) -> None:
        self._factory = factory
        self._keep = keep
        self._idle: list[MailTransport] = []
        self._lock = threading.Lock()
        self._closed = False
        #: connections opened and reused (what the tests and the benchmark read)
        self.opened = 0
        self.reused = 0

    def lease(self) -> MailLease:
        return MailLease(self)

    def _reuse(self) -> MailTransport | None:
        """An idle connection that still answers, or None (then the caller opens a new one)."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                transport = self._idle.pop()
            if transport.alive():
                self.reused += 1
                return transport
            transport.close()  # gone while idle: the caller connects anew

    def _open(self) -> MailTransport:
        transport = self._factory()
        self.opened += 1
        return transport

    def _give_back(self, transport: MailTransport) -> None:
        if transport.reusable():
            with self._lock:
                if not self._closed and len(self._idle) < self._keep:
                    self._idle.append(transport)
                    return
        transport.close()

    def close(self) -> None:
        """Close every idle connection (the end of the send); later give-backs close theirs."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for transport in idle:
            transport.close()

    def __enter__(self) -> MailPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class MailLease:
    """One supplier batch's mail connection: taken from the pool (or opened) when the first
    message is due, given back by `close()`. A connection that failed to open stays the batch's,
    so the batch's further messages fail at once as before (no new attempt per message)."""

    def __init__(self, pool: MailPool) -> None:
        self._pool = pool
        self._transport: MailTransport | None = None

    def send(self, message: EmailMessage) -> Delivery | None:
        if self._transport is None:
            self._transport = self._pool._reuse()
            if self._transport is None:
                self._transport = self._pool._open()
                self._transport.open()
        return self._transport.send(message)

    def close(self) -> None:
        if self._transport is not None:
            transport, self._transport = self._transport, None
            self._pool._give_back(transport)
