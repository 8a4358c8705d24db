"""Activation codes: an offline-verifiable licence for one distributor.

Why signed codes: the host runs at the distributor's site, often without a route to the vendor, so
a licence must be checkable offline. The vendor signs the licence facts with an Ed25519 private
key that never leaves the vendor; the host carries only the public key (`_VENDOR_PUBLIC_KEY_PEM`)
and can therefore verify a code but never forge one.

Why a human format: codes are read out on the phone and typed from printed letters. The signed
bytes are written in Crockford base32 (no U; O, I and L are read as 0, 1, 1) in groups of five
characters plus one check character. A mistyped character is caught by its group's checksum and
reported as "typo in group N" instead of the opaque "invalid signature", which is kept for codes
whose groups are all intact but whose content was changed.

Layout of the signed token (all integers big-endian)::

    0   2  product marker b"OX"        -> OX-LIC-004 if it is another product's code
    2   1  format version (1)          -> OX-LIC-005 if newer than this host understands
    3   4  key id: SHA-256(raw public key)[:4]  -> OX-LIC-006 if no trusted key has this id
    7   2  length of the fields below  -> OX-LIC-003 if groups are missing or extra
    9      fields: issued u16, expires u16, max_suppliers u16 (dates are days since 2000-01-01,
           expires 0 = never, max_suppliers 0 = no limit), then licensee, distributor id and the
           comma-joined features, each as u8 length + UTF-8
    end 64 Ed25519 signature over everything before it  -> OX-LIC-007 if it does not verify

Expiry is deliberately not part of `decode` unless a `today` is passed: `orderexchange licence`
must still be able to show an expired licence, while `require` (called before build, send and
the daemon) refuses to work with one.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import OXError

__all__ = [
    "Licence", "decode", "encode", "ensure_valid", "require", "require_feature",
    "require_distributor", "require_connector", "stored", "check_supplier_limit", "key_id",
    "PRODUCT", "FORMAT_VERSION", "WARN_DAYS", "SETTING",
]

#: The vendor's public key (../shared/licence/vendor-ed25519-public.pem), built in on purpose:
#: a key read from a file or the config could be swapped by anyone who wants a free licence.
_VENDOR_PUBLIC_KEY_PEM = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEALTs2Uo71XzetK8GuBHa/M77V+zohKJezUhNzMu5sl80=
-----END PUBLIC KEY-----
"""

PRODUCT = b"OX"
FORMAT_VERSION = 1
#: `Licence.warning` starts nagging this many days before the licence expires.
WARN_DAYS = 14
#: the state-store setting that holds the activated code (`orderexchange activate`)
SETTING = "licence_code"

_EPOCH = date(2000, 1, 1)
_HEADER = struct.Struct(">2sB4sH")
_FIXED = struct.Struct(">HHH")
_SIG_LEN = 64
_GROUP_DATA = 5  # data characters per group; each group adds one check character
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_VALUE = {c: i for i, c in enumerate(_ALPHABET)} | {"O": 0, "I": 1, "L": 1}
_SEPARATORS = re.compile(r"[\s\-_]+")
_FEATURE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte id written into each code, so a foreign key gets its own error (OX-LIC-006)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:4]


def _load_public(key: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    if isinstance(key, Ed25519PublicKey):
        return key
    loaded = serialization.load_pem_public_key(key.encode() if isinstance(key, str) else key)
    if not isinstance(loaded, Ed25519PublicKey):
        raise TypeError("licence keys must be Ed25519")
    return loaded


def _key_table(keys: Iterable[Ed25519PublicKey | bytes | str]) -> dict[bytes, Ed25519PublicKey]:
    return {key_id(k): k for k in map(_load_public, keys)}


_trusted: dict[bytes, Ed25519PublicKey] = _key_table([_VENDOR_PUBLIC_KEY_PEM])


@contextmanager
def _trust_keys_for_tests(keys: Iterable[Ed25519PublicKey | bytes | str]) -> Iterator[None]:
    """Replace the trusted keys for the duration of a `with` block. Tests only.

    Why a function and not a setting: a config key or environment variable would let any user
    trust their own key and sign their own licence. Tests make their own key pair instead of
    needing the vendor's private key. The vendor key is *not* trusted inside the block.
    """
    global _trusted
    saved = _trusted
    _trusted = _key_table(keys)
    try:
        yield
    finally:
        _trusted = saved


# --- the licence -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Licence:
    """The facts a verified activation code grants. Only `decode` should make one."""

    licensee: str
    distributor_id: str
    issued: date
    #: last day on which the licence is valid; None = never expires
    expires: date | None
    #: most suppliers that may be active at once; None = no limit
    max_suppliers: int | None
    #: e.g. {"daemon", "oscommerce"}: optional host features and connector types
    features: frozenset[str]
    #: the code in canonical grouped form, as stored by `orderexchange activate`
    code: str

    def days_left(self, today: date | None = None) -> int | None:
        """Days until expiry: 0 on the last valid day, negative once expired, None if never."""
        if self.expires is None:
            return None
        return (self.expires - (today or date.today())).days

    def expired(self, today: date | None = None) -> bool:
        left = self.days_left(today)
        return left is not None and left < 0

    def warning(self, today: date | None = None) -> str | None:
        """A text to show when the licence expires within WARN_DAYS days or has expired.

        Only reports, never raises: the CLI and daemon print it so the distributor renews before
        `require` starts blocking sends.
        """
        left = self.days_left(today)
        if left is None or left > WARN_DAYS:
            return None
        if left < 0:
            err = OXError("OX-LIC-008", licensee=self.licensee, expires=self.expires.isoformat())
        else:
            err = OXError("OX-LIC-009", licensee=self.licensee, expires=self.expires.isoformat(),
                          days=left)
        return f"{err} {err.solution}"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready view for `orderexchange licence --json` and the state store."""
        return {
            "licensee": self.licensee,
            "distributor_id": self.distributor_id,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat() if self.expires else None,
            "max_suppliers": self.max_suppliers,
            "features": sorted(self.features),
            "code": self.code,
        }


# --- human form: grouped base32 with a check character per group -----------------------------
def _check_char(index: int, values: list[int]) -> int:
    """Luhn mod 32 over the group number and the group's characters.

    Luhn mod N catches every single mistyped character and most swapped neighbours; mixing in
    the group number also catches groups typed in the wrong order.
    """
    total, factor = 0, 2
    for v in reversed([index // 32, index % 32, *values]):
        addend = factor * v
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return (32 - total % 32) % 32


def _pack_groups(raw: bytes) -> str:
    """Bytes -> 'XXXXXC-XXXXXC-...' (C = check character)."""
    nbits = len(raw) * 8
    nchars = -(-nbits // 5)
    value = int.from_bytes(raw, "big") << (nchars * 5 - nbits)
    digits = [(value >> (5 * (nchars - 1 - i))) & 31 for i in range(nchars)]
    groups = []
    for n, start in enumerate(range(0, nchars, _GROUP_DATA), start=1):
        chunk = digits[start:start + _GROUP_DATA]
        groups.append("".join(_ALPHABET[d] for d in chunk) + _ALPHABET[_check_char(n, chunk)])
    return "-".join(groups)


def _unpack_groups(code: str) -> bytes:
    """The inverse of `_pack_groups`, reporting the first group that fails its check."""
    text = _SEPARATORS.sub("", code).upper()
    if not text:
        raise OXError("OX-LIC-003", detail="no code was given")
    size = _GROUP_DATA + 1
    digits: list[int] = []
    for n, start in enumerate(range(0, len(text), size), start=1):
        group = text[start:start + size]
        bad = [c for c in group if c not in _VALUE]
        if bad:
            raise OXError("OX-LIC-002", group=n, text=group,
                          detail=f"{bad[0]!r} is not a character used in codes")
        if len(group) < 2:
            raise OXError("OX-LIC-002", group=n, text=group, detail="the group is too short")
        values = [_VALUE[c] for c in group]
        if _check_char(n, values[:-1]) != values[-1]:
            raise OXError("OX-LIC-002", group=n, text=group,
                          detail="its check character does not match")
        digits += values[:-1]
    nbits = len(digits) * 5
    nbytes, spare = divmod(nbits, 8)
    value = 0
    for d in digits:
        value = value * 32 + d
    if spare >= 5 or value & ((1 << spare) - 1):
        raise OXError("OX-LIC-003", detail="the last group does not fit the code's length")
    return (value >> spare).to_bytes(nbytes, "big")


# --- encode / decode -------------------------------------------------------------------------
def _days(d: date | None, what: str) -> int:
    if d is None:
        return 0
    n = (d - _EPOCH).days
    if not 0 < n < 0x10000:
        raise ValueError(f"{what} {d} is outside 2000-01-02 .. 2179")
    return n


def _as_date(value: object, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} must be a date (YYYY-MM-DD), not {value!r}") from None


def _text(value: object, what: str) -> bytes:
    raw = str(value).strip().encode("utf-8")
    if not raw or len(raw) > 255:
        raise ValueError(f"{what} must be 1 to 255 bytes of UTF-8")
    return raw


def encode(payload: Mapping[str, object], private_key: Ed25519PrivateKey) -> str:
    """Sign licence facts into an activation code. Vendor side (tools/issue_licence.py) and tests.

    `payload` keys: licensee, distributor_id, issued (default today), expires (None = never),
    max_suppliers (None = no limit), features (iterable of names). Dates may be `date` objects
    or ISO strings, so `Licence.as_dict()` can be re-signed. Raises ValueError on bad facts:
    this runs at the vendor, a plain exception is the right feedback there.
    """
    issued = _as_date(payload.get("issued"), "issued") or date.today()
    expires = _as_date(payload.get("expires"), "expires")
    if expires is not None and expires < issued:
        raise ValueError(f"expires {expires} is before issued {issued}")
    max_suppliers = payload.get("max_suppliers")
    if max_suppliers is not None and not (
            isinstance(max_suppliers, int) and 0 < max_suppliers < 0x10000):
        raise ValueError("max_suppliers must be a whole number from 1 to 65535, or None")
    features = sorted({str(f).strip().lower() for f in payload.get("features") or ()})
    for f in features:
        if not _FEATURE.match(f):
            raise ValueError(f"feature {f!r} must be lower-case letters, digits, '_', '.' or '-'")
    fields = _FIXED.pack(_days(issued, "issued"), _days(expires, "expires"), max_suppliers or 0)
    for value, what in ((payload.get("licensee", ""), "licensee"),
                        (payload.get("distributor_id", ""), "distributor_id")):
        raw = _text(value, what)
        fields += bytes([len(raw)]) + raw
    raw_features = ",".join(features).encode()
    if len(raw_features) > 255:
        raise ValueError("features must fit in 255 bytes")
    fields += bytes([len(raw_features)]) + raw_features
    signed = _HEADER.pack(PRODUCT, FORMAT_VERSION, key_id(private_key.public_key()), len(fields))
    signed += fields
    return _pack_groups(signed + private_key.sign(signed))


def _parse_fields(fields: bytes, code: str) -> Licence:
    issued_n, expires_n, max_n = _FIXED.unpack_from(fields)
    pos = _FIXED.size
    texts = []
    for _ in range(3):
        n = fields[pos]
        texts.append(fields[pos + 1:pos + 1 + n].decode("utf-8"))
        pos += 1 + n
    if pos != len(fields) or not issued_n:
        raise ValueError("field lengths do not add up")
    licensee, distributor_id, features = texts
    return Licence(
        licensee=licensee,
        distributor_id=distributor_id,
        issued=_EPOCH + timedelta(days=issued_n),
        expires=_EPOCH + timedelta(days=expires_n) if expires_n else None,
        max_suppliers=max_n or None,
        features=frozenset(f for f in features.split(",") if f),
        code=code,
    )


def decode(code: str, today: date | None = None) -> Licence:
    """Verify an activation code offline and return its Licence.

    Accepts the code with any spacing, dashes and case. Raises OXError: OX-LIC-002 typo in a
    group, -003 incomplete, -004 another product, -005 newer format, -006 unknown key, -007
    altered, -012 unreadable. Expiry is only checked when `today` is given (then OX-LIC-008 via
    `ensure_valid`), so an expired licence can still be decoded and shown.
    """
    raw = _unpack_groups(code)
    canonical = _pack_groups(raw)
    if len(raw) < _HEADER.size:
        raise OXError("OX-LIC-003", detail="the code is too short")
    product, version, kid, length = _HEADER.unpack_from(raw)
    if product != PRODUCT:
        raise OXError("OX-LIC-004", marker=product.decode("latin-1"))
    if version != FORMAT_VERSION:
        raise OXError("OX-LIC-005", version=version, supported=FORMAT_VERSION)
    expected = _HEADER.size + length + _SIG_LEN
    if len(raw) != expected:
        missing = "groups are missing" if len(raw) < expected else "it has extra groups"
        raise OXError("OX-LIC-003", detail=missing)
    key = _trusted.get(kid)
    if key is None:
        raise OXError("OX-LIC-006", key_id=kid.hex())
    signed, signature = raw[:-_SIG_LEN], raw[-_SIG_LEN:]
    try:
        key.verify(signature, signed)
    except InvalidSignature:
        raise OXError("OX-LIC-007") from None
    try:
        licence = _parse_fields(signed[_HEADER.size:], canonical)
    except (ValueError, IndexError, struct.error) as exc:
        raise OXError("OX-LIC-012", detail=str(exc)) from None
    if today is not None:
        ensure_valid(licence, today)
    return licence


# --- checks the host makes -------------------------------------------------------------------
def ensure_valid(licence: Licence, today: date | None = None) -> Licence:
    """Raise OX-LIC-008 if the licence has expired (the expiry date itself is still valid)."""
    if licence.expired(today):
        raise OXError("OX-LIC-008", licensee=licence.licensee,
                      expires=licence.expires.isoformat())  # type: ignore[union-attr]
    return licence


def require_feature(licence: Licence, feature: str) -> None:
    """Raise OX-LIC-011 unless the licence includes `feature` (e.g. "daemon", "oscommerce")."""
    if feature not in licence.features:
        raise OXError("OX-LIC-011", feature=feature,
                      licensed=", ".join(sorted(licence.features)) or "no optional features")


def require_distributor(licence: Licence, distributor_id: str) -> Licence:
    """Raise OX-LIC-013 unless the licence was issued for this installation's distributor id.

    Why: the distributor id is the one fact that ties a code to one installation; without this
    check a code bought by one distributor activates every other installation too."""
    if licence.distributor_id != distributor_id:
        raise OXError("OX-LIC-013", licensee=licence.licensee, licensed=licence.distributor_id,
                      configured=distributor_id)
    return licence


def require_connector(licence: Licence | None, supplier_id: str, connector_type: str,
                      feature: str | None) -> None:
    """Raise OX-LIC-014 when a supplier's connector needs a feature the licence lacks.

    `feature` is the connector's `licence_feature()` (its type name for the vendor's shop
    connectors, None for mail-only). With no licence at all nothing is checked here: the
    commands that write or send refuse earlier with OX-LIC-001, and the demo runs without one.
    """
    if licence is None or feature is None or feature in licence.features:
        return
    raise OXError("OX-LIC-014", supplier=supplier_id, connector=connector_type, feature=feature,
                  licensed=", ".join(sorted(licence.features)) or "no optional features")


def stored(store: object) -> Licence | None:
    """The licence activated in a state store (`Store.get_setting`), or None before activation.

    Raises OXError when the stored code no longer verifies (e.g. a host built with another key).
    """
    code = store.get_setting(SETTING)  # type: ignore[attr-defined]
    return decode(code) if code else None


def check_supplier_limit(licence: Licence, active_suppliers: int) -> None:
    """Raise OX-LIC-010 if more suppliers are active than the licence allows."""
    if licence.max_suppliers is not None and active_suppliers > licence.max_suppliers:
        raise OXError("OX-LIC-010", active=active_suppliers, limit=licence.max_suppliers)


def require(licence: Licence | None, feature: str | None = None,
            today: date | None = None) -> Licence:
    """The gate before build, send and the daemon: activated (OX-LIC-001), not expired
    (OX-LIC-008) and, if `feature` is named, licensed for it (OX-LIC-011)."""
    if licence is None:
        raise OXError("OX-LIC-001")
    ensure_valid(licence, today)
    if feature is not None:
        require_feature(licence, feature)
    return licence

