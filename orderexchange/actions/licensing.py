"""The activation code: decode one, store it, say what the stored one grants. `activate`,
`licence` and the menu's Activation call these."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import licence as licence_mod
from ..errors import OXError
from .app import LICENCE_KEY, App


def decode(code: str) -> licence_mod.Licence:
    """What a code grants, without storing it (the menu shows it before asking)."""
    return licence_mod.decode(code, today=date.today())


def activate(app: App, code: str) -> licence_mod.Licence:
    """Store an activation code in the state store, once it is valid and for this
    distributor; the licence it grants."""
    lic = decode(code)
    licence_mod.require_distributor(lic, app.config.distributor.id)  # before it is stored
    app.store.set_setting(LICENCE_KEY, lic.code)
    return lic


def current(app: App) -> licence_mod.Licence:
    """The activated licence; OX-LIC-001 when there is none."""
    lic = app.licence()
    if lic is None:
        raise OXError("OX-LIC-001")
    return lic


def active_suppliers(app: App) -> int:
    return sum(1 for s in app.config.suppliers.values() if s.active)


def licence_data(lic: licence_mod.Licence, app: App) -> dict[str, Any]:
    """The licence as `--json` and the licence table show it."""
    return {**lic.as_dict(), "days_left": lic.days_left(date.today()),
            "expired": lic.expired(date.today()), "active_suppliers": active_suppliers(app)}
