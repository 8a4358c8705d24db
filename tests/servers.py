"""Throwaway servers for the test suite: MariaDB, PostgreSQL and SMTP (aiosmtpd).

Plain helpers, no pytest dependency: ``tests/conftest.py`` wraps them in fixtures,
and ``python -c`` / benchmarks can use them directly.

* :class:`MariaDBServer` - ``mariadb-install-db`` into a temporary data directory,
  then ``mariadbd`` on 127.0.0.1 and a free port (grant tables on: real auth).
* :class:`PostgresServer` - ``initdb`` + ``pg_ctl`` in a temporary directory,
  127.0.0.1 and a free port, ``trust`` auth.  PostgreSQL refuses to run as root,
  so as root the server runs as the ``postgres`` OS user (or ``nobody``).
* :class:`SMTPTestServer` - an aiosmtpd ``Controller`` with recorded messages,
  scripted RCPT/DATA replies, dropped connections, STARTTLS / implicit TLS with
  certificates from :class:`TestCertificates` (``trustme``), optional AUTH.

Nothing here talks to the machine's own database services (ports 3306 / 5432).
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.message
import email.policy
import glob
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

INSTALL_HINT = (
    "run `bash tools/test.sh` (it installs mariadb-server / postgresql "
    "with apt-get and then runs the test suite)"
)

STRICT_SQL_MODE = (
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"
)
"""MariaDB 10.x's own default ``sql_mode`` (strict)."""

START_TIMEOUT = 60.0


class ServerSetupError(RuntimeError):
    """A throwaway test server could not be found or started."""


# --------------------------------------------------------------------------- utils


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on (at the time of the call)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


def _find_executable(name: str, extra_dirs: tuple[str, ...] = ()) -> Optional[str]:
    found = shutil.which(name)
    if found:
        return found
    for d in extra_dirs:
        candidate = os.path.join(d, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/libexec",
              "/usr/local/bin", "/usr/bin")


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# ------------------------------------------------------------------------- MariaDB


class MariaDBServer:
    """A private ``mariadbd`` on 127.0.0.1:<free port> with a temporary datadir.

    ``root`` has an empty password and can log in over TCP from 127.0.0.1 and over
    the unix socket.  ``sql_mode`` defaults to MariaDB's strict default; pass e.g.
    ``sql_mode=""`` for a lenient server like many old shop installs.
    """

    root_user = "root"
    root_password = ""

    def __init__(self, *, sql_mode: str = STRICT_SQL_MODE,
                 charset: str = "utf8mb4", collation: str = "utf8mb4_general_ci",
                 extra_args: tuple[str, ...] = ()):
        self.sql_mode = sql_mode
        self.charset = charset
        self.collation = collation
        self.extra_args = tuple(extra_args)
        self.host = "127.0.0.1"
        self.port: Optional[int] = None
        self.tmpdir: Optional[Path] = None
        self.datadir: Optional[Path] = None
        self.socket: Optional[str] = None
        self.log_file: Optional[Path] = None
        self.version: Optional[str] = None
        self._proc: Optional[subprocess.Popen] = None

    # -- lifecycle
    def start(self) -> "MariaDBServer":
        mariadbd = _find_executable("mariadbd", _SBIN_DIRS)
        install_db = _find_executable("mariadb-install-db", _SBIN_DIRS)
        if not mariadbd or not install_db:
            raise ServerSetupError(
                "MariaDB server binaries (mariadbd, mariadb-install-db) not found; "
                + INSTALL_HINT)
        self.tmpdir = Path(tempfile.mkdtemp(prefix="oxtest-mariadb-"))
        try:
            self._install(install_db)
            last_error: Optional[Exception] = None
            for _attempt in range(3):  # a free port can be taken between check and bind
                try:
                    self._launch(mariadbd)
                    break
                except ServerSetupError as exc:
                    if "already in use" not in str(exc):
                        raise
                    last_error = exc
            else:
                assert last_error is not None
                raise last_error
            self._bootstrap_accounts()
        except BaseException:
            self.stop()
            raise
        return self

    def _install(self, install_db: str) -> None:
        assert self.tmpdir is not None
        self.datadir = self.tmpdir / "data"
        log = self.tmpdir / "install.log"
        cmd = [install_db, "--no-defaults", f"--datadir={self.datadir}",
               f"--user={pwd.getpwuid(os.geteuid()).pw_name}",
               "--auth-root-authentication-method=normal",
               "--skip-test-db", "--skip-name-resolve",
               # the bootstrap's temporary tables in our own directory: two installs at once
               # (a benchmark beside a test session) collided in /tmp's `#sql-temptable-…`
               f"--tmpdir={self.tmpdir}"]
        with open(log, "wb") as out:
            rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, cwd=self.tmpdir)
        if rc != 0:
            raise ServerSetupError(
                f"mariadb-install-db failed (exit {rc}): {' '.join(cmd)}\n"
                f"--- {log} ---\n{_log_tail(log)}")

    def _launch(self, mariadbd: str, port: Optional[int] = None) -> None:
        assert self.tmpdir is not None and self.datadir is not None
        self.port = port or free_port()
        self.socket = str(self.tmpdir / "mysql.sock")
        self.log_file = self.tmpdir / f"mariadbd-{self.port}.err"
        cmd = [mariadbd, "--no-defaults",
               f"--datadir={self.datadir}",
               f"--socket={self.socket}",
               f"--port={self.port}",
               "--bind-address=127.0.0.1",
               f"--pid-file={self.tmpdir / 'mariadbd.pid'}",
               f"--log-error={self.log_file}",
               f"--tmpdir={self.tmpdir}",
               "--skip-name-resolve",
               f"--sql-mode={self.sql_mode}",
               f"--character-set-server={self.charset}",
               f"--collation-server={self.collation}",
               "--innodb-buffer-pool-size=64M",
               "--innodb-flush-log-at-trx-commit=2",
               "--innodb-doublewrite=0",
               "--max-connections=300",
               *self.extra_args]
        if _is_root():
            cmd.insert(2, "--user=root")  # mariadbd refuses root without it
        with open(self.tmpdir / "mariadbd.stderr", "ab") as stderr:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=stderr, cwd=self.tmpdir)
        self._wait_ready()

    def _wait_ready(self) -> None:
        import pymysql

        assert self._proc is not None and self.log_file is not None
        deadline = time.monotonic() + START_TIMEOUT
        last: Optional[Exception] = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = _log_tail(self.log_file)
                self._proc = None
                msg = "already in use" if "Address already in use" in tail else "exited"
                raise ServerSetupError(
                    f"mariadbd {msg} during start-up (port {self.port})\n"
                    f"--- {self.log_file} ---\n{tail}")
            try:
                # Probe with a plain socket first: pymysql leaks the socket object
                # when a unix-socket connect fails (ResourceWarning under -W error).
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.settimeout(2)
                    probe.connect(self.socket)
                conn = pymysql.connect(unix_socket=self.socket, user="root",
                                       password="", connect_timeout=2)
            except (OSError, pymysql.err.OperationalError) as exc:
                last = exc
                time.sleep(0.05)
                continue
            conn.close()
            return
        raise ServerSetupError(
            f"mariadbd did not accept connections within {START_TIMEOUT:.0f}s "
            f"(last error: {last})\n--- {self.log_file} ---\n{_log_tail(self.log_file)}")

    def _bootstrap_accounts(self) -> None:
        import pymysql

        conn = pymysql.connect(unix_socket=self.socket, user="root", password="",
                               autocommit=True)
        try:
            with conn.cursor() as cur:
                # mariadb-install-db normally creates root@127.0.0.1; make sure.
                cur.execute("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''")
                cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' "
                            "WITH GRANT OPTION")
                cur.execute("SELECT VERSION()")
                self.version = cur.fetchone()[0]
        finally:
            conn.close()
        # And prove that TCP works the way the tests will use it.
        self.connect().close()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        tmpdir, self.tmpdir = self.tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def halt(self, kill: bool = False) -> None:
        """Stop mariadbd like an outage does, keeping datadir and port for ``resume()``.

        ``kill=False`` is an administrator's clean shutdown (SIGTERM: clients get "server
        shutdown in progress" / lost connection); ``kill=True`` is a crash (SIGKILL).
        """
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill() if kill else proc.terminate()
            proc.wait(timeout=60)

    def resume(self) -> None:
        """Start mariadbd again on the same datadir and port after ``halt()``."""
        mariadbd = _find_executable("mariadbd", _SBIN_DIRS)
        assert mariadbd and self.port is not None and self._proc is None
        self._launch(mariadbd, port=self.port)

    def __enter__(self) -> "MariaDBServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- use
    def url(self, database: str = "", user: str = "root", password: str = "",
            *, charset: str = "utf8mb4") -> str:
        """SQLAlchemy URL ``mysql+pymysql://user[:password]@127.0.0.1:port/database``."""
        auth = _quote(user) + (":" + _quote(password) if password else "")
        query = f"?charset={charset}" if charset else ""
        return (f"mysql+pymysql://{auth}@{self.host}:{self.port}/"
                f"{_quote(database)}{query}")

    def connect(self, database: Optional[str] = None, user: str = "root",
                password: str = "", **kwargs: Any):
        """A pymysql connection over TCP (caller closes it)."""
        import pymysql

        kwargs.setdefault("charset", "utf8mb4")
        kwargs.setdefault("connect_timeout", 10)
        return pymysql.connect(host=self.host, port=self.port, user=user,
                               password=password, database=database, **kwargs)

    def root_execute(self, *statements: str) -> None:
        """Run statements as root (autocommit)."""
        conn = self.connect(autocommit=True)
        try:
            with conn.cursor() as cur:
                for stmt in statements:
                    cur.execute(stmt)
        finally:
            conn.close()


@dataclasses.dataclass
class MariaDBDatabase:
    """A fresh database with its own user (``ALL`` on that database only)."""

    server: MariaDBServer
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        return self.server.url(self.database, self.user, self.password)

    @property
    def root_url(self) -> str:
        return self.server.url(self.database)

    @property
    def socket(self) -> Optional[str]:
        return self.server.socket

    def connect(self, **kwargs: Any):
        """pymysql connection as the dedicated user (caller closes it)."""
        return self.server.connect(self.database, self.user, self.password, **kwargs)

    def root_connect(self, **kwargs: Any):
        return self.server.connect(self.database, **kwargs)


@contextlib.contextmanager
def temporary_mariadb_database(server: MariaDBServer,
                               prefix: str = "oxtest") -> Iterator[MariaDBDatabase]:
    """Create a uniquely named database + user on ``server``; drop both afterwards.

    The password is random and deliberately contains URL-special characters
    (``@``, ``/``, ``%``) so URL quoting is exercised.
    """
    token = secrets.token_hex(4)
    database = f"{prefix}_{token}"
    user = f"oxt_{token}"
    password = f"pw{secrets.token_hex(8)}@/%"
    esc_pw = password.replace("\\", "\\\\").replace("'", "\\'")
    server.root_execute(
        f"CREATE DATABASE `{database}`",
        f"CREATE USER '{user}'@'%' IDENTIFIED BY '{esc_pw}'",
        f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{user}'@'%'",
    )
    try:
        yield MariaDBDatabase(server=server, host=server.host, port=server.port,
                              user=user, password=password, database=database)
    finally:
        _drop_mariadb_database(server, database, user)


def _drop_mariadb_database(server: MariaDBServer, database: str, user: str) -> None:
    conn = server.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            # Connections a test leaked would hold metadata locks and make
            # DROP DATABASE wait: kill them first.
            cur.execute("SELECT id FROM information_schema.processlist "
                        "WHERE user = %s AND id <> CONNECTION_ID()", (user,))
            for (conn_id,) in cur.fetchall():
                with contextlib.suppress(Exception):
                    cur.execute(f"KILL CONNECTION {int(conn_id)}")
            cur.execute("SET SESSION lock_wait_timeout = 30")
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
    finally:
        conn.close()


# ---------------------------------------------------------------------- PostgreSQL


def find_pg_bindir() -> str:
    """Directory holding ``initdb``/``pg_ctl`` (server binaries, not just the client)."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True,
                                 text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(out.stdout.strip())

    def version_key(path: str) -> tuple:
        part = path.split("/")[-2]
        return tuple(int(p) if p.isdigit() else 0 for p in part.split("."))

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key,
                         reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(initdb))
    candidates += ["/usr/local/pgsql/bin", "/usr/pgsql/bin"]
    for d in candidates:
        if all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return d
    raise ServerSetupError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found "
        f"(looked in: {', '.join(candidates) or 'nothing'}); " + INSTALL_HINT)


def _unprivileged_account() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServerSetupError(
        "running as root, but neither a 'postgres' nor a 'nobody' OS user exists "
        "to run PostgreSQL (it refuses to run as root)")


def _traversable_by_others(path: str) -> bool:
    p = Path(path).resolve()
    for part in [p, *p.parents]:
        with contextlib.suppress(OSError):
            if not part.stat().st_mode & 0o001:
                return False
    return True


class PostgresServer:
    """A private PostgreSQL cluster on 127.0.0.1:<free port>, ``trust`` auth.

    Superuser is ``postgres`` (no password).  As root, the cluster is owned by and
    runs as the ``postgres`` OS user (``nobody`` if that does not exist).
    """

    superuser = "postgres"

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port: Optional[int] = None
        self.tmpdir: Optional[Path] = None
        self.datadir: Optional[Path] = None
        self.log_file: Optional[Path] = None
        self.bindir: Optional[str] = None
        self.os_user: Optional[str] = None
        self._run_as: dict[str, Any] = {}
        self._running = False

    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        assert self.tmpdir is not None
        env = dict(os.environ, LC_ALL="C", LANG="C")
        env.pop("PGDATA", None)
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=self.tmpdir, env=env,
                              **self._run_as)

    def start(self) -> "PostgresServer":
        self.bindir = find_pg_bindir()
        base = None
        if _is_root():
            account = _unprivileged_account()
            self.os_user = account.pw_name
            # subprocess's user=/group= is what `runuser -u USER --` does, minus
            # the dependency on util-linux.
            self._run_as = dict(user=account.pw_uid, group=account.pw_gid,
                                extra_groups=[])
            if not _traversable_by_others(tempfile.gettempdir()):
                base = "/tmp"
        else:
            self.os_user = pwd.getpwuid(os.geteuid()).pw_name
        self.tmpdir = Path(tempfile.mkdtemp(prefix="oxtest-pg-", dir=base))
        try:
            if _is_root():
                os.chown(self.tmpdir, self._run_as["user"], self._run_as["group"])
            self.datadir = self.tmpdir / "data"
            self.log_file = self.tmpdir / "postgres.log"
            res = self._run([os.path.join(self.bindir, "initdb"), "-D", str(self.datadir),
                             "-U", self.superuser, "-A", "trust", "-E", "UTF8",
                             "--locale=C", "--no-sync"])
            if res.returncode != 0:
                raise ServerSetupError(
                    f"initdb failed (exit {res.returncode}) as OS user {self.os_user}:\n"
                    f"{res.stdout}\n{res.stderr}")
            last = ""
            for _attempt in range(3):
                self.port = free_port()
                with open(self.datadir / "postgresql.auto.conf", "a") as conf:
                    conf.write(
                        "\n# oxtest\n"
                        f"port = {self.port}\n"
                        "listen_addresses = '127.0.0.1'\n"
                        f"unix_socket_directories = '{self.tmpdir}'\n"
                        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                        "max_connections = 200\n")
                res = self._run([os.path.join(self.bindir, "pg_ctl"), "-D", str(self.datadir),
                                 "-l", str(self.log_file), "-w",
                                 "-t", str(int(START_TIMEOUT)), "start"],
                                timeout=START_TIMEOUT + 30)
                if res.returncode == 0:
                    self._running = True
                    break
                last = (f"pg_ctl start failed (exit {res.returncode}) as OS user "
                        f"{self.os_user}, port {self.port}:\n{res.stdout}\n{res.stderr}\n"
                        f"--- {self.log_file} ---\n{_log_tail(self.log_file)}")
                if "already in use" not in last:
                    break
            if not self._running:
                raise ServerSetupError(last)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                psycopg.connect(self.conninfo("postgres"), connect_timeout=5).close()
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ServerSetupError(
                        f"PostgreSQL not accepting connections: {exc}\n"
                        f"--- {self.log_file} ---\n{_log_tail(self.log_file)}") from exc
                time.sleep(0.05)

    def stop(self) -> None:
        if self._running and self.bindir and self.datadir:
            self._running = False
            with contextlib.suppress(Exception):
                self._run([os.path.join(self.bindir, "pg_ctl"), "-D", str(self.datadir),
                           "-m", "immediate", "-w", "stop"], timeout=60)
        tmpdir, self.tmpdir = self.tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def conninfo(self, database: str = "postgres") -> str:
        return (f"host={self.host} port={self.port} user={self.superuser} "
                f"dbname={database}")

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL ``postgresql+psycopg://postgres@127.0.0.1:port/database``."""
        return (f"postgresql+psycopg://{self.superuser}@{self.host}:{self.port}/"
                f"{_quote(database)}")

    def execute(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            for stmt in statements:
                conn.execute(stmt)


@contextlib.contextmanager
def temporary_pg_database(server: PostgresServer, prefix: str = "oxtest") -> Iterator[str]:
    """Create a uniquely named database; yield its SQLAlchemy URL; drop it afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.url(name)
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------- SMTP


class TestCertificates:
    """A ``trustme`` CA plus a server certificate for 127.0.0.1, ::1 and localhost."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path):
        import trustme

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca = trustme.CA(organization_name="orderexchange tests")
        self.server_cert = self.ca.issue_cert("127.0.0.1", "::1", "localhost")
        self.ca_file = str(self.directory / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.server_pem = str(self.directory / "server.pem")  # key + chain
        self.server_cert.private_key_and_cert_chain_pem.write_to_path(self.server_pem)

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_cert.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_file)
        return ctx


@dataclasses.dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes                      # raw message bytes as received
    peer: Any = None
    tls: bool = False                # connection was encrypted (STARTTLS or implicit)
    auth_login: Optional[str] = None
    mail_options: list[str] = dataclasses.field(default_factory=list)
    rcpt_options: list[str] = dataclasses.field(default_factory=list)

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


SECURITY_MODES = ("plain", "starttls", "tls")


class SMTPTestServer:
    """aiosmtpd on 127.0.0.1:<free port>, recording what it receives.

    Scripting (set from the test thread at any time):

    * ``reply_for_rcpt["a@b.example"] = "550 5.1.1 No such user"`` - RCPT TO for that
      address gets that reply (address compared case-insensitively).
    * ``reply_for_mail = "451 4.3.0 Try later"`` - every MAIL FROM gets that reply.
    * ``reply_for_data = "452 4.3.1 Out of storage"`` - every DATA gets that reply
      (after the content was sent) and nothing is recorded.
    * ``drop_next_connection = True`` (or an int n) - the next (n) connection(s) are
      closed right after the TCP/TLS connect, before the greeting.
      ``drop_next_connection = "ehlo"`` - the next connection is closed when the
      client sends EHLO/HELO.  Consumed as used.

    * ``on_data = callable(received_message)`` - called (in the server's thread) after a
      message was recorded, before the 250 reply goes out: e.g. to kill the sender right
      after the server accepted its DATA.

    Records: ``messages`` (list of :class:`ReceivedMessage`), ``connection_count``
    (client connections accepted, dropped ones included), ``auth_attempts``
    (list of ``(mechanism, login, success)``).
    """

    def __init__(self, certificates: Optional[TestCertificates] = None, *,
                 security: str = "plain", auth: Optional[tuple[str, str]] = None,
                 require_starttls: bool = False, host: str = "127.0.0.1",
                 data_size_limit: Optional[int] = None, keep_content: bool = True):
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, not {security!r}")
        if security != "plain" and certificates is None:
            raise ValueError(f"security={security!r} needs certificates")
        self.security = security
        self.auth = auth
        self.require_starttls = require_starttls
        self.data_size_limit = data_size_limit  # None: aiosmtpd's default (32 MiB)
        #: False: record each message's envelope but not its content (a benchmark measuring the
        #: sender's memory must not count the received mails held here)
        self.keep_content = keep_content
        self.host = host
        self.port: Optional[int] = None
        self.certificates = certificates
        self.ca_file = certificates.ca_file if certificates else None
        self.messages: list[ReceivedMessage] = []
        self.auth_attempts: list[tuple[str, Optional[str], bool]] = []
        self.reply_for_rcpt: dict[str, str] = {}
        self.reply_for_mail: Optional[str] = None
        self.reply_for_data: Optional[str] = None
        self.drop_next_connection: Any = False
        self.on_data: Optional[Callable[[ReceivedMessage], None]] = None
        self.rcpt_attempts: list[str] = []
        self.connection_count = 0
        self._lock = threading.Lock()
        self._controller = None

    # -- lifecycle
    def start(self) -> "SMTPTestServer":
        from aiosmtpd.controller import Controller

        owner = self
        smtp_class = _make_smtp_class()

        class _Controller(Controller):
            def factory(self):
                server = smtp_class(self.handler, **self.SMTP_kwargs)
                server.ox_owner = owner
                if owner.auth is not None:
                    # Set after construction: passing auth_required=True together
                    # with auth_require_tls=False makes aiosmtpd warn (UserWarning)
                    # on every connection, in its own thread, which would break a
                    # suite run with -W error.  Covered by test_smtp_plain_with_auth.
                    server._auth_required = True
                return server

        kwargs: dict[str, Any] = dict(server_hostname="localhost")
        if self.data_size_limit is not None:
            kwargs["data_size_limit"] = self.data_size_limit
        if self.security == "starttls":
            assert self.certificates is not None
            kwargs["tls_context"] = self.certificates.server_context()
            kwargs["require_starttls"] = self.require_starttls
        elif self.security == "tls":
            assert self.certificates is not None
            kwargs["ssl_context"] = self.certificates.server_context()
        if self.auth is not None:
            kwargs["authenticator"] = self._authenticate
            # STARTTLS: AUTH only after STARTTLS.  Implicit TLS: aiosmtpd only knows
            # about STARTTLS, so "require TLS" must be off (the link *is* TLS).
            # Plain: allowed, for tests of plain AUTH.
            kwargs["auth_require_tls"] = self.security == "starttls"
        last: Optional[Exception] = None
        for _attempt in range(3):
            self.port = free_port(self.host)
            controller = _Controller(self, hostname=self.host, port=self.port, **kwargs)
            try:
                controller.start()
            except Exception as exc:  # port raced away
                last = exc
                continue
            self._controller = controller
            break
        else:
            raise ServerSetupError(f"could not start aiosmtpd: {last}")
        with self._lock:
            self.connection_count = 0  # Controller.start() pokes the port once
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> "SMTPTestServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def client_tls_context(self) -> ssl.SSLContext:
        assert self.certificates is not None
        return self.certificates.client_context()

    # -- called from the SMTP thread
    def _on_connect(self) -> bool:
        """Count the connection; True if it must be dropped now."""
        with self._lock:
            self.connection_count += 1
            flag = self.drop_next_connection
            if flag is True or (isinstance(flag, int) and not isinstance(flag, bool)
                                and flag > 0):
                n = 1 if flag is True else flag
                self.drop_next_connection = (n - 1) or False
                return True
            return False

    def _on_ehlo(self) -> bool:
        with self._lock:
            if self.drop_next_connection == "ehlo":
                self.drop_next_connection = False
                return True
            return False

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        login = password = None
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
        ok = self.auth is not None and (login, password) == tuple(self.auth)
        with self._lock:
            self.auth_attempts.append((mechanism, login, ok))
        # auth_data becomes session.auth_data; keep the login only (no password).
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.reply_for_mail:
            return self.reply_for_mail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = {k.lower(): v for k, v in dict(self.reply_for_rcpt).items()}
        with self._lock:
            self.rcpt_attempts.append(address)
        reply = replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply_for_data:
            return self.reply_for_data
        transport = server.transport
        tls = bool(session.ssl) or bool(
            transport is not None and transport.get_extra_info("ssl_object") is not None)
        login = None
        if session.authenticated and isinstance(session.auth_data, str):
            login = session.auth_data
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        received = ReceivedMessage(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
            data=bytes(data) if self.keep_content else b"", peer=session.peer, tls=tls,
            auth_login=login,
            mail_options=list(envelope.mail_options),
            rcpt_options=list(envelope.rcpt_options))
        with self._lock:
            self.messages.append(received)
        hook = self.on_data
        if hook is not None:
            hook(received)
        return "250 Message accepted for delivery"


_SMTP_CLASS = None


def _make_smtp_class():
    """aiosmtpd's SMTP with hooks for dropped connections (built lazily)."""
    global _SMTP_CLASS
    if _SMTP_CLASS is not None:
        return _SMTP_CLASS
    from aiosmtpd.smtp import SMTP

    class _ScriptedSMTP(SMTP):
        ox_owner: Optional[SMTPTestServer] = None

        async def _handle_client(self):
            if self.ox_owner is not None and self.ox_owner._on_connect():
                if self.transport is not None:
                    self.transport.close()
                return
            await super()._handle_client()

        async def smtp_EHLO(self, hostname):
            if self.ox_owner is not None and self.ox_owner._on_ehlo():
                if self.transport is not None:
                    self.transport.close()
                return
            await super().smtp_EHLO(hostname)

        async def smtp_HELO(self, hostname):
            if self.ox_owner is not None and self.ox_owner._on_ehlo():
                if self.transport is not None:
                    self.transport.close()
                return
            await super().smtp_HELO(hostname)

    _SMTP_CLASS = _ScriptedSMTP
    return _SMTP_CLASS
