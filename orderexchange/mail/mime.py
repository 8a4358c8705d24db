"""Text parts and their serialisation, cheap for large emails and byte for byte what the email
package makes of them.

Why: a 100-order notification has two text parts of several thousand lines. The email package
encodes their quoted-printable bodies character by character (a 256-entry translation of every
character, then a Python loop over every line) and writes every line of a part with two calls.
Here the same bytes come from regular expressions over the whole body: only characters that need
quoting are quoted, only lines that are too long or end in a blank are wrapped, line ends are
rewritten in one pass. tests/test_mail_wire.py compares realistic emails with golden wire bytes;
tests/test_mail_mime.py compares the encoder with the email package's on awkward text.

The choice of transfer encoding is the email package's (`set_content`): 7bit for short ASCII
lines, 8bit for short lines otherwise, else quoted-printable or base64, whichever is shorter for
the first ten lines.
"""

from __future__ import annotations

import binascii
import functools
import re
from email import quoprimime
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import Policy

#: characters a quoted-printable body keeps as they are (RFC 2045 §6.7: printable ASCII but
#: "=", tab) plus the line end, which the wrapping below handles
_UNSAFE = re.compile(r"[^\t\n !-~]+")  # "=" is quoted first, on its own (HTML has many)


def _quote_run(match: re.Match[str]) -> str:
    return _quoted(match.group())


@functools.lru_cache(maxsize=4096)
def _quoted(run: str) -> str:
    """"=XX" for each character of `run` (the same few umlauts recur in every order)."""
    return "".join(f"={ord(ch):02X}" for ch in run)


def _wrap(line: bytes, width: int) -> bytes:
    """One quoted line (ASCII bytes) that is longer than `width` or ends in a blank: cut into
    pieces of at most `width` - 1 characters plus a soft break ("="), never inside an "=XX"
    escape; a blank at the very end is quoted (or moved behind a soft break) so it survives
    transport. On bytes: the encoder's lines are bytes (`_qp_lines`), and most lines it wraps
    are new ones (an order's totals rows), so this runs ~2,000 times per 400-order email."""
    pieces = []
    start = 0
    last = len(line) - 1 - width  # a piece is cut while more than `width` characters remain
    while start <= last:
        stop = start + width - 1
        if line[stop - 2] == 61:  # "=": an escape would be split, cut before it
            pieces.append(line[start:stop - 1])
            start = stop - 2
        elif line[stop - 1] == 61:
            pieces.append(line[start:stop])
            start = stop - 1
        else:
            pieces.append(line[start:stop] + b"=")
            start = stop
    end = line[-1:]
    if end == b" " or end == b"\t":
        room = start - last
        quoted = b"=20" if end == b" " else b"=09"
        if room >= 3:
            tail = quoted
        elif room == 2:
            tail = end + b"=\n"
        else:
            tail = b"=\n" + quoted
        pieces.append(line[start:-1] + tail)
    else:
        pieces.append(line[start:])
    return b"\n".join(pieces)


def qp_body(body: str, width: int = 76) -> str:
    """Quoted-printable of `body` (a str of bytes 0-255, lines ending in LF), lines of at most
    `width` characters with LF ends: what `email.quoprimime.body_encode(body, width)` returns."""
    if not body:
        return body
    if "\r" in body:  # CR line ends: never in what encode_text passes; the email package's way
        return quoprimime.body_encode(body, width)
    out = []
    for line in body.replace("=", "=3D").split("\n"):
        if len(line) > width or not (line.isascii() and line.isprintable()) \
                or line[-1:] == " ":  # (a tab is not printable)
            line = _qp_line(line, width)
        out.append(line)
    return "\n".join(out)


@functools.lru_cache(maxsize=8192)
def _qp_line(line: str, width: int) -> str:
    """One line of `qp_body` that needs work: characters quoted (umlauts, tabs, control
    characters), then wrapped when too long or ending in a blank. Cached: most long lines of a
    notification are the same for every order (an HTML table's rows and headers), so a
    100-order email wraps a few hundred distinct lines instead of over a thousand."""
    return _qp_line_uncached(line, width)


@functools.lru_cache(maxsize=16384)
def _qp_line_bytes(line: bytes, width: int) -> bytes:
    """`_qp_line` of a line as bytes (`_qp_lines`: "=" already quoted; printable ASCII and
    bytes 128-255 only), cached on its own.

    Most lines that get here are new (a customer's name, an order's reference line with a
    "·", its totals row): the cache cannot help them. Their characters are quoted by
    `binascii.b2a_qp` (C) instead of a regular expression calling back per run (1-2 us a
    line): on such a line it quotes what the package quotes ("=", bytes above 126, a blank at
    the very end) the same way; its own soft breaks at 76 columns are taken out again (none
    of its escapes is cut), the end blank put back for `_wrap`. The one thing it quotes
    besides, a line that is a single dot ("=2E"), needs no work and never comes here; should
    it, it goes the general way."""
    if not line.isascii():
        quoted = binascii.b2a_qp(line.replace(b"=3D", b"="), False, True, False)
        if b"\n" in quoted:
            quoted = quoted.replace(b"=\n", b"")
        if b"=2E" in quoted:
            return _qp_line_uncached(line.decode("latin-1"), width).encode("ascii")
        if line[-1:] == b" ":  # (tabs do not come here)
            quoted = quoted[:-3] + b" "
        line = quoted
    if len(line) > width or line[-1:] == b" ":
        return _wrap(line, width)
    return line


def _qp_line_uncached(line: str, width: int) -> str:
    if not (line.isascii() and line.isprintable()):
        line = _UNSAFE.sub(_quote_run, line)
    if len(line) > width or line[-1:] in (" ", "\t"):
        line = _wrap(line.encode("ascii"), width).decode("ascii")
    return line


#: bytes a UTF-8 text part may hold for `encode_text`'s own way: printable ASCII, LF, and the
#: bytes of non-ASCII characters (quoted by a cached look-up per line). Anything else left
#: (a tab, CR, a control character) takes the general way, line by line as the package does.
_COMMON = bytes(range(32, 127)) + b"\n" + bytes(range(128, 256))


def encode_text(text: str, policy: Policy) -> tuple[str, str]:
    """(transfer encoding, payload) of a UTF-8 text part as `set_content` chooses and makes them.

    Why bytes: a 400-order notification's HTML part is ~900 KB in ~12,000 lines. As a str the
    "=" replacement and line split alone took ~2.5 ms (a str of Latin-1 characters); as bytes
    ~0.9 ms, and the lines that need no work (short, ASCII, no blank at the end: two thirds)
    are told apart by one list comprehension and left as they are (`_qp_lines`)."""
    raw = text.encode("utf-8")
    width = policy.max_line_length or 78
    if not raw or b"\r" in raw or raw.translate(None, _COMMON):
        return _encode_lines(raw.splitlines(), width, policy)
    normal = raw if raw[-1:] == b"\n" else raw + b"\n"
    lines = normal.replace(b"=", b"=3D").split(b"\n")  # ends in b"": the last line end
    # a line of the text is as long as its encoded line less two characters per "=" (=3D)
    if not any(len(line) - 2 * line.count(b"=") > width for line in lines if len(line) > width):
        if normal.isascii():
            return "7bit", normal.decode("ascii")
        if policy.cte_type == "8bit":
            return "8bit", normal.decode("ascii", "surrogateescape")
    head = raw.split(b"\n", 10)  # the first ten lines, as splitlines() gives them
    first = head[:10] if len(head) > 10 else head[:-1] if head[-1] == b"" else head
    linesep = policy.linesep.encode("ascii")
    sniff = linesep.join(first) + linesep
    sniff_qp = qp_body(sniff.decode("latin-1"), width)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return _base64(raw.splitlines(), width, linesep)
    if len(lines) - 1 <= 10:
        return "quoted-printable", sniff_qp
    return "quoted-printable", _qp_lines(lines, width).decode("ascii")


def _qp_lines(lines: list[bytes], width: int) -> bytes:
    """Quoted-printable of a text's lines (bytes, "=" already quoted, no CR, tab or control
    character, the last one b"" for the final line end): `qp_body` of their text, LF ends."""
    return b"\n".join([_qp_line_bytes(line, width)
                        if len(line) > width or not line.isascii() or line[-1:] == b" "
                        else line for line in lines])


def _base64(lines: list[bytes], width: int, linesep: bytes) -> tuple[str, str]:
    whole = linesep.join(lines) + linesep
    step = width // 4 * 3  # whole base64 quanta per line, at most `width` characters
    return "base64", "".join(binascii.b2a_base64(whole[i:i + step]).decode("ascii")
                             for i in range(0, len(whole), step))


def _encode_lines(lines: list[bytes], width: int, policy: Policy) -> tuple[str, str]:
    """`encode_text` the general way, from the text's lines (`splitlines`): any text, CR line
    ends, tabs and control characters included."""
    normal = b"\n".join(lines) + b"\n"
    if max(map(len, lines), default=0) <= width:
        if normal.isascii():
            return "7bit", normal.decode("ascii")
        if policy.cte_type == "8bit":
            return "8bit", normal.decode("ascii", "surrogateescape")
    linesep = policy.linesep.encode("ascii")
    sniff = linesep.join(lines[:10]) + linesep
    sniff_qp = qp_body(sniff.decode("latin-1"), width)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return _base64(lines, width, linesep)
    if len(lines) <= 10:
        return "quoted-printable", sniff_qp
    return "quoted-printable", qp_body(normal.decode("latin-1"), width)


def set_text(part: EmailMessage, text: str, subtype: str = "plain") -> EmailMessage:
    """`part.set_content(text, subtype=subtype)` with the body encoded here: the same headers
    in the same order (the part is set up by `set_content` itself, as an empty 8bit text — its
    headers do not depend on the text — and then given the encoding and payload `encode_text`
    chose)."""
    cte, payload = encode_text(text, part.policy)
    part.set_content("", subtype=subtype, cte="8bit")
    part.set_payload(payload)
    part.replace_header("Content-Transfer-Encoding", cte)
    return part


def add_alternative_text(message: EmailMessage, html: str, subtype: str = "html") -> None:
    """`message.add_alternative(html, subtype=subtype)`, its body encoded by `set_text`."""
    if message.get_content_type() != "multipart/alternative":
        message.make_alternative()
    message.attach(set_text(type(message)(policy=message.policy), html, subtype))


class WireGenerator(BytesGenerator):
    """`BytesGenerator` that rewrites the line ends of a part's body in one pass, instead of
    writing it line by line; the bytes are the same."""

    @classmethod
    def _make_boundary(cls, text: bytes | None = None) -> str:
        """The email package's boundary (the same random draw), checked against the text of the
        parts the same way, but a regular expression searches the text only when it holds the
        boundary at all: the package searched the whole 300 KB of a 100-order notification
        line by line for a random 30-character string, a tenth of serialising it."""
        boundary = super()._make_boundary(None)
        if text is None:
            return boundary
        candidate, counter = boundary, 0
        while True:
            if ("--" + candidate).encode("ascii") not in text:
                return candidate
            if not cls._compile_re("^--" + re.escape(candidate) + "(--)?$",
                                   re.MULTILINE).search(text):
                return candidate
            candidate = f"{boundary}.{counter}"
            counter += 1

    def _write_lines(self, lines: str) -> None:
        """Every CRLF, CR and LF as the policy's line end, as `re.sub(r"\\r\\n|\\r|\\n", …)`
        would, by `bytes.replace` (a third of the regular expression's time on a 200 KB HTML
        part): a CRLF pair becomes one LF first, so no pair is counted twice. Encoded first
        (as `write` encodes: ASCII, surrogates as their bytes), then replaced: on bytes the
        replacement and the search for a CR take a quarter of their time on the str (0.9 ->
        ~0.3 ms for a 400-order notification's 1.2 MB of quoted-printable)."""
        if lines:
            data = lines.encode("ascii", "surrogateescape")
            if b"\r" in data:
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if self._NL != "\n":
                data = data.replace(b"\n", self._NL.encode("ascii"))
            self._fp.write(data)
