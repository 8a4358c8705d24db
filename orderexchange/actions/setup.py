"""Setting up: a first config file (`init`)."""

from __future__ import annotations

from pathlib import Path

from .. import config as config_mod
from ..errors import OXError


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
