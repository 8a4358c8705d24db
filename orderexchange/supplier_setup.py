"""`orderexchange supplier-setup SUPPLIER`: what to send the supplier's admin, from the config.

Why generated: the GRANT statements, the `authorized_keys` line with its `permitopen` and our
public key must agree with what orderexchange will do; written by hand on either side they drift.
The GRANTs come from the connector's own knowledge (the same `grant_groups` that `test db`
checks), the SSH line from `[suppliers.X.database.ssh]`. No secret is part of it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from .config import SupplierConfig
from .connector import Connector
from .tunnel import HostKeyPin, authorized_keys_line, public_key_of

#: stands where our public key goes when it cannot be read from the config
NO_KEY = "<our public key: set key_file under [suppliers.{id}.database.ssh]>"


def _agent_keys() -> list[str]:
    import paramiko

    agent = paramiko.Agent()
    try:
        return [f"{k.get_name()} {k.get_base64()}" for k in agent.get_keys()]
    finally:
        agent.close()


def collect(supplier: SupplierConfig, connector: Connector) -> dict[str, Any]:
    """Everything `supplier-setup` shows, as data (`--json` prints it as it is)."""
    out: dict[str, Any] = {"supplier": supplier.id, "name": supplier.name,
                           "connector": supplier.connector, "database": None, "ssh": None}
    db = supplier.database
    if db is None:
        return out
    url = make_url(db.url)
    database: dict[str, Any] = {"name": url.database, "where": db.where(), "grants": [],
                                "account": None, "create_user": None, "source": None}
    setup = getattr(connector, "setup_grants", None)
    if setup is not None:
        account, grants, source = setup()
        database.update(account=account, grants=grants, source=source,
                        create_user=f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY "
                                    "'<a new password, sent to us separately>';")
    out["database"] = database
    ssh = db.ssh
    if ssh is not None:
        public = public_key_of(ssh)
        keys = [public] if public else []
        if not keys and ssh.agent:
            keys = _agent_keys()
        keys = keys or [NO_KEY.format(id=supplier.id)]
        target = db.remote()
        pins = [HostKeyPin.parse(text).fingerprint for text in ssh.host_key]
        out["ssh"] = {
            "host": ssh.host, "port": ssh.port, "user": ssh.user,
            "tunnel_to": f"{target[0]}:{target[1]}",
            "public_keys": keys,
            "authorized_keys": [authorized_keys_line(key, target) for key in keys],
            "public_key_fingerprints": [_fingerprint_of(key) for key in keys],
            "host_key_pinned": pins,
        }
    return out


def _fingerprint_of(line: str) -> str | None:
    try:
        return HostKeyPin.parse(line).fingerprint
    except ValueError:
        return None


def render(data: dict[str, Any]) -> str:
    """The plain-text letter to the supplier's admin (printed without markup)."""
    lines = [f"What to send the admin of {data['name']} (supplier {data['supplier']}, "
             f"connector {data['connector']})", ""]
    db = data["database"]
    step = 1
    if db is None:
        lines.append("This supplier's connector writes no database: nothing to set up there.")
    elif db["grants"]:
        lines += [f"{step}. A database user for orderexchange, with only the privileges it "
                  f"needs, on database {db['name']} ({db['where']}):", "",
                  f"   {db['create_user']}"]
        lines += [f"   {grant}" for grant in db["grants"]]
        lines += ["", f"   ({db['source']})", ""]
        step += 1
    ssh = data["ssh"]
    if ssh is not None:
        user = ssh["user"]
        lines += [f"{step}. SSH access on {ssh['host']}:{ssh['port']} for user {user}: add this "
                  f"line to ~{user}/.ssh/authorized_keys", "   (it allows nothing but a tunnel "
                  f"to the database at {ssh['tunnel_to']}: no shell, no other forwarding):", ""]
        lines += [f"   {line}" for line in ssh["authorized_keys"]]
        lines += ["", "   Our public key" + ("s" if len(ssh["public_keys"]) > 1 else "") + ":"]
        lines += [f"   {key}" + (f"  ({fp})" if fp else "")
                  for key, fp in zip(ssh["public_keys"], ssh["public_key_fingerprints"])]
        step += 1
        lines += ["", f"{step}. Send us the fingerprint of the SSH server's host key "
                  "(`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server), so that "
                  "we can compare it with the one we pin:"]
        pinned = ", ".join(ssh["host_key_pinned"]) or "none yet (the first connection shows it)"
        lines.append(f"   pinned here: {pinned}")
    return "\n".join(lines).rstrip() + "\n"

