"""Settings edits: the config file as a tomlkit document, changed in memory and written only on
save, after the edited document has passed `config.from_dict` (and each cron expression
APScheduler's parser). Comments and key order survive, and `${ENV}` references are never
resolved into the file (the raw document is edited, not the loaded config). The menu's Settings
screens are a view over `SettingsEditor`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import tomlkit

from .. import config as config_mod
from ..connector import instantiate
from ..errors import OXError

SUPPLIER_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # a bare TOML key, short enough for tables
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def supplier_table(draft: dict[str, Any]) -> Any:
    """The `[suppliers.<id>]` table for the answers of "Add supplier": the password only ever as
    a `${VAR}` reference, the connector as a table so its settings can be added below `type`."""
    table = tomlkit.table()
    table["name"] = draft.get("name", "")
    table["email"] = draft.get("email", "")
    table["language"] = draft.get("language", "en")
    table["active"] = bool(draft.get("active", True))
    if draft.get("url"):
        database = tomlkit.table()
        database["url"] = draft["url"]
        if draft.get("password_var"):
            database["password"] = f"${{{draft['password_var']}}}"
        if draft.get("ssh"):
            database["ssh"] = ssh_table(draft["ssh"])
        table["database"] = database
    connector = tomlkit.table()
    connector["type"] = draft["connector"]
    table["connector"] = connector
    return table


def ssh_table(answers: dict[str, Any]) -> Any:
    """`[suppliers.<id>.database.ssh]` of the menu's answers: no key file means the agent."""
    ssh = tomlkit.table()
    for key in ("host", "port", "user"):
        ssh[key] = answers[key]
    if answers.get("key_file"):
        ssh["key_file"] = answers["key_file"]
    else:
        ssh["agent"] = True
    if answers.get("passphrase_var"):
        ssh["key_passphrase"] = f"${{{answers['passphrase_var']}}}"
    ssh["remote_host"] = answers.get("remote_host") or "127.0.0.1"
    return ssh


def describe_job(job: Any) -> str:
    if job is None:
        return "not scheduled"
    trigger = (f"cron {job['cron']}" if job.get("cron") is not None
               else f"every {minutes_text(job['every'])} min" if job.get("every") is not None
               else "no trigger")
    return trigger if job.get("enabled", True) else f"off ({trigger})"


def minutes_text(seconds: Any) -> str:
    """Seconds of an `every` trigger as the minutes the schedule screen shows and asks for."""
    if seconds is None:
        return ""
    minutes = float(seconds) / 60
    return str(int(minutes)) if minutes.is_integer() else f"{minutes:g}"


def cron_problem(expression: str) -> str | None:
    """Why APScheduler would refuse this crontab expression (None: it is fine)."""
    from datetime import UTC

    from apscheduler.triggers.cron import CronTrigger

    if not expression:
        return "empty"
    try:
        CronTrigger.from_crontab(expression, timezone=UTC)
    except (ValueError, TypeError) as exc:
        return str(exc) or "not understood"
    return None


class SettingsEditor:
    """The config file as a tomlkit document: edited in memory, written only by `save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.saved_text = path.read_text(encoding="utf-8")
        self.doc = tomlkit.parse(self.saved_text)

    @property
    def dirty(self) -> bool:
        return self.doc.as_string() != self.saved_text

    def table(self, name: str) -> Any:
        if name not in self.doc:
            self.doc[name] = tomlkit.table()
        return self.doc[name]

    def suppliers(self) -> dict[str, Any]:
        return dict(self.doc.get("suppliers", {}))

    def set_supplier(self, sid: str, *, active: bool | None = None,
                     email: str | None = None) -> None:
        """Switch a supplier on or off, or change its order email, in the edited copy."""
        table = self.doc["suppliers"][sid]
        if active is not None:
            table["active"] = active
        if email is not None:
            table["email"] = email

    def set_mail(self, key: str, value: Any) -> None:
        """One `[mail]` key in the edited copy (the table is created on the first edit)."""
        self.table("mail")[key] = value

    def add_supplier(self, sid: str, table: Any, types: dict[str, Any]) -> None:
        """Add `[suppliers.<sid>]` if the file with it passes the config model and the
        connector type's settings schema (what `config check` asks); else OXError, unchanged."""
        trial = tomlkit.parse(self.doc.as_string())
        if "suppliers" not in trial:
            trial["suppliers"] = tomlkit.table(is_super_table=True)
        trial["suppliers"][sid] = table
        config = config_mod.from_dict(trial.unwrap(), self.path)
        instantiate(types, config.supplier(sid))
        if "suppliers" not in self.doc:
            self.doc["suppliers"] = tomlkit.table(is_super_table=True)
        self.doc["suppliers"][sid] = table

    def jobs(self) -> dict[str, Any]:
        """The daemon jobs as the daemon will see them: the file's `[daemon.jobs.*]` tables if
        it has any (then a job not listed does not run), else the built-in defaults."""
        jobs = self.doc.get("daemon", {}).get("jobs")
        if jobs is not None:
            return dict(jobs)
        return {kind: job.model_dump(exclude_none=True)
                for kind, job in config_mod.DaemonConfig().jobs.items()}

    def set_job(self, kind: str, *, every: float | None = None, cron: str | None = None,
                enabled: bool | None = None) -> None:
        """Change one job in the edited copy. The first change writes every default job into
        the file: a `[daemon.jobs]` table replaces the defaults as a whole, so writing only the
        edited job would silently switch the others off."""
        daemon = self.table("daemon")
        if "jobs" not in daemon:
            jobs = tomlkit.table(is_super_table=True)
            for name, job in config_mod.DaemonConfig().jobs.items():
                jobs[name] = _job_table(job)
            daemon["jobs"] = jobs
        jobs = daemon["jobs"]
        if kind not in jobs:
            jobs[kind] = _job_table(config_mod.DaemonConfig().jobs[kind])
        job = jobs[kind]
        if every is not None:
            job.pop("cron", None)
            job["every"] = every
        if cron is not None:
            job.pop("every", None)
            job["cron"] = cron
        if enabled is not None:
            job["enabled"] = enabled
            if enabled and "every" not in job and "cron" not in job:
                job["every"] = _job_table(config_mod.DaemonConfig().jobs[kind])["every"]

    def validate(self) -> None:
        """The config model, plus what it leaves to the daemon: each cron expression must be
        one APScheduler accepts, or the daemon would stop at start-up."""
        config = config_mod.from_dict(self.doc.unwrap(), self.path)
        for kind, job in config.daemon.jobs.items():
            problem = cron_problem(job.cron) if job.cron is not None else None
            if problem:
                raise OXError("OX-CFG-004", key=f"daemon.jobs.{kind}.cron", detail=problem,
                              hint="five fields: minute hour day month weekday, e.g. "
                                   "*/10 * * * *.")

    def save(self) -> None:
        self.validate()
        text = self.doc.as_string()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.chmod(tmp, self.path.stat().st_mode & 0o777)  # a 0600 config stays 0600
            os.replace(tmp, self.path)  # whole or not at all
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OXError("OX-MNU-002", path=self.path, detail=exc.strerror or str(exc)) \
                from None
        self.saved_text = text


def _job_table(job: config_mod.JobConfig) -> Any:
    table = tomlkit.table()
    if job.every is not None:
        table["every"] = int(job.every) if float(job.every).is_integer() else job.every
    if job.cron is not None:
        table["cron"] = job.cron
    table["enabled"] = job.enabled
    return table


def editor_for(app: Any) -> SettingsEditor:
    """An editor on the session's config file (the default path when none was named)."""
    return SettingsEditor(Path(app.config.path or config_mod.default_config_path()))


def save(app: Any, editor: SettingsEditor) -> None:
    """Validate and write the edited settings; the session reads the saved file next time.
    OXError (nothing written) when the edited document is not a valid config."""
    editor.save()
    app.reload_config()
