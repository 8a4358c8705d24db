"""`orderexchange menu`: the distributor's desk in a terminal (questionary, fits 80×24).

The second view over `orderexchange.actions`, beside the CLI: every entry calls the same action
function as its command (Check → `sending.check`, Send → `sending.send`, Hold →
`holding.hold`, Cancel → `cancelling.cancel`, the self-tests, activation) and prints through the
same `orderexchange.present` functions, so the menu and the commands cannot drift apart. Only
the display differs where a person at the desk wants more: Send shows one bar per supplier.
Ctrl-C in any prompt returns to the previous screen; on the main screen it quits.

Here the main screen, the supplier orders, the self-tests and activation; the Settings screens
are in `menu.settings`, the prompts every screen shares in `menu.ask`.
"""

from __future__ import annotations

from typing import Any, Callable

import questionary
from questionary import Choice

from ..actions import (cancelling, holding, licensing, orders as order_actions, selftests,
                       sending, status as status_actions)
from ..actions.app import App
from ..errors import OXError
from ..present import console, print_error, print_notice, print_warnings, styled
from ..present.desk import (print_activated, print_db_tests, print_header, print_licence,
                            print_mail_test)
from ..present.orders import (print_cancel_plan, print_cancel_results, print_check_report,
                              print_hold_rows, print_results, print_supplier_order,
                              menu_value, supplier_progress)
from .ask import BACK, ask, pause
from .settings import SettingsScreens

ORDER_ACTIONS = ["Check", "Send", "Retry", "Cancel", "Show", "Hold", "Release", "Back"]


class Menu:
    def __init__(self, app: App) -> None:
        self.app = app
        if app.on_warning is None:  # a session opened for the menu alone: warn on screen
            app.on_warning = print_notice
        self.settings_screens = SettingsScreens(app)  # keeps its note and draft

    # -- plumbing ---------------------------------------------------------------------------
    def screen(self, handler: Callable[[], Any]) -> None:
        try:
            handler()
        except KeyboardInterrupt:
            pass  # back to the previous screen
        except OXError as error:
            print_error(error)
            pause()

    # -- main screen ------------------------------------------------------------------------
    def run(self) -> int:
        self.app.config  # a broken config stops here with its code (exit 2)
        while True:
            console.clear()
            self.header()
            try:
                choice = ask(questionary.select("What do you want to do?", use_shortcuts=True,
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
                pause()
                return
            console.print(styled("[bold]Supplier orders[/bold]  (ctrl-c: back)"))
            console.print("      id  state          supplier      orders  held  lines  "
                          "         value",
                          highlight=False)
            by_id = {r["id"]: r for r in rows}
            ids = ask(questionary.checkbox(
                "Select:", instruction="(space: select, a: all, enter: continue)", choices=[
                Choice(f"{r['id']:>4}  {r['state']:<14} {r['supplier_id'][:12]:<12} "
                       f"{r['customer_orders']:>6} {r['held'] or '':>5} {r['lines']:>6} "
                       f"{menu_value(r):>15}", value=r["id"]) for r in rows]))
            if not ids:
                return
            try:
                action = ask(questionary.select(
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
            pause()

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
        if not ask(questionary.confirm("Cancel them at every supplier (shop and email)?",
                                        default=False)):
            return
        reason = ask(questionary.text("Reason for the supplier (empty: none):")).strip()
        results = []
        for number in plan.numbers:
            try:
                results += cancelling.cancel(self.app, [number], reason=reason)
            except OXError as error:  # the order vanished meanwhile (purged): say so, go on
                print_error(error)
        print_cancel_results(results)

    # -- settings, self-tests and activation ------------------------------------------------
    def settings(self) -> None:
        self.settings_screens.run()

    def self_tests(self) -> None:
        while True:
            console.clear()
            choices = [Choice(f"Shop database of {sid}", value=sid)
                       for sid in self.app.config.suppliers]
            choices += [Choice("Mail account", value=":mail"), Choice("Back", value=BACK)]
            what = ask(questionary.select("Self-test:", choices=choices))
            if what in (None, BACK):
                return
            try:
                if what == ":mail":
                    to = ask(questionary.text("Also send a test message to (empty: none):"))
                    report = selftests.mail_account(self.app, to.strip() or None)
                    print_mail_test(self.app.config.mail.transport, report)
                else:
                    print_db_tests(selftests.shop_database(self.app, what))
            except KeyboardInterrupt:
                continue
            except OXError as error:  # e.g. a bad --to address: said here, the list stays
                print_error(error)
            pause()

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
            code = ask(questionary.text("Activation code (empty: back):")).strip()
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
            if ask(questionary.confirm("Activate it" + (" (replaces the current code)?"
                                                         if lic is not None else "?"),
                                        default=True)):
                print_activated(licensing.activate(self.app, code),
                                licensing.active_suppliers(self.app))
                pause()
            return
