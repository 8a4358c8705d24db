"""The plug-in manager: finds connectors, checks and mail transports, and calls them with types.

Load order (SPEC §8): the shipped plug-ins and other installed distributions both come through
the `orderexchange` entry-point group (shipped ones first), then the `.py` files of the plug-in
folder named in the config; then `check_pending()` so a misspelt hook fails loudly. A plug-in that
fails to import is recorded as an OX-PLG-001 error and the others still load — a broken third-party
connector must not stop the distributor from sending to every other supplier.

Core code calls the typed methods here, never `pm.hook.*` directly.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pluggy

from . import hookspecs
from .errors import OXError

if TYPE_CHECKING:
    import click

    from .config import Config, SupplierConfig
    from .connector import Connector
    from .events import DispatchEvent
    from .mail import Attachment, MailTransport
    from .model import Finding, SupplierOrder
    from .sources import OrderSource

GROUP = "orderexchange"
#: comma-separated entry-point names; when set, only these third-party plug-ins load
ALLOW_ENV = "ORDEREXCHANGE_PLUGINS"
SHIPPED_DIST = "orderexchange"


@dataclass
class PluginInfo:
    name: str
    source: str  # shipped | installed | folder
    version: str
    hooks: list[str] = field(default_factory=list)


class PluginHost:
    def __init__(self, folder: Path | None = None, *, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.failures: list[OXError] = []
        #: problems met while calling plug-ins (events that raised), reported, never fatal
        self.warnings: list[OXError] = []
        if load_entry_points:
            self._load_entry_points()
        if folder is not None:
            self._load_folder(Path(folder))
        self.pm.check_pending()

    # -- loading ----------------------------------------------------------------------------
    def _load_entry_points(self) -> None:
        allow = os.environ.get(ALLOW_ENV)
        allowed = {n.strip() for n in allow.split(",") if n.strip()} if allow is not None else None
        eps = sorted(
            metadata.entry_points(group=GROUP),
            key=lambda ep: (ep.dist is None or ep.dist.name != SHIPPED_DIST, ep.name),
        )
        for ep in eps:
            shipped = ep.dist is not None and ep.dist.name == SHIPPED_DIST
            if not shipped and allowed is not None and ep.name not in allowed:
                continue
            source = "shipped" if shipped else "installed"
            version = ep.dist.version if ep.dist is not None else "?"
            try:
                module = ep.load()
            except Exception as exc:  # a broken plug-in must not stop the others
                self.failures.append(OXError("OX-PLG-001", name=ep.name, source=ep.value,
                                             detail=f"{type(exc).__name__}: {exc}"))
                continue
            self.register(module, ep.name, source, version)

    def _load_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            modname = f"orderexchange_folder_plugin_{path.stem}"
            try:
                spec = importlib.util.spec_from_file_location(modname, path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                sys.modules[modname] = module
                spec.loader.exec_module(module)
            except Exception as exc:
                sys.modules.pop(modname, None)
                self.failures.append(OXError("OX-PLG-001", name=path.stem, source=str(path),
                                             detail=f"{type(exc).__name__}: {exc}"))
                continue
            self.register(module, path.stem, "folder", getattr(module, "__version__", "-"))

    def register(self, module: ModuleType | object, name: str, source: str, version: str) -> None:
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        self.pm.register(module, name=name)
        hooks = [h.name for h in self.pm.get_hookcallers(module) or []]
        self.infos[name] = PluginInfo(name, source, version, sorted(hooks))

    # -- typed calls ------------------------------------------------------------------------
    def connector_types(self) -> dict[str, type[Connector]]:
        types: dict[str, type[Connector]] = {}
        # pluggy calls the last registered first; reverse so later registrations win.
        for result in reversed(self.pm.hook.oe_connector_types()):
            for cls in result:
                types[cls.type_name] = cls
        return types

    def mail_transports(self) -> dict[str, type[MailTransport]]:
        return self._named(self.pm.hook.oe_mail_transports())

    def order_sources(self) -> dict[str, type[OrderSource]]:
        return self._named(self.pm.hook.oe_order_sources())

    @staticmethod
    def _named(results: list[dict]) -> dict:
        """Merge name → thing results so that the later-registered plug-in wins."""
        merged: dict = {}
        for result in reversed(results):  # pluggy calls the last registered first
            merged.update(result)
        return merged

    def notification_attachments(self, config: Config, supplier: SupplierConfig,
                                 supplier_order: SupplierOrder) -> list[Attachment]:
        attachments: list[Attachment] = []
        for result in reversed(self.pm.hook.oe_notification_attachments(
                config=config, supplier=supplier, supplier_order=supplier_order)):
            attachments.extend(result)
        return attachments

    def dispatch_event(self, event: DispatchEvent) -> None:
        """Tell every listener; one that raises is recorded and skipped, the others still hear."""
        for impl in self.pm.hook.oe_dispatch_event.get_hookimpls():
            try:
                impl.function(event=event)
            except Exception as exc:  # a listener must never break or change a dispatch
                self.warnings.append(OXError("OX-PLG-002", name=impl.plugin_name,
                                             hook="oe_dispatch_event",
                                             detail=f"{type(exc).__name__}: {exc}"))

    def cli_commands(self) -> list[tuple[str, click.Command]]:
        """(plug-in name, command) for every command a plug-in adds."""
        out = []
        for impl in self.pm.hook.oe_cli_commands.get_hookimpls():
            for command in impl.function() or []:
                out.append((impl.plugin_name, command))
        return out

    def check_supplier_order(
        self, config: Config, supplier: SupplierConfig, supplier_order: SupplierOrder
    ) -> list[Finding]:
        findings: list[Finding] = []
        for result in self.pm.hook.oe_check_supplier_order(
            config=config, supplier=supplier, supplier_order=supplier_order
        ):
            findings.extend(result)
        return findings
