"""Read-back: what did the supplier do with the orders we wrote? (`sync-status`, daemon job `sync`)

For notified and confirmed supplier orders, the connector reads the current shop status of every
written (not cancelled) transfer, with the tracking number and shipping date where the shop keeps
them; the store records them on the transfer (an event when something changed). A status the
supplier set counts as confirmation of receipt: a notified supplier order whose every transfer
shows progress becomes `confirmed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .connector import instantiate
from .errors import OXError
from .plugin_host import PluginHost
from .store import Store


@dataclass
class SyncResult:
    supplier_id: str
    read: int = 0
    changed: int = 0
    missing: list[str] = field(default_factory=list)  # customer order numbers not in the shop
    confirmed: list[int] = field(default_factory=list)
    error: OXError | None = None
    #: optional read-back features that are off (OX-DB-015: no grant on the tracking table)
    warnings: list[OXError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"supplier": self.supplier_id, "read": self.read, "changed": self.changed,
                "missing": self.missing, "confirmed": self.confirmed,
                "error": self.error.as_dict() if self.error else None,
                "warnings": [w.as_dict() for w in self.warnings]}


def sync_status(config: Config, store: Store, host: PluginHost,
                supplier_id: str | None = None) -> list[SyncResult]:
    """Read back every active supplier's (or one supplier's) written orders; one connection per
    supplier. A supplier whose connector fails is reported, the others go on."""
    if supplier_id is not None:
        config.supplier(supplier_id)  # an unknown id is a config error (OX-CFG-…)
        suppliers = [supplier_id]
    else:
        suppliers = [sid for sid, s in config.suppliers.items() if s.active]
    types = host.connector_types()
    results = []
    for sid in suppliers:
        so_ids = store.sync_candidates(sid)
        if not so_ids:
            continue
        result = SyncResult(sid)
        results.append(result)
        try:
            connector = instantiate(types, config.supplier(sid))
        except OXError as err:
            result.error = err
            continue
        try:
            connector.open()
            # said on every run and, once per supplier order, in the transfer log: tracking
            # that stays empty for lack of a grant is never silent (the daemon's job repeats
            # every few minutes, so the log gets it once, not every time)
            result.warnings = connector.feature_warnings("read-back")
            logged = {(e["code"], e["message"]) for e in store.events(so_ids[0])
                      if e["outcome"] == "warning"}
            for warning in result.warnings:
                if (warning.code, warning.message) not in logged:
                    store.add_event(so_ids[0], "read_back", "warning", warning.message,
                                    warning.code)
            for so_id in so_ids:
                _sync_one(store, connector, so_id, result)
        except OXError as err:
            err.facts.setdefault("supplier", sid)
            result.error = err
            store.add_event(so_ids[0], "read_back", "error", err.message, err.code)
        finally:
            connector.close()
    return results


def _sync_one(store: Store, connector: Any, so_id: int, result: SyncResult) -> None:
    so = store.supplier_order(so_id)
    extras = store.transfer_extras(so_id)
    live = [t for t in so.transfers if t.remote_order_id and t.id is not None
            and t.state.value == "written" and extras[t.id]["action"] != "cancel"]
    if not live:
        return
    statuses = connector.read_back(live)
    progressed = True
    for t in live:
        status = statuses.get(t.reference)
        if status is None:
            progressed = False
            result.missing.append(t.customer_order.number)
            if extras[t.id]["remote_status"] != "(missing)":
                err = OXError("OX-WRT-005", order=t.customer_order.number,
                              supplier=so.supplier_id, remote=t.remote_order_id,
                              reference=t.reference)
                store.add_event(so_id, "read_back", "error", err.message, err.code,
                                transfer_id=t.id)
                _mark_missing(store, t.id)
            continue
        result.read += 1
        result.changed += int(store.save_remote_status(t.id, so_id, t.customer_order.number,
                                                       status))
        progressed = progressed and (status.progressed or status.cancelled)
    if progressed and so.state.value == "notified":
        store.confirm(so_id, step="confirmed",
                      message="confirmed by read-back: the supplier moved every order on")
        result.confirmed.append(so_id)


def _mark_missing(store: Store, transfer_id: int) -> None:
    from types import SimpleNamespace

    store.save_remote_status(transfer_id, 0, "", SimpleNamespace(
        status="(missing)", status_id=None, tracking_number=None, shipped_at=None), event=False)
