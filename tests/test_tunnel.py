"""Unit tests of orderexchange/tunnel.py and the `[…database.ssh]` / `tls` config (no servers):
the forms a pinned host key may take, the lines given to the supplier's admin, and the config
rules. The real SSH server is in tests/test_tunnel_mariadb.py."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest

from orderexchange.errors import OXError
from orderexchange.tunnel import HostKeyPin, authorized_keys_line, fingerprint, known_hosts_line


def blob(key_type: str, payload: bytes = b"\x01" * 32) -> bytes:
    name = key_type.encode()
    return struct.pack(">I", len(name)) + name + struct.pack(">I", len(payload)) + payload


ED = blob("ssh-ed25519")
ED64 = base64.b64encode(ED).decode()
FP = "SHA256:" + base64.b64encode(hashlib.sha256(ED).digest()).decode().rstrip("=")


@pytest.mark.parametrize("text", [
    f"ssh-ed25519 {ED64}",
    f"ssh-ed25519 {ED64} root@shop",
    f"shop.example ssh-ed25519 {ED64}",
    f"[shop.example]:2222,10.0.0.5 ssh-ed25519 {ED64} comment",
    f"|1|c2FsdA==|aGFzaA== ssh-ed25519 {ED64}",  # a hashed known_hosts line
])
def test_a_key_or_known_hosts_line_pins_that_key(text):
    pin = HostKeyPin.parse(text)
    assert (pin.key_type, pin.blob, pin.fingerprint) == ("ssh-ed25519", ED, FP)
    assert pin.matches(ED) and not pin.matches(blob("ssh-ed25519", b"\x02" * 32))


def test_a_fingerprint_pins_by_its_hash():
    assert fingerprint(ED) == FP
    pin = HostKeyPin.parse(FP)
    assert pin.blob is None and pin.matches(ED)
    assert not pin.matches(blob("ssh-ed25519", b"\x02" * 32))


@pytest.mark.parametrize("text, says", [
    ("SHA256:tooshort", "not a SHA256 fingerprint"),
    ("MD5:aa:bb", "expected"),
    (f"@cert-authority *.example ssh-ed25519 {ED64}", "markers"),
    ("ssh-ed25519 not*base64", "not base64"),
    (f"ssh-rsa {ED64}", "not a ssh-rsa key"),  # the data says ed25519
    ("ssh-ed25519", "expected"),
])
def test_what_is_not_a_host_key_is_named(text, says):
    with pytest.raises(ValueError, match=says):
        HostKeyPin.parse(text)


def test_lines_for_the_admin():
    assert known_hosts_line("shop.example", 22, "ssh-ed25519", ED64) == \
        f"shop.example ssh-ed25519 {ED64}"
    assert known_hosts_line("shop.example", 2222, "ssh-ed25519", ED64) == \
        f"[shop.example]:2222 ssh-ed25519 {ED64}"
    assert authorized_keys_line(f"ssh-ed25519 {ED64} us", ("127.0.0.1", 3306)) == \
        f'restrict,port-forwarding,permitopen="127.0.0.1:3306" ssh-ed25519 {ED64} us'


def ssh_supplier(**ssh):
    return {"alpha": {"name": "Alpha", "email": "a@alpha.example", "connector": "opencart",
                      "database": {"url": "mysql+pymysql://ox@127.0.0.1:3306/shop",
                                   "ssh": {"host": "shop.example", "user": "ox",
                                           "key_file": "keys/alpha", **ssh}}}}


def test_ssh_config_defaults_and_paths(make_config, tmp_path):
    config = make_config(suppliers=ssh_supplier(host_key=f"ssh-ed25519 {ED64}"))
    db = config.supplier("alpha").database
    assert (db.ssh.port, db.ssh.keepalive, db.ssh.host_key) == (22, 30, [f"ssh-ed25519 {ED64}"])
    assert db.ssh.key_file == tmp_path / "keys" / "alpha"  # relative to the config's folder
    assert db.remote() == ("127.0.0.1", 3306)
    assert db.where() == "127.0.0.1:3306/shop via SSH ox@shop.example:22"
    assert db.missing_files() == [("ssh.key_file", tmp_path / "keys" / "alpha")]


@pytest.mark.parametrize("database, says", [
    ({"url": "postgresql+psycopg://ox@db/shop"}, "needs a mysql+pymysql:// URL"),
    ({"tls": "verify"}, "TLS inside the SSH tunnel is not supported"),
    ({"url": "mysql+pymysql://ox@127.0.0.1/shop?ssl_ca=/x.pem"}, "not both"),
])
def test_ssh_config_rules(make_config, database, says):
    sup = ssh_supplier()
    if "url" in database and "ssl_ca" in database["url"]:
        sup["alpha"]["database"].pop("ssh")
        database = dict(database, tls="required")
    sup["alpha"]["database"].update(database)
    with pytest.raises(OXError) as exc:
        make_config(suppliers=sup)
    assert exc.value.code == "OX-CFG-004" and says in exc.value.message


def test_ssh_needs_a_way_to_log_in(make_config):
    sup = ssh_supplier()
    del sup["alpha"]["database"]["ssh"]["key_file"]
    with pytest.raises(OXError) as exc:
        make_config(suppliers=sup)
    assert "give key_file, agent = true or password" in exc.value.message
    sup["alpha"]["database"]["ssh"]["agent"] = True
    assert make_config(suppliers=sup).supplier("alpha").database.ssh.agent


def test_secrets_of_the_ssh_login_only_from_the_environment(make_config, monkeypatch):
    with pytest.raises(OXError) as exc:
        make_config(suppliers=ssh_supplier(key_passphrase="open sesame"))
    assert exc.value.code == "OX-CFG-004"
    assert "suppliers.alpha.database.ssh.key_passphrase" in exc.value.message
    assert "open sesame" not in exc.value.message + exc.value.solution
    monkeypatch.setenv("ALPHA_PP", "open sesame")
    db = make_config(suppliers=ssh_supplier(key_passphrase="${ALPHA_PP}")).supplier(
        "alpha").database
    assert db.ssh.key_passphrase.get_secret_value() == "open sesame"
    assert "open sesame" not in repr(db)


def test_effective_tls(make_config):
    def tls(**database):
        sup = {"alpha": {"name": "A", "email": "a@alpha.example", "connector": "opencart",
                         "database": {"url": "mysql+pymysql://ox@db.example/shop", **database}}}
        return make_config(suppliers=sup).supplier("alpha").database.effective_tls

    assert tls() == "preferred"
    assert tls(tls="off") == "off"
    assert tls(ca_file="ca.pem") == "verify"  # a CA given means: check against it
    assert tls(url="mysql+pymysql://ox@db.example/shop?ssl_ca=/ca.pem") == "url"
