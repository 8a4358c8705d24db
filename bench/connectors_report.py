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

Why a "norm0" too: send A is the connector's first send in the process, send B sends the same
orders again, with the process's caches warm (step 1 caches each email, country and currency it
checked). So B/A at level 0, where both shops are empty, comes out below 1, and a norm against
A flatters history by as much. With level 0 among the levels, norm0 compares send B into the
pre-filled shop with send B into the empty one (both warm), by the same formula.
"""

from __future__ import annotations

import json
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
    #: CPU seconds of send A and of the multi-row floor after it (connectors.send_cpu: keys
    #: send_orderexchange, send_mariadbd, send_sink, multi_floor, multi_mariadbd); empty in
    #: runs recorded before 2026-12-08
    cpu: dict[str, float] = field(default_factory=dict)


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
    """One repetition's figures: its own A/plain, A/multi, and per level B/A and norm (and
    norm0 for levels above 0 when level 0 was measured)."""
    levels: dict[int, dict[str, float]] = {}
    empty = run.levels.get(0)
    for level, b in run.levels.items():
        levels[level] = {
            "send_b": b.send, "plain": b.plain, "multi": b.multi,
            "b_a": b.send / run.send_a,
            "norm": norm(b.send, run.send_a, b.plain, run.plain, b.multi, run.multi)}
        if empty is not None and level != 0:
            levels[level]["norm0"] = norm(b.send, empty.send, b.plain, empty.plain, b.multi,
                                          empty.multi)
    out = {"send_a": run.send_a, "plain": run.plain, "multi": run.multi, "load": run.load,
           "a_plain": run.send_a / run.plain, "a_multi": run.send_a / run.multi,
           "levels": levels}
    if run.cpu:
        out["cpu"] = dict(run.cpu)
    return out


def summary(runs: list[Run]) -> dict[str, Any]:
    """The connector's row: send A the median of the repetitions' send A; each floor the median
    of all its runs (after every send A and B: they write the same rows each time); A/plain and
    A/multi of those (and `a_plain_runs`, `a_multi_runs`: the median of each repetition's own);
    per level the medians of the repetitions' own B, B/A, norm and norm0
    (each ratio taken within one repetition, where the load was the same)."""
    send_a = median([r.send_a for r in runs])
    plain = median([r.plain for r in runs] + [b.plain for r in runs for b in r.levels.values()])
    multi = median([r.multi for r in runs] + [b.multi for r in runs for b in r.levels.values()])
    per_run = [run_figures(r) for r in runs]
    levels = {}
    for level in runs[0].levels:
        levels[level] = {key: median([f["levels"][level][key] for f in per_run])
                         for key in ("send_b", "b_a", "norm", "norm0")
                         if key in per_run[0]["levels"][level]}
    # also each repetition's own ratio, then their median: on a machine whose speed drifts
    # between repetitions (the floors moved 2x within minutes, 2026-12-07) a ratio within one
    # repetition compares send and floors under the same conditions
    return {"send_a": send_a, "plain": plain, "multi": multi, "a_plain": send_a / plain,
            "a_multi": send_a / multi,
            "a_plain_runs": median([f["a_plain"] for f in per_run]),
            "a_multi_runs": median([f["a_multi"] for f in per_run]), "levels": levels}


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
            "A/multi", "A/plain, A/multi within runs"]
    for n in levels:
        head += [f"B/A {short(n)}", f"norm {short(n)}"] + (
            [f"norm0 {short(n)}"] if n and 0 in levels else [])
    head += ["load start → end", "peak MiB", "worker peak MiB"]
    rows = []
    for c in connectors:
        s = c["summary"]
        row = [c["connector"], c["written"], c["held"], f"{s['send_a']:.2f}",
               f"{s['plain']:.2f}", f"{s['multi']:.2f}", f"{s['a_plain']:.2f}",
               f"{s['a_multi']:.2f}", f"{s['a_plain_runs']:.2f}, {s['a_multi_runs']:.2f}"]
        for n in levels:
            lv = s["levels"][str(n)]
            row += [f"{lv['b_a']:.2f}", f"{lv['norm']:.2f}"] + (
                [f"{lv['norm0']:.2f}"] if "norm0" in lv else [])
        row += [f"{c['load_start']:.1f} → {c['load_end']:.1f}", f"{c['peak_rss_mib']:.1f}",
                # JSON of a run before 2026-12-07 evening has no worker figure
                f"{c.get('worker_peak_rss_mib', 0):.1f}"]
        rows.append(row)
    return markdown(head, rows)


def runs_table(connectors: list[dict[str, Any]], levels: list[int]) -> str:
    """Every repetition's own figures (the spread behind the medians)."""
    head = ["connector", "run", "load", "send A s", "plain s", "multi s", "A/plain", "A/multi"]
    for n in levels:
        head += [f"B {short(n)} s", f"plain {short(n)} s", f"multi {short(n)} s",
                 f"B/A {short(n)}", f"norm {short(n)}"] + (
                     [f"norm0 {short(n)}"] if n and 0 in levels else [])
    rows = []
    for c in connectors:
        for k, r in enumerate(c["runs"], 1):
            row = [c["connector"], k, f"{r['load']:.1f}", f"{r['send_a']:.2f}",
                   f"{r['plain']:.2f}", f"{r['multi']:.2f}", f"{r['a_plain']:.2f}",
                   f"{r['a_multi']:.2f}"]
            for n in levels:
                lv = r["levels"][str(n)]
                row += [f"{lv['send_b']:.2f}", f"{lv['plain']:.2f}", f"{lv['multi']:.2f}",
                        f"{lv['b_a']:.2f}", f"{lv['norm']:.2f}"] + (
                            [f"{lv['norm0']:.2f}"] if "norm0" in lv else [])
            rows.append(row)
    return markdown(head, rows)


def cpu_budget(run: dict[str, Any], cores: int, goal: float = 2.0) -> dict[str, float]:
    """What one repetition's CPU seconds (`run_figures(...)["cpu"]`) say about A/multi <= `goal`.

    Send A can take at most `goal` x the multi-row floor's wall seconds, on `cores` cores: that
    many core-seconds in all, even with every core busy the whole time. The server and the mail
    sink used what they used; what is left is the CPU orderexchange may spend (`allowed`), and
    `cut` the share of its CPU it would have to lose (negative: room to spare). `busy` is how
    full the cores were during send A (its CPU over wall x cores): below 1 the send also
    waited (on the shops' commits, on the last supplier alone at the end)."""
    cpu = run["cpu"]
    used = cpu["send_orderexchange"]
    allowed = goal * run["multi"] * cores - cpu["send_mariadbd"] - cpu["send_sink"]
    busy = (used + cpu["send_mariadbd"] + cpu["send_sink"]) / (run["send_a"] * cores)
    return {"allowed": allowed, "cut": 1 - allowed / used if used else 0.0, "busy": busy}


def cpu_table(connectors: list[dict[str, Any]], cores: int) -> str:
    """Per connector the median over its repetitions of send A's CPU seconds (orderexchange,
    mariadbd, sink), the multi-row floor's (its process, mariadbd), and `cpu_budget`'s figures.
    Connectors whose runs carry no CPU seconds (recorded before) are left out."""
    head = ["connector", "send A s", "orderexchange CPU s", "mariadbd CPU s", "sink CPU s",
            "cores busy", "multi s", "floor CPU s", "floor's mariadbd CPU s",
            f"orderexchange CPU s A/multi <= 2 allows ({cores} cores)", "cut needed"]
    rows = []
    for c in connectors:
        runs = [r for r in c["runs"] if r.get("cpu")]
        if not runs:
            continue
        # one record per run: its wall seconds, its CPU seconds and its budget, side by side
        records = [{"send_a": r["send_a"], "multi": r["multi"], **r["cpu"],
                    **cpu_budget(r, cores)} for r in runs]

        def med(key: str) -> float:
            return median([record[key] for record in records])
        rows.append([c["connector"], *(f"{med(key):.2f}" for key in (
            "send_a", "send_orderexchange", "send_mariadbd", "send_sink", "busy", "multi",
            "multi_floor", "multi_mariadbd", "allowed")), f"{med('cut'):.0%}"])
    return markdown(head, rows)


def runs_of(connector: dict[str, Any]) -> list[Run]:
    """The repetitions of a connector document back as `Run`s (to recompute its figures)."""
    return [Run(r["send_a"], r["plain"], r["multi"], r["load"],
                {int(k): Level(v["send_b"], v["plain"], v["multi"])
                 for k, v in r["levels"].items()}, dict(r.get("cpu", {})))
            for r in connector["runs"]]


def recomputed(connector: dict[str, Any]) -> dict[str, Any]:
    """A connector document with its figures computed again from its runs (a file written by
    an older version of this module gets today's columns)."""
    facts = {k: v for k, v in connector.items() if k not in ("connector", "summary", "runs")}
    return connector_document(connector["connector"], runs_of(connector), **facts)


def read_connectors(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A `--json` file (the run's facts, its connectors) or the progress lines a run prints on
    stderr, one connector document a line (no facts: a run stopped half-way)."""
    text = text.strip()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and "connectors" in doc:
        facts = {k: v for k, v in doc.items() if k != "connectors"}
        return facts, [recomputed(c) for c in doc["connectors"]]
    lines = [json.loads(x) for x in text.splitlines() if x.startswith('{"connector"')]
    return {}, [recomputed(c) for c in lines]
