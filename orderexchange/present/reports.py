"""Printing what the CLI's own commands report: import, fetch, catalogue, build, digest,
read-back, preview, the config check, plug-ins, the error catalogue, test shops and `init`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..plural import count, plural
from . import console, err_console, print_error, styled
from .orders import print_import_issues, print_supplier_orders


def print_import_report(report: Any, dry_run: bool, list_limit: int) -> None:
    """`import`: the counts in one line, the findings table, where the whole list is."""
    verb = "would store" if dry_run else "stored"
    c = report.counts
    console.print(f"{count(report.rows, 'order')} read ({count(report.file_rows, 'row')}): "
                  f"{c['stored']} {verb}, {c['duplicates']} already imported, "
                  + (f"{c['corrected']} corrected, " if c.get("corrected") else "")
                  + f"{c['rejected']} rejected, "
                  f"{count(c['warnings'], 'warning')}.", highlight=False)
    print_import_issues(report.issues())
    if len(report.errors) >= list_limit or len(report.notices) >= list_limit:
        # the lists are capped for memory; say so, and where the whole list is
        console.print(f"The table shows the first {list_limit:,} errors and warnings of "
                      f"each kind; {count(c['errors'], 'error', grouped=True)} "
                      f"{plural(c['errors'], 'was', 'were')} found in all. "
                      + ("" if report.report_path else
                         "`--report FILE` writes every rejected row with its error."),
                      highlight=False, soft_wrap=True)
    if report.report_path:
        console.print(f"Rejected rows are in {report.report_path}: fix them there and "
                      f"import that file (its error column is ignored).", highlight=False)


def print_fetch(reports: list[Any]) -> None:
    """`fetch`: one row per file per source, then each file's errors."""
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


def print_catalogue_import(stored: int, errors: list[Any]) -> None:
    console.print(f"{count(stored, 'catalogue row')} stored, {len(errors)} rejected.")
    for e in errors:
        print_error(e)


def print_catalogue(entries: list[Any]) -> None:
    table = Table("SKU", "supplier", "supplier SKU", "purchase price", "name")
    for e in entries:
        table.add_row(e.sku, e.supplier_id, e.supplier_sku, f"{e.purchase_price:.2f}", e.name)
    console.print(table)


def print_build(report: Any, created: list[dict[str, Any]]) -> None:
    """`build`: the supplier orders built, the lines held back by reason, and the first ten
    warnings of each code (100,000 would bury the rest)."""
    if report.created:
        print_supplier_orders(created, title="Supplier orders built")
    reasons = report.reasons()
    held = [text for n, text in (
        (reasons["trigger"], f"{_wait(reasons['trigger'], 'customer order')} for "
                             f"{plural(reasons['trigger'], 'its', 'their')} trigger (the shop "
                             "status a supplier's `trigger` names; OX-BLD-003)"),
        (reasons["minimum"], f"{_wait(reasons['minimum'], 'line')} for a minimum order value "
                             "(OX-BLD-004, OX-BLD-006)"),
        (reasons["no_supplier"], f"{count(reasons['no_supplier'], 'line')} "
                                 f"{plural(reasons['no_supplier'], 'has', 'have')} no active "
                                 "supplier (OX-BLD-001)"),
        (reasons["no_rate"], f"{_wait(reasons['no_rate'], 'line')} for an exchange rate to "
                             "compare the suppliers' prices (OX-BLD-005)")) if n]
    if held:
        console.print(("No supplier order built: " if not report.created else "Not built: ")
                      + "; ".join(held) + ".", highlight=False, soft_wrap=True)
    elif not report.created:
        console.print("No open customer-order lines to build.")
    shown: dict[str, int] = {}
    for e in [*report.waiting, *report.unassigned]:
        shown[e.code] = shown.get(e.code, 0) + 1
        if shown[e.code] <= 10:
            print_error(e, warning=True)
    for code, n in shown.items():
        if n > 10:
            err_console.print(f"… and {n - 10} more {code}: `orderexchange build --json` lists "
                              "them all.", highlight=False, soft_wrap=True)


def _wait(n: int, word: str) -> str:
    """"1 line waits", "2 lines wait"."""
    return f"{count(n, word)} {plural(n, 'waits', 'wait')}"


def print_digests(results: list[Any]) -> None:
    if not results:
        console.print("No digest owed: no written supplier order waits for one.")
    else:
        table = Table("supplier", "supplier orders", "notification", title="Digests")
        for r in results:
            table.add_row(r.supplier_id, ", ".join(map(str, r.supplier_orders)),
                          r.message_id or styled("[red]failed[/red]"))
        console.print(table)


def print_digest_problems(results: list[Any]) -> None:
    """Each failed digest's error and each warning — also under `--json`, on stderr."""
    for r in results:
        if r.error is not None:
            print_error(r.error)
        for warning in r.warnings:
            print_error(warning, warning=True)


def print_read_back(results: list[Any]) -> None:
    """`sync-status`: per supplier what was read back, changed, missing and confirmed."""
    if not results:
        console.print("Nothing to read back: no notified or confirmed supplier orders.")
        return
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


def print_preview(message: Any, files: list[Any]) -> None:
    """`preview`: the headers, the attachment list and the text part."""
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


def print_written(what: str, where: Any) -> None:
    """A file `preview` wrote (on stderr: stdout carries the message itself)."""
    err_console.print(f"{what} written to {where}")


def print_setup_kit(text: str) -> None:
    """`supplier-setup`: the text for the supplier's admin exactly as rendered."""
    console.print(text, markup=False, highlight=False, soft_wrap=True, end="")


def print_backup(result: Any) -> None:
    console.print(f"Backup written: {result.dest} ({count(result.bytes, 'byte', grouped=True)}, "
                  f"{count(result.tables, 'table')}, integrity checked).", highlight=False)


def print_config_check(path: Any, parts: list[Any]) -> None:
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


def print_plugins(infos: list[Any], failures: list[Any]) -> None:
    table = Table("name", "version", "source", "hooks", title="Plug-ins")
    for i in infos:
        table.add_row(i.name, i.version, i.source, ", ".join(i.hooks))
    console.print(table)
    for failure in failures:
        print_error(failure)


def print_code_list(entries: list[Any]) -> None:
    table = Table("code", "title")
    for entry in entries:
        table.add_row(entry.code, entry.title)
    console.print(table)


def print_shop_created(shop: Any, kind: str, password_env: str, supplier_id: str) -> None:
    """`shop create`: what was made, the [suppliers.*] block to paste, a catalogue row."""
    products = ", ".join(p["sku"] + ("" if p["active"] else " (inactive)") for p in shop.products)
    console.print(styled("[green]Created[/green] a test shop ({}) in {}: {}, its statuses, "
                         "a currency, countries and the products {}.", kind, shop.where,
                         count(shop.tables, "table"), products), highlight=False, soft_wrap=True)
    console.print("\nPaste into your config (the password stays in "
                  f"${password_env}):\n", highlight=False, soft_wrap=True)
    console.print(shop.block, highlight=False, soft_wrap=True)
    first = next(p for p in shop.products if p["active"])
    console.print(f"Catalogue row for one of its products (sku,supplier,supplier_sku,"
                  f"purchase_price,name):\n  YOUR-SKU,{supplier_id},{first['sku']},7.20,"
                  f"{first['name']}", highlight=False, soft_wrap=True)


def print_init_done(path: Any, option: str) -> None:
    """`init`: where the config went and the next steps, with `--config` if it is not the
    default path."""
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
