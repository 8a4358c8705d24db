"""A long send's resident memory: glibc's allocator told to give freed memory back.

Why: a send of 500-order supplier orders makes megabyte-sized strings and lists for a moment
(the order loaded from the store, the notification's text and HTML, their encoded forms, the
wire bytes). glibc serves each supplier thread from an arena of its own and, once a large
block has been freed, raises the size it hands out of those arenas instead of the system
(its "dynamic mmap threshold"); the freed blocks then stay resident in arenas that shrink only
from the top. A send worker grew by ~50 MB that Python no longer held, and its peak RSS at
100,000 orders was over the 200 MB goal (bench/README, "A send worker's memory").

What is set, once per process (the settings are inherited by forked send workers):
- large blocks (from 256 KiB) always come from the system and go back to it when freed;
- free memory at the top of an arena is given back from 128 KiB on (glibc's default, which
  the dynamic threshold would otherwise raise to megabytes);
- at most two arenas: supplier threads share them instead of each keeping its own.

And `give_back` (malloc_trim) before forking the workers: a worker starts with every page its
sender has resident, including the freed pages an import left behind.

Elsewhere (musl, macOS, Windows) nothing is done: their allocators are not glibc's.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any

#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

SETTINGS = {_M_MMAP_THRESHOLD: 256 * 1024, _M_TRIM_THRESHOLD: 128 * 1024, _M_ARENA_MAX: 2}

_lock = threading.Lock()
_tuned = False


def _glibc() -> Any | None:
    """The process's own C library when it is glibc, else None."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
    except (ValueError, OSError, AttributeError):  # not a GNU system
        return None
    libc = ctypes.CDLL(None)  # the symbols already loaded into this process: its libc
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def tune() -> bool:
    """Set `SETTINGS` once in this process; whether glibc took every one of them."""
    global _tuned
    with _lock:
        if _tuned:
            return True
        libc = _glibc()
        if libc is None:
            return False
        _tuned = all(libc.mallopt(param, value) == 1 for param, value in SETTINGS.items())
        return _tuned


def give_back() -> None:
    """Return the allocator's free memory to the system (glibc only), e.g. before a fork."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
