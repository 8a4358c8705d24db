"""The error catalogue: every failure a user can meet, with a stable code and a solution.

Why one catalogue: the manual of the product we replace lists "possible error messages together
with their solution"; keeping every code in this package lets `orderexchange explain CODE`, the
docs page and the tests all read the same table, and stops two modules from inventing the same
code twice. The codes are defined by family (`FAMILIES`: codes_input, codes_check, codes_shop,
codes_mail, codes_runtime — a new code goes at the end of its family); the error type is in
`core`. Every name is importable from here.

A code is `OX-<AREA>-<NNN>`. Areas: CFG config, IMP import, CAT catalogue, BLD build, CHK check,
DB supplier database, SSH tunnel to it, TLS its certificate, WRT write, LOG transfer log, MAIL
mail, LIC licence, PLG plug-ins, STO state store, CLI usage, SRC order sources, SHP test shops
(`shop create`).
Messages are `str.format` templates filled with named fields (order, line, field, supplier, ...);
a field that is missing is left as its placeholder rather than raising, so a catalogue typo can
never hide the original failure.
"""

from __future__ import annotations

from .core import CATALOGUE, ErrorCode, OXError, explain

# in the catalogue's own order (CATALOGUE keeps the order of definition): not alphabetical
from . import codes_input
from . import codes_check
from . import codes_shop
from . import codes_mail
from . import codes_runtime

__all__ = ["CATALOGUE", "FAMILIES", "ErrorCode", "OXError", "explain", "render_markdown"]

#: the modules that define the codes, by family: importing them fills `CATALOGUE`
FAMILIES = (codes_input, codes_check, codes_shop, codes_mail, codes_runtime)


def render_markdown() -> str:
    """The catalogue as the docs page `docs/errors.md` (a test keeps the page current)."""
    lines = ["# Error codes", "",
             "Every expected failure has a stable code, a message naming the order, line or field,",
             "and a solution. `orderexchange explain CODE` prints one entry. Transient errors may",
             "succeed when tried again later; the others need the fix the solution names.", ""]
    for entry in sorted(CATALOGUE.values(), key=lambda e: e.code):
        lines += [f"## {entry.code} — {entry.title}", "",
                  f"- message: `{entry.message}`",
                  f"- solution: {entry.solution}",
                  f"- transient: {'yes' if entry.transient else 'no'}", ""]
    return "\n".join(lines)
