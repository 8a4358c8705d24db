"""The directory's `fold` (orderexchange/store/key_directory.py) must equate at least what the
shop's `_ci` collations equate in a key the shop compares (`SUBSTR(…phone…, -6) IN (…)`): a
text the collation calls equal to the order's and `fold` did not would be a customer the
directory never names — a match lost. Coarser is harmless (the candidate is re-read)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderexchange.config.suppliers import SupplierConfig
from orderexchange.store.key_directory import customer_directory, digest, fold


@pytest.mark.parametrize("shop, order", [
    ("１２３４５６", "123456"),        # full-width digits (utf8mb4_unicode_ci)
    ("١٢٣٤٥٦", "123456"),              # Arabic-Indic digits: the same primary weights
    ("12\u200b3456", "123456"),        # an ignorable character
    ("123456 ", "123456"),             # PAD SPACE
    ("Straße", "STRASSE"),             # ß = ss (unicode_ci)
    ("Straße", "strase"),              # ß = s (general_ci)
    ("Müller", "MULLER"),              # accents (both)
    ("Æbelø", "aebelo"),               # ligature, stroke
])
def test_fold_equates_what_the_collations_equate(shop, order):
    assert fold(shop) == fold(order)
    assert digest(fold(shop)) == digest(fold(order))


def test_fold_keeps_different_digits_apart():
    assert fold("123456") != fold("123457")


def test_a_max_age_of_zero_means_no_directory():
    class Store:
        engine = None
    on = SupplierConfig.model_validate({"name": "A", "email": "a@example.com"})
    assert customer_directory(Store(), on).max_age == timedelta(hours=24)
    off = on.model_copy(update={"customer_directory_max_age_hours": 0})
    assert customer_directory(Store(), off) is None
