"""Notifications end to end: `orderexchange preview`, the template part of `config check`, and
the mail-only connector sending supplier orders as email attachments through a real SMTP
server (aiosmtpd on loopback) — every UBL document produced here is schema-validated too.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from helpers import sample_order
from test_documents import read_csv, validating
from test_mail_smtp import PASSWORD, USER, smtp_settings

from orderexchange.build import build
from orderexchange.cli import main
from orderexchange.dispatch import Dispatcher
from orderexchange.importer import import_orders
from orderexchange.model import CatalogueEntry, SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.store import Store


@pytest.fixture(autouse=True)
def validate_every_ubl_document(monkeypatch, ubl_schemas):
    validating(monkeypatch, ubl_schemas)


@pytest.fixture(scope="module")
def ubl_schemas():
    from test_documents import load_ubl_schemas

    return load_ubl_schemas()


def toml_value(value) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def write_config(tmp_path: Path, notification: dict | None = None, mail: dict | None = None,
                 language: str = "en", extra: str = "") -> Path:
    lines = ['[distributor]', 'id = "acme"', 'name = "ACME Distribution"',
             'email = "orders@acme.example"',
             'reply_to = "purchasing@acme-distribution.example"', '',
             '[store]', f'url = "sqlite:///{tmp_path / "state.sqlite"}"', '', '[mail]']
    mail = mail or {"transport": "file", "outbox": str(tmp_path / "outbox")}
    lines += [f"{k} = {toml_value(v)}" for k, v in mail.items()]
    lines += ['', '[suppliers.alpha]', 'name = "Alpha Tools GmbH"',
              'email = "orders@alpha.example"', 'shipping_cost = "4.90"',
              f'language = "{language}"', '', '[suppliers.alpha.connector]',
              'type = "mail-only"', '']
    if notification:
        lines += ['[suppliers.alpha.notification]']
        lines += [f"{k} = {toml_value(v)}" for k, v in notification.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def supplier_orders(config_path: Path, numbers=("1001", "1002")) -> list[int]:
    """Import customer orders and build the supplier order(s) for alpha, as the CLI would."""
    from orderexchange import config as config_mod

    config = config_mod.load(config_path)
    store = Store(config.store.url)
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"),
                                           "Claw hammer")])
    orders = config_path.parent / "orders.jsonl"
    orders.write_text("\n".join(json.dumps(sample_order(n)) for n in numbers))
    import_orders(store, orders)
    return build(store, config).created


def run(path: Path, *args):
    return CliRunner().invoke(main, ["--config", str(path), *args])


def flat(output: str) -> str:
    """CLI output without table borders, whitespace collapsed (a wrapped cell reads as one)."""
    return " ".join(output.replace("│", " ").replace("┃", " ").split())


# --- preview -------------------------------------------------------------------------------------
def test_preview_renders_without_sending(tmp_path):
    path = write_config(tmp_path, {"attachments": ["pdf", "csv", "ubl"],
                                   "cc": ["stock@alpha.example"]})
    [so_id] = supplier_orders(path)
    html, eml, folder = tmp_path / "out.html", tmp_path / "out.eml", tmp_path / "files"

    result = run(path, "preview", str(so_id), "--html", str(html), "--eml", str(eml),
                 "--attachments", str(folder))

    assert result.exit_code == 0, result.output
    out = result.output
    assert "Subject: ACME Distribution: order acme-1 (2 customer orders)" in out
    assert "To: orders@alpha.example" in out and "Cc: stock@alpha.example" in out
    assert "Reply-To: purchasing@acme-distribution.example" in out
    assert "Auto-Submitted: auto-generated" in out
    assert "Attachment: order-acme-1.pdf (application/pdf" in out
    assert "Please enter them in your system from the attached files." in out
    assert "Our order 1001" in out and "Our order 1002" in out
    assert "Claw hammer" in out and "A-100" in out
    assert not (tmp_path / "outbox").exists()  # nothing was sent

    assert "<h3" in html.read_text() and "Our order 1001" in html.read_text()
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "ACME Distribution: order acme-1 (2 customer orders)"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 4 and "order-acme-1.pdf" in names and "order-acme-1.csv" in names
    rows = read_csv((folder / "order-acme-1.csv").read_bytes())
    assert [r["order_number"] for r in rows] == ["1001", "1002"]
    assert {r["shop_order"] for r in rows} == {""}  # handed over by email: no shop order

    # the state did not change: previewing is not sending
    store = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    assert store.supplier_order(so_id).state == S.DRAFT


def test_preview_of_a_cancellation_in_german(tmp_path):
    path = write_config(tmp_path, {"attachments": ["ubl"]}, language="de")
    [so_id] = supplier_orders(path, numbers=("1001",))
    result = run(path, "preview", str(so_id), "--kind", "cancellation")
    assert result.exit_code == 0, result.output
    assert "STORNO von 1 Kundenauftrag der Bestellung acme-1" in result.output
    assert "Attachment: ubl-order-cancellation-OX-" in result.output


def test_preview_of_an_unknown_supplier_order(tmp_path):
    path = write_config(tmp_path)
    result = run(path, "preview", "999")
    assert result.exit_code == 2
    assert "OX-BLD-002" in result.output


# --- config check --------------------------------------------------------------------------------
def test_config_check_renders_every_template_and_document(tmp_path):
    path = write_config(tmp_path, {"attachments": ["pdf", "csv", "ubl", "opentrans"]},
                        language="de-AT")
    result = run(path, "config", "check")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "mail templates alpha render (de: notification, cancellation, digest; attachments " \
           "order-acme-0.pdf, order-acme-0.csv, ubl-order-OX-SAMPLE000000000000001.xml" in out


def test_config_check_catches_a_template_missing_a_variable(tmp_path):
    (tmp_path / "tpl" / "en").mkdir(parents=True)
    (tmp_path / "tpl" / "en" / "digest.txt.j2").write_text(
        "{% for o in orders %}\n{{ o.customer.first_name }} {{ o.customr.last_name }}\n"
        "{% endfor %}\n")
    path = write_config(tmp_path, mail={"transport": "file", "outbox": "outbox",
                                        "template_folder": "tpl"})
    result = run(path, "config", "check")
    assert result.exit_code == 2
    out = flat(result.output)
    assert "OX-MAIL-006" in out
    assert "digest.txt.j2 line 2" in out and "customr" in out
    assert "config check" in out  # the solution


def test_config_check_catches_a_missing_pdf_font(tmp_path):
    path = write_config(tmp_path, {"attachments": ["pdf"], "pdf_font": "fonts/none.ttf"})
    result = run(path, "config", "check")
    assert result.exit_code == 2
    out = flat(result.output)
    assert "OX-MAIL-019" in out and "none.ttf" in out


def test_config_check_notes_a_language_without_templates(tmp_path):
    path = write_config(tmp_path, language="fr")
    result = run(path, "config", "check")
    assert result.exit_code == 0
    assert "(no templates for language 'fr': English)" in flat(result.output)


# --- the mail-only connector, end to end over SMTP ------------------------------------------------
def test_mail_only_supplier_gets_the_order_as_attachments(tmp_path, smtp_server):
    server = smtp_server(security="starttls", auth=(USER, PASSWORD))
    server.reply_for_rcpt["gone@alpha.example"] = "550 5.1.1 No such user"
    path = write_config(tmp_path, {"attachments": ["pdf", "csv", "ubl"],
                                   "cc": ["gone@alpha.example"]},
                        mail=smtp_settings(server))
    [so_id] = supplier_orders(path)
    from orderexchange import config as config_mod

    config = config_mod.load(path)
    store = Store(config.store.url)
    host = PluginHost()
    assert host.infos["mail_only"].source == "shipped"

    [result] = Dispatcher(config, store, host).send([so_id])

    assert result.state == S.NOTIFIED, result.error
    assert result.written == 2 and result.customers_created == 0
    so = store.supplier_order(so_id)
    assert so.message_id == result.message_id
    assert all(t.remote_order_id == t.reference for t in so.transfers)  # "written" = handed over
    [received] = server.messages
    assert received.rcpt_tos == ["orders@alpha.example"]  # the cc was refused, the rest went
    message = received.message
    assert message["Message-ID"] == so.message_id
    files = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    assert sorted(files) == sorted(["order-acme-1.pdf", "order-acme-1.csv"]
                                   + [f"ubl-order-{t.reference}.xml" for t in so.transfers])
    pdf = " ".join(page.extract_text() for page in
                   pypdf.PdfReader(io.BytesIO(files["order-acme-1.pdf"])).pages)
    assert "Handed over by email" in pdf and "Customer order 1001" in pdf
    rows = read_csv(files["order-acme-1.csv"])
    assert [(r["order_number"], r["supplier_sku"], r["quantity"]) for r in rows] == [
        ("1001", "A-100", "2"), ("1002", "A-100", "2")]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Please enter them in your system from the attached files." in text

    # sending again writes nothing and mails nothing: the supplier order is notified
    [again] = Dispatcher(config, store, host).send([so_id])
    assert again.skipped and len(server.messages) == 1


def test_mail_only_self_test(tmp_path):
    path = write_config(tmp_path, {"attachments": ["pdf", "ubl"]})
    result = run(path, "test", "db", "--json")
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert report["ok"] is True
    details = {s["name"]: s["detail"] for s in report["stages"]}
    assert details["connector"].startswith("mail-only: no shop database")
    assert details["documents"].startswith("attached: pdf, ubl (PDF font ")

    path = write_config(tmp_path, {"attachments": ["pdf"], "pdf_font": "/nowhere/x.ttf"})
    [report] = json.loads(run(path, "test", "db", "--json").stdout)
    assert report["ok"] is False
