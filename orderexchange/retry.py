"""Retries as a policy object: which failures are tried again, how often, how long apart.

Only *transient* coded errors (the catalogue says which: lost connections, lock waits, SMTP 4xx,
timeouts) are retried, with exponential back-off and jitter (tenacity); a permanent error (wrong
password, schema mismatch, SMTP 5xx) stops at once, because trying again cannot help and only
delays the coded error the user needs to see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import tenacity

from .errors import OXError

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, OXError) and exc.transient


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4           # including the first try
    initial: float = 0.5        # seconds before the second try
    maximum: float = 30.0       # cap for one wait
    jitter: float = 0.5         # up to this many seconds added at random

    @classmethod
    def none(cls) -> RetryPolicy:
        return cls(attempts=1)

    def call(self, func: Callable[[], T],
             before_retry: Callable[[OXError, int], None] | None = None,
             sleep: Callable[[float], None] | None = None) -> T:
        """Run `func`, retrying transient OXErrors; the last error is raised unchanged.

        `before_retry(error, attempt)` runs before each new try — e.g. to reconnect, or to look
        an order up by its reference again (a lost connection may have lost only the answer).
        """
        def before_sleep(state: tenacity.RetryCallState) -> None:
            if before_retry is not None and state.outcome is not None:
                before_retry(state.outcome.exception(), state.attempt_number)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(1, self.attempts)),
            wait=tenacity.wait_exponential(multiplier=self.initial, max=self.maximum)
            + tenacity.wait_random(0, self.jitter),
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=before_sleep,
            reraise=True,
            **({"sleep": sleep} if sleep is not None else {}),
        )
        return retrying(func)


def settings_fingerprint(config: Any, supplier_id: str) -> str:
    """A short hash of everything a permanent error of this supplier can be cured by: its
    `[suppliers.X]` section (address, database, connector …) and `[mail]`. A supplier order
    stopped by a permanent error is sent automatically again only once this changes (or by a
    `retry` by hand). Secrets go into the hash only — never into the store or a log."""
    def plain(value: Any) -> Any:
        if hasattr(value, "get_secret_value"):
            return value.get_secret_value()
        return str(value)

    supplier = config.suppliers.get(supplier_id)
    data = {"supplier": supplier.model_dump() if supplier is not None else None,
            "mail": config.mail.model_dump()}
    blob = json.dumps(data, sort_keys=True, default=plain).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
