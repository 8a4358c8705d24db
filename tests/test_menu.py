"""`orderexchange menu` end to end in a real terminal: tmux runs it at 80×24, the test types keys
with `send-keys` and reads the screen with `capture-pane` (tools/test.sh installs tmux)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sshd import keygen

from orderexchange import config as config_mod, licence
from orderexchange.actions.settings import SettingsEditor
from orderexchange.cli import main
from orderexchange.demo import write_workspace
from orderexchange.errors import OXError
from orderexchange.store import Store

# like tests/test_daemon.py: the test key is trusted inside this process only, through the seam
HARNESS = """
import sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from orderexchange import licence
from orderexchange.cli import main
with licence._trust_keys_for_tests([load_pem_public_key(open(sys.argv[1], 'rb').read())]):
    main(sys.argv[2:])
"""


class Tmux:
    """One private tmux server (own socket) holding one 80×24 pane."""

    def __init__(self, status: Path) -> None:
        self.status = status
        if shutil.which("tmux") is None:
            pytest.fail("tmux is needed for the menu tests: apt-get install tmux "
                        "(tools/test.sh installs it)")
        self.socket = f"oxmenu-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              check=True, capture_output=True, text=True).stdout

    def start(self, command: list[str]) -> None:
        self._tmux("new-session", "-d", "-s", "menu", "-x", "80", "-y", "24",
                   " ".join(map(_quote, command)) + f"; echo $? > {_quote(str(self.status))}"
                   "; sleep 600")  # the pane stays readable after the menu exits

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "menu")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "menu", key)
            time.sleep(0.05)  # let prompt_toolkit read one key at a time

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "menu", "-l", text)

    def wait_for(self, *texts: str, absent: str | None = None) -> str:
        """Poll the pane until every text shows (bounded number of polls, not a clock)."""
        screen = ""
        for _ in range(600):
            screen = self.screen()
            if all(t in screen for t in texts) and (absent is None or absent not in screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{texts} never showed; the screen:\n{screen}")

    def exit_status(self) -> int:
        """Wait (bounded) for the menu to exit; its exit status."""
        for _ in range(600):
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text())
            time.sleep(0.1)
        raise AssertionError(f"the menu did not exit; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _quote(part: str) -> str:
    import shlex
    return shlex.quote(part)


@pytest.fixture
def tmux(tmp_path):
    term = Tmux(tmp_path / "menu-exit-status")
    yield term
    term.close()


@pytest.fixture
def desk(tmp_path, vendor_key, demo_licence_code):
    """A demo workspace with two draft supplier orders, activated; the config has comments."""
    from cryptography.hazmat.primitives import serialization

    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    text = cfg.read_text()
    text = "# orderexchange config of the demo desk\n" + text.replace(
        'email = "orders@alpha-tools.example"',
        'email = "orders@alpha-tools.example"   # the order desk')
    cfg.write_text(text)
    runner = CliRunner()
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        runner.invoke(main, ["--config", str(cfg), *args])
    pem = tmp_path / "test-vendor.pem"
    pem.write_bytes(vendor_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    command = [sys.executable, "-c", HARNESS, str(pem), "--config", str(cfg), "menu"]
    return cfg, command


def states(cfg):
    store = Store(config_mod.load(cfg).store.url)
    try:
        return [r["state"] for r in store.list_supplier_orders()]
    finally:
        store.close()


def test_menu_shows_held_customer_orders(desk, tmux):
    """Issue 13 §2: the header counts held customer orders per supplier, the supplier-order
    list has a `held` column."""
    cfg, command = desk
    store = Store(config_mod.load(cfg).store.url)
    try:
        [row] = store.hold_by_hand(["1002"], "alpha")
    finally:
        store.close()
    tmux.start(command)
    main_screen = tmux.wait_for("What do you want to do?", "Quit")
    assert "Held customer orders: alpha (1)" in main_screen
    tmux.keys("1", "Enter")
    listing = tmux.wait_for("Select:", "alpha", "beta")
    assert re.search(r"orders +held +lines", listing), listing
    held = rf"{row['supplier_order']}  check_failed +alpha +1 +1 +2 +37\.50"
    assert re.search(held, listing), listing
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?")


def test_menu_holds_and_releases_the_customer_orders_of_a_supplier_order(desk, tmux):
    """The menu shows held orders, so it can hold and release them too: Hold and Release on a
    selected supplier order run `holding.hold` / `holding.release`, the actions of
    `orderexchange hold` / `release` (at that supplier order's supplier), and print the same
    table."""
    cfg, command = desk
    tmux.start(command)
    tmux.wait_for("What do you want to do?", "Held customer orders: none")
    tmux.keys("1", "Enter")
    tmux.wait_for("Select:", "alpha", "beta")
    tmux.keys("Space", "Enter")  # supplier order 1 (alpha)
    tmux.wait_for("1 selected:")
    tmux.keys("6", "Enter")  # Hold
    screen = tmux.wait_for("Hold", "Press any key")
    held = [line for line in screen.splitlines() if re.search(r"│ alpha +│ 1 +│ held", line)]
    assert len(held) == 2 and "2 held" in screen, screen
    store = Store(config_mod.load(cfg).store.url)
    try:
        assert sorted(h["supplier"] for h in store.held_orders()) == ["alpha", "alpha"]
        assert store.supplier_order(1).state.value == "check_failed"
    finally:
        store.close()
    tmux.keys("Enter")
    listing = tmux.wait_for("Select:", "check_failed")
    assert re.search(r"1  check_failed +alpha +2 +2 ", listing), listing
    tmux.keys("Space", "Enter")
    tmux.wait_for("1 selected:")
    tmux.keys("7", "Enter")  # Release
    screen = tmux.wait_for("Release", "2 released", "Press any key")
    assert "`orderexchange retry 1`" in " ".join(screen.split()), screen
    store = Store(config_mod.load(cfg).store.url)
    try:
        assert store.held_orders() == []
    finally:
        store.close()
    tmux.keys("Enter")
    tmux.wait_for("Select:")
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?", "Held customer orders: none")
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0


def test_menu_selects_two_supplier_orders_and_sends_them(desk, tmux):
    cfg, command = desk
    assert states(cfg) == ["draft", "draft"]
    tmux.start(command)
    main_screen = tmux.wait_for("What do you want to do?", "Quit")
    assert "active for ACME Distribution" in main_screen
    assert "Supplier orders:      2 draft" in main_screen
    assert "Customer orders open: 0" in main_screen and "Failures waiting:     none" in main_screen

    tmux.keys("1", "Enter")
    listing = tmux.wait_for("Select:", "alpha", "beta")
    assert "Select: (space: select, a: all, enter: continue)" in listing  # fits in 80 columns
    assert re.search(r"1  draft +alpha +2 +3 +51\.90", listing)
    tmux.keys("Space", "Enter")
    tmux.wait_for("1 selected:")
    tmux.keys("C-c")  # Ctrl-C: back to the list, nothing done
    tmux.wait_for("Select:", absent="1 selected:")
    tmux.keys("Space", "Down", "Space", "Enter")
    tmux.wait_for("2 selected:")
    tmux.keys("2", "Enter")  # Send
    results = tmux.wait_for("Send results", "Press any key")
    rows = [line for line in results.splitlines() if "│ notified │" in line]
    assert len(rows) == 2 and "alpha" in rows[0] and "beta" in rows[1], results
    # one progress bar per supplier, each finished, above the results table
    progress = results[:results.index("Send results")]
    assert re.search(r"^alpha +━+ 1/1 order 1: notified", progress, re.M), results
    assert re.search(r"^beta +━+ 1/1 order 2: notified", progress, re.M), results
    assert states(cfg) == ["notified", "notified"]

    tmux.keys("Enter")  # back to the refreshed list
    tmux.wait_for("Select:", "notified")
    tmux.keys("C-c")  # Ctrl-C: back to the main screen
    tmux.wait_for("What do you want to do?", "2 notified")
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0


def test_menu_settings_discard_keeps_the_file_and_save_keeps_its_comments(desk, tmux):
    cfg, command = desk
    before = cfg.read_bytes()
    tmux.start(command)

    def edit_alpha_email(value):
        tmux.wait_for("What do you want to do?")
        tmux.keys("2", "Enter")  # Settings
        tmux.wait_for("Settings:")
        tmux.keys("1", "Enter")  # Suppliers
        tmux.wait_for("Supplier:", "orders@alpha-tools.example")
        tmux.keys("Enter")  # alpha
        tmux.wait_for("Supplier alpha:")
        tmux.keys("2", "Enter")  # Edit email
        tmux.wait_for("Email of alpha")
        tmux.keys("C-u")
        tmux.type(value)
        tmux.keys("Enter")
        tmux.wait_for("Supplier: (Use arrow keys)", value)  # the list reads keys again
        tmux.keys("C-c")  # back to the settings screen
        tmux.wait_for("Unsaved changes", "Settings:")

    edit_alpha_email("desk@alpha.example")
    tmux.keys("5", "Enter")  # Back, with unsaved changes
    tmux.wait_for("You have unsaved changes", "Discard")
    tmux.keys("2", "Enter")  # Discard
    tmux.wait_for("What do you want to do?")
    assert cfg.read_bytes() == before

    edit_alpha_email("desk@alpha.example")
    tmux.keys("4", "Enter")  # Save
    saved = tmux.wait_for("Saved", "Settings:")
    assert "Unsaved changes" not in saved
    text = cfg.read_text()
    assert 'email = "desk@alpha.example"   # the order desk' in text
    assert text.startswith("# orderexchange config of the demo desk\n")
    assert text.replace("desk@alpha.example", "orders@alpha-tools.example").encode() == before
    assert config_mod.load(cfg).supplier("alpha").email == "desk@alpha.example"
    tmux.keys("5", "Enter")  # Back: nothing unsaved, no question
    tmux.wait_for("What do you want to do?")
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0


# --- the settings editor without a terminal -------------------------------------------------
def test_settings_editor_refuses_an_invalid_edit_and_leaves_the_file(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    before = cfg.read_text()
    editor = SettingsEditor(cfg)
    editor.doc["mail"]["port"] = "not a port"
    assert editor.dirty
    with pytest.raises(OXError) as exc:
        editor.save()
    assert exc.value.code == "OX-CFG-004" and "mail.port" in exc.value.message
    assert cfg.read_text() == before


def test_settings_editor_keeps_env_references_and_file_mode(tmp_path, monkeypatch):
    cfg = write_workspace(tmp_path / "ws")
    cfg.write_text(cfg.read_text().replace('transport = "file"',
                                           'transport = "file"\npassword = "${OX_TEST_PW}"'))
    cfg.chmod(0o600)
    monkeypatch.setenv("OX_TEST_PW", "s3cret")
    editor = SettingsEditor(cfg)
    editor.suppliers()["beta"]["active"] = False
    editor.save()
    text = cfg.read_text()
    assert 'password = "${OX_TEST_PW}"' in text and "s3cret" not in text
    assert config_mod.load(cfg).supplier("beta").active is False
    assert cfg.stat().st_mode & 0o777 == 0o600 and not editor.dirty


class _Answer:
    def __init__(self, value):
        self.value = value

    def unsafe_ask(self):
        return self.value


def test_menu_cancel_uses_the_cancel_engine_and_shows_failures(tmp_path, demo_licence_code,
                                                               monkeypatch, capsys):
    """Cancel on a draft supplier order cancels its customer orders everywhere, as `cancel`
    does: 1001 is also written at alpha, whose demo shop has no cancelled status, so that part
    fails with its code and solution and 1001 stays open; 1003 (beta only) is cancelled."""
    import questionary

    from orderexchange.actions.app import App
    from orderexchange.menu import Menu

    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    runner = CliRunner()
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"], ["send", "1"]):
        runner.invoke(main, ["--config", str(cfg), *args])
    app = App(cfg)
    assert [r["state"] for r in app.store.list_supplier_orders()] == ["notified", "draft"]
    monkeypatch.setattr(questionary, "confirm", lambda *a, **k: _Answer(True))
    monkeypatch.setattr(questionary, "text", lambda *a, **k: _Answer("customer withdrew"))
    capsys.readouterr()
    Menu(app).cancel([2])
    out, err = capsys.readouterr()
    assert "They are also in supplier orders 1 (alpha)" in out
    assert "Customer order 1003: cancelled" in out
    assert "Customer order 1001: not cancelled (stays built)" in out
    assert "OX-WRT-003" in err and "OX-LOG-004" in err and "solution:" in err
    assert [r["state"] for r in app.store.list_supplier_orders()] == ["notified", "cancelled"]


def test_settings_editor_schedule_keeps_the_other_jobs_and_refuses_a_bad_cron(tmp_path):
    cfg = write_workspace(tmp_path / "ws")
    editor = SettingsEditor(cfg)
    assert editor.jobs()["sync"] == {"every": 900.0, "enabled": False}
    editor.set_job("fetch", cron="*/10 6-20 * * mon-fri")
    editor.set_job("sync", enabled=True)
    editor.save()
    jobs = config_mod.load(cfg).daemon.jobs
    assert (jobs["fetch"].cron, jobs["fetch"].every) == ("*/10 6-20 * * mon-fri", None)
    assert jobs["sync"].enabled and jobs["sync"].every == 900
    assert jobs["build"].every == 300 and jobs["send"].every == 60  # defaults written out
    editor.set_job("build", every=90)
    editor.doc["daemon"]["jobs"]["send"]["cron"] = "61 * * * *"  # as if typed into the file
    editor.doc["daemon"]["jobs"]["send"].pop("every")
    before = cfg.read_text()
    with pytest.raises(OXError) as exc:
        editor.save()
    assert exc.value.code == "OX-CFG-004" and "daemon.jobs.send.cron" in exc.value.message
    assert cfg.read_text() == before


def test_settings_editor_add_supplier_is_validated_before_it_joins(tmp_path):
    from orderexchange.actions.settings import supplier_table
    from orderexchange.plugin_host import PluginHost

    cfg = write_workspace(tmp_path / "ws")
    editor = SettingsEditor(cfg)
    types = PluginHost().connector_types()
    draft = {"name": "Gamma", "email": "g@gamma.example", "connector": "oscommerce",
             "url": "mysql+pymysql://ox:pw@shop.gamma.example/shop", "language": "de"}
    with pytest.raises(OXError) as exc:  # a password in the URL: refused by the config model
        editor.add_supplier("gamma", supplier_table(draft), types)
    assert exc.value.code == "OX-CFG-004" and "suppliers.gamma.database.url" in exc.value.message
    del draft["url"]
    with pytest.raises(OXError) as exc:  # a shop connector without a database
        editor.add_supplier("gamma", supplier_table(draft), types)
    assert exc.value.code == "OX-CHK-011"
    assert not editor.dirty and "gamma" not in editor.suppliers()


def test_menu_self_tests_mail_settings_and_activation_screens(desk, tmux, vendor_key):
    cfg, command = desk
    before = cfg.read_bytes()
    tmux.start(command)
    tmux.wait_for("What do you want to do?")
    tmux.keys("3", "Enter")  # Self-tests
    tmux.wait_for("Self-test:", "Shop database of beta", "Mail account")
    tmux.keys("Enter")  # the shop database of alpha, stage by stage, as `test db alpha`
    # (the report may be taller than 24 rows: its title can scroll off, its stages stay)
    screen = tmux.wait_for("tables and columns", "Press any key")
    assert re.search(r"tables and columns +│ ok", screen), screen
    tmux.keys("Enter")
    tmux.wait_for("Self-test:")
    tmux.keys("Down", "Down", "Enter")  # Mail account
    tmux.wait_for("Also send a test message to")
    tmux.keys("Enter")  # no test recipient
    screen = tmux.wait_for("Mail transport file", "Press any key")
    assert re.search(r"outbox writable +│ ok", screen)
    tmux.keys("Enter")
    tmux.wait_for("Self-test:")
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?")

    tmux.keys("2", "Enter")  # Settings → Mail account → port: a port is a number
    tmux.wait_for("Settings:")
    tmux.keys("2", "Enter")
    tmux.wait_for("Mail account:", "transport", "file")
    for _ in range(3):
        tmux.keys("Down")
    tmux.keys("Enter")  # port
    tmux.wait_for("port:")
    tmux.type("abc")
    tmux.keys("Enter")
    tmux.wait_for("A port is a number", "Mail account: (Use arrow keys)")  # reads keys again
    tmux.keys("C-c")  # back to settings: nothing changed, so Back asks nothing
    tmux.wait_for("Settings:", absent="Unsaved changes")
    tmux.keys("5", "Enter")
    tmux.wait_for("What do you want to do?")
    assert cfg.read_bytes() == before

    tmux.keys("4", "Enter")  # Activation: what the current code grants, then a prompt
    screen = tmux.wait_for("Current licence", "Activation code (empty: back)")
    assert "ACME Distribution" in screen and "daemon, oscommerce" in screen
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?")

    # a new code: a typo is refused with its code, the real one shows what it grants first
    smaller = licence.encode({"licensee": "ACME Distribution", "distributor_id": "demo",
                              "max_suppliers": 3, "features": ["daemon"]}, vendor_key)
    tmux.keys("4", "Enter")
    tmux.wait_for("Activation code (empty: back)")
    tmux.type(smaller[:-3] + "XYZ")
    tmux.keys("Enter")
    screen = tmux.wait_for("OX-LIC-", "solution:")
    tmux.type(smaller)
    tmux.keys("Enter")
    screen = tmux.wait_for("This code grants", "Activate it (replaces the current code)?")
    assert re.search(r"active suppliers +│ 2 of 3", screen), screen
    assert re.search(r"features +│ daemon +│", screen), screen
    tmux.keys("y")
    tmux.wait_for("Activated", "Press any key")
    tmux.keys("Enter")
    tmux.wait_for("What do you want to do?")
    tmux.keys("C-c")  # Ctrl-C on the main screen quits
    assert tmux.exit_status() == 0
    lic = json.loads(CliRunner().invoke(main, ["--config", str(cfg), "licence", "--json"]).stdout)
    assert (lic["max_suppliers"], lic["features"]) == (3, ["daemon"])


def _settings(tmux):
    tmux.wait_for("What do you want to do?")
    tmux.keys("2", "Enter")
    tmux.wait_for("Settings:", "Schedule")


def test_menu_adds_a_supplier_and_saves_it_with_the_comments(desk, tmux, monkeypatch):
    cfg, command = desk
    before = cfg.read_text()
    keys = cfg.parent / "keys"
    keys.mkdir()
    keygen(keys / "gamma_ed25519", "gamma", passphrase="gamma-pp")
    tmux.start(["env", "OX_GAMMA_PW=gamma-s3cret", "OX_GAMMA_KEY_PP=gamma-pp", *command])
    _settings(tmux)
    tmux.keys("1", "Enter")  # Suppliers
    tmux.wait_for("Supplier:", "Add supplier")
    tmux.keys("Down", "Down", "Enter")  # Add supplier
    tmux.wait_for("Supplier id")
    tmux.type("alpha")
    tmux.keys("Enter")
    # the id is asked again with the refused answer: clear it once that prompt is up
    tmux.wait_for("Supplier alpha exists already.\n? Supplier id (letters, digits, - and _): "
                  "alpha")
    time.sleep(0.2)  # prompt_toolkit drew the prompt; let it start reading keys
    tmux.keys("C-u")
    tmux.type("gamma")
    tmux.keys("Enter")
    tmux.wait_for("Name:")
    tmux.type("Gamma Fasteners")
    tmux.keys("Enter")
    tmux.wait_for("Order email address:")
    tmux.keys("C-c")  # interrupted: back to the list, the answers so far are kept
    tmux.wait_for("Supplier:", "Add supplier")
    tmux.keys("Down", "Down", "Enter")
    tmux.wait_for("Supplier id (letters, digits, - and _): gamma")
    tmux.keys("Enter")
    tmux.wait_for("Name: Gamma Fasteners")  # kept from the interrupted try
    tmux.keys("Enter")
    tmux.wait_for("Order email address:")
    tmux.type("orders@gamma.example")
    tmux.keys("Enter")
    tmux.wait_for("Connector type:")
    tmux.keys("Enter")  # oscommerce, the default
    tmux.wait_for("Database URL:")
    tmux.type("mysql+pymysql://exchange@shop.gamma.example:3306/shop")
    tmux.keys("Enter")
    tmux.wait_for("Password variable: GAMMA_DB_PASSWORD")
    tmux.keys("C-u")
    tmux.type("OX_GAMMA_PW")
    tmux.keys("Enter")
    # the shop's database listens only on its server: through the supplier's SSH server
    tmux.wait_for("Reach the database through the supplier's SSH server?")
    tmux.type("y")
    tmux.wait_for("SSH server (host name):")
    tmux.type("shop.gamma.example")
    tmux.keys("Enter")
    tmux.wait_for("SSH port: 22")
    tmux.keys("C-u")
    tmux.type("22x")
    tmux.keys("Enter")
    tmux.wait_for("A port is a number from 1 to 65535")
    tmux.keys("C-u")
    tmux.type("2222")
    tmux.keys("Enter")
    tmux.wait_for("SSH user: orderexchange")
    tmux.keys("Enter")
    tmux.wait_for("Key file: keys/gamma_ed25519")
    tmux.keys("Enter")
    tmux.wait_for("Passphrase variable (empty: the key has none):")
    tmux.type("OX_GAMMA_KEY_PP")
    tmux.keys("Enter")
    tmux.wait_for("Database host there: 127.0.0.1")
    tmux.keys("Enter")
    tmux.wait_for("Language of its emails:")
    tmux.keys("Down", "Enter")  # de
    tmux.wait_for("Active (orders are sent to it)?")
    tmux.keys("Enter")
    screen = tmux.wait_for("Supplier gamma added", "[suppliers.gamma.connector]",
                           "Supplier: (Use arrow keys)", "gamma ")
    assert re.search(r"gamma +active +orders@gamma\.example", screen), screen
    assert cfg.read_text() == before  # nothing written before Save
    tmux.keys("C-c")
    tmux.wait_for("Unsaved changes", "Settings:")
    tmux.keys("4", "Enter")  # Save
    tmux.wait_for("Saved", "Settings:", absent="Unsaved changes")
    text = cfg.read_text()
    assert text.startswith(before)  # the old file, comments and all, is untouched
    assert 'email = "orders@alpha-tools.example"   # the order desk' in text
    assert 'password = "${OX_GAMMA_PW}"' in text and "gamma-s3cret" not in text
    assert 'key_passphrase = "${OX_GAMMA_KEY_PP}"' in text and "gamma-pp" not in text
    monkeypatch.setenv("OX_GAMMA_PW", "gamma-s3cret")
    monkeypatch.setenv("OX_GAMMA_KEY_PP", "gamma-pp")
    gamma = config_mod.load(cfg).supplier("gamma")
    assert (gamma.name, gamma.email, gamma.connector, gamma.language, gamma.active) == (
        "Gamma Fasteners", "orders@gamma.example", "oscommerce", "de", True)
    ssh = gamma.database.ssh
    assert (ssh.host, ssh.port, ssh.user, ssh.key_file, ssh.remote_host, ssh.host_key) == (
        "shop.gamma.example", 2222, "orderexchange", keys / "gamma_ed25519", "127.0.0.1", [])
    check = CliRunner().invoke(main, ["--config", str(cfg), "config", "check"])
    assert check.exit_code == 0, check.output
    assert "supplier gamma" in check.output
    tmux.keys("5", "Enter")
    tmux.wait_for("What do you want to do?")
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0


def test_menu_schedule_edit_then_discard_leaves_the_file(desk, tmux):
    cfg, command = desk
    before = cfg.read_bytes()
    tmux.start(command)
    _settings(tmux)
    tmux.keys("3", "Enter")  # Schedule
    screen = tmux.wait_for("Daemon job (cron in UTC)", "fetch", "sync")
    assert re.search(r"fetch +every 1 min", screen) and re.search(r"sync +off \(every 15 min\)",
                                                                  screen), screen
    tmux.keys("Enter")  # fetch
    tmux.wait_for("Job fetch:")
    tmux.keys("2", "Enter")  # Cron expression
    tmux.wait_for("Cron:")
    tmux.type("*/10 25 * * *")
    tmux.keys("Enter")
    tmux.wait_for("Not a cron expression", "Daemon job (cron in UTC)")
    tmux.keys("Enter")
    tmux.wait_for("Job fetch:")
    tmux.keys("2", "Enter")
    tmux.wait_for("Cron:")
    tmux.type("*/10 6-20 * * mon-fri")
    tmux.keys("Enter")
    tmux.wait_for("cron */10 6-20 * * mon-fri")
    tmux.keys("Up", "Up", "Enter")  # sync: from fetch, up past Back (the list wraps)
    tmux.wait_for("Job sync:", "Enable")
    tmux.keys("3", "Enter")  # Enable
    tmux.wait_for("Daemon job (cron in UTC): (Use arrow keys)", "sync   every 15 min")
    tmux.keys("Up", "Up", "Enter")  # build (the pointer stays on the job just edited)
    tmux.wait_for("Job build:")
    tmux.keys("1", "Enter")  # Every N minutes
    tmux.wait_for("Minutes between runs: 5")
    tmux.keys("C-u")
    tmux.type("0.5")
    tmux.keys("Enter")
    tmux.wait_for("every 0.5 min")
    tmux.keys("C-c")
    tmux.wait_for("Unsaved changes", "Settings:")
    tmux.keys("5", "Enter")  # Back
    tmux.wait_for("You have unsaved changes", "Discard")
    tmux.keys("2", "Enter")  # Discard
    tmux.wait_for("What do you want to do?")
    assert cfg.read_bytes() == before
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0


def test_menu_cancels_a_written_supplier_order_in_a_mariadb_shop(oscommerce_shop, tmp_path,
                                                                 vendor_key, licence_code, tmux,
                                                                 monkeypatch):
    """Cancel from the menu on a notified supplier order: the real osCommerce shop on MariaDB
    gets the cancelled status, the supplier the cancellation email, the store `cancelled`."""
    from cryptography.hazmat.primitives import serialization
    from helpers import CATALOGUE_CSV, sample_order

    db = oscommerce_shop
    conn = db.connect()
    with conn.cursor() as cur:
        cur.execute("INSERT INTO orders_status (orders_status_id, language_id, "
                    "orders_status_name) VALUES (4, 1, 'Cancelled')")
    conn.commit()
    conn.close()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"""# a desk with one MariaDB shop
[distributor]
id = "acme"
name = "ACME Distribution"
email = "orders@acme.example"

[store]
url = "sqlite:///state.sqlite"

[mail]
transport = "file"
outbox = "outbox"

[suppliers.alpha]
name = "Alpha Tools GmbH"
email = "orders@alpha.example"

[suppliers.alpha.database]
url = "mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}"
password = "${{OX_SHOP_PW}}"

[suppliers.alpha.connector]
type = "oscommerce"
cancelled_status_id = 4
""")
    (tmp_path / "catalogue.csv").write_text(CATALOGUE_CSV)
    (tmp_path / "orders.jsonl").write_text("".join(json.dumps(o) + "\n" for o in (
        sample_order("1001"), sample_order("1002", email="bernd@example.com", first="Bernd",
                                            last="Bauer"))))
    monkeypatch.setenv("OX_SHOP_PW", db.password)
    runner = CliRunner()
    for args in (["activate", licence_code],
                 ["catalogue", "import", str(tmp_path / "catalogue.csv")],
                 ["import", str(tmp_path / "orders.jsonl")], ["build"], ["send", "1"]):
        result = runner.invoke(main, ["--config", str(cfg), *args])
        assert result.exit_code == 0, result.output
    assert states(cfg) == ["notified"]
    pem = tmp_path / "test-vendor.pem"
    pem.write_bytes(vendor_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    tmux.start(["env", f"OX_SHOP_PW={db.password}", sys.executable, "-c", HARNESS, str(pem),
                "--config", str(cfg), "menu"])
    tmux.wait_for("What do you want to do?")
    tmux.keys("1", "Enter")
    tmux.wait_for("Select:", "notified")
    tmux.keys("Space", "Enter")
    tmux.wait_for("1 selected:")
    tmux.keys("4", "Enter")  # Cancel
    screen = tmux.wait_for("Cancel them at every supplier")
    assert "Customer orders: 1001, 1002" in screen
    tmux.keys("y")
    tmux.wait_for("Reason for the supplier")
    tmux.type("customer withdrew")
    tmux.keys("Enter")
    screen = tmux.wait_for("Cancel results", "Press any key")
    assert "Customer order 1001: cancelled" in screen, screen
    assert "Customer order 1002: cancelled" in screen, screen
    assert len(re.findall(r"│ cancelled .*│ sent", screen)) == 2, screen
    conn = db.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT orders_status FROM orders")
        assert [row[0] for row in cur.fetchall()] == [4, 4]
    conn.close()
    assert states(cfg) == ["cancelled"]
    # the notification, then one cancellation per customer order (as `orderexchange cancel`)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    tmux.keys("Enter")
    tmux.wait_for("Select:", "cancelled")
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?")
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0


def test_menu_send_lists_a_failure_with_code_message_and_solution(tmp_path, demo_licence_code,
                                                                 capsys):
    """alpha's shop file is not a database: its bar ends failed, beta's notified, and the
    failure follows the results table with its code and solution."""
    from orderexchange.actions.app import App
    from orderexchange.menu import Menu

    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    runner = CliRunner()
    for args in (["activate", demo_licence_code], ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        runner.invoke(main, ["--config", str(cfg), *args])
    (ws / "shops" / "alpha.sqlite").write_bytes(b"not a database, just text " * 100)
    app = App(cfg)
    capsys.readouterr()
    Menu(app).send([1, 2])
    out, err = capsys.readouterr()
    assert "Send results" in out
    assert re.search(r"^alpha +━+ 1/1 order 1: check_failed", out, re.M), out
    assert re.search(r"^beta +━+ 1/1 order 2: notified", out, re.M), out
    table = out[out.index("Send results"):]
    alpha = next(line for line in table.splitlines() if "│ alpha" in line)
    beta = next(line for line in table.splitlines() if "│ beta" in line)
    assert "check_f" in alpha and "notified" in beta
    assert "supplier order 1:" in err and "OX-DB-004" in err and "solution:" in err


def test_menu_every_back_and_ctrl_c_returns_one_screen_and_changes_nothing(desk, tmux):
    """Every screen's "Back" entry and Ctrl-C lead one screen up: no crash, no stray prompt,
    nothing in the edited copy (issue 16: Back crashed Suppliers, opened "? Back:" in Mail
    account, named a supplier "Back" in Self-tests and opened "? Job Back:" in Schedule)."""
    cfg, command = desk
    before = cfg.read_bytes()
    tmux.start(command)
    tmux.wait_for("What do you want to do?")

    # Supplier orders: the action list's Back and Ctrl-C return to the list, Ctrl-C to main
    tmux.keys("1", "Enter")
    tmux.wait_for("Select:", "alpha")
    tmux.keys("Space", "Enter")
    tmux.wait_for("1 selected: (Use shortcuts or arrow keys)")
    tmux.keys("8", "Enter")  # Back
    tmux.wait_for("Select:", absent="1 selected:")
    tmux.keys("Enter")  # nothing selected: back to main
    tmux.wait_for("What do you want to do?")
    tmux.keys("1", "Enter")
    tmux.wait_for("Select:")
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?")

    _settings(tmux)
    # Settings → Suppliers → Back (the last entry; the list wraps)
    tmux.keys("1", "Enter")
    tmux.wait_for("Supplier:", "Add supplier")
    tmux.keys("Up", "Enter")
    screen = tmux.wait_for("Settings:", absent="Supplier:")
    assert "Traceback" not in screen and "KeyError" not in screen and "Unsaved" not in screen
    # Settings → Suppliers → alpha → Back, then Ctrl-C on the list
    tmux.keys("1", "Enter")
    tmux.wait_for("Supplier:", "Add supplier")
    tmux.keys("Enter")
    tmux.wait_for("Supplier alpha: (Use shortcuts or arrow keys)")
    tmux.keys("3", "Enter")  # Back
    tmux.wait_for("Supplier: (Use arrow keys)", "Add supplier")
    tmux.keys("C-c")
    tmux.wait_for("Settings:", absent="Supplier:")
    # Settings → Mail account → Back; → port → Ctrl-C → Ctrl-C
    tmux.keys("2", "Enter")
    tmux.wait_for("Mail account:", "password")
    tmux.keys("Up", "Enter")
    screen = tmux.wait_for("Settings:", absent="Mail account:")
    assert "? Back" not in screen and "Unsaved" not in screen, screen
    tmux.keys("2", "Enter")
    tmux.wait_for("Mail account:")
    for _ in range(3):
        tmux.keys("Down")
    tmux.keys("Enter")
    tmux.wait_for("port:", absent="Mail account: (Use arrow keys)")
    tmux.keys("C-c")
    tmux.wait_for("Mail account: (Use arrow keys)")
    tmux.keys("C-c")
    screen = tmux.wait_for("Settings:", absent="Mail account:")
    assert "Unsaved" not in screen, screen
    # Settings → Schedule → Back; → fetch → Back; → fetch → Ctrl-C; Ctrl-C
    tmux.keys("3", "Enter")
    tmux.wait_for("Daemon job (cron in UTC)")
    tmux.keys("Up", "Enter")
    screen = tmux.wait_for("Settings:", absent="Daemon job")
    assert "Job Back" not in screen and "Unsaved" not in screen, screen
    tmux.keys("3", "Enter")
    tmux.wait_for("Daemon job (cron in UTC)")
    tmux.keys("Enter")
    tmux.wait_for("Job fetch: (Use shortcuts or arrow keys)")
    tmux.keys("4", "Enter")  # Back
    tmux.wait_for("Daemon job (cron in UTC): (Use arrow keys)")
    tmux.keys("Enter")
    tmux.wait_for("Job fetch: (Use shortcuts or arrow keys)")
    tmux.keys("C-c")
    tmux.wait_for("Daemon job (cron in UTC): (Use arrow keys)")
    tmux.keys("C-c")
    screen = tmux.wait_for("Settings:", absent="Daemon job")
    assert "Unsaved" not in screen, screen
    tmux.keys("5", "Enter")  # Back, nothing unsaved: no question
    tmux.wait_for("What do you want to do?")
    _settings(tmux)
    tmux.keys("C-c")  # Ctrl-C on settings: back to main as well
    tmux.wait_for("What do you want to do?")

    # Self-tests → Back; Self-tests → Ctrl-C
    tmux.keys("3", "Enter")
    tmux.wait_for("Self-test:", "Mail account")
    tmux.keys("Up", "Enter")
    screen = tmux.wait_for("What do you want to do?")
    assert "OX-CFG-006" not in screen and "not configured" not in screen, screen
    tmux.keys("3", "Enter")
    tmux.wait_for("Self-test:")
    tmux.keys("Down", "Down", "Enter")  # Mail account → Ctrl-C in the question
    tmux.wait_for("Also send a test message to")
    tmux.keys("C-c")
    tmux.wait_for("Self-test:", absent="Also send")
    tmux.keys("C-c")
    tmux.wait_for("What do you want to do?")

    # Activation: an empty code goes back, Ctrl-C too
    tmux.keys("4", "Enter")
    tmux.wait_for("Activation code (empty: back)")
    tmux.keys("Enter")
    tmux.wait_for("What do you want to do?", absent="Activation code")
    assert cfg.read_bytes() == before
    tmux.keys("C-c")  # main: Ctrl-C quits
    assert tmux.exit_status() == 0


def test_menu_unsaved_settings_back_to_settings_then_save_on_leaving(desk, tmux):
    """The unsaved-changes question: "Back to settings" and Ctrl-C keep the edit, "Save"
    writes it and leaves."""
    cfg, command = desk
    tmux.start(command)
    _settings(tmux)
    tmux.keys("1", "Enter")
    tmux.wait_for("Supplier:", "orders@alpha-tools.example")
    tmux.keys("Down", "Enter")  # beta
    tmux.wait_for("Supplier beta:")
    tmux.keys("1", "Enter")  # Deactivate
    tmux.wait_for("Supplier:", "inactive")
    tmux.keys("Up", "Enter")  # Back
    tmux.wait_for("Unsaved changes", "Settings:", absent="Supplier:")
    tmux.keys("5", "Enter")  # Back
    tmux.wait_for("You have unsaved changes")
    tmux.keys("3", "Enter")  # Back to settings
    tmux.wait_for("Unsaved changes", "Settings:", absent="You have unsaved changes")
    tmux.keys("5", "Enter")
    tmux.wait_for("You have unsaved changes")
    tmux.keys("C-c")  # Ctrl-C in the question: still in settings, still unsaved
    tmux.wait_for("Unsaved changes", "Settings:", absent="You have unsaved changes")
    assert config_mod.load(cfg).supplier("beta").active is True
    tmux.keys("5", "Enter")
    tmux.wait_for("You have unsaved changes")
    tmux.keys("1", "Enter")  # Save, and leave
    tmux.wait_for("What do you want to do?")
    assert config_mod.load(cfg).supplier("beta").active is False
    assert cfg.read_text().startswith("# orderexchange config of the demo desk\n")
    tmux.keys("5", "Enter")
    assert tmux.exit_status() == 0
