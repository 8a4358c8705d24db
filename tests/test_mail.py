"""Mail rendering: what the supplier reads (per language, per customer policy, per connector),
templates overridable globally and per supplier, StrictUndefined, headers that customer data
cannot inject into; the file and memory transports.

SMTP delivery is in test_mail_smtp.py, the staged self-test in test_mail_selftest.py, the
golden files in test_mail_golden.py, the CLI (preview, config check) in test_mail_cli.py.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderexchange import mail
from orderexchange.errors import OXError
from orderexchange.model import (Address, Customer, CustomerOrder, OrderLine, SupplierLine,
                                 SupplierOrder, SupplierOrderState, Transfer, TransferState)
from orderexchange.plugin_host import PluginHost

SUPPLIER_EMAIL = "orders@alpha.example"
SENDER = "orders@acme.example"  # the distributor's address in make_config
FIXED_NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
ALPHA = {"name": "Alpha Tools GmbH", "email": SUPPLIER_EMAIL, "shipping_cost": "4.90",
         "connector": {"type": "oscommerce"}}


# --- helpers (test_mail_*.py import these) ---------------------------------------------------
def supplier(**overrides) -> dict:
    section = dict(ALPHA)
    section.update(overrides)
    return section


def header_lines(raw: bytes) -> list[str]:
    """The top-level header block of a serialised message, one entry per physical line."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return head.decode("ascii", "replace").splitlines()


def header_names(raw: bytes) -> list[str]:
    return [line.split(":", 1)[0] for line in header_lines(raw) if not line[:1].isspace()]


def sample_supplier_order(first_name: str = "Anna", last_name: str = "Schmidt",
                          orders: int = 1, so_id: int = 42) -> SupplierOrder:
    transfers = []
    for i in range(orders):
        delivery = Address(first_name="Anna", last_name="Schmidt", street="Hauptstr. 1",
                           postcode="10115", city="Berlin", country="DE",
                           company="Werkstatt Schmidt", street2="Hinterhaus")
        customer = Customer(email="anna.schmidt@example.com", first_name=first_name,
                            last_name=last_name, phone="+49 30 1234567")
        line = OrderLine(line_no=1, sku="HAMMER", name="Claw hammer 450 g", quantity=3,
                         unit_price=Decimal("12.90"), tax_rate=Decimal("19"))
        order = CustomerOrder(number=f"100{i + 1}", ordered_at=datetime(2026, 11, 20, 9, 15),
                              currency="EUR", customer=customer, billing=delivery,
                              delivery=delivery, lines=[line], shipping=Decimal("4.90"))
        transfers.append(Transfer(customer_order=order,
                                  lines=[SupplierLine(line=line, supplier_sku="A-100",
                                                      purchase_price=Decimal("7.20"))],
                                  reference=f"acme-100{i + 1}-alpha",
                                  state=TransferState.WRITTEN,
                                  remote_order_id=f"SHOP-471{i + 1}", remote_customer_id="77",
                                  customer_created=True))
    return SupplierOrder(id=so_id, supplier_id="alpha", state=SupplierOrderState.WRITTEN,
                         created_at=datetime(2026, 11, 20, 10, 0), transfers=transfers)


def notification(config, so=None, **kw):
    return mail.render_notification(config, config.supplier("alpha"),
                                    so or sample_supplier_order(), now=FIXED_NOW, **kw)


def parts(message) -> tuple[str, str]:
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


@pytest.fixture(scope="module")
def transports():
    return PluginHost().mail_transports()


@pytest.fixture
def memory_outbox():
    """MemoryTransport keeps a class-level list: empty it around the test."""
    saved = list(mail.MemoryTransport.sent)
    mail.MemoryTransport.sent.clear()
    yield mail.MemoryTransport.sent
    mail.MemoryTransport.sent[:] = saved


# --- content -----------------------------------------------------------------------------------
def test_notification_names_the_order_facts(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    message = notification(config)

    assert message["Subject"] == "ACME Distribution: order acme-42 (1 customer order)"
    assert message["To"] == SUPPLIER_EMAIL
    text, html = parts(message)

    assert "Hello Alpha Tools GmbH," in text
    assert "purchase order acme-42 with you: 1 customer order, entered directly into your " \
           "shop" in text
    assert "Your shop order SHOP-4711    (our order 1001, reference acme-1001-alpha)" in text
    assert "Ordered on 2026-11-20" in text
    assert "Customer: Anna Schmidt <anna.schmidt@example.com> (new customer in your shop)" in text
    assert re.search(r"(?m)^  3\s+A-100\s+Claw hammer 450 g\s+7\.20\s+21\.60$", text)
    assert ("Subtotal net 21.60, shipping 4.90, tax 4.10, total 30.60 EUR") in text
    assert "Purchase order acme-42: net 21.60 + shipping 4.90 + tax 4.10 = 30.60 EUR" in text
    delivery = text.split("Deliver to:", 1)[1].split("Qty", 1)[0]
    assert [line.strip() for line in delivery.strip().splitlines()] == [
        "Werkstatt Schmidt", "Anna Schmidt", "Hauptstr. 1, Hinterhaus", "10115 Berlin",
        "Germany", "Phone: +49 30 1234567"]
    assert "Reply to this email;\nit goes to orders@acme.example." in text
    assert "Attached" not in text

    assert "<h3 style=\"margin:0;font-size:16px\">Your shop order SHOP-4711</h3>" in html
    for fact in ("Our order 1001 of 2026-11-20", "<code>acme-1001-alpha</code>",
                 ">A-100</td>", ">Claw hammer 450 g</td>", ">21.60</td>", "Hauptstr. 1, Hinterhaus",
                 "10115 Berlin", "Germany", "&lt;anna.schmidt@example.com&gt;",
                 "(new customer in your shop)", "<strong>30.60</strong>",
                 'href="mailto:orders@acme.example"'):
        assert fact in html, fact


def test_notification_of_unwritten_transfer_and_existing_customer(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    so = sample_supplier_order()
    so.transfers[0].remote_order_id = None
    so.transfers[0].customer_created = False

    text, html = parts(notification(config, so))

    assert "Your shop order (not written)" in text
    assert "(existing customer in your shop)" in text and "(new customer" not in text
    assert "(existing customer in your shop)" in html


def test_notification_in_german(make_config):
    config = make_config(suppliers={"alpha": supplier(language="de")})
    message = notification(config, sample_supplier_order(orders=2))
    text, html = parts(message)

    assert message["Subject"] == "ACME Distribution: Bestellung acme-42 (2 Kundenaufträge)"
    assert text.startswith("Guten Tag Alpha Tools GmbH,\n")
    assert "2 Kundenaufträge, direkt in Ihrem Shop angelegt" in text
    assert "Ihre Shop-Bestellung SHOP-4712    (unser Auftrag 1002, Referenz acme-1002-alpha)" \
        in text
    assert "Bestellt am 20.11.2026" in text
    assert "(neuer Kunde in Ihrem Shop)" in text
    assert re.search(r"(?m)^  3\s+A-100\s+Claw hammer 450 g\s+7,20\s+21,60$", text)
    assert "Warenwert netto 21,60, Versand 4,90, MwSt. 4,10, gesamt 30,60 EUR" in text
    assert "Bestellung acme-42: netto 43,20 + Versand 9,80 + MwSt. 8,20 = 61,20 EUR" in text
    assert "  Deutschland\n" in text
    assert "Antworten Sie auf\ndiese E-Mail; sie geht an orders@acme.example." in text
    assert '<html lang="de">' in html and "Lieferadresse" in html and ">7,20</td>" in html


def test_blind_drop_ship_wording(make_config):
    config = make_config(suppliers={"alpha": supplier(customer_policy="distributor",
                                                      distributor_customer_id=9)})
    text, html = parts(notification(config))

    assert "Customer: ACME Distribution (our account with you)" in text
    assert "*** Blind drop-shipment: ship to the address below in neutral packaging,\n" \
           "*** without prices, invoice or advertising in the parcel; invoice us." in text
    assert "anna.schmidt@example.com" not in text  # the end customer's email is not shared
    assert "Phone: +49 30 1234567" in text  # the carrier may need it
    assert "<strong>Blind drop-shipment:</strong>" in html
    assert "anna.schmidt@example.com" not in html

    config = make_config(suppliers={"alpha": supplier(language="de",
                                                      customer_policy="distributor",
                                                      distributor_customer_id=9)})
    text, _html = parts(notification(config))
    assert "Kunde: ACME Distribution (unser Kundenkonto bei Ihnen)" in text
    assert "*** Neutraler Versand (Streckengeschäft)" in text


def test_guest_policy_wording(make_config):
    config = make_config(suppliers={"alpha": supplier(customer_policy="guest",
                                                      guest_customer_id=1)})
    text, html = parts(notification(config))
    assert "Customer: guest order for Anna Schmidt <anna.schmidt@example.com>" in text
    assert "Guest order: Anna Schmidt &lt;anna.schmidt@example.com&gt;" in html


def test_mail_only_wording_lists_the_attachments(make_config):
    config = make_config(suppliers={"alpha": supplier(connector={"type": "mail-only"},
                                                      notification={"customer_number": "K-1"})})
    files = [mail.Attachment("order-acme-42.pdf", b"%PDF-1.4", "application/pdf"),
             mail.Attachment("order-acme-42.csv", b"a;b\r\n", "text/csv")]
    message = notification(config, attachments=files)
    text, html = parts(message)

    assert "Please enter it in your system from the attached files." in text
    assert "entered directly into your shop" not in text
    assert "Our customer number with you: K-1" in text
    assert "Our order 1001    (reference acme-1001-alpha: please quote it)" in text
    assert "Your shop order" not in text and "customer in your shop" not in text
    assert "Attached: order-acme-42.pdf, order-acme-42.csv" in text
    assert "Attached: order-acme-42.pdf, order-acme-42.csv" in html
    assert message.get_content_type() == "multipart/mixed"
    assert [(p.get_filename(), p.get_content_type()) for p in message.iter_attachments()] == [
        ("order-acme-42.pdf", "application/pdf"), ("order-acme-42.csv", "text/csv")]


def test_measured_quantities_show_their_unit(make_config):
    config = make_config(suppliers={"alpha": supplier(language="de")})
    so = sample_supplier_order()
    line = so.transfers[0].lines[0].line
    line.quantity, line.unit = Decimal("12.5"), "m"
    text, html = parts(notification(config, so))
    assert re.search(r"(?m)^  12,5 m\s+A-100\s+Claw hammer 450 g\s+7,20\s+90,00$", text)
    assert ">12,5 m</td>" in html


def test_cancellation(make_config):
    config = make_config(suppliers={"alpha": supplier(notification={"cc": ["b@alpha.example"]})})
    so = sample_supplier_order(orders=2)
    message = mail.render_cancellation(config, config.supplier("alpha"), so, so.transfers[1:],
                                       now=FIXED_NOW, reason="the customer withdrew")
    text, html = parts(message)

    assert message["Subject"] == \
        "ACME Distribution: CANCELLATION of 1 customer order of order acme-42"
    assert (message["To"], message["Cc"]) == (SUPPLIER_EMAIL, "b@alpha.example")
    assert "ACME Distribution CANCELS this customer order of purchase order acme-42 (its " \
           "other customer orders stay valid)." in text
    assert "Please do not ship it and cancel it in your shop." in text
    assert "Reason: the customer withdrew" in text
    assert "CANCELLED: your shop order SHOP-4712 (our order 1002, reference acme-1002-alpha)" \
        in text
    assert "SHOP-4711" not in text  # the order that stays is not named
    assert re.search(r"(?m)^  3\s+A-100\s+Claw hammer 450 g$", text)
    assert "If a parcel has already left, reply to this email at once" in text
    assert '<strong style="color:#b00">CANCELLED</strong>' in html


def test_cancellation_in_german_of_a_whole_mail_only_order(make_config):
    config = make_config(suppliers={"alpha": supplier(language="de",
                                                      connector={"type": "mail-only"})})
    so = sample_supplier_order(orders=2)
    message = mail.render_cancellation(config, config.supplier("alpha"), so, so.transfers,
                                       now=FIXED_NOW)
    text, _html = parts(message)
    assert message["Subject"] == \
        "ACME Distribution: STORNO von 2 Kundenaufträgen der Bestellung acme-42"
    assert "STORNIERT diese 2 Kundenaufträge der Bestellung acme-42." in text
    assert "Bitte liefern Sie sie nicht aus." in text  # mail-only: nothing to cancel in a shop
    assert "Grund" not in text and "übrigen" not in text
    assert "STORNIERT: unser Auftrag 1001 (Referenz acme-1001-alpha)" in text


def test_cancellation_attachments(make_config):
    from test_documents import load_ubl_schemas, assert_valid

    config = make_config(suppliers={"alpha": supplier(notification={"attachments":
                                                                    ["ubl", "pdf", "csv"]})})
    so = sample_supplier_order(orders=2)
    files = mail.cancellation_attachments(config, config.supplier("alpha"), so, so.transfers[:1],
                                          reason="out of stock")
    assert [f.filename for f in files] == ["ubl-order-cancellation-acme-1001-alpha.xml",
                                           "order-acme-42-cancelled.pdf"]
    doc = assert_valid(load_ubl_schemas()["OrderCancellation"], files[0].content)
    assert doc.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
                        "CancellationNote") == "out of stock"


def test_digest_lists_several_supplier_orders(make_config):
    config = make_config(suppliers={"alpha": supplier()})
    orders = [sample_supplier_order(so_id=42), sample_supplier_order(orders=2, so_id=43)]
    message = mail.render_digest(config, config.supplier("alpha"), orders, now=FIXED_NOW)
    text, html = parts(message)

    assert message["Subject"] == \
        "ACME Distribution: 2 orders of 2026-11-20 (3 customer orders)"
    assert "Here are ACME Distribution's purchase orders of 2026-11-20: 2 orders with 3 " \
           "customer orders." in text
    assert text.index("Purchase order acme-42") < text.index("Purchase order acme-43")
    assert text.count("Your shop order SHOP-4711") == 2 and "SHOP-4712" in text
    assert "All orders of 2026-11-20: net 64.80 + shipping 14.70 + tax 12.30 = 91.80 EUR" in text
    assert html.count("<h2") == 2

    config = make_config(suppliers={"alpha": supplier(language="de")})
    message = mail.render_digest(config, config.supplier("alpha"), orders[:1], now=FIXED_NOW)
    assert message["Subject"] == \
        "ACME Distribution: 1 Bestellung vom 20.11.2026 (1 Kundenauftrag)"


def test_digest_setting(make_config):
    config = make_config(suppliers={"alpha": supplier(notification={"digest": True,
                                                                    "digest_at": "06:45"})})
    note = config.supplier("alpha").notification
    assert (note.digest, note.digest_at) == (True, "06:45")
    with pytest.raises(OXError) as info:
        make_config(suppliers={"alpha": supplier(notification={"digest_at": "25:00"})})
    assert info.value.code == "OX-CFG-004"
    assert "suppliers.alpha.notification.digest_at" in info.value.message


# --- templates: overrides, languages, StrictUndefined ---------------------------------------------
def test_global_and_per_supplier_template_folders(make_config, tmp_path):
    shared = tmp_path / "templates"
    (shared / "de").mkdir(parents=True)
    (shared / "notification.subject.j2").write_text("GLOBAL {{ label }}\n")
    (shared / "de" / "notification.subject.j2").write_text("GLOBAL-DE {{ label }}\n")
    own = tmp_path / "beta-templates"
    own.mkdir()
    (own / "notification.txt.j2").write_text(
        "Beta gets {{ orders|length }} order(s): {% for o in orders %}{{ o.number }}"
        "{% endfor %}\n")
    config = make_config(
        suppliers={"alpha": supplier(), "de": supplier(language="de"),
                   "beta": supplier(notification={"template_folder": "beta-templates"})},
        mail={"transport": "memory", "template_folder": "templates"})  # relative to the config

    subjects = {sid: mail.render_notification(config, config.supplier(sid),
                                              sample_supplier_order(), now=FIXED_NOW)["Subject"]
                for sid in ("alpha", "de", "beta")}
    assert subjects == {"alpha": "GLOBAL acme-42", "de": "GLOBAL-DE acme-42",
                        "beta": "GLOBAL acme-42"}
    beta = mail.render_notification(config, config.supplier("beta"), sample_supplier_order(),
                                    now=FIXED_NOW)
    text, html = parts(beta)
    assert text == "Beta gets 1 order(s): 1001\n"
    assert "Your shop order SHOP-4711" in html  # the HTML part was not overridden


def test_a_language_without_templates_falls_back_to_english(make_config, tmp_path):
    config = make_config(suppliers={"alpha": supplier(language="fr")})
    assert not mail.has_templates(config, config.supplier("alpha"))
    assert notification(config)["Subject"].startswith("ACME Distribution: order acme-42")
    (tmp_path / "tpl" / "fr").mkdir(parents=True)
    (tmp_path / "tpl" / "fr" / "notification.txt.j2").write_text("Bonjour {{ supplier.name }}\n")
    config = make_config(suppliers={"alpha": supplier(language="fr")},
                         mail={"transport": "memory", "template_folder": str(tmp_path / "tpl")})
    assert mail.has_templates(config, config.supplier("alpha"))
    assert parts(notification(config))[0] == "Bonjour Alpha Tools GmbH\n"


def test_an_edited_template_is_used_by_the_next_email(make_config, tmp_path):
    """Compiled templates are kept (no reload check per include), yet a template edited while
    the daemon runs (here the included one) is used from the next email on."""
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "notification.txt.j2").write_text(
        "{% for o in orders %}{% include '_order.txt.j2' %}{% endfor %}")
    (tpl / "_order.txt.j2").write_text("first {{ o.number }}\n")
    config = make_config(suppliers={"alpha": supplier()},
                         mail={"transport": "memory", "template_folder": str(tpl)})
    assert parts(notification(config))[0] == "first 1001\n"
    (tpl / "_order.txt.j2").write_text("second {{ o.number }}\n")
    mtime = (tpl / "notification.txt.j2").stat().st_mtime + 5  # whatever the clock's grain
    os.utime(tpl / "_order.txt.j2", (mtime, mtime))
    assert parts(notification(config))[0] == "second 1001\n"


def test_rendering_checks_each_template_file_once_per_email_not_per_order(make_config,
                                                                           monkeypatch):
    """jinja's auto_reload stats the included file for every order of the notification; the
    freshness check asks each compiled template once per email."""
    config = make_config(suppliers={"alpha": supplier()})
    so = sample_supplier_order(orders=40)
    notification(config, so)  # compiled
    calls = []
    real = os.path.getmtime
    monkeypatch.setattr(os.path, "getmtime", lambda p: calls.append(p) or real(p))
    notification(config, so)
    assert calls  # still checked
    assert len(calls) <= 2 * len(set(calls))  # once per template and environment, not per order


@pytest.mark.parametrize("source, expected", [
    ("Hello {{ supplier.nmae }}\n", "notification.txt.j2 line 1"),
    ("{% for o in orders %}\n{{ o.customer.phonenumber }}\n{% endfor %}\n",
     "notification.txt.j2 line 2"),
    ("{% if %}\n", "notification.txt.j2 line 1"),
])
def test_a_template_error_is_ox_mail_006_naming_file_and_line(make_config, tmp_path, source,
                                                              expected):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "notification.txt.j2").write_text(source)
    config = make_config(suppliers={"alpha": supplier()},
                         mail={"transport": "memory", "template_folder": str(tmp_path / "tpl")})
    with pytest.raises(OXError) as info:
        notification(config)
    assert info.value.code == "OX-MAIL-006"
    assert expected in info.value.message
    assert "config check" in info.value.solution


def test_check_rendering_renders_every_kind_and_document(make_config):
    config = make_config(suppliers={"alpha": supplier(
        notification={"attachments": ["pdf", "csv", "ubl"]})})
    host = PluginHost()
    rendered = mail.check_rendering(config, config.supplier("alpha"), lambda so:
                                    host.notification_attachments(config,
                                                                  config.supplier("alpha"), so))
    assert rendered[:9] == [f"{k}.{p}" for k in ("notification", "cancellation", "digest")
                            for p in ("subject", "txt", "html")]
    assert rendered[9:] == ["order-acme-0.pdf", "order-acme-0.csv",
                            "ubl-order-OX-SAMPLE000000000000001.xml",
                            "ubl-order-OX-SAMPLE000000000000002.xml"]


def test_html_is_escaped_text_is_not(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    so = sample_supplier_order(first_name="<b>Eve</b>", last_name="<script>alert(1)</script>")
    text, html = parts(notification(config, so))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" in text  # plain text is not HTML: no escaping there


# --- headers -------------------------------------------------------------------------------------
def test_headers_of_a_notification(make_config):
    config = make_config(suppliers={"alpha": supplier(notification={
        "cc": ["stock@alpha.example", "boss@alpha.example"],
        "reply_to": "purchasing@acme.example"})})
    message = notification(config)
    assert message["From"] == f"ACME Distribution <{SENDER}>"
    assert message["To"] == SUPPLIER_EMAIL
    assert message["Cc"] == "stock@alpha.example, boss@alpha.example"
    assert message["Reply-To"] == "purchasing@acme.example"
    assert message["Date"] == "Fri, 20 Nov 2026 10:30:00 +0000"
    assert re.fullmatch(r"<[^<>@\s]+@acme\.example>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] is None and message["Precedence"] is None
    assert mail.envelope_recipients(message) == [SUPPLIER_EMAIL, "stock@alpha.example",
                                                 "boss@alpha.example"]
    assert header_names(message.as_bytes()) == [
        "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted",
        "MIME-Version", "Content-Type"]


def test_invalid_cc_address_is_a_config_error(make_config):
    with pytest.raises(OXError) as info:
        make_config(suppliers={"alpha": supplier(notification={"cc": ["not an address"]})})
    assert info.value.code == "OX-CFG-004"
    assert "suppliers.alpha.notification.cc" in info.value.message


def test_build_message_folds_injected_headers(make_config):
    config = make_config()
    message = mail.build_message(config, "supplier@example.com\r\nBcc: evil@example.com",
                                 "Subject\r\nBcc: evil@x", "text")
    raw = message.as_bytes()

    lines = header_lines(raw)
    assert not [line for line in lines if line.lower().startswith("bcc")]
    assert not re.search(rb"(?im)^bcc:", raw)
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Bcc"] is None
    assert got["Subject"] == "Subject Bcc: evil@x"
    assert "\r" not in str(message["To"]) and "\n" not in str(message["To"])
    assert header_names(raw) == [
        "From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted",
        "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]


def test_notification_with_hostile_customer_name(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    so = sample_supplier_order(first_name="Eve\r\nBcc: evil@example.com",
                               last_name="<script>alert(1)</script>")

    message = mail.render_notification(config, config.supplier("alpha"), so, now=FIXED_NOW)
    raw = message.as_bytes()

    lines = header_lines(raw)
    assert not [line for line in lines if line.lower().startswith("bcc")]
    assert header_names(raw) == ["From", "To", "Reply-To", "Subject", "Date", "Message-ID",
                                 "Auto-Submitted", "MIME-Version", "Content-Type"]
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Bcc"] is None
    assert got["To"] == SUPPLIER_EMAIL
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    for part in got.iter_parts():
        assert part["Bcc"] is None

    html = got.get_body(preferencelist=("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_template_cannot_inject_headers_through_the_subject(make_config, tmp_path):
    """A custom subject template producing several lines still gives one Subject header."""
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "notification.subject.j2").write_text(
        "Order {{ label }}\nBcc: evil@example.com\n{{ orders[0].customer.first_name }}\n")
    config = make_config(suppliers={"alpha": supplier()},
                         mail={"transport": "memory", "template_folder": str(tmp_path / "tpl")})
    so = sample_supplier_order(first_name="Eve\r\nX-Evil: 1")
    raw = notification(config, so).as_bytes()
    assert not [n for n in header_names(raw) if n.lower() in ("bcc", "x-evil")]
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Subject"] == "Order acme-42 Bcc: evil@example.com Eve X-Evil: 1"


def test_attachment_filename_cannot_inject(make_config):
    config = make_config(suppliers={"alpha": ALPHA})
    bad = mail.Attachment("order.pdf\r\nBcc: evil@example.com", b"%PDF", "application/pdf")
    message = notification(config, attachments=[bad])
    raw = message.as_bytes()
    assert not re.search(rb"(?im)^bcc:", raw)
    assert [p.get_filename() for p in message.iter_attachments()] == [
        "order.pdf Bcc: evil@example.com"]


# --- file / memory transports --------------------------------------------------------------------
def test_file_transport_writes_a_parseable_eml(make_config, tmp_path, transports):
    config = make_config(suppliers={"alpha": ALPHA})
    assert config.mail.transport == "file"
    message = notification(config)

    transport = mail.transport_for(config.mail, transports)
    assert isinstance(transport, mail.FileTransport)
    with transport:
        delivery = transport.send(message)

    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert delivery.message_id == message["Message-ID"]
    assert delivery.accepted == [SUPPLIER_EMAIL] and delivery.response == str(files[0])
    got = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert got["To"] == SUPPLIER_EMAIL
    assert got["Message-ID"] == message["Message-ID"]
    assert got["Subject"] == "ACME Distribution: order acme-42 (1 customer order)"
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    assert "SHOP-4711" in got.get_body(preferencelist=("plain",)).get_content()


def test_file_transport_unwritable_outbox_is_ox_mail_008(make_config, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should be")
    config = make_config(mail={"transport": "file", "outbox": str(blocker)})
    transport = mail.FileTransport(config.mail)

    with pytest.raises(OXError) as info:
        transport.send(mail.build_message(config, SUPPLIER_EMAIL, "s", "t\n"))
    assert info.value.code == "OX-MAIL-008"
    assert str(blocker) in info.value.message

    report = mail.self_test(config, {"file": mail.FileTransport})
    assert not report.ok
    assert report.stages[0].name == "outbox writable" and not report.stages[0].ok


def test_memory_transport_collects(make_config, transports, memory_outbox):
    config = make_config(mail={"transport": "memory"})
    first = mail.build_message(config, "a@example.com", "one", "1\n")
    second = mail.build_message(config, ["b@example.com", "c@example.com"], "two", "2\n")

    with mail.transport_for(config.mail, transports) as transport:
        assert isinstance(transport, mail.MemoryTransport)
        transport.send(first)
        delivery = transport.send(second)

    assert memory_outbox == [first, second]
    assert [m["To"] for m in memory_outbox] == ["a@example.com", "b@example.com, c@example.com"]
    assert delivery.accepted == ["b@example.com", "c@example.com"]


def test_unknown_transport_is_ox_mail_007(make_config, transports):
    config = make_config(mail={"transport": "pigeon"})
    with pytest.raises(OXError) as info:
        mail.transport_for(config.mail, transports)
    assert info.value.code == "OX-MAIL-007"
    assert "pigeon" in info.value.message
    for name in ("smtp", "file", "memory"):
        assert name in info.value.solution


def test_a_plugin_can_add_a_transport(make_config, memory_outbox):
    from types import SimpleNamespace

    from orderexchange import hookimpl

    class Pigeon(mail.MemoryTransport):
        name = "pigeon"

    host = PluginHost()
    host.register(SimpleNamespace(oe_mail_transports=hookimpl(lambda: {"pigeon": Pigeon})),
                  "pigeons", "test", "0")
    config = make_config(mail={"transport": "pigeon"})
    transport = mail.transport_for(config.mail, host.mail_transports())
    assert isinstance(transport, Pigeon)
    assert {"smtp", "file", "console", "memory", "pigeon"} <= set(host.mail_transports())
