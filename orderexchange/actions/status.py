"""Is everything fine? The data of `orderexchange status`, of the menu's header, and of the
transfer status per supplier (`orderexchange suppliers`)."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import sqlalchemy as sa

from .. import licence as licence_mod
from ..errors import CATALOGUE, OXError
from ..model import SupplierOrderState
from ..queue import WorkQueue
from ..retry import settings_fingerprint
from ..store import events, now, supplier_orders
from .app import App
from .sending import FAILED_STATES


def licence_state(app: App) -> dict[str, Any]:
    """The licence as `status` and the menu show it: state active | missing | invalid | expired."""
    try:
        lic = app.licence()
        if lic is not None:
            licence_mod.require_distributor(lic, app.config.distributor.id)
    except OXError as error:
        return {"state": "invalid", "licensee": None, "expires": None, "days_left": None,
                "error_code": error.code, "message": error.message}
    if lic is None:
        return {"state": "missing", "licensee": None, "expires": None, "days_left": None,
                "error_code": "OX-LIC-001", "message": "No licence is activated."}
    today = date.today()
    expired = lic.expired(today)
    return {"state": "expired" if expired else "active", "licensee": lic.licensee,
            "expires": lic.expires.isoformat() if lic.expires else None,
            "days_left": lic.days_left(today), "error_code": "OX-LIC-008" if expired else None,
            "message": lic.warning(today)}


def collect_status(app: App) -> dict[str, Any]:
    """Everything `orderexchange status` reports, as plain JSON-ready data."""
    store = app.store
    # counted in SQL: reading every supplier order's summary row (with its transfers and lines)
    # made `status` cost as much as listing 100,000 supplier orders
    counts = store.supplier_order_counts()
    by_state: dict[str, int] = {}
    for s in SupplierOrderState:  # in the states' own order, as they are declared
        n = sum(k for (_sid, state), k in counts.items() if state == s.value)
        if n:
            by_state[s.value] = n
    for (_sid, state), n in counts.items():  # a state this version does not know
        if state not in by_state and state not in {s.value for s in SupplierOrderState}:
            by_state[state] = by_state.get(state, 0) + n
    with store.engine.connect() as conn:
        last_sends = dict(conn.execute(
            sa.select(supplier_orders.c.supplier_id, sa.func.max(events.c.at, type_=events.c.at.type))
            .join(supplier_orders, supplier_orders.c.id == events.c.supplier_order_id)
            .where(events.c.step == SupplierOrderState.NOTIFIED.value, events.c.outcome == "ok")
            .group_by(supplier_orders.c.supplier_id)).all())
        failed = conn.execute(
            sa.select(supplier_orders.c.id, supplier_orders.c.supplier_id,
                      supplier_orders.c.state, supplier_orders.c.error_code,
                      supplier_orders.c.error_message, supplier_orders.c.updated_at,
                      supplier_orders.c.stopped_under)
            # *_failed, or a transient failure (e.g. shop unreachable) left in a sendable
            # state with its code, waiting for the next send
            .where(supplier_orders.c.state.in_([s.value for s in FAILED_STATES])
                   | (supplier_orders.c.state.in_([s.value for s in SupplierOrderState
                                                   if s.sendable])
                      & supplier_orders.c.error_code.is_not(None)))
            .order_by(supplier_orders.c.id)).all()
    failures = []
    for f in failed:
        # the solution with the facts known here filled in (never a bare `{supplier}`)
        solution = OXError(f.error_code, id=f.id, supplier=f.supplier_id).solution \
            if f.error_code in CATALOGUE else None
        entry = CATALOGUE.get(f.error_code or "")
        # permanent: retrying cannot help; stopped: automatic sends leave it alone until the
        # supplier's settings change (or `retry` by hand) — a permanent error whose settings
        # changed since is sent again by the next automatic send
        stopped = f.stopped_under is not None and f.supplier_id in app.config.suppliers and \
            f.stopped_under == settings_fingerprint(app.config, f.supplier_id)
        failures.append({"id": f.id, "supplier": f.supplier_id, "state": f.state,
                         "error_code": f.error_code, "error_message": f.error_message,
                         "solution": solution,
                         "permanent": bool(entry is not None and not entry.transient),
                         "stopped": stopped,
                         "updated_at": _utc(f.updated_at).isoformat()})
    ts = now()
    workers = [{"owner": d["owner"], "kind": d["kind"],
                "started_at": _utc(d["started_at"]).isoformat(),
                "seen_at": _utc(d["seen_at"]).isoformat(),
                "seconds_since_seen": round((ts - _utc(d["seen_at"])).total_seconds())}
               for d in WorkQueue(store).daemons(kind=None)]
    daemons = [w for w in workers if w["kind"] == "daemon"]
    senders = [w for w in workers if w["kind"] != "daemon"]
    supplier_ids = list(app.config.suppliers) + sorted(
        {sid for sid, _state in counts} - set(app.config.suppliers))
    suppliers = []
    for sid in supplier_ids:
        sup = app.config.suppliers.get(sid)
        last = _utc(last_sends.get(sid))
        suppliers.append({"id": sid, "name": sup.name if sup else None,
                          "active": sup.active if sup else None,
                          "configured": sup is not None,
                          "last_send": last.isoformat() if last else None,
                          "failures": sum(1 for f in failures if f["supplier"] == sid)})
    held = [{"order": h["order"], "supplier": h["supplier"],
             "supplier_order": h["supplier_order"], "code": h["code"], "message": h["message"]}
            for h in store.held_orders()]
    for entry in suppliers:
        entry["held"] = sum(1 for h in held if h["supplier"] == entry["id"])
    open_orders = store.count_customer_orders("open")
    lic = licence_state(app)
    return {"ok": not failures and lic["state"] == "active", "licence": lic, "daemons": daemons,
            "senders": senders,
            "open_customer_orders": open_orders, "supplier_orders": by_state,
            "suppliers": suppliers, "failures": failures, "held": held}


def _utc(value: Any) -> Any:
    """SQLite hands datetimes back without their zone; the store writes UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def status_exit_code(data: dict[str, Any]) -> int:
    """0: fine; 1: failed supplier orders wait for a retry; 3: no usable licence."""
    if data["failures"]:
        return 1
    return 0 if data["licence"]["state"] == "active" else 3


def supplier_overview(app: App) -> list[dict[str, Any]]:
    """Transfer status per supplier: last build, last send, last failure, open supplier
    orders — configured suppliers first, then those only the store still knows."""
    status = app.store.supplier_status()
    ids = list(app.config.suppliers) + sorted(set(status) - set(app.config.suppliers))
    final = {SupplierOrderState.CONFIRMED.value, SupplierOrderState.CANCELLED.value}
    out = []
    for sid in ids:
        sup = app.config.suppliers.get(sid)
        st = status.get(sid, {"last_build": None, "last_sent": None, "last_failure": None,
                              "states": {}})
        out.append({"id": sid, "name": sup.name if sup else None, "configured": sup is not None,
                    "active": sup.active if sup else None,
                    "connector": sup.connector if sup else None,
                    "last_build": st["last_build"], "last_sent": st["last_sent"],
                    "last_failure": st["last_failure"],
                    "open": {s: n for s, n in st["states"].items() if s not in final},
                    "states": st["states"]})
    return out
