"""The session every action runs in: config, state store and plug-in host, each opened once,
on first use, so a command that needs only the config never opens the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from .. import config as config_mod, licence as licence_mod
from ..errors import OXError
from ..plugin_host import PluginHost
from ..store import Store

LICENCE_KEY = licence_mod.SETTING

Notice = str | OXError
"""What a session reports on the side: the licence's "ends in N days" line, or a plug-in that
failed to load (a coded error shown as a warning)."""


class App:
    """Lazily opened config, store and plug-in host for one command (or one menu session).

    `on_warning` receives what the session notices on the way (see `Notice`); the views pass
    a printer from `present`, so the session itself never prints. Without one the warnings are
    kept in `warnings`."""

    def __init__(self, config_path: Path | None,
                 on_warning: Callable[[Notice], None] | None = None) -> None:
        self.config_path = config_path
        self.on_warning = on_warning
        self.warnings: list[Notice] = []
        self._config: config_mod.Config | None = None
        self._store: Store | None = None
        self._host: PluginHost | None = None

    def warn(self, warning: Notice) -> None:
        if self.on_warning is not None:
            self.on_warning(warning)
        else:
            self.warnings.append(warning)

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path)
        return self._config

    def reload_config(self) -> None:
        """Read the config file again on next use (after the menu saved its settings)."""
        self._config = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.config.store.url)
            self._warn_licence()
        return self._store

    def _warn_licence(self) -> None:
        """Every command that opens the store says so when the licence ends within 14 days."""
        try:
            lic = self.licence()
        except OXError:
            return  # a broken stored code is reported by the commands that need the licence
        warning = lic.warning(date.today()) if lic else None
        if warning:
            self.warn(warning)

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            self._host = PluginHost(self.config.plugin_folder)
            for failure in self._host.failures:
                self.warn(failure)
        return self._host

    def licence(self) -> licence_mod.Licence | None:
        return licence_mod.stored(self.store)

    def optional_licence(self) -> licence_mod.Licence | None:
        """The activated licence for actions that also work without one (`test db`): None when
        none is activated or the stored code is unusable (the licensed actions report that)."""
        try:
            return self.licence()
        except OXError:
            return None

    def require_licence(self, feature: str | None = None) -> None:
        lic = licence_mod.require(self.licence(), feature=feature, today=date.today())
        licence_mod.require_distributor(lic, self.config.distributor.id)
        active = sum(1 for s in self.config.suppliers.values() if s.active)
        licence_mod.check_supplier_limit(lic, active)
