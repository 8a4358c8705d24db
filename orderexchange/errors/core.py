"""The error type (`OXError`) and the catalogue it reads (`CATALOGUE`, filled by `_define`).

Messages are `str.format` templates filled with named fields (order, line, field, supplier, ...);
a field that is missing is left as its placeholder rather than raising, so a catalogue typo can
never hide the original failure."""

from __future__ import annotations

import pickle
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    title: str
    message: str
    solution: str
    #: transient failures may succeed on a later attempt (network, lock wait, SMTP 4xx)
    transient: bool = False


CATALOGUE: dict[str, ErrorCode] = {}


def _define(code: str, title: str, message: str, solution: str, transient: bool = False) -> None:
    if code in CATALOGUE:  # pragma: no cover - guards the catalogue itself
        raise RuntimeError(f"error code {code} defined twice")
    CATALOGUE[code] = ErrorCode(code, title, message, solution, transient)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class OXError(Exception):
    """An expected failure: carries its catalogue entry and the facts that fill its message."""

    def __init__(self, code: str, /, **facts: object) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"unknown error code {code}")
        self.entry = CATALOGUE[code]
        self.facts = facts
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def message(self) -> str:
        """The message with its facts, an unknown fact left as "{name}". `format_map` rather
        than `string.Formatter`: the same result for the catalogue's plain "{name}" fields
        (tests/test_errors*.py), in C — a send's step 1 builds a finding per held order and
        warning, ~20,000 messages at 10,000 orders, whose pure-Python formatting was ~0.3 s."""
        return self.entry.message.format_map(_Lenient(self.facts))

    @property
    def solution(self) -> str:
        return self.entry.solution.format_map(_Lenient(self.facts))

    @property
    def transient(self) -> bool:
        return self.entry.transient

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "solution": self.solution}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __reduce__(self) -> tuple:
        """Pickled by code and facts (a send worker process hands its results back): the
        default would call `__init__` with the message as the code. A fact that does not
        pickle travels as its text — what the message shows of it anyway. The rest of the
        instance (a subclass's own attributes) travels as its state."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("entry", "facts")}
        return (_restore, (type(self), self.code, {k: _portable(v) for k, v in self.facts.items()}),
                state or None)


def _portable(value: object) -> object:
    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - whatever a fact is, its text is what the message uses
        return str(value)
    return value


def _restore(cls: type[OXError], code: str, facts: dict[str, object]) -> OXError:
    error = Exception.__new__(cls)
    error.entry = CATALOGUE[code]
    error.facts = facts
    return error


def explain(code: str) -> ErrorCode:
    try:
        return CATALOGUE[code.strip().upper()]
    except KeyError:
        raise OXError("OX-CLI-002", code=code) from None
