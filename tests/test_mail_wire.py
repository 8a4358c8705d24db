"""Golden wire copies: the exact bytes a supplier's mail server receives for realistic emails.

Why: rendering and sending a notification are made cheaper (issue 15), and none of that may
change a byte of what the supplier gets. Each case renders an email with a fixed Date, a fixed
Message-ID and fixed MIME boundaries, stores it in the outbox and sends it over SMTP to the
aiosmtpd server on loopback (tests/servers.py), exactly as a send does; the DATA the server
received and the envelope (MAIL FROM, RCPT TO, their options) are compared byte for byte with
tests/golden/wire/<case>.eml and <case>.envelope.json.

The cases: a 100-order notification from the realistic generator (tests/orderdata.py: 9 locales,
umlauts, Polish names, two-line streets, mixed VAT) in English and in German; a mail-only
notification with real CSV and UBL attachments, a PDF and a file with an umlaut in its name; a
blind drop-shipment from a distributor whose name needs quoting; a cancellation and a digest.

After an intended change of what the supplier receives, regenerate and review the diff:
    OX_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_mail_wire.py
"""

from __future__ import annotations

import email.generator
import email.policy
import functools
import itertools
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import orderdata
import pytest
import sqlalchemy as sa

from orderexchange import documents, mail
from orderexchange.model import (Address, Customer, CustomerOrder, OrderLine, SupplierLine,
                                 SupplierOrder, SupplierOrderState, Transfer, TransferState)
from orderexchange.outbox import Outbox, outbox
from orderexchange.store import Store

WIRE = Path(__file__).resolve().parent / "golden" / "wire"
UPDATE = __import__("os").environ.get("OX_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
TODAY = date(2026, 1, 15)


# --- realistic supplier orders (bench/notify_profile.py uses these too) ----------------------
@functools.lru_cache(maxsize=4)
def realistic_orders(count: int = 100, seed: int = 21) -> tuple[CustomerOrder, ...]:
    """`count` good customer orders of the realistic generator, as the store loads them."""
    data = orderdata.generate(int(count * 1.2) + 10, seed=seed, today=TODAY)
    orders = []
    for raw, label in zip(data.orders, data.labels, strict=True):
        if label.bad:
            continue
        c = raw["customer"]

        def address(a: dict) -> Address:
            return Address(a["first_name"], a["last_name"], a["street"], a["postcode"],
                           a["city"], a["country"], company=a["company"], street2=a["street2"])

        lines = [OrderLine(n, ln["sku"], ln["name"], int(ln["quantity"]),
                           Decimal(ln["unit_price"]), Decimal(ln["tax_rate"]))
                 for n, ln in enumerate(raw["lines"], start=1)]
        orders.append(CustomerOrder(
            raw["number"], datetime.fromisoformat(raw["ordered_at"]), raw["currency"],
            Customer(c["email"], c["first_name"], c["last_name"], c["phone"], c["company"],
                     c["number"]),
            address(raw["billing"]), address(raw["delivery"]), lines,
            shipping=Decimal(raw["shipping"])))
        if len(orders) == count:
            break
    return tuple(orders)


def realistic_supplier_order(count: int = 100, so_id: int = 7, written: bool = True,
                             seed: int = 21) -> SupplierOrder:
    """A supplier order of `count` realistic customer orders, written into the shop (or not:
    mail-only), its lines priced from the generator's catalogue."""
    prices = {row["sku"]: (row["supplier_sku"], Decimal(row["purchase_price"]))
              for row in orderdata.catalogue_rows()}
    transfers = []
    for i, co in enumerate(realistic_orders(count, seed)):
        lines = [SupplierLine(line, *prices[line.sku]) for line in co.lines]
        reference = f"acme-{co.number}-alpha"
        transfers.append(Transfer(
            co, lines, reference=reference, state=TransferState.WRITTEN,
            remote_order_id=str(50001 + i) if written else reference,
            remote_customer_id=str(900 + i) if written else None,
            customer_created=(i % 3 == 0) if written else None,
            customer_match=("new" if i % 3 == 0 else "email") if written else None))
    return SupplierOrder(so_id, "alpha", SupplierOrderState.WRITTEN,
                         datetime(2026, 1, 15, 16, 0, tzinfo=UTC), transfers)


def alpha(**overrides) -> dict:
    section = {"name": "Alpha Werkzeuge GmbH", "email": "orders@alpha.example",
               "shipping_cost": "4.90", "connector": {"type": "oscommerce"},
               "notification": {"cc": ["lager@alpha.example"], "customer_number": "K-0815"}}
    section.update(overrides)
    return section


@pytest.fixture
def stable(monkeypatch):
    """Message-IDs and MIME boundaries counted, not random: the bytes are the same each run."""
    ids = itertools.count(1)
    boundaries = itertools.count(1)
    monkeypatch.setattr(mail.render, "make_msgid",
                        lambda domain: f"<wire.{next(ids)}@{domain}>")
    monkeypatch.setattr(email.generator.Generator, "_make_boundary", classmethod(
        lambda cls, text=None: f"===============wire{next(boundaries):04d}=="))


# --- the cases -------------------------------------------------------------------------------
def _notification(config, so, attachments=()):
    return lambda: mail.render_notification(config, config.supplier("alpha"), so, now=NOW,
                                            attachments=list(attachments))


def case_notification_en_100(make_config):
    config = make_config(suppliers={"alpha": alpha(language="en")})
    return _notification(config, realistic_supplier_order(100))


def case_notification_de_100(make_config):
    config = make_config(suppliers={"alpha": alpha(language="de")})
    return _notification(config, realistic_supplier_order(100))


def case_notification_de_mail_only_attachments(make_config):
    config = make_config(suppliers={"alpha": alpha(
        language="de", connector={"type": "mail-only"},
        notification={"attachments": ["csv", "ubl"], "reply_to": "einkauf@acme.example"})})
    supplier = config.supplier("alpha")
    so = realistic_supplier_order(6, so_id=8, written=False)
    sheet = documents.sheet(config, supplier, so, now=NOW)
    files = [mail.Attachment(name, content, mime) for name, content, mime in
             documents.documents_for(sheet, ["csv", "ubl"])]
    files += [mail.Attachment("order-acme-8.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
                              "application/pdf"),
              mail.Attachment("Bestellübersicht März.txt", "Grüße aus Łódź\n".encode(),
                              "text/plain")]
    return _notification(config, so, files)


def case_notification_en_blind_quoted_name(make_config):
    config = make_config(suppliers={"alpha": alpha(
        language="en", customer_policy="distributor", distributor_customer_id=4711)})
    config.distributor.name = "Meier, Müller & Co. KG"
    return _notification(config, realistic_supplier_order(3, so_id=9, seed=5))


def case_cancellation_de(make_config):
    config = make_config(suppliers={"alpha": alpha(language="de")})
    so = realistic_supplier_order(4, so_id=10)
    return lambda: mail.render_cancellation(config, config.supplier("alpha"), so,
                                            so.transfers[1:3], now=NOW,
                                            reason="Der Kunde hat storniert (Widerruf).")


def case_digest_en(make_config):
    config = make_config(suppliers={"alpha": alpha(language="en", notification={
        "digest": True})})
    so = realistic_supplier_order(5, so_id=11)
    later = realistic_supplier_order(3, so_id=12, seed=8)
    return lambda: mail.render_digest(config, config.supplier("alpha"), [so, later], now=NOW)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def _smtp(server) -> dict:
    return {"transport": "smtp", "host": server.host, "port": server.port, "security": "none",
            "timeout": 10, "retry_delay": 0.1}


def sent_over_smtp(server, make_config, render, store, key="k") -> tuple[bytes, dict]:
    """What the server received when `render`'s message went through the outbox and SMTP."""
    config = make_config(mail=_smtp(server))
    before = len(server.messages)
    with mail.SmtpTransport(config.mail) as smtp:
        Outbox(store).send(key, render, smtp.send)
    [got] = server.messages[before:]
    return got.data, {"mail_from": got.mail_from, "rcpt_tos": got.rcpt_tos,
                      "mail_options": got.mail_options, "rcpt_options": got.rcpt_options}


def _compare(name: str, data: bytes, envelope: dict) -> None:
    eml, env = WIRE / f"{name}.eml", WIRE / f"{name}.envelope.json"
    text = json.dumps(envelope, indent=1, ensure_ascii=False) + "\n"
    if UPDATE:
        WIRE.mkdir(parents=True, exist_ok=True)
        eml.write_bytes(data)
        env.write_text(text, encoding="utf-8")
    want = eml.read_bytes()
    if data != want:
        got_lines, want_lines = data.split(b"\r\n"), want.split(b"\r\n")
        first = next((i for i, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b),
                     min(len(got_lines), len(want_lines)))
        pytest.fail(f"{eml.name}: the wire bytes differ from line {first + 1} on "
                    f"(got {len(data)} bytes, golden {len(want)}):\n"
                    f"  golden: {want_lines[first:first + 3]!r}\n"
                    f"  now:    {got_lines[first:first + 3]!r}\n"
                    "intended? regenerate with OX_UPDATE_GOLDEN=1 and review the diff")
    assert text == env.read_text(encoding="utf-8")


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'wire.sqlite'}")
    yield s
    s.close()


@pytest.mark.parametrize("name", sorted(CASES))
def test_wire_bytes_are_the_golden_copy(name, smtp_server, make_config, store, stable):
    server = smtp_server()
    data, envelope = sent_over_smtp(server, make_config, CASES[name](make_config), store)
    _compare(name, data, envelope)


def test_the_realistic_data_has_what_the_cases_promise():
    text = repr(realistic_orders(100))
    assert any(ch in text for ch in "ąćęłńśźżŁŚŻ")  # Polish names and places
    assert any(ch in text for ch in "äöüßÄÖÜ")
    orders = realistic_orders(100)
    assert len(orders) == 100 and any(o.delivery.street2 for o in orders)
    assert len({o.currency for o in orders}) >= 3


def test_a_resend_of_the_stored_message_is_the_same_bytes(smtp_server, make_config, store,
                                                           stable):
    # a transient refusal keeps the message; the resend sends the stored copy, byte for byte
    server = smtp_server()
    server.reply_for_data = "451 4.3.0 Try again later"
    config = make_config(mail=dict(_smtp(server), retries=0))
    render = CASES["notification_de_mail_only_attachments"](make_config)
    with mail.SmtpTransport(config.mail) as smtp, pytest.raises(Exception):
        Outbox(store).send("notification:8", render, smtp.send)
    assert Outbox(store).pending("notification:8") is not None
    server.reply_for_data = None
    data, envelope = sent_over_smtp(server, make_config, lambda: pytest.fail("rendered again"),
                                    store, key="notification:8")
    _compare("notification_de_mail_only_attachments", data, envelope)


def test_an_outbox_row_stored_by_an_older_version_is_sent_as_before(smtp_server, make_config,
                                                                      store, stable):
    # rows written before the outbox kept wire bytes: the message serialised with unfolded
    # headers and bare LF line ends; they must still go out exactly as they did then
    server = smtp_server()
    render = CASES["notification_en_blind_quoted_name"](make_config)
    old_policy = email.policy.default.clone(max_line_length=998)
    message = render()
    Outbox(store)  # creates the table
    with store.engine.begin() as conn:
        conn.execute(outbox.insert().values(
            key="notification:9", message_id=str(message["Message-ID"]),
            raw=message.as_bytes(policy=old_policy), covers="", created_at=NOW))
    assert sa.inspect(store.engine).has_table("ox_outbox")
    data, envelope = sent_over_smtp(server, make_config, lambda: pytest.fail("rendered again"),
                                    store, key="notification:9")
    _compare("notification_en_blind_quoted_name", data, envelope)


def test_the_stored_bytes_are_the_bytes_sent(smtp_server, make_config, store, stable):
    # serialised once: what the outbox keeps is what reaches the server, unchanged
    server = smtp_server()
    render = CASES["notification_de_mail_only_attachments"](make_config)
    kept = []
    config = make_config(mail=_smtp(server))
    with mail.SmtpTransport(config.mail) as smtp:
        Outbox(store).send("notification:8", render,
                           lambda message: kept.append(Outbox(store).pending(
                               "notification:8").message) or smtp.send(message))
    with store.engine.connect() as conn:
        raw = conn.execute(sa.select(outbox.c.raw)).scalar_one()
    assert bytes(raw) == server.messages[0].data
    assert kept[0]["Message-ID"] == "<wire.1@acme.example>"


@pytest.mark.parametrize("name", ["notification_en_100", "notification_de_mail_only_attachments"])
def test_the_file_transport_writes_the_wire_bytes_with_lf(name, make_config, tmp_path, store,
                                                           stable):
    # the .eml of the file transport is the same message as the wire, with LF line ends
    config = make_config(mail={"transport": "file", "outbox": str(tmp_path / "eml")})
    Outbox(store).send("k", CASES[name](make_config), mail.FileTransport(config.mail).send)
    [eml] = (tmp_path / "eml").iterdir()
    assert eml.read_bytes() == (WIRE / f"{name}.eml").read_bytes().replace(b"\r\n", b"\n")


def test_a_long_message_id_reads_back_as_itself(smtp_server, make_config, store, monkeypatch):
    # folded onto its own line on the wire (it is longer than 78 columns), the Message-ID of a
    # stored message still reads back without the fold: the supplier order records it as sent
    long_id = "<179647675299.17262.12773130244861571375@demo-distribution.example>"
    monkeypatch.setattr(mail.render, "make_msgid", lambda domain: long_id)
    render = CASES["cancellation_de"](make_config)
    stored = Outbox(store).message("k", render)
    assert b"Message-ID:\r\n <179647675299." in stored.wire
    assert str(stored["Message-ID"]) == long_id
    assert str(Outbox(store).pending("k").message["Message-ID"]) == long_id
