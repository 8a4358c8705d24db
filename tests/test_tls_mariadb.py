"""Issue 18: verified TLS to a shop database as a first-class setting (`tls`, `ca_file`), against
a mariadbd started with a certificate made in the test (trustme): verify against the CA passes
and `test db` shows the certificate's subject and expiry; a wrong CA is refused with OX-TLS-001;
a missing ca_file is a config error naming the path; the old ssl_… URL parameters still work.
"""

from __future__ import annotations

import pytest
import trustme
from click.testing import CliRunner
from cryptography import x509
from helpers import cli_config, sample_order
from shopdb import count, load_schema, prepare, shop_section  # noqa: F401 - fixture

from orderexchange.cli import main
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S

ANNA = sample_order("1001")


@pytest.fixture
def shop(mariadb_tls_db):
    load_schema(mariadb_tls_db.url, "opencart4_mysql.sql", prefix="oc_", engine="InnoDB")
    return mariadb_tls_db


def section(db, **database) -> dict:
    sec = shop_section(db, {"type": "opencart"})
    sec["database"].update(database)
    return {"alpha": sec}


def server_certificate(certs) -> x509.Certificate:
    return x509.load_pem_x509_certificate(certs.server_cert.cert_chain_pems[0].bytes())


def test_verify_against_the_ca_passes_and_shows_subject_and_expiry(shop, prepare,
                                                                   tls_certificates):
    run = prepare(section(shop, tls="verify", ca_file=tls_certificates.ca_file), [ANNA])
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    tls = next(s for s in report.stages if s.name == "TLS")
    cert = server_certificate(tls_certificates)
    assert tls.detail.startswith("encrypted (")
    assert f"certificate verified against {tls_certificates.ca_file}" in tls.detail
    assert f"subject {cert.subject.rfc4514_string()}" in tls.detail
    assert f"expires {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC" in tls.detail
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert count(shop, "oc_order", "order_status_id > 0") == 1


def test_wrong_ca_is_refused_with_ox_tls_001(shop, prepare, tmp_path):
    stranger = tmp_path / "other-ca.pem"
    trustme.CA(organization_name="someone else").cert_pem.write_to_path(str(stranger))
    run = prepare(section(shop, tls="verify", ca_file=str(stranger)), [ANNA])
    report = run.connector().self_test()
    assert [(s.name, s.ok) for s in report.stages] == [("connect", False)]
    assert report.stages[0].detail.startswith(
        f"OX-TLS-001: Supplier alpha: the certificate of the shop database at {shop.host}:"
        f"{shop.port}/{shop.database} failed verification: ")
    [result] = run.send()
    assert result.error is not None and result.error.code == "OX-TLS-001"
    assert not result.error.transient  # retrying cannot help: no retries, the fix is named
    assert count(shop, "oc_order") == 0


def test_required_encrypts_without_verifying(shop, prepare):
    run = prepare(section(shop, tls="required"), [ANNA])
    report = run.connector().self_test()
    tls = next(s for s in report.stages if s.name == "TLS")
    assert tls.ok and 'certificate not verified (tls = "required")' in tls.detail
    assert "subject " in tls.detail


def test_the_old_ssl_url_parameters_still_work(shop, prepare, tls_certificates):
    sec = section(shop)
    sec["alpha"]["database"]["url"] += f"?ssl_ca={tls_certificates.ca_file}"
    report = prepare(sec, [ANNA]).connector().self_test()
    tls = next(s for s in report.stages if s.name == "TLS")
    assert tls.ok and "as the ssl_… URL parameters say" in tls.detail
    with pytest.raises(OXError) as exc:  # both ways at once: which one counts is unclear
        prepare(section(shop, url=sec["alpha"]["database"]["url"], tls="verify"), [ANNA])
    assert exc.value.code == "OX-CFG-004" and "not both" in exc.value.message


def test_off_is_named_as_unencrypted(shop, prepare):
    report = prepare(section(shop, tls="off"), [ANNA]).connector().self_test()
    tls = next(s for s in report.stages if s.name == "TLS")
    assert tls.ok and tls.detail.startswith('not encrypted (tls = "off")')


def test_missing_ca_file_is_a_config_error_caught_by_config_check(shop, tmp_path):
    config = cli_config(tmp_path, f"""
url = "mysql+pymysql://{shop.user}@{shop.host}:{shop.port}/{shop.database}"
tls = "verify"
ca_file = "certs/shop-ca.pem"
""")
    result = CliRunner().invoke(main, ["--config", str(config), "config", "check"])
    assert result.exit_code == 2, result.output
    assert "OX-CFG-004" in result.output
    assert "suppliers.alpha.database.ca_file" in result.output.replace("\n", "")
    assert str(tmp_path / "certs" / "shop-ca.pem") in result.output.replace("\n", "")
    result = CliRunner().invoke(main, ["--config", str(config), "test", "db", "alpha", "--json"])
    assert result.exit_code != 0 and "OX-CFG-004" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_config_check_suggests_tls_for_the_old_url_parameters(shop, tmp_path, tls_certificates):
    config = cli_config(tmp_path, f"""url = "mysql+pymysql://{shop.user}@{shop.host}:{shop.port}/\
{shop.database}?ssl_ca={tls_certificates.ca_file}"
""")
    result = CliRunner().invoke(main, ["--config", str(config), "config", "check"])
    assert result.exit_code == 0, result.output
    assert ("note supplier alpha: the URL parameters ssl_ca still work; prefer tls = \"verify\" "
            "and ca_file under [suppliers.alpha.database] (docs/connectivity.md)"
            in result.output)

