"""`orderexchange menu`: the distributor's desk in a terminal (questionary, fits 80×24).

A thin shell like the CLI: every action calls the CLI's own commands and print helpers (check,
send, show, test db, test mail, activate), so the menu and the commands cannot drift apart.
Ctrl-C in any prompt returns to the previous screen; on the main screen it quits.

Settings are edited on a tomlkit copy of the config file and written only on "Save", after the
edited document has passed `config.from_dict`; comments and key order survive, and `${ENV}`
references are never resolved into the file (the menu edits the raw document, not the config).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import click
import questionary
import tomlkit
from questionary import Choice

from . import cli, config as config_mod
from .errors import OXError
from .model import SupplierOrderState

console = cli.console
NOT_WRITTEN = {SupplierOrderState.DRAFT.value, SupplierOrderState.CHECKED.value,
               SupplierOrderState.CHECK_FAILED.value}
FAILED = {s.value for s in cli.FAILED_STATES}
MAIL_KEYS = [  # (key, label) of the mail account basics the menu edits
    ("transport", "transport"), ("from", "from address"), ("host", "SMTP host"),
    ("port", "SMTP port"), ("security", "security"), ("user", "SMTP user"),
]


def _ask(question: Any) -> Any:
    """Ask; Ctrl-C raises KeyboardInterrupt, which every screen turns into "back"."""
    return question.unsafe_ask()


def _pause() -> None:
    try:
        questionary.press_any_key_to_continue("Press any key to go back").unsafe_ask()
    except KeyboardInterrupt:
        pass


class Menu:
    def __init__(self, app: cli.App) -> None:
        self.app = app
        self.note = ""  # a one-line message for the next settings screen

    # -- plumbing ---------------------------------------------------------------------------
    def invoke(self, command: click.Command, **params: Any) -> int:
        """Run a CLI command in-process with this menu's App; its exit code, never an exit."""
        ctx = click.Context(command, obj=self.app, info_name=command.name)
        try:
            with ctx:
                ctx.invoke(command, **params)
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else 1
        return 0

    def screen(self, handler: Callable[[], Any]) -> None:
        try:
            handler()
        except KeyboardInterrupt:
            pass  # back to the previous screen
        except OXError as error:
            cli.print_error(error)
            _pause()

    # -- main screen ------------------------------------------------------------------------
    def run(self) -> int:
        self.app.config  # a broken config stops here with its code (exit 2)
        while True:
            console.clear()
            self.header()
            try:
                choice = _ask(questionary.select("What do you want to do?", use_shortcuts=True,
                                                 choices=["Supplier orders", "Settings",
                                                          "Self-tests", "Activation", "Quit"]))
            except KeyboardInterrupt:
                choice = "Quit"
            if choice in (None, "Quit"):
                return 0
            self.screen({"Supplier orders": self.supplier_orders, "Settings": self.settings,
                         "Self-tests": self.self_tests, "Activation": self.activation}[choice])

    def header(self) -> None:
        data = cli.collect_status(self.app)
        console.print(f"[bold]orderexchange[/bold] — {self.app.config.distributor.name}",
                      highlight=False)
        cli.print_licence_line(data["licence"])
        counts = ", ".join(f"{n} {s}" for s, n in sorted(data["supplier_orders"].items()))
        console.print(f"Customer orders open: {data['open_customer_orders']}", highlight=False)
        console.print(f"Supplier orders:      {counts or 'none'}", highlight=False)
        failing = [f"{s['id']} ({s['failures']})" for s in data["suppliers"] if s["failures"]]
        console.print("Failures waiting:     " + (f"[red]{', '.join(failing)}[/red]" if failing
                                                  else "none"), highlight=False)
        console.print()

    # -- supplier orders --------------------------------------------------------------------
    def supplier_orders(self) -> None:
        while True:
            console.clear()
            rows = self.app.store.list_supplier_orders()
            if not rows:
                console.print("No supplier orders yet: import customer orders and build them "
                              "(`orderexchange import FILE`, `orderexchange build`).")
                _pause()
                return
            console.print("[bold]Supplier orders[/bold]  (ctrl-c: back)")
            console.print("      id  state          supplier      orders  lines       value",
                          highlight=False)
            by_id = {r["id"]: r for r in rows}
            ids = _ask(questionary.checkbox(
                "Select:", instruction="(space: select, a: all, enter: continue)", choices=[
                Choice(f"{r['id']:>4}  {r['state']:<14} {r['supplier_id'][:12]:<12} "
                       f"{r['customer_orders']:>6} {r['lines']:>6} {r['net_value']:>11.2f}",
                       value=r["id"]) for r in rows]))
            if not ids:
                return
            try:
                action = _ask(questionary.select(
                    f"{len(ids)} selected:", use_shortcuts=True,
                    choices=["Check", "Send", "Retry", "Cancel", "Show", "Back"]))
            except KeyboardInterrupt:
                continue  # back to the list
            if action in (None, "Back"):
                continue
            try:
                self.order_action(action, ids, by_id)
            except KeyboardInterrupt:
                pass
            _pause()

    def order_action(self, action: str, ids: list[int], rows: dict[int, dict[str, Any]]) -> None:
        console.clear()
        if action == "Check":
            self.invoke(cli.check, so_ids=tuple(ids), check_all=False, as_json=False)
        elif action in ("Send", "Retry"):
            if action == "Retry":
                failed = [i for i in ids if rows[i]["state"] in FAILED
                          or (rows[i]["error_code"] and SupplierOrderState(rows[i]["state"])
                              .sendable)]
                skipped = [i for i in ids if i not in failed]
                if skipped:
                    console.print(f"Not failed, not retried: {', '.join(map(str, skipped))}",
                                  highlight=False)
                ids = failed
                if not ids:
                    return
            console.print(f"Sending supplier orders {', '.join(map(str, ids))} …",
                          highlight=False)
            self.invoke(cli.send, so_ids=tuple(ids), send_all=False, as_json=False)
        elif action == "Cancel":
            if not _ask(questionary.confirm(f"Cancel supplier orders {', '.join(map(str, ids))}?",
                                            default=False)):
                return
            for so_id in ids:
                state = rows[so_id]["state"]
                if state in NOT_WRITTEN:
                    self.app.store.set_state(so_id, SupplierOrderState.CANCELLED,
                                             step="cancelled")
                    console.print(f"Supplier order {so_id} cancelled.")
                else:
                    cli.print_error(OXError("OX-MNU-003", id=so_id, state=state))
        elif action == "Show":
            for so_id in ids:
                self.invoke(cli.show, so_id=so_id, as_json=False)

    # -- settings ---------------------------------------------------------------------------
    def settings(self) -> None:
        path = self.app.config.path or config_mod.default_config_path()
        editor = SettingsEditor(Path(path))
        self.note = ""
        while True:
            console.clear()
            console.print(f"[bold]Settings[/bold]  {path}", highlight=False)
            if self.note:
                console.print(self.note, highlight=False)
                self.note = ""
            if editor.dirty:
                console.print("[yellow]Unsaved changes[/yellow] — choose Save to keep them.")
            try:
                choice = _ask(questionary.select("Settings:", use_shortcuts=True, choices=[
                    "Suppliers", "Mail account", "Save", "Back"]))
            except KeyboardInterrupt:
                choice = "Back"
            try:
                if choice == "Suppliers":
                    self.edit_suppliers(editor)
                elif choice == "Mail account":
                    self.edit_mail(editor)
                elif choice == "Save":
                    self.save(editor)
                elif choice in ("Back", None):
                    if not editor.dirty:
                        return
                    what = _ask(questionary.select(
                        "You have unsaved changes:", use_shortcuts=True,
                        choices=["Save", "Discard", "Back to settings"]))
                    if what == "Discard":
                        return
                    if what == "Save" and self.save(editor):
                        return
            except KeyboardInterrupt:
                continue

    def save(self, editor: SettingsEditor) -> bool:
        try:
            editor.save()
        except OXError as error:
            console.print("[red]Not saved[/red]: the edited settings are not valid.")
            cli.print_error(error)
            _pause()
            return False
        self.app._config = None  # the next screen reads the saved file
        self.note = f"[green]Saved[/green] {editor.path}"
        return True

    def edit_suppliers(self, editor: SettingsEditor) -> None:
        while True:
            suppliers = editor.suppliers()
            if not suppliers:
                console.print("No [suppliers.*] tables in the config.")
                _pause()
                return
            sid = _ask(questionary.select("Supplier:", choices=[
                Choice(f"{sid:<14} {'active  ' if t.get('active', True) else 'inactive'}  "
                       f"{t.get('email', '')}", value=sid) for sid, t in suppliers.items()]
                + [Choice("Back", value=None)]))
            if sid is None:
                return
            table = suppliers[sid]
            active = table.get("active", True)
            action = _ask(questionary.select(f"Supplier {sid}:", use_shortcuts=True, choices=[
                "Deactivate" if active else "Activate", "Edit email", "Back"]))
            if action in ("Activate", "Deactivate"):
                table["active"] = action == "Activate"
            elif action == "Edit email":
                value = _ask(questionary.text(f"Email of {sid}:",
                                              default=str(table.get("email", ""))))
                if value and value.strip():
                    table["email"] = value.strip()

    def edit_mail(self, editor: SettingsEditor) -> None:
        while True:
            mail = editor.doc.get("mail", {})  # created on the first edit, not by looking
            password = str(mail.get("password", ""))
            choices = [Choice(f"{label:<14} {mail.get(key, '(default)')}", value=key)
                       for key, label in MAIL_KEYS]
            choices.append(Choice(f"{'password':<14} "
                                  + (password if password.startswith("${") else
                                     "(in the file)" if password else "(none)"),
                                  value="password"))
            key = _ask(questionary.select("Mail account:", choices=[*choices,
                                                                     Choice("Back", value=None)]))
            if key is None:
                return
            current = mail.get(key)
            if key == "transport":
                names = sorted(self.app.host.mail_transports())
                value = _ask(questionary.select("Transport:", choices=names,
                                                default=str(current) if current in names
                                                else None))
            elif key == "security":
                value = _ask(questionary.select("Security:", choices=["starttls", "tls", "none"],
                                                default=str(current or "starttls")))
            elif key == "password":
                console.print("The password stays out of the file: name the environment "
                              "variable that holds it.")
                var = _ask(questionary.text("Environment variable:",
                                            default=password[2:-1] if password.startswith("${")
                                            else "OX_SMTP_PASSWORD"))
                value = f"${{{var.strip()}}}" if var and var.strip() else None
            else:
                value = _ask(questionary.text(f"{key}:", default="" if current is None
                                              else str(current)))
                if key == "port" and value:
                    if not value.strip().isdigit():
                        console.print("[red]A port is a number.[/red]")
                        continue
                    value = int(value)
            if value not in (None, ""):
                editor.table("mail")[key] = value

    # -- self-tests and activation ----------------------------------------------------------
    def self_tests(self) -> None:
        while True:
            console.clear()
            choices = [Choice(f"Shop database of {sid}", value=sid)
                       for sid in self.app.config.suppliers]
            choices += [Choice("Mail account", value=":mail"), Choice("Back", value=None)]
            what = _ask(questionary.select("Self-test:", choices=choices))
            if what is None:
                return
            try:
                if what == ":mail":
                    to = _ask(questionary.text("Also send a test message to (empty: none):"))
                    self.invoke(cli.test_mail, to=to.strip() or None, as_json=False)
                else:
                    self.invoke(cli.test_db, supplier=what, as_json=False)
            except KeyboardInterrupt:
                continue
            _pause()

    def activation(self) -> None:
        console.clear()
        try:
            lic = self.app.licence()
        except OXError as error:
            cli.print_error(error)
            lic = None
        if lic is not None:
            console.print("[bold]Current licence[/bold]")
            cli.print_licence(lic, self.app)
        code = _ask(questionary.text("Activation code (empty: back):"))
        if code and code.strip():
            self.invoke(cli.activate, code=code.strip())
            _pause()


class SettingsEditor:
    """The config file as a tomlkit document: edited in memory, written only by `save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.saved_text = path.read_text(encoding="utf-8")
        self.doc = tomlkit.parse(self.saved_text)

    @property
    def dirty(self) -> bool:
        return self.doc.as_string() != self.saved_text

    def table(self, name: str) -> Any:
        if name not in self.doc:
            self.doc[name] = tomlkit.table()
        return self.doc[name]

    def suppliers(self) -> dict[str, Any]:
        return dict(self.doc.get("suppliers", {}))

    def validate(self) -> None:
        config_mod.from_dict(self.doc.unwrap(), self.path)

    def save(self) -> None:
        self.validate()
        text = self.doc.as_string()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.chmod(tmp, self.path.stat().st_mode & 0o777)  # a 0600 config stays 0600
            os.replace(tmp, self.path)  # whole or not at all
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OXError("OX-MNU-002", path=self.path, detail=exc.strerror or str(exc)) \
                from None
        self.saved_text = text
