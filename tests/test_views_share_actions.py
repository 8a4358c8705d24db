"""Issue 16: the CLI and the menu are two views over `orderexchange.actions`. For each action
both can take, the test replaces the action function in its module and drives the command and
the menu entry: both must arrive in the same function — so a change to what "send" or "hold"
means cannot reach one view and miss the other."""

from __future__ import annotations

import pytest
import questionary
from click.testing import CliRunner

from orderexchange.actions.app import App
from orderexchange.cli import main
from orderexchange.demo import write_workspace
from orderexchange.menu import Menu


class Called(Exception):
    """Raised by the stand-in action: the view reached it (nothing real is done)."""


class _Answer:
    def __init__(self, value):
        self.value = value

    def unsafe_ask(self):
        return self.value


def _answers(monkeypatch, **by_kind):
    """questionary prompts answer from lists, one value per call, per prompt kind."""
    for kind, values in by_kind.items():
        queue = list(values)
        monkeypatch.setattr(questionary, kind, lambda *a, _q=queue, **k: _Answer(_q.pop(0)))
    monkeypatch.setattr(questionary, "press_any_key_to_continue", lambda *a, **k: _Answer(None))


@pytest.fixture
def desk(tmp_path, demo_licence_code):
    cfg = write_workspace(tmp_path / "ws")
    ws = cfg.parent
    runner = CliRunner()
    for args in (["activate", demo_licence_code],
                 ["catalogue", "import", str(ws / "catalogue.csv")],
                 ["import", str(ws / "orders.jsonl")], ["build"]):
        runner.invoke(main, ["--config", str(cfg), *args])  # the demo file has a bad row
    return cfg, demo_licence_code


def _order_action(action):
    def drive(menu, monkeypatch):
        rows = {r["id"]: r for r in menu.app.store.list_supplier_orders()}
        menu.order_action(action, [1], rows)
    return drive


def _retry(menu, monkeypatch):
    rows = {r["id"]: dict(r, state="check_failed") for r in menu.app.store.list_supplier_orders()}
    menu.order_action("Retry", [1], rows)  # as the list showed it: failed


def _cancel(menu, monkeypatch):
    _answers(monkeypatch, confirm=[True], text=["customer withdrew"])
    menu.cancel([1])


def _self_test(choice, text=()):
    def drive(menu, monkeypatch):
        _answers(monkeypatch, select=[choice, ":back"], text=list(text))
        menu.self_tests()
    return drive


def _activation(menu, monkeypatch):
    _answers(monkeypatch, text=[menu.code], confirm=[True])
    menu.activation()


CASES = {  # action (module, function): (CLI arguments, how the menu gets there)
    ("sending", "check"): (["check", "1"], _order_action("Check")),
    ("sending", "send"): (["send", "1"], _order_action("Send")),
    ("holding", "retry_ids"): (["retry", "1"], _retry),
    ("holding", "hold"): (["hold", "1001"], _order_action("Hold")),
    ("holding", "release"): (["release", "1001"], _order_action("Release")),
    ("cancelling", "cancel"): (["cancel", "1001"], _cancel),
    ("selftests", "shop_database"): (["test", "db", "alpha"], _self_test("alpha")),
    ("selftests", "mail_account"): (["test", "mail"], _self_test(":mail", [""])),
    ("licensing", "activate"): (["activate", "{code}"], _activation),
    ("status", "collect_status"): (["status"], lambda menu, mp: menu.header()),
}


@pytest.mark.parametrize("module,function", list(CASES), ids=[f"{m}.{f}" for m, f in CASES])
def test_the_command_and_the_menu_call_the_same_action(desk, monkeypatch, module, function):
    import importlib

    cfg, code = desk
    target = importlib.import_module(f"orderexchange.actions.{module}")
    real = getattr(target, function)
    calls = []

    def stand_in(*args, **kwargs):
        calls.append(args)
        raise Called(function)

    monkeypatch.setattr(target, function, stand_in)
    args, drive = CASES[(module, function)]
    result = CliRunner().invoke(main, ["--config", str(cfg),
                                       *[a.format(code=code) for a in args]])
    assert isinstance(result.exception, Called), (result.output, result.exception)
    assert len(calls) == 1 and isinstance(calls[0][0], App)

    menu = Menu(App(cfg))
    menu.code = code
    with pytest.raises(Called):
        drive(menu, monkeypatch)
    assert len(calls) == 2 and isinstance(calls[1][0], App)
    assert getattr(target, function) is stand_in and real is not stand_in


def test_actions_return_data_and_the_views_do_not_import_each_other():
    """The actions never print (no present, rich, click or questionary, no print()); the menu
    and present never import the CLI — only `orderexchange menu` imports the menu."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "orderexchange"

    def imports(path):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield from (a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):  # `from .. import present` names present
                base = ("." * node.level) + (node.module or "")
                yield from ((f"{base}.{a.name}" if node.module else base + a.name)
                            for a in node.names)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                yield "print()"

    wrong = []
    for path in sorted((root / "actions").glob("*.py")):
        for name in imports(path):
            parts = name.lstrip(".").split(".")
            if name == "print()" or {"present", "cli", "menu", "rich", "click",
                                     "questionary"} & {parts[0], parts[-1]} or \
                    parts[0] == "orderexchange" and parts[1:2] in (["present"], ["cli"], ["menu"]):
                wrong.append(f"actions/{path.name}: {name}")
    for path in [*sorted((root / "menu").glob("*.py")), *sorted((root / "present").glob("*.py"))]:
        for name in imports(path):
            parts = name.lstrip(".").split(".")
            if "cli" in (parts[0], parts[-1]) or name.startswith("orderexchange.cli"):
                wrong.append(f"{path.relative_to(root)}: {name}")
    assert not wrong, wrong
