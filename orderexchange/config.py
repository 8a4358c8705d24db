"""The TOML config, validated up front so a mistake is reported by its key path before any work.

Secrets may be written as `${ENV_VAR}`; they are resolved here into pydantic `SecretStr`, whose
repr is masked, so a password cannot reach a log line or an error message by accident.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import platformdirs
import pycountry
import pydantic
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy.engine import URL, make_url

from .errors import OXError

APP = "orderexchange"
ENV_CONFIG = "ORDEREXCHANGE_CONFIG"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def default_config_path() -> Path:
    """`$ORDEREXCHANGE_CONFIG`, else the platform config dir (~/.config/orderexchange/config.toml)."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def default_store_url() -> str:
    return "sqlite:///" + str(Path(platformdirs.user_data_dir(APP)) / "state.sqlite")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DistributorConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    name: str
    email: str
    reply_to: str | None = None


class StoreConfig(_Strict):
    url: str = Field(default_factory=default_store_url)


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
        from .tunnel import HostKeyPin

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


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _iso_currency(value: str) -> str:
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
    return code


def _iso_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, AT)")
    return code


class CustomerTemplate(_Strict):
    """`[suppliers.X.customer_template]`: what a customer created in that shop starts with.

    Like a point-of-sale default customer: new customers inherit group, language and currency,
    and never get marketing consent they did not give in the supplier's shop.
    """

    newsletter: bool = False
    #: customer group / status id in the supplier shop (connector maps it to its column)
    group: int | str | None = None
    language: str | None = None
    currency: str | None = None
    #: further literal column values for the shop's customer table, e.g. {customers_gender = "d"}
    columns: dict[str, str | int] = Field(default_factory=dict)

    @pydantic.field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return None if value is None else _iso_currency(value)

    @pydantic.field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str | int]) -> dict[str, str | int]:
        bad = [k for k in value if not _IDENTIFIER.match(k)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a column name (letters, digits, _)")
        return value


class NotificationConfig(_Strict):
    """`[suppliers.X.notification]`: what the supplier's email carries (docs/mail.md)."""

    #: order documents attached to each notification: csv, ubl, pdf, opentrans.
    #: Unset: none for shop connectors, ["pdf", "csv"] for the mail-only connector
    attachments: list[Literal["csv", "ubl", "pdf", "opentrans"]] | None = None
    #: further recipients of every email to this supplier (its `email` is the To address)
    cc: list[str] = Field(default_factory=list)
    #: Reply-To for this supplier (default: distributor.reply_to, else distributor.email)
    reply_to: str | None = None
    #: templates for this supplier only, searched before [mail] template_folder
    template_folder: Path | None = None
    #: one email a day listing every supplier order, instead of one email per supplier order
    digest: bool = False
    #: local time (HH:MM) the daemon sends the digest
    digest_at: str = Field(default="17:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    #: the distributor's customer number at this supplier (in the email and the documents)
    customer_number: str | None = None
    #: Peppol participant ids "scheme:value" (e.g. "0088:4000001000005") for the UBL Order;
    #: unset: the email addresses are used (scheme EM)
    peppol_buyer_id: str | None = Field(default=None, pattern=r"^[0-9A-Z]{2,4}:\S+$")
    peppol_seller_id: str | None = Field(default=None, pattern=r"^[0-9A-Z]{2,4}:\S+$")
    csv_delimiter: str = Field(default=";", min_length=1, max_length=1)
    csv_encoding: str = "utf-8"
    csv_decimal: Literal[".", ","] = "."
    #: CSV columns in this order; `orderexchange config check` lists the known names
    csv_columns: list[str] | None = None
    #: "auto" (a Unicode TTF font found on this machine, else Helvetica), "core" (Helvetica,
    #: characters outside Windows-1252 transliterated) or the path of a .ttf file
    pdf_font: str = "auto"

    @pydantic.field_validator("cc", mode="before")
    @classmethod
    def _cc(cls, value: Any) -> Any:
        import email_validator

        out = []
        for address in _as_list(value):
            try:
                email_validator.validate_email(address, check_deliverability=False)
            except email_validator.EmailNotValidError as exc:
                raise ValueError(f"{address!r} is not an email address: {exc}") from None
            out.append(address.strip())
        return out

    @pydantic.field_validator("csv_encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"{value!r} is not a known encoding (e.g. utf-8, cp1252)") from None

    @pydantic.field_validator("csv_columns")
    @classmethod
    def _columns(cls, value: list[str] | None) -> list[str] | None:
        from .documents import CSV_COLUMNS

        if value is not None:
            unknown = [c for c in value if c not in CSV_COLUMNS]
            if unknown or not value:
                what = f"unknown column {unknown[0]!r}" if unknown else "no columns"
                raise ValueError(f"{what}; known: {', '.join(CSV_COLUMNS)}")
        return value


class SupplierConfig(_Strict):
    id: str = ""
    name: str
    email: str
    active: bool = True
    connector: str = "oscommerce"
    language: str = "en"
    shipping_cost: Decimal = Decimal("0")
    #: VAT rate (percent) on `shipping_cost`: in the shop's tax rows and totals and in the
    #: documents (German suppliers charge VAT on shipping; 0: untaxed)
    shipping_tax_rate: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    #: ISO 4217 currency of this supplier's purchase prices (catalogue rows without a `currency`
    #: column) and of `shipping_cost`; connectors convert them with the shop's own rates
    price_currency: str = "EUR"
    database: DatabaseConfig | None = None
    settings: dict[str, Any] = Field(default_factory=dict, alias="connector_settings")

    # -- step 1 rules (empty / zero / None = the rule is off) ----------------------------------
    #: currencies (ISO 4217) this supplier accepts; empty: any the shop knows
    currencies: list[str] = Field(default_factory=list)
    #: destination countries (ISO 3166-1 alpha-2) this supplier delivers to; empty: any
    countries: list[str] = Field(default_factory=list)
    #: minimum net purchase value of one supplier order; build holds lines back below it
    min_order_value: Decimal = Field(default=Decimal("0"), ge=0)
    #: customer-order statuses that release an order to this supplier, e.g. ["paid"]; empty: any
    trigger: list[str] = Field(default_factory=list)
    #: at most this many customer orders per supplier order; a build with more makes several
    #: (one notification email each stays readable and below mail servers' size limits)
    max_customer_orders: int = Field(default=500, ge=1)
    #: what a blocking step-1 finding of one customer order stops: "order" holds that order alone
    #: and sends the others; "supplier_order" stops the whole supplier order (all or nothing)
    hold_policy: Literal["order", "supplier_order"] = "order"
    #: warn about customer orders older than this many days (0: never)
    max_order_age_days: int = Field(default=30, ge=0)
    #: refuse lines the supplier shop has not enough stock for
    check_stock: bool = False
    #: allowed deviation (percent) of our purchase price from the shop's product price
    price_tolerance: Decimal | None = Field(default=None, ge=0)
    price_mismatch: Literal["warning", "error"] = "warning"

    # -- who the customer of an inserted order is ------------------------------------------------
    customer_policy: Literal["customer", "distributor", "guest"] = "customer"
    #: the distributor's own customer account in this shop (customer_policy = "distributor")
    distributor_customer_id: int | str | None = None
    #: the shop's pseudo customer for guest orders (customer_policy = "guest")
    guest_customer_id: int | str | None = None
    customer_template: CustomerTemplate = Field(default_factory=CustomerTemplate)
    #: put an order on a shop account found by phone / by first + last name and postcode, although
    #: its email differs (maybe another person). Off: the order gets a new shop customer and
    #: step 1 warns, naming the account (OX-CHK-040). Email and customer number always match.
    match_phone: bool = False
    match_name_postcode: bool = False
    #: update a matched shop customer's name, phone and default address from each order written
    #: onto the account (a later order wins). Off (the default): the account is never changed;
    #: each shop order carries its own customer and addresses. osCommerce family only.
    update_customer: bool = False
    #: the notification email: attachments, recipients, templates, digest
    notification: NotificationConfig = Field(default_factory=NotificationConfig)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @pydantic.field_validator("currencies", mode="before")
    @classmethod
    def _currencies(cls, value: Any) -> Any:
        return [_iso_currency(v) for v in _as_list(value)]

    @pydantic.field_validator("price_currency", mode="before")
    @classmethod
    def _price_currency(cls, value: Any) -> Any:
        return _iso_currency(str(value))

    @pydantic.field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value: Any) -> Any:
        return [_iso_country(v) for v in _as_list(value)]

    @pydantic.field_validator("trigger", mode="before")
    @classmethod
    def _trigger(cls, value: Any) -> Any:
        return [str(v).strip().casefold() for v in _as_list(value) if str(v).strip()]

    @pydantic.model_validator(mode="after")
    def _policy_needs_its_account(self) -> SupplierConfig:
        needed = {"distributor": "distributor_customer_id", "guest": "guest_customer_id"}
        key = needed.get(self.customer_policy)
        if key and getattr(self, key) in (None, ""):
            raise ValueError(f'customer_policy = "{self.customer_policy}" needs {key} '
                             f"(the customer id of that account in the supplier's shop)")
        return self

    def releases(self, shop_status: str) -> bool:
        """Whether a customer order with this status may go to this supplier (its trigger)."""
        return not self.trigger or shop_status.strip().casefold() in self.trigger


def _as_list(value: Any) -> Any:
    """`countries = "DE"` reads as well as `countries = ["DE", "AT"]`."""
    if isinstance(value, str):
        return [value]
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list of strings")
    if not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return value


class SourceConfig(_Strict):
    """`[sources.<name>]`: an order source of a plug-in type, with that type's settings."""

    type: str
    settings: dict[str, Any] = Field(default_factory=dict)


class JobConfig(_Strict):
    """One scheduled job of the daemon: `every` seconds, or a 5-field `cron` expression."""

    every: float | None = Field(default=None, gt=0)
    cron: str | None = None
    enabled: bool = True

    @pydantic.model_validator(mode="after")
    def _one_trigger(self) -> JobConfig:
        if self.enabled and (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of `every` (seconds) or `cron`")
        return self


def _default_jobs() -> dict[str, JobConfig]:
    return {"fetch": JobConfig(every=60), "build": JobConfig(every=300),
            "send": JobConfig(every=60),
            # read-back asks every supplier shop: off until the distributor turns it on
            "sync": JobConfig(every=900, enabled=False)}


class RetryConfig(_Strict):
    attempts: int = Field(default=4, ge=1, le=20)
    initial_seconds: float = Field(default=0.5, ge=0)
    max_seconds: float = Field(default=30.0, ge=0)


class DaemonConfig(_Strict):
    """`[daemon]`: what runs on its own, how many suppliers at once, and how claims expire."""

    jobs: dict[Literal["fetch", "build", "send", "sync"], JobConfig] = Field(
        default_factory=_default_jobs)
    concurrency: int = Field(default=4, ge=1, le=64)   # suppliers sent to in parallel
    lease_seconds: float = Field(default=120, gt=0)     # caps a claim's lease (3 heartbeats)
    heartbeat_seconds: float = Field(default=15, gt=0)
    misfire_grace_seconds: int = Field(default=300, ge=1)
    stop_timeout_seconds: float = Field(default=60, gt=0)
    #: customer orders written per shop transaction by connectors that batch (multi-row inserts);
    #: a failed chunk is retried order by order, so one bad order never blocks the others
    write_batch: int = Field(default=100, ge=1, le=1000)
    log_format: Literal["text", "json"] = "text"
    retry: RetryConfig = Field(default_factory=RetryConfig)


class Config(_Strict):
    distributor: DistributorConfig
    store: StoreConfig = Field(default_factory=StoreConfig)
    mail: MailConfig = Field(default_factory=MailConfig)
    plugin_folder: Path | None = None
    suppliers: dict[str, SupplierConfig] = Field(default_factory=dict)
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    #: where the file was read from; relative paths in it are relative to its folder
    path: Path | None = None

    def price_currencies(self) -> dict[str, str]:
        """Supplier id → its `price_currency`: the currency of catalogue rows without one."""
        return {sid: s.price_currency for sid, s in self.suppliers.items()}

    def supplier(self, supplier_id: str) -> SupplierConfig:
        try:
            return self.suppliers[supplier_id]
        except KeyError:
            raise OXError("OX-CFG-006", supplier=supplier_id,
                          known=", ".join(sorted(self.suppliers)) or "(none)") from None


def _resolve_env(value: Any, key: str, missing: list[OXError] | None = None) -> Any:
    """`${VAR}` references replaced; an unset variable raises OX-CFG-005, or, given a
    `missing` list, is collected there (and left empty) so `config check` names them all."""
    if isinstance(value, dict):
        return {k: _resolve_env(v, f"{key}.{k}" if key else k, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_env(v, f"{key}[{i}]", missing) for i, v in enumerate(value)]
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in os.environ:
                if missing is None:
                    raise OXError("OX-CFG-005", key=key, var=var)
                missing.append(OXError("OX-CFG-005", key=key, var=var))
                return ""
            return os.environ[var]
        return _ENV_REF.sub(sub, value)
    return value


def _reshape(raw: dict[str, Any]) -> dict[str, Any]:
    """TOML layout → model layout: `[suppliers.X.connector]` table becomes connector settings."""
    data = dict(raw)
    plugins = data.pop("plugins", None)
    if isinstance(plugins, dict) and "folder" in plugins:
        data["plugin_folder"] = plugins["folder"]
    suppliers = {}
    for sid, sup in (data.get("suppliers") or {}).items():
        if isinstance(sup, dict):
            sup = dict(sup, id=sid)
            conn = sup.get("connector")
            if isinstance(conn, dict):
                sup["connector_settings"] = {k: v for k, v in conn.items() if k != "type"}
                sup["connector"] = conn.get("type", "oscommerce")
        suppliers[sid] = sup
    if suppliers:
        data["suppliers"] = suppliers
    sources = {}
    for name, src in (data.get("sources") or {}).items():
        if isinstance(src, dict):
            src = {"type": src.get("type"), "settings": {k: v for k, v in src.items() if k != "type"}}
        sources[name] = src
    if sources:
        data["sources"] = sources
    return data


def _key_path(loc: tuple[Any, ...]) -> str:
    parts = []
    for item in loc:
        if item == "connector_settings":
            item = "connector"
        elif item == "settings":
            continue
        elif item == "plugin_folder":
            parts.append("plugins")
            item = "folder"
        parts.append(str(item))
    return ".".join(parts)


#: secrets that must not be written into the file itself (issue 18)
_ENV_ONLY = ("password", "key_passphrase")


def _secrets_from_env_only(raw: dict[str, Any]) -> None:
    """`[suppliers.X.database.ssh]` password / key_passphrase only as `${ENV_VAR}`: a login
    to the supplier's server must not lie in a config file that is copied and mailed around."""
    for sid, sup in (raw.get("suppliers") or {}).items():
        db = sup.get("database") if isinstance(sup, dict) else None
        ssh = db.get("ssh") if isinstance(db, dict) else None
        if not isinstance(ssh, dict):
            continue
        for key in _ENV_ONLY:
            value = ssh.get(key)
            if value is not None and not (isinstance(value, str) and
                                          _ENV_REF.fullmatch(value.strip())):
                raise OXError("OX-CFG-004", key=f"suppliers.{sid}.database.ssh.{key}",
                              detail="a secret written into the file",
                              hint="write it as ${ENV_VAR} and export that variable.")


def _relative_to(base: Path, path: Path | None) -> Path | None:
    return path if path is None or path.is_absolute() else base / path


def _validation_error(err: Any) -> OXError:
    """One pydantic error as its coded error; never echoes the input value (maybe a secret)."""
    key = _key_path(err["loc"])
    if err["type"] == "missing":
        return OXError("OX-CFG-003", key=key)
    if err["type"] == "extra_forbidden":
        return OXError("OX-CFG-008", key=key)
    return OXError("OX-CFG-004", key=key, detail=err["msg"],
                   hint="see config.example.toml for the expected form.")


def problems(raw: dict[str, Any]) -> list[OXError]:
    """Every problem of a parsed config file at once (unset variables, missing, unknown and
    invalid keys), for `config check`; `from_dict` stops at the first."""
    missing: list[OXError] = []
    try:
        _secrets_from_env_only(raw)
    except OXError as exc:
        missing.append(exc)
    data = _reshape(_resolve_env(raw, "", missing))
    try:
        Config.model_validate(data)
    except pydantic.ValidationError as exc:
        missing_keys = {e.facts["key"] for e in missing}
        return missing + [e for e in map(_validation_error, exc.errors())
                          if e.facts["key"] not in missing_keys]
    return missing


def read_raw(path: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The config file parsed as TOML (OX-CFG-001 / -002), not yet validated."""
    path = Path(path) if path else default_config_path()
    if not path.exists():
        raise OXError("OX-CFG-001", path=path)
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise OXError("OX-CFG-002", path=path, detail=str(exc)) from None
    except UnicodeDecodeError as exc:
        raise OXError("OX-CFG-002", path=path, detail=f"not UTF-8 ({exc.reason})") from None


def from_dict(raw: dict[str, Any], path: Path | None = None) -> Config:
    _secrets_from_env_only(raw)
    data = _reshape(_resolve_env(raw, ""))
    try:
        config = Config.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _validation_error(exc.errors()[0]) from None
    config.path = path
    base = path.parent if path else Path.cwd()
    if config.mail.outbox is not None and not config.mail.outbox.is_absolute():
        config.mail.outbox = base / config.mail.outbox
    if config.plugin_folder is not None and not config.plugin_folder.is_absolute():
        config.plugin_folder = base / config.plugin_folder
    for supplier in config.suppliers.values():
        db = supplier.database
        if db is not None:
            db.ca_file = _relative_to(base, db.ca_file)
            if db.ssh is not None:
                db.ssh.key_file = _relative_to(base, db.ssh.key_file)
    if config.store.url.startswith("sqlite:///") and not config.store.url.startswith("sqlite:////"):
        rel = config.store.url[len("sqlite:///"):]
        if rel and rel != ":memory:":
            config.store.url = "sqlite:///" + str(base / rel)
    return config


def load(path: Path | None = None) -> Config:
    path, raw = read_raw(path)
    return from_dict(raw, path)


def example_text() -> str:
    """config.example.toml as shipped inside the package (identical to the repository's)."""
    from importlib.resources import files

    return files("orderexchange").joinpath("config.example.toml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def example_values() -> dict[str, Any]:
    """config.example.toml's values by dotted key (`distributor.name`, `mail.host`, ...): what
    `config check` and the sender compare a real config with, so an example value that was
    forgotten never reaches a supplier."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        else:
            flat[prefix] = value

    walk("", tomllib.loads(example_text()))
    return flat


def example_leftovers(config: Config) -> list[OXError]:
    """OX-CFG-011 for each value still as config.example.toml ships it where a supplier would
    see it: the distributor's name and reply address, the mail account, the shop's payment
    method. Only for real mail (smtp): the demo and file-outbox set-ups may keep them."""
    if config.mail.transport != "smtp":
        return []
    example = example_values()
    seen = {"distributor.name": config.distributor.name,
            "distributor.reply_to": config.distributor.reply_to,
            "mail.host": config.mail.host, "mail.user": config.mail.user}
    out = [OXError("OX-CFG-011", key=key, value=value) for key, value in seen.items()
           if value is not None and value == example.get(key)]
    payment = example.get("suppliers.alpha.connector.payment_method")
    out += [OXError("OX-CFG-011", key=f"suppliers.{sid}.connector.payment_method", value=payment)
            for sid, s in config.suppliers.items() if s.settings.get("payment_method") == payment]
    return out
