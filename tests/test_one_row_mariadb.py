"""plugins/one_row.py against the real throwaway MariaDB: the driver-statement INSERT, UPDATE and
DELETE that OpenCart's single writes use must do exactly what shop_sql's `text()` versions do —
reserved names quoted (`order`, `key`, `default`), Decimal money exact, NULL as NULL, the new
auto-increment id, the rows matched — and a value holding `%` or `:name` is data, not syntax.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from orderexchange.plugins import one_row


def test_insert_update_delete_as_driver_statements(mariadb_db):
    engine = sa.create_engine(mariadb_db.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE `order` (`order_id` INT AUTO_INCREMENT PRIMARY KEY, "
                "`key` VARCHAR(40) NOT NULL, `default` TINYINT NOT NULL, "
                "`total` DECIMAL(15,4) NOT NULL, `note` TEXT NULL) ENGINE=MyISAM")
            first = one_row.insert_row(conn, "order", {
                "key": "100% :p0 %s", "default": 1, "total": Decimal("22.0400"), "note": None})
            second = one_row.insert_row(conn, "order", {
                "key": "b", "default": 0, "total": Decimal("0.1000"), "note": "x"})
            assert (first, second) == (1, 2)
            assert one_row.update_row(conn, "order", {"total": Decimal("51.1600"), "default": 0},
                                      {"order_id": first, "key": "100% :p0 %s"}) == 1
            assert one_row.update_row(conn, "order", {"default": 1}, {"order_id": 99}) == 0
            rows = conn.exec_driver_sql("SELECT `order_id`, `key`, `default`, `total`, `note` "
                                        "FROM `order` ORDER BY `order_id`").all()
            assert [tuple(r) for r in rows] == [
                (1, "100% :p0 %s", 0, Decimal("51.1600"), None),
                (2, "b", 0, Decimal("0.1000"), "x")]
            assert one_row.delete_rows(conn, "order", {"key": "b", "default": 0}) == 1
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM `order`").scalar() == 1
            conn.commit()
    finally:
        engine.dispose()
