"""Order documents attached to the notification email, in the formats each supplier asked for.

`[suppliers.X.notification] attachments = ["pdf", "csv", "ubl", "opentrans"]` picks them (unset:
none for shop connectors, PDF + CSV for the mail-only connector). The documents themselves are
built by `orderexchange.documents`. Registered `trylast` through the `orderexchange` entry-point
group like any plug-in, so a plug-in of the distributor's own attaches its files first.
"""

from __future__ import annotations

from orderexchange import documents, hookimpl
from orderexchange.config import Config, SupplierConfig
from orderexchange.mail import Attachment, build_attachments
from orderexchange.model import SupplierOrder

__version__ = "0.1.0"


@hookimpl(trylast=True)
def oe_notification_attachments(config: Config, supplier: SupplierConfig,
                                supplier_order: SupplierOrder) -> list[Attachment]:
    formats = documents.attachment_formats(supplier)
    if not formats:
        return []
    sheet = documents.sheet(config, supplier, supplier_order)
    return build_attachments(supplier, "/".join(formats),
                             lambda: documents.documents_for(sheet, formats))
