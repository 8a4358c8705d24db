"""The error catalogue: complete, explained, documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orderexchange.errors import CATALOGUE, OXError, explain, render_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_page_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "errors.md").read_text() == render_markdown(), (
        "regenerate: python -c \"from orderexchange.errors import render_markdown; "
        "open('docs/errors.md','w').write(render_markdown())\"")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_form_message_and_solution(code):
    entry = CATALOGUE[code]
    assert re.fullmatch(r"OX-[A-Z]{2,4}-\d{3}", code)
    assert entry.message and entry.solution and entry.title
    assert explain(code.lower()) is entry


def test_every_code_raised_in_the_source_is_in_the_catalogue():
    used = set()
    for path in list((ROOT / "orderexchange").rglob("*.py")) + list((ROOT / "plugins").rglob("*.py")):
        used |= set(re.findall(r'"(OX-[A-Z]+-\d{3})"', path.read_text()))
    assert used - set(CATALOGUE) == set()


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_messages_name_their_facts_plainly(code):
    """OXError fills messages with `str.format_map`: each field a plain fact name (or its
    repr), and the
    facts' text kept as it is (a "[section]" or a brace in a fact survives)."""
    entry = CATALOGUE[code]
    for text in (entry.message, entry.solution):
        names = re.findall(r"(?<!{){([^{}]*)}", text)
        assert all(re.fullmatch(r"[a-z_][a-z0-9_]*(![rs])?", n) for n in names), names
    facts = {n: "{odd} [x]" for n in re.findall(r"{([a-z_0-9]+)(?:![rs])?}", entry.message)}
    err = OXError(code, **facts)
    for n in facts:
        assert "{odd} [x]" in err.message and "{" + n + "}" not in err.message


def test_missing_facts_leave_placeholders_instead_of_failing():
    err = OXError("OX-CHK-006", order="1001")
    assert "1001" in err.message and "{line}" in err.message
    with pytest.raises(KeyError):
        OXError("OX-NOPE-999")
