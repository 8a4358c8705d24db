"""The menu's Settings screens: suppliers, mail account, the daemon's schedule, Save.

A view over `actions.settings.SettingsEditor`: edits go into a tomlkit copy of the config file,
written only on Save, after the edited document has passed `config.from_dict`; comments and key
order survive, and `${ENV}` references are never resolved into the file.
"""

from __future__ import annotations

from typing import Any

import questionary
from questionary import Choice

from ..actions import settings as settings_actions
from ..actions.app import App
from ..actions.settings import (ENV_NAME, SUPPLIER_ID, SettingsEditor, cron_problem,
                                describe_job, minutes_text, supplier_table)
from ..documents import LANGUAGES
from ..errors import OXError
from ..mail import address_problem
from ..present import console, print_error, styled
from .ask import BACK, ask, ask_port, ask_required, pause

MAIL_KEYS = [  # (key, label) of the mail account basics the menu edits
    ("transport", "transport"), ("from", "from address"), ("host", "SMTP host"),
    ("port", "SMTP port"), ("security", "security"), ("user", "SMTP user"),
]
JOBS = {  # the daemon's jobs, as the schedule screen explains them
    "fetch": "fetch customer orders from the sources", "build": "build supplier orders",
    "send": "send what is due", "sync": "read back shop status (asks every shop)",
}


class SettingsScreens:
    """Kept by the menu for its whole session: a one-line note for the next settings screen,
    and the answers of an "Add supplier" not finished yet (Ctrl-C loses none of them)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.note = ""
        self.draft: dict[str, Any] = {}

    def run(self) -> None:
        editor = settings_actions.editor_for(self.app)
        path = editor.path
        self.note = ""
        while True:
            console.clear()
            console.print(styled("[bold]Settings[/bold]  {}", path), highlight=False)
            if self.note:
                console.print(self.note, highlight=False)
                self.note = ""
            if editor.dirty:
                console.print(styled("[yellow]Unsaved changes[/yellow] — choose Save to keep "
                                     "them."))
            try:
                choice = ask(questionary.select("Settings:", use_shortcuts=True, choices=[
                    "Suppliers", "Mail account", "Schedule", "Save", "Back"]))
            except KeyboardInterrupt:
                choice = "Back"
            try:
                if choice == "Suppliers":
                    self.edit_suppliers(editor)
                elif choice == "Mail account":
                    self.edit_mail(editor)
                elif choice == "Schedule":
                    self.edit_schedule(editor)
                elif choice == "Save":
                    self.save(editor)
                elif choice in ("Back", None):
                    if not editor.dirty:
                        return
                    what = ask(questionary.select(
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
            settings_actions.save(self.app, editor)
        except OXError as error:
            console.print(styled("[red]Not saved[/red]: the edited settings are not valid."))
            print_error(error)
            pause()
            return False
        self.note = styled("[green]Saved[/green] {}", editor.path)
        return True

    def edit_suppliers(self, editor: SettingsEditor) -> None:
        while True:
            suppliers = editor.suppliers()
            sid = ask(questionary.select("Supplier:", choices=[
                Choice(f"{sid:<14} {'active  ' if t.get('active', True) else 'inactive'}  "
                       f"{t.get('email', '')}", value=sid) for sid, t in suppliers.items()]
                + [Choice("Add supplier", value=":add"), Choice("Back", value=BACK)]))
            if sid in (None, BACK):
                return
            try:  # Ctrl-C here: back to the list above, not further
                if sid == ":add":
                    self.add_supplier(editor)
                    continue
                table = suppliers[sid]
                active = table.get("active", True)
                action = ask(questionary.select(f"Supplier {sid}:", use_shortcuts=True, choices=[
                    "Deactivate" if active else "Activate", "Edit email", "Back"]))
                if action in ("Activate", "Deactivate"):
                    editor.set_supplier(sid, active=action == "Activate")
                elif action == "Edit email":
                    value = ask(questionary.text(f"Email of {sid}:",
                                                  default=str(table.get("email", ""))))
                    if value and value.strip():
                        editor.set_supplier(sid, email=value.strip())
            except KeyboardInterrupt:
                continue

    def add_supplier(self, editor: SettingsEditor) -> None:
        """Ask for a new supplier's basics; it joins the edited copy only once the whole file,
        with it, passes the config model and its connector's settings schema.

        The answers are kept in `self.draft` until the supplier is added, so Ctrl-C in the
        middle (or a refused value) loses nothing: the next "Add supplier" starts from them."""
        draft = self.draft
        types = self.app.host.connector_types()
        taken = set(editor.suppliers())
        console.print(styled("[bold]Add supplier[/bold]  (ctrl-c: back, answers are kept)"))
        while True:
            sid = ask(questionary.text("Supplier id (letters, digits, - and _):",
                                        default=draft.get("id", ""))).strip()
            draft["id"] = sid
            if not SUPPLIER_ID.match(sid):
                console.print(styled("[red]An id is 1 to 32 letters, digits, - or _.[/red]"))
            elif sid in taken:
                console.print(styled("[red]Supplier {} exists already.[/red]", sid))
            else:
                break
        while True:
            draft["name"] = ask(questionary.text("Name:", default=draft.get("name", ""))).strip()
            if draft["name"]:
                break
            console.print(styled("[red]A supplier needs a name (it appears in tables and "
                                 "emails).[/red]"))
        while True:
            draft["email"] = ask(questionary.text("Order email address:",
                                                   default=draft.get("email", ""))).strip()
            problem = address_problem(draft["email"])
            if problem is None:
                break
            console.print(styled("[red]Not an email address[/red]: {}", problem), highlight=False)
        names = sorted(types)
        draft["connector"] = ask(questionary.select(
            "Connector type:", choices=names,
            default=draft.get("connector") if draft.get("connector") in names else
            ("oscommerce" if "oscommerce" in names else None)))
        if getattr(types[draft["connector"]], "writes_database", True):
            console.print("Database URL without password, e.g. mysql+pymysql://user@host/shop, "
                          "or a reference like ${SHOP_URL}.")
            draft["url"] = ask(questionary.text("Database URL:",
                                                 default=draft.get("url", ""))).strip()
            console.print("The password stays out of the file: name the environment variable "
                          "that holds it (empty: none).")
            draft["password_var"] = self._ask_variable("Password variable:", draft.get(
                "password_var", f"{sid.upper().replace('-', '_')}_DB_PASSWORD"))
            self.ask_ssh(draft, sid)
        else:
            for key in ("url", "password_var", "ssh"):
                draft.pop(key, None)
        draft["language"] = ask(questionary.select(
            "Language of its emails:", choices=list(LANGUAGES),
            default=draft.get("language", "en")))
        draft["active"] = ask(questionary.confirm("Active (orders are sent to it)?",
                                                   default=draft.get("active", True)))
        try:
            editor.add_supplier(sid, supplier_table(draft), types)
        except OXError as error:
            console.print(styled("[red]Not added[/red]: fix the value and add it again (your "
                                 "answers are kept)."))
            print_error(error)
            pause()
            return
        self.draft = {}
        self.note = (f"Supplier {sid} added; connector settings beyond its type go in "
                     f"[suppliers.{sid}.connector] (see config.example.toml).")
        console.print(self.note, highlight=False)

    def ask_ssh(self, draft: dict[str, Any], sid: str) -> None:
        """The `[suppliers.<id>.database.ssh]` answers (docs/connectivity.md); secrets only as
        variable names. The host key is not asked: the first `test db` shows it to pin."""
        ssh = draft.get("ssh") or {}
        if not ask(questionary.confirm("Reach the database through the supplier's SSH server?",
                                        default=bool(ssh))):
            draft.pop("ssh", None)
            return
        draft["ssh"] = ssh
        ssh["host"] = ask_required("SSH server (host name):", ssh.get("host", ""))
        ssh["port"] = ask_port("SSH port:", ssh.get("port", 22))
        ssh["user"] = ask_required("SSH user:", ssh.get("user", "orderexchange"))
        console.print("Private key file (relative to the config file's folder; empty: the "
                      f"ssh-agent's keys). A new one: ssh-keygen -t ed25519 -f keys/{sid}_ed25519")
        ssh["key_file"] = ask(questionary.text("Key file:", default=ssh.get(
            "key_file", f"keys/{sid}_ed25519"))).strip()
        ssh["passphrase_var"] = self._ask_variable(
            "Passphrase variable (empty: the key has none):", ssh.get("passphrase_var", ""))
        console.print("Where the database listens, as seen from the SSH server (usually the "
                      "shop server itself).")
        ssh["remote_host"] = ask(questionary.text("Database host there:", default=ssh.get(
            "remote_host", "127.0.0.1"))).strip() or "127.0.0.1"
        console.print("The server's host key is pinned after the first "
                      f"`orderexchange test db {sid}`: it shows the key to compare with "
                      "the supplier's admin.", highlight=False)

    @staticmethod
    def _ask_variable(question: str, default: str) -> str:
        while True:
            var = ask(questionary.text(question, default=default)).strip()
            if not var or ENV_NAME.match(var):
                return var
            console.print(styled("[red]A variable name is letters, digits and _.[/red]"))

    def edit_schedule(self, editor: SettingsEditor) -> None:
        """The daemon's jobs: change a trigger (minutes or a cron expression) or switch a job
        on or off. Cron expressions are checked with APScheduler's own parser, the one the
        daemon uses, so a typo is refused here instead of stopping the daemon at start."""
        last = None
        while True:
            jobs = editor.jobs()
            key = ask(questionary.select(
                "Daemon job (cron in UTC):", default=last,
                choices=[Choice(f"{kind:<6} {describe_job(jobs.get(kind)):<24} {JOBS[kind]}"[:72],
                                value=kind) for kind in JOBS] + [Choice("Back", value=BACK)]))
            if key in (None, BACK):
                return
            last = key  # the pointer stays on the job just edited
            try:  # Ctrl-C here: back to the list above, not further
                job = jobs.get(key)
                enabled = job is not None and job.get("enabled", True)
                action = ask(questionary.select(f"Job {key}:", use_shortcuts=True, choices=[
                    "Every N minutes", "Cron expression", "Disable" if enabled else "Enable",
                    "Back"]))
                if action == "Every N minutes":
                    every = job.get("every") if job is not None else None
                    text = ask(questionary.text("Minutes between runs:", default=minutes_text(every)))
                    try:
                        minutes = float(text.strip().replace(",", "."))
                    except ValueError:
                        minutes = 0.0
                    if not minutes > 0:
                        console.print(styled("[red]Minutes are a number above 0, e.g. 5 or "
                                             "0.5.[/red]"))
                        continue
                    seconds = minutes * 60
                    editor.set_job(key, every=int(seconds) if seconds.is_integer() else seconds)
                elif action == "Cron expression":
                    console.print("Five fields: minute hour day month weekday, e.g. */10 6-20 * * "
                                  "mon-fri (UTC).")
                    cron = ask(questionary.text("Cron:", default=str(job.get("cron") or "")
                                                 if job is not None else "")).strip()
                    problem = cron_problem(cron)
                    if problem:
                        console.print(styled("[red]Not a cron expression[/red]: {}", problem),
                                      highlight=False)
                        continue
                    editor.set_job(key, cron=cron)
                elif action in ("Enable", "Disable"):
                    editor.set_job(key, enabled=action == "Enable")
            except KeyboardInterrupt:
                continue

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
            key = ask(questionary.select("Mail account:", choices=[*choices,
                                                                     Choice("Back", value=BACK)]))
            if key in (None, BACK):
                return
            try:  # Ctrl-C here: back to the list above, not further
                current = mail.get(key)
                if key == "transport":
                    names = sorted(self.app.host.mail_transports())
                    value = ask(questionary.select("Transport:", choices=names,
                                                    default=str(current) if current in names
                                                    else None))
                elif key == "security":
                    value = ask(questionary.select("Security:",
                                                    choices=["starttls", "tls", "none"],
                                                    default=str(current or "starttls")))
                elif key == "password":
                    console.print("The password stays out of the file: name the environment "
                                  "variable that holds it.")
                    var = ask(questionary.text("Environment variable:",
                                                default=password[2:-1] if password.startswith("${")
                                                else "OX_SMTP_PASSWORD"))
                    value = f"${{{var.strip()}}}" if var and var.strip() else None
                else:
                    value = ask(questionary.text(f"{key}:", default="" if current is None
                                                  else str(current)))
                    if key == "port" and value:
                        if not value.strip().isdigit():
                            console.print(styled("[red]A port is a number.[/red]"))
                            continue
                        value = int(value)
                if value not in (None, ""):
                    editor.set_mail(key, value)
            except KeyboardInterrupt:
                continue
