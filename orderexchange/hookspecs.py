"""The public extension API of orderexchange: every hook a plug-in may implement.

All hooks share the `oe_` prefix. Plug-ins implement them with `@orderexchange.hookimpl`.
The shipped plug-ins (`orderexchange.plugins.*`) use exactly these hooks and are registered
through the same `orderexchange` entry-point group as third-party ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .config import Config, SupplierConfig
    from .connector import Connector
    from .events import DispatchEvent
    from .mail import Attachment, MailTransport
    from .model import Finding, SupplierOrder
    from .sources import OrderSource

hookspec = pluggy.HookspecMarker("orderexchange")
hookimpl = pluggy.HookimplMarker("orderexchange")


@hookspec
def oe_connector_types() -> list[type[Connector]]:
    """Return the connector classes this plug-in provides.

    Called once when the plug-in host starts. Each class names its `type_name` (the value of
    `connector = "…"` in a supplier's config) and its `settings_schema`. When two plug-ins provide
    the same type name, the one registered later (entry points after shipped, folder plug-ins
    last) wins, so a local plug-in can replace a shipped connector.
    """


@hookspec
def oe_mail_transports() -> dict[str, type[MailTransport]]:
    """Return mail transports by name (`[mail] transport = "…"`), e.g. {"smtp": SmtpTransport}.

    Called once when the plug-in host starts; a later plug-in overrides an earlier one's name.
    """


@hookspec
def oe_check_supplier_order(
    config: Config, supplier: SupplierConfig, supplier_order: SupplierOrder
) -> list[Finding]:
    """Step 1 rules: return the findings (errors and warnings) for one supplier order.

    Called for every supplier order about to be sent, before anything is written. Every
    plug-in's findings are collected; an error finding blocks this supplier order only.
    Must not write anything anywhere. With `[daemon] processes` above 1 it runs in a send worker
    process (a fork of the sender): what it keeps in memory between calls stays in that worker.
    """


@hookspec
def oe_order_sources() -> dict[str, type[OrderSource]]:
    """Return order sources by type name (`[sources.X] type = "…"`): where customer orders come from.

    Called once when the plug-in host starts; a later plug-in overrides an earlier one's name.
    `orderexchange fetch` (and the daemon) read every configured source and import what it yields
    through the same validation as `orderexchange import`.
    """


@hookspec
def oe_notification_attachments(
    config: Config, supplier: SupplierConfig, supplier_order: SupplierOrder
) -> list[Attachment]:
    """Return files to attach to the notification email of one supplier order.

    Called while the email is rendered, after every customer order of the supplier order was
    written (so remote order ids are known). Every plug-in's attachments are attached.
    Like `oe_check_supplier_order`, it may run in a send worker process.
    """


@hookspec
def oe_dispatch_event(event: DispatchEvent) -> None:
    """Called after each dispatch step of a supplier order: checked, check_failed, written,
    write_failed, notified, notify_failed, and once per customer order written into the shop.

    For plug-ins that log to an ERP, post to a chat, or count. The step's state is already
    committed when this is called. An exception raised here is reported (OX-PLG-002) and never
    stops or changes the dispatch. Always called in the sending process, also when send worker
    processes did the step (`[daemon] processes`): they relay each step to it, in order.
    """


@hookspec
def oe_cli_commands() -> list[click.Command]:
    """Return click commands to add to the `orderexchange` command line.

    Called when the command line is built. A command whose name is already taken by a built-in
    command is ignored (and reported by `orderexchange plugins`).
    """
