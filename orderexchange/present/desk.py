"""Printing the desk's overview: status, the licence, the transfer log and status per
supplier, purges, self-test reports and the config check. Used by the CLI and the menu."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.table import Column, Table
from rich.text import Text

from ..plural import count, plural
from . import console, err_console, print_error, print_solution, state as _state, styled
from .orders import print_held


def at(value: Any) -> str:
    """A timestamp to the minute, or nothing."""
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def failure_kind(failure: dict[str, Any]) -> Text:
    """What happens next to a failed supplier order, as `status` and the menu say it."""
    if failure.get("stopped"):
        return styled("[red]stopped[/red]: permanent; fix it, then `retry`")
    if failure.get("permanent"):
        return styled("permanent; settings changed, the next send tries again")
    return styled("[yellow]transient[/yellow]: the next send tries again")


def _ago(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def print_licence_line(lic: dict[str, Any]) -> None:
    """The licence in one line (`status`, the menu's header), from `licence_state`'s data."""
    if lic["state"] == "active":
        days = lic["days_left"]
        left = "never expires" if days is None else f"{count(days, 'day')} left"
        colour = "yellow" if lic["message"] else "green"
        console.print(styled(f"Licence:  [{colour}]active[/{colour}] for {{}} ({{}})",
                             lic["licensee"], left),
                      highlight=False)
    else:
        console.print(styled("Licence:  [red]{}[/red] ({}): orderexchange activate CODE",
                             lic["state"], lic["error_code"]), highlight=False)


def print_status(data: dict[str, Any]) -> None:
    """`orderexchange status` from `collect_status`'s data."""
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
    console.print(f"Orders:   {count(data['open_customer_orders'], 'open customer order')}; "
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


def print_header(name: str, data: dict[str, Any]) -> None:
    """The menu's main screen: who, the licence, counts, failures and held orders per
    supplier — permanent errors stop the automatic retries, so it says how many wait for a
    fix rather than a retry."""
    console.print(styled("[bold]orderexchange[/bold] — {}", name), highlight=False)
    print_licence_line(data["licence"])
    counts = ", ".join(f"{n} {s}" for s, n in sorted(data["supplier_orders"].items()))
    console.print(f"Customer orders open: {data['open_customer_orders']}", highlight=False)
    console.print(f"Supplier orders:      {counts or 'none'}", highlight=False)
    stopped: dict[str, int] = {}
    for f in data["failures"]:
        if f.get("stopped"):
            stopped[f["supplier"]] = stopped.get(f["supplier"], 0) + 1
    failing = [f"{s['id']} ({s['failures']}"
               + (f", {stopped[s['id']]} stopped until fixed" if stopped.get(s["id"]) else "")
               + ")" for s in data["suppliers"] if s["failures"]]
    console.print(styled("Failures waiting:     [red]{}[/red]", ", ".join(failing))
                  if failing else "Failures waiting:     none", highlight=False)
    held = [f"{s['id']} ({s['held']})" for s in data["suppliers"] if s.get("held")]
    console.print(styled("Held customer orders: [red]{}[/red]", ", ".join(held))
                  if held else "Held customer orders: none", highlight=False)
    console.print()


def print_licence(lic: Any, active: int) -> None:
    """What a licence grants, against the `active` suppliers of the config."""
    table = Table(show_header=False)
    days = lic.days_left(date.today())
    table.add_row("licensee", lic.licensee)
    table.add_row("distributor id", lic.distributor_id)
    table.add_row("issued", str(lic.issued))
    table.add_row("expires", f"{lic.expires} ({count(days, 'day')} left)" if lic.expires
                  else "never")
    table.add_row("active suppliers", f"{active} of {lic.max_suppliers or 'unlimited'}")
    table.add_row("features", ", ".join(sorted(lic.features)) or "-")
    console.print(table)
    warning = lic.warning(date.today())
    if warning:
        err_console.print(styled("[yellow]{}[/yellow]", warning))


def print_activated(lic: Any, active: int) -> None:
    console.print(styled("[green]Activated[/green] for {} ({}).", lic.licensee,
                         lic.distributor_id))
    print_licence(lic, active)


def print_transfer_log(rows: list[dict[str, Any]]) -> None:
    """`log`: four columns, so 80 columns leave the message room; long values fold."""
    if not rows:
        console.print("No transfer-log entries match.")
        return
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


def print_supplier_overview(rows: list[dict[str, Any]]) -> None:
    """`suppliers`: supplier with its connector and activity in one cell, build and send in
    another — fits 80 columns with every date whole."""
    table = Table(title="Transfer status")
    table.add_column("supplier", overflow="fold")
    table.add_column("last (UTC)", no_wrap=True)
    table.add_column("last failure", overflow="fold")
    table.add_column("open supplier orders", overflow="fold")
    for r in rows:
        active = "not configured" if not r["configured"] else ("" if r["active"] else "inactive")
        fail = r["last_failure"]
        table.add_row("\n".join(v for v in (r["id"], r["connector"], active) if v),
                      f"build {at(r['last_build']) or '-'}\nsend  {at(r['last_sent']) or '-'}",
                      styled("[red]{}[/red]\n{}", fail["code"], at(fail["at"])) if fail else "",
                      "\n".join(f"{n} {s}" for s, n in sorted(r["open"].items())) or "none")
    console.print(table)


def print_confirmed(done: list[int], refused: list[Any]) -> None:
    """`confirm`: one line per supplier order confirmed, then each refusal with its code."""
    for so_id in done:
        console.print(f"Supplier order {so_id} confirmed.")
    for err in refused:
        print_error(err)


def print_supplier_order_ids(verb: str, rows: list[dict[str, Any]]) -> None:
    table = Table("supplier order", "supplier", "confirmed (UTC)",
                  title=f"{verb} {count(len(rows), 'confirmed supplier order')}")
    for r in rows:
        table.add_row(str(r["id"]), r["supplier_id"], at(r["updated_at"]))
    console.print(table)


#: what `purge` counts, each in the singular (the keys are plural)
_PURGED = {"supplier_orders": "supplier order", "transfers": "transfer", "lines": "line",
           "findings": "finding", "events": "event"}


def print_purge(plan: Any, counts: dict[str, int] | None, dry_run: bool) -> None:
    if plan.purge:
        print_supplier_order_ids("Would remove" if dry_run else "Removed", plan.purge)
    else:
        console.print(f"Nothing to purge: no supplier order confirmed before {at(plan.before)} "
                      "UTC.")
    if counts:
        console.print(", ".join(count(n, _PURGED.get(k, k.replace("_", " ")),
                                      k.replace("_", " ")) for k, n in counts.items()))
    for r in plan.keep:
        n = len(r["open_orders"])
        console.print(f"Kept supplier order {r['id']}: {plural(n, 'customer order')} "
                      f"{', '.join(r['open_orders'])} still {plural(n, 'has', 'have')} lines "
                      "to build.")


def print_report(title: str, report: Any) -> None:
    """A self-test's stages: ok, warning or FAILED, with their detail (folded, never cut: a
    Message-ID or a certificate subject is one long word)."""
    table = Table("stage", "result", Column("detail", overflow="fold"), title=title)
    for s in report.stages:
        result = (styled("[red]FAILED[/red]") if not s.ok else
                  styled("[yellow]warning[/yellow]") if getattr(s, "warning", False) else
                  styled("[green]ok[/green]"))
        table.add_row(s.name, result, s.detail)
    console.print(table)


def print_db_tests(outcome: Any) -> None:
    """`test db`: each supplier's report; a failed stage once more on one line (its fix — a
    GRANT, an authorized_keys or host_key line — must be copied whole, not out of a wrapped
    table cell); the GRANTs as one block for the shop's database administrator."""
    for r in outcome.reports:
        print_report(f"Shop database of {r.supplier}", r)
        for stage in r.stages:
            if not stage.ok and r not in outcome.refused:  # those: print_error below
                err_console.print(styled("[red]{}[/red]: {}", stage.name, stage.detail),
                                  highlight=False, soft_wrap=True)
        if r.grants:
            console.print(f"GRANT statements for the database user of {r.supplier} "
                          f"(run them all in one go):", highlight=False, soft_wrap=True)
            for line in r.grants:
                console.print(line, highlight=False, soft_wrap=True)
    for refused in outcome.refusals:
        print_error(refused)


def print_mail_test(transport: str, report: Any) -> None:
    """`test mail`: the stages, then the failing stage's code and what to do."""
    print_report(f"Mail transport {transport}", report)
    for stage in report.stages:
        if not stage.ok and getattr(stage, "code", None):
            err_console.print(styled("[red]{}[/red] {}: {}", stage.code, stage.name,
                                     stage.detail), highlight=False, soft_wrap=True)
            err_console.print(styled("  [dim]solution:[/dim] {}", stage.solution),
                              highlight=False, soft_wrap=True)
