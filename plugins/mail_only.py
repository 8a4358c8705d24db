"""The `mail-only` connector: for suppliers without a reachable shop database.

It writes nothing anywhere. Its "write" records the customer order as handed over by email —
the remote order id is our exchange reference — so a supplier order goes through the same
states (checked → written → notified) as with a shop connector, and the notification email
carries the order: its text and the attachments (PDF + CSV unless the supplier's
`notification.attachments` says otherwise; UBL and openTRANS on request).
"""

from __future__ import annotations

from orderexchange import documents, hookimpl
from orderexchange.connector import Connector, ConnectorSettings, RemoteOrder, SelfTestReport
from orderexchange.model import Finding, SupplierOrder, Transfer

__version__ = "0.1.0"


class MailOnlySettings(ConnectorSettings):
    """No settings: `[suppliers.X.connector] type = "mail-only"` is all."""


class MailOnlyConnector(Connector):
    type_name = documents.MAIL_ONLY
    settings_schema = MailOnlySettings
    #: nothing is written into a shop: the email (and its attachments) is the order
    writes_database = False

    @classmethod
    def licence_feature(cls) -> str | None:
        """Every licence includes mail-only: it is the base product, no shop is written."""
        return None

    def self_test(self) -> SelfTestReport:
        report = SelfTestReport(self.supplier.id)
        report.add("connector", True, f"mail-only: no shop database; orders go by email to "
                                      f"{self.supplier.email}")
        formats = documents.attachment_formats(self.supplier)
        if not formats:
            report.add("documents", True, "no attachments configured: the order is in the "
                                          "email text only")
            return report
        detail = "attached: " + ", ".join(formats)
        if "pdf" in formats:
            try:
                font = documents.pdf_font(self.supplier.notification.pdf_font)
            except documents.FontError as exc:
                report.add("documents", False, f"{detail}; {exc}")
                return report
            detail += f" (PDF font {font[0] if font else 'Helvetica'})"
        report.add("documents", True, detail)
        return report

    def check(self, supplier_order: SupplierOrder) -> list[Finding]:
        return []

    def find_by_reference(self, reference: str) -> RemoteOrder | None:
        return None  # nothing is stored remotely; `write` has no side effect to repeat

    def write(self, supplier_order: SupplierOrder, transfer: Transfer) -> RemoteOrder:
        return RemoteOrder(order_id=transfer.reference, customer_id=None, customer_created=False)


@hookimpl
def oe_connector_types() -> list[type[Connector]]:
    return [MailOnlyConnector]
