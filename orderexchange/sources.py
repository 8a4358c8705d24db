"""Where customer orders come from, besides a file named on the command line.

An order source (a plug-in type, `oe_order_sources`) yields raw orders as the importer's JSON
shape, or whole files; the host validates and stores them with the same rules as
`orderexchange import`, so a source can never smuggle an unchecked order in.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic

from .connector import ConnectorSettings
from .errors import OXError
from .importer import ImportReport, import_orders

if TYPE_CHECKING:
    from .config import Config, SourceConfig
    from .store import Store


class SourceSettings(ConnectorSettings):
    """Base of a source type's settings (the `[sources.X]` table without `type`)."""


class OrderSource(abc.ABC):
    type_name: str
    settings_schema: type[SourceSettings] = SourceSettings

    def __init__(self, name: str, settings: SourceSettings, config: Config) -> None:
        self.name = name
        self.settings = settings
        self.config = config

    @abc.abstractmethod
    def files(self) -> list[Path]:
        """Files ready to import (.jsonl / .csv), oldest first."""

    def done(self, path: Path, report: ImportReport) -> None:
        """Called after a file was imported; e.g. move it out of the way."""


@dataclass
class FetchReport:
    source: str
    reports: list[ImportReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "files": [r.as_dict() for r in self.reports]}


def make_source(types: dict[str, type[OrderSource]], name: str, spec: SourceConfig,
                config: Config) -> OrderSource:
    cls = types.get(spec.type)
    if cls is None:
        raise OXError("OX-CFG-009", source=name, type=spec.type,
                      known=", ".join(sorted(types)) or "(none)")
    try:
        settings = cls.settings_schema.model_validate(spec.settings)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        raise OXError("OX-CFG-004", key=".".join(["sources", name, *map(str, err["loc"])]),
                      detail=err["msg"], hint=f"see the settings of source type {spec.type}.") \
            from None
    return cls(name, settings, config)


def fetch(store: Store, config: Config, types: dict[str, type[OrderSource]],
          only: str | None = None) -> list[FetchReport]:
    """Import everything every configured (or the named) source has ready."""
    names = [only] if only else sorted(config.sources)
    out = []
    for name in names:
        if name not in config.sources:
            raise OXError("OX-CFG-010", source=name, known=", ".join(sorted(config.sources)))
        source = make_source(types, name, config.sources[name], config)
        report = FetchReport(name)
        for path in source.files():
            result = import_orders(store, path)
            source.done(path, result)
            report.reports.append(result)
        out.append(report)
    return out
