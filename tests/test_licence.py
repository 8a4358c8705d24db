"""Activation codes: signing, the human format, and the checks the host makes before it sends.

The tests make their own Ed25519 key pair and trust it through `_trust_keys_for_tests`; the
vendor's private key is never needed (../shared/licence/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orderexchange import licence as L
from orderexchange.errors import OXError

ROOT = Path(__file__).resolve().parent.parent
VENDOR_PEM = ROOT.parent / "shared" / "licence" / "vendor-ed25519-public.pem"
TODAY = date(2025, 6, 1)
PAYLOAD = {
    "licensee": "Müller Handels GmbH",
    "distributor_id": "mueller-de",
    "issued": date(2025, 1, 15),
    "expires": date(2025, 12, 31),
    "max_suppliers": 5,
    "features": ["daemon", "oscommerce"],
}


@pytest.fixture
def key() -> Ed25519PrivateKey:
    k = Ed25519PrivateKey.generate()
    with L._trust_keys_for_tests([k.public_key()]):
        yield k


def make(key: Ed25519PrivateKey, **changes: object) -> str:
    return L.encode({**PAYLOAD, **changes}, key)


@contextmanager
def raises(code: str, *solution_words: str):
    """Assert the coded error and that its solution says what to do."""
    with pytest.raises(OXError) as info:
        yield info
    err = info.value
    assert err.code == code, f"expected {code}, got {err}"
    assert err.solution and "{" not in err.message + err.solution, err.as_dict()
    for word in solution_words:
        assert word in err.solution, (word, err.solution)


def flip_bit(raw: bytes, index: int) -> bytes:
    return raw[:index] + bytes([raw[index] ^ 0x01]) + raw[index + 1:]


# --- valid codes -----------------------------------------------------------------------------
def test_valid_code_round_trip(key):
    code = make(key)
    lic = L.decode(code, today=TODAY)
    assert lic.licensee == "Müller Handels GmbH"
    assert lic.distributor_id == "mueller-de"
    assert lic.issued == date(2025, 1, 15)
    assert lic.expires == date(2025, 12, 31)
    assert lic.max_suppliers == 5
    assert lic.features == frozenset({"daemon", "oscommerce"})
    assert lic.code == code
    assert lic.days_left(TODAY) == 213
    assert lic.warning(TODAY) is None
    assert L.require(lic, "daemon", today=TODAY) is lic
    assert lic.as_dict() == {
        "licensee": "Müller Handels GmbH", "distributor_id": "mueller-de",
        "issued": "2025-01-15", "expires": "2025-12-31", "max_suppliers": 5,
        "features": ["daemon", "oscommerce"], "code": code,
    }
    # the dict form can be re-signed, e.g. for a renewal
    assert L.decode(L.encode(lic.as_dict(), key)).as_dict() == lic.as_dict()


def test_code_is_normalised(key):
    code = make(key)
    assert set(code) <= set(L._ALPHABET + "-")
    sloppy = "  " + code.lower().replace("-", " ").replace("0", "o").replace("1", "l") + "\n"
    assert L.decode(sloppy).code == code


def test_no_expiry_and_no_supplier_limit(key):
    lic = L.decode(make(key, expires=None, max_suppliers=None, features=[]))
    assert lic.expires is None and lic.max_suppliers is None and lic.features == frozenset()
    assert lic.days_left(date(2150, 1, 1)) is None
    assert lic.warning(date(2150, 1, 1)) is None
    L.require(lic, today=date(2150, 1, 1))
    L.check_supplier_limit(lic, 1000)


def test_built_in_key_is_the_vendor_key(key):
    if VENDOR_PEM.exists():
        assert L._VENDOR_PUBLIC_KEY_PEM.strip() == VENDOR_PEM.read_bytes().strip()
    vendor_id = L.key_id(L._load_public(L._VENDOR_PUBLIC_KEY_PEM))
    code = make(key)
    # outside the test seam only the vendor key is trusted again
    with L._trust_keys_for_tests([L._VENDOR_PUBLIC_KEY_PEM]):
        assert list(L._trusted) == [vendor_id]
        with raises("OX-LIC-006", "ask the vendor", "orderexchange activate CODE"):
            L.decode(code)


# --- expiry ----------------------------------------------------------------------------------
def test_expired_licence_still_decodes_but_blocks(key):
    code = make(key)
    after = date(2026, 1, 1)
    lic = L.decode(code)  # `orderexchange licence` can still show it
    assert lic.days_left(after) == -1
    L.ensure_valid(lic, date(2025, 12, 31))  # the expiry date itself is still valid
    with raises("OX-LIC-008", "renewal code", "orderexchange activate CODE"):
        L.ensure_valid(lic, after)
    with raises("OX-LIC-008", "orderexchange activate CODE") as info:
        L.decode(code, today=after)
    assert "2025-12-31" in info.value.message
    with raises("OX-LIC-008", "orderexchange activate CODE"):
        L.require(lic, today=after)
    assert lic.warning(after).startswith("OX-LIC-008")


def test_near_expiry_warning(key):
    lic = L.decode(make(key))
    assert lic.warning(date(2025, 12, 16)) is None  # 15 days left
    text = lic.warning(date(2025, 12, 17))  # 14 days left
    assert text.startswith("OX-LIC-009")
    assert "14 day(s) left" in text and "2025-12-31" in text
    assert "orderexchange activate CODE" in text
    assert "0 day(s) left" in lic.warning(date(2025, 12, 31))
    L.require(lic, today=date(2025, 12, 31))  # warns, does not block


# --- tampering, wrong product, wrong key -----------------------------------------------------
def test_payload_bit_flip_is_caught_by_the_signature(key):
    raw = L._unpack_groups(make(key))
    licensee_byte = L._HEADER.size + L._FIXED.size + 1
    tampered = L._pack_groups(flip_bit(raw, licensee_byte))
    L._unpack_groups(tampered)  # every group checksum is right: no typo
    with raises("OX-LIC-007", "exactly as", "new code"):
        L.decode(tampered)


def test_signature_bit_flip_is_caught(key):
    raw = L._unpack_groups(make(key))
    tampered = L._pack_groups(flip_bit(raw, len(raw) - 10))
    L._unpack_groups(tampered)
    with raises("OX-LIC-007", "exactly as", "new code"):
        L.decode(tampered)


def test_code_for_another_product(key):
    raw = L._unpack_groups(make(key))
    signed = b"XY" + raw[2:-64]
    other = L._pack_groups(signed + key.sign(signed))  # validly signed, but not for orderexchange
    with raises("OX-LIC-004", "orderexchange code", "vendor"):
        L.decode(other)


def test_newer_format_version(key):
    raw = L._unpack_groups(make(key))
    signed = raw[:2] + bytes([L.FORMAT_VERSION + 1]) + raw[3:-64]
    with raises("OX-LIC-005", "Update orderexchange"):
        L.decode(L._pack_groups(signed + key.sign(signed)))


def test_code_signed_with_an_untrusted_key(key):
    stranger = Ed25519PrivateKey.generate()
    with raises("OX-LIC-006", "ask the vendor", "orderexchange activate CODE") as info:
        L.decode(make(stranger))
    assert L.key_id(stranger.public_key()).hex() in info.value.message


# --- typos -----------------------------------------------------------------------------------
def test_typo_names_the_group(key):
    groups = make(key).split("-")
    g = groups[2]
    groups[2] = g[:1] + ("A" if g[1] != "A" else "B") + g[2:]
    with raises("OX-LIC-002", "group 3") as info:
        L.decode("-".join(groups))
    assert "group 3" in info.value.message
    assert info.value.facts["group"] == 3


def test_typo_without_separators_still_names_the_group(key):
    text = make(key).replace("-", "")
    text = text[:6 * 4 + 3] + ("Z" if text[6 * 4 + 3] != "Z" else "Y") + text[6 * 4 + 4:]
    with raises("OX-LIC-002", "group 5"):
        L.decode(text)


def test_every_single_typo_is_caught_in_its_group(key):
    code = make(key)
    for pos, ch in enumerate(code):
        if ch == "-":
            continue
        group = code[:pos].count("-") + 1
        for other in L._ALPHABET:
            if other == ch:
                continue
            with raises("OX-LIC-002", f"group {group}"):
                L.decode(code[:pos] + other + code[pos + 1:])


def test_character_not_in_alphabet(key):
    groups = make(key).split("-")
    groups[6] = "U" + groups[6][1:]
    with raises("OX-LIC-002", "group 7") as info:
        L.decode("-".join(groups))
    assert "'U'" in info.value.message


def test_swapped_groups_are_caught(key):
    groups = make(key).split("-")
    groups[1], groups[2] = groups[2], groups[1]
    with raises("OX-LIC-002", "group 2"):
        L.decode("-".join(groups))


def test_missing_last_groups(key):
    groups = make(key).split("-")
    with raises("OX-LIC-003", "whole code", "orderexchange activate CODE"):
        L.decode("-".join(groups[:-2]))
    with raises("OX-LIC-003", "whole code"):
        L.decode("   ")


# --- host checks -----------------------------------------------------------------------------
def test_not_activated():
    with raises("OX-LIC-001", "orderexchange activate CODE", "contact the vendor"):
        L.require(None)


def test_over_the_supplier_limit(key):
    lic = L.decode(make(key))
    L.check_supplier_limit(lic, 5)
    with raises("OX-LIC-010", "active = false", "orderexchange activate CODE") as info:
        L.check_supplier_limit(lic, 6)
    assert "6 suppliers are active, the licence allows 5" in info.value.message


def test_feature_not_licensed(key):
    lic = L.decode(make(key, features=["oscommerce"]))
    L.require_feature(lic, "oscommerce")
    with raises("OX-LIC-011", "includes daemon", "orderexchange activate CODE") as info:
        L.require_feature(lic, "daemon")
    assert "daemon" in info.value.message and "oscommerce" in info.value.message
    with raises("OX-LIC-011", "orderexchange licence"):
        L.require(lic, "daemon", today=TODAY)


def test_a_licence_works_only_for_its_distributor_id(key):
    lic = L.decode(make(key))
    assert L.require_distributor(lic, "mueller-de") is lic
    with raises("OX-LIC-013", "'schmidt-at'", "orderexchange activate CODE") as info:
        L.require_distributor(lic, "schmidt-at")
    assert "'mueller-de'" in info.value.message and "'schmidt-at'" in info.value.message


def test_a_connector_needs_its_feature(key):
    lic = L.decode(make(key, features=["daemon", "oscommerce"]))
    L.require_connector(lic, "alpha", "oscommerce", "oscommerce")
    L.require_connector(lic, "alpha", "mail-only", None)  # part of every licence
    L.require_connector(None, "alpha", "opencart", "opencart")  # gated earlier by OX-LIC-001
    with raises("OX-LIC-014", "'opencart'", "mail-only", "[suppliers.beta.connector]") as info:
        L.require_connector(lic, "beta", "opencart", "opencart")
    assert info.value.message.startswith("Supplier beta uses connector opencart")
    assert "daemon, oscommerce" in info.value.message


def test_encode_rejects_bad_facts(key):
    with pytest.raises(ValueError):
        make(key, max_suppliers=0)
    with pytest.raises(ValueError):
        make(key, features=["Daemon Mode"])
    with pytest.raises(ValueError):
        make(key, expires=date(2024, 1, 1))
    with pytest.raises(ValueError):
        make(key, licensee="")


# --- vendor tool -----------------------------------------------------------------------------
def test_vendor_tool_round_trip(tmp_path):
    tool = [sys.executable, str(ROOT / "tools" / "issue_licence.py")]
    private, public = tmp_path / "vendor.pem", tmp_path / "vendor.pub.pem"
    subprocess.run([*tool, "keygen", "--out-private", str(private), "--out-public", str(public)],
                   check=True, capture_output=True, text=True)
    assert private.stat().st_mode & 0o077 == 0
    refused = subprocess.run([*tool, "keygen", "--out-private", str(private),
                              "--out-public", str(tmp_path / "x.pem")], capture_output=True)
    assert refused.returncode != 0  # never overwrites a key

    expires = date.today() + timedelta(days=365)
    out = subprocess.run(
        [*tool, "sign", "--key", str(private), "--licensee", "Müller Handels GmbH",
         "--distributor", "mueller-de", "--expires", expires.isoformat(), "--max-suppliers", "3",
         "--feature", "daemon", "--feature", "oscommerce"],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    code = out.stdout.strip()

    pub = serialization.load_pem_public_key(public.read_bytes())
    with L._trust_keys_for_tests([pub]):
        lic = L.decode(code, today=date.today())
    assert (lic.licensee, lic.distributor_id, lic.expires, lic.max_suppliers, lic.issued) == (
        "Müller Handels GmbH", "mueller-de", expires, 3, date.today())
    assert lic.features == {"daemon", "oscommerce"}
    with raises("OX-LIC-006", "ask the vendor"):  # not trusted outside the seam
        L.decode(code)


def test_signed_but_unreadable_content_is_its_own_error(key):
    """A code correctly signed by a trusted key whose fields do not parse (a vendor-tool bug)."""
    fields = L._FIXED.pack(1, 0, 0) + bytes([200]) + b"too short"  # length byte lies
    signed = L._HEADER.pack(L.PRODUCT, L.FORMAT_VERSION, L.key_id(key.public_key()), len(fields))
    signed += fields
    code = L._pack_groups(signed + key.sign(signed))
    with raises("OX-LIC-012", "vendor"):
        L.decode(code)
