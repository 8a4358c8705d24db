"""The state store, run on SQLite and on a real PostgreSQL: same code, same results."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from helpers import sample_order

from orderexchange import documents
from orderexchange.actions.orders import with_values
from orderexchange.build import build
from orderexchange.errors import OXError
from orderexchange.importer import parse_order
from orderexchange.model import CatalogueEntry, SupplierOrderState, TransferState
from orderexchange.store import Store


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    elif request.param == "mariadb":
        url = request.getfixturevalue("mariadb_db").url
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url)
    yield s
    s.close()


def order(number, **kw):
    parsed, errors = parse_order(sample_order(number, **kw), row=1)
    assert errors == []
    return parsed


def test_customer_order_round_trip_keeps_exact_money_and_text(store):
    o = order("1", first="Zoë", last="Ørsted", ordered_at="2026-11-20T09:15:00", lines=[
        {"sku": "HAMMER", "name": "Hämmer „Profi“", "quantity": 3, "unit_price": "0.1",
         "tax_rate": "7.5"},
        {"sku": "SCREWS", "name": "Screws", "quantity": 1, "unit_price": "12345.6789",
         "tax_rate": "19"}])
    oid = store.add_customer_order(o)
    back = store.customer_orders([oid])[oid]
    assert back.number == "1" and back.customer.first_name == "Zoë"
    assert back.lines[0].name == "Hämmer „Profi“"
    assert [ln.unit_price for ln in back.lines] == [Decimal("0.1"), Decimal("12345.6789")]
    assert back.lines[0].tax_rate == Decimal("7.5")
    assert back.ordered_at == datetime.fromisoformat("2026-11-20T09:15:00+00:00")
    assert back.delivery.city == "Berlin" and back.billing.country == "DE"


def test_a_loaded_order_is_the_imported_one_field_for_field(store):
    """The load reads addresses, lines and the customer positionally into the model's
    dataclasses: every field distinct, so a column read into the wrong field shows."""
    o = order("7", email="z.o@example.com", first="Zoë", last="Ørsted", phone="+49 30 1234567",
              billing={"first_name": "Bf", "last_name": "Bl", "company": "Bc", "street": "Bs",
                       "street2": "Bs2", "postcode": "10115", "city": "Bcity", "state": "Bst",
                       "country": "DE"},
              delivery={"first_name": "Df", "last_name": "Dl", "company": "Dc", "street": "Ds",
                        "street2": "Ds2", "postcode": "1010", "city": "Dcity", "state": "Dst",
                        "country": "AT"},
              lines=[{"sku": "A", "name": "Alpha", "quantity": "1.5", "unit": "m",
                      "unit_price": "2.5", "tax_rate": "7"},
                     {"sku": "B", "name": "Beta", "quantity": 2, "unit_price": "3",
                      "tax_rate": "19"}])
    o.customer.company, o.customer.number = "Cc", "K-1"
    oid = store.add_customer_order(o)
    back = store.customer_orders([oid])[oid]
    assert back.customer == o.customer
    assert (back.billing, back.delivery) == (o.billing, o.delivery)
    assert [(ln.line_no, ln.sku, ln.name, ln.quantity, ln.unit_price, ln.tax_rate, ln.unit)
            for ln in back.lines] == [(ln.line_no, ln.sku, ln.name, ln.quantity, ln.unit_price,
                                       ln.tax_rate, ln.unit) for ln in o.lines]
    assert all(ln.id for ln in back.lines)


def test_duplicate_number_is_refused_and_each_order_keeps_its_email(store):
    assert store.add_customer_order(order("1")) is not None
    assert store.add_customer_order(order("1")) is None
    assert store.add_customer_order(order("2", email="ANNA.schmidt@example.com")) is not None
    rows = store.list_customer_orders()
    assert [r["number"] for r in rows] == ["1", "2"]
    assert [r["email"] for r in rows] == ["anna.schmidt@example.com", "ANNA.schmidt@example.com"]


def test_a_later_order_with_the_same_email_never_changes_an_earlier_ones_customer(store):
    """Issue 13 §1: two people sharing one email keep their own names, phones and companies."""
    anna = order("1", email="shared@example.com", first="Anna", last="Alt",
                 phone="+49 30 1234567")
    bernd = order("2", email="Shared@Example.com", first="Bernd", last="Neu",
                  phone="+49 89 7654321")
    bernd.customer.company, bernd.customer.number = "Neu GmbH", "K-2"
    first = store.add_customer_order(anna)
    second = store.add_customer_order(bernd)
    back = store.customer_orders([first, second])
    assert (back[first].customer.first_name, back[first].customer.last_name,
            back[first].customer.phone, back[first].customer.company,
            back[first].customer.email) == ("Anna", "Alt", "+49301234567", "",
                                            "shared@example.com")
    assert (back[second].customer.first_name, back[second].customer.phone,
            back[second].customer.company, back[second].customer.number) == (
        "Bernd", "+49897654321", "Neu GmbH", "K-2")


def test_build_assigns_each_line_once_to_the_cheapest_active_supplier(store, make_config):
    config = make_config(suppliers={
        "alpha": {"name": "A", "email": "a@example.com"},
        "beta": {"name": "B", "email": "b@example.com"},
        "gamma": {"name": "G", "email": "g@example.com", "active": False}})
    store.upsert_catalogue([
        CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20")),
        CatalogueEntry("HAMMER", "beta", "B-7", Decimal("6.90")),
        CatalogueEntry("HAMMER", "gamma", "G-1", Decimal("1.00")),  # cheapest, but inactive
        CatalogueEntry("SCREWS", "alpha", "A-200", Decimal("10.80"))])
    store.add_customer_order(order("1", lines=[
        {"sku": "HAMMER", "name": "h", "quantity": 1, "unit_price": "9"},
        {"sku": "SCREWS", "name": "s", "quantity": 2, "unit_price": "15"},
        {"sku": "NOPE", "name": "n", "quantity": 1, "unit_price": "1"}]))
    report = build(store, config)
    assert len(report.created) == 2
    assert [(e.code, e.facts["sku"]) for e in report.unassigned] == [("OX-BLD-001", "NOPE")]
    by_supplier = {store.supplier_order(i).supplier_id: store.supplier_order(i)
                   for i in report.created}
    assert set(by_supplier) == {"alpha", "beta"}
    beta = by_supplier["beta"]
    assert beta.state == SupplierOrderState.DRAFT
    assert [(sl.supplier_sku, sl.purchase_price) for sl in beta.transfers[0].lines] == [
        ("B-7", Decimal("6.90"))]
    alpha = by_supplier["alpha"]
    assert [(sl.supplier_sku, sl.line.quantity) for sl in alpha.transfers[0].lines] == [
        ("A-200", 2)]
    assert alpha.transfers[0].reference != beta.transfers[0].reference
    # a second build forwards nothing twice; the unassigned line is reported again
    again = build(store, config)
    assert again.created == [] and [e.facts["sku"] for e in again.unassigned] == ["NOPE"]
    summary = {r["supplier_id"]: r
               for r in with_values(store, config, store.list_supplier_orders())}
    assert summary["alpha"]["lines"] == 1
    assert (summary["alpha"]["net_value"], summary["alpha"]["currency"]) == ("21.60", "EUR")


def test_listed_value_is_the_notifications_on_every_backend(store, make_config):
    """Rows quoted in EUR, CHF and PLN for a CHF supplier: the list states each supplier order's
    net value as its documents do (exact, read back from this backend), and reads the purchase
    lines of the listed supplier orders only."""
    config = make_config(
        suppliers={"beta": {"name": "B", "email": "b@example.ch", "price_currency": "CHF",
                            "shipping_cost": "7.90"}},
        distributor={"id": "acme", "name": "ACME", "email": "orders@acme.example",
                     "currency": "EUR", "rates": {"CHF": "0.9412", "PLN": "4.2750"}})
    store.upsert_catalogue([
        CatalogueEntry("HAMMER", "beta", "B-1", Decimal("7.2049"), "", "EUR"),
        CatalogueEntry("CABLE", "beta", "B-2", Decimal("0.84"), "", "CHF"),
        CatalogueEntry("GLOVES", "beta", "B-3", Decimal("9.99"), "", "PLN")])
    store.add_customer_order(order("1", lines=[
        {"sku": "HAMMER", "name": "h", "quantity": 3, "unit_price": "12.90"},
        {"sku": "CABLE", "name": "c", "quantity": "12.5", "unit_price": "1.20", "unit": "m"},
        {"sku": "GLOVES", "name": "g", "quantity": 2, "unit_price": "4.50"}]))
    first = build(store, config).created
    store.set_state(first[0], SupplierOrderState.NOTIFIED)
    store.add_customer_order(order("2", lines=[
        {"sku": "GLOVES", "name": "g", "quantity": 7, "unit_price": "4.50"}]))
    second = build(store, config).created
    rows = with_values(store, config, store.list_supplier_orders())
    for row in rows:
        so = store.supplier_order(row["id"])
        totals = documents.sheet(config, config.suppliers["beta"], so).totals
        assert row["net_values"] == [{"currency": t.currency, "amount": str(t.subtotal)}
                                     for t in totals]
    # 3 × 7.2049 EUR = 21.6147 EUR = 20.34 CHF; 12.5 m × 0.84 = 10.50 CHF; 2 × 9.99 PLN =
    # 19.98 PLN = 4.40 CHF (bare numbers 52.09); then 7 × 9.99 PLN = 69.93 PLN = 15.40 CHF
    assert [(r["id"], r["net_value"], r["currency"]) for r in rows] == [
        (first[0], "35.24", "CHF"), (second[0], "15.40", "CHF")]
    assert store.purchase_lines(second) == {second[0]: [[(Decimal("9.99"), Decimal("7"), "PLN")]]}
    drafts = with_values(store, config, store.list_supplier_orders(
        states=[SupplierOrderState.DRAFT]), states=[SupplierOrderState.DRAFT])
    assert [(r["id"], r["net_value"]) for r in drafts] == [(second[0], "15.40")]
    # by ids, by state and all at once: the same lines, in the same order
    everything = store.purchase_lines()
    assert everything == store.purchase_lines(first + second)
    assert store.purchase_lines(states=[SupplierOrderState.DRAFT]) == {
        second[0]: everything[second[0]]}
    assert store.supplier_order_counts() == {("beta", "draft"): 1, ("beta", "notified"): 1}
    assert store.count_customer_orders("open") == 0


def test_state_changes_and_transfer_log_are_recorded(store, make_config):
    config = make_config(suppliers={"alpha": {"name": "A", "email": "a@example.com"}})
    store.upsert_catalogue([CatalogueEntry("HAMMER", "alpha", "A-100", Decimal("7.20"))])
    store.add_customer_order(order("1"))
    so_id = build(store, config).created[0]
    so = store.supplier_order(so_id)
    store.set_state(so_id, SupplierOrderState.CHECKED)
    t = so.transfers[0]
    t.state, t.remote_order_id, t.remote_customer_id, t.customer_created = (
        TransferState.WRITTEN, "77", "5", True)
    store.set_transfers(so_id, [(t, None, False)])
    store.set_state(so_id, SupplierOrderState.NOTIFY_FAILED,
                    error=OXError("OX-MAIL-001", host="mx", port=25, detail="refused", id=so_id))
    back = store.supplier_order(so_id)
    assert back.state == SupplierOrderState.NOTIFY_FAILED and back.error_code == "OX-MAIL-001"
    assert back.transfers[0].remote_order_id == "77" and back.transfers[0].customer_created
    steps = [(e["step"], e["outcome"], e["code"]) for e in store.events(so_id)]
    assert steps == [("build", "ok", None), ("checked", "ok", None), ("write", "ok", None),
                     ("notify_failed", "error", "OX-MAIL-001")]
    assert store.list_supplier_orders(states=[SupplierOrderState.NOTIFY_FAILED])[0]["id"] == so_id


def test_settings_upsert(store):
    assert store.get_setting("licence_code") is None
    store.set_setting("licence_code", "A")
    store.set_setting("licence_code", "B")
    assert store.get_setting("licence_code") == "B"


def test_unreachable_store_is_a_coded_error(dead_port):
    with pytest.raises(OXError) as exc:
        Store(f"postgresql+psycopg://ox:secret-pw@127.0.0.1:{dead_port}/ox")
    assert exc.value.code == "OX-STO-001"
    assert "secret-pw" not in str(exc.value) + exc.value.solution


def test_a_loaded_supplier_order_knows_earlier_sends_of_its_orders_to_the_same_supplier(store):
    """`sent_before` (OX-CHK-027) lists the written transfers of the same customer order in
    other supplier orders of the same supplier only — not another supplier's, not unwritten
    ones, not its own — and the load brings each order whole with its lines and addresses."""
    store.add_customer_order(order("1", lines=[
        {"sku": f"S{i}", "name": f"n{i}", "quantity": 1, "unit_price": "9"} for i in range(4)]))
    store.add_customer_order(order("2"))
    (o1,) = [o for o in store.customer_orders([1, 2]).values() if o.number == "1"]
    (o2,) = [o for o in store.customer_orders([1, 2]).values() if o.number == "2"]
    line = {ln.line_no: ln.id for ln in o1.lines}

    def so_with(supplier, lines, written, also=()):
        so_id = store.create_supplier_order(
            supplier, [(o1.id, [(line[n], f"X{n}", Decimal("7")) for n in lines]), *also])
        if written:
            t = store.supplier_order(so_id).transfers[0]
            t.state, t.remote_order_id = TransferState.WRITTEN, f"r{so_id}"
            store.set_transfers(so_id, [(t, None, False)])
        return so_id

    first = so_with("alpha", [1], written=True)
    so_with("beta", [2], written=True)
    so_with("alpha", [3], written=False)
    last = so_with("alpha", [4], written=False,
                   also=[(o2.id, [(o2.lines[0].id, "Y", Decimal("7"))])])
    loaded = store.supplier_order(last)
    by_number = {t.customer_order.number: t for t in loaded.transfers}
    assert by_number["1"].sent_before == [(first, f"r{first}")]
    assert by_number["2"].sent_before == []
    assert [sl.line.line_no for sl in by_number["1"].lines] == [4]
    assert [ln.line_no for ln in by_number["1"].customer_order.lines] == [1, 2, 3, 4]
    assert by_number["2"].customer_order == o2
    assert by_number["1"].customer_order.delivery.city == o1.delivery.city
