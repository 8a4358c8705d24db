"""The way back from an OpenCart shop: read-back of written orders (status by the shop's own
name, tracking, shipping date) and `cancel`. A mixin of `OpenCartConnector` (plugins/opencart.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from orderexchange.connector import RemoteStatus
from orderexchange.errors import OXError
from orderexchange.model import Transfer

from .opencart_rows import HIDDEN
from .shop_sql import coded, marker


class OpenCartReadBack:
    def read_back(self, transfers: list[Transfer]) -> dict[str, RemoteStatus]:
        """Status (by the shop's own name), tracking number and shipping date of written orders.

        An order the supplier deleted is absent from the result."""
        try:
            ids = self.order_ids(transfers)
            if not ids:
                return {}
            rows = self.sql(
                f"SELECT o.order_id, o.order_status_id, os.name FROM {self.qt('order')} o "
                f"LEFT JOIN {self.qt('order_status')} os ON os.order_status_id = "
                f"o.order_status_id AND os.language_id = :l WHERE o.order_id IN :ids",
                l=self.settings.language_id, ids=sorted(set(ids.values())))
            orders = {int(r.order_id): r for r in rows}
            shipments: dict[int, Any] = {}
            if self.table(self.t("order_shipment")).exists:
                for r in self.sql(f"SELECT order_id, tracking_number, date_added FROM "
                                  f"{self.qt('order_shipment')} WHERE order_id IN :ids "
                                  f"ORDER BY order_shipment_id", ids=sorted(set(ids.values()))):
                    shipments[int(r.order_id)] = r  # the latest shipment wins
        except SQLAlchemyError as exc:
            raise coded(exc, self.supplier, self.t("order")) from None
        finally:
            self.end_read()
        out = {}
        for reference, order_id in ids.items():
            row = orders.get(order_id)
            if row is None:
                continue
            status_id = int(row.order_status_id)
            shipment = shipments.get(order_id)
            out[reference] = RemoteStatus(
                order_id=str(order_id), status=row.name or f"status {status_id}",
                status_id=str(status_id),
                progressed=status_id not in (HIDDEN, self.settings.order_status_id),
                cancelled=status_id == self.settings.cancelled_status_id,
                tracking_number=(shipment.tracking_number or None) if shipment else None,
                shipped_at=shipment.date_added.isoformat(sep=" ") if shipment and
                shipment.date_added else None)
        return out

    def cancel(self, transfer: Transfer) -> None:
        """Set the cancelled status with a history row, as the admin does — only while the
        order is in one of `cancellable_status_ids`. Cancelling twice changes nothing."""
        co = transfer.customer_order
        order_id = self.order_ids([transfer]).get(transfer.reference)
        self.end_read()
        if not order_id:
            raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                          remote=transfer.remote_order_id or "?", reference=transfer.reference)

        def run() -> None:
            row = self.sql(f"SELECT order_status_id FROM {self.qt('order')} "
                           f"WHERE order_id = :o", o=order_id).first()
            if row is None:
                raise OXError("OX-WRT-005", order=co.number, supplier=self.supplier.id,
                              remote=order_id, reference=transfer.reference)
            status = int(row[0])
            if status == self.settings.cancelled_status_id:
                return
            if status not in self.settings.cancellable_status_ids:
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=order_id,
                              status=f"{self._status_name(status) or status} ({status})",
                              allowed=", ".join(map(str, self.settings.cancellable_status_ids)),
                              setting="cancellable_status_ids")
            now = datetime.now().replace(microsecond=0)
            self.insert(self.t("order_history"), {
                "order_id": order_id, "order_status_id": self.settings.cancelled_status_id,
                "notify": 0, "comment": f"{marker(transfer.reference)} orderexchange: cancelled "
                                        f"by the distributor (customer order {co.number})",
                "date_added": now}, now=now)
            hit = self.sql(f"UPDATE {self.qt('order')} SET order_status_id = :new, "
                           f"date_modified = :now WHERE order_id = :o AND order_status_id = :old",
                           new=self.settings.cancelled_status_id, now=now, o=order_id, old=status)
            if hit.rowcount != 1:  # the supplier changed it this very moment
                raise OXError("OX-WRT-004", order=co.number, supplier=self.supplier.id,
                              remote=order_id, status="another status",
                              allowed=", ".join(map(str, self.settings.cancellable_status_ids)),
                              setting="cancellable_status_ids")

        self.in_transaction(run, self.write_locks([transfer], None))
