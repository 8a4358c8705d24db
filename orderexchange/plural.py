"""Counted nouns in user-visible text: "1 customer order", "2 customer orders", never
"1 customer orders" nor "order(s)".

Why a module of its own: the words are built by the actions (which return data) as well as by
the presentation, and both must say it the same way. English only, like every message of the CLI:
a regular plural is formed here (`line` → `lines`, `box` → `boxes`, `delivery` → `deliveries`);
anything else is given (`plural(n, "is", "are")`).
"""

from __future__ import annotations

_VOWELS = "aeiou"


def plural_of(word: str) -> str:
    """The regular English plural of a noun (of a phrase: of its last word)."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    return word + "s"


def plural(n: int, word: str, words: str | None = None) -> str:
    """`word` for exactly one (1 and -1), else its plural (`words`, or the regular one): 0 and
    2 customer orders, 1 customer order."""
    return word if abs(n) == 1 else (words if words is not None else plural_of(word))


def count(n: int, word: str, words: str | None = None, *, grouped: bool = False) -> str:
    """"1 line", "3 lines"; `grouped`: with thousands separators ("10,000 lines")."""
    number = f"{n:,}" if grouped else str(n)
    return f"{number} {plural(n, word, words)}"
