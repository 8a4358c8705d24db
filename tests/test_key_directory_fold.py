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


def _ascii_texts() -> list[str]:
    """Every ASCII character alone and in runs, and the phones, names and postcodes (what a
    shop's key columns hold) of realistic generated orders, made ASCII where they are not."""
    import orderdata
    texts = [chr(i) for i in range(128)] + ["".join(map(chr, range(128))), "Sss  sS\tss",
                                            "+49 (0)30/123-45.67", "\x00s\x7fS", ""]
    for order in orderdata.generate(200, seed=7).orders:
        c, b = order["customer"], order["billing"]
        for text in (c["phone"], c["first_name"], c["last_name"], b["postcode"], b["street"]):
            texts += [text, text.encode("ascii", "replace").decode(), text[-6:]]
    return [t for t in texts if t.isascii()]


def test_fold_of_ascii_takes_the_short_way_with_the_same_result():
    from orderexchange.store.key_directory import _fold_ascii, _fold_unicode
    texts = _ascii_texts()
    assert len(texts) > 1000
    for text in texts:
        assert _fold_ascii(text) == _fold_unicode(text), repr(text)
        assert fold(text) == _fold_unicode(text)
