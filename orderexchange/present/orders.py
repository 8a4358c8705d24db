"""Printing supplier orders and what was done to them: lists, one order whole, step 1's check
report, send results, holds and cancellations. The CLI and the menu print through these, so a
table looks the same in both; every value goes through a markup-free console or `styled`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from ..errors import OXError
from ..plural import count
from . import console, err_console, print_error, print_solution, state as _state, styled


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


def print_check_report(results: list[Any],
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
                mt.add_row(str(so_id), number, match_text(key))
        console.print(mt)


def match_text(key: str | None, customer_id: str | None = None) -> str:
    """Where step 1 found an order's customer in the shop, in words."""
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
                      str(r["lines"]), value_text(r),
                      r["updated_at"].strftime("%Y-%m-%d\n%H:%M"))
    console.print(table)


def value_parts(r: dict[str, Any]) -> tuple[list[str], str | None]:
    """A listed supplier order's net value (`documents.listed_value`) as "21.60 EUR" per
    currency its documents state, and a short note when they cannot state it ("no rate: GBP"):
    the amounts are then per quoted currency, never added up."""
    amounts = [f"{v['amount']} {v['currency'] or '?'}" for v in r["net_values"]]
    if not amounts and r["net_value"] is not None:  # nothing listed: 0.00 in price_currency
        amounts = [f"{r['net_value']} {r['currency'] or ''}".rstrip()]
    note = None
    if r["value_unstated"]:
        note = f"no rate: {', '.join(r['missing_rates'])}" if r["missing_rates"] else \
            "not configured"
    return amounts, note


def menu_value(r: dict[str, Any]) -> str:
    """The same on one line, for the menu's list: "21.60 EUR", "3.00 EUR + 5.00 GBP (no rate:
    GBP)"."""
    amounts, note = value_parts(r)
    return " ".join(filter(None, (" + ".join(amounts), f"({note})" if note else "")))


def value_text(r: dict[str, Any]) -> Text:
    """The table cell: one amount per line, the note in red under them."""
    amounts, note = value_parts(r)
    text = Text("\n".join(amounts))
    if note:
        text += styled("\n[red]{}[/red]" if amounts else "[red]{}[/red]", note)
    return text


def print_supplier_order_list(rows: list[dict[str, Any]]) -> None:
    """`orders`: the table, or what to do when there is none yet."""
    if rows:
        print_supplier_orders(rows)
    else:
        console.print("No supplier orders yet: import customer orders, then `orderexchange build`.")


def print_held_list(rows: list[dict[str, Any]]) -> None:
    """`orders --held`: the held customer orders, or that none is."""
    if rows:
        print_held(rows)
    else:
        console.print("No customer order is held.")


def print_retry_results(results: list[Any]) -> None:
    """`retry`: the send results, or that nothing had failed."""
    if results:
        print_results(results)
    else:
        console.print("Nothing to retry: no supplier order has failed.")


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


def print_supplier_order(detail: Any) -> None:
    """`show`: the supplier order, its customer orders (four columns at most, so an 80-column
    terminal shows every value whole), its findings and its history."""
    so, found, history, extras = detail.order, detail.findings, detail.history, detail.extras
    console.print(styled("[bold]Supplier order {}[/bold] for {}: ", so.id, so.supplier_id)
                  + _state(so.state.value))
    if so.message_id:  # its own line: a Message-ID is too long to share one at 80 columns
        console.print(f"Message-ID {so.message_id.strip()}", highlight=False, soft_wrap=True)
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
                                             match_text(t.customer_match, t.remote_customer_id),
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


def print_results(results: list[Any]) -> None:
    """Send results (of `send`, `retry` and the menu's Send), step 1's report for those with
    findings, held orders moved aside, and each failure with its code and solution."""
    if not results:
        console.print("Nothing to send.")
        return
    table = Table("supplier order", "supplier", "state", "written", "found already there",
                  "new customers", title="Send results")
    for r in results:
        table.add_row(str(r.supplier_order_id), r.supplier_id, _state(r.state.value),
                      str(r.written), str(r.already_there), str(r.customers_created))
    console.print(table)
    # under the table, one line each: a Message-ID is whole (a seventh column cut it with "…"
    # at 80 columns, the README's first send included)
    for r in results:
        note = (f"notification {r.message_id}" if r.message_id
                else "notification in the daily digest" if r.digest_pending else r.skipped)
        if note:
            console.print(f"Supplier order {r.supplier_order_id} ({r.supplier_id}): {note}",
                          highlight=False, soft_wrap=True)
    if any(r.findings for r in results):
        print_check_report([r for r in results if r.findings])  # step 1's report, as `check`
    for r in results:
        if r.held and r.held_in is not None:
            console.print(f"Supplier order {r.supplier_order_id}: "
                          f"{count(len(r.held), 'customer order')} held ({', '.join(n for n, _c in r.held[:10])}"
                          f"{' …' if len(r.held) > 10 else ''}), moved to supplier order "
                          f"{r.held_in}; the others went on. `orderexchange orders --held` "
                          "says why.", highlight=False)
        if r.error is not None:
            err_console.print(styled("[bold]supplier order {}[/bold]:", r.supplier_order_id))
            print_error(r.error)
        for warning in r.warnings:
            err_console.print(styled("[bold]supplier order {}[/bold]:", r.supplier_order_id))
            print_error(warning, warning=True)


@contextmanager
def send_progress(total: int, quiet: bool = False) -> Iterator[Callable[[int, str], None]]:
    """One bar on stderr for a send of `total` supplier orders (none when quiet or not a
    terminal); yields the Dispatcher's progress callback."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, disable=quiet or not err_console.is_terminal) as progress:
        task = progress.add_task("sending", total=total)

        def on_step(so_id: int, step: str) -> None:
            progress.update(task, description=f"supplier order {so_id}: {step}")
            if step in ("notified", "skipped") or step.endswith("failed"):
                progress.advance(task)

        yield on_step


@contextmanager
def supplier_progress(supplier_of: dict[int, str]) -> Iterator[Callable[[int, str], None]]:
    """The menu's send: one bar per supplier, as the Dispatcher sends suppliers in parallel
    and a single bar would hide which shop is slow or stuck. The callback is called from the
    Dispatcher's worker threads (rich's Progress is thread-safe)."""
    per_supplier: dict[str, int] = {}
    for sid in supplier_of.values():
        per_supplier[sid] = per_supplier.get(sid, 0) + 1
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

        yield on_step


def print_hold_rows(rows: list[dict[str, Any]], release: bool) -> None:
    """`hold` / `release` (and the menu's Hold / Release): a table up to 50 orders, the counts
    per outcome, the first 20 errors, and after a release how to run step 1 again."""
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
    for err in [r["error"] for r in rows if r["error"] is not None][:20]:
        print_error(err)
    if release and counts.get("released"):
        ids = " ".join(str(i) for i in dict.fromkeys(
            r["supplier_order"] for r in rows if r["outcome"] == "released"))
        console.print(f"`orderexchange retry {ids}` (or the daemon's next send) runs step 1 "
                      "for them again.", highlight=False)


def print_cancel(result: Any, supplier_id: str | None = None) -> None:
    """`cancel`: one customer order's steps per supplier order, its status, its failures."""
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


def print_cancels(results: list[Any], supplier_id: str | None = None) -> None:
    """`cancel` of many orders: the first 50 whole, then the counts per status."""
    for result in results[:50]:
        print_cancel(result, supplier_id)
    if len(results) > 50:
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        console.print(f"{count(len(results), 'customer order')}: "
                      + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
                      highlight=False)


def print_cancel_plan(plan: Any) -> None:
    """The menu's question before cancelling: which customer orders, and which other supplier
    orders they are in (cancelled there too)."""
    for so_id in plan.empty:
        console.print(f"Supplier order {so_id} holds no customer orders: nothing to "
                      "cancel.", highlight=False)
    if not plan.numbers:
        return
    console.print(f"Customer orders: {', '.join(plan.numbers)}", highlight=False)
    if plan.also:
        console.print("They are also in supplier orders "
                      + ", ".join(f"{i} ({s})" for i, s in sorted(plan.also.items()))
                      + ": they are cancelled there too.", highlight=False)


def print_cancel_results(results: list[Any]) -> None:
    """The menu's cancel: one row per supplier transfer, then one line per customer order:
    cancelled, or what failed with its code, message and solution (the email column says sent /
    not needed, as a Message-ID would not fit 80 columns; `orderexchange log` shows it)."""
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
