"""The public extension API of orderexchange: every hook a plug-in may implement.

All hooks share the `oe_` prefix. Plug-ins implement them with `@orderexchange.hookimpl`.
The shipped plug-ins (`orderexchange.plugins.*`) use exactly these hooks and are registered
through the same `orderexchange` entry-point group as third-party ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .config import Config, SupplierConfig
    from .connector import Connector
    from .mail import MailTransport
    from .model import Finding, SupplierOrder

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
    Must not write anything anywhere.
    """
