"""The figures of bench/connectors.py: medians, the history cost corrected for load, the tables.

Kept apart from the measuring (servers, sends, floors) so that the arithmetic and the JSON shape
can be tested without timing anything.

Why a "norm": on a machine shared with other work, the durable floors (one fsync per commit)
move by 3x between two measurements a minute apart, and a send moves with them. Send B (into a
shop pre-filled with history) over send A (into an empty shop) then mixes the cost of history with
the load's drift. Both floors are measured right after each send, writing the same rows each time,
so how much they moved between A and B is the drift alone:

    norm = (B / A) / sqrt((plain_B / plain_A) * (multi_B / multi_A))

— B/A with the geometric mean of the two floors' own B/A divided out. Under a steady load the
floors' ratios are ~1 and norm ≈ B/A.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Level:
    """Send B into shops pre-filled with a level's orders, and the floors right after it."""

    send: float
    plain: float
    multi: float


@dataclass
class Run:
    """One repetition: send A into empty shops, the floors right after it, then per pre-fill
    level a send B and the floors again (interleaved: the load of the moment hits all alike)."""

    send_a: float
    plain: float
    multi: float
    load: float = 0.0  # 1-min load average when the repetition started
    levels: dict[int, Level] = field(default_factory=dict)


def median(values: list[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def norm(send_b: float, send_a: float, plain_b: float, plain_a: float, multi_b: float,
         multi_a: float) -> float:
    """B/A corrected by how much both floors moved between the two sends (module docstring)."""
    return (send_b / send_a) / math.sqrt((plain_b / plain_a) * (multi_b / multi_a))


def run_figures(run: Run) -> dict[str, Any]:
    """One repetition's figures: its own A/plain, A/multi, and per level B/A and norm."""
    return {
        "send_a": run.send_a, "plain": run.plain, "multi": run.multi, "load": run.load,
        "a_plain": run.send_a / run.plain, "a_multi": run.send_a / run.multi,
        "levels": {level: {
            "send_b": b.send, "plain": b.plain, "multi": b.multi,
            "b_a": b.send / run.send_a,
            "norm": norm(b.send, run.send_a, b.plain, run.plain, b.multi, run.multi)}
            for level, b in run.levels.items()}}


def summary(runs: list[Run]) -> dict[str, Any]:
    """The connector's row: send A the median of the repetitions' send A; each floor the median
    of all its runs (after every send A and B: they write the same rows each time); A/plain and
    A/multi of those; per level the medians of the repetitions' own B, B/A and norm (each ratio
    taken within one repetition, where the load was the same)."""
    send_a = median([r.send_a for r in runs])
    plain = median([r.plain for r in runs] + [b.plain for r in runs for b in r.levels.values()])
    multi = median([r.multi for r in runs] + [b.multi for r in runs for b in r.levels.values()])
    per_run = [run_figures(r) for r in runs]
    levels = {}
    for level in runs[0].levels:
        levels[level] = {key: median([f["levels"][level][key] for f in per_run])
                         for key in ("send_b", "b_a", "norm")}
    return {"send_a": send_a, "plain": plain, "multi": multi, "a_plain": send_a / plain,
            "a_multi": send_a / multi, "levels": levels}


def connector_document(family: str, runs: list[Run], **facts: Any) -> dict[str, Any]:
    """One connector for `--json`: its facts (written, held, peak RSS, loads…), the summary and
    every repetition. Levels are keyed by their number as a string (JSON object keys)."""
    def keyed(d: dict[str, Any]) -> dict[str, Any]:
        return {**d, "levels": {str(k): v for k, v in d["levels"].items()}}
    return {"connector": family, **facts, "summary": keyed(summary(runs)),
            "runs": [keyed(run_figures(r)) for r in runs]}


def short(n: int) -> str:
    """100000 → 100k, 1000000 → 1M."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def markdown(head: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (what bench/README.md keeps)."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def summary_table(connectors: list[dict[str, Any]], levels: list[int]) -> str:
    """One row per connector (documents of `connector_document`)."""
    head = ["connector", "written", "held", "send A s", "plain s", "multi s", "A/plain",
            "A/multi"]
    for n in levels:
        head += [f"B/A {short(n)}", f"norm {short(n)}"]
    head += ["load start → end", "peak MiB"]
    rows = []
    for c in connectors:
        s = c["summary"]
        row = [c["connector"], c["written"], c["held"], f"{s['send_a']:.2f}",
               f"{s['plain']:.2f}", f"{s['multi']:.2f}", f"{s['a_plain']:.2f}",
               f"{s['a_multi']:.2f}"]
        for n in levels:
            lv = s["levels"][str(n)]
            row += [f"{lv['b_a']:.2f}", f"{lv['norm']:.2f}"]
        row += [f"{c['load_start']:.1f} → {c['load_end']:.1f}", f"{c['peak_rss_mib']:.1f}"]
        rows.append(row)
    return markdown(head, rows)


def runs_table(connectors: list[dict[str, Any]], levels: list[int]) -> str:
    """Every repetition's own figures (the spread behind the medians)."""
    head = ["connector", "run", "load", "send A s", "plain s", "multi s", "A/plain", "A/multi"]
    for n in levels:
        head += [f"B {short(n)} s", f"plain {short(n)} s", f"multi {short(n)} s",
                 f"B/A {short(n)}", f"norm {short(n)}"]
    rows = []
    for c in connectors:
        for k, r in enumerate(c["runs"], 1):
            row = [c["connector"], k, f"{r['load']:.1f}", f"{r['send_a']:.2f}",
                   f"{r['plain']:.2f}", f"{r['multi']:.2f}", f"{r['a_plain']:.2f}",
                   f"{r['a_multi']:.2f}"]
            for n in levels:
                lv = r["levels"][str(n)]
                row += [f"{lv['send_b']:.2f}", f"{lv['plain']:.2f}", f"{lv['multi']:.2f}",
                        f"{lv['b_a']:.2f}", f"{lv['norm']:.2f}"]
            rows.append(row)
    return markdown(head, rows)
