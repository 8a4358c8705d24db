"""A mail server that takes every message and keeps nothing, for benchmarks: `--sink lean`.

    .venv/bin/python bench/lean_sink.py HOST PORT

Why: bench/'s usual sink is aiosmtpd (send_throughput.py's `SinkSMTP`), a Python SMTP server
that reads a message line by line — ~45 ms of CPU for a 400-order notification of 1.2 MB, ~2 s
of a 10,000-order send. In real life the supplier's mail server is another machine; on the
2-core benchmark machine aiosmtpd's CPU is taken from the send being measured (which is bound by
CPU), so the send's figure includes a cost a user never has. This one speaks just enough SMTP
for orderexchange's client (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; the extensions
aiosmtpd announces) and reads DATA in blocks up to the end marker: its CPU is a few
milliseconds per message. No STARTTLS, no AUTH: the benchmarks send with `security = "none"`.
Not for tests: tests/ use aiosmtpd, whose SMTP is complete.
"""

from __future__ import annotations

import asyncio
import sys

_EHLO = (b"250-%s\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
         b"250 HELP\r\n")
_END = b"\r\n.\r\n"


async def _session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    name = b"lean-sink"
    writer.write(b"220 %s ESMTP\r\n" % name)
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(_EHLO % name)
            elif verb == b"DATA":
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                await reader.readuntil(_END)  # the message itself: read, never looked at
                writer.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 Bye\r\n")
                await writer.drain()
                return
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                writer.write(b"250 OK\r\n")
            else:
                writer.write(b"502 Command not implemented\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return
    finally:
        writer.close()


async def _serve(host: str, port: int) -> None:
    # a message of up to 64 MB in the reader's buffer: DATA is read up to its end marker at once
    server = await asyncio.start_server(_session, host, port, limit=64 * 1024 * 1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], int(sys.argv[2])))
