"""Pinned SSH host keys: parsing what a config may say (`ssh-ed25519 AAAA…`, a known_hosts line,
`SHA256:…`) and OpenSSH's fingerprint of a key.

A module of its own because the config validates its `host_key` values with it while the tunnel
compares them with the server's key: both need it, and the tunnel needs the config's types — here
neither imports the other for it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass


_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
              "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
              "sk-ecdsa-sha2-nistp256@openssh.com")


def fingerprint(blob: bytes) -> str:
    """OpenSSH's `SHA256:…` fingerprint of a public key blob (what `ssh-keygen -l` prints)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _blob_type(blob: bytes) -> str:
    """The key type a public key blob names in its first field."""
    if len(blob) < 4:
        raise ValueError("the key data is too short")
    (length,) = struct.unpack(">I", blob[:4])
    return blob[4:4 + length].decode("ascii", "replace")


@dataclass(frozen=True)
class HostKeyPin:
    """One pinned host key: a public key (type + blob) or only its SHA256 fingerprint."""

    fingerprint: str
    key_type: str | None = None
    blob: bytes | None = None

    @classmethod
    def parse(cls, text: str) -> HostKeyPin:
        """"SHA256:…", "ssh-ed25519 AAAA… [comment]" or a known_hosts line "host ssh-… AAAA…"."""
        text = text.strip()
        if text.startswith("SHA256:"):
            digest = text[len("SHA256:"):]
            try:
                raw = base64.b64decode(digest + "=" * (-len(digest) % 4), validate=True)
            except binascii.Error:
                raw = b""
            if len(raw) != 32:
                raise ValueError(f"{text!r} is not a SHA256 fingerprint as `ssh-keygen -l` "
                                 "prints it")
            return cls(fingerprint=text)
        tokens = text.split()
        if tokens and tokens[0].startswith("@"):
            raise ValueError(f"known_hosts markers ({tokens[0]}) are not supported; give the "
                             "key itself")
        start = next((i for i, t in enumerate(tokens[:2]) if t in _KEY_TYPES), None)
        if start is None or len(tokens) <= start + 1:
            raise ValueError("expected \"ssh-ed25519 AAAA…\", a known_hosts line or "
                             "\"SHA256:…\"")
        key_type, data = tokens[start], tokens[start + 1]
        try:
            blob = base64.b64decode(data, validate=True)
        except binascii.Error:
            raise ValueError(f"the {key_type} key is not base64") from None
        if _blob_type(blob) != key_type:
            raise ValueError(f"the key data is not a {key_type} key")
        return cls(fingerprint=fingerprint(blob), key_type=key_type, blob=blob)

    def matches(self, blob: bytes) -> bool:
        if self.blob is not None:
            return self.blob == blob
        return self.fingerprint == fingerprint(blob)
