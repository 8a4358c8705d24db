"""`[mail]` and a supplier's `[suppliers.X.database]` (with its `ssh` tunnel): how orderexchange
reaches a mail server and a shop database."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import ConfigDict, Field, SecretStr
from sqlalchemy.engine import URL, make_url

from ..host_keys import HostKeyPin
from .base import _Strict, _as_list


class MailConfig(_Strict):
    transport: str = "file"
    sender: str | None = Field(default=None, alias="from")
    # file transport
    outbox: Path | None = None
    # smtp transport
    host: str = "localhost"
    port: int | None = None
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = None
    verify: bool = True
    #: security = "starttls": "required" refuses a server that does not offer STARTTLS;
    #: "opportunistic" then sends unencrypted (and never logs in over such a link)
    starttls: Literal["required", "opportunistic"] = "required"
    #: name sent with EHLO (default: this machine's FQDN); set it when a server refuses EHLO
    local_hostname: str | None = None
    #: transient failures (4xx, dropped connection, timeout) are retried this often per message,
    #: waiting retry_delay seconds, then twice that, …; the dispatch retries later on top of it
    retries: int = Field(default=2, ge=0, le=10)
    retry_delay: float = Field(default=2.0, ge=0, le=300)
    # templates
    #: folder of templates overriding the shipped ones (`<lang>/notification.txt.j2`, …)
    template_folder: Path | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return {"tls": 465, "starttls": 587, "none": 25}[self.security]


class SshConfig(_Strict):
    """`[suppliers.X.database.ssh]`: reach the shop database through the supplier's SSH server,
    as MySQL Workbench's "TCP/IP over SSH" does (docs/connectivity.md).

    The host key is pinned here, never learnt: an unknown or changed key stops the connection
    with the fingerprint to compare (OX-SSH-002/003)."""

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    user: str
    #: private key file (OpenSSH format; relative to the config file's folder)
    key_file: Path | None = None
    #: only as ${ENV_VAR}
    key_passphrase: SecretStr | None = None
    #: also offer the keys of the running ssh-agent ($SSH_AUTH_SOCK)
    agent: bool = False
    #: only as ${ENV_VAR}; a key is better
    password: SecretStr | None = None
    #: the server's host key: "ssh-ed25519 AAAA…", a known_hosts line or "SHA256:…" (several
    #: while the server is re-keyed). Empty: the first connection is refused, showing the key
    host_key: list[str] = Field(default_factory=list)
    #: seconds between keep-alive messages on an idle tunnel (0: none)
    keepalive: int = Field(default=30, ge=0, le=3600)
    #: seconds for the TCP connect, the SSH handshake and opening the tunnel
    timeout: float = Field(default=10.0, gt=0, le=300)
    #: the database as seen from the SSH server (default: the URL's host and port)
    remote_host: str | None = None
    remote_port: int | None = Field(default=None, ge=1, le=65535)

    @pydantic.field_validator("host_key", mode="before")
    @classmethod
    def _host_keys(cls, value: Any) -> Any:
        for text in _as_list(value):
            HostKeyPin.parse(text)  # ValueError names what is wrong
        return _as_list(value)

    @pydantic.model_validator(mode="after")
    def _some_way_to_log_in(self) -> SshConfig:
        if self.key_file is None and not self.agent and self.password is None:
            raise ValueError("give key_file, agent = true or password (as ${ENV_VAR})")
        return self

    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


#: the only shop driver that can speak through an SSH channel (PyMySQL takes a socket object)
_SSH_DRIVERS = {"mysql+pymysql", "mariadb+pymysql"}


class DatabaseConfig(_Strict):
    """A supplier shop database: an SQLAlchemy URL *without* password, plus the password apart,
    how the connection is encrypted (`tls`, or an SSH tunnel) and whom to trust."""

    url: str
    password: SecretStr | None = None
    connect_timeout: int = 10
    #: "verify": TLS with the server certificate checked against ca_file (or the system's CAs)
    #: and the URL's host; "required": TLS, certificate not checked; "off": no TLS.
    #: Unset: ca_file given → "verify"; ssl_… URL parameters → as they say; else TLS when the
    #: server offers it, unverified (the driver's default)
    tls: Literal["verify", "required", "off"] | None = None
    #: PEM file of the CA that signed the database server's certificate
    ca_file: Path | None = None
    ssh: SshConfig | None = None

    @pydantic.field_validator("url")
    @classmethod
    def _no_password_in_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except Exception as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.password:
            raise ValueError("the URL holds a password; put it in `password` (may be ${ENV_VAR})")
        return value

    @pydantic.model_validator(mode="after")
    def _one_way_to_encrypt(self) -> DatabaseConfig:
        url = make_url(self.url)
        legacy = self.legacy_ssl_parameters()
        if legacy and (self.tls is not None or self.ca_file is not None):
            raise ValueError(f"give tls / ca_file or the URL parameters {', '.join(legacy)}, "
                             "not both (tls and ca_file replace them)")
        if self.ssh is not None:
            if url.drivername not in _SSH_DRIVERS:
                raise ValueError(f"an SSH tunnel needs a mysql+pymysql:// URL, not "
                                 f"{url.drivername}://")
            if legacy or self.tls in ("verify", "required") or self.ca_file is not None:
                raise ValueError("TLS inside the SSH tunnel is not supported: the tunnel "
                                 'encrypts already; set tls = "off" or remove [ssh]')
        return self

    def legacy_ssl_parameters(self) -> list[str]:
        """The `ssl_…` URL parameters of the old TLS setting (still honoured)."""
        return sorted(k for k in make_url(self.url).query if k.startswith("ssl"))

    @property
    def effective_tls(self) -> str:
        """"verify" / "required" / "off"; "url" when ssl_… URL parameters decide; "preferred"
        when nothing is set (TLS if the server offers it, unverified)."""
        if self.tls is not None:
            return self.tls
        if self.ca_file is not None:
            return "verify"
        return "url" if self.legacy_ssl_parameters() else "preferred"

    def remote(self) -> tuple[str, int]:
        """The database as the SSH server reaches it."""
        url = make_url(self.url)
        ssh = self.ssh
        host = (ssh.remote_host if ssh else None) or url.host or "127.0.0.1"
        if host == "localhost":
            host = "127.0.0.1"  # over TCP, as PyMySQL would connect
        return host, (ssh.remote_port if ssh else None) or url.port or 3306

    def sqlalchemy_url(self) -> URL:
        url = make_url(self.url)
        if self.password is not None:
            url = url.set(password=self.password.get_secret_value())
        return url

    def where(self) -> str:
        """Host/port/database for messages; never contains the password."""
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            return f"sqlite file {url.database}"
        if self.ssh is not None:
            host, port = self.remote()
            return f"{host}:{port}/{url.database or ''} via SSH {self.ssh.where()}"
        return f"{url.host or 'localhost'}:{url.port or 3306}/{url.database or ''}"

    def missing_files(self) -> list[tuple[str, Path]]:
        """(key, path) of each configured file that does not exist: a config error, reported
        per supplier (`config check`, `test db`, the send) rather than stopping every load."""
        files = [("ca_file", self.ca_file)]
        if self.ssh is not None:
            files.append(("ssh.key_file", self.ssh.key_file))
        return [(key, path) for key, path in files if path is not None and not path.is_file()]
