"""The root command and what every command shares: the session (`App`) it runs in, coded
errors turned into exit codes, plug-in commands, shell completion of supplier ids.

Output rules: lists are rich tables (`--json` for scripts), long work shows a progress bar, and
every expected failure prints its code, message and solution — never a traceback.
Exit codes: 0 ok, 1 some supplier orders failed, 2 usage or config error, 3 licence.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .. import __version__, config as config_mod
from ..actions.app import App
from ..errors import OXError
from ..plugin_host import PluginHost
from ..present import print_error, print_notice


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
    ctx.obj = App(config_path, on_warning=print_notice)


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


def read_order_numbers(numbers: tuple[str, ...], path: Path | None) -> list[str]:
    """Order numbers from the arguments and from a file (one a line, `-` for stdin); none is
    the action's OX-CLI-001."""
    out = list(numbers)
    if path is not None:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        out += [line.strip() for line in text.splitlines() if line.strip()]
    return out


NUMBERS_FILE = click.option("--file", "path", type=click.Path(path_type=Path, allow_dash=True),
                            help="Read order numbers from this file, one a line (- for stdin).")
