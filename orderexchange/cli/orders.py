"""Commands about orders coming in and supplier orders built: import, fetch, catalogue, build,
orders, show, preview."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import importer
from ..importer import report as import_report
from ..actions import holding, importing, mailing, orders as order_actions
from ..actions.app import App
from ..errors import OXError
from ..model import SupplierOrderState
from ..plural import count
from ..present import emit_json
from ..present.orders import print_held_list, print_supplier_order, print_supplier_order_list
from ..present.reports import (print_build, print_catalogue, print_catalogue_import,
                               print_fetch, print_import_report, print_preview, print_written)
from .root import handles_errors, main


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; store nothing.")
@click.option("--report", "report_path", type=click.Path(path_type=Path),
              help="Write the rejected rows, with an `error` column, to this .csv (or .jsonl) "
                   "file: fix them there and import that file.")
@click.option("--chunk", "chunk_rows", type=click.IntRange(min=1), default=importer.CHUNK_ROWS,
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
    report = importing.import_orders(app, path, dry_run=dry_run, chunk_rows=chunk_rows,
                                     report_path=report_path)
    if as_json:
        emit_json(report.as_dict())
    else:
        print_import_report(report, dry_run, import_report.LIST_LIMIT)  # the cap the lists obey
    sys.exit(1 if report.counts["rejected"] else 0)


@main.command()
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def fetch(app: App, source: str | None, as_json: bool) -> None:
    """Import customer orders from the configured order sources ([sources.*]).

    Stores them in the state store; a folder source moves each file to done/ or failed/."""
    reports = importing.fetch(app, source)
    if as_json:
        emit_json([r.as_dict() for r in reports])
    else:
        print_fetch(reports)
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
    count, errors = importing.import_catalogue(app, path)
    if as_json:
        emit_json({"stored": count, "rejected": [e.as_dict() for e in errors]})
    else:
        print_catalogue_import(count, errors)
    sys.exit(1 if errors else 0)


@catalogue.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def catalogue_list(app: App, as_json: bool) -> None:
    """List the catalogue: which supplier delivers which SKU at which price (changes nothing)."""
    entries = importing.catalogue(app)
    if as_json:
        emit_json([e.__dict__ for e in entries])
    else:
        print_catalogue(entries)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def build(app: App, as_json: bool) -> None:
    """Turn open customer-order lines into supplier orders (one per supplier).

    Changes the state store only (no shop, no email). Lines held back are counted by reason:
    waiting for the order's shop status (`trigger`), for a minimum order value, or without
    a supplier."""
    report = order_actions.build(app)
    if as_json:
        emit_json(report.as_dict())
        return
    created = order_actions.supplier_orders(app, ids=report.created) if report.created else []
    print_build(report, created)


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
        held_rows = holding.held_orders(app, supplier_id)
        if as_json:
            emit_json(held_rows)
        else:
            print_held_list(held_rows)
        return
    rows = order_actions.supplier_orders(app, list(states))
    if as_json:
        emit_json(rows)
    else:
        print_supplier_order_list(rows)


@main.command()
@click.argument("so_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def show(app: App, so_id: int, as_json: bool) -> None:
    """Show one supplier order: its customer orders, lines, findings and history (changes
    nothing)."""
    detail = order_actions.supplier_order(app, so_id)
    if as_json:
        emit_json(detail.as_dict())
    else:
        print_supplier_order(detail)


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
    message, files = mailing.preview(app, so_id, kind)
    print_preview(message, files)
    html = message.get_body(preferencelist=("html",))
    try:
        if html_path is not None and html is not None:
            html_path.write_text(html.get_content(), encoding="utf-8")
            print_written("HTML part", html_path)
        if eml_path is not None:
            eml_path.write_bytes(message.as_bytes())
            print_written("Message", eml_path)
        if attachments_dir is not None:
            attachments_dir.mkdir(parents=True, exist_ok=True)
            for item in files:
                (attachments_dir / Path(item.filename).name).write_bytes(item.content)
            print_written(count(len(files), "attachment"), attachments_dir)
    except OSError as exc:
        raise OXError("OX-MAIL-008", path=exc.filename or "", detail=exc.strerror or str(exc)) \
            from None
