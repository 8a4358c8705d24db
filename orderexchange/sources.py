"""Where customer orders come from, besides a file named on the command line.

An order source (a plug-in type, `oe_order_sources`) yields whole files (`files()`), or batches of
raw orders in the importer's JSON shape (`batches()`), e.g. rows read from the distributor's own
shop database; the host validates and stores both with the same rules as `orderexchange import`
(`importer.validate_order`), so a source can never smuggle an unchecked order in. After each file
or batch the host tells the source what became of it (`done()` / `taken()`), so the source can
move the file away or remember how far it got — only after the orders are safely stored.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pydantic

from .connector import ConnectorSettings
from .errors import OXError
from .importer import ImportReport, import_orders, validate_order

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

    def files(self) -> list[Path]:
        """Files ready to import (.jsonl / .csv), oldest first. A batch-only source has none."""
        return []

    def done(self, path: Path, report: ImportReport) -> None:
        """Called after a file was imported; e.g. move it out of the way."""

    def batches(self, store: Store) -> Iterator[OrderBatch]:
        """Raw orders ready to import, a batch at a time (after the files).

        A generator: the host imports each batch and calls `taken()` before asking for the next
        one, so a source that keeps a bookmark (in `store.set_setting`) can move it on there and
        a crash never skips an order (at worst a batch is read again; the store keeps order
        numbers unique, so nothing is stored twice).
        """
        return iter(())

    def taken(self, store: Store, batch: OrderBatch, report: ImportReport) -> None:
        """Called after a batch was imported (its orders stored, duplicate or rejected)."""

    def close(self) -> None:
        """Called once when the host is done with this source (e.g. close a connection)."""


@dataclass
class OrderBatch:
    """Orders a source hands over at once, in the importer's JSON shape (one dict per order).

    `label` names the batch in reports and as the orders' `source` in the state store (e.g.
    "webshop orders 1001-1050"); `context` is the source's own, handed back in `taken()`.
    """

    label: str
    orders: list[dict[str, Any]]
    context: Any = None


def import_batch(store: Store, batch: OrderBatch) -> ImportReport:
    """Validate and store one batch of raw orders like `import_orders` does a file's rows.

    Row numbers in the report are positions in the batch (1 = first order). An order is
    rejected whole with every error of it; the good ones are stored in one transaction.
    """
    report = ImportReport(batch.label)
    good = []
    rows: dict[str, int] = {}
    for row, data in enumerate(batch.orders, start=1):
        report.rows += 1
        report.file_rows += 1
        data = data if isinstance(data, dict) else {}
        parsed = validate_order(data, row)
        if parsed.errors or parsed.order is None:
            report.reject(str(data.get("number") or "").strip() or None, parsed.errors)
            continue
        report.warn(parsed.warnings)
        good.append(parsed.order)
        rows[parsed.order.number] = row
    if not good:
        return report
    result = store.add_customer_orders(good, source=batch.label)
    report.counts["commits"] += 1
    for number in result.stored:
        report.stored.append(number)
        report.counts["stored"] += 1
    updated = {number for number, _old, _new in result.status_updates}  # OX-IMP-017 alone
    for number in result.duplicates:
        report.duplicates.append(number)
        report.counts["duplicates"] += 1
        if number not in updated:
            report.warn([OXError("OX-IMP-009", order=number, row=rows.get(number))])
    for number, old, new in result.status_updates:
        report.counts["status_updated"] += 1
        report.warn([OXError("OX-IMP-017", order=number, row=rows.get(number), old=old, new=new)])
    return report


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
        out.append(report)
        try:
            for path in source.files():
                result = import_orders(store, path)
                source.done(path, result)
                report.reports.append(result)
            for batch in source.batches(store):
                result = import_batch(store, batch)
                source.taken(store, batch, result)
                if result.rows:  # a batch may only carry bookkeeping (nothing new to report)
                    report.reports.append(result)
        finally:
            source.close()
    return out
