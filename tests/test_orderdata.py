"""The realistic order generator (tests/orderdata.py): deterministic, messy in every way it
promises, and its bad rows refused by the real importer with the code each label names."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import orderdata
import pytest

from orderexchange.importer import import_catalogue, import_orders
from orderexchange.store import Store

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def data():
    return orderdata.generate(400, seed=7, today=TODAY)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield s
    s.close()


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    one = orderdata.generate(120, seed=3, today=TODAY)
    two = orderdata.generate(120, seed=3, today=TODAY)
    three = orderdata.generate(120, seed=4, today=TODAY)
    assert one.file_bytes() == two.file_bytes()
    assert one.labels == two.labels and one.catalogue_csv() == two.catalogue_csv()
    assert one.file_bytes() != three.file_bytes()
    assert orderdata.generate(120, seed=3, today=TODAY, fmt="csv").file_bytes() == \
        orderdata.generate(120, seed=3, today=TODAY, fmt="csv").file_bytes()


def test_same_seed_same_files_in_every_process():
    # PYTHONHASHSEED differs per process: nothing hash-ordered (a set) may reach the files;
    # Faker's it_IT city list once did, so golden emails and benchmarks changed run to run
    import hashlib
    import subprocess
    import sys
    from pathlib import Path

    script = ("import hashlib, datetime, orderdata; d = orderdata.generate(250, seed=3, "
              "today=datetime.date(2026, 11, 30)); print(hashlib.sha256(d.file_bytes())"
              ".hexdigest())")
    here = Path(__file__).resolve().parent
    digests = {subprocess.run([sys.executable, "-c", script], cwd=here, check=True, text=True,
                              capture_output=True, env={"PYTHONHASHSEED": seed,
                                                        "PYTHONPATH": str(here)}).stdout
               for seed in ("1", "2", "3")}
    mine = hashlib.sha256(orderdata.generate(250, seed=3, today=TODAY).file_bytes()).hexdigest()
    assert digests == {mine + "\n"}


def test_command_writes_the_import_files(tmp_path):
    assert orderdata.main([str(tmp_path), "--orders", "50", "--seed", "5", "--format", "csv",
                           "--supplier", "alpha=A-100", "--supplier", "beta=B-1,B-2",
                           "--today", "2026-11-30"]) == 0
    expected = orderdata.generate(50, seed=5, fmt="csv", today=TODAY,
                                  suppliers={"alpha": ["A-100"], "beta": ["B-1", "B-2"]})
    assert (tmp_path / "orders.csv").read_bytes() == expected.file_bytes()
    labels = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text().splitlines()]
    assert [lb["number"] for lb in labels] == [lb.number for lb in expected.labels]
    catalogue = (tmp_path / "catalogue.csv").read_text().splitlines()
    assert catalogue[0] == "sku,supplier,supplier_sku,purchase_price,name,currency"
    assert {row.split(",")[1] for row in catalogue[1:]} == {"alpha", "beta"}


def test_every_messy_feature_is_there(data):
    good = [lb for lb in data.labels if lb.good]
    features = defaultdict(int)
    for lb in good:
        for f in lb.features:
            features[f] += 1
    for feature in ("returning", "moved", "new_phone", "renamed", "family_email",
                    "shared_phone", "company", "two_line_street", "mixed_vat",
                    "three_vat_rates", "separate_delivery", "currency_CHF", "currency_GBP",
                    "currency_PLN"):
        assert features[feature] > 0, feature
    assert {lb.country for lb in good} == {c for c, *_ in orderdata.LOCALES.values()}
    assert {lb.currency for lb in good} == {"EUR", "CHF", "GBP", "PLN"}
    assert {r for lb in good for r in lb.vat_rates} >= {"19", "7", "20", "8.1", "23", "5.5"}

    by_email = defaultdict(set)
    by_phone = defaultdict(set)
    names = defaultdict(set)
    for lb in good:
        by_email[lb.email].add(lb.person)
        by_phone[lb.phone].add(lb.person)
        names[lb.person].add((lb.first_name, lb.last_name, lb.phone))
    assert any(len(p) > 1 for p in by_email.values()), "a family sharing one email"
    assert any(len(p) > 1 for p in by_phone.values()), "people sharing one phone"
    assert any(len(v) > 1 for v in names.values()), "a returning customer who changed"
    orders = {o["number"]: o for o, lb in data.good()}
    assert any(o["billing"]["street2"] for o in orders.values())
    assert any(o["billing"]["company"] for o in orders.values())
    assert any(o["delivery"] != o["billing"] for o in orders.values())
    # the label states the customer exactly as the order does
    for number, order in orders.items():
        label = next(lb for lb in data.labels if lb.number == number and lb.good)
        assert (label.email, label.first_name, label.last_name, label.phone) == tuple(
            order["customer"][k] for k in ("email", "first_name", "last_name", "phone"))


def test_bad_share_and_kinds(data):
    bad = [lb for lb in data.labels if not lb.good]
    assert len(bad) == round(400 * 0.09)
    assert {lb.bad for lb in bad} == {k for k, v in orderdata.BAD_KINDS.items()
                                      if "jsonl" in v[2]}
    assert orderdata.generate(100, seed=7, today=TODAY, bad_share=0).bad() == []


def _check_import(data, store, tmp_path, suffix):
    path = tmp_path / f"orders.{suffix}"
    path.write_bytes(data.file_bytes())
    report = import_orders(store, path)
    by_row = defaultdict(set)
    for e in [*report.errors, *report.notices]:
        by_row[e.facts.get("row")].add((e.code, e.facts.get("field")))
    for label in data.labels:
        found = {code for code, _f in by_row[label.row]}
        if label.good:
            assert not found - {"OX-CHK-020", "OX-CHK-033"}, (label, found)
            continue
        assert label.code in found, (label, by_row[label.row])
        if label.field and label.code.startswith("OX-IMP"):
            assert (label.code, label.field) in by_row[label.row], (label, by_row[label.row])
    good = {lb.number for lb in data.labels if lb.good}
    refused = {lb.number for lb in data.labels if not lb.good and lb.bad != "duplicate"}
    stored = set(report.stored)
    assert good <= stored
    return report, stored - good, refused


def test_the_importer_refuses_each_bad_jsonl_row_with_its_code(data, store, tmp_path):
    report, extra, refused = _check_import(data, store, tmp_path, "jsonl")
    assert extra == set()  # nothing but the good orders is stored
    assert report.counts["rejected"] == len(refused)
    assert report.duplicates == [lb.number for lb in data.labels if lb.bad == "duplicate"]


def test_the_importer_refuses_each_bad_csv_row_with_its_code(store, tmp_path):
    data = orderdata.generate(400, seed=7, today=TODAY, fmt="csv")
    assert {lb.bad for lb in data.labels if not lb.good} == {
        k for k, v in orderdata.BAD_KINDS.items() if "csv" in v[2]}
    _check_import(data, store, tmp_path, "csv")


def test_nothing_of_a_refused_csv_order_is_stored(store, tmp_path):
    data = orderdata.generate(400, seed=7, today=TODAY, fmt="csv")
    _report, extra, _refused = _check_import(data, store, tmp_path, "csv")
    assert extra == set()


def test_the_catalogue_imports_cleanly(data, store, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text(data.catalogue_csv(), encoding="utf-8")
    count, errors = import_catalogue(store, path, {"alpha"})
    assert (count, errors) == (len(orderdata.PRODUCTS), [])
    ordered = {ln["sku"] for o, _lb in data.good() for ln in o["lines"]}
    assert ordered <= {row["sku"] for row in data.catalogue}
