"""`orderexchange backup DEST`: a consistent copy of an SQLite state store, taken while it runs.

Why not a file copy: the store runs in WAL mode, so the newest commits may sit in the `-wal` file
and a copy of the main file alone (or of both at slightly different moments) can be torn. SQLite's
online backup API copies a consistent snapshot page by page while daemons keep working, and the
copy is checked (`PRAGMA integrity_check`) before it is moved into place under its final name —
a backup that exists is a complete one.

PostgreSQL and MariaDB stores are backed up with their own tools (pg_dump, mariadb-dump); the
README names the commands. Here they get OX-STO-004 saying so.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .errors import OXError
from .store.connect import _refuse_foreign_file, sqlite_path


@dataclass
class BackupResult:
    dest: Path
    bytes: int
    tables: int


def backup(store_url: str, dest: Path) -> BackupResult:
    """Copy the SQLite state store at `store_url` to the new file `dest`."""
    source = sqlite_path(store_url)
    if source is None:
        url = sa.engine.make_url(store_url)
        raise OXError("OX-STO-004", where=url.render_as_string(),
                      backend=url.get_backend_name())
    dest = Path(dest).expanduser()
    if dest.exists():
        raise OXError("OX-STO-005", dest=dest)
    _refuse_foreign_file(source)
    if not source.exists():
        raise OXError("OX-STO-003", path=source, detail="there is no such file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        out = sqlite3.connect(partial)
        try:
            src.backup(out, pages=1024)  # in steps: writers are not blocked for the whole copy
            checked = out.execute("PRAGMA integrity_check").fetchone()[0]
            tables = out.execute("SELECT count(*) FROM sqlite_master "
                                 "WHERE type = 'table' AND name LIKE 'ox\\_%' ESCAPE '\\'"
                                 ).fetchone()[0]
        finally:
            out.close()
    finally:
        src.close()
    if checked != "ok":
        partial.unlink(missing_ok=True)
        raise OXError("OX-STO-003", path=source, detail=f"integrity check: {checked}")
    partial.rename(dest)
    return BackupResult(dest, dest.stat().st_size, tables)
