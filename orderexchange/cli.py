"""The command line: a thin shell over import, build, dispatch and the self-tests.

Output rules: lists are rich tables (`--json` for scripts), long work shows a progress bar, and
every expected failure prints its code, message and solution — never a traceback.
Exit codes: 0 ok, 1 some supplier orders failed, 2 usage or config error, 3 licence.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from . import __version__, config as config_mod, licence as licence_mod
from .build import build as build_orders
from .connector import SelfTestReport, instantiate
from .dispatch import Dispatcher, SendResult
from .errors import CATALOGUE, OXError, explain as explain_code
from .importer import CHUNK_ROWS, LIST_LIMIT, import_catalogue, import_orders
from .mail import self_test as mail_self_test
from .model import SupplierOrderState
from .plugin_host import PluginHost
from .present import (console, emit_json, err_console, print_error, print_explain,
                      print_solution, state as _state, styled)
from .shop_create import KINDS as SHOP_KINDS
from .store import Store

LICENCE_KEY = licence_mod.SETTING


class App:
    """Lazily opened config, store and plug-in host for one command."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self._config = self._store = self._host = None

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path)
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.config.store.url)
            self._warn_licence()
        return self._store

    def _warn_licence(self) -> None:
        """Every command that opens the store says so when the licence ends within 14 days."""
        try:
            lic = self.licence()
        except OXError:
            return  # a broken stored code is reported by the commands that need the licence
        warning = lic.warning(date.today()) if lic else None
        if warning:
            err_console.print(styled("[yellow]{}[/yellow]", warning), soft_wrap=True)

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            self._host = PluginHost(self.config.plugin_folder)
            for failure in self._host.failures:
                print_error(failure, warning=True)
        return self._host

    def licence(self) -> licence_mod.Licence | None:
        return licence_mod.stored(self.store)

    def require_licence(self, feature: str | None = None) -> None:
        lic = licence_mod.require(self.licence(), feature=feature, today=date.today())
        licence_mod.require_distributor(lic, self.config.distributor.id)
        active = sum(1 for s in self.config.suppliers.values() if s.active)
        licence_mod.check_supplier_limit(lic, active)


def exit_code_for(error: OXError) -> int:
    return 3 if error.code.startswith("OX-LIC") else 2


def handles_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OXError as error:
            print_error(error)
            sys.exit(exit_code_for(error))
    return wrapper


class PluginAwareGroup(click.Group):
    """The root command: built-in commands, plus those plug-ins add through `oe_cli_commands`."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        cached = getattr(self, "_plugin_cache", None)
        if cached is not None:
            return cached
        folder = None
        try:
            folder = config_mod.load(ctx.params.get("config_path")).plugin_folder
        except OXError:
            pass  # without a config: entry-point plug-ins only
        commands: dict[str, click.Command] = {}
        for plugin, command in PluginHost(folder).cli_commands():
            if command.name in self.commands:
                print_error(OXError("OX-PLG-003", name=plugin, command=command.name), warning=True)
            else:
                commands[command.name] = command
        self._plugin_cache = commands
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)


@click.group(cls=PluginAwareGroup)
@click.option("--config", "config_path", type=click.Path(path_type=Path), envvar="ORDEREXCHANGE_CONFIG",
              help="Config file (default: ~/.config/orderexchange/config.toml).")
@click.version_option(__version__, prog_name="orderexchange")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Forward customer orders into your suppliers' shop databases and notify them."""
    ctx.obj = App(config_path)


# --- import / catalogue ----------------------------------------------------------------------
@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; store nothing.")
@click.option("--report", "report_path", type=click.Path(path_type=Path),
              help="Write the rejected rows, with an `error` column, to this .csv (or .jsonl) "
                   "file: fix them there and import that file.")
@click.option("--chunk", "chunk_rows", type=click.IntRange(min=1), default=CHUNK_ROWS,
              show_default=True, help="File rows per commit (an order is never split).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def import_cmd(app: App, path: Path, dry_run: bool, report_path: Path | None, chunk_rows: int,
               as_json: bool) -> None:
    """Import customer orders from a .jsonl or .csv file.

    Every order is validated first (syntax, required fields, countries, postcodes, phone,
    totals); good orders are stored, bad ones are listed by row with their code and skipped.
    """
    report = import_orders(app.store, path, dry_run=dry_run, chunk_rows=chunk_rows,
                           report_path=report_path)
    if as_json:
        emit_json(report.as_dict())
    else:
        verb = "would store" if dry_run else "stored"
        c = report.counts
        console.print(f"{report.rows} orders read ({report.file_rows} rows): {c['stored']} {verb}, "
                      f"{c['duplicates']} already imported, "
                      + (f"{c['corrected']} corrected, " if c.get("corrected") else "")
                      + f"{c['rejected']} rejected, "
                      f"{c['warnings']} warning(s).", highlight=False)
        print_import_issues(report.issues())
        if len(report.errors) >= LIST_LIMIT or len(report.notices) >= LIST_LIMIT:
            # the lists are capped for memory; say so, and where the whole list is
            console.print(f"The table shows the first {LIST_LIMIT:,} errors and warnings of "
                          f"each kind; {c['errors']:,} error(s) were found in all. "
                          + ("" if report.report_path else
                             "`--report FILE` writes every rejected row with its error."),
                          highlight=False, soft_wrap=True)
        if report.report_path:
            console.print(f"Rejected rows are in {report.report_path}: fix them there and "
                          f"import that file (its error column is ignored).", highlight=False)
    sys.exit(1 if report.counts["rejected"] else 0)


def print_import_issues(issues: list[dict[str, Any]]) -> None:
    """The import results table (row, order, code, message), then each solution once."""
    if not issues:
        return
    table = Table(title="Import findings")
    table.add_column("row", justify="right", no_wrap=True)
    table.add_column("order", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("message")
    solutions: dict[str, str] = {}
    for i in issues:
        colour = "red" if i["severity"] == "error" else "yellow"
        table.add_row(str(i["row"] or ""), str(i["order"] or ""),
                      styled(f"[{colour}]{{}}[/{colour}]", i["code"]), i["message"])
        solutions.setdefault(i["solution"], i["code"])
    console.print(table)
    for solution, code in solutions.items():
        print_solution(code, solution)


@main.command()
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def fetch(app: App, source: str | None, as_json: bool) -> None:
    """Import customer orders from the configured order sources ([sources.*]).

    Stores them in the state store; a folder source moves each file to done/ or failed/."""
    from .sources import fetch as fetch_sources

    reports = fetch_sources(app.store, app.config, app.host.order_sources(), source)
    if as_json:
        emit_json([r.as_dict() for r in reports])
    else:
        table = Table("source", "file", "orders", "stored", "already imported", "rejected",
                      title="Fetched")
        for r in reports:
            for f in r.reports:
                table.add_row(r.source, Path(f.path).name, str(f.rows), str(len(f.stored)),
                              str(len(f.duplicates)), str(len(f.rejected_orders)))
            if not r.reports:
                table.add_row(r.source, "(nothing new)", "", "", "", "")
        console.print(table)
        for r in reports:
            for f in r.reports:
                for e in f.errors:
                    print_error(e)
    sys.exit(1 if any(f.errors for r in reports for f in r.reports) else 0)


@main.group()
def catalogue() -> None:
    """Which supplier delivers which product, at which purchase price."""


@catalogue.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def catalogue_import(app: App, path: Path, as_json: bool) -> None:
    """Import catalogue rows: sku, supplier, supplier_sku, purchase_price[, name][, currency].

    Stores (or replaces) the good rows in the state store; bad rows are listed and skipped."""
    count, errors = import_catalogue(app.store, path, app.config.price_currencies())
    if as_json:
        emit_json({"stored": count, "rejected": [e.as_dict() for e in errors]})
        sys.exit(1 if errors else 0)
    console.print(f"{count} catalogue rows stored, {len(errors)} rejected.")
    for e in errors:
        print_error(e)
    sys.exit(1 if errors else 0)


@catalogue.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def catalogue_list(app: App, as_json: bool) -> None:
    """List the catalogue: which supplier delivers which SKU at which price (changes nothing)."""
    entries = app.store.catalogue_entries()
    if as_json:
        emit_json([e.__dict__ for e in entries])
        return
    table = Table("SKU", "supplier", "supplier SKU", "purchase price", "name")
    for e in entries:
        table.add_row(e.sku, e.supplier_id, e.supplier_sku, f"{e.purchase_price:.2f}", e.name)
    console.print(table)


# --- build / orders / send -------------------------------------------------------------------
@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def build(app: App, as_json: bool) -> None:
    """Turn open customer-order lines into supplier orders (one per supplier).

    Changes the state store only (no shop, no email). Lines held back are counted by reason:
    waiting for the order's shop status (`trigger`), for a minimum order value, or without
    a supplier."""
    app.require_licence()
    report = build_orders(app.store, app.config)
    if as_json:
        emit_json(report.as_dict())
        return
    if report.created:
        print_supplier_orders(app.store.list_supplier_orders(ids=report.created),
                              title="Supplier orders built")
    reasons = report.reasons()
    held = [text for n, text in (
        (reasons["trigger"], f"{reasons['trigger']} customer order(s) wait for their trigger "
                             "(the shop status a supplier's `trigger` names; OX-BLD-003)"),
        (reasons["minimum"], f"{reasons['minimum']} line(s) wait for a minimum order value "
                             "(OX-BLD-004)"),
        (reasons["no_supplier"], f"{reasons['no_supplier']} line(s) have no active supplier "
                                 "(OX-BLD-001)")) if n]
    if held:
        console.print(("No supplier order built: " if not report.created else "Not built: ")
                      + "; ".join(held) + ".", highlight=False, soft_wrap=True)
    elif not report.created:
        console.print("No open customer-order lines to build.")
    shown: dict[str, int] = {}
    for e in [*report.waiting, *report.unassigned]:  # at most 10 per code: 100,000 would bury
        shown[e.code] = shown.get(e.code, 0) + 1
        if shown[e.code] <= 10:
            print_error(e, warning=True)
    for code, n in shown.items():
        if n > 10:
            err_console.print(f"… and {n - 10} more {code}: `orderexchange build --json` lists "
                              "them all.", highlight=False, soft_wrap=True)


@main.command()
@click.argument("so_ids", type=int, nargs=-1)
@click.option("--all", "check_all", is_flag=True,
              help="Check every supplier order that has not been written yet.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def check(app: App, so_ids: tuple[int, ...], check_all: bool, as_json: bool) -> None:
    """Run step 1 alone: check the selected supplier orders, write nothing.

    The findings and the checked / check_failed state are stored exactly as `send` stores them;
    `send` runs the check again before it writes.
    """
    app.require_licence()
    ids = list(so_ids)
    if check_all:
        ids = [r["id"] for r in app.store.list_supplier_orders(states=[
            SupplierOrderState.DRAFT, SupplierOrderState.CHECKED,
            SupplierOrderState.CHECK_FAILED])]
    elif not ids:
        raise OXError("OX-CLI-001")
    results = Dispatcher(app.config, app.store, app.host).check(ids) if ids else []
    matches = {r.supplier_order_id: {t.customer_order.number: t.customer_match
                                     for t in app.store.supplier_order(r.supplier_order_id).transfers}
               for r in results}
    if as_json:
        emit_json([dict(r.as_dict(), customer_matches=matches[r.supplier_order_id])
                   for r in results])
    else:
        print_check_report(results, matches)
    for warning in app.host.warnings:
        print_error(warning, warning=True)
    sys.exit(0 if all(r.skipped or r.error is None for r in results) else 1)


def print_check_report(results: list[SendResult],
                       matches: dict[int, dict[str, str | None]] | None = None) -> None:
    """Step 1's report, shared by `check` and `send`: one row per finding (or per supplier
    order without findings), then where each order's customer was found in the shop."""
    if not results:
        console.print("Nothing to check.")
        return
    # an 80-column terminal (the menu over SSH) gets the supplier order, its supplier and state
    # in one cell and the severity as the code's colour, so the message keeps room to be read
    narrow = console.width < 110
    table = Table(title="Check report")
    heads = ("supplier order", "code", "order") if narrow else \
        ("supplier order", "supplier", "state", "severity", "code", "order")
    for col in heads:
        table.add_column(col, no_wrap=not (narrow and col == "supplier order"))
    table.add_column("message")
    for r in results:
        head: tuple[Any, ...] = (
            (Text(f"{r.supplier_order_id} {r.supplier_id} ") + _state(r.state.value),) if narrow
            else (str(r.supplier_order_id), r.supplier_id, _state(r.state.value)))
        if not r.findings:
            note = r.skipped or ("no findings" if r.error is None else r.error.message)
            code = r.error.code if r.error is not None else ""
            severity = "error" if r.error and not r.skipped else ""
            table.add_row(*head, *(() if narrow else (severity,)),
                          styled("[red]{}[/red]", code) if narrow and severity else code, "", note)
        for f in r.findings:
            colour = "red" if f.blocking else "yellow"
            table.add_row(*head, *(() if narrow else (styled(f"[{colour}]{{}}[/{colour}]", f.severity),)),
                          styled(f"[{colour}]{{}}[/{colour}]", f.code) if narrow else f.code,
                          f.order or "", f.message)
    console.print(table)
    if matches and any(any(m.values()) for m in matches.values()):
        mt = Table("supplier order", "customer order", "customer in the shop",
                   title="Customer matches")
        for so_id, by_order in matches.items():
            for number, key in by_order.items():
                mt.add_row(str(so_id), number, _match_text(key))
        console.print(mt)


def _match_text(key: str | None, customer_id: str | None = None) -> str:
    text = {"new": "new customer", "distributor": "distributor's account",
            "guest": "guest pseudo customer", None: ""}.get(key, f"found by {key}")
    return f"{text} ({customer_id})" if customer_id and text else text


def print_supplier_orders(rows: list[dict[str, Any]], title: str = "Supplier orders") -> None:
    """One row per supplier order; a waiting error's code under its state, the update time on
    two lines, so the table fits 80 columns whole."""
    table = Table(title=title)
    for col in ("id", "supplier", "state", "customer orders", "lines", "net value",
                "updated (UTC)"):
        table.add_column(col, overflow="fold",
                         justify="right" if col in ("id", "lines", "net value",
                                                    "customer orders") else "left")
    for r in rows:
        state = _state(r["state"])
        if r["error_code"]:
            state += styled("\n[red]{}[/red]", r["error_code"])
        held = r.get("held") or 0
        orders = Text(str(r["customer_orders"]))
        if held:  # held customer orders under the count: one column less, 80 columns fit
            orders += styled("\n[red]{} held[/red]", held)
        table.add_row(str(r["id"]), r["supplier_id"], state, orders,
                      str(r["lines"]), f"{r['net_value']:.2f}",
                      r["updated_at"].strftime("%Y-%m-%d\n%H:%M"))
    console.print(table)


def print_held(rows: list[dict[str, Any]], limit: int | None = None) -> None:
    """Held customer orders: why each waits (code, message) and where (supplier order)."""
    table = Table(title="Held customer orders")
    table.add_column("customer order", overflow="fold")
    table.add_column("supplier order", overflow="fold")
    table.add_column("why", overflow="fold")
    for r in rows[:limit]:
        table.add_row(r["order"], f"{r['supplier_order']} {r['supplier']}",
                      " ".join(v for v in (r["code"], r["message"]) if v))
    console.print(table)
    if limit is not None and len(rows) > limit:
        console.print(f"… and {len(rows) - limit} more: `orderexchange orders --held`.")
    console.print("Fix the cause (re-import the corrected order, change the config), then "
                  "`orderexchange retry --held`; `orderexchange release ORDER` ends a hold by "
                  "hand.", highlight=False)


@main.command()
@click.option("--state", "states", multiple=True,
              type=click.Choice([s.value for s in SupplierOrderState]))
@click.option("--held", "held", is_flag=True,
              help="List the held customer orders instead, with code and supplier order.")
@click.option("--supplier", "supplier_id", default=None, help="With --held: of this supplier.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def orders(app: App, states: tuple[str, ...], held: bool, supplier_id: str | None,
           as_json: bool) -> None:
    """List supplier orders (the `held` column counts their held customer orders)."""
    if held:
        held_rows = app.store.held_orders(supplier_id)
        if as_json:
            emit_json(held_rows)
        elif held_rows:
            print_held(held_rows)
        else:
            console.print("No customer order is held.")
        return
    rows = app.store.list_supplier_orders(
        states=[SupplierOrderState(s) for s in states] if states else None)
    if as_json:
        emit_json(rows)
    elif rows:
        print_supplier_orders(rows)
    else:
        console.print("No supplier orders yet: import customer orders, then `orderexchange build`.")


@main.command()
@click.argument("so_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def show(app: App, so_id: int, as_json: bool) -> None:
    """Show one supplier order: its customer orders, lines, findings and history (changes
    nothing)."""
    so = app.store.supplier_order(so_id)
    found = app.store.findings(so_id)
    history = app.store.events(so_id)
    extras = app.store.transfer_extras(so_id)  # action, shop status and tracking (read-back)
    if as_json:
        emit_json({
            "id": so.id, "supplier": so.supplier_id, "state": so.state.value,
            "message_id": so.message_id, "error_code": so.error_code,
            "error_message": so.error_message,
            "customer_orders": [{
                "number": t.customer_order.number, "reference": t.reference,
                "state": t.state.value, "remote_order_id": t.remote_order_id,
                "remote_customer_id": t.remote_customer_id,
                "customer_created": t.customer_created, "customer_match": t.customer_match,
                "error_code": t.error_code, "error_message": t.error_message,
                "customer": t.customer_order.customer.email,
                "customer_name": f"{t.customer_order.customer.first_name} "
                                 f"{t.customer_order.customer.last_name}".strip(),
                "customer_phone": t.customer_order.customer.phone,
                **{k: extras.get(t.id, {}).get(k) for k in (
                    "action", "remote_status", "tracking_number", "shipped_at")},
                "lines": [{"sku": sl.line.sku, "supplier_sku": sl.supplier_sku,
                           "quantity": sl.line.quantity, "purchase_price": sl.purchase_price}
                          for sl in t.lines]} for t in so.transfers],
            "findings": [f.__dict__ for f in found], "history": history})
        return
    console.print(styled("[bold]Supplier order {}[/bold] for {}: ", so.id, so.supplier_id)
                  + _state(so.state.value))
    if so.message_id:  # its own line: a Message-ID is too long to share one at 80 columns
        console.print(f"Message-ID {so.message_id.strip()}", highlight=False, soft_wrap=True)
    # four columns at most, so an 80-column terminal shows every value whole (long ones fold)
    table = Table()
    table.add_column("customer order", overflow="fold")
    table.add_column("customer", overflow="fold")  # name, email, match, deliver to
    table.add_column("lines", overflow="fold")
    table.add_column("in the shop", overflow="fold")
    for t in so.transfers:
        co = t.customer_order
        x = extras.get(t.id, {})
        state = _state(t.state.value)
        if t.error_code:
            state += f" {t.error_code}"
        if x.get("action") == "cancel":
            state += styled(" [red](cancelled)[/red]")
        shop = [f"order {t.remote_order_id}" if t.remote_order_id else "", t.reference,
                x.get("remote_status") or "",
                f"tracking {x['tracking_number']}" if x.get("tracking_number") else "",
                f"shipped {x['shipped_at']}" if x.get("shipped_at") else ""]
        name = f"{co.customer.first_name} {co.customer.last_name}".strip()
        table.add_row(Text(f"{co.number}\n") + state,
                      "\n".join(v for v in (name, co.customer.email,
                                             _match_text(t.customer_match, t.remote_customer_id),
                                             f"{co.delivery.name}, {co.delivery.city} "
                                             f"({co.delivery.country})") if v),
                      "\n".join(f"{sl.line.quantity}× {sl.supplier_sku} @ {sl.purchase_price:.2f}"
                                for sl in t.lines),
                      "\n".join(v for v in shop if v))
    console.print(table)
    if found:
        ft = Table(title="Check findings")
        ft.add_column("code", no_wrap=True)
        ft.add_column("message", overflow="fold")
        ft.add_column("solution", overflow="fold")
        for f in found:
            colour = "red" if f.severity == "error" else "yellow"
            ft.add_row(styled(f"[{colour}]{{}}[/{colour}]", f.code), f.message, f.solution)
        console.print(ft)
    ht = Table(title="History")
    ht.add_column("at (UTC)", no_wrap=True)
    ht.add_column("step", overflow="fold")
    ht.add_column("message", overflow="fold")
    for e in history:
        outcome = styled("[red]{}[/red]", e["outcome"]) if e["outcome"] == "error" \
            else Text(e["outcome"])
        ht.add_row(e["at"].strftime("%Y-%m-%d %H:%M:%S"), Text(e["step"] + "\n") + outcome,
                   " ".join(v for v in (e["code"], e["message"]) if v))
    console.print(ht)


@main.command()
@click.argument("so_id", type=int)
@click.option("--kind", type=click.Choice(["notification", "cancellation"]),
              default="notification", show_default=True,
              help="Which email: the notification, or the cancellation of its customer orders.")
@click.option("--html", "html_path", type=click.Path(path_type=Path),
              help="Write the HTML part to this file (open it in a browser).")
@click.option("--eml", "eml_path", type=click.Path(path_type=Path),
              help="Write the whole message, attachments included, as an .eml file.")
@click.option("--attachments", "attachments_dir", type=click.Path(path_type=Path),
              help="Write the attached documents into this folder.")
@click.pass_obj
@handles_errors
def preview(app: App, so_id: int, kind: str, html_path: Path | None, eml_path: Path | None,
            attachments_dir: Path | None) -> None:
    """Render the email for supplier order SO_ID as it would be sent now, without sending it.

    Prints the headers, the attachment list and the text part. Nothing is sent and nothing is
    stored; the Message-ID and date are those of this rendering only."""
    from .mail import cancellation_attachments, render_cancellation, render_notification

    so = app.store.supplier_order(so_id)
    supplier = app.config.supplier(so.supplier_id)
    if kind == "cancellation":
        files = cancellation_attachments(app.config, supplier, so, so.transfers)
        message = render_cancellation(app.config, supplier, so, so.transfers, attachments=files)
    else:
        files = app.host.notification_attachments(app.config, supplier, so)
        message = render_notification(app.config, supplier, so, attachments=files)
    for key in ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID",
                "Auto-Submitted"):
        if message[key] is not None:
            console.print(styled("[bold]{}:[/bold] {}", key, message[key]), highlight=False,
                          soft_wrap=True)
    for item in files:
        console.print(styled("[bold]Attachment:[/bold] {} ({}, {} bytes)", item.filename,
                             item.mime_type, len(item.content)), highlight=False)
    console.print()
    text = message.get_body(preferencelist=("plain",))
    console.print(text.get_content() if text is not None else "", highlight=False,
                  soft_wrap=True)
    html = message.get_body(preferencelist=("html",))
    try:
        if html_path is not None and html is not None:
            html_path.write_text(html.get_content(), encoding="utf-8")
            err_console.print(f"HTML part written to {html_path}")
        if eml_path is not None:
            eml_path.write_bytes(message.as_bytes())
            err_console.print(f"Message written to {eml_path}")
        if attachments_dir is not None:
            attachments_dir.mkdir(parents=True, exist_ok=True)
            for item in files:
                (attachments_dir / Path(item.filename).name).write_bytes(item.content)
            err_console.print(f"{len(files)} attachment(s) written to {attachments_dir}")
    except OSError as exc:
        raise OXError("OX-MAIL-008", path=exc.filename or "", detail=exc.strerror or str(exc)) \
            from None


@main.command()
@click.argument("so_ids", type=int, nargs=-1)
@click.option("--all", "send_all", is_flag=True, help="Send every supplier order with work left.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def send(app: App, so_ids: tuple[int, ...], send_all: bool, as_json: bool) -> None:
    """Check, write and notify the selected supplier orders (step 1, then step 2).

    Writes the customer orders into the suppliers' shop databases, sends each supplier its
    email and records every step in the state store's transfer log."""
    app.require_licence()
    results = run_send(app, list(so_ids), send_all, quiet=as_json)
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        print_results(results)
    for warning in app.host.warnings:
        print_error(warning, warning=True)
    # held customer orders wait for a fix: exit 1 like a failure, though the rest went
    sys.exit(0 if all((r.ok or r.skipped) and not r.held for r in results) else 1)


def run_send(app: App, so_ids: list[int], send_all: bool, quiet: bool = False) -> list[SendResult]:
    if send_all:
        so_ids = [r["id"] for r in app.store.list_supplier_orders(
            states=[s for s in SupplierOrderState if s.sendable])]
    elif not so_ids:
        raise OXError("OX-CLI-001")
    if not so_ids:
        return []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, disable=quiet or not err_console.is_terminal) as progress:
        task = progress.add_task("sending", total=len(so_ids))

        def on_step(so_id: int, step: str) -> None:
            progress.update(task, description=f"supplier order {so_id}: {step}")
            if step in ("notified", "skipped") or step.endswith("failed"):
                progress.advance(task)

        # `--all` is the automatic kind of send (cron): it leaves supplier orders stopped by a
        # permanent error alone until something changed; naming them sends them anyway
        return Dispatcher(app.config, app.store, app.host, on_step,
                          concurrency=app.config.daemon.concurrency,
                          automatic=send_all).send(so_ids)


def print_results(results: list[SendResult]) -> None:
    if not results:
        console.print("Nothing to send.")
        return
    table = Table("supplier order", "supplier", "state", "written", "found already there",
                  "new customers", "notification", title="Send results")
    for r in results:
        table.add_row(str(r.supplier_order_id), r.supplier_id, _state(r.state.value),
                      str(r.written), str(r.already_there), str(r.customers_created),
                      r.message_id or ("in the daily digest" if r.digest_pending else "")
                      or (r.skipped or ""))
    console.print(table)
    if any(r.findings for r in results):
        print_check_report([r for r in results if r.findings])  # step 1's report, as `check`
    for r in results:
        if r.held and r.held_in is not None:
            console.print(f"Supplier order {r.supplier_order_id}: {len(r.held)} customer orders "
                          f"held ({', '.join(n for n, _c in r.held[:10])}"
                          f"{' …' if len(r.held) > 10 else ''}), moved to supplier order "
                          f"{r.held_in}; the others went on. `orderexchange orders --held` "
                          "says why.", highlight=False)
        if r.error is not None:
            err_console.print(styled("[bold]supplier order {}[/bold]:", r.supplier_order_id))
            print_error(r.error)
        for warning in r.warnings:
            err_console.print(styled("[bold]supplier order {}[/bold]:", r.supplier_order_id))
            print_error(warning, warning=True)


@main.command()
@click.option("--supplier", "suppliers", multiple=True, metavar="SUPPLIER",
              shell_complete=lambda ctx, param, inc: complete_supplier(ctx, param, inc),
              help="Only this digest supplier (repeatable); default: every digest supplier.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def digest(app: App, suppliers: tuple[str, ...], as_json: bool) -> None:
    """Send the daily digest now: one email per digest supplier (`notification.digest = true`)
    listing every supplier order written and not yet notified. The daemon does this at
    `digest_at`; this command is for cron users and for a digest that failed."""
    from .digest import digest_suppliers, send_digests

    app.require_licence()
    known = {s.id for s in digest_suppliers(app.config)}
    for sid in suppliers:
        app.config.supplier(sid)  # unknown supplier: its coded error
        if sid not in known:
            raise OXError("OX-MAIL-020", supplier=sid)
    results = send_digests(app.config, app.store, app.host, suppliers or None)
    if as_json:
        emit_json([r.as_dict() for r in results])
    elif not results:
        console.print("No digest owed: no written supplier order waits for one.")
    else:
        table = Table("supplier", "supplier orders", "notification", title="Digests")
        for r in results:
            table.add_row(r.supplier_id, ", ".join(map(str, r.supplier_orders)),
                          r.message_id or styled("[red]failed[/red]"))
        console.print(table)
    for r in results:
        if r.error is not None:
            print_error(r.error)
        for warning in r.warnings:
            print_error(warning, warning=True)
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.command()
@click.option("--once", is_flag=True, help="Run every enabled job once, then exit (for cron).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Overrides [daemon] log_format.")
@click.pass_obj
@handles_errors
def daemon(app: App, once: bool, log_format: str | None) -> None:
    """Fetch, build and send on the schedule of [daemon.jobs]; several daemons may share a store."""
    from .daemon import Daemon, configure_logging

    app.require_licence(feature="daemon")
    configure_logging(log_format or app.config.daemon.log_format, sys.stderr)
    sys.exit(Daemon(app.config, app.store, app.host).run(once=once))


# --- transfer log: log / suppliers / confirm / purge / retry / cancel / sync-status ----------
def parse_when(option: str, value: str, *, age_only: bool = False) -> Any:
    """A date (2026-11-01, midnight UTC) or an age (7d, 12h, 2w) → an aware UTC datetime."""
    import re
    from datetime import UTC, datetime, timedelta

    text = value.strip().lower()
    m = re.fullmatch(r"(\d+)\s*([dhw])", text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
        return datetime.now(UTC) - delta
    if not age_only:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC) \
                if "t" not in text and ":" not in text else \
                datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            pass
    raise OXError("OX-LOG-003", option=option, value=value)


def _at(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


@main.command("log")
@click.option("--supplier", "supplier_id", help="Only this supplier's events.")
@click.option("--since", help="From this date (2026-11-01) or age (7d, 12h).")
@click.option("--order", "order_number", help="Only events about this customer order.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def log_cmd(app: App, supplier_id: str | None, since: str | None, order_number: str | None,
            as_json: bool) -> None:
    """The transfer log: every step of every supplier order, newest last (changes nothing)."""
    rows = app.store.transfer_log(supplier_id, parse_when("--since", since) if since else None,
                                  order_number)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print("No transfer-log entries match.")
        return
    # four columns, so 80 columns leave the message room; long values fold, never "…"
    table = Table(title="Transfer log")
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("supplier order", overflow="fold")
    table.add_column("step", overflow="fold")
    table.add_column("message", overflow="fold")
    for r in rows:
        outcome = styled("[red]error[/red]") if r["outcome"] == "error" else Text(r["outcome"])
        order = f"{r['supplier_order_id'] or ''} {r['supplier_id'] or ''}".strip()
        table.add_row(r["at"].strftime("%Y-%m-%d\n%H:%M:%S"),
                      order + (f"\norder {r['order_number']}" if r["order_number"] else ""),
                      Text(r["step"] + (f" ({r['action']})" if r["action"] != "create" else "")
                           + "\n") + outcome,
                      " ".join(v for v in (r["code"], r["message"]) if v))
    console.print(table)


@main.command("suppliers")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def suppliers_cmd(app: App, as_json: bool) -> None:
    """Transfer status per supplier: last build, last send, last failure, open supplier orders."""
    status = app.store.supplier_status()
    ids = list(app.config.suppliers) + sorted(set(status) - set(app.config.suppliers))
    final = {SupplierOrderState.CONFIRMED.value, SupplierOrderState.CANCELLED.value}
    out = []
    for sid in ids:
        sup = app.config.suppliers.get(sid)
        st = status.get(sid, {"last_build": None, "last_sent": None, "last_failure": None,
                              "states": {}})
        out.append({"id": sid, "name": sup.name if sup else None, "configured": sup is not None,
                    "active": sup.active if sup else None,
                    "connector": sup.connector if sup else None,
                    "last_build": st["last_build"], "last_sent": st["last_sent"],
                    "last_failure": st["last_failure"],
                    "open": {s: n for s, n in st["states"].items() if s not in final},
                    "states": st["states"]})
    if as_json:
        emit_json(out)
        return
    # supplier with its connector and activity in one cell, build and send in another: fits
    # 80 columns with every date whole
    table = Table(title="Transfer status")
    table.add_column("supplier", overflow="fold")
    table.add_column("last (UTC)", no_wrap=True)
    table.add_column("last failure", overflow="fold")
    table.add_column("open supplier orders", overflow="fold")
    for r in out:
        active = "not configured" if not r["configured"] else ("" if r["active"] else "inactive")
        fail = r["last_failure"]
        table.add_row("\n".join(v for v in (r["id"], r["connector"], active) if v),
                      f"build {_at(r['last_build']) or '-'}\nsend  {_at(r['last_sent']) or '-'}",
                      styled("[red]{}[/red]\n{}", fail["code"], _at(fail["at"])) if fail else "",
                      "\n".join(f"{n} {s}" for s, n in sorted(r["open"].items())) or "none")
    console.print(table)


@main.command("confirm")
@click.argument("so_ids", type=int, nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def confirm_cmd(app: App, so_ids: tuple[int, ...], as_json: bool) -> None:
    """Mark notified supplier orders confirmed: the supplier has received them.

    Changes their state in the state store only."""
    done, refused = [], []
    for so_id in so_ids:
        was = app.store.confirm(so_id)
        if was == SupplierOrderState.NOTIFIED:
            done.append(so_id)
        else:
            refused.append(OXError("OX-LOG-001", id=so_id, state=was.value))
    if as_json:
        emit_json({"confirmed": done, "refused": [dict(e.as_dict(), id=e.facts["id"])
                                                  for e in refused]})
    else:
        for so_id in done:
            console.print(f"Supplier order {so_id} confirmed.")
        for err in refused:
            print_error(err)
    sys.exit(1 if refused else 0)


@main.command("purge")
@click.option("--confirmed", is_flag=True, required=True,
              help="Purge confirmed supplier orders (the only kind that may be purged).")
@click.option("--older-than", "older_than", required=True,
              help="Age since confirmation, e.g. 90d, 12w.")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@click.option("--yes", is_flag=True, help="Delete without asking (scripts, cron).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def purge_cmd(app: App, confirmed: bool, older_than: str, dry_run: bool, yes: bool,
              as_json: bool) -> None:
    """Delete confirmed supplier orders older than --older-than with their transfer log.

    Deletes from the state store for good (never from the shops): lists what it would remove
    and asks first; --yes skips the question, --dry-run only lists."""
    if not confirmed:
        raise click.UsageError("--confirmed is required: only confirmed orders are purged")
    before = parse_when("--older-than", older_than, age_only=True)
    purge, keep = app.store.purge_candidates(before)
    if purge and not dry_run and not yes:
        if not (sys.stdin.isatty() and not as_json):
            raise OXError("OX-LOG-005", count=len(purge))
        print_supplier_order_ids("Would remove", purge)
        if not click.confirm(f"Delete these {len(purge)} supplier orders and their transfer "
                             "log for good?", default=False):
            console.print("Nothing deleted.")
            return
    counts = None if dry_run else app.store.purge([r["id"] for r in purge])
    if as_json:
        emit_json({"dry_run": dry_run, "purged": purge, "kept": keep, "deleted": counts})
        return
    if purge:
        print_supplier_order_ids("Would remove" if dry_run else "Removed", purge)
    else:
        console.print(f"Nothing to purge: no supplier order confirmed before {_at(before)} UTC.")
    if counts:
        console.print(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))
    for r in keep:
        console.print(f"Kept supplier order {r['id']}: customer orders "
                      f"{', '.join(r['open_orders'])} still have lines to build.")


def print_supplier_order_ids(verb: str, rows: list[dict[str, Any]]) -> None:
    table = Table("supplier order", "supplier", "confirmed (UTC)",
                  title=f"{verb} {len(rows)} confirmed supplier orders")
    for r in rows:
        table.add_row(str(r["id"]), r["supplier_id"], _at(r["updated_at"]))
    console.print(table)


@main.command("retry")
@click.argument("so_ids", type=int, nargs=-1)
@click.option("--failed", "all_failed", is_flag=True, help="Retry every failed supplier order.")
@click.option("--held", "held", is_flag=True,
              help="Retry the supplier orders holding held customer orders (step 1 again).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def retry_cmd(app: App, so_ids: tuple[int, ...], all_failed: bool, held: bool,
              as_json: bool) -> None:
    """Resume failed supplier orders at the step that failed.

    Failed: a *_failed state, or a transient failure (shop or mail server unreachable) waiting
    in a sendable state with its code — what `status` counts. Writes to the shops and sends
    emails like `send`. A supplier order of held customer orders is check_failed: retrying it
    runs step 1 again for them, and those that pass now are written and notified."""
    app.require_licence()
    if held:
        ids = list(dict.fromkeys(r["supplier_order"] for r in app.store.held_orders()))
        ids = [r["id"] for r in app.store.list_supplier_orders(ids=ids) if is_failure(r)]
    elif all_failed:  # the failures `status` counts, no more, no fewer
        ids = [r["id"] for r in app.store.list_supplier_orders() if is_failure(r)]
    elif so_ids:
        rows = {r["id"]: r for r in app.store.list_supplier_orders(ids=so_ids)}
        for so_id in so_ids:
            if so_id not in rows:
                raise OXError("OX-BLD-002", id=so_id)
            if not is_failure(rows[so_id]):
                raise OXError("OX-LOG-002", id=so_id, state=rows[so_id]["state"])
        ids = list(so_ids)
    else:
        raise OXError("OX-CLI-001")
    results = run_send(app, ids, False, quiet=as_json) if ids else []
    if as_json:
        emit_json([r.as_dict() for r in results])
    elif not results:
        console.print("Nothing to retry: no supplier order has failed.")
    else:
        print_results(results)
    sys.exit(0 if all(r.ok or r.skipped for r in results) else 1)


def _order_numbers(numbers: tuple[str, ...], path: Path | None) -> list[str]:
    """Order numbers from the arguments and from a file (one a line, `-` for stdin)."""
    out = list(numbers)
    if path is not None:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        out += [line.strip() for line in text.splitlines() if line.strip()]
    if not out:
        raise OXError("OX-CLI-001")
    return out


def _hold_or_release(app: App, numbers: tuple[str, ...], path: Path | None,
                     supplier_id: str | None, as_json: bool, release: bool) -> None:
    if supplier_id is not None:
        app.config.supplier(supplier_id)  # an unknown supplier is a coded error
    rows = app.store.hold_by_hand(_order_numbers(numbers, path), supplier_id, release=release)
    errors = [r["error"] for r in rows if r["error"] is not None]
    if as_json:
        emit_json([dict(r, error=r["error"].as_dict() if r["error"] else None) for r in rows])
    else:
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
        if len(rows) <= 50:
            table = Table("customer order", "supplier", "supplier order", "outcome",
                          title="Release" if release else "Hold")
            for r in rows:
                outcome = styled("[red]{}[/red]", r["outcome"]) if r["error"] else r["outcome"]
                table.add_row(r["order"], r["supplier"] or "", str(r["supplier_order"] or ""),
                              outcome)
            console.print(table)
        console.print(", ".join(f"{n} {o}" for o, n in sorted(counts.items())), highlight=False)
        for err in errors[:20]:
            print_error(err)
        if release and counts.get("released"):
            ids = " ".join(str(i) for i in dict.fromkeys(
                r["supplier_order"] for r in rows if r["outcome"] == "released"))
            console.print(f"`orderexchange retry {ids}` (or the daemon's next send) runs step 1 "
                          "for them again.", highlight=False)
    sys.exit(1 if errors else 0)


_NUMBERS_FILE = click.option("--file", "path", type=click.Path(path_type=Path, allow_dash=True),
                             help="Read order numbers from this file, one a line (- for stdin).")


@main.command("hold")
@click.argument("numbers", nargs=-1)
@_NUMBERS_FILE
@click.option("--supplier", "supplier_id", default=None,
              help="Hold the order at this supplier only (default: at every supplier).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def hold_cmd(app: App, numbers: tuple[str, ...], path: Path | None, supplier_id: str | None,
             as_json: bool) -> None:
    """Hold customer orders not written yet: no send writes them until `release`."""
    _hold_or_release(app, numbers, path, supplier_id, as_json, release=False)


@main.command("release")
@click.argument("numbers", nargs=-1)
@_NUMBERS_FILE
@click.option("--supplier", "supplier_id", default=None,
              help="Release the order at this supplier only (default: at every supplier).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def release_cmd(app: App, numbers: tuple[str, ...], path: Path | None, supplier_id: str | None,
                as_json: bool) -> None:
    """End the hold of customer orders (by hand or by step 1): the next send checks them again."""
    _hold_or_release(app, numbers, path, supplier_id, as_json, release=True)


@main.command("cancel")
@click.argument("numbers", nargs=-1)
@_NUMBERS_FILE
@click.option("--supplier", "supplier_id", default=None,
              help="Cancel at this supplier only (default: at every supplier).")
@click.option("--reason", default="", help="Shown to the supplier in the cancellation email.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def cancel_cmd(app: App, numbers: tuple[str, ...], path: Path | None, supplier_id: str | None,
               reason: str, as_json: bool) -> None:
    """Cancel customer orders NUMBER… at every supplier, or at --supplier only (shop status,
    email, transfer log)."""
    from .cancel import cancel_orders

    app.require_licence()
    if supplier_id is not None:
        app.config.supplier(supplier_id)  # an unknown supplier is a coded error
    results = cancel_orders(app.config, app.store, app.host, _order_numbers(numbers, path),
                            reason=reason, supplier_id=supplier_id)
    if as_json:
        data = [r.as_dict() for r in results]
        emit_json(data[0] if len(data) == 1 and len(numbers) == 1 and path is None else data)
    else:
        for result in results[:50]:
            print_cancel(result, supplier_id)
        if len(results) > 50:
            counts: dict[str, int] = {}
            for r in results:
                counts[r.status] = counts.get(r.status, 0) + 1
            console.print(f"{len(results)} customer orders: "
                          + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
                          highlight=False)
    sys.exit(0 if all(r.ok for r in results) else 1)


def print_cancel(result: Any, supplier_id: str | None = None) -> None:
    number = result.order
    if result.steps:
        table = Table("supplier order", "supplier", "outcome", "shop order", "email",
                      title=f"Cancel customer order {number}")
        for s in result.steps:
            outcome = styled("[red]{}[/red]", s.outcome) if s.error else Text(s.outcome)
            if s.supplier_order_cancelled:
                outcome += " (supplier order cancelled)"
            # "sent": a Message-ID would not fit 80 columns; `orderexchange log` shows it
            table.add_row(str(s.supplier_order_id), s.supplier_id, outcome,
                          s.remote_order_id or "", "sent" if s.message_id else "")
        console.print(table)
    else:
        where = f"supplier {supplier_id}" if supplier_id else "any supplier"
        console.print(f"Customer order {number} was not forwarded to {where}.")
    console.print(f"Customer order {number}: {result.status}")
    for s in result.steps:
        if s.error is not None:
            print_error(s.error)
    if not result.ok:
        print_error(OXError("OX-LOG-004", order=number, status=result.status,
                            failed=sum(1 for s in result.steps if s.error)))


@main.command("sync-status")
@click.argument("supplier_id", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def sync_status_cmd(app: App, supplier_id: str | None, as_json: bool) -> None:
    """Read back shop status and tracking of written orders; confirm what the supplier moved on.

    Reads the shops only; stores what it saw and confirms supplier orders in the state store."""
    from .sync import sync_status

    app.require_licence()
    results = sync_status(app.config, app.store, app.host, supplier_id)
    if as_json:
        emit_json([r.as_dict() for r in results])
    elif not results:
        console.print("Nothing to read back: no notified or confirmed supplier orders.")
    else:
        table = Table("supplier", "orders read", "changed", "missing in shop", "confirmed",
                      title="Read-back")
        for r in results:
            table.add_row(r.supplier_id, str(r.read), str(r.changed), ", ".join(r.missing),
                          ", ".join(map(str, r.confirmed)))
        console.print(table)
        for r in results:
            for warning in r.warnings:
                print_error(warning, warning=True)
            if r.error is not None:
                print_error(r.error)
    sys.exit(0 if all(r.error is None for r in results) else 1)


# --- self-tests ------------------------------------------------------------------------------
@main.group()
def test() -> None:
    """Self-tests: shop-database connections and the mail account."""


@test.command("db")
@click.argument("supplier", required=False,  # complete_supplier is defined further down
                shell_complete=lambda ctx, param, inc: complete_supplier(ctx, param, inc))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def test_db(app: App, supplier: str | None, as_json: bool) -> None:
    """Connect to each supplier's shop database and check every table, column and grant.

    Changes nothing that stays: the trial write (a sample order written in a transaction and
    rolled back, or removed again on MyISAM) leaves no rows, but uses up auto-increment ids
    (the next real order number in the shop skips them)."""
    ids = [supplier] if supplier else list(app.config.suppliers)
    reports = []
    types = app.host.connector_types()
    refusals: list[OXError] = []
    refused_reports: list[SelfTestReport] = []
    lic = optional_licence(app)
    for sid in ids:
        connector = instantiate(types, app.config.supplier(sid))
        try:
            licence_mod.require_connector(lic, sid, connector.type_name,
                                          connector.licence_feature())
        except OXError as refused:  # this supplier is refused, the others are still tested
            refusals.append(refused)
            report = SelfTestReport(sid)
            report.add("licence", False, f"{refused.code} {refused.message}")
            reports.append(report)
            refused_reports.append(report)
            continue
        reports.append(connector.self_test())
    if as_json:
        emit_json([{"supplier": r.supplier, "ok": r.ok, "server_version": r.server_version,
                    "missing": r.missing, "grants": r.grants,
                    "stages": [s.__dict__ for s in r.stages]}
                   for r in reports])
    else:
        for r in reports:
            print_report(f"Shop database of {r.supplier}", r)
            # a failed stage once more on one line: its fix (a GRANT, an authorized_keys or
            # host_key line) must be copied whole, not out of a wrapped table cell
            for stage in r.stages:
                if not stage.ok and r not in refused_reports:  # those: print_error below
                    err_console.print(styled("[red]{}[/red]: {}", stage.name, stage.detail),
                                      highlight=False, soft_wrap=True)
            if r.grants:  # one block to copy, for the shop's database administrator
                console.print(f"GRANT statements for the database user of {r.supplier} "
                              f"(run them all in one go):", highlight=False, soft_wrap=True)
                for line in r.grants:
                    console.print(line, highlight=False, soft_wrap=True)
        for refused in refusals:
            print_error(refused)
    sys.exit(0 if all(r.ok for r in reports) else 1)


def optional_licence(app: App) -> licence_mod.Licence | None:
    """The activated licence for commands that also work without one (`test db`): None when
    none is activated or the stored code is unusable (the licensed commands report that)."""
    try:
        return app.licence()
    except OXError:
        return None


@test.command("mail")
@click.option("--to", "to", help="Also send a test message to this address.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def test_mail(app: App, to: str | None, as_json: bool) -> None:
    """Test the mail account stage by stage: DNS, connect, TLS, banner, EHLO, STARTTLS, AUTH;
    with --to also send a test message and print its Message-ID.

    Changes nothing; with --to one real email goes to that address."""
    if to is not None:
        from .mail import address_problem

        problem = address_problem(to)
        if problem:
            raise OXError("OX-MAIL-022", value=to, detail=problem)
    report = mail_self_test(app.config, app.host.mail_transports(), to)
    if as_json:
        emit_json({"ok": report.ok, "stages": [s.__dict__ for s in report.stages]})
    else:
        print_report(f"Mail transport {app.config.mail.transport}", report)
        for stage in report.stages:  # the failing stage: its code and what to do
            if not stage.ok and getattr(stage, "code", None):
                err_console.print(styled("[red]{}[/red] {}: {}", stage.code, stage.name,
                                         stage.detail), highlight=False, soft_wrap=True)
                err_console.print(styled("  [dim]solution:[/dim] {}", stage.solution),
                                  highlight=False, soft_wrap=True)
    sys.exit(0 if report.ok else 1)


@main.command("supplier-setup")
@click.argument("supplier", shell_complete=lambda ctx, param, inc: complete_supplier(ctx, param,
                                                                                     inc))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def supplier_setup(app: App, supplier: str, as_json: bool) -> None:
    """Print what to send the supplier's admin: the database user's least-privilege GRANTs,
    the SSH authorized_keys line (forced permitopen) and our public key — from the config."""
    from . import supplier_setup as kit

    sup = app.config.supplier(supplier)
    data = kit.collect(sup, instantiate(app.host.connector_types(), sup))
    if as_json:
        emit_json(data)
    else:
        console.print(kit.render(data), markup=False, highlight=False, soft_wrap=True, end="")


def print_report(title: str, report: Any) -> None:
    table = Table("stage", "result", "detail", title=title)
    for s in report.stages:
        result = (styled("[red]FAILED[/red]") if not s.ok else
                  styled("[yellow]warning[/yellow]") if getattr(s, "warning", False) else
                  styled("[green]ok[/green]"))
        table.add_row(s.name, result, s.detail)
    console.print(table)


# --- licence ---------------------------------------------------------------------------------
@main.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def activate(app: App, code: str, as_json: bool = False) -> None:
    """Store an activation code (in the state store) and show what it grants."""
    lic = licence_mod.decode(code, today=date.today())
    licence_mod.require_distributor(lic, app.config.distributor.id)  # before it is stored
    app.store.set_setting(LICENCE_KEY, lic.code)
    if as_json:
        emit_json(licence_data(lic, app))
        return
    console.print(styled("[green]Activated[/green] for {} ({}).", lic.licensee,
                         lic.distributor_id))
    print_licence(lic, app)


@main.command("licence")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def licence_cmd(app: App, as_json: bool) -> None:
    """Show the licence: status, days left, active suppliers against the limit."""
    lic = app.licence()
    if lic is None:
        raise OXError("OX-LIC-001")
    if as_json:
        emit_json(licence_data(lic, app))
        return
    print_licence(lic, app)


def licence_data(lic: licence_mod.Licence, app: App) -> dict[str, Any]:
    active = sum(1 for s in app.config.suppliers.values() if s.active)
    return {**lic.as_dict(), "days_left": lic.days_left(date.today()),
            "expired": lic.expired(date.today()), "active_suppliers": active}


def print_licence(lic: licence_mod.Licence, app: App) -> None:
    active = sum(1 for s in app.config.suppliers.values() if s.active)
    table = Table(show_header=False)
    days = lic.days_left(date.today())
    table.add_row("licensee", lic.licensee)
    table.add_row("distributor id", lic.distributor_id)
    table.add_row("issued", str(lic.issued))
    table.add_row("expires", f"{lic.expires} ({days} days left)" if lic.expires else "never")
    table.add_row("active suppliers", f"{active} of {lic.max_suppliers or 'unlimited'}")
    table.add_row("features", ", ".join(sorted(lic.features)) or "-")
    console.print(table)
    warning = lic.warning(date.today())
    if warning:
        err_console.print(styled("[yellow]{}[/yellow]", warning))


# --- test shops ------------------------------------------------------------------------------
@main.group("shop")
def shop_group() -> None:
    """Test shops to try orderexchange on (never a supplier's real shop)."""


@shop_group.command("create")
@click.argument("kind", type=click.Choice(list(SHOP_KINDS)))
@click.option("--url", required=True, metavar="URL",
              help="mysql+pymysql://USER@HOST:PORT/DATABASE, without password; the database "
                   "is created if it does not exist.")
@click.option("--password-env", "password_env", default="OX_SHOP_PASSWORD", show_default=True,
              help="Environment variable holding the database password (unset: none).")
@click.option("--supplier", "supplier_id", default="testshop", show_default=True,
              help="Supplier id for the printed [suppliers.*] block.")
@click.option("--email", default="orders@test-shop.example", show_default=True,
              help="Where the test supplier's notifications go.")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def shop_create(kind: str, url: str, password_env: str, supplier_id: str, email: str,
                as_json: bool) -> None:
    """Create a ready-to-use test shop of KIND in an empty MariaDB/MySQL database.

    Creates the database if needed, then the shop's tables, statuses, a currency, countries
    and a few products; refuses a database that already has one of those tables. Changes
    nothing else: paste the printed [suppliers.*] block into your config yourself."""
    import os

    from .shop_create import create_shop, supplier_block

    shop = create_shop(kind, url, os.environ.get(password_env))
    shop.block = supplier_block(kind, supplier_id, url,
                                password_env if password_env in os.environ else None, email)
    if as_json:
        emit_json(shop.as_dict())
        return
    products = ", ".join(p["sku"] + ("" if p["active"] else " (inactive)") for p in shop.products)
    console.print(styled("[green]Created[/green] a {} test shop in {}: {} tables, its statuses, "
                         "a currency, countries and the products {}.", kind, shop.where,
                         shop.tables, products), highlight=False, soft_wrap=True)
    console.print("\nPaste into your config (the password stays in "
                  f"${password_env}):\n", highlight=False, soft_wrap=True)
    console.print(shop.block, highlight=False, soft_wrap=True)
    first = next(p for p in shop.products if p["active"])
    console.print(f"Catalogue row for one of its products (sku,supplier,supplier_sku,"
                  f"purchase_price,name):\n  YOUR-SKU,{supplier_id},{first['sku']},7.20,"
                  f"{first['name']}", highlight=False, soft_wrap=True)


# --- config / plug-ins ------------------------------------------------------------------------
@main.group("config")
def config_group() -> None:
    """Check the configuration."""


@config_group.command("check")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def config_check(app: App, as_json: bool) -> None:
    """Validate the config, every supplier's connector settings and the mail templates.

    Every problem is listed in one run; changes nothing. Exit code 0: fine; 2: problems."""
    from .config_check import check_config

    path, parts = check_config(app.config_path,
                               lambda config: PluginHost(config.plugin_folder))
    failed = any(not p.ok for p in parts)
    if as_json:
        emit_json({"path": str(path), "ok": not failed, "parts": [p.as_dict() for p in parts]})
        sys.exit(2 if failed else 0)
    table = Table("part", "result", title=f"Config {path}")
    for p in parts:
        if p.ok:
            result = styled("[green]{}[/green]", p.label) + (f" ({p.note})" if p.note else "")
            if p.warning:
                result += styled(" [yellow]({})[/yellow]", p.warning)
        else:
            result = Text("\n").join(styled("[red]{}[/red] {}", e.code, e.message)
                                      for e in p.errors)
        table.add_row(p.name, result)
    console.print(table)
    for p in parts:
        if p.advice:
            console.print(styled("[yellow]note[/yellow] {}: {}", p.name, p.advice),
                          highlight=False, soft_wrap=True)
    for p in parts:
        for error in p.errors:
            print_error(error)
    sys.exit(2 if failed else 0)


@main.command("plugins")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def plugins_cmd(app: App, as_json: bool) -> None:
    """List the loaded plug-ins: name, version, source and hooks."""
    try:
        folder = app.config.plugin_folder
    except OXError:
        folder = None  # without a config, list what is installed
    host = PluginHost(folder)
    infos = list(host.infos.values())
    if as_json:
        emit_json({"plugins": [i.__dict__ for i in infos],
                   "failures": [f.as_dict() for f in host.failures]})
        return
    table = Table("name", "version", "source", "hooks", title="Plug-ins")
    for i in infos:
        table.add_row(i.name, i.version, i.source, ", ".join(i.hooks))
    console.print(table)
    for failure in host.failures:
        print_error(failure)


# --- help ------------------------------------------------------------------------------------
@main.command()
@click.argument("code", required=False)
@click.option("--list", "list_all", is_flag=True, help="List every error code.")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def explain(code: str | None, list_all: bool, as_json: bool) -> None:
    """Print an error code's meaning and solution (changes nothing)."""
    if as_json:
        entries = list(CATALOGUE.values()) if list_all or not code else [explain_code(code)]
        emit_json([{"code": e.code, "title": e.title, "message": e.message,
                    "solution": e.solution, "transient": e.transient} for e in entries])
        return
    if list_all or not code:
        table = Table("code", "title")
        for entry in CATALOGUE.values():
            table.add_row(entry.code, entry.title)
        console.print(table)
        return
    entry = explain_code(code)
    print_explain(entry)


@main.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_obj
@handles_errors
def backup_cmd(app: App, dest: Path) -> None:
    """Copy the SQLite state store to the new file DEST while it is in use (SQLite's online
    backup API). PostgreSQL / MariaDB stores: pg_dump / mariadb-dump, see the README."""
    from .backup import backup

    result = backup(app.config.store.url, dest)
    console.print(f"Backup written: {result.dest} ({result.bytes:,} bytes, "
                  f"{result.tables} tables, integrity checked).", highlight=False)


@main.command()
@click.option("--workspace", type=click.Path(path_type=Path), default=None,
              help="Folder for the demo (default: a new temporary folder).")
@click.option("--json", "as_json", is_flag=True,
              help="Print only what was made (workspace, supplier orders, emails) as JSON.")
@handles_errors
def demo(workspace: Path | None, as_json: bool) -> None:
    """Run the whole flow on a throwaway workspace: SQLite shops, .eml outbox.

    Writes only inside the workspace folder (its shops, state store, outbox, config)."""
    import io

    from rich.console import Console

    from .demo import run_demo

    ws = run_demo(workspace, Console(file=io.StringIO()) if as_json else console)
    if as_json:
        store = Store(config_mod.load(ws / "config.toml").store.url)
        try:
            emit_json({"workspace": str(ws), "config": str(ws / "config.toml"),
                       "supplier_orders": store.list_supplier_orders(),
                       "emails": [str(p) for p in sorted((ws / "outbox").glob("*.eml"))]})
        finally:
            store.close()


# --- status / init / menu --------------------------------------------------------------------
FAILED_STATES = [SupplierOrderState.CHECK_FAILED, SupplierOrderState.WRITE_FAILED,
                 SupplierOrderState.NOTIFY_FAILED]


def is_failure(row: dict[str, Any]) -> bool:
    """A supplier order waiting for a retry: *_failed, or a transient failure (e.g. shop
    unreachable) left in a sendable state with its code. `status`, `retry` and the menu's
    Retry all ask this, so they never disagree."""
    state = SupplierOrderState(row["state"])
    return state in FAILED_STATES or bool(row["error_code"] and state.sendable)


def licence_state(app: App) -> dict[str, Any]:
    """The licence as `status` and the menu show it: state active | missing | invalid | expired."""
    try:
        lic = app.licence()
        if lic is not None:
            licence_mod.require_distributor(lic, app.config.distributor.id)
    except OXError as error:
        return {"state": "invalid", "licensee": None, "expires": None, "days_left": None,
                "error_code": error.code, "message": error.message}
    if lic is None:
        return {"state": "missing", "licensee": None, "expires": None, "days_left": None,
                "error_code": "OX-LIC-001", "message": "No licence is activated."}
    today = date.today()
    expired = lic.expired(today)
    return {"state": "expired" if expired else "active", "licensee": lic.licensee,
            "expires": lic.expires.isoformat() if lic.expires else None,
            "days_left": lic.days_left(today), "error_code": "OX-LIC-008" if expired else None,
            "message": lic.warning(today)}


def collect_status(app: App) -> dict[str, Any]:
    """Everything `orderexchange status` reports, as plain JSON-ready data."""
    import sqlalchemy as sa

    from .queue import WorkQueue
    from .store import events, now, supplier_orders

    store = app.store
    rows = store.list_supplier_orders()
    by_state: dict[str, int] = {}
    for r in rows:
        by_state[r["state"]] = by_state.get(r["state"], 0) + 1
    with store.engine.connect() as conn:
        last_sends = dict(conn.execute(
            sa.select(supplier_orders.c.supplier_id, sa.func.max(events.c.at, type_=events.c.at.type))
            .join(supplier_orders, supplier_orders.c.id == events.c.supplier_order_id)
            .where(events.c.step == SupplierOrderState.NOTIFIED.value, events.c.outcome == "ok")
            .group_by(supplier_orders.c.supplier_id)).all())
        failed = conn.execute(
            sa.select(supplier_orders.c.id, supplier_orders.c.supplier_id,
                      supplier_orders.c.state, supplier_orders.c.error_code,
                      supplier_orders.c.error_message, supplier_orders.c.updated_at,
                      supplier_orders.c.stopped_under)
            # *_failed, or a transient failure (e.g. shop unreachable) left in a sendable
            # state with its code, waiting for the next send
            .where(supplier_orders.c.state.in_([s.value for s in FAILED_STATES])
                   | (supplier_orders.c.state.in_([s.value for s in SupplierOrderState
                                                   if s.sendable])
                      & supplier_orders.c.error_code.is_not(None)))
            .order_by(supplier_orders.c.id)).all()
    failures = []
    from .retry import settings_fingerprint

    for f in failed:
        # the solution with the facts known here filled in (never a bare `{supplier}`)
        solution = OXError(f.error_code, id=f.id, supplier=f.supplier_id).solution \
            if f.error_code in CATALOGUE else None
        entry = CATALOGUE.get(f.error_code or "")
        # permanent: retrying cannot help; stopped: automatic sends leave it alone until the
        # supplier's settings change (or `retry` by hand) — a permanent error whose settings
        # changed since is sent again by the next automatic send
        stopped = f.stopped_under is not None and f.supplier_id in app.config.suppliers and \
            f.stopped_under == settings_fingerprint(app.config, f.supplier_id)
        failures.append({"id": f.id, "supplier": f.supplier_id, "state": f.state,
                         "error_code": f.error_code, "error_message": f.error_message,
                         "solution": solution,
                         "permanent": bool(entry is not None and not entry.transient),
                         "stopped": stopped,
                         "updated_at": _utc(f.updated_at).isoformat()})
    ts = now()
    workers = [{"owner": d["owner"], "kind": d["kind"],
                "started_at": _utc(d["started_at"]).isoformat(),
                "seen_at": _utc(d["seen_at"]).isoformat(),
                "seconds_since_seen": round((ts - _utc(d["seen_at"])).total_seconds())}
               for d in WorkQueue(store).daemons(kind=None)]
    daemons = [w for w in workers if w["kind"] == "daemon"]
    senders = [w for w in workers if w["kind"] != "daemon"]
    supplier_ids = list(app.config.suppliers) + sorted(
        {r["supplier_id"] for r in rows} - set(app.config.suppliers))
    suppliers = []
    for sid in supplier_ids:
        sup = app.config.suppliers.get(sid)
        last = _utc(last_sends.get(sid))
        suppliers.append({"id": sid, "name": sup.name if sup else None,
                          "active": sup.active if sup else None,
                          "configured": sup is not None,
                          "last_send": last.isoformat() if last else None,
                          "failures": sum(1 for f in failures if f["supplier"] == sid)})
    held = [{"order": h["order"], "supplier": h["supplier"],
             "supplier_order": h["supplier_order"], "code": h["code"], "message": h["message"]}
            for h in store.held_orders()]
    for entry in suppliers:
        entry["held"] = sum(1 for h in held if h["supplier"] == entry["id"])
    open_orders = sum(1 for o in store.list_customer_orders() if o["status"] == "open")
    lic = licence_state(app)
    return {"ok": not failures and lic["state"] == "active", "licence": lic, "daemons": daemons,
            "senders": senders,
            "open_customer_orders": open_orders, "supplier_orders": by_state,
            "suppliers": suppliers, "failures": failures, "held": held}


def _utc(value: Any) -> Any:
    """SQLite hands datetimes back without their zone; the store writes UTC."""
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def failure_kind(failure: dict[str, Any]) -> Text:
    """What happens next to a failed supplier order, as `status` and the menu say it."""
    if failure.get("stopped"):
        return styled("[red]stopped[/red]: permanent; fix it, then `retry`")
    if failure.get("permanent"):
        return styled("permanent; settings changed, the next send tries again")
    return styled("[yellow]transient[/yellow]: the next send tries again")


def status_exit_code(data: dict[str, Any]) -> int:
    if data["failures"]:
        return 1
    return 0 if data["licence"]["state"] == "active" else 3


def _ago(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def print_licence_line(lic: dict[str, Any]) -> None:
    if lic["state"] == "active":
        days = lic["days_left"]
        left = "never expires" if days is None else f"{days} days left"
        colour = "yellow" if lic["message"] else "green"
        console.print(styled(f"Licence:  [{colour}]active[/{colour}] for {{}} ({{}})",
                             lic["licensee"], left),
                      highlight=False)
    else:
        console.print(styled("Licence:  [red]{}[/red] ({}): orderexchange activate CODE",
                             lic["state"], lic["error_code"]), highlight=False)


def print_status(data: dict[str, Any]) -> None:
    print_licence_line(data["licence"])
    if data["daemons"]:
        for d in data["daemons"]:
            console.print(f"Daemon:   {d['owner']}, last heartbeat "
                          f"{_ago(d['seconds_since_seen'])}", highlight=False)
    for d in data.get("senders", []):
        console.print(f"Sending:  {d['owner']} ({d['kind']}), last heartbeat "
                      f"{_ago(d['seconds_since_seen'])}", highlight=False)
    else:
        console.print("Daemon:   none running on this store", highlight=False)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(data["supplier_orders"].items())) or "none"
    console.print(f"Orders:   {data['open_customer_orders']} open customer orders; "
                  f"supplier orders: {counts}", highlight=False)
    table = Table("supplier", "active", "last send (UTC)", "failures", "held",
                  title="Suppliers")
    for s in data["suppliers"]:
        active = "not configured" if not s["configured"] else ("yes" if s["active"] else "no")
        fails = styled("[red]{}[/red]", s["failures"]) if s["failures"] else "0"
        held = styled("[red]{}[/red]", s["held"]) if s.get("held") else "0"
        table.add_row(s["id"], active, (s["last_send"] or "never")[:16].replace("T", " "), fails,
                      held)
    console.print(table)
    if data.get("held"):
        print_held(data["held"], limit=10)
    if data["failures"]:
        ft = Table(title="Failures waiting")
        ft.add_column("supplier order", overflow="fold")
        ft.add_column("code", no_wrap=True)
        ft.add_column("message", overflow="fold")
        for f in data["failures"]:
            ft.add_row(Text(f"{f['id']} {f['supplier']}\n") + _state(f["state"]),
                       f["error_code"] or "",
                       Text(f["error_message"] or "") + "\n" + failure_kind(f))
        console.print(ft)
        for f in data["failures"]:
            if f["solution"]:
                print_solution(f["error_code"], f["solution"])
        console.print("Retry with `orderexchange send ID …` (it resumes at the failed step).")
    else:
        console.print(styled("[green]No failures waiting.[/green]"))


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def status(app: App, as_json: bool) -> None:
    """Is everything fine? Licence, daemon heartbeat, last send per supplier, failures waiting.

    Exit code 0: fine; 1: failed supplier orders wait for a retry; 3: no usable licence."""
    data = collect_status(app)
    if as_json:
        emit_json(data)
    else:
        print_status(data)
    sys.exit(status_exit_code(data))


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@handles_errors
def init(path: Path | None) -> None:
    """Write a commented config (from config.example.toml) to PATH and say what to do next.

    PATH defaults to $ORDEREXCHANGE_CONFIG or ~/.config/orderexchange/config.toml; an existing
    file is never overwritten."""
    path = path or config_mod.default_config_path()
    if path.exists():
        raise OXError("OX-MNU-001", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
                fh.write(example_config_text())
        except FileExistsError:
            raise OXError("OX-MNU-001", path=path) from None
    except OSError as exc:
        raise OXError("OX-MNU-002", path=path, detail=exc.strerror or str(exc)) from None
    option = "" if path == config_mod.default_config_path() else f" --config {path}"
    console.print(styled("[green]Wrote[/green] {}", path), highlight=False)
    console.print("Next steps:", highlight=False)
    console.print(f"  1. Edit it: your distributor details, [mail], one [suppliers.<id>] table "
                  f"per supplier; passwords as ${{ENV_VAR}}. Then: orderexchange{option} config "
                  "check", highlight=False, soft_wrap=True)
    console.print(f"  2. Activate: orderexchange{option} activate CODE", highlight=False,
                  soft_wrap=True)
    console.print(f"  3. Self-test: orderexchange{option} test db  and  orderexchange{option} "
                  "test mail --to you@example.com", highlight=False, soft_wrap=True)
    console.print(f"Then daily: orderexchange{option} menu", highlight=False, soft_wrap=True)


def example_config_text() -> str:
    """config.example.toml as shipped inside the package (identical to the repository's)."""
    return config_mod.example_text()


@main.command()
@click.pass_obj
@handles_errors
def menu(app: App) -> None:
    """The interactive menu: supplier orders, send, settings, self-tests, activation."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OXError("OX-MNU-004")
    from .menu import Menu

    sys.exit(Menu(app).run())


def complete_supplier(ctx: click.Context, param: click.Parameter,
                      incomplete: str) -> list[Any]:
    """Shell completion of SUPPLIER arguments: the supplier ids of the config in use."""
    from click.shell_completion import CompletionItem

    try:
        suppliers = config_mod.load(ctx.find_root().params.get("config_path")).suppliers
    except OXError:
        return []  # no usable config: nothing to offer, and no error in the middle of a prompt
    return [CompletionItem(sid, help=sup.name) for sid, sup in suppliers.items()
            if sid.startswith(incomplete)]


if __name__ == "__main__":  # pragma: no cover
    main()
