"""Commands that move supplier orders on: check, send, retry, hold, release, cancel, digest,
daemon, sync-status. Each is a view over `orderexchange.actions` (the menu calls the same
functions) and prints through `orderexchange.present`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..actions import cancelling, holding, mailing, sending
from ..actions.app import App
from ..present import emit_json, print_warnings
from ..present.orders import (print_cancels, print_check_report, print_hold_rows,
                              print_results, print_retry_results, send_progress)
from ..present.reports import print_digest_problems, print_digests, print_read_back
from .root import NUMBERS_FILE, complete_supplier, handles_errors, main, read_order_numbers


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
    outcome = sending.check(app, list(so_ids), check_all)
    if as_json:
        emit_json([dict(r.as_dict(), customer_matches=outcome.matches[r.supplier_order_id])
                   for r in outcome.results])
    else:
        print_check_report(outcome.results, outcome.matches)
    print_warnings(app.host.warnings)
    sys.exit(0 if outcome.ok else 1)


def _send(app: App, ids: list[int], automatic: bool, quiet: bool) -> list:
    """Send with a progress bar on stderr (when it is a terminal and not `--json`)."""
    if not ids:
        return []
    with send_progress(len(ids), quiet) as on_step:
        return sending.send(app, ids, on_step=on_step, automatic=automatic)


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
    ids = sending.send_ids(app, list(so_ids), send_all)
    # `--all` is the automatic kind of send (cron): it leaves supplier orders stopped by a
    # permanent error alone until something changed; naming them sends them anyway
    results = _send(app, ids, automatic=send_all, quiet=as_json)
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        print_results(results)
    print_warnings(app.host.warnings)
    # held customer orders wait for a fix: exit 1 like a failure, though the rest went
    sys.exit(0 if all((r.ok or r.skipped) and not r.held for r in results) else 1)


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
    ids = holding.retry_ids(app, list(so_ids), all_failed, held)
    results = _send(app, ids, automatic=False, quiet=as_json)
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        print_retry_results(results)
    sys.exit(0 if all(r.ok or r.skipped for r in results) else 1)


def _hold_or_release(app: App, numbers: tuple[str, ...], path: Path | None,
                     supplier_id: str | None, as_json: bool, release: bool) -> None:
    wanted = read_order_numbers(numbers, path)
    rows = (holding.release if release else holding.hold)(app, wanted, supplier_id)
    if as_json:
        emit_json([dict(r, error=r["error"].as_dict() if r["error"] else None) for r in rows])
    else:
        print_hold_rows(rows, release)
    sys.exit(1 if any(r["error"] is not None for r in rows) else 0)


@main.command("hold")
@click.argument("numbers", nargs=-1)
@NUMBERS_FILE
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
@NUMBERS_FILE
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
@NUMBERS_FILE
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
    results = cancelling.cancel(app, read_order_numbers(numbers, path), reason=reason,
                                supplier_id=supplier_id)
    if as_json:
        data = [r.as_dict() for r in results]
        emit_json(data[0] if len(data) == 1 and len(numbers) == 1 and path is None else data)
    else:
        print_cancels(results, supplier_id)
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.command()
@click.option("--supplier", "suppliers", multiple=True, metavar="SUPPLIER",
              shell_complete=complete_supplier,
              help="Only this digest supplier (repeatable); default: every digest supplier.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def digest(app: App, suppliers: tuple[str, ...], as_json: bool) -> None:
    """Send the daily digest now: one email per digest supplier (`notification.digest = true`)
    listing every supplier order written and not yet notified. The daemon does this at
    `digest_at`; this command is for cron users and for a digest that failed."""
    results = mailing.send_digests(app, list(suppliers))
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        print_digests(results)
    print_digest_problems(results)
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.command()
@click.option("--once", is_flag=True, help="Run every enabled job once, then exit (for cron).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Overrides [daemon] log_format.")
@click.pass_obj
@handles_errors
def daemon(app: App, once: bool, log_format: str | None) -> None:
    """Fetch, build and send on the schedule of [daemon.jobs]; several daemons may share a store."""
    from ..daemon import Daemon, configure_logging

    app.require_licence(feature="daemon")
    configure_logging(log_format or app.config.daemon.log_format, sys.stderr)
    sys.exit(Daemon(app.config, app.store, app.host).run(once=once))


@main.command("sync-status")
@click.argument("supplier_id", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def sync_status_cmd(app: App, supplier_id: str | None, as_json: bool) -> None:
    """Read back shop status and tracking of written orders; confirm what the supplier moved on.

    Reads the shops only; stores what it saw and confirms supplier orders in the state store."""
    results = mailing.read_back(app, supplier_id)
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        print_read_back(results)
    sys.exit(0 if all(r.error is None for r in results) else 1)
