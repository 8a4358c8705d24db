"""The retry policy: transient coded errors are retried with back-off, permanent ones are not."""

from __future__ import annotations

import pytest

from orderexchange.errors import OXError
from orderexchange.retry import RetryPolicy


def flaky(failures, code):
    calls = []

    def func():
        calls.append(1)
        if len(calls) <= failures:
            raise OXError(code, supplier="alpha", where="db:3306", detail="lost", host="mx",
                          port=25, to="a@example.com")
        return "done"
    return func, calls


def test_transient_errors_are_retried_until_success():
    func, calls = flaky(2, "OX-DB-002")
    waits, seen = [], []
    result = RetryPolicy(attempts=4, initial=1, maximum=10, jitter=0).call(
        func, before_retry=lambda err, n: seen.append((err.code, n)), sleep=waits.append)
    assert result == "done" and len(calls) == 3
    assert seen == [("OX-DB-002", 1), ("OX-DB-002", 2)]
    assert waits == [1, 2]  # exponential back-off


def test_attempts_are_bounded_and_the_last_error_is_raised():
    func, calls = flaky(10, "OX-MAIL-004")
    with pytest.raises(OXError) as exc:
        RetryPolicy(attempts=3, initial=0, jitter=0).call(func, sleep=lambda s: None)
    assert exc.value.code == "OX-MAIL-004" and len(calls) == 3


def test_permanent_errors_are_not_retried():
    func, calls = flaky(1, "OX-DB-001")
    with pytest.raises(OXError):
        RetryPolicy(attempts=5).call(func, sleep=lambda s: None)
    assert len(calls) == 1


def test_waits_are_capped():
    func, _ = flaky(5, "OX-DB-004")
    waits = []
    RetryPolicy(attempts=6, initial=1, maximum=3, jitter=0).call(func, sleep=waits.append)
    assert waits == [1, 2, 3, 3, 3]
