"""Order source `folder`: a drop folder the distributor's shop exports orders into.

Every `.jsonl` / `.csv` file in the folder is imported (oldest first) and then moved to `done/`
— or to `failed/` when any of its orders was refused, next to a `.errors.txt` naming each row's
error, so a person sees at a glance what needs fixing. A file still being written is skipped:
only files unchanged for `settle_seconds` are taken.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from orderexchange import hookimpl
from orderexchange.importer import ImportReport
from orderexchange.sources import OrderSource, SourceSettings

__version__ = "0.1.0"


class FolderSettings(SourceSettings):
    folder: Path
    settle_seconds: float = 2.0


class FolderSource(OrderSource):
    type_name = "folder"
    settings_schema = FolderSettings
    settings: FolderSettings

    @property
    def folder(self) -> Path:
        folder = self.settings.folder
        if not folder.is_absolute() and self.config.path is not None:
            folder = self.config.path.parent / folder
        return folder

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        now = time.time()
        ready = [p for p in self.folder.iterdir()
                 if p.is_file() and p.suffix.lower() in (".jsonl", ".ndjson", ".csv")
                 and now - p.stat().st_mtime >= self.settings.settle_seconds]
        return sorted(ready, key=lambda p: (p.stat().st_mtime, p.name))

    def done(self, path: Path, report: ImportReport) -> None:
        target = self.folder / ("failed" if report.errors else "done")
        target.mkdir(exist_ok=True)
        destination = target / path.name
        if destination.exists():
            destination = target / f"{path.stem}.{int(time.time())}{path.suffix}"
        shutil.move(str(path), destination)
        if report.errors:
            destination.with_name(destination.name + ".errors.txt").write_text(
                "".join(f"{e.code} {e.message}\n    solution: {e.solution}\n"
                        for e in report.errors), encoding="utf-8")


@hookimpl
def oe_order_sources() -> dict[str, type[OrderSource]]:
    return {"folder": FolderSource}
