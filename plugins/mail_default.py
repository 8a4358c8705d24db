"""The shipped mail transports: smtp, file (.eml outbox, the demo default), console and memory.

A `trylast` plug-in, so any plug-in returning a transport under the same name replaces ours.
"""

from __future__ import annotations

from orderexchange import hookimpl
from orderexchange.mail import (
    ConsoleTransport, FileTransport, MailTransport, MemoryTransport, SmtpTransport,
)

__version__ = "0.1.0"


@hookimpl(trylast=True)
def oe_mail_transports() -> dict[str, type[MailTransport]]:
    return {t.name: t for t in (SmtpTransport, FileTransport, ConsoleTransport, MemoryTransport)}
