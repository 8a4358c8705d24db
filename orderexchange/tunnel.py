"""SSH tunnel to a supplier's shop database: one SSH connection per supplier batch.

Why: a shop's MySQL/MariaDB usually listens only on the shop server's localhost; every database
tool an admin knows reaches it "TCP/IP over SSH". Here each database connection is one
`direct-tcpip` channel of that SSH connection, handed to PyMySQL as its socket — no local port
is opened (no other local user can ride the tunnel) and no thread is started beyond paramiko's
one per SSH connection, which `close` ends.

Each step is its own stage of `orderexchange test db` with its own code: SSH reachable
(OX-SSH-001), host key matches (002 unknown / 003 changed), SSH login (004, 007 for an unusable
key), tunnel opened (005 refused / 006 database not reachable from there). The host key is
pinned in the config and compared here; it is never learnt silently.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OXError
from .host_keys import HostKeyPin, _blob_type, fingerprint

if TYPE_CHECKING:
    import paramiko

    from .config import DatabaseConfig, SshConfig

#: (stage name, detail) — called after each stage that passed
OnStage = Callable[[str, str], None]

#: the `test db` stage each code belongs to
STAGE_OF_CODE = {"OX-SSH-001": "SSH reachable",
                 "OX-SSH-002": "host key matches", "OX-SSH-003": "host key matches",
                 "OX-SSH-004": "SSH login", "OX-SSH-007": "SSH login",
                 "OX-SSH-005": "tunnel opened", "OX-SSH-006": "tunnel opened"}

#: host key algorithms that present a key of this type
_ALGORITHMS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}


def known_hosts_line(host: str, port: int, key_type: str, key_base64: str) -> str:
    """The line OpenSSH's known_hosts holds for this server."""
    name = host if port == 22 else f"[{host}]:{port}"
    return f"{name} {key_type} {key_base64}"


def authorized_keys_line(public_key: str, target: tuple[str, int]) -> str:
    """The supplier's authorized_keys line for our key: only a tunnel to the database —
    no shell, no other forwarding (`restrict`, OpenSSH 7.2+), `permitopen` to that address."""
    host, port = target
    return f'restrict,port-forwarding,permitopen="{host}:{port}" {public_key}'


def public_key_of(ssh: SshConfig) -> str | None:
    """Our public key line for `ssh.key_file` ("ssh-ed25519 AAAA… comment"): the `.pub` beside
    it, else derived from the private key. None when no key file is set or it cannot be read."""
    if ssh.key_file is None:
        return None
    pub = Path(str(ssh.key_file) + ".pub")
    if pub.is_file():
        line = pub.read_text(encoding="utf-8", errors="replace").strip()
        if line:
            return line
    try:
        key = _load_key(ssh)
    except OXError:
        return None
    return f"{key.get_name()} {key.get_base64()}"


def _load_key(ssh: SshConfig, supplier: str = "?") -> paramiko.PKey:
    import paramiko

    assert ssh.key_file is not None
    passphrase = ssh.key_passphrase.get_secret_value().encode() if ssh.key_passphrase else None
    try:
        return paramiko.PKey.from_path(str(ssh.key_file), password=passphrase)
    except paramiko.PasswordRequiredException:
        detail = "it is protected by a passphrase and key_passphrase is not set"
    except (OSError, paramiko.SSHException, ValueError) as exc:
        # never the passphrase: paramiko's messages name only the problem
        if isinstance(exc, OSError):
            detail = _brief(exc)
        elif ssh.key_passphrase is not None:
            # paramiko cannot tell a wrong passphrase from a broken file
            detail = "the passphrase does not open it (or it is no private key)"
        else:
            detail = f"not a private key paramiko reads ({_brief(exc)})"
    raise OXError("OX-SSH-007", supplier=supplier, path=ssh.key_file, detail=detail)


class SshTunnel:
    """The SSH connection of one supplier batch; `channel()` is one database connection."""

    def __init__(self, supplier_id: str, database: DatabaseConfig,
                 on_stage: OnStage | None = None) -> None:
        assert database.ssh is not None
        self.supplier = supplier_id
        self.ssh = database.ssh
        self.target = database.remote()
        self.on_stage = on_stage or (lambda _name, _detail: None)
        self._sock: socket.socket | None = None
        self._transport: paramiko.Transport | None = None
        self._agent: paramiko.Agent | None = None
        self._channels = 0

    @property
    def where(self) -> str:
        return f"{self.ssh.host}:{self.ssh.port}"

    def _facts(self) -> dict[str, Any]:
        target = f"{self.target[0]}:{self.target[1]}"
        key = public_key_of(self.ssh) or "<our public key: see `orderexchange supplier-setup`>"
        return {"supplier": self.supplier, "where": self.where, "user": self.ssh.user,
                "target": target, "authorized_keys": authorized_keys_line(key, self.target)}

    # -- open ------------------------------------------------------------------------------
    def open(self) -> None:
        """Connect, check the host key, log in. Raises OX-SSH-00x; nothing stays open then."""
        import paramiko

        try:
            self._connect()
            self._check_host_key()
            self._login()
            if self.ssh.keepalive:
                assert self._transport is not None
                self._transport.set_keepalive(self.ssh.keepalive)
        except OXError:
            self.close()
            raise
        except (paramiko.SSHException, EOFError, OSError) as exc:
            self.close()
            raise OXError("OX-SSH-001", supplier=self.supplier, where=self.where,
                          detail=_brief(exc)) from None

    def _connect(self) -> None:
        import paramiko

        try:
            self._sock = socket.create_connection((self.ssh.host, self.ssh.port),
                                                  timeout=self.ssh.timeout)
        except OSError as exc:
            raise OXError("OX-SSH-001", supplier=self.supplier, where=self.where,
                          detail=_brief(exc)) from None
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self.on_stage("SSH reachable", f"{self.where} answers")
        self._transport = paramiko.Transport(self._sock)
        # offer the pinned key types first, so a server with several host keys shows that one
        options = self._transport.get_security_options()
        pinned = [a for p in self._pins() if p.key_type
                  for a in _ALGORITHMS.get(p.key_type, (p.key_type,))]
        known = tuple(options.key_types)
        options.key_types = tuple(dict.fromkeys([a for a in pinned if a in known] + list(known)))
        self._transport.start_client(timeout=self.ssh.timeout)

    def _pins(self) -> list[HostKeyPin]:
        return [HostKeyPin.parse(text) for text in self.ssh.host_key]

    def _check_host_key(self) -> None:
        assert self._transport is not None
        key = self._transport.get_remote_server_key()
        blob = key.asbytes()
        offered = fingerprint(blob)
        key_type = _blob_type(blob)
        facts = {"supplier": self.supplier, "where": self.where, "fingerprint": offered,
                 "key": f"{key_type} {key.get_base64()}",
                 "keytype": key_type.removeprefix("ssh-").split("-")[0],
                 "line": known_hosts_line(self.ssh.host, self.ssh.port, key_type,
                                          key.get_base64())}
        pins = self._pins()
        if not pins:
            raise OXError("OX-SSH-002", **facts)
        if not any(pin.matches(blob) for pin in pins):
            raise OXError("OX-SSH-003", pinned=", ".join(p.fingerprint for p in pins), **facts)
        self.on_stage("host key matches", f"{offered} ({key_type}) matches the pinned key")

    def _login(self) -> None:
        import paramiko

        assert self._transport is not None
        transport, user = self._transport, self.ssh.user
        tried: list[str] = []
        keys: list[tuple[str, paramiko.PKey]] = []
        if self.ssh.key_file is not None:
            keys.append((f"key {self.ssh.key_file.name}", _load_key(self.ssh, self.supplier)))
        if self.ssh.agent:
            self._agent = paramiko.Agent()
            keys += [(f"agent key {fingerprint(k.asbytes())}", k) for k in self._agent.get_keys()]
        for label, key in keys:
            tried.append(label)
            try:
                transport.auth_publickey(user, key)
            except paramiko.AuthenticationException:
                continue
            if transport.is_authenticated():
                self.on_stage("SSH login", f"{self.ssh.where()} with {label}")
                return
        if self.ssh.password is not None:
            tried.append("password")
            try:
                transport.auth_password(user, self.ssh.password.get_secret_value())
            except paramiko.AuthenticationException:
                pass
            else:
                if transport.is_authenticated():
                    self.on_stage("SSH login", f"{self.ssh.where()} with password")
                    return
        raise OXError("OX-SSH-004", method=", ".join(tried) or "no key offered",
                      **self._facts())

    # -- use -------------------------------------------------------------------------------
    def channel(self) -> paramiko.Channel:
        """A new `direct-tcpip` channel to the database: one database connection's socket."""
        import paramiko

        transport = self._transport
        if transport is None or not transport.is_active():
            raise OXError("OX-SSH-001", supplier=self.supplier, where=self.where,
                          detail="the SSH connection was lost")
        try:
            chan = transport.open_channel("direct-tcpip", self.target, ("127.0.0.1", 0),
                                          timeout=self.ssh.timeout)
        except paramiko.ChannelException as exc:
            # RFC 4254 5.1: 1 = administratively prohibited (permitopen, AllowTcpForwarding)
            code = "OX-SSH-005" if exc.code == 1 else "OX-SSH-006"
            raise OXError(code, detail=exc.text or f"reason {exc.code}",
                          **self._facts()) from None
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise OXError("OX-SSH-001", supplier=self.supplier, where=self.where,
                          detail=_brief(exc)) from None
        self._channels += 1
        if self._channels == 1:
            self.on_stage("tunnel opened", f"{self.target[0]}:{self.target[1]} as seen from "
                                    f"{self.ssh.host}")
        return chan

    def connect_hook(self, dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        """SQLAlchemy `do_connect` listener: the PyMySQL connection, over a channel."""
        chan = self.channel()
        conn = dialect.loaded_dbapi.connect(*cargs, **dict(cparams, defer_connect=True))
        try:
            conn.connect(sock=chan)
        except BaseException:
            chan.close()
            raise
        return conn

    @property
    def is_active(self) -> bool:
        return self._transport is not None and self._transport.is_active()

    def close(self) -> None:
        """End the SSH connection: its thread is joined and its socket closed, also after the
        server went away (paramiko's own close skips both once the connection is dead)."""
        transport, self._transport = self._transport, None
        sock, self._sock = self._sock, None
        agent, self._agent = self._agent, None
        if transport is not None:
            try:
                transport.close()
            finally:
                if sock is not None:
                    sock.close()
                if transport.is_alive():
                    transport.join(timeout=self.ssh.timeout)
        elif sock is not None:
            sock.close()
        if agent is not None:
            agent.close()


def _brief(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else "") or type(exc).__name__
