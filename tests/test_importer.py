"""Import: bad rows reported with their code and skipped, good rows stored, nothing half-stored."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from helpers import sample_order

from orderexchange.errors import OXError
from orderexchange.importer import import_catalogue, import_orders
from orderexchange.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield s
    s.close()


def write_jsonl(path, orders, raw_lines=()):
    body = b"".join(json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in orders)
    path.write_bytes(body + b"".join(raw_lines))
    return path


def codes(report):
    return sorted(e.code for e in report.errors)


def test_good_orders_are_stored_completely(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [
        sample_order("1"),
        sample_order("2", email="ben@example.org", first="Ben", last="Müller", lines=[
            {"sku": "A", "name": "a", "quantity": 1, "unit_price": "1.10", "tax_rate": "7"},
            {"sku": "B", "name": "b", "quantity": "3", "unit_price": "2.5"}])])
    report = import_orders(store, path)
    assert report.stored == ["1", "2"] and report.errors == []
    orders = store.customer_orders([1, 2])
    second = next(o for o in orders.values() if o.number == "2")
    assert second.customer.last_name == "Müller"
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.tax_rate) for ln in second.lines] == [
        ("A", 1, Decimal("1.10"), Decimal("7")), ("B", 3, Decimal("2.5"), Decimal("0"))]
    assert second.delivery == second.billing
    assert second.shipping == Decimal("4.90")


@pytest.mark.parametrize("mutate, code, field", [
    (lambda o: o["customer"].pop("email"), "OX-IMP-004", "customer.email"),
    (lambda o: o["customer"].update(email="anna@@example"), "OX-IMP-005", "customer.email"),
    (lambda o: o["billing"].update(country="XX"), "OX-IMP-006", "billing.country"),
    (lambda o: o["lines"][0].update(quantity="two"), "OX-IMP-007", "lines[1].quantity"),
    (lambda o: o["lines"][0].update(quantity="1.5"), "OX-IMP-007", "lines[1].quantity"),
    (lambda o: o["lines"][0].update(quantity=0), "OX-IMP-010", "lines[1].quantity"),
    (lambda o: o["lines"][0].update(unit_price="-1"), "OX-IMP-010", "lines[1].unit_price"),
    (lambda o: o.update(ordered_at="yesterday"), "OX-IMP-013", "ordered_at"),
    (lambda o: o["billing"].update(city="x" * 300), "OX-IMP-011", "billing.city"),
    (lambda o: o["delivery"].update(street="Main St\r\nBcc: x"), "OX-IMP-014", "delivery.street"),
    (lambda o: o.update(currency="EURO"), "OX-IMP-010", "currency"),
    (lambda o: o.update(lines=[]), "OX-IMP-004", "lines"),
])
def test_each_bad_field_is_reported_and_the_order_skipped(store, tmp_path, mutate, code, field):
    bad = sample_order("2")
    mutate(bad)
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1"), bad, sample_order("3")])
    report = import_orders(store, path)
    assert report.stored == ["1", "3"]
    assert report.rejected_orders == ["2"]
    assert [e.code for e in report.errors] == [code]
    err = report.errors[0]
    assert err.facts["order"] == "2" and err.facts["row"] == 2 and err.facts["field"] == field
    assert "2" in err.message and field in err.message and err.solution
    # nothing of the bad order was stored, not even its customer's lines
    assert not store.has_order("2")
    assert [o["number"] for o in store.list_customer_orders()] == ["1", "3"]


def test_all_errors_of_one_order_are_reported_together(store, tmp_path):
    bad = sample_order("9", email="nope", country="ZZ")
    bad["lines"][0]["quantity"] = "x"
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl", [bad]))
    assert codes(report) == ["OX-IMP-005", "OX-IMP-006", "OX-IMP-006", "OX-IMP-007"]
    assert report.stored == []


def test_broken_utf8_and_bad_json_rows_are_skipped(store, tmp_path):
    broken = json.dumps(sample_order("2")).replace("Anna", "An\\u00ffna").encode()
    broken = broken.replace(b"An\\u00ffna", b"An\xffna")  # a raw invalid UTF-8 byte
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1")],
                       [broken + b"\n", b"{not json\n", json.dumps(sample_order("4")).encode()])
    report = import_orders(store, path)
    assert report.stored == ["1", "4"]
    assert codes(report) == ["OX-IMP-003", "OX-IMP-008"]
    utf8 = next(e for e in report.errors if e.code == "OX-IMP-008")
    assert utf8.facts["row"] == 2


def test_same_order_number_twice_is_not_duplicated(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1")])
    assert import_orders(store, path).stored == ["1"]
    again = import_orders(store, path)
    assert again.stored == [] and again.duplicates == ["1"]
    assert [n.code for n in again.notices] == ["OX-IMP-009"]
    assert len(store.list_customer_orders()) == 1


def test_dry_run_validates_only(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1"), sample_order("2", email="x")])
    report = import_orders(store, path, dry_run=True)
    assert report.stored == ["1"] and codes(report) == ["OX-IMP-005"]
    assert store.list_customer_orders() == []


CSV_HEADER = ("order_number,ordered_at,currency,shipping,email,first_name,last_name,phone,"
              "billing_first_name,billing_last_name,billing_street,billing_postcode,billing_city,"
              "billing_country,delivery_first_name,delivery_last_name,delivery_street,"
              "delivery_postcode,delivery_city,delivery_country,sku,name,quantity,unit_price,"
              "tax_rate\n")


def csv_row(number, sku="HAMMER", qty="1", email="anna@example.com", country="DE", city="Berlin"):
    return (f"{number},2026-11-20,EUR,4.90,{email},Anna,Schmidt,,Anna,Schmidt,Hauptstr. 1,10115,"
            f"{city},{country},,,,,,,{sku},Claw hammer,{qty},12.90,19\n")


def test_csv_groups_lines_by_order_and_rejects_bad_rows(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes((CSV_HEADER + csv_row("1") + csv_row("1", sku="SCREWS", qty="2")
                      + csv_row("2", qty="many") + csv_row("3", country="Germany")
                      + csv_row("4", city="Kln")).encode()
                     + csv_row("5", city="K\xf6ln").encode("latin-1")
                     + csv_row("6", city="Köln").encode())
    report = import_orders(store, path)
    assert report.stored == ["1", "4", "6"]
    assert codes(report) == ["OX-IMP-006", "OX-IMP-007", "OX-IMP-008"]
    seven = next(e for e in report.errors if e.code == "OX-IMP-007")
    assert seven.facts["row"] == 4  # the physical CSV row, header is row 1
    order = next(o for o in store.customer_orders([1, 2, 3]).values() if o.number == "1")
    assert [(ln.sku, ln.quantity) for ln in order.lines] == [("HAMMER", 1), ("SCREWS", 2)]
    assert order.delivery == order.billing  # empty delivery columns mean: same as billing


def test_csv_order_rows_must_agree(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV_HEADER + csv_row("1") + csv_row("1", email="other@example.com"))
    report = import_orders(store, path)
    assert codes(report) == ["OX-IMP-012"] and report.stored == []


def test_unknown_format_and_missing_file_are_coded(store, tmp_path):
    with pytest.raises(OXError) as exc:
        import_orders(store, tmp_path / "orders.xlsx")
    assert exc.value.code == "OX-IMP-002"
    with pytest.raises(OXError) as exc:
        import_orders(store, tmp_path / "missing.jsonl")
    assert exc.value.code == "OX-IMP-001"


def test_catalogue_import_skips_bad_rows(store, tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("sku,supplier,supplier_sku,purchase_price,name\n"
                    "HAMMER,alpha,A-100,7.20,Hammer\n"
                    "SAW,nobody,S-1,3.00,Saw\n"
                    "RAKE,alpha,,1.00,Rake\n"
                    "HOE,alpha,H-1,cheap,Hoe\n"
                    "HAMMER,alpha,A-100,7.50,Hammer\n")
    count, errors = import_catalogue(store, path, {"alpha"})
    assert count == 2
    assert [e.code for e in errors] == ["OX-CAT-002", "OX-CAT-001", "OX-CAT-001"]
    entries = store.catalogue_entries()
    assert [(e.sku, e.purchase_price) for e in entries] == [("HAMMER", Decimal("7.50"))]
