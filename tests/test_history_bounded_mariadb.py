"""A send's work in the shop does not grow with the shop's history, on every shipped SQL
connector (issue 15: "a shop pre-filled with 1,000,000 orders costs at most 1.2x the send into
an empty shop"), counted, never timed.

The same realistic orders (tests/orderdata.py, one shop) are sent into an empty shop and into a
fresh shop pre-filled with `HISTORY` orders (bench/connectors.py's `prefill`: the first send's
own rows copied and doubled server-side — so the history even carries the same references —,
keys shifted, dates a month back per generation); after each send every written order's
reference is looked up again as a crashed send's next attempt does (the exactly-once look-up,
with the floor the send recorded). MariaDB's performance_schema statement digests of the shop's
schema (bench/history_rows.py) count the rows each kind of statement examined. With history,
no statement kind may examine more than `FACTOR` times its rows in the empty shop plus `SLACK`:
a statement that reads the history reads at least `HISTORY` rows, far above the slack; a failure
names the statement. On this shared machine the load moves a timed send 3x; these counts do not
move with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import servers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import history_rows  # noqa: E402
from connectors import generate  # noqa: E402
from send_throughput import SinkSMTP  # noqa: E402

ORDERS = 80  # generated; one chunk of writes, a few held (currencies the test shops lack)
HISTORY = 10_000  # orders already in the bigger shop
FACTOR = 1.5
SLACK = 1_000  # rows: a tenth of the history


@pytest.fixture(scope="module")
def counting_server():
    """A mariadbd of its own with performance_schema on (the session's servers run without)."""
    with servers.MariaDBServer(extra_args=history_rows.COUNTING) as server:
        yield server


@pytest.fixture(scope="module")
def sink():
    smtp = SinkSMTP()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture(scope="module")
def orders(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("history-orders")
    generate(folder, ORDERS, 1, 13)
    return folder


def grown(empty: history_rows.Statements, full: history_rows.Statements) -> list[str]:
    """The statement kinds that examined more rows than the bound allows, with their counts."""
    return [f"{b:,} rows (empty shop: {a:,}): {text}"
            for _extra, text, a, b in history_rows.growth(empty, full)
            if b > FACTOR * a + SLACK]


@pytest.mark.parametrize("family", sorted(history_rows.HISTORY))
def test_rows_examined_do_not_grow_with_the_shops_history(family, counting_server, sink, orders,
                                                          tmp_path):
    got = history_rows.measure(family, counting_server, orders, tmp_path, sink, [0, HISTORY])
    (sent0, looked0), (sent, looked) = got[0], got[HISTORY]
    assert sent0.written > ORDERS // 2 and sent.written == sent0.written
    assert looked.written == looked0.written == sent.written
    problems = ([f"send: {p}" for p in grown(sent0, sent)]
                + [f"look-up: {p}" for p in grown(looked0, looked)])
    assert not problems, (f"{family}: with {HISTORY:,} orders of history these statements "
                          f"examined rows in proportion to it:\n" + "\n".join(problems))
    # and the whole send too (many small kinds could add up)
    assert sent.rows <= FACTOR * sent0.rows + SLACK
    assert looked.rows <= FACTOR * looked0.rows + SLACK
