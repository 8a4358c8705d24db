"""The cheap text-part encoding (orderexchange/mail/mime.py) gives the email package's bytes:
quoted-printable of awkward lines (long, ending in blanks, escapes at the cut, control and
Latin-1 characters), the transfer encoding `set_content` chooses, whole messages serialised."""

from __future__ import annotations

import email.policy
import io
import random
import re
from email import quoprimime
from email.generator import BytesGenerator
from email.message import EmailMessage

import pytest

from orderexchange.mail import mime

AWKWARD = [
    "", "\n", "a", "a\n", "plain line\n", "x" * 76 + "\n", "x" * 77 + "\n", "x" * 78 + "\n",
    "x" * 79 + "\n", "x" * 200 + "\n", "x" * 77 + " \n", "x" * 76 + " \n", "x" * 75 + "\t\n",
    "x" * 78 + " \n", "x" * 79 + " \n", "trailing blank \n", "only blanks   \n", " \n",
    "=" * 100 + "\n", "ä" * 60 + "\n", "x" * 76 + "ä" + "\n", "x" * 75 + "ä\n", "x" * 74 + "=ä\n",
    "Łódź, Kraków — “quotes” ½ €\n", "\x0bvertical\x0ctab\x1c\x85\n", "no newline at end",
    "a\n\n\nb\n", "tab\tin\tline\t\n", "x" * 150 + " \n" + "y" * 80 + "\t\n",
]


def latin(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("width", [76, 78])
def test_qp_body_is_the_email_packages(text, width):
    assert mime.qp_body(latin(text), width) == quoprimime.body_encode(latin(text), width)


def test_qp_body_on_random_text():
    rnd = random.Random(5)
    alphabet = "abc xyz=\t.äöüßŁł€–\x07" + "  "
    for _ in range(300):
        lines = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 170)))
                 for _ in range(rnd.randint(1, 6))]
        body = latin("\n".join(lines) + rnd.choice(["", "\n"]))
        for width in (76, 78):
            assert mime.qp_body(body, width) == quoprimime.body_encode(body, width)


def test_qp_body_with_repeated_lines_is_the_email_packages_each_time():
    """Lines recur from order to order (an HTML table's rows): the encoder caches a line's
    result per width; each body, the cache cold or warm, is still the package's encoding."""
    row = "<tr><td style=\"border:1px solid #ccc\">Grüße</td>" * 4 + " "
    bodies = [latin("\n".join([row, f"Bestellung {i} · Łódź", row, "\tTab", row * 2]) + "\n")
              for i in range(3)]
    mime._qp_line.cache_clear()
    for body in bodies + bodies:
        for width in (76, 78):
            assert mime.qp_body(body, width) == quoprimime.body_encode(body, width)
    assert mime._qp_line.cache_info().hits > 0


def _as_bytes(message: EmailMessage, generator=BytesGenerator) -> bytes:
    out = io.BytesIO()
    generator(out, policy=email.policy.SMTP).flatten(message)
    return out.getvalue()


@pytest.mark.parametrize("text", AWKWARD + [
    "short ascii\nlines\n", "kurz: Grüße\n", "long " * 40 + "\n",
    "\n".join("Zeile %d: Grüße aus Łódź " % i * 3 for i in range(30)) + "\n",
    "\n".join("€€€€€ ÄÖÜ äöü ßßß łłł" * 5 for _ in range(12)) + "\n",  # base64 wins
    "\n".join("€" * 30 for _ in range(5)) + "\n",
])
@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_set_text_is_set_content(text, subtype):
    ours, theirs = EmailMessage(), EmailMessage()
    for m in (ours, theirs):
        m["Subject"] = "s"
    mime.set_text(ours, text, subtype)
    theirs.set_content(text, subtype=subtype)
    assert list(ours.items()) == list(theirs.items())
    assert ours.get_payload() == theirs.get_payload()
    assert _as_bytes(ours, mime.WireGenerator) == _as_bytes(theirs)


def test_add_alternative_text_is_add_alternative():
    text, html = "Grüße " * 30 + "\n", "<p>" + "Grüße " * 30 + "</p>\n"
    ours, theirs = EmailMessage(), EmailMessage()
    mime.set_text(ours, text)
    mime.add_alternative_text(ours, html)
    theirs.set_content(text)
    theirs.add_alternative(html, subtype="html")
    for m in (ours, theirs):
        m.set_boundary("b0undary")
    assert _as_bytes(ours, mime.WireGenerator) == _as_bytes(theirs)


@pytest.mark.parametrize("body", [
    "a\nb\n", "a\r\nb\r\n", "a\rb", "\r\r\n\n\r", "\n\r\n\r", "x" * 100 + "\r\n" * 3, "",
    "Gr\udcc3\udcbc\r\n\rZeile\n",  # 8-bit body text as the generator holds it
])
@pytest.mark.parametrize("policy", [email.policy.SMTP, email.policy.default])
def test_wire_generator_line_ends_are_the_regular_expressions(body, policy):
    """WireGenerator rewrites line ends with str.replace; the bytes are those of the regular
    expression it replaced (every CRLF, CR and LF one line end of the policy)."""
    out = io.BytesIO()
    gen = mime.WireGenerator(out, policy=policy)
    gen._NL = policy.linesep  # as flatten() sets it
    gen._write_lines(body)
    expected = re.sub(r"\r\n|\r|\n", policy.linesep, body)
    assert out.getvalue() == expected.encode("ascii", "surrogateescape")


@pytest.mark.parametrize("make_text", [
    lambda b: b"no boundary here\r\n" * 50,
    lambda b: b"--" + b.encode() + b"\r\n",  # a line of the boundary: the next candidate
    lambda b: b"x\r\n--" + b.encode() + b"--\r\n--" + b.encode() + b".0\r\n",  # and again
    lambda b: b"text --" + b.encode() + b" in a line\r\n",  # not at a line start: kept
], ids=["absent", "a-line", "twice", "inside-a-line"])
def test_wire_generator_boundary_is_the_email_packages(make_text):
    """Same random draw, same check against the parts' text: the same boundary, only found
    faster when the text does not hold it at all."""
    state = random.getstate()
    probe = BytesGenerator._make_boundary()  # the boundary the next draw gives
    random.setstate(state)
    text = make_text(probe)
    theirs = BytesGenerator._make_boundary(text)
    random.setstate(state)
    assert mime.WireGenerator._make_boundary(text) == theirs
    random.setstate(state)
    assert mime.WireGenerator._make_boundary() == probe


def _assert_set_text_is_set_content(text: str, subtype: str = "plain") -> str:
    """set_text's part against set_content's: headers, payload and wire bytes; the encoding."""
    ours, theirs = EmailMessage(), EmailMessage()
    mime.set_text(ours, text, subtype)
    theirs.set_content(text, subtype=subtype)
    assert list(ours.items()) == list(theirs.items())
    assert ours.get_payload() == theirs.get_payload()
    assert _as_bytes(ours, mime.WireGenerator) == _as_bytes(theirs)
    return str(ours["Content-Transfer-Encoding"])


def test_encode_text_of_lines_around_the_width_with_quoted_equals_signs():
    """The bytes way decides 7bit/8bit from the text's own line lengths, read back from its
    encoded lines ("=" is "=3D" there): a 77-character line with an "=" is still short, a
    79-character one is long, with or without "=" and umlauts, the long one anywhere."""
    rnd = random.Random(11)
    alphabet = "abcdef xyz=.<>\"" * 6 + "äö€ "
    for _ in range(400):
        lines = ["".join(rnd.choice(alphabet) for _ in range(rnd.choice(
            [0, 1, 30, 74, 75, 76, 77, 78, 79, 80, 120, 250]))) for _ in range(rnd.randint(1, 14))]
        text = "\n".join(lines) + rnd.choice(["", "\n", "\n\n"])
        _assert_set_text_is_set_content(text)


def test_encode_text_of_realistic_notifications_is_set_contents():
    """Whole notification parts of realistic orders (tests/orderdata.py: nine locales, Polish
    and German names, long HTML rows): the bytes way gives set_content's encoding and body."""
    from datetime import UTC, datetime

    from test_mail_wire import alpha, realistic_supplier_order

    from orderexchange import config as config_mod
    from orderexchange.mail import render

    for language in ("en", "de"):
        config = config_mod.from_dict(
            {"distributor": {"id": "acme", "name": "ACME Distribution",
                             "email": "orders@acme.example"},
             "suppliers": {"alpha": alpha(language=language)}})
        supplier = config.supplier("alpha")
        so = realistic_supplier_order(60, seed=5)
        sht = render.documents.sheet(config, supplier, so, now=datetime(2026, 1, 2, tzinfo=UTC))
        _subject, text, html = render.render_parts(config, supplier, "notification",
                                                   render._context(sht, []))
        mime._qp_line_bytes.cache_clear()
        for body, subtype in ((text, "plain"), (html, "html"), (text, "plain"), (html, "html")):
            assert _assert_set_text_is_set_content(body, subtype) == "quoted-printable"
        assert mime._qp_line_bytes.cache_info().hits > 0  # the second round from the cache


def test_qp_line_bytes_is_the_general_way_on_random_lines():
    """The bytes way quotes a line's characters with binascii.b2a_qp and takes its soft
    breaks out again: on random lines of umlauts, "=", dots and blanks, of every length
    around both 76 and 78 columns (a dot at the very end right after b2a_qp's soft break
    too), it gives what the general way gives."""
    rnd = random.Random(17)
    alphabet = "ab.=  äö€x"
    lines = ["ä" * 30 + "." * n for n in range(1, 60)] + ["x" * n + "ä." for n in range(60, 90)]
    lines += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 260)))
              for _ in range(4000)]
    for text in lines:
        raw = text.encode("utf-8").replace(b"=", b"=3D")
        for width in (76, 78):
            general = mime._qp_line_uncached(raw.decode("latin-1"), width).encode("ascii")
            assert mime._qp_line_bytes.__wrapped__(raw, width) == general, (text, width)
