"""`orderexchange menu`: the distributor's desk in a terminal (questionary, fits 80×24).

The second view over `orderexchange.actions`, beside the CLI: every entry calls the same action
function as its command (Check → `sending.check`, Send → `sending.send`, Hold →
`holding.hold`, Cancel → `cancelling.cancel`, the self-tests, activation) and prints through the
same `orderexchange.present` functions, so the menu and the commands cannot drift apart. Only
the display differs where a person at the desk wants more: Send shows one bar per supplier.
Ctrl-C in any prompt returns to the previous screen; on the main screen it quits.

Settings are edited with `actions.settings.SettingsEditor` (a tomlkit copy of the config file,
written only on "Save", after the edited document has passed `config.from_dict`; comments and
key order survive, and `${ENV}` references are never resolved into the file).
"""

from __future__ import annotations

from typing import Any, Callable

import questionary
from questionary import Choice

from .actions import (cancelling, holding, licensing, orders as order_actions, selftests,
                      sending, settings as settings_actions, status as status_actions)
from .actions.app import App
from .actions.settings import (ENV_NAME, SUPPLIER_ID, SettingsEditor, cron_problem,
                               describe_job, minutes_text, supplier_table)
from .documents import LANGUAGES
from .errors import OXError
from .mail import address_problem
from .present import console, print_error, print_notice, print_warnings, styled
from .present.desk import (print_activated, print_db_tests, print_header, print_licence,
                           print_mail_test)
from .present.orders import (print_cancel_plan, print_cancel_results, print_check_report,
                             print_hold_rows, print_results, print_supplier_order,
                             supplier_progress)

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
ORDER_ACTIONS = ["Check", "Send", "Retry", "Cancel", "Show", "Hold", "Release", "Back"]


def _ask(question: Any) -> Any:
    """Ask; Ctrl-C raises KeyboardInterrupt, which every screen turns into "back"."""
    return question.unsafe_ask()


def _pause() -> None:
    try:
        questionary.press_any_key_to_continue("Press any key to go back").unsafe_ask()
    except KeyboardInterrupt:
        pass


class Menu:
    def __init__(self, app: App) -> None:
        self.app = app
        if app.on_warning is None:  # a session opened for the menu alone: warn on screen
            app.on_warning = print_notice
        self.note = ""  # a one-line message for the next settings screen
        self.draft: dict[str, Any] = {}  # answers of an "Add supplier" not finished yet

    # -- plumbing ---------------------------------------------------------------------------
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
        data = status_actions.collect_status(self.app)
        print_header(self.app.config.distributor.name, data)

    # -- supplier orders --------------------------------------------------------------------
    def supplier_orders(self) -> None:
        while True:
            console.clear()
            rows = order_actions.supplier_orders(self.app)
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
                    f"{len(ids)} selected:", use_shortcuts=True, choices=ORDER_ACTIONS))
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
            outcome = sending.check(self.app, ids)
            print_check_report(outcome.results, outcome.matches)
            print_warnings(self.app.host.warnings)
        elif action in ("Send", "Retry"):
            if action == "Retry":
                ids, skipped = sending.sendable_failures(rows, ids)
                if skipped:
                    console.print(f"Not failed, not retried: {', '.join(map(str, skipped))}",
                                  highlight=False)
                if not ids:
                    return
                ids = holding.retry_ids(self.app, ids)  # what `retry ID …` resends
            self.send(ids)
        elif action in ("Hold", "Release"):
            self.hold(ids, release=action == "Release")
        elif action == "Cancel":
            self.cancel(ids)
        elif action == "Show":
            for so_id in ids:
                try:
                    print_supplier_order(order_actions.supplier_order(self.app, so_id))
                except OXError as error:  # purged meanwhile: said, the others still shown
                    print_error(error)

    def send(self, ids: list[int]) -> None:
        """Send with one progress bar per supplier, then the same results table as `send`.

        The Dispatcher sends suppliers in parallel, so a single bar would hide which shop is
        slow or stuck; here each supplier's bar moves on its own."""
        self.app.require_licence()
        supplier_of = {r["id"]: r["supplier_id"]
                       for r in order_actions.supplier_orders(self.app, ids=ids)}
        console.print(f"Sending supplier orders {', '.join(map(str, ids))} …", highlight=False)
        with supplier_progress(supplier_of) as on_step:
            results = sending.send(self.app, ids, on_step=on_step, worker="menu")
        print_results(results)  # failures follow with code, message and solution
        print_warnings(self.app.host.warnings)

    def hold(self, ids: list[int], release: bool) -> None:
        """Hold (or release) the customer orders of the selected supplier orders at their
        supplier, with the actions of `orderexchange hold` / `release`: a held order is not
        written by any send until it is released; a released one is checked again by the next
        send (Retry, or the daemon's)."""
        rows: list[dict[str, Any]] = []
        for sid, numbers in holding.orders_by_supplier(self.app, ids).items():
            rows += (holding.release if release else holding.hold)(self.app, numbers, sid)
        if not rows:
            console.print("The selected supplier orders hold no customer orders.")
            return
        print_hold_rows(rows, release)

    def cancel(self, ids: list[int]) -> None:
        """Cancel the customer orders of the selected supplier orders with `cancelling.cancel`,
        the action of `orderexchange cancel`: unwritten ones are dropped, written ones are
        cancelled in the shop and the supplier gets the cancellation email.

        Cancelling is about the customer order (the end customer withdrew it), so it is cancelled
        at every supplier it went to; the question names the other supplier orders it touches,
        so nobody is surprised by a second shop."""
        plan = cancelling.cancel_plan(self.app, ids)
        print_cancel_plan(plan)
        if not plan.numbers:
            return
        if not _ask(questionary.confirm("Cancel them at every supplier (shop and email)?",
                                        default=False)):
            return
        reason = _ask(questionary.text("Reason for the supplier (empty: none):")).strip()
        results = []
        for number in plan.numbers:
            try:
                results += cancelling.cancel(self.app, [number], reason=reason)
            except OXError as error:  # the order vanished meanwhile (purged): say so, go on
                print_error(error)
        print_cancel_results(results)

    # -- settings ---------------------------------------------------------------------------
    def settings(self) -> None:
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
            settings_actions.save(self.app, editor)
        except OXError as error:
            console.print(styled("[red]Not saved[/red]: the edited settings are not valid."))
            print_error(error)
            _pause()
            return False
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
                    editor.set_supplier(sid, active=action == "Activate")
                elif action == "Edit email":
                    value = _ask(questionary.text(f"Email of {sid}:",
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
                    text = _ask(questionary.text("Minutes between runs:", default=minutes_text(every)))
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
                    editor.set_mail(key, value)
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
                    report = selftests.mail_account(self.app, to.strip() or None)
                    print_mail_test(self.app.config.mail.transport, report)
                else:
                    print_db_tests(selftests.shop_database(self.app, what))
            except KeyboardInterrupt:
                continue
            except OXError as error:  # e.g. a bad --to address: said here, the list stays
                print_error(error)
            _pause()

    def activation(self) -> None:
        """Show the current licence, take a code, show what *it* grants, and store it only
        once confirmed: a mistyped or smaller code never replaces a working one unseen."""
        console.clear()
        try:
            lic = self.app.licence()
        except OXError as error:
            print_error(error)
            lic = None
        if lic is not None:
            console.print(styled("[bold]Current licence[/bold]"))
            print_licence(lic, licensing.active_suppliers(self.app))
        else:
            console.print("No licence activated yet.")
        while True:
            code = _ask(questionary.text("Activation code (empty: back):")).strip()
            if not code:
                return
            try:
                new = licensing.decode(code)
            except OXError as error:
                print_error(error)
                continue
            console.clear()
            console.print(styled("[bold]This code grants[/bold]"))
            print_licence(new, licensing.active_suppliers(self.app))
            if _ask(questionary.confirm("Activate it" + (" (replaces the current code)?"
                                                         if lic is not None else "?"),
                                        default=True)):
                print_activated(licensing.activate(self.app, code),
                                licensing.active_suppliers(self.app))
                _pause()
            return


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
