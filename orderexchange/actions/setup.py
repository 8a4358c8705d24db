"""Setting up: a first config file (`init`), the config check, the plug-ins, what a supplier's
admin needs, a backup of the state store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import config as config_mod
from ..connector import instantiate
from ..errors import OXError
from ..plugin_host import PluginHost
from .app import App


def example_config_text() -> str:
    """config.example.toml as shipped inside the package (identical to the repository's)."""
    return config_mod.example_text()


def write_example_config(path: Path | None) -> Path:
    """Write the commented example config to `path` (default: $ORDEREXCHANGE_CONFIG or
    ~/.config/orderexchange/config.toml); an existing file is never overwritten (OX-MNU-001),
    a folder that cannot be written is OX-MNU-002. The path written."""
    path = path or config_mod.default_config_path()
    if path.exists():
        raise OXError("OX-MNU-001", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
                fh.write(example_config_text())
        except FileExistsError:
            raise OXError("OX-MNU-001", path=path) from None
    except OSError as exc:
        raise OXError("OX-MNU-002", path=path, detail=exc.strerror or str(exc)) from None
    return path


def is_default_path(path: Path) -> bool:
    return path == config_mod.default_config_path()


def check_config(app: App) -> tuple[Path, list[Any]]:
    """`config check`: the config, every supplier's connector settings and the mail templates,
    every problem in one run; (the path checked, its parts)."""
    from ..config_check import check_config as check

    return check(app.config_path, lambda config: PluginHost(config.plugin_folder))


def plugins(app: App) -> PluginHost:
    """The plug-ins as loaded for this config (without a usable config: what is installed)."""
    try:
        folder = app.config.plugin_folder
    except OXError:
        folder = None
    return PluginHost(folder)


def supplier_kit(app: App, supplier: str) -> dict[str, Any]:
    """What to send a supplier's admin: the database user's least-privilege GRANTs, the SSH
    authorized_keys line and our public key — from the config."""
    from .. import supplier_setup as kit

    sup = app.config.supplier(supplier)
    return kit.collect(sup, instantiate(app.host.connector_types(), sup))


def backup(app: App, dest: Path) -> Any:
    """Copy the SQLite state store to the new file `dest` while it is in use."""
    from ..backup import backup as copy

    return copy(app.config.store.url, dest)
