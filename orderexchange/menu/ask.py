"""The menu's prompts: questionary with Ctrl-C as "back", and the few answers every screen
checks the same way (required text, a port)."""

from __future__ import annotations

from typing import Any

import questionary

from ..present import console, styled

# questionary 2.1 takes `Choice(title, value=None)` as "no value given" and returns the title,
# so a "Back" entry needs a value of its own that no supplier id, job or key can be.
BACK = ":back"


def ask(question: Any) -> Any:
    """Ask; Ctrl-C raises KeyboardInterrupt, which every screen turns into "back"."""
    return question.unsafe_ask()


def pause() -> None:
    try:
        questionary.press_any_key_to_continue("Press any key to go back").unsafe_ask()
    except KeyboardInterrupt:
        pass


def ask_required(question: str, default: str) -> str:
    while True:
        answer = ask(questionary.text(question, default=default)).strip()
        if answer:
            return answer
        console.print(styled("[red]An answer is needed here.[/red]"))


def ask_port(question: str, default: int) -> int:
    while True:
        text = ask(questionary.text(question, default=str(default))).strip()
        if text.isdigit() and 1 <= int(text) <= 65535:
            return int(text)
        console.print(styled("[red]A port is a number from 1 to 65535.[/red]"))
