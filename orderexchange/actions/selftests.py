"""Self-tests: each supplier's shop database, and the mail account. `orderexchange test db` /
`test mail` and the menu's Self-tests entries call these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import licence as licence_mod
from ..connector import SelfTestReport, instantiate
from ..errors import OXError
from ..mail import address_problem, self_test as mail_self_test
from .app import App


@dataclass
class DbTestOutcome:
    """One report per supplier tested; a supplier the licence refuses gets a report with one
    failed `licence` stage, and its refusal (a coded error) in `refusals`."""
    reports: list[SelfTestReport] = field(default_factory=list)
    refusals: list[OXError] = field(default_factory=list)
    refused: list[SelfTestReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)


def shop_database(app: App, supplier: str | None = None) -> DbTestOutcome:
    """Connect to each supplier's shop database (or `supplier`'s) and check every table, column
    and grant. The trial write is rolled back; no licence is needed, but a licence that does not
    cover a supplier's connector refuses that supplier (the others are still tested)."""
    ids = [supplier] if supplier else list(app.config.suppliers)
    out = DbTestOutcome()
    types = app.host.connector_types()
    lic = app.optional_licence()
    for sid in ids:
        connector = instantiate(types, app.config.supplier(sid))
        try:
            licence_mod.require_connector(lic, sid, connector.type_name,
                                          connector.licence_feature())
        except OXError as refused:  # this supplier is refused, the others are still tested
            out.refusals.append(refused)
            report = SelfTestReport(sid)
            report.add("licence", False, f"{refused.code} {refused.message}")
            out.reports.append(report)
            out.refused.append(report)
            continue
        out.reports.append(connector.self_test())
    return out


def mail_account(app: App, to: str | None = None) -> Any:
    """Test the mail account stage by stage; with `to`, also send a test message there (a bad
    address is refused first, OX-MAIL-022)."""
    if to is not None:
        problem = address_problem(to)
        if problem:
            raise OXError("OX-MAIL-022", value=to, detail=problem)
    return mail_self_test(app.config, app.host.mail_transports(), to)
