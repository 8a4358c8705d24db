"""`orderexchange menu`: the distributor's desk in a terminal (questionary, fits 80×24).

A thin shell like the CLI: every action calls the CLI's own commands and print helpers (check,
send, show, test db, test mail, activate), so the menu and the commands cannot drift apart.
Ctrl-C in any prompt returns to the previous screen; on the main screen it quits. Sending and
cancelling call the same engines as `send` and `cancel` (the Dispatcher, `cancel_order`); only the
display differs, because a person at the desk wants to watch each supplier move.

Settings are edited on a tomlkit copy of the config file and written only on "Save", after the
edited document has passed `config.from_dict`; comments and key order survive, and `${ENV}`
references are never resolved into the file (the menu edits the raw document, not the config).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import click
import questionary
import tomlkit
from questionary import Choice
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from . import cli, config as config_mod, licence as licence_mod
from .cancel import CancelResult, cancel_order
from .connector import instantiate
from .dispatch import Dispatcher
from .documents import LANGUAGES
from .errors import OXError
from .mail import address_problem
from .present import console, err_console, print_error, styled

MAIL_KEYS = [  # (key, label) of the mail account basics the menu edits
    ("transport", "transport"), ("from", "from address"), ("host", "SMTP host"),
    ("port", "SMTP port"), ("security", "security"), ("user", "SMTP user"),
]
JOBS = {  # the daemon's jobs, as the schedule screen explains them
    "fetch": "fetch customer orders from the sources", "build": "build supplier orders",
    "send": "send what is due", "sync": "read back shop status (asks every shop)",
}
# questionary 2.1 takes `Choice(title, value=None)` as "no value given" and returns the title,
# so a "Back" entry needs a value of its own that no supplier id, job or key can be.
BACK = ":back"
SUPPLIER_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # a bare TOML key, short enough for tables
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
        self.draft: dict[str, Any] = {}  # answers of an "Add supplier" not finished yet

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
            print_error(error)
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
        console.print(styled("[bold]orderexchange[/bold] — {}",
                             self.app.config.distributor.name),
                      highlight=False)
        cli.print_licence_line(data["licence"])
        counts = ", ".join(f"{n} {s}" for s, n in sorted(data["supplier_orders"].items()))
        console.print(f"Customer orders open: {data['open_customer_orders']}", highlight=False)
        console.print(f"Supplier orders:      {counts or 'none'}", highlight=False)
        # permanent errors stop the automatic retries: say how many wait for a fix, not a retry
        stopped = Counter(f["supplier"] for f in data["failures"] if f.get("stopped"))
        failing = [f"{s['id']} ({s['failures']}"
                   + (f", {stopped[s['id']]} stopped until fixed" if stopped[s["id"]] else "")
                   + ")" for s in data["suppliers"] if s["failures"]]
        console.print(styled("Failures waiting:     [red]{}[/red]", ", ".join(failing))
                      if failing else "Failures waiting:     none", highlight=False)
        held = [f"{s['id']} ({s['held']})" for s in data["suppliers"] if s.get("held")]
        console.print(styled("Held customer orders: [red]{}[/red]", ", ".join(held))
                      if held else "Held customer orders: none", highlight=False)
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
            console.print(styled("[bold]Supplier orders[/bold]  (ctrl-c: back)"))
            console.print("      id  state          supplier      orders  held  lines       value",
                          highlight=False)
            by_id = {r["id"]: r for r in rows}
            ids = _ask(questionary.checkbox(
                "Select:", instruction="(space: select, a: all, enter: continue)", choices=[
                Choice(f"{r['id']:>4}  {r['state']:<14} {r['supplier_id'][:12]:<12} "
                       f"{r['customer_orders']:>6} {r['held'] or '':>5} {r['lines']:>6} "
                       f"{r['net_value']:>11.2f}", value=r["id"]) for r in rows]))
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
            except OXError as error:  # e.g. no licence: said here, the list stays open
                print_error(error)
            _pause()

    def order_action(self, action: str, ids: list[int], rows: dict[int, dict[str, Any]]) -> None:
        console.clear()
        if action == "Check":
            self.invoke(cli.check, so_ids=tuple(ids), check_all=False, as_json=False)
        elif action in ("Send", "Retry"):
            if action == "Retry":
                failed = [i for i in ids if cli.is_failure(rows[i])]
                skipped = [i for i in ids if i not in failed]
                if skipped:
                    console.print(f"Not failed, not retried: {', '.join(map(str, skipped))}",
                                  highlight=False)
                ids = failed
                if not ids:
                    return
            self.send(ids)
        elif action == "Cancel":
            self.cancel(ids)
        elif action == "Show":
            for so_id in ids:
                self.invoke(cli.show, so_id=so_id, as_json=False)

    def send(self, ids: list[int]) -> None:
        """Send with one progress bar per supplier, then the same results table as `send`.

        The Dispatcher sends suppliers in parallel, so a single bar would hide which shop is
        slow or stuck; here each supplier's bar moves on its own, fed by the Dispatcher's
        progress callback (called from its worker threads; rich's Progress is thread-safe)."""
        self.app.require_licence()
        supplier_of = {r["id"]: r["supplier_id"]
                       for r in self.app.store.list_supplier_orders(ids=ids)}
        per_supplier = Counter(supplier_of[i] for i in ids)
        console.print(f"Sending supplier orders {', '.join(map(str, ids))} …", highlight=False)
        with Progress(TextColumn("{task.fields[supplier]:<12}"), BarColumn(bar_width=24),
                      MofNCompleteColumn(), TextColumn("{task.description}"),
                      console=console) as progress:
            tasks = {sid: progress.add_task("waiting", total=n, supplier=sid[:12])
                     for sid, n in per_supplier.items()}

            def on_step(so_id: int, step: str) -> None:
                task = tasks[supplier_of[so_id]]
                done = step in ("notified", "skipped") or step.endswith("failed")
                colour = "red" if step.endswith("failed") else "green" if done else "default"
                progress.update(task, description=f"order {so_id}: [{colour}]{step}[/{colour}]",
                                advance=1 if done else 0)

            results = Dispatcher(self.app.config, self.app.store, self.app.host, on_step,
                                 concurrency=self.app.config.daemon.concurrency,
                                 worker="menu").send(ids)
        cli.print_results(results)  # failures follow with code, message and solution
        for warning in self.app.host.warnings:
            print_error(warning, warning=True)

    def cancel(self, ids: list[int]) -> None:
        """Cancel the customer orders of the selected supplier orders with `cancel_order`, the
        engine of `orderexchange cancel`: unwritten ones are dropped, written ones are cancelled
        in the shop and the supplier gets the cancellation email.

        Cancelling is about the customer order (the end customer withdrew it), so it is cancelled
        at every supplier it went to; the question names the other supplier orders it touches,
        so nobody is surprised by a second shop."""
        self.app.require_licence()
        store = self.app.store
        numbers: dict[str, None] = {}  # ordered set
        for so_id in ids:
            transfers = store.supplier_order(so_id).transfers
            if not transfers:
                console.print(f"Supplier order {so_id} holds no customer orders: nothing to "
                              "cancel.", highlight=False)
            for t in transfers:
                numbers.setdefault(t.customer_order.number)
        if not numbers:
            return
        also: dict[int, str] = {}
        for number in numbers:
            order_id, _status = store.customer_order_by_number(number)
            for row in store.transfers_of(order_id):
                if row["supplier_order_id"] not in ids and row["action"] != "cancel":
                    also[row["supplier_order_id"]] = row["supplier_id"]
        console.print(f"Customer orders: {', '.join(numbers)}", highlight=False)
        if also:
            console.print("They are also in supplier orders "
                          + ", ".join(f"{i} ({s})" for i, s in sorted(also.items()))
                          + ": they are cancelled there too.", highlight=False)
        if not _ask(questionary.confirm("Cancel them at every supplier (shop and email)?",
                                        default=False)):
            return
        reason = _ask(questionary.text("Reason for the supplier (empty: none):")).strip()
        results: list[CancelResult] = []
        for number in numbers:
            try:
                results.append(cancel_order(self.app.config, store, self.app.host, number,
                                            reason=reason))
            except OXError as error:  # the order vanished meanwhile (purged): say so, go on
                print_error(error)
        print_cancel_results(results)

    # -- settings ---------------------------------------------------------------------------
    def settings(self) -> None:
        path = self.app.config.path or config_mod.default_config_path()
        editor = SettingsEditor(Path(path))
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
                choice = _ask(questionary.select("Settings:", use_shortcuts=True, choices=[
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
            console.print(styled("[red]Not saved[/red]: the edited settings are not valid."))
            print_error(error)
            _pause()
            return False
        self.app._config = None  # the next screen reads the saved file
        self.note = styled("[green]Saved[/green] {}", editor.path)
        return True

    def edit_suppliers(self, editor: SettingsEditor) -> None:
        while True:
            suppliers = editor.suppliers()
            sid = _ask(questionary.select("Supplier:", choices=[
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
                action = _ask(questionary.select(f"Supplier {sid}:", use_shortcuts=True, choices=[
                    "Deactivate" if active else "Activate", "Edit email", "Back"]))
                if action in ("Activate", "Deactivate"):
                    table["active"] = action == "Activate"
                elif action == "Edit email":
                    value = _ask(questionary.text(f"Email of {sid}:",
                                                  default=str(table.get("email", ""))))
                    if value and value.strip():
                        table["email"] = value.strip()
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
            sid = _ask(questionary.text("Supplier id (letters, digits, - and _):",
                                        default=draft.get("id", ""))).strip()
            draft["id"] = sid
            if not SUPPLIER_ID.match(sid):
                console.print(styled("[red]An id is 1 to 32 letters, digits, - or _.[/red]"))
            elif sid in taken:
                console.print(styled("[red]Supplier {} exists already.[/red]", sid))
            else:
                break
        while True:
            draft["name"] = _ask(questionary.text("Name:", default=draft.get("name", ""))).strip()
            if draft["name"]:
                break
            console.print(styled("[red]A supplier needs a name (it appears in tables and "
                                 "emails).[/red]"))
        while True:
            draft["email"] = _ask(questionary.text("Order email address:",
                                                   default=draft.get("email", ""))).strip()
            problem = address_problem(draft["email"])
            if problem is None:
                break
            console.print(styled("[red]Not an email address[/red]: {}", problem), highlight=False)
        names = sorted(types)
        draft["connector"] = _ask(questionary.select(
            "Connector type:", choices=names,
            default=draft.get("connector") if draft.get("connector") in names else
            ("oscommerce" if "oscommerce" in names else None)))
        if getattr(types[draft["connector"]], "writes_database", True):
            console.print("Database URL without password, e.g. mysql+pymysql://user@host/shop, "
                          "or a reference like ${SHOP_URL}.")
            draft["url"] = _ask(questionary.text("Database URL:",
                                                 default=draft.get("url", ""))).strip()
            console.print("The password stays out of the file: name the environment variable "
                          "that holds it (empty: none).")
            draft["password_var"] = self._ask_variable("Password variable:", draft.get(
                "password_var", f"{sid.upper().replace('-', '_')}_DB_PASSWORD"))
            self.ask_ssh(draft, sid)
        else:
            for key in ("url", "password_var", "ssh"):
                draft.pop(key, None)
        draft["language"] = _ask(questionary.select(
            "Language of its emails:", choices=list(LANGUAGES),
            default=draft.get("language", "en")))
        draft["active"] = _ask(questionary.confirm("Active (orders are sent to it)?",
                                                   default=draft.get("active", True)))
        try:
            editor.add_supplier(sid, supplier_table(draft), types)
        except OXError as error:
            console.print(styled("[red]Not added[/red]: fix the value and add it again (your "
                                 "answers are kept)."))
            print_error(error)
            _pause()
            return
        self.draft = {}
        self.note = (f"Supplier {sid} added; connector settings beyond its type go in "
                     f"[suppliers.{sid}.connector] (see config.example.toml).")
        console.print(self.note, highlight=False)

    def ask_ssh(self, draft: dict[str, Any], sid: str) -> None:
        """The `[suppliers.<id>.database.ssh]` answers (docs/connectivity.md); secrets only as
        variable names. The host key is not asked: the first `test db` shows it to pin."""
        ssh = draft.get("ssh") or {}
        if not _ask(questionary.confirm("Reach the database through the supplier's SSH server?",
                                        default=bool(ssh))):
            draft.pop("ssh", None)
            return
        draft["ssh"] = ssh
        ssh["host"] = _ask_required("SSH server (host name):", ssh.get("host", ""))
        ssh["port"] = _ask_port("SSH port:", ssh.get("port", 22))
        ssh["user"] = _ask_required("SSH user:", ssh.get("user", "orderexchange"))
        console.print("Private key file (relative to the config file's folder; empty: the "
                      f"ssh-agent's keys). A new one: ssh-keygen -t ed25519 -f keys/{sid}_ed25519")
        ssh["key_file"] = _ask(questionary.text("Key file:", default=ssh.get(
            "key_file", f"keys/{sid}_ed25519"))).strip()
        ssh["passphrase_var"] = self._ask_variable(
            "Passphrase variable (empty: the key has none):", ssh.get("passphrase_var", ""))
        console.print("Where the database listens, as seen from the SSH server (usually the "
                      "shop server itself).")
        ssh["remote_host"] = _ask(questionary.text("Database host there:", default=ssh.get(
            "remote_host", "127.0.0.1"))).strip() or "127.0.0.1"
        console.print("The server's host key is pinned after the first "
                      f"`orderexchange test db {sid}`: it shows the key to compare with "
                      "the supplier's admin.", highlight=False)

    @staticmethod
    def _ask_variable(question: str, default: str) -> str:
        while True:
            var = _ask(questionary.text(question, default=default)).strip()
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
            key = _ask(questionary.select(
                "Daemon job (cron in UTC):", default=last,
                choices=[Choice(f"{kind:<6} {describe_job(jobs.get(kind)):<24} {JOBS[kind]}"[:72],
                                value=kind) for kind in JOBS] + [Choice("Back", value=BACK)]))
            if key in (None, BACK):
                return
            last = key  # the pointer stays on the job just edited
            try:  # Ctrl-C here: back to the list above, not further
                job = jobs.get(key)
                enabled = job is not None and job.get("enabled", True)
                action = _ask(questionary.select(f"Job {key}:", use_shortcuts=True, choices=[
                    "Every N minutes", "Cron expression", "Disable" if enabled else "Enable",
                    "Back"]))
                if action == "Every N minutes":
                    every = job.get("every") if job is not None else None
                    text = _ask(questionary.text("Minutes between runs:", default=_minutes(every)))
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
                    cron = _ask(questionary.text("Cron:", default=str(job.get("cron") or "")
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
            key = _ask(questionary.select("Mail account:", choices=[*choices,
                                                                     Choice("Back", value=BACK)]))
            if key in (None, BACK):
                return
            try:  # Ctrl-C here: back to the list above, not further
                current = mail.get(key)
                if key == "transport":
                    names = sorted(self.app.host.mail_transports())
                    value = _ask(questionary.select("Transport:", choices=names,
                                                    default=str(current) if current in names
                                                    else None))
                elif key == "security":
                    value = _ask(questionary.select("Security:",
                                                    choices=["starttls", "tls", "none"],
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
                            console.print(styled("[red]A port is a number.[/red]"))
                            continue
                        value = int(value)
                if value not in (None, ""):
                    editor.table("mail")[key] = value
            except KeyboardInterrupt:
                continue

    # -- self-tests and activation ----------------------------------------------------------
    def self_tests(self) -> None:
        while True:
            console.clear()
            choices = [Choice(f"Shop database of {sid}", value=sid)
                       for sid in self.app.config.suppliers]
            choices += [Choice("Mail account", value=":mail"), Choice("Back", value=BACK)]
            what = _ask(questionary.select("Self-test:", choices=choices))
            if what in (None, BACK):
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
        """Show the current licence, take a code, show what *it* grants, and store it only
        once confirmed: a mistyped or smaller code never replaces a working one unseen."""
        from datetime import date

        console.clear()
        try:
            lic = self.app.licence()
        except OXError as error:
            print_error(error)
            lic = None
        if lic is not None:
            console.print(styled("[bold]Current licence[/bold]"))
            cli.print_licence(lic, self.app)
        else:
            console.print("No licence activated yet.")
        while True:
            code = _ask(questionary.text("Activation code (empty: back):")).strip()
            if not code:
                return
            try:
                new = licence_mod.decode(code, today=date.today())
            except OXError as error:
                print_error(error)
                continue
            console.clear()
            console.print(styled("[bold]This code grants[/bold]"))
            cli.print_licence(new, self.app)
            if _ask(questionary.confirm("Activate it" + (" (replaces the current code)?"
                                                         if lic is not None else "?"),
                                        default=True)):
                self.invoke(cli.activate, code=code)
                _pause()
            return

def print_cancel_results(results: list[CancelResult]) -> None:
    """One row per supplier transfer, then one line per customer order: cancelled, or what
    failed with its code, message and solution (the email column says sent / not needed, as a
    Message-ID would not fit 80 columns; `orderexchange log` shows it)."""
    table = Table("order", "supplier order", "supplier", "outcome", "shop order", "email",
                  title="Cancel results")
    for result in results:
        for step in result.steps:
            outcome = styled("[red]{}[/red]", step.outcome) if step.error else step.outcome
            table.add_row(result.order, str(step.supplier_order_id),
                          step.supplier_id, outcome, step.remote_order_id or "",
                          "sent" if step.message_id else "")
    if table.row_count:
        console.print(table)
    closed = sorted({s.supplier_order_id for r in results for s in r.steps
                     if s.supplier_order_cancelled})
    if closed:
        console.print(f"Supplier orders now cancelled: {', '.join(map(str, closed))}",
                      highlight=False)
    for result in results:
        failed = [s for s in result.steps if s.error is not None]
        if not failed:
            console.print(styled("Customer order {}: [green]{}[/green]", result.order,
                                 result.status), highlight=False)
            continue
        console.print(styled("Customer order {}: [red]not cancelled[/red] (stays {})",
                             result.order, result.status), highlight=False)
        for step in failed:
            err_console.print(styled("[bold]supplier order {} ({})[/bold]:",
                                     step.supplier_order_id, step.supplier_id), highlight=False)
            assert step.error is not None
            print_error(step.error)
        print_error(OXError("OX-LOG-004", order=result.order, status=result.status,
                                failed=len(failed)))


def supplier_table(draft: dict[str, Any]) -> Any:
    """The `[suppliers.<id>]` table for the answers of "Add supplier": the password only ever as
    a `${VAR}` reference, the connector as a table so its settings can be added below `type`."""
    table = tomlkit.table()
    table["name"] = draft.get("name", "")
    table["email"] = draft.get("email", "")
    table["language"] = draft.get("language", "en")
    table["active"] = bool(draft.get("active", True))
    if draft.get("url"):
        database = tomlkit.table()
        database["url"] = draft["url"]
        if draft.get("password_var"):
            database["password"] = f"${{{draft['password_var']}}}"
        if draft.get("ssh"):
            database["ssh"] = ssh_table(draft["ssh"])
        table["database"] = database
    connector = tomlkit.table()
    connector["type"] = draft["connector"]
    table["connector"] = connector
    return table


def ssh_table(answers: dict[str, Any]) -> Any:
    """`[suppliers.<id>.database.ssh]` of the menu's answers: no key file means the agent."""
    ssh = tomlkit.table()
    for key in ("host", "port", "user"):
        ssh[key] = answers[key]
    if answers.get("key_file"):
        ssh["key_file"] = answers["key_file"]
    else:
        ssh["agent"] = True
    if answers.get("passphrase_var"):
        ssh["key_passphrase"] = f"${{{answers['passphrase_var']}}}"
    ssh["remote_host"] = answers.get("remote_host") or "127.0.0.1"
    return ssh


def _ask_required(question: str, default: str) -> str:
    while True:
        answer = _ask(questionary.text(question, default=default)).strip()
        if answer:
            return answer
        console.print(styled("[red]An answer is needed here.[/red]"))


def _ask_port(question: str, default: int) -> int:
    while True:
        text = _ask(questionary.text(question, default=str(default))).strip()
        if text.isdigit() and 1 <= int(text) <= 65535:
            return int(text)
        console.print(styled("[red]A port is a number from 1 to 65535.[/red]"))


def describe_job(job: Any) -> str:
    if job is None:
        return "not scheduled"
    trigger = (f"cron {job['cron']}" if job.get("cron") is not None
               else f"every {_minutes(job['every'])} min" if job.get("every") is not None
               else "no trigger")
    return trigger if job.get("enabled", True) else f"off ({trigger})"


def _minutes(seconds: Any) -> str:
    if seconds is None:
        return ""
    minutes = float(seconds) / 60
    return str(int(minutes)) if minutes.is_integer() else f"{minutes:g}"


def cron_problem(expression: str) -> str | None:
    """Why APScheduler would refuse this crontab expression (None: it is fine)."""
    from datetime import UTC

    from apscheduler.triggers.cron import CronTrigger

    if not expression:
        return "empty"
    try:
        CronTrigger.from_crontab(expression, timezone=UTC)
    except (ValueError, TypeError) as exc:
        return str(exc) or "not understood"
    return None


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

    def add_supplier(self, sid: str, table: Any, types: dict[str, Any]) -> None:
        """Add `[suppliers.<sid>]` if the file with it passes the config model and the
        connector type's settings schema (what `config check` asks); else OXError, unchanged."""
        trial = tomlkit.parse(self.doc.as_string())
        if "suppliers" not in trial:
            trial["suppliers"] = tomlkit.table(is_super_table=True)
        trial["suppliers"][sid] = table
        config = config_mod.from_dict(trial.unwrap(), self.path)
        instantiate(types, config.supplier(sid))
        if "suppliers" not in self.doc:
            self.doc["suppliers"] = tomlkit.table(is_super_table=True)
        self.doc["suppliers"][sid] = table

    def jobs(self) -> dict[str, Any]:
        """The daemon jobs as the daemon will see them: the file's `[daemon.jobs.*]` tables if
        it has any (then a job not listed does not run), else the built-in defaults."""
        jobs = self.doc.get("daemon", {}).get("jobs")
        if jobs is not None:
            return dict(jobs)
        return {kind: job.model_dump(exclude_none=True)
                for kind, job in config_mod.DaemonConfig().jobs.items()}

    def set_job(self, kind: str, *, every: float | None = None, cron: str | None = None,
                enabled: bool | None = None) -> None:
        """Change one job in the edited copy. The first change writes every default job into
        the file: a `[daemon.jobs]` table replaces the defaults as a whole, so writing only the
        edited job would silently switch the others off."""
        daemon = self.table("daemon")
        if "jobs" not in daemon:
            jobs = tomlkit.table(is_super_table=True)
            for name, job in config_mod.DaemonConfig().jobs.items():
                jobs[name] = _job_table(job)
            daemon["jobs"] = jobs
        jobs = daemon["jobs"]
        if kind not in jobs:
            jobs[kind] = _job_table(config_mod.DaemonConfig().jobs[kind])
        job = jobs[kind]
        if every is not None:
            job.pop("cron", None)
            job["every"] = every
        if cron is not None:
            job.pop("every", None)
            job["cron"] = cron
        if enabled is not None:
            job["enabled"] = enabled
            if enabled and "every" not in job and "cron" not in job:
                job["every"] = _job_table(config_mod.DaemonConfig().jobs[kind])["every"]

    def validate(self) -> None:
        """The config model, plus what it leaves to the daemon: each cron expression must be
        one APScheduler accepts, or the daemon would stop at start-up."""
        config = config_mod.from_dict(self.doc.unwrap(), self.path)
        for kind, job in config.daemon.jobs.items():
            problem = cron_problem(job.cron) if job.cron is not None else None
            if problem:
                raise OXError("OX-CFG-004", key=f"daemon.jobs.{kind}.cron", detail=problem,
                              hint="five fields: minute hour day month weekday, e.g. "
                                   "*/10 * * * *.")

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


def _job_table(job: config_mod.JobConfig) -> Any:
    table = tomlkit.table()
    if job.every is not None:
        table["every"] = int(job.every) if float(job.every).is_integer() else job.every
    if job.cron is not None:
        table["cron"] = job.cron
    table["enabled"] = job.enabled
    return table
