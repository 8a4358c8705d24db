"""Printing for the CLI and the menu: the two consoles, and styling that cannot eat text.

rich reads `[word]` as markup, and our messages name config tables like `[mail]` and
`[suppliers.alpha.database]`: printed as markup they vanished. So both consoles run with markup
*off* — a plain string, a table cell or a title prints exactly as it is, whoever builds it — and
colour is asked for explicitly with `styled("[red]{}[/red] {}", code, message)`, which escapes
every value it fills in. Only the template (our own literal) is markup, never a value.

All printing of the CLI and the menu lives in this package: here the consoles, `styled`, errors
and `--json`; the tables by subject in `orders` (supplier orders, check report, send results,
holds, cancellations), `desk` (status, licence, log, self-tests) and `reports` (the CLI's own
commands). The submodules import from here, never the other way round (no import circle).
"""

from __future__ import annotations

import json
import string
from itertools import islice
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..errors import ErrorCode, OXError

console = Console(markup=False)
err_console = Console(stderr=True, markup=False)

STATE_COLOURS = {"notified": "green", "confirmed": "green", "written": "cyan",
                 "checked": "cyan"}


def styled(template: str, *values: Any, **named: Any) -> Text:
    """`template` is rich markup written by us; every value is escaped before it is filled in,
    so `[mail]` in a message stays `[mail]`."""
    return Text.from_markup(template.format(*(escape(str(v)) for v in values),
                                            **{k: escape(str(v)) for k, v in named.items()}))


def state(value: str) -> Text:
    """A supplier-order state in its colour: green done, cyan on the way, red failed."""
    colour = STATE_COLOURS.get(value, "red" if value.endswith("failed") else "white")
    return styled(f"[{colour}]{{}}[/{colour}]", value)


def print_error(error: OXError, warning: bool = False) -> None:
    """Code, message and solution on stderr; each on one line (soft_wrap), so it can be
    grepped and copied whole."""
    colour = "yellow" if warning else "red"
    err_console.print(styled(f"[{colour}]{{}}[/{colour}] {{}}", error.code, error.message),
                      highlight=False, soft_wrap=True)
    err_console.print(styled("  [dim]solution:[/dim] {}", error.solution), highlight=False,
                      soft_wrap=True)


def print_solution(code: str, solution: str) -> None:
    """One solution under a table that listed the code's messages."""
    console.print(styled("  [dim]{} solution:[/dim] {}", code, solution), highlight=False,
                  soft_wrap=True)


def print_explain(entry: ErrorCode) -> None:
    """`orderexchange explain CODE`: the catalogue entry, templates as written (their
    `{field}` names say what a real message fills in)."""
    console.print(styled("[bold]{}[/bold] — {}", entry.code, entry.title)
                  + (" (transient: retrying later may succeed)" if entry.transient else ""),
                  highlight=False)
    template = OXError(entry.code)  # no facts: each field shows as {field}
    console.print(f"message:  {template.message}", highlight=False, soft_wrap=True)
    console.print(f"solution: {template.solution}", highlight=False, soft_wrap=True)
    fields = sorted({f for _t, f, _s, _c in string.Formatter().parse(entry.message + entry.solution)
                     if f})
    if fields:
        console.print(f"(a real message fills in: {', '.join(fields)})", highlight=False,
                      soft_wrap=True)


def emit_json(data: Any) -> None:
    """`--json` output: one document on stdout, no markup, nothing escaped. Written in pieces (8,192
    of the encoder's) as it is encoded (the very text `json.dumps` makes): `orders --json` over
    100,000 supplier orders was one 49 MB string, and then its bytes, at once."""
    pieces = json.JSONEncoder(indent=2, default=str, ensure_ascii=False).iterencode(data)
    while chunk := "".join(islice(pieces, 8192)):  # joined in C, as json.dumps joins them
        click.echo(chunk, nl=False)
    click.echo("")


def print_warnings(warnings: list[OXError]) -> None:
    """Warnings collected on the way (plug-in hooks, a transport's remark): code, message and
    solution in yellow, each once."""
    for warning in warnings:
        print_error(warning, warning=True)


def print_notice(notice: str | OXError) -> None:
    """What a session (`actions.app.App`) notices on the way: a plug-in that failed to load
    (a coded warning) or the licence's "ends in N days" line."""
    if isinstance(notice, OXError):
        print_error(notice, warning=True)
    else:
        err_console.print(styled("[yellow]{}[/yellow]", notice), soft_wrap=True)
