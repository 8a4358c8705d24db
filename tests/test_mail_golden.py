"""Golden files: every shipped email template (notification, cancellation, digest) in every
shipped language (en, de), rendered from the same sample data and compared with
tests/golden/<kind>.<language>.txt. Message-ID and Date are normalised before the comparison.

After an intended change of a template, regenerate and review the diff:
    OX_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_mail_golden.py
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orderexchange import documents, mail

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("OX_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
SHIPPED = sorted(p.name for p in mail.TEMPLATES.iterdir() if p.is_dir())


def normalised(message) -> str:
    out = []
    for key in ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID",
                "Auto-Submitted"):
        value = message[key]
        if value is not None:
            out.append(f"{key}: {'<normalised>' if key in ('Date', 'Message-ID') else value}")
    out += [f"Attachment: {p.get_filename()} ({p.get_content_type()})"
            for p in message.iter_attachments()]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return "\n".join(out) + "\n\n=== text/plain ===\n" + text + "\n=== text/html ===\n" + html


def render(make_config, kind: str, language: str):
    config = make_config(suppliers={"alpha": {
        "name": "Alpha Tools GmbH", "email": "orders@alpha.example", "shipping_cost": "4.90",
        "language": language, "connector": {"type": "oscommerce"},
        "notification": {"cc": ["stock@alpha.example"], "customer_number": "K-0815"}}})
    supplier = config.supplier("alpha")
    sample = replace(documents.sample_supplier_order(supplier), id=42)
    if kind == "notification":
        files = [mail.Attachment("order-acme-42.pdf", b"%PDF-1.4", "application/pdf"),
                 mail.Attachment("order-acme-42.csv", b"x", "text/csv")]
        return mail.render_notification(config, supplier, sample, now=NOW, attachments=files)
    if kind == "cancellation":
        return mail.render_cancellation(config, supplier, sample, sample.transfers[1:], now=NOW,
                                        reason="The customer withdrew the order.")
    return mail.render_digest(config, supplier, [sample, replace(sample, id=43)], now=NOW)


def test_every_shipped_language_has_every_template():
    assert SHIPPED == ["de", "en"]
    for language in SHIPPED:
        names = sorted(p.name for p in (mail.TEMPLATES / language).glob("[!_]*.j2"))
        assert names == sorted(f"{k}.{p}.j2" for k in mail.KINDS for p in mail.PARTS)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", mail.KINDS)
def test_golden(make_config, kind, language):
    got = normalised(render(make_config, kind, language))
    path = GOLDEN / f"{kind}.{language}.txt"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            str(path), "rendered now"))
        pytest.fail(f"{path.name} differs from the rendering (intended? regenerate with "
                    f"OX_UPDATE_GOLDEN=1 and review):\n{diff}")
    assert not re.search(r"\{\{|\{%|Undefined", got)  # nothing of the template leaked
