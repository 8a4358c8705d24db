"""Orders and catalogue coming in: a file, the configured order sources, catalogue rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import importer
from .app import App


def import_orders(app: App, path: Path, *, dry_run: bool = False,
                  chunk_rows: int = importer.CHUNK_ROWS,
                  report_path: Path | None = None) -> importer.ImportReport:
    """Validate every order of a .jsonl/.csv file and store the good ones (none with
    `dry_run`); the rejected rows go to `report_path` when given."""
    return importer.import_orders(app.store, path, dry_run=dry_run, chunk_rows=chunk_rows,
                                  report_path=report_path)


def fetch(app: App, source: str | None = None) -> list[Any]:
    """Import from the configured order sources ([sources.*]), or from `source` only."""
    from ..sources import fetch as fetch_sources

    return fetch_sources(app.store, app.config, app.host.order_sources(), source)


def import_catalogue(app: App, path: Path) -> tuple[int, list[Any]]:
    """Store (or replace) catalogue rows: how many were stored, and the rejected rows' errors."""
    return importer.import_catalogue(app.store, path, app.config.price_currencies())


def catalogue(app: App) -> list[Any]:
    """Which supplier delivers which SKU at which price."""
    return app.store.catalogue_entries()
