"""orderexchange.memory: glibc told to give large freed blocks back to the system.

The effect is checked in fresh child processes (the settings are process-wide and cannot be
undone): glibc's own statistics (`mallinfo2`) say whether a 1 MiB block came from the system
(`hblkhd`, "bytes in mmapped regions") or from an arena.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orderexchange import memory

ROOT = Path(__file__).resolve().parent.parent

GLIBC = memory._glibc() is not None

#: in a child: free a 4 MiB block first (glibc then raises its dynamic mmap threshold to 4 MiB),
#: then hold a 1 MiB block; print how much of it glibc got from the system
CHILD = """
import ctypes, json, sys
from orderexchange import memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
tuned = memory.tune() if sys.argv[1] == "tune" else False
big = bytearray(4 << 20)
del big
before = libc.mallinfo2().hblkhd
held = bytearray(1 << 20)
after = libc.mallinfo2().hblkhd
memory.give_back()
print(json.dumps({"tuned": tuned, "from_system": after - before}))
"""


def _child(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout)


@pytest.mark.skipif(not GLIBC, reason="the settings are glibc's")
def test_tuned_a_large_block_comes_from_the_system_even_after_a_larger_one_was_freed():
    untuned, tuned = _child("plain"), _child("tune")
    # glibc's default: the freed 4 MiB block raised the threshold, 1 MiB comes from an arena
    assert untuned == {"tuned": False, "from_system": 0}
    assert tuned["tuned"] is True
    assert tuned["from_system"] >= 1 << 20


def test_tune_is_done_once_per_process(monkeypatch):
    calls = []

    class Libc:
        def mallopt(self, param, value):
            calls.append((param, value))
            return 1

        def malloc_trim(self, pad):
            calls.append(("trim", pad))
            return 1

    monkeypatch.setattr(memory, "_glibc", Libc)
    monkeypatch.setattr(memory, "_tuned", False)
    assert memory.tune() is True
    assert memory.tune() is True
    assert calls == list(memory.SETTINGS.items())
    memory.give_back()
    assert calls[-1] == ("trim", 0)


def test_without_glibc_nothing_is_set(monkeypatch):
    monkeypatch.setattr(memory.os, "confstr", lambda name: None)
    monkeypatch.setattr(memory, "_tuned", False)
    assert memory._glibc() is None
    assert memory.tune() is False
    memory.give_back()  # a no-op, not an error


def test_a_libc_that_refuses_a_setting_is_not_taken_as_tuned(monkeypatch):
    class Refusing:
        def mallopt(self, param, value):
            return 0 if param == memory._M_ARENA_MAX else 1

    monkeypatch.setattr(memory, "_glibc", Refusing)
    monkeypatch.setattr(memory, "_tuned", False)
    assert memory.tune() is False
