"""A throwaway OpenSSH server for the SSH-tunnel tests (issue 18).

Debian's ``/usr/sbin/sshd`` on 127.0.0.1 and a free port, with its own host key,
``authorized_keys`` and config in a temporary directory; nothing of the machine's own
sshd (port 22, /etc/ssh) is used. ``tools/test.sh`` installs ``openssh-server`` where
it is missing. Plain helpers, no pytest dependency (``tests/conftest.py`` wraps them).

``kill()`` ends the listener *and* every session process it forked (they run in
sessions of their own, so a process-group kill would miss them): that is what an
outage of the SSH server looks like to a client. ``start()`` after ``kill()`` brings
it back on the same port, with the same keys.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

from servers import _SBIN_DIRS, ServerSetupError, _find_executable, _is_root, _log_tail, free_port

START_TIMEOUT = 20.0


def keygen(path: Path, comment: str = "oxtest", passphrase: str = "") -> str:
    """A new ed25519 key pair at ``path`` / ``path.pub``; returns the public key line."""
    tool = shutil.which("ssh-keygen")
    if tool is None:
        raise ServerSetupError("ssh-keygen not found; run `bash tools/test.sh` "
                               "(it installs openssh-server / openssh-client)")
    subprocess.run([tool, "-q", "-t", "ed25519", "-N", passphrase, "-C", comment,
                    "-f", str(path)], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Path(str(path) + ".pub").read_text().strip()


def fingerprint(public_line: str) -> str:
    """``SHA256:…`` of a public key line, as ``ssh-keygen -l`` prints it."""
    blob = base64.b64decode(public_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc: sshd's session processes)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class SSHServer:
    """``sshd -D`` on 127.0.0.1:<free port>; the test's client key is authorised."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.tmpdir: Optional[Path] = None
        self.port: Optional[int] = None
        self.user = os.environ.get("USER") or "root"
        self._proc: Optional[subprocess.Popen] = None
        self.host_public = ""       # "ssh-ed25519 AAAA… comment"
        self.client_key: Optional[Path] = None
        self.client_public = ""

    # -- lifecycle
    def start(self) -> "SSHServer":
        sshd = _find_executable("sshd", _SBIN_DIRS)
        if sshd is None:
            raise ServerSetupError("sshd not found; run `bash tools/test.sh` "
                                   "(it installs openssh-server)")
        if self.tmpdir is None:
            import pwd

            self.user = pwd.getpwuid(os.geteuid()).pw_name
            self.tmpdir = Path(tempfile.mkdtemp(prefix="oxtest-sshd-"))
            self.host_public = keygen(self.tmpdir / "host_ed25519", "oxtest-host")
            self.client_key = self.tmpdir / "client_ed25519"
            self.client_public = keygen(self.client_key, "oxtest-client")
            self.authorize(self.client_public)
            self.port = free_port()
            self._write_config()
        if _is_root():
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation dir
        log = open(self.tmpdir / "sshd.log", "ab")
        try:
            self._proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(self.tmpdir / "sshd_config")],
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        self._wait_ready()
        return self

    def _write_config(self) -> None:
        assert self.tmpdir is not None
        lines = [
            f"Port {self.port}", f"ListenAddress {self.host}",
            f"HostKey {self.tmpdir / 'host_ed25519'}",
            f"PidFile {self.tmpdir / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.tmpdir / 'authorized_keys'}",
            "StrictModes no",  # the temp dir sits in the world-writable /tmp
            "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "PermitRootLogin prohibit-password",
            "AllowTcpForwarding yes", "PermitTTY no", "X11Forwarding no",
            "AllowAgentForwarding no", "MaxStartups 100", "LogLevel VERBOSE",
        ]
        (self.tmpdir / "sshd_config").write_text("\n".join(lines) + "\n")

    def _wait_ready(self) -> None:
        assert self._proc is not None and self.tmpdir is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ServerSetupError(f"sshd exited during start-up\n"
                                       f"{_log_tail(self.tmpdir / 'sshd.log')}")
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as probe:
                    if probe.recv(64).startswith(b"SSH-"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise ServerSetupError(f"sshd did not answer within {START_TIMEOUT:.0f}s\n"
                               f"{_log_tail(self.tmpdir / 'sshd.log')}")

    def kill(self) -> None:
        """An outage: SIGKILL to the listener and every session it forked."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for pid in [*_children(proc.pid), proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill()
        tmpdir, self.tmpdir = self.tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def __enter__(self) -> "SSHServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- use
    def authorize(self, *lines: str) -> None:
        """Replace ``authorized_keys`` (read by sshd at every login)."""
        assert self.tmpdir is not None
        (self.tmpdir / "authorized_keys").write_text("".join(f"{line}\n" for line in lines))

    @property
    def host_fingerprint(self) -> str:
        return fingerprint(self.host_public)

    @property
    def host_key(self) -> str:
        """The host key as `host_key` in the config takes it: "ssh-ed25519 AAAA…"."""
        return " ".join(self.host_public.split()[:2])

    def log(self) -> str:
        assert self.tmpdir is not None
        return (self.tmpdir / "sshd.log").read_text(errors="replace")
