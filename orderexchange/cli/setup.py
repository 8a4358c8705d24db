"""Commands that set orderexchange up and help: init, config check, plug-ins, the self-tests,
supplier-setup, test shops, explain, backup, demo — and `menu`, the interactive view."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import config as config_mod
from ..actions import selftests, setup as setup_actions
from ..actions.app import App
from ..actions.orders import with_values
from ..errors import CATALOGUE, OXError, explain as explain_code
from ..present import console, emit_json, print_explain
from ..present.desk import print_db_tests, print_mail_test
from ..present.reports import (print_backup, print_code_list, print_config_check,
                               print_init_done, print_plugins, print_setup_kit,
                               print_shop_created)
from ..shop_create import KINDS as SHOP_KINDS
from ..store import Store
from .root import complete_supplier, handles_errors, main


@main.group()
def test() -> None:
    """Self-tests: shop-database connections and the mail account."""


@test.command("db")
@click.argument("supplier", required=False, shell_complete=complete_supplier)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def test_db(app: App, supplier: str | None, as_json: bool) -> None:
    """Connect to each supplier's shop database and check every table, column and grant.

    Changes nothing that stays: the trial write (a sample order written in a transaction and
    rolled back, or removed again on MyISAM) leaves no rows, but uses up auto-increment ids
    (the next real order number in the shop skips them)."""
    outcome = selftests.shop_database(app, supplier)
    if as_json:
        emit_json([{"supplier": r.supplier, "ok": r.ok, "server_version": r.server_version,
                    "missing": r.missing, "grants": r.grants,
                    "stages": [s.__dict__ for s in r.stages]}
                   for r in outcome.reports])
    else:
        print_db_tests(outcome)
    sys.exit(0 if outcome.ok else 1)


@test.command("mail")
@click.option("--to", "to", help="Also send a test message to this address.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def test_mail(app: App, to: str | None, as_json: bool) -> None:
    """Test the mail account stage by stage: DNS, connect, TLS, banner, EHLO, STARTTLS, AUTH;
    with --to also send a test message and print its Message-ID.

    Changes nothing; with --to one real email goes to that address."""
    report = selftests.mail_account(app, to)
    if as_json:
        emit_json({"ok": report.ok, "stages": [s.__dict__ for s in report.stages]})
    else:
        print_mail_test(app.config.mail.transport, report)
    sys.exit(0 if report.ok else 1)


@main.command("supplier-setup")
@click.argument("supplier", shell_complete=complete_supplier)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def supplier_setup(app: App, supplier: str, as_json: bool) -> None:
    """Print what to send the supplier's admin: the database user's least-privilege GRANTs,
    the SSH authorized_keys line (forced permitopen) and our public key — from the config."""
    from .. import supplier_setup as kit

    data = setup_actions.supplier_kit(app, supplier)
    if as_json:
        emit_json(data)
    else:
        print_setup_kit(kit.render(data))


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

    from ..shop_create import create_shop, supplier_block

    shop = create_shop(kind, url, os.environ.get(password_env))
    shop.block = supplier_block(kind, supplier_id, url,
                                password_env if password_env in os.environ else None, email)
    if as_json:
        emit_json(shop.as_dict())
    else:
        print_shop_created(shop, kind, password_env, supplier_id)


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
    path, parts = setup_actions.check_config(app)
    failed = any(not p.ok for p in parts)
    if as_json:
        emit_json({"path": str(path), "ok": not failed, "parts": [p.as_dict() for p in parts]})
    else:
        print_config_check(path, parts)
    sys.exit(2 if failed else 0)


@main.command("plugins")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def plugins_cmd(app: App, as_json: bool) -> None:
    """List the loaded plug-ins: name, version, source and hooks."""
    host = setup_actions.plugins(app)
    infos = list(host.infos.values())
    if as_json:
        emit_json({"plugins": [i.__dict__ for i in infos],
                   "failures": [f.as_dict() for f in host.failures]})
    else:
        print_plugins(infos, host.failures)


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
    elif list_all or not code:
        print_code_list(list(CATALOGUE.values()))
    else:
        print_explain(explain_code(code))


@main.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_obj
@handles_errors
def backup_cmd(app: App, dest: Path) -> None:
    """Copy the SQLite state store to the new file DEST while it is in use (SQLite's online
    backup API). PostgreSQL / MariaDB stores: pg_dump / mariadb-dump, see the README."""
    print_backup(setup_actions.backup(app, dest))


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

    from ..demo import run_demo

    ws = run_demo(workspace, Console(file=io.StringIO()) if as_json else console)
    if as_json:
        config = config_mod.load(ws / "config.toml")
        store = Store(config.store.url)
        try:
            emit_json({"workspace": str(ws), "config": str(ws / "config.toml"),
                       "supplier_orders": with_values(store, config,
                                                      store.list_supplier_orders(), every=True),
                       "emails": [str(p) for p in sorted((ws / "outbox").glob("*.eml"))]})
        finally:
            store.close()


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@handles_errors
def init(path: Path | None) -> None:
    """Write a commented config (from config.example.toml) to PATH and say what to do next.

    PATH defaults to $ORDEREXCHANGE_CONFIG or ~/.config/orderexchange/config.toml; an existing
    file is never overwritten."""
    path = setup_actions.write_example_config(path)
    print_init_done(path, "" if setup_actions.is_default_path(path) else f" --config {path}")


@main.command()
@click.pass_obj
@handles_errors
def menu(app: App) -> None:
    """The interactive menu: supplier orders, send, settings, self-tests, activation."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OXError("OX-MNU-004")
    from ..menu import Menu

    sys.exit(Menu(app).run())
