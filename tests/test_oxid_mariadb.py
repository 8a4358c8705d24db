"""The OXID eShop connector against a real MariaDB: what lands in the shop, row by row.

Shops from shop_schemas/ (OXID 6 and 7 on InnoDB; an upgraded OXID 6 whose user tables are still
MyISAM; an all-MyISAM one for the no-transaction path), driven through import → build →
Dispatcher.send and read back the way OXID's admin reads them (order list: folder
ORDERFOLDER_NEW with OXTRANSSTATUS 'OK'; order overview: addresses, articles, sums, VAT slots).
Order numbers come from oxcounters (seeded at 1000). Expected values are written by hand.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any

import pytest
from helpers import bernd_order, kill_at_write, sample_order, send_at_once
from shopdb import (  # noqa: F401 - prepare and shop_user are fixtures
    connection_lost, count, load_schema, prepare, query, root_execute, server_sql_mode, shop_user,
    supplier_alpha,
)

from orderexchange.dispatch import Dispatcher
from orderexchange.errors import OXError
from orderexchange.model import SupplierOrderState as S
from orderexchange.plugin_host import PluginHost
from orderexchange.plugins import oxid
from orderexchange.retry import RetryPolicy

GERMANY = "a7c40f631fc920687.20179984"
AUSTRIA = "a7c40f6320aeb2ec2.72885259"
ANNA_ID, ACME_ID = "anna0000000000000000000000000001", "acme0000000000000000000000000001"

# 1001: Anna (known), 2 × A-100 at 7.20, 19 %: net 14.40, VAT 2.74, gross 17.14, +4.90 = 22.04
ANNA = sample_order("1001")
# 1002: new customer Bernd, billing Munich, delivery Vienna (a separate delivery address)
#   3 × A-200 at 10.80, 19 %: net 32.40, VAT 6.16 (32.40 × 0.19 = 6.156), gross 38.56
#   1 × A-100 at  7.20,  7 %: net  7.20, VAT 0.50 (0.504),                gross  7.70
#   net 39.60, gross 46.26, delivery 4.90, total 51.16
BERND = bernd_order(billing={"state": None}, delivery={"street": "Seeweg 3a"})

SHOPS = {"oxid6": ("oxid6_mysql.sql", "InnoDB", "InnoDB"),
         "oxid7": ("oxid7_mysql.sql", "InnoDB", "InnoDB")}
#: the admin's order list: folder, finished transaction, this shop
ADMIN_LIST = ("SELECT OXORDERNR, OXBILLFNAME, OXBILLLNAME, OXTOTALORDERSUM, OXCURRENCY, "
              "OXSTORNO FROM oxorder WHERE OXSHOPID = 1 AND OXFOLDER = 'ORDERFOLDER_NEW' "
              "AND OXTRANSSTATUS = 'OK' ORDER BY OXORDERNR")
SUMS = ("OXTOTALNETSUM", "OXTOTALBRUTSUM", "OXARTVAT1", "OXARTVATPRICE1", "OXARTVAT2",
        "OXARTVATPRICE2", "OXDELCOST", "OXDELVAT", "OXTOTALORDERSUM")


@pytest.fixture(params=sorted(SHOPS))
def shop(request, mariadb_db):
    schema, engine, user_engine = SHOPS[request.param]
    load_schema(mariadb_db.url, schema, engine=engine, user_engine=user_engine)
    mariadb_db.version = request.param[-1]
    return mariadb_db


alpha = supplier_alpha("oxid")


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def admin_list(db) -> list[tuple]:
    return [(r["OXORDERNR"], r["OXBILLFNAME"], r["OXBILLLNAME"], cents(r["OXTOTALORDERSUM"]),
             r["OXCURRENCY"], r["OXSTORNO"]) for r in query(db, ADMIN_LIST)]


def order(db, number: int) -> dict[str, Any]:
    [row] = query(db, "SELECT * FROM oxorder WHERE OXORDERNR = :n", n=number)
    return row


def sums(row: dict[str, Any]) -> tuple:
    return tuple(cents(row[c]) for c in SUMS)


def articles(db, order_id: str) -> list[tuple]:
    rows = query(db, "SELECT OXARTID, OXARTNUM, OXTITLE, OXAMOUNT, OXNPRICE, OXBPRICE, OXPRICE, "
                     "OXNETPRICE, OXBRUTPRICE, OXVATPRICE, OXVAT, OXSTORNO, OXPERSPARAM FROM "
                     "oxorderarticles WHERE OXORDERID = :o ORDER BY OXARTNUM DESC", o=order_id)
    return [(r["OXARTID"], r["OXARTNUM"], r["OXTITLE"], r["OXAMOUNT"],
             *(cents(r[c]) for c in ("OXNPRICE", "OXBPRICE", "OXPRICE", "OXNETPRICE",
                                     "OXBRUTPRICE", "OXVATPRICE", "OXVAT")),
             r["OXSTORNO"], r["OXPERSPARAM"]) for r in rows]


def bill(row: dict[str, Any]) -> tuple:
    return tuple(row[f"OXBILL{c}"] for c in ("COMPANY", "FNAME", "LNAME", "STREET", "STREETNR",
                                              "ADDINFO", "ZIP", "CITY", "COUNTRYID", "EMAIL",
                                              "FON"))


def delivery(row: dict[str, Any]) -> tuple:
    return tuple(row[f"OXDEL{c}"] for c in ("COMPANY", "FNAME", "LNAME", "STREET", "STREETNR",
                                             "ADDINFO", "ZIP", "CITY", "COUNTRYID"))


NO_DELIVERY = ("", "", "", "", "", "", "", "", "")
A100 = ("a100000000000000000000000000000a", "A-100", "Klauenhammer 450 g")
A200 = ("a200000000000000000000000000000a", "A-200", "Schraubendreher-Satz, 6-teilig")
D = Decimal


def full_send_and_verify(db, prepare) -> None:
    run = prepare(alpha(db), [ANNA, BERND])
    started = time.time_ns() // 1_000_000
    [result] = run.send()
    ended = time.time_ns() // 1_000_000
    assert result.error is None, result.as_dict()
    assert (result.state, result.written, result.customers_created) == (S.NOTIFIED, 2, 1)
    transfers = run.transfers()
    assert {n: t.remote_order_id for n, t in transfers.items()} == {"1001": "1001",
                                                                   "1002": "1002"}
    assert {n: t.customer_match for n, t in transfers.items()} == {"1001": "email",
                                                                  "1002": "new"}
    assert admin_list(db) == [(1001, "Anna", "Schmidt", D("22.04"), "EUR", 0),
                              (1002, "Bernd", "Bauer", D("51.16"), "EUR", 0)]
    assert query(db, "SELECT OXCOUNT FROM oxcounters WHERE OXIDENT = 'oxOrder'") == [
        {"OXCOUNT": 1002}]

    anna = order(db, 1001)
    assert (anna["OXUSERID"], anna["OXPAYMENTTYPE"], anna["OXDELTYPE"], anna["OXFOLDER"],
            anna["OXTRANSSTATUS"], anna["OXTRANSID"], anna["OXISNETTOMODE"], anna["OXLANG"],
            anna["OXCURRENCY"]) == (ANNA_ID, "oxidinvoice", "oxidstandard", "ORDERFOLDER_NEW",
                                    "OK", transfers["1001"].reference, 1, 0, "EUR")
    assert len(anna["OXID"]) == 32
    assert bill(anna) == ("", "Anna", "Schmidt", "Hauptstr.", "1", "", "10115", "Berlin",
                          GERMANY, "anna.schmidt@example.com", "+49301234567")
    assert delivery(anna) == NO_DELIVERY  # OXID ships to the bill-to address
    assert sums(anna) == (D("14.40"), D("17.14"), D("19.00"), D("2.74"), D("0.00"), D("0.00"),
                          D("4.90"), D("0.00"), D("22.04"))
    assert anna["OXREMARK"] == (f"orderexchange: customer order 1001 (reference "
                                f"{transfers['1001'].reference}), supplier order "
                                f"{run.so_ids[0]}")
    assert articles(db, anna["OXID"]) == [
        (*A100, 2.0, D("7.20"), D("8.57"), D("7.20"), D("14.40"), D("17.14"), D("2.74"),
         D("19.00"), 0, "")]

    bernd = order(db, 1002)
    [user] = query(db, "SELECT * FROM oxuser WHERE OXUSERNAME = 'bernd.bauer@example.com'")
    assert bernd["OXUSERID"] == user["OXID"] and len(user["OXID"]) == 32
    assert bill(bernd) == ("Bauer Bau GmbH", "Bernd", "Bauer", "Lindenallee", "7", "Hinterhaus",
                           "80331", "München", GERMANY, "bernd.bauer@example.com",
                           "+49897654321")
    assert delivery(bernd) == ("", "Clara", "Bauer", "Seeweg", "3a", "", "1010", "Wien",
                               AUSTRIA)
    assert sums(bernd) == (D("39.60"), D("46.26"), D("19.00"), D("6.16"), D("7.00"), D("0.50"),
                           D("4.90"), D("0.00"), D("51.16"))
    assert articles(db, bernd["OXID"]) == [
        (*A200, 3.0, D("10.80"), D("12.85"), D("10.80"), D("32.40"), D("38.56"), D("6.16"),
         D("19.00"), 0, ""),
        (*A100, 1.0, D("7.20"), D("7.70"), D("7.20"), D("7.20"), D("7.70"), D("0.50"),
         D("7.00"), 0, "")]
    # the new customer: no password (a guest account in OXID), in group oxidcustomer, with the
    # delivery address in its address book
    assert (user["OXPASSWORD"], user["OXRIGHTS"], user["OXACTIVE"], user["OXFNAME"],
            user["OXSTREET"], user["OXSTREETNR"], user["OXCOUNTRYID"], user["OXFON"]) == (
        "", "user", 1, "Bernd", "Lindenallee", "7", GERMANY, "+49897654321")
    assert user["OXCUSTNR"] > 0
    assert query(db, "SELECT OXGROUPSID FROM oxobject2group WHERE OXOBJECTID = :u",
                 u=user["OXID"]) == [{"OXGROUPSID": "oxidcustomer"}]
    [address] = query(db, "SELECT * FROM oxaddress WHERE OXUSERID = :u", u=user["OXID"])
    # every key we made grows with time (shop_sql.time_ordered_id): hex like OXID's own, its
    # first 12 characters the write's millisecond, so InnoDB adds it next to the last one
    ours = [anna["OXID"], bernd["OXID"], user["OXID"], address["OXID"],
            *(r["OXID"] for r in query(db, "SELECT OXID FROM oxorderarticles")),
            *(r["OXID"] for r in query(db, "SELECT OXID FROM oxobject2group "
                                           "WHERE OXOBJECTID = :u", u=user["OXID"]))]
    assert all(re.fullmatch("[0-9a-f]{32}", k) and started <= int(k[:12], 16) <= ended
               for k in ours), ours
    assert (address["OXFNAME"], address["OXSTREET"], address["OXSTREETNR"], address["OXZIP"],
            address["OXCITY"], address["OXCOUNTRY"], address["OXCOUNTRYID"],
            address["OXADDRESSUSERID"]) == ("Clara", "Seeweg", "3a", "1010", "Wien",
                                            "Österreich", AUSTRIA, user["OXID"])
    assert count(db, "oxuser") == 4


# === full send ================================================================================
def test_full_send_known_and_new_customer_strict(shop, prepare):
    assert "STRICT_TRANS_TABLES" in server_sql_mode(shop)
    full_send_and_verify(shop, prepare)


def test_full_send_on_non_strict_server(mariadb_nonstrict_db, prepare):
    assert server_sql_mode(mariadb_nonstrict_db) == ""
    load_schema(mariadb_nonstrict_db.url, "oxid6_mysql.sql")
    full_send_and_verify(mariadb_nonstrict_db, prepare)


def test_brutto_mode_rounds_gross_unit_prices_and_takes_vat_out_of_the_gross_sum(shop, prepare):
    run = prepare(alpha(shop, {"netto_mode": False}), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    row = order(shop, 1001)
    # 12.85 × 3 = 38.55 gross → net 32.39; A-100: 7.70 gross → net 7.20
    # VAT 19 %: 38.55 × 19/119 = 6.155 → 6.16; 7 %: 7.70 × 7/107 = 0.504 → 0.50
    assert row["OXISNETTOMODE"] == 0
    assert sums(row) == (D("39.59"), D("46.25"), D("19.00"), D("6.16"), D("7.00"), D("0.50"),
                         D("4.90"), D("0.00"), D("51.15"))
    assert [a[4:11] for a in articles(shop, row["OXID"])] == [
        (D("10.80"), D("12.85"), D("12.85"), D("32.39"), D("38.55"), D("6.16"), D("19.00")),
        (D("7.20"), D("7.70"), D("7.70"), D("7.20"), D("7.70"), D("0.50"), D("7.00"))]


@pytest.mark.parametrize("netto_mode", [True, False])
def test_taxed_shipping_is_a_gross_delivery_cost_with_its_rate(shop, prepare, netto_mode):
    """`shipping_tax_rate = "19"`: OXID's checkout stores the delivery cost gross in OXDELCOST
    and its VAT rate in OXDELVAT (the article VAT slots stay the articles'): 4.90 + 0.93 = 5.83;
    Anna's 2 × A-100 (net 14.40, gross 17.14 in both modes) + 5.83 = 22.97."""
    run = prepare(alpha(shop, {"netto_mode": netto_mode}, shipping_tax_rate="19"), [ANNA])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert admin_list(shop) == [(1001, "Anna", "Schmidt", D("22.97"), "EUR", 0)]
    row = order(shop, 1001)
    assert sums(row) == (D("14.40"), D("17.14"), D("19.00"), D("2.74"), D("0.00"), D("0.00"),
                         D("5.83"), D("19.00"), D("22.97"))
    # the order overview's delivery price (Order::getOrderDeliveryPrice: OXDELCOST gross at
    # OXDELVAT) is 4.90 net and 0.93 VAT again
    gross, rate = Decimal(str(row["OXDELCOST"])), Decimal(str(row["OXDELVAT"]))
    assert (cents(gross * 100 / (100 + rate)), cents(gross - gross * 100 / (100 + rate))) == (
        D("4.90"), D("0.93"))
    assert (cents(row["OXTOTALBRUTSUM"]) + cents(row["OXDELCOST"])
            == cents(row["OXTOTALORDERSUM"]))


# === customers ================================================================================
def test_an_account_of_the_email_in_another_name_is_used_with_a_warning(shop, prepare):
    """Issue 13 §1: one email is one OXID login — the order goes on that account with its own
    name on the order, and step 1 says so."""
    run = prepare(alpha(shop), [sample_order("1009", first="Clara", last="Schmidt")])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert [(f.code, f.order) for f in result.findings if f.code == "OX-CHK-041"] == [
        ("OX-CHK-041", "1009")]
    [row] = query(shop, "SELECT OXUSERID, OXBILLFNAME, OXBILLLNAME FROM oxorder")
    assert row == {"OXUSERID": ANNA_ID, "OXBILLFNAME": "Clara", "OXBILLLNAME": "Schmidt"}


def test_guest_policy_books_on_the_pseudo_customer(shop, prepare):
    root_execute(shop, "INSERT INTO oxuser (OXID, OXRIGHTS, OXSHOPID, OXUSERNAME, OXPASSWORD, "
                       "OXPASSSALT, OXFNAME, OXLNAME) VALUES ('guest000000000000000000000000001',"
                       " 'user', 1, 'guest@alpha.example', '', '', 'Gast', 'Kunde')")
    run = prepare(alpha(shop, customer_policy="guest",
                        guest_customer_id="guest000000000000000000000000001"), [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    row = order(shop, 1001)
    assert row["OXUSERID"] == "guest000000000000000000000000001"
    assert bill(row)[1:3] == ("Bernd", "Bauer")  # the order keeps the buyer's own address
    assert count(shop, "oxuser") == 4 and count(shop, "oxaddress") == 0


def test_blind_drop_ship_bills_the_distributor(shop, prepare):
    run = prepare(alpha(shop, customer_policy="distributor", distributor_customer_id=ACME_ID),
                  [BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    row = order(shop, 1001)
    assert row["OXUSERID"] == ACME_ID
    assert bill(row) == ("ACME Distribution GmbH", "ACME", "Distribution", "Hafenweg", "5", "",
                         "20457", "Hamburg", GERMANY, "orders@acme.example", "+49 40 9999999")
    assert delivery(row) == ("", "Clara", "Bauer", "Seeweg", "3a", "", "1010", "Wien", AUSTRIA)
    assert not any("bernd" in str(v).lower() for v in row.values())
    assert count(shop, "oxuser") == 3


def test_a_guest_account_with_the_same_email_is_reused(shop, prepare):
    # OXID's own guest checkout leaves an oxuser row without password: it is that customer
    root_execute(shop, "INSERT INTO oxuser (OXID, OXRIGHTS, OXSHOPID, OXUSERNAME, OXPASSWORD, "
                       "OXPASSSALT, OXFNAME, OXLNAME) VALUES ('bernd000000000000000000000000001',"
                       " 'user', 1, 'Bernd.Bauer@example.com', '', '', 'Bernd', 'Bauer')")
    run = prepare(alpha(shop), [BERND])
    [result] = run.send()
    assert (result.state, result.customers_created) == (S.NOTIFIED, 0), result.as_dict()
    assert order(shop, 1001)["OXUSERID"] == "bernd000000000000000000000000001"
    assert run.transfers()["1002"].customer_match == "email"


# === step 1 ===================================================================================
def test_three_vat_rates_and_an_inactive_article_fail_the_check(shop, prepare):
    lines = [{"sku": "HAMMER", "name": "h", "quantity": 1, "unit_price": "12.90",
              "tax_rate": "19"},
             {"sku": "SCREWS", "name": "s", "quantity": 1, "unit_price": "19.90",
              "tax_rate": "7"},
             {"sku": "LEVEL", "name": "l", "quantity": 1, "unit_price": "15.00",
              "tax_rate": "0"}]
    run = prepare(alpha(shop), [sample_order("1005", lines=lines)])
    [result] = run.send()
    assert result.state == S.CHECK_FAILED
    assert [(f.code, f.message) for f in result.findings] == [
        ("OX-CHK-006", "Order 1005 line 3: supplier SKU A-300 does not exist or is inactive in "
                       "supplier alpha's shop."),
        ("OX-WRT-006", "Order 1005: supplier alpha's shop cannot store it: 3 VAT rates (0, 7, "
                       "19); an OXID order holds two.")]
    assert count(shop, "oxorder") == 0


# === order numbers under concurrency ==========================================================
def test_two_concurrent_sends_never_share_an_order_number(shop, prepare):
    runs = [prepare(alpha(shop), [sample_order(f"{base + i}", email=f"c{base + i}@example.com",
                                               first="C", last=f"{base + i}")
                                  for i in range(4)]) for base in (2000, 3000)]
    results = send_at_once(*runs)
    for i in range(2):
        [result] = results[i]
        assert result.state == S.NOTIFIED, result.as_dict()
    numbers = [r[0] for r in admin_list(shop)]
    assert sorted(numbers) == list(range(1001, 1009))  # eight orders, eight numbers, no gap
    remote = sorted(int(t.remote_order_id) for run in runs for t in run.transfers().values())
    assert remote == numbers
    assert query(shop, "SELECT OXCOUNT FROM oxcounters") == [{"OXCOUNT": 1008}]


# === no transactions: MyISAM ==================================================================
fail_articles = connection_lost("INSERT INTO oxorderarticles …")


@pytest.mark.parametrize("engine, user_engine", [("MyISAM", "MyISAM"), ("InnoDB", "MyISAM")],
                         ids=["all-myisam", "upgraded-shop-myisam-users"])
def test_crash_mid_write_then_retry_writes_the_order_once(mariadb_db, prepare, monkeypatch,
                                                          engine, user_engine):
    load_schema(mariadb_db.url, "oxid6_mysql.sql", engine=engine, user_engine=user_engine)
    run = prepare(alpha(mariadb_db), [BERND])
    with monkeypatch.context() as patch:
        patch.setattr(oxid.OxidConnector, "_insert_articles", fail_articles)
        [failed] = run.send()
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-002"
    assert admin_list(mariadb_db) == []
    # the user tables ignore ROLLBACK: the new customer stayed in both shops
    assert count(mariadb_db, "oxuser", "OXUSERNAME = 'bernd.bauer@example.com'") == 1
    if engine == "MyISAM":
        [half] = query(mariadb_db, "SELECT OXID, OXORDERNR, OXTRANSSTATUS FROM oxorder")
        assert (half["OXORDERNR"], half["OXTRANSSTATUS"]) == (1001, "NOT_FINISHED")
    else:
        assert count(mariadb_db, "oxorder") == 0
        assert query(mariadb_db, "SELECT OXCOUNT FROM oxcounters") == [{"OXCOUNT": 1000}]

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    [row] = query(mariadb_db, "SELECT OXID, OXORDERNR, OXTRANSSTATUS FROM oxorder")
    assert (row["OXORDERNR"], row["OXTRANSSTATUS"]) == (1001, "OK")
    if engine == "MyISAM":
        assert row["OXID"] == half["OXID"]  # completed, not inserted a second time
    assert count(mariadb_db, "oxorderarticles") == 2
    assert count(mariadb_db, "oxuser", "OXUSERNAME = 'bernd.bauer@example.com'") == 1
    assert run.transfers()["1002"].customer_match == "email"  # found on the retry


def test_a_user_half_written_by_a_kill_is_put_in_its_group_by_the_retry(mariadb_db, prepare,
                                                                        monkeypatch):
    """The user tables are MyISAM: a kill right after the new `oxuser` row kept it outside
    every user group; the retry finishes it instead of using it as it is."""
    load_schema(mariadb_db.url, "oxid6_mysql.sql", engine="InnoDB", user_engine="MyISAM")
    run = prepare(alpha(mariadb_db), [BERND])
    with monkeypatch.context() as patch:
        kill_at_write(patch, oxid, oxid.OxidConnector, "oxobject2group")
        # a kill: the process is gone, no retry inside this send
        [failed] = Dispatcher(run.config, run.store, PluginHost(),
                              retry=RetryPolicy.none()).send(run.so_ids)
    assert failed.state == S.WRITE_FAILED and failed.error.code == "OX-DB-002"
    [user] = query(mariadb_db, "SELECT OXID FROM oxuser "
                               "WHERE OXUSERNAME = 'bernd.bauer@example.com'")
    assert count(mariadb_db, "oxobject2group", "OXOBJECTID = :u", u=user["OXID"]) == 0

    [retried] = run.send()
    assert retried.state == S.NOTIFIED, retried.as_dict()
    assert count(mariadb_db, "oxuser", "OXUSERNAME = 'bernd.bauer@example.com'") == 1
    assert query(mariadb_db, "SELECT OXGROUPSID FROM oxobject2group WHERE OXOBJECTID = :u",
                 u=user["OXID"]) == [{"OXGROUPSID": "oxidcustomer"}]
    transfer = run.transfers()["1002"]
    assert transfer.remote_customer_id == user["OXID"] and transfer.customer_created is True


# === the way back =============================================================================
def test_read_back_and_cancel_with_the_storno_flag(shop, prepare):
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED
    transfers = run.transfers()
    root_execute(shop, "UPDATE oxorder SET OXSENDDATE = '2026-03-02 10:00:00', "
                       "OXTRACKCODE = '00340434161234567890', OXFOLDER = 'ORDERFOLDER_FINISHED' "
                       "WHERE OXORDERNR = 1001")
    with run.connector() as connector:
        status = connector.read_back(list(transfers.values()))
        anna, bernd = (status[transfers[n].reference] for n in ("1001", "1002"))
        assert (anna.order_id, anna.status, anna.progressed, anna.cancelled,
                anna.tracking_number, anna.shipped_at) == (
            "1001", "ORDERFOLDER_FINISHED", True, False, "00340434161234567890",
            "2026-03-02 10:00:00")
        assert (bernd.status, bernd.progressed, bernd.tracking_number, bernd.shipped_at) == (
            "ORDERFOLDER_NEW", False, None, None)
        connector.cancel(transfers["1002"])
        connector.cancel(transfers["1002"])
        with pytest.raises(OXError) as refused:
            connector.cancel(transfers["1001"])
        after = connector.read_back(list(transfers.values()))
    assert refused.value.code == "OX-WRT-004"
    assert "ORDERFOLDER_FINISHED, shipped 2026-03-02 10:00:00" in refused.value.message
    assert (after[transfers["1002"].reference].cancelled,
            after[transfers["1002"].reference].status) == (True, "cancelled")
    bernd_row = order(shop, 1002)
    assert bernd_row["OXSTORNO"] == 1
    assert [a[-2] for a in articles(shop, bernd_row["OXID"])] == [1, 1]
    assert order(shop, 1001)["OXSTORNO"] == 0


# === test db ==================================================================================
def test_self_test_reports_every_stage_and_the_trial_write_leaves_nothing(shop, prepare):
    run = prepare(alpha(shop), [ANNA])
    before = {t: count(shop, t) for t in ("oxorder", "oxorderarticles", "oxuser", "oxaddress",
                                          "oxobject2group")}
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    details = {s.name: s.detail for s in report.stages}
    version = "6.5.4" if shop.version == "6" else "7.1.0"
    assert details["schema variant"] == (f"OXID eShop {shop.version} (detected, "
                                         f"oxshops.OXVERSION {version}), shop 1")
    assert details["reference data"] == ("shop_id 1; payment_type oxidinvoice = Rechnung; "
                                         "delivery_set oxidstandard = Standard; customer_group "
                                         "oxidcustomer = Kunde; next order number 1001")
    assert details["trial write"] == ("sample order for A-100 written as order number 1001 "
                                      "(new oxuser) and removed again: nothing stayed")
    assert {t: count(shop, t) for t in before} == before
    assert query(shop, "SELECT OXCOUNT FROM oxcounters") == [{"OXCOUNT": 1000}]


def test_self_test_on_myisam_user_tables_removes_the_trial_user(mariadb_db, prepare):
    load_schema(mariadb_db.url, "oxid6_mysql.sql", engine="InnoDB", user_engine="MyISAM")
    run = prepare(alpha(mariadb_db), [ANNA])
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    details = {s.name: s.detail for s in report.stages}
    assert details["storage engines"].startswith("InnoDB: oxarticles")
    assert "no transactions on oxaddress, oxobject2group, oxuser" in details["storage engines"]
    assert count(mariadb_db, "oxuser") == 3 and count(mariadb_db, "oxobject2group") == 2


def test_least_privilege_user(shop, prepare, shop_user):
    reads = ["oxgroups", "oxcountry", "oxarticles", "oxpayments", "oxdeliveryset", "oxshops",
             "oxconfig"]
    grants = {t: "SELECT" for t in reads}
    grants.update({"oxorder": "SELECT, INSERT, UPDATE", "oxorderarticles": "SELECT, INSERT",
                   "oxuser": "SELECT, INSERT", "oxaddress": "SELECT, INSERT",
                   "oxobject2group": "SELECT", "oxcounters": "SELECT"})
    user = shop_user(shop, grants)
    run = prepare({"alpha": user.section({"type": "oxid"})}, [BERND])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert not report.ok and not stage["grants"].ok
    db = shop.database
    fixes = [f"GRANT INSERT, UPDATE ON `{db}`.`oxcounters` TO '{user.name}'@'%';",
             f"GRANT INSERT ON `{db}`.`oxobject2group` TO '{user.name}'@'%';",
             f"GRANT UPDATE ON `{db}`.`oxorderarticles` TO '{user.name}'@'%';"]
    with run.connector() as connector:
        assert connector.grant_fixes() == fixes
    assert all(fix in stage["grants"].detail for fix in fixes)
    root_execute(shop, *fixes)
    report = run.connector().self_test()
    assert report.ok, [(s.name, s.detail) for s in report.stages]
    [result] = run.send()
    assert result.state == S.NOTIFIED, result.as_dict()
    assert admin_list(shop)[0][:3] == (1001, "Bernd", "Bauer")


def test_missing_payment_type_is_reported(shop, prepare):
    run = prepare(alpha(shop, {"payment_type": "oxidpaypal"}), [ANNA])
    report = run.connector().self_test()
    stage = {s.name: s for s in report.stages}
    assert stage["reference data"].detail == (
        "OX-DB-009: Supplier alpha: payment_type = oxidpaypal does not exist in its shop (not "
        "in oxpayments). — Set `payment_type` under [suppliers.alpha.connector] to an id the "
        "shop has; `orderexchange test db alpha` shows the ones it looked for.")
    assert stage["trial write"].detail == "skipped: fix the stages above first"


def test_an_orders_row_values_are_worked_out_once_per_send(shop, prepare, monkeypatch):
    """Step 1 (the `oxorder` row's length checks, on a copy of the supplier order) and the
    write share one working-out of an order's ~60 values; what is the write's own (customer,
    number, time, the remark naming the supplier order) is laid over a copy each time."""
    worked_out: list[str] = []
    original = oxid.OxidConnector._order_fields

    def counted(self: Any, transfer: Any, *args: Any) -> Any:
        worked_out.append(transfer.customer_order.number)
        return original(self, transfer, *args)

    monkeypatch.setattr(oxid.OxidConnector, "_order_fields", counted)
    run = prepare(alpha(shop), [ANNA, BERND])
    [result] = run.send()
    assert result.state == S.NOTIFIED and result.written == 2
    assert sorted(worked_out) == ["1001", "1002"]
    anna, bernd = order(shop, 1001), order(shop, 1002)
    assert (anna["OXUSERID"], anna["OXORDERNR"]) == (ANNA_ID, 1001)
    assert bernd["OXUSERID"] not in ("", ANNA_ID) and bernd["OXORDERDATE"] is not None
    references = {t.reference for t in run.transfers().values()}
    for row, number in ((anna, "1001"), (bernd, "1002")):
        assert row["OXTRANSID"] in references
        assert row["OXREMARK"] == (f"orderexchange: customer order {number} (reference "
                                   f"{row['OXTRANSID']}), supplier order {run.so_ids[0]}")
