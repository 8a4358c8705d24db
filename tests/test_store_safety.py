"""Keeping the state store safe: a file that is not a store is refused, the demo never writes
into someone's folder, `orderexchange backup` copies a live SQLite store consistently."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from orderexchange.backup import backup
from orderexchange.cli import main
from orderexchange.demo import run_demo
from orderexchange.errors import OXError
from orderexchange.store import Store


@pytest.mark.parametrize("content, detail", [
    (b"", "the file is empty (0 bytes)"),
    (b"customer,order\n1,2\n" * 50, "it is not an SQLite database"),
])
def test_a_file_that_is_not_a_store_is_refused_not_replaced(tmp_path, content, detail):
    path = tmp_path / "state.sqlite"
    path.write_bytes(content)
    with pytest.raises(OXError) as caught:
        Store(f"sqlite:///{path}")
    assert caught.value.code == "OX-STO-003" and detail in caught.value.message
    assert "backup" in caught.value.solution
    assert path.read_bytes() == content  # untouched


def test_another_programs_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(OXError) as caught:
        Store(f"sqlite:///{path}")
    assert caught.value.code == "OX-STO-003" and "orders" in caught.value.message


def test_the_cli_names_the_code_and_the_way_back(tmp_path, make_config):
    config = make_config()
    Path(config.store.url[len("sqlite:///"):]).write_bytes(b"")
    (tmp_path / "config.toml").write_text(
        f'[distributor]\nid = "acme"\nname = "ACME"\nemail = "o@acme.example"\n'
        f'[store]\nurl = "{config.store.url}"\n')
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "orders"])
    assert result.exit_code != 0
    assert "OX-STO-003" in result.output and "Restore the state store" in result.output


def test_a_new_store_file_is_still_created(tmp_path):
    Store(f"sqlite:///{tmp_path / 'new' / 'state.sqlite'}").close()
    assert (tmp_path / "new" / "state.sqlite").stat().st_size > 0


def test_demo_never_writes_into_a_folder_with_other_files(tmp_path):
    from rich.console import Console

    real = tmp_path / "real"
    real.mkdir()
    (real / "config.toml").write_text("# my real config\n")
    (real / "state.sqlite").write_bytes(b"precious")
    with pytest.raises(OXError) as caught:
        run_demo(real, Console(quiet=True))
    assert caught.value.code == "OX-CLI-003"
    assert (real / "config.toml").read_text() == "# my real config\n"
    assert (real / "state.sqlite").read_bytes() == b"precious"
    # a previous demo's folder may be used again
    demo = tmp_path / "demo"
    run_demo(demo, Console(quiet=True))
    run_demo(demo, Console(quiet=True))
    (demo / "notes.txt").write_text("mine")
    with pytest.raises(OXError, match="notes.txt"):
        run_demo(demo, Console(quiet=True))


def test_backup_copies_a_store_in_use(tmp_path, make_config):
    config = make_config()
    store = Store(config.store.url)
    store.set_setting("licence", "kept")
    stop = threading.Event()

    def keep_writing():  # a daemon at work while the backup runs
        n = 0
        while not stop.is_set():
            store.set_setting(f"k{n % 50}", str(n))
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = backup(config.store.url, tmp_path / "backups" / "state-copy.sqlite")
    finally:
        stop.set()
        writer.join()
    assert result.tables >= 5 and result.bytes > 0
    copy = Store(f"sqlite:///{result.dest}")
    assert copy.get_setting("licence") == "kept"
    copy.close()
    with pytest.raises(OXError) as caught:
        backup(config.store.url, result.dest)
    assert caught.value.code == "OX-STO-005"
    store.close()


def test_backup_command_and_server_stores(tmp_path, make_config, pg_url):
    config = make_config()
    Store(config.store.url).close()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[distributor]\nid = "acme"\nname = "ACME"\nemail = "o@acme.example"\n'
                   f'[store]\nurl = "{config.store.url}"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "backup",
                                       str(tmp_path / "b.sqlite")])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    with sqlite3.connect(tmp_path / "b.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with pytest.raises(OXError) as caught:
        backup(pg_url, tmp_path / "pg.sqlite")
    assert caught.value.code == "OX-STO-004" and "pg_dump" in caught.value.solution
    assert sa.engine.make_url(pg_url).host in caught.value.message
