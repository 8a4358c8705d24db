"""The TOML config, validated up front so a mistake is reported by its key path before any work.

Secrets may be written as `${ENV_VAR}`; they are resolved here into pydantic `SecretStr`, whose
repr is masked, so a password cannot reach a log line or an error message by accident.

The schema is in parts by section — `connections` (`[mail]`, a supplier's database and SSH
tunnel), `suppliers` (`[suppliers.X]` with its notification), `base` (what they share); here are
the top level, the daemon's sections and the loading. Every name is importable from here.
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
import pydantic
from pydantic import Field

from ..errors import OXError
from .base import _iso_currency, _Strict
from .connections import DatabaseConfig, MailConfig, SshConfig
from .suppliers import CustomerTemplate, NotificationConfig, SupplierConfig

__all__ = [
    "APP", "ENV_CONFIG", "Config", "CustomerTemplate", "DaemonConfig", "DatabaseConfig",
    "DistributorConfig", "JobConfig", "MailConfig", "NotificationConfig", "RetryConfig",
    "SourceConfig", "SshConfig", "StoreConfig", "SupplierConfig", "default_config_path",
    "default_store_url", "example_leftovers", "example_text", "example_values", "from_dict",
    "load", "problems", "read_raw",
]

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


class DistributorConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    name: str
    email: str
    reply_to: str | None = None
    #: ISO 4217 currency in which build compares purchase prices of suppliers that quote one
    #: SKU in different currencies. None: only prices in one currency are compared; a SKU
    #: offered in several waits (OX-BLD-005) instead of being compared as bare numbers.
    currency: str | None = None
    #: `[distributor.rates]`: units of each currency that one unit of `currency` buys — the way
    #: the ECB reference rates and the shops' own currency tables state them (CHF = "0.9412":
    #: 1 EUR = 0.9412 CHF). Only build's choice of the cheapest supplier uses them; amounts in a
    #: supplier's shop are converted with that shop's rates.
    rates: dict[str, Decimal] = Field(default_factory=dict)

    @pydantic.field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        return None if value is None else _iso_currency(str(value))

    @pydantic.field_validator("rates", mode="before")
    @classmethod
    def _rate_codes(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value  # pydantic reports the wrong type
        return {_iso_currency(str(code)): rate for code, rate in value.items()}

    @pydantic.model_validator(mode="after")
    def _rates_need_their_base(self) -> DistributorConfig:
        bad = sorted(code for code, rate in self.rates.items()
                     if not rate.is_finite() or rate <= 0)
        if bad:
            raise ValueError(f"the rate of {', '.join(bad)} must be a number above 0 (units of "
                             f"it for one unit of [distributor] currency)")
        if self.rates and self.currency is None:
            raise ValueError("[distributor.rates] needs `currency` under [distributor]: the "
                             "currency the rates are quoted against")
        if self.currency in self.rates and self.rates[self.currency] != 1:
            raise ValueError(f"the rate of {self.currency}, the [distributor] currency itself, "
                             "can only be 1 (leave it out)")
        return self


class StoreConfig(_Strict):
    url: str = Field(default_factory=default_store_url)


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
    #: processes a send spreads those suppliers over (send_processes.py): a send is bound by
    #: orderexchange's own CPU, and threads share one core; 1 = threads only. Default 2: two
    #: cores are the smallest machine a distributor runs this on, and the second halves a send
    processes: int = Field(default=2, ge=1, le=64)
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
