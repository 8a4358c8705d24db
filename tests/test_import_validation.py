"""Import validation (issue 5): the shop-independent step-1 rules at the door, the error report
file that can be fixed and imported again, status updates, and chunked streaming commits."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from helpers import sample_order

from orderexchange.errors import OXError
from orderexchange.importer import CSV_COLUMNS, import_orders
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


def stored_order(store, number):
    ids = [o["id"] for o in store.list_customer_orders() if o["number"] == number]
    return store.customer_orders(ids)[ids[0]]


# --- the same rules as step 1 -------------------------------------------------------------
def test_postcode_required_only_where_the_country_has_postcodes(store, tmp_path):
    no_postcode = {"first_name": "Wing", "last_name": "Lee", "street": "1 Queen's Road",
                   "postcode": "", "city": "Hong Kong", "country": "HK"}
    german = dict(no_postcode, country="DE", city="Berlin")
    path = write_jsonl(tmp_path / "o.jsonl", [
        sample_order("1", billing=no_postcode, delivery=no_postcode),
        sample_order("2", billing=german, delivery=german)])
    report = import_orders(store, path)
    assert report.stored == ["1"]
    assert [(e.code, e.facts["row"], e.facts["field"]) for e in report.errors] == [
        ("OX-CHK-019", 2, "billing.postcode"), ("OX-CHK-019", 2, "delivery.postcode")]
    assert "addresses in DE need a postcode" in report.errors[0].message


def test_postcode_format_is_a_warning(store, tmp_path):
    odd = {"first_name": "Anna", "last_name": "Schmidt", "street": "Hauptstr. 1",
           "postcode": "1011", "city": "Berlin", "country": "DE"}
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl",
                                              [sample_order("1", billing=odd, delivery=odd)]))
    assert report.stored == ["1"] and report.errors == []
    assert [n.code for n in report.notices] == ["OX-CHK-033", "OX-CHK-033"]
    assert "e.g. 26133" in report.notices[0].message


def test_phone_is_stored_in_e164_or_kept_with_a_warning(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [
        sample_order("1", phone="030 123 45 67"),
        sample_order("2", email="ben@example.org", phone="ring twice")])
    report = import_orders(store, path)
    assert report.stored == ["1", "2"]
    assert [(n.code, n.facts["order"]) for n in report.notices] == [("OX-CHK-020", "2")]
    assert stored_order(store, "1").customer.phone == "+49301234567"
    assert stored_order(store, "2").customer.phone == "ring twice"


def test_order_date_in_the_future_is_refused(store, tmp_path):
    future = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1", ordered_at=future),
                                              sample_order("2")])
    report = import_orders(store, path)
    assert report.stored == ["2"]
    assert [e.code for e in report.errors] == ["OX-CHK-015"]
    assert "in the future" in report.errors[0].message


# sample_order: 2 × 12.90 at 19 %, shipping 4.90 (untaxed): net 25.80 + 4.90 + 4.90 tax = 35.60
@pytest.mark.parametrize("extra, ok", [
    ({"total": "35.60"}, True),
    ({"total": "35.61"}, False),
    ({"total": "30.70", "tax_mode": "gross"}, True),
    ({"total": "35.60", "tax_mode": "gross"}, False),
    ({"total": "36.53", "shipping_tax_rate": "19"}, True),
    ({}, True),  # no total in the file: nothing to compare
])
def test_totals_must_add_up_to_the_cent(store, tmp_path, extra, ok):
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl",
                                              [sample_order("1", **extra)]))
    assert (report.stored == ["1"]) == ok
    assert [e.code for e in report.errors] == ([] if ok else ["OX-CHK-014"])
    if ok and extra:
        order = stored_order(store, "1")
        assert order.total == Decimal(extra["total"])
        assert order.tax_mode == extra.get("tax_mode", "net")


def test_a_total_is_not_compared_when_prices_did_not_parse(store, tmp_path):
    bad = sample_order("1", total="35.60")
    bad["lines"][0]["unit_price"] = "twelve"
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl", [bad]))
    assert [e.code for e in report.errors] == ["OX-IMP-007"]


def test_tax_mode_must_be_net_or_gross(store, tmp_path):
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl",
                                              [sample_order("1", tax_mode="both")]))
    assert [(e.code, e.facts["field"]) for e in report.errors] == [("OX-IMP-010", "tax_mode")]


def test_decimal_quantities_only_for_measured_units(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [
        sample_order("1", lines=[{"sku": "CABLE", "name": "Cable", "quantity": "2.5",
                                  "unit": "m", "unit_price": "1.20", "tax_rate": "19"}]),
        sample_order("2", lines=[{"sku": "HAMMER", "name": "Hammer", "quantity": "2.5",
                                  "unit_price": "1.20", "tax_rate": "19"}])])
    report = import_orders(store, path)
    assert report.stored == ["1"]
    assert [(e.code, e.facts["field"]) for e in report.errors] == [
        ("OX-IMP-007", "lines[1].quantity")]
    line = stored_order(store, "1").lines[0]
    assert (line.quantity, line.unit) == (Decimal("2.5"), "m")


# --- status updates (the trigger's way in) -------------------------------------------------
def test_importing_an_order_again_updates_its_status_or_replaces_it_while_unsent(store,
                                                                                tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1", status="pending")])
    assert import_orders(store, path).stored == ["1"]
    paid = sample_order("1", status="paid")
    again = import_orders(store, write_jsonl(tmp_path / "o2.jsonl", [paid]))
    assert again.stored == [] and again.duplicates == ["1"]
    # OX-IMP-017 alone: OX-IMP-009's "the new copy is ignored" would contradict it
    assert [n.code for n in again.notices] == ["OX-IMP-017"]
    assert "from 'pending' to 'paid'" in again.notices[0].message
    assert stored_order(store, "1").shop_status == "paid"
    # a changed copy of an order no shop has yet replaces it (issue 13: how a held one is fixed)
    changed = sample_order("1", status="paid", shipping="9.90")
    fixed = import_orders(store, write_jsonl(tmp_path / "o3.jsonl", [changed]))
    assert fixed.duplicates == [] and fixed.counts["corrected"] == 1
    assert [n.code for n in fixed.notices] == ["OX-IMP-018"]
    assert stored_order(store, "1").shipping == Decimal("9.90")
    same = import_orders(store, write_jsonl(tmp_path / "o4.jsonl", [changed]))
    assert [n.code for n in same.notices] == ["OX-IMP-009"]


# --- chunked, streaming commits ------------------------------------------------------------
def test_orders_commit_in_chunks_of_rows(store, tmp_path):
    orders = [sample_order(str(n)) for n in range(1, 8)]
    orders[3]["customer"]["email"] = "broken"
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl", orders), chunk_rows=2)
    assert report.counts["commits"] == 3  # 6 good orders, 2 per commit
    assert report.counts["stored"] == 6 and report.counts["rejected"] == 1
    assert report.stored == ["1", "2", "3", "5", "6", "7"]
    assert len(store.list_customer_orders()) == 6


def test_a_chunk_never_splits_an_order(store, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(CSV_HEAD + csv_row("1") + csv_row("1", sku="SCREWS") + csv_row("1", sku="X")
                    + csv_row("2") + csv_row("3"), encoding="utf-8")
    report = import_orders(store, path, chunk_rows=2)
    assert report.stored == ["1", "2", "3"] and report.counts["commits"] == 2
    assert len(stored_order(store, "1").lines) == 3


def test_duplicate_of_a_stored_number_within_one_chunk_is_counted_once(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1"), sample_order("1")])
    report = import_orders(store, path)
    assert report.stored == ["1"] and report.duplicates == ["1"]


def test_report_lists_are_capped_but_counts_stay_exact(store, tmp_path, monkeypatch):
    from orderexchange.importer import report as import_report
    monkeypatch.setattr(import_report, "LIST_LIMIT", 3)
    orders = [sample_order(str(n)) for n in range(1, 11)]
    report = import_orders(store, write_jsonl(tmp_path / "o.jsonl", orders), chunk_rows=4)
    assert report.stored == ["1", "2", "3"] and report.counts["stored"] == 10
    assert report.as_dict()["truncated"] is True
    assert len(store.list_customer_orders()) == 10


# --- CSV: rows of one order together -------------------------------------------------------
CSV_HEAD = ("order_number,ordered_at,currency,shipping,email,first_name,last_name,phone,"
            "billing_first_name,billing_last_name,billing_street,billing_postcode,billing_city,"
            "billing_country,sku,name,quantity,unit_price,tax_rate\n")


def csv_row(number, sku="HAMMER", qty="1", email="anna@example.com", country="DE"):
    date = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    return (f"{number},{date},EUR,4.90,{email},Anna,Schmidt,,Anna,Schmidt,Hauptstr. 1,10115,"
            f"Berlin,{country},{sku},Claw hammer,{qty},12.90,19\n")


@pytest.mark.parametrize("chunk_rows, dry_run", [(5000, False), (1, False), (5000, True)])
def test_csv_order_rows_must_be_consecutive(store, tmp_path, chunk_rows, dry_run):
    """An order whose rows are apart is refused whole, every run of it (issue 16): storing its
    first run would forward half an order, and would depend on where a chunk ends."""
    path = tmp_path / "o.csv"
    path.write_text(CSV_HEAD + csv_row("1") + csv_row("2") + csv_row("1", sku="SCREWS"),
                    encoding="utf-8")
    report = import_orders(store, path, chunk_rows=chunk_rows, dry_run=dry_run)
    assert report.stored == ["2"]
    assert [(e.code, e.facts["row"]) for e in report.errors] == [("OX-IMP-015", 2),
                                                                 ("OX-IMP-015", 4)]
    assert report.rejected_orders == ["1"] and report.counts["rejected"] == 1
    assert "not together in the file" in report.errors[0].message
    assert "none of it was stored" in report.errors[0].message
    if not dry_run:
        assert [o["number"] for o in store.list_customer_orders()] == ["2"]


def test_a_csv_order_apart_goes_whole_into_the_error_report_and_imports_after_sorting(
        store, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(CSV_HEAD + csv_row("1") + csv_row("2") + csv_row("1", sku="SCREWS")
                    + csv_row("3"), encoding="utf-8")
    report_path = tmp_path / "errors.csv"
    report = import_orders(store, path, chunk_rows=1, report_path=report_path)
    assert report.stored == ["2", "3"]
    rows = list(csv.DictReader(io.StringIO(report_path.read_text(encoding="utf-8"))))
    assert [(r["order_number"], r["sku"]) for r in rows] == [("1", "HAMMER"), ("1", "SCREWS")]
    # the report's rows are together: imported as they are, the order is stored whole
    again = import_orders(store, report_path)
    assert again.errors == [] and again.stored == ["1"]
    assert [ln.sku for ln in stored_order(store, "1").lines] == ["HAMMER", "SCREWS"]


def latin1_row(number, sku="HAMMER"):
    """A row that is not UTF-8 (Köln in Latin-1): unreadable, OX-IMP-008."""
    return csv_row(number, sku=sku).replace("Berlin", "K\xf6ln").encode("latin-1")


@pytest.mark.parametrize("chunk_rows", [5000, 1])
def test_a_csv_order_with_an_unreadable_row_is_refused_whole(store, tmp_path, chunk_rows):
    path = tmp_path / "o.csv"
    path.write_bytes((CSV_HEAD + csv_row("1") + csv_row("2")).encode() + latin1_row("2", "SCREWS")
                     + csv_row("3").encode())
    report = import_orders(store, path, chunk_rows=chunk_rows)
    assert report.stored == ["1", "3"]
    assert [(e.code, e.facts["row"]) for e in report.errors] == [("OX-IMP-020", 3),
                                                                 ("OX-IMP-008", 4)]
    assert report.errors[0].facts["bad_row"] == 4 and "row 4 could not be read" in \
        report.errors[0].message


def test_an_unreadable_row_of_no_readable_order_refuses_both_neighbours(store, tmp_path):
    """Its order number is unreadable too: it may belong to the order before or the one after."""
    path = tmp_path / "o.csv"
    unknown = csv_row("9").replace("9,", "9\xe4,", 1).replace("Berlin", "K\xf6ln")
    path.write_bytes((CSV_HEAD + csv_row("1") + csv_row("2")).encode()
                     + unknown.encode("latin-1") + (csv_row("3") + csv_row("4")).encode())
    report = import_orders(store, path)
    assert report.stored == ["1", "4"]
    assert [(e.code, e.facts.get("order"), e.facts["row"]) for e in report.errors] == [
        ("OX-IMP-020", "2", 3), ("OX-IMP-008", None, 4), ("OX-IMP-020", "3", 5)]


# --- the error report: fix and import again ------------------------------------------------
def test_csv_report_holds_the_rejected_rows_and_imports_after_the_fix(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes((CSV_HEAD + csv_row("1") + csv_row("2", qty="many")
                      + csv_row("2", sku="SCREWS") + csv_row("3", country="Germany")).encode()
                     + csv_row("4").replace("Berlin", "K\xf6ln").encode("latin-1"))
    report_path = tmp_path / "errors.csv"
    report = import_orders(store, path, report_path=report_path)
    assert report.stored == ["1"] and report.counts["rejected"] == 3
    rows = list(csv.DictReader(io.StringIO(report_path.read_bytes().decode(
        "utf-8", "surrogateescape"), newline="")))
    assert [r["order_number"] for r in rows] == ["2", "2", "3", "4"]
    assert rows[0]["error"].startswith("OX-IMP-007 Order 2 row 3: field lines[1].quantity")
    assert rows[1]["error"] == ""  # the good line of the rejected order, kept to re-import whole
    assert rows[2]["error"].startswith("OX-IMP-006")
    assert rows[3]["error"].startswith("OX-IMP-008")
    assert list(rows[0])[:-2] == CSV_HEAD.strip().split(",") and list(rows[0])[-2:] == [
        "error", "raw"]
    # the user fixes the rows in the report and imports the report itself
    fixed = report_path.read_bytes().replace(b",many,", b",2,").replace(b",Germany,", b",DE,") \
        .replace(b"K\xf6ln", "Köln".encode())
    report_path.write_bytes(fixed)
    again = import_orders(store, report_path)
    assert again.errors == [] and again.stored == ["2", "3", "4"]
    assert [(ln.sku, ln.quantity) for ln in stored_order(store, "2").lines] == [
        ("HAMMER", 2), ("SCREWS", 1)]
    assert stored_order(store, "4").billing.city == "Köln"


def test_jsonl_report_as_csv_is_the_csv_import_format(store, tmp_path):
    bad = sample_order("2", email="nope")
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1"), bad], [b"{oops\n"])
    report_path = tmp_path / "errors.csv"
    import_orders(store, path, report_path=report_path)
    rows = list(csv.DictReader(report_path.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == CSV_COLUMNS + ["error", "raw"]
    assert [(r["order_number"], r["error"].split(" ")[0], r["raw"]) for r in rows] == [
        ("2", "OX-IMP-005", ""), ("", "OX-IMP-003", "{oops")]
    assert rows[0]["billing_city"] == "Berlin" and rows[0]["sku"] == "HAMMER"
    fixed = tmp_path / "fixed.csv"
    rows[0]["email"] = "ben@example.org"
    with fixed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerow(rows[0])
    again = import_orders(store, fixed)
    assert again.errors == [] and again.stored == ["2"]


def test_jsonl_report_as_jsonl(store, tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1", email="nope")])
    report_path = tmp_path / "errors.jsonl"
    import_orders(store, path, report_path=report_path)
    [obj] = [json.loads(line) for line in report_path.read_text().splitlines()]
    assert obj["number"] == "1" and obj["error"].startswith("OX-IMP-005")
    obj["customer"]["email"] = "anna@example.com"
    report_path.write_text(json.dumps(obj) + "\n")
    assert import_orders(store, report_path).stored == ["1"]


@pytest.mark.parametrize("name, detail", [("errors.txt", "must end in .csv or .jsonl"),
                                          ("missing/dir/errors.csv", "No such file")])
def test_unwritable_report_is_coded_and_nothing_is_imported(store, tmp_path, name, detail):
    path = write_jsonl(tmp_path / "o.jsonl", [sample_order("1")])
    with pytest.raises(OXError) as exc:
        import_orders(store, path, report_path=tmp_path / name)
    assert exc.value.code == "OX-IMP-016" and detail in exc.value.message
    assert store.list_customer_orders() == []


def test_csv_input_needs_a_csv_report(store, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(CSV_HEAD + csv_row("1"), encoding="utf-8")
    with pytest.raises(OXError) as exc:
        import_orders(store, path, report_path=tmp_path / "errors.jsonl")
    assert exc.value.code == "OX-IMP-016"
