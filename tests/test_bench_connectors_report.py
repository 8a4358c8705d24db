"""bench/connectors_report.py: the arithmetic and the JSON shape behind bench/connectors.py's
figures (the norm that takes the machine's load out of the history cost). No timing: the
"seconds" here are made-up numbers."""

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import connectors_report as report  # noqa: E402
from connectors_report import Level, Run  # noqa: E402


def test_norm_divides_out_how_much_both_floors_moved():
    # the machine got twice as slow between send A and send B: the send and both floors doubled
    assert report.norm(20, 10, 4, 2, 1, 0.5) == 1.0
    # steady load: norm is B/A
    assert report.norm(12, 10, 2, 2, 0.5, 0.5) == 1.2
    # the floors disagree: their geometric mean is divided out (plain 1.5x, multi 1.0x)
    assert math.isclose(report.norm(15, 10, 3, 2, 0.5, 0.5), 1.5 / math.sqrt(1.5))


def test_median():
    assert report.median([3.0]) == 3.0
    assert report.median([5.0, 1.0, 3.0]) == 3.0
    assert report.median([4.0, 1.0, 3.0, 2.0]) == 2.5


def runs() -> list[Run]:
    return [Run(10.0, 5.0, 2.0, load=1.5, levels={0: Level(11.0, 5.0, 2.0),
                                                 1_000_000: Level(24.0, 10.0, 4.0)}),
            Run(30.0, 15.0, 6.0, load=6.0, levels={0: Level(27.0, 15.0, 6.0),
                                                  1_000_000: Level(33.0, 15.0, 6.0)}),
            Run(20.0, 8.0, 3.0, load=3.0, levels={0: Level(20.0, 8.0, 3.0),
                                                 1_000_000: Level(26.0, 8.0, 3.0)})]


def test_summary_takes_medians_and_ratios_within_a_run():
    s = report.summary(runs())
    assert s["send_a"] == 20.0
    # every floor run counts: after each send A and each send B (the same rows each time)
    assert s["plain"] == report.median([5, 15, 8, 5, 10, 15, 15, 8, 8])
    assert s["multi"] == 3.0
    assert s["a_plain"] == 20.0 / s["plain"] and s["a_multi"] == 20.0 / 3.0
    # each repetition's own ratio, their median: 10/2, 30/6, 20/3 → 5.0; 10/5, 30/15, 20/8 → 2.0
    assert s["a_multi_runs"] == 5.0 and s["a_plain_runs"] == 2.0
    history = s["levels"][1_000_000]
    # run 1: B/A 2.4 but both floors doubled → norm 1.2; run 2: 1.1; run 3: 1.3
    assert math.isclose(history["b_a"], 1.3)
    assert math.isclose(history["norm"], 1.2)
    assert history["send_b"] == 26.0
    assert math.isclose(s["levels"][0]["b_a"], 1.0)
    # norm0: against send B into the empty shop (run 1: 24/11 with both floors doubled)
    assert set(s["levels"][0]) == {"send_b", "b_a", "norm"}
    norm0 = sorted([24 / 11 / 2, 33 / 27, 26 / 20])
    assert math.isclose(history["norm0"], norm0[1])


def test_the_json_document_of_a_connector():
    doc = report.connector_document("oscommerce", runs(), written=1857, held=215,
                                    peak_rss_mib=130.5, load_start=1.5, load_end=6.0)
    doc = json.loads(json.dumps(doc))  # what --json writes survives a round trip
    assert doc["connector"] == "oscommerce" and doc["written"] == 1857
    assert set(doc["summary"]) == {"send_a", "plain", "multi", "a_plain", "a_multi",
                                   "a_plain_runs", "a_multi_runs", "levels"}
    assert set(doc["summary"]["levels"]) == {"0", "1000000"}
    assert set(doc["summary"]["levels"]["1000000"]) == {"send_b", "b_a", "norm", "norm0"}
    assert len(doc["runs"]) == 3
    first = doc["runs"][0]
    assert (first["send_a"], first["plain"], first["multi"], first["load"]) == (10, 5, 2, 1.5)
    assert first["levels"]["1000000"] == {"send_b": 24, "plain": 10, "multi": 4, "b_a": 2.4,
                                          "norm": 1.2, "norm0": 24 / 11 / 2}


def test_the_tables_have_a_column_per_level_and_a_row_per_run():
    doc = report.connector_document("oxid6", runs(), written=10, held=0, peak_rss_mib=1.0,
                                    worker_peak_rss_mib=150.25, load_start=1.5, load_end=6.0)
    summary = report.summary_table([doc], [0, 1_000_000]).splitlines()
    assert "| norm 1M |" in summary[0] and "| B/A 0 |" in summary[0]
    assert summary[2].startswith("| oxid6 | 10 | 0 | 20.00 |")
    assert "| norm 1M | norm0 1M | load" in summary[0] and "norm0 0" not in summary[0]
    assert summary[0].endswith("| peak MiB | worker peak MiB |")
    assert summary[2].endswith("| 1.30 | 1.20 | 1.22 | 1.5 → 6.0 | 1.0 | 150.2 |")
    per_run = report.runs_table([doc], [0, 1_000_000]).splitlines()
    assert len(per_run) == 2 + 3
    assert per_run[2].startswith("| oxid6 | 1 | 1.5 | 10.00 | 5.00 | 2.00 | 2.00 | 5.00 |")
    # no send B: only A and the floors
    plain = report.connector_document("oxid6", [Run(1.0, 1.0, 1.0)], written=1, held=0,
                                      peak_rss_mib=1.0, load_start=0, load_end=0)
    assert "B/A" not in report.summary_table([plain], []).splitlines()[0]


def test_short_level_names():
    assert [report.short(n) for n in (0, 500, 100_000, 1_000_000, 1_500_000)] == \
        ["0", "500", "100k", "1M", "1500k"]


def test_tables_again_from_a_json_file_or_the_progress_lines():
    doc = report.connector_document("oxid6", runs(), written=10, held=0, peak_rss_mib=1.0,
                                    load_start=1.5, load_end=6.0)
    old = json.loads(json.dumps(doc))
    for level in old["summary"]["levels"].values():  # as an older version wrote it
        level.pop("norm0", None)
    whole = json.dumps({"commit": "abc1234", "levels": [0, 1_000_000], "connectors": [old]})
    facts, connectors = report.read_connectors(whole)
    assert facts["commit"] == "abc1234"
    assert connectors == [json.loads(json.dumps(doc))]
    progress = "some warning\n" + json.dumps(old) + "\n" + json.dumps(old) + "\n"
    facts, connectors = report.read_connectors(progress)
    assert facts == {} and len(connectors) == 2
    assert connectors[1]["summary"]["levels"]["1000000"]["norm0"] == \
        doc["summary"]["levels"]["1000000"]["norm0"]


def cpu(orderexchange: float, server: float, sink: float = 0.0, floor: float = 0.4,
        floor_server: float = 1.0) -> dict[str, float]:
    return {"send_orderexchange": orderexchange, "send_mariadbd": server, "send_sink": sink,
            "multi_floor": floor, "multi_mariadbd": floor_server}


def test_the_cpu_budget_of_a_multi_row_goal():
    # send A 5 s, multi floor 1.5 s, 2 cores: A/multi <= 2 gives 3 s x 2 cores = 6 core-seconds;
    # the server took 1.8 and the sink 0.2, so orderexchange may use 4.0 of the 8.0 it used
    figures = report.run_figures(Run(5.0, 15.0, 1.5, cpu=cpu(8.0, 1.8, 0.2)))
    budget = report.cpu_budget(figures, cores=2)
    assert math.isclose(budget["allowed"], 4.0)
    assert math.isclose(budget["cut"], 0.5)
    assert math.isclose(budget["busy"], (8.0 + 1.8 + 0.2) / (5.0 * 2))
    # room to spare: the cut is negative
    spare = report.cpu_budget(report.run_figures(Run(2.0, 6.0, 1.5, cpu=cpu(2.0, 1.0))), 2)
    assert math.isclose(spare["cut"], 1 - 5.0 / 2.0) and spare["cut"] < 0
    # four cores allow twice the core-seconds of two
    assert math.isclose(report.cpu_budget(figures, cores=4)["allowed"], 2 * 1.5 * 4 - 1.8 - 0.2)


def test_cpu_seconds_survive_the_json_and_make_their_own_table():
    with_cpu = [Run(5.0, 15.0, 1.5, cpu=cpu(8.0, 1.8, 0.2)),
                Run(6.0, 16.0, 1.6, cpu=cpu(9.0, 2.0, 0.2)),
                Run(4.0, 14.0, 1.4, cpu=cpu(7.0, 1.6, 0.2))]
    doc = json.loads(json.dumps(report.connector_document(
        "generic_sql", with_cpu, written=10, held=0, peak_rss_mib=1.0, load_start=0,
        load_end=0)))
    assert doc["runs"][1]["cpu"]["send_orderexchange"] == 9.0
    again = report.recomputed(doc)
    assert again["runs"][1]["cpu"] == doc["runs"][1]["cpu"]
    old = report.connector_document("oxid6", runs(), written=10, held=0, peak_rss_mib=1.0,
                                    load_start=0, load_end=0)
    assert "cpu" not in old["runs"][0]  # recorded before: no CPU seconds, no row below
    table = report.cpu_table([doc, old], cores=2).splitlines()
    assert len(table) == 3 and "A/multi <= 2 allows (2 cores)" in table[0]
    # medians: send A 5.00, orderexchange 8.00, server 1.80; allowed: 4.0, 4.4, 3.8 -> 4.00;
    # cut 1 - 4/8 = 50 %, 1 - 4.4/9 = 51 %, 1 - 3.8/7 = 46 % -> 50 %
    assert table[2] == ("| generic_sql | 5.00 | 8.00 | 1.80 | 0.20 | 1.00 | 1.50 | 0.40 | 1.00 "
                        "| 4.00 | 50% |")
