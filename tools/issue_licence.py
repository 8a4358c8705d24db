#!/usr/bin/env python3
"""Vendor tool: make the licence key pair and sign activation codes.

Not installed with the package: only the vendor signs codes. The private key is taken as a file
argument and written only where `keygen --out-private` says, so it never has to enter a
repository. Distributors activate the printed code with `orderexchange activate CODE`.

    python tools/issue_licence.py keygen --out-private ~/vendor/licence.pem --out-public pub.pem
    python tools/issue_licence.py sign --key ~/vendor/licence.pem --licensee "Müller GmbH" \\
        --distributor mueller-de --expires 2026-12-31 --max-suppliers 5 \\
        --feature daemon --feature oscommerce
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from orderexchange import licence  # noqa: E402


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: never overwrite a key; a lost private key invalidates every code it would verify.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def keygen(args: argparse.Namespace) -> int:
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_new(Path(args.out_private), private_pem, 0o600)
    _write_new(Path(args.out_public), public_pem, 0o644)
    print(f"key id {licence.key_id(key.public_key()).hex()}: private key {args.out_private} "
          f"(keep it out of every repository), public key {args.out_public}", file=sys.stderr)
    return 0


def sign(args: argparse.Namespace) -> int:
    key = serialization.load_pem_private_key(Path(args.key).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(f"{args.key} is not an Ed25519 private key")
    payload = {
        "licensee": args.licensee,
        "distributor_id": args.distributor,
        "issued": args.issued,
        "expires": args.expires,
        "max_suppliers": args.max_suppliers,
        "features": args.feature,
    }
    try:
        code = licence.encode(payload, key)
    except ValueError as exc:
        raise SystemExit(f"cannot sign: {exc}") from None
    print(code)
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("keygen", help="create an Ed25519 key pair for signing codes")
    p.add_argument("--out-private", required=True, metavar="PATH")
    p.add_argument("--out-public", required=True, metavar="PATH")
    p.set_defaults(func=keygen)

    p = sub.add_parser("sign", help="print an activation code")
    p.add_argument("--key", required=True, metavar="PRIVATE.pem")
    p.add_argument("--licensee", required=True, help="name of the licensed company")
    p.add_argument("--distributor", required=True,
                   help="distributor id of the installation (its [distributor] id: the code "
                        "activates only there)")
    p.add_argument("--issued", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--expires", type=_date, default=None,
                   help="last valid day, YYYY-MM-DD (default: never expires)")
    p.add_argument("--max-suppliers", type=int, default=None, metavar="N",
                   help="most active suppliers (default: no limit)")
    p.add_argument("--feature", action="append", default=[],
                   help="licensed feature, repeatable: daemon, or a connector type the distributor "
                        "may send through (oscommerce, opencart, oxid, generic_sql, "
                        "woocommerce, a plug-in's type); mail-only needs none")
    p.set_defaults(func=sign)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
