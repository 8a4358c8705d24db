"""A directory of each supplier shop's customer keys: our own index of what the shop indexes not.

Customer matching compares keys no shop index serves (osCommerce's phone suffix and name +
postcode, modified's customer number, OpenCart 3.0's email): asked in the shop, each look-up reads
every customer of it — the cost of a send grew with the shop's life (issue 15). The directory keeps,
per supplier and key kind, normalised key → shop row id (customer, address), with a watermark: the
highest row id read. Built by one full read of the shop the first time a look-up needs it; from
then on each look-up first reads only the shop rows above the watermark (a primary-key range,
bounded by the new rows) and the ids below it that had no row when read (watched for `GAP_LIFE`:
rows committed after a later id, e.g. another daemon's new customers), then takes its candidates
from here. The connector re-reads those candidate rows by primary key and applies its own exact
comparison, so a stale entry can never match the wrong customer; it can only miss a customer
whose key was edited in the shop's admin after it was read — until the directory is rebuilt by a
full read, when it is older than the supplier's `customer_directory_max_age_hours`.

A cache: everything here can be dropped at any time and is rebuilt from the shop. Shared by the
daemons of one store (SQLite, PostgreSQL, MariaDB), never holding a store transaction longer than
one chunk of rows: a build writes a new generation in chunks (invisible to look-ups, which read
only the generation their mark names), then switches the mark to it if it is newer than the mark's
and removes the older generations; a range read adds to the mark's generation, and moves the
watermark and the watched ids on, only if the mark is still as it read it (else it reads again).
Whatever the interleaving of builders and readers, every shop row up to a mark's watermark is in
the generation it names or among its watched ids.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .schema import UtcDateTime, _aware, metadata, now

#: how long an id below the watermark that had no row is watched (re-read by id at every
#: look-up): a shop row whose id was taken before the watermark's but committed after it was read
#: (another daemon's chunk of new customers, a checkout) appears within it; an id still without a
#: row after it was rolled back or deleted
GAP_LIFE = timedelta(minutes=15)
#: a build watches the ids missing among the shop's newest BUILD_WATCH ids (older ones: deleted
#: customers, burnt ids — a transaction open while that many later ids committed is not real)
BUILD_WATCH = 1_000
#: at most this many watched ids: beyond, the watermark stops below the next one missing
MAX_GAPS = 1_000
#: attempts at an update of the directory that the store aborted (deadlock, lock wait)
TRIES = 5

customer_keys = sa.Table(
    "ox_key_directory", metadata,
    sa.Column("supplier_id", sa.String(64), primary_key=True),
    #: key kind and where in the shop it comes from (`CustomerKeys.kind`)
    sa.Column("kind", sa.String(64), primary_key=True),
    #: the build that wrote the row (`customer_key_marks.gen` names the one in use)
    sa.Column("gen", sa.BigInteger, primary_key=True, autoincrement=False),
    #: digest of the normalised key (`digest`): fixed length, no store collation in play
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("shop_id", sa.BigInteger, primary_key=True, autoincrement=False),
)

customer_key_marks = sa.Table(
    "ox_key_directory_marks", metadata,
    sa.Column("supplier_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(64), primary_key=True),
    #: the generation in use: every shop row up to `mark` is in it
    sa.Column("gen", sa.BigInteger, nullable=False),
    #: the highest shop row id read
    sa.Column("mark", sa.BigInteger, nullable=False),
    #: when the generation's full read was made (rebuilt once older than the max age)
    sa.Column("built_at", UtcDateTime, nullable=False),
    #: ids at or below `mark` the shop had no row for when read, with when they were first
    #: missed ("id:epoch seconds,…"): re-read by id at every look-up until they appear or are
    #: older than GAP_LIFE (an id taken by a transaction that had not committed yet)
    sa.Column("gaps", sa.Text, nullable=True),
)

#: rows per chunk of a build (one short store transaction each)
CHUNK = 5_000


def fold(text: str) -> str:
    """`text` folded at least as far as the shop's collations equate text (case, accents and
    compatibility forms, digits of any script, ignorable and space characters, ß as s or ss): two
    texts a `_ci` collation calls equal fold alike. Coarser than the collation is harmless (a
    candidate more, which the exact comparison in the shop drops); for keys the shop compares
    (`expr IN (…)`), never for those Python compares exactly.

    ASCII text (nearly every key: a phone suffix) takes `_fold_ascii`, the same result without
    a Python step per character (a build or range read folds every new customer's key)."""
    return _fold_ascii(text) if text.isascii() else _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    """`fold` of any text, a character at a time."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) or unicodedata.category(ch)[0] in "CZ" or ch.isspace():
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    folded = "".join(out).casefold()
    for a, b in (("æ", "ae"), ("œ", "oe"), ("ø", "o"), ("đ", "d"), ("ł", "l"), ("þ", "th")):
        folded = folded.replace(a, b)
    return re.sub("s+", "s", folded)


#: what `fold` drops of ASCII: the control characters (category C) and the space (Z; every
#: ASCII whitespace character is one of the two); NFKD, combining marks, other digits and the
#: ligatures do not occur in ASCII, and casefold is lower there
_ASCII_DROPPED = dict.fromkeys([*range(0x21), 0x7f])
_S_RUN = re.compile("s+")


def _fold_ascii(text: str) -> str:
    """`fold` of an ASCII text (tests/test_key_directory_fold.py proves them equal)."""
    folded = text.translate(_ASCII_DROPPED).lower()
    return _S_RUN.sub("s", folded) if "ss" in folded else folded


def digest(key: str) -> str:
    """The stored form of a normalised key: equal keys, equal digests (a collision only adds a
    candidate, which the connector's exact comparison drops)."""
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


#: a read of the shop's rows: those whose id is one of `ids` (any order), then those with an id
#: above `after` in id order (`after` None: all); yields (normalised key, row id) — a row may
#: yield several keys, or none (then its key is "")
ShopRead = Callable[[int | None, Sequence[int]], Iterable[tuple[str, int]]]


class _Moved(Exception):
    """Another daemon moved the mark between this one's read of it and its update: read again."""


class _Shrunk(Exception):
    """The shop's highest id is below the watermark (a shop restored from a backup, a table
    emptied): its new rows would take ids the directory never reads again — rebuild."""


#: the shop's highest row id now (an index read), asked only when no row at or above the
#: watermark was read
ShopTop = Callable[[], int]


def _gaps_of(text: str | None) -> dict[int, int]:
    out = {}
    for part in (text or "").split(","):
        if part:
            i, _sep, t = part.partition(":")
            out[int(i)] = int(t)
    return out


def _gaps_text(gaps: dict[int, int]) -> str:
    return ",".join(f"{i}:{t}" for i, t in sorted(gaps.items()))


def _missing(low: int, high: int, present: set[int], step: tuple[int, int]) -> list[int]:
    """The ids in (low, high] the server could have given (`step`: auto_increment_increment
    and _offset) that `present` lacks."""
    increment, offset = step
    first = low + 1
    first += (offset - first) % increment
    return [i for i in range(first, high + 1, increment) if i not in present]


def _cut(mark: int, high: int, gaps: dict[int, int]) -> tuple[int, dict[int, int]]:
    """(watermark, watched gaps): `high` with every gap watched, or — more than MAX_GAPS — the
    watermark stops below the first gap not watched."""
    if len(gaps) <= MAX_GAPS:
        return max(mark, high), gaps
    ids = sorted(gaps)
    stop = ids[MAX_GAPS]
    return max(mark, stop - 1), {i: gaps[i] for i in ids[:MAX_GAPS]}


def _insert_ignoring(conn: sa.Connection, rows: list[dict[str, Any]],
                     table: sa.Table = customer_keys) -> None:
    """Insert rows, skipping those already there (another daemon's)."""
    if not rows:
        return
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        stmt: Any = sqlite_insert(table).on_conflict_do_nothing()
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt = pg_insert(table).on_conflict_do_nothing()
    else:
        stmt = table.insert().prefix_with("IGNORE")
    conn.execute(stmt, rows)


class CustomerKeys:
    """The directory of one supplier's shop, in the state store of `engine`."""

    def __init__(self, engine: Engine, supplier_id: str, max_age: timedelta) -> None:
        self.engine = engine
        self.supplier_id = supplier_id
        self.max_age = max_age
        #: what the last `candidates` call did: "built" (a full read), "range" (rows above the
        #: watermark), for `test db` and the tests
        self.last = ""

    @staticmethod
    def kind(name: str, source: str) -> str:
        """The stored kind: `name` ("phone6", "name+postcode", "number", "email") and a digest
        of where it is read (database, table, column): another shop, prefix or column setting
        is another directory, never a mix."""
        return f"{name}/{digest(source)[:16]}"

    def _mark(self, conn: sa.Connection, kind: str
              ) -> tuple[int, int, datetime, str] | None:
        """(generation, watermark, built at, watched gaps) of `kind`, None: never built."""
        m = customer_key_marks.c
        row = conn.execute(sa.select(m.gen, m.mark, m.built_at, m.gaps).where(
            m.supplier_id == self.supplier_id, m.kind == kind)).first()
        return None if row is None else (int(row.gen), int(row.mark), _aware(row.built_at),
                                         row.gaps or "")

    def _chunks(self, kind: str, gen: int, read: Iterable[tuple[str, int]],
                seen: Any) -> Iterator[tuple[list[dict[str, Any]], int]]:
        """What `read` yields as directory rows of `gen`, CHUNK at a time, with the highest
        shop row id read so far (0: none); every id read goes into `seen` (a set, or a
        bounded deque). A shop with a million customers is never held in memory."""
        rows: dict[tuple[str, int], dict[str, Any]] = {}
        high = 0
        add = seen.add if isinstance(seen, set) else seen.append
        for key, shop_id in read:
            shop_id = int(shop_id)
            high = max(high, shop_id)
            add(shop_id)
            if key:
                d = digest(key)
                rows[(d, shop_id)] = {"supplier_id": self.supplier_id, "kind": kind, "gen": gen,
                                      "key": d, "shop_id": shop_id}
                if len(rows) >= CHUNK:
                    yield list(rows.values()), high
                    rows = {}
        yield list(rows.values()), high

    def build(self, kind: str, read: ShopRead, at: datetime,
              step: tuple[int, int] = (1, 1)) -> None:
        """Rebuild `kind` from a full read of the shop: a new generation written in chunks,
        then the mark switched to it — unless a newer build switched first, whose generation
        stays (this one's rows go). The ids missing among the newest BUILD_WATCH are watched."""
        gen = time.time_ns() // 1_000 * 1_000 + secrets.randbelow(1_000)
        k, m = customer_keys.c, customer_key_marks.c
        high = 0
        newest: deque[int] = deque(maxlen=BUILD_WATCH)
        for rows, high in self._chunks(kind, gen, read(None, []), newest):
            with self.engine.begin() as conn:
                _insert_ignoring(conn, rows)
        seconds = int(at.timestamp())
        low = max(0, high - BUILD_WATCH * step[0])
        mark, gaps = _cut(0, high, {i: seconds for i in _missing(low, high, set(newest), step)})
        mine = (k.supplier_id == self.supplier_id) & (k.kind == kind)
        values = {"gen": gen, "mark": mark, "built_at": at, "gaps": _gaps_text(gaps)}
        with self.engine.begin() as conn:
            _insert_ignoring(conn, [{"supplier_id": self.supplier_id, "kind": kind, **values}],
                             customer_key_marks)
            conn.execute(customer_key_marks.update().where(
                m.supplier_id == self.supplier_id, m.kind == kind, m.gen < gen).values(**values))
            current = self._mark(conn, kind)
        in_use = current[0] if current is not None else gen
        with self.engine.begin() as conn:  # older generations (or this one, if it lost)
            conn.execute(customer_keys.delete().where(
                mine, (k.gen < in_use) if in_use == gen else (k.gen == gen)))
        self.last = "built"

    def extend(self, kind: str, read: ShopRead, state: tuple[int, int, datetime, str],
               at: datetime, step: tuple[int, int] = (1, 1), top: ShopTop | None = None
               ) -> None:
        """Add the shop rows from the watermark on and those of the watched gaps to the
        generation in use, and move the watermark to the highest id read, watching the ids
        below it that had no row. Raises _Moved when another daemon changed the mark since
        `state` was read (nothing written: the caller reads again), _Shrunk when no row at or
        above the watermark was read and the shop's highest id (`top`) is below it."""
        gen, mark, _built, text = state
        seconds = int(at.timestamp())
        life = int(GAP_LIFE.total_seconds())
        watched = {i: t for i, t in _gaps_of(text).items() if t > seconds - life}
        present: set[int] = set()
        rows: list[dict[str, Any]] = []
        high = 0
        # from the watermark's own row on: without it and anything above, the shop may have
        # gone back below the watermark
        for chunk, high in self._chunks(kind, gen, read(mark - 1 if mark > 0 else None,
                                                        sorted(watched)), present):
            rows += chunk
        if high < mark and top is not None and top() < mark:
            raise _Shrunk()
        gaps = {i: t for i, t in watched.items() if i not in present}
        if high > mark:
            gaps.update({i: seconds for i in _missing(mark, high, present, step)})
        new_mark, gaps = _cut(mark, high, gaps)
        m = customer_key_marks.c
        with self.engine.begin() as conn:
            # the mark's row first, unchanged since read: it holds a build's switch back until
            # this commits (whose clean-up then removes these rows with their generation), and
            # a concurrent range read's state is never overwritten by an older one
            if not conn.execute(customer_key_marks.update().where(
                    m.supplier_id == self.supplier_id, m.kind == kind, m.gen == gen,
                    m.mark == mark, sa.func.coalesce(m.gaps, "") == text).values(
                    mark=new_mark, gaps=_gaps_text(gaps))).rowcount:
                raise _Moved()
            _insert_ignoring(conn, rows)
        self.last = "range"

    def refresh(self, kind: str, read: ShopRead, at: datetime | None = None,
                step: tuple[int, int] = (1, 1), top: ShopTop | None = None) -> None:
        """Bring `kind` up to date: a full read when never built, older than the max age or
        above the shop's highest id, else the rows above the watermark and the watched gaps."""
        at = at or now()
        with self.engine.connect() as conn:
            state = self._mark(conn, kind)
        if state is not None and at - state[2] < self.max_age:
            try:
                self.extend(kind, read, state, at, step, top)
                return
            except _Shrunk:
                pass
        self.build(kind, read, at, step)

    def candidates(self, kind: str, keys: Iterable[str], read: ShopRead,
                   at: datetime | None = None, step: tuple[int, int] = (1, 1),
                   top: ShopTop | None = None) -> set[int] | None:
        """The shop row ids whose key (when read) was one of `keys`, after `refresh`. None when
        the store would not take the update (a deadlock with another daemon's build, a lock
        wait, another daemon's update in between), TRIES times over: the caller reads the shop
        as without a directory."""
        wanted = sorted({digest(k) for k in keys if k})
        if not wanted:
            return set()
        for attempt in range(TRIES):
            try:
                self.refresh(kind, read, at, step, top)
                break
            except (sa.exc.OperationalError, _Moved):  # rolled back: read again
                if attempt == TRIES - 1:
                    self.last = "failed"
                    return None
        k, m = customer_keys.c, customer_key_marks.c
        out: set[int] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                # one statement: the generation in use and its rows, as of one moment
                out.update(int(r.shop_id) for r in conn.execute(
                    sa.select(k.shop_id).join_from(customer_keys, customer_key_marks, sa.and_(
                        m.supplier_id == k.supplier_id, m.kind == k.kind, m.gen == k.gen))
                    .where(k.supplier_id == self.supplier_id, k.kind == kind,
                           k.key.in_(wanted[i:i + 500]))))
        return out

    def drop(self) -> None:
        """Forget this supplier's directory (rebuilt at the next look-up)."""
        with self.engine.begin() as conn:
            conn.execute(customer_keys.delete().where(
                customer_keys.c.supplier_id == self.supplier_id))
            conn.execute(customer_key_marks.delete().where(
                customer_key_marks.c.supplier_id == self.supplier_id))


def customer_directory(store: Any, supplier: Any) -> CustomerKeys | None:
    """The directory of `supplier`'s shop in `store` (a `Store`), None when the supplier switched
    it off (`customer_directory_max_age_hours = 0`)."""
    hours = supplier.customer_directory_max_age_hours
    return CustomerKeys(store.engine, supplier.id, timedelta(hours=hours)) if hours > 0 else None
