"""Commands that look at the desk: status, the transfer log, status per supplier, confirm,
purge, and the licence (activate, licence)."""

from __future__ import annotations

import sys
import click

from ..actions import licensing, records, status as status_actions
from ..actions.app import App
from ..errors import OXError
from ..plural import count
from ..present import console, emit_json
from ..present.desk import (print_activated, print_confirmed, print_licence, print_purge,
                            print_status,
                            print_supplier_order_ids, print_supplier_overview,
                            print_transfer_log)
from .root import handles_errors, main


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def status(app: App, as_json: bool) -> None:
    """Is everything fine? Licence, daemon heartbeat, last send per supplier, failures waiting.

    Exit code 0: fine; 1: failed supplier orders wait for a retry; 3: no usable licence."""
    data = status_actions.collect_status(app)
    if as_json:
        emit_json(data)
    else:
        print_status(data)
    sys.exit(status_actions.status_exit_code(data))


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
    rows = records.transfer_log(app, supplier_id, since, order_number)
    if as_json:
        emit_json(rows)
    else:
        print_transfer_log(rows)


@main.command("suppliers")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def suppliers_cmd(app: App, as_json: bool) -> None:
    """Transfer status per supplier: last build, last send, last failure, open supplier orders."""
    out = status_actions.supplier_overview(app)
    if as_json:
        emit_json(out)
    else:
        print_supplier_overview(out)


@main.command("confirm")
@click.argument("so_ids", type=int, nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def confirm_cmd(app: App, so_ids: tuple[int, ...], as_json: bool) -> None:
    """Mark notified supplier orders confirmed: the supplier has received them.

    Changes their state in the state store only."""
    done, refused = records.confirm(app, list(so_ids))
    if as_json:
        emit_json({"confirmed": done, "refused": [dict(e.as_dict(), id=e.facts["id"])
                                                  for e in refused]})
    else:
        print_confirmed(done, refused)
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
    plan = records.purge_plan(app, older_than)
    if plan.purge and not dry_run and not yes:
        if not (sys.stdin.isatty() and not as_json):
            raise OXError("OX-LOG-005", count=len(plan.purge))
        print_supplier_order_ids("Would remove", plan.purge)
        if not click.confirm(f"Delete {count(len(plan.purge), 'supplier order')} and their "
                             "transfer log for good?", default=False):
            console.print("Nothing deleted.")
            return
    counts = None if dry_run else records.purge(app, plan)
    if as_json:
        emit_json({"dry_run": dry_run, "purged": plan.purge, "kept": plan.keep,
                   "deleted": counts})
    else:
        print_purge(plan, counts, dry_run)


@main.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def activate(app: App, code: str, as_json: bool = False) -> None:
    """Store an activation code (in the state store) and show what it grants."""
    lic = licensing.activate(app, code)
    if as_json:
        emit_json(licensing.licence_data(lic, app))
    else:
        print_activated(lic, licensing.active_suppliers(app))


@main.command("licence")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def licence_cmd(app: App, as_json: bool) -> None:
    """Show the licence: status, days left, active suppliers against the limit."""
    lic = licensing.current(app)
    if as_json:
        emit_json(licensing.licence_data(lic, app))
    else:
        print_licence(lic, licensing.active_suppliers(app))
