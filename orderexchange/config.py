"""The TOML config, validated up front so a mistake is reported by its key path before any work.

Secrets may be written as `${ENV_VAR}`; they are resolved here into pydantic `SecretStr`, whose
repr is masked, so a password cannot reach a log line or an error message by accident.
"""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import platformdirs
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
    timeout: float = 30.0
    ca_file: Path | None = None
    verify: bool = True

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return {"tls": 465, "starttls": 587, "none": 25}[self.security]


class DatabaseConfig(_Strict):
    """A supplier shop database: an SQLAlchemy URL *without* password, plus the password apart."""

    url: str
    password: SecretStr | None = None
    connect_timeout: int = 10

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
        return f"{url.host or 'localhost'}:{url.port or 3306}/{url.database or ''}"


class SupplierConfig(_Strict):
    id: str = ""
    name: str
    email: str
    active: bool = True
    connector: str = "oscommerce"
    language: str = "en"
    shipping_cost: Decimal = Decimal("0")
    database: DatabaseConfig | None = None
    settings: dict[str, Any] = Field(default_factory=dict, alias="connector_settings")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SourceConfig(_Strict):
    """`[sources.<name>]`: an order source of a plug-in type, with that type's settings."""

    type: str
    settings: dict[str, Any] = Field(default_factory=dict)


class Config(_Strict):
    distributor: DistributorConfig
    store: StoreConfig = Field(default_factory=StoreConfig)
    mail: MailConfig = Field(default_factory=MailConfig)
    plugin_folder: Path | None = None
    suppliers: dict[str, SupplierConfig] = Field(default_factory=dict)
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    #: where the file was read from; relative paths in it are relative to its folder
    path: Path | None = None

    def supplier(self, supplier_id: str) -> SupplierConfig:
        try:
            return self.suppliers[supplier_id]
        except KeyError:
            raise OXError("OX-CFG-006", supplier=supplier_id,
                          known=", ".join(sorted(self.suppliers)) or "(none)") from None


def _resolve_env(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _resolve_env(v, f"{key}.{k}" if key else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_env(v, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in os.environ:
                raise OXError("OX-CFG-005", key=key, var=var)
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


def from_dict(raw: dict[str, Any], path: Path | None = None) -> Config:
    data = _reshape(_resolve_env(raw, ""))
    try:
        config = Config.model_validate(data)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        key = _key_path(err["loc"])
        if err["type"] == "missing":
            raise OXError("OX-CFG-003", key=key) from None
        if err["type"] == "extra_forbidden":
            raise OXError("OX-CFG-008", key=key) from None
        # never echo the input value: it may be a secret
        raise OXError("OX-CFG-004", key=key, detail=err["msg"],
                      hint="see config.example.toml for the expected form.") from None
    config.path = path
    base = path.parent if path else Path.cwd()
    if config.mail.outbox is not None and not config.mail.outbox.is_absolute():
        config.mail.outbox = base / config.mail.outbox
    if config.plugin_folder is not None and not config.plugin_folder.is_absolute():
        config.plugin_folder = base / config.plugin_folder
    if config.store.url.startswith("sqlite:///") and not config.store.url.startswith("sqlite:////"):
        rel = config.store.url[len("sqlite:///"):]
        if rel and rel != ":memory:":
            config.store.url = "sqlite:///" + str(base / rel)
    return config


def load(path: Path | None = None) -> Config:
    path = Path(path) if path else default_config_path()
    if not path.exists():
        raise OXError("OX-CFG-001", path=path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise OXError("OX-CFG-002", path=path, detail=str(exc)) from None
    except UnicodeDecodeError as exc:
        raise OXError("OX-CFG-002", path=path, detail=f"not UTF-8 ({exc.reason})") from None
    return from_dict(raw, path)
