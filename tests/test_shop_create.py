"""`orderexchange shop create`: every shipped kind of test shop in the session's throwaway
MariaDB, then a real import → build → send into it, with the printed config block pasted as is."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from helpers import sample_order

from orderexchange.cli import main
from orderexchange.shop_create import KINDS

#: where each kind keeps its orders (what a send must have filled)
ORDER_TABLE = {"oscommerce": "orders", "modified": "orders", "opencart3": "oc_order",
               "opencart4": "oc_order", "oxid6": "oxorder", "oxid7": "oxorder",
               "woocommerce": "wp_wc_order_stats", "generic-sql": "shop_order",
               "prestashop": "ps_orders", "magento": "sales_order_grid"}


@pytest.fixture
def every_connector_code(vendor_key):
    """A licence for the demo distributor with every shipped connector type."""
    from orderexchange import licence

    return licence.encode({"licensee": "Demo Distribution", "distributor_id": "demo",
                           "max_suppliers": 10,
                           "features": ["oscommerce", "opencart", "oxid", "generic_sql",
                                        "woocommerce", "prestashop", "magento"]},
                          vendor_key)


def desk_with(tmp_path, distributor_id: str, block: str):
    """A config with a file outbox and `block` (the printed [suppliers.alpha] tables), a
    catalogue mapping HAMMER to the shop's A-100, and one order of two hammers."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[distributor]\nid = "{distributor_id}"\nname = "Distribution Ltd"\n'
                   'email = "orders@distribution.example"\n\n'
                   f'[store]\nurl = "sqlite:///{tmp_path / "state.sqlite"}"\n\n'
                   '[mail]\ntransport = "file"\noutbox = "outbox"\n\n' + block)
    (tmp_path / "catalogue.csv").write_text("sku,supplier,supplier_sku,purchase_price,name\n"
                                            "HAMMER,alpha,A-100,7.20,Claw hammer\n")
    order = sample_order("1001")
    order["lines"] = [{"sku": "HAMMER", "name": "Claw hammer", "quantity": 2,
                       "unit_price": "12.90", "tax_rate": "19"}]
    order.pop("total", None)
    (tmp_path / "orders.jsonl").write_text(json.dumps(order) + "\n")
    return cfg


def url_of(db) -> str:
    return f"mysql+pymysql://{db.user}@{db.host}:{db.port}/{db.database}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_shop_create_makes_a_shop_a_real_send_writes_into(kind, mariadb_db, tmp_path,
                                                          monkeypatch, every_connector_code):
    assert set(ORDER_TABLE) == set(KINDS)
    monkeypatch.setenv("OX_SHOP_PASSWORD", mariadb_db.password)
    created = CliRunner().invoke(main, ["shop", "create", kind, "--url", url_of(mariadb_db),
                                        "--supplier", "alpha", "--json"])
    assert created.exit_code == 0, created.output
    shop = json.loads(created.stdout)
    assert shop["tables"] >= 5 and shop["products"][0]["sku"] == "A-100"
    assert mariadb_db.password not in created.stdout  # only the ${VAR} reference
    assert "password = \"${OX_SHOP_PASSWORD}\"" in shop["config"]

    cfg = desk_with(tmp_path, "demo", shop["config"])  # the printed block pasted as it is

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(cfg), *args])

    for args in (["activate", every_connector_code],
                 ["catalogue", "import", str(tmp_path / "catalogue.csv")],
                 ["import", str(tmp_path / "orders.jsonl")]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    checked = run("config", "check")
    assert checked.exit_code == 0, checked.output
    tested = run("test", "db", "alpha")
    assert tested.exit_code == 0, tested.output
    assert json.loads(run("build", "--json").stdout)["created"] == [1]
    sent = run("send", "1", "--json")
    assert sent.exit_code == 0, sent.output
    [result] = json.loads(sent.stdout)
    assert result["state"] == "notified" and result["written"] == 1
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    engine = sa.create_engine(mariadb_db.root_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT COUNT(*) FROM `{ORDER_TABLE[kind]}`").scalar() >= 1
    engine.dispose()


def test_shop_create_refuses_a_database_that_holds_a_shop(mariadb_db, monkeypatch):
    monkeypatch.setenv("OX_SHOP_PASSWORD", mariadb_db.password)
    args = ["shop", "create", "oscommerce", "--url", url_of(mariadb_db)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    out = " ".join(first.output.split())
    assert "[suppliers.testshop]" in out and "[suppliers.testshop.database]" in out
    assert "YOUR-SKU,testshop,A-100" in out
    assert out.startswith("Created a test shop (oscommerce) in ")  # not "a oscommerce"
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "OX-SHP-001" in again.output


def test_shop_create_names_a_server_it_cannot_reach(dead_port):
    result = CliRunner().invoke(main, ["shop", "create", "oxid7", "--url",
                                       f"mysql+pymysql://nobody@127.0.0.1:{dead_port}/shop"])
    assert result.exit_code == 2 and "OX-SHP-002" in result.output
    assert f"127.0.0.1:{dead_port}/shop" in result.output


def test_the_readme_walk_through_reaches_a_shop_order_and_an_email(mariadb_db, tmp_path,
                                                                   monkeypatch, licence_code):
    """README "0. First, a real MariaDB test shop", step by step as written there: its config,
    catalogue and order file, then each `orderexchange` line of its shell block."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### 0. First, a real MariaDB test shop"):
                     readme.index("### 1. Install")]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    create_sh, config_toml, run_sh = blocks[0][1], blocks[1][1], blocks[2][1]
    monkeypatch.setenv("OX_SHOP_PASSWORD", mariadb_db.password)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the default state store
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    create = next(line for line in create_sh.replace("\\\n", " ").splitlines()
                  if line.startswith("orderexchange shop create"))
    args = shlex.split(create)[1:]
    args[args.index("--url") + 1] = url_of(mariadb_db)  # the session's server, not the example
    created = CliRunner().invoke(main, [*args, "--json"])
    assert created.exit_code == 0, created.output
    block = json.loads(created.stdout)["config"]
    (tmp_path / "config.toml").write_text(config_toml.replace(
        "# ... the [suppliers.testshop] tables printed by `shop create` ...", block))
    catalogue = re.search(r"printf '(.*?)' > catalogue.csv", run_sh).group(1)
    (tmp_path / "catalogue.csv").write_text(catalogue.replace("\\n", "\n"))
    orders = re.search(r"<<'JSON'\n(.*?)\nJSON", run_sh, re.S).group(1)
    (tmp_path / "orders.jsonl").write_text(orders + "\n")
    monkeypatch.setenv("ORDEREXCHANGE_CONFIG", str(tmp_path / "config.toml"))
    for line in run_sh.splitlines():
        if not line.startswith("orderexchange "):
            continue
        argv = shlex.split(line.split("#")[0])[1:]
        if argv[0] == "activate":
            argv = ["activate", licence_code]
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 0, (line, result.output)
    shown = json.loads(CliRunner().invoke(main, ["show", "1", "--json"]).stdout)
    assert shown["state"] == "notified" and shown["customer_orders"][0]["remote_order_id"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1, list(tmp_path.rglob("*"))
    engine = sa.create_engine(mariadb_db.root_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM orders").scalar() == 1
    engine.dispose()
    # the trial keeps its state next to its config: a second trial, or the real set-up, does
    # not find its orders in the user's shared default store
    assert (tmp_path / "state.sqlite").is_file()
    assert list((tmp_path / "data").rglob("*.sqlite")) == []


def test_shipping_is_taxed_at_the_suppliers_rate_in_the_shop_totals(mariadb_db, tmp_path,
                                                                    monkeypatch, licence_code):
    """`shipping_tax_rate = "19"`: osCommerce's tax row and total include the shipping's VAT
    (14.40 net at 19 % → 2.74, shipping 4.90 at 19 % → 0.93)."""
    monkeypatch.setenv("OX_SHOP_PASSWORD", mariadb_db.password)
    created = CliRunner().invoke(main, ["shop", "create", "oscommerce", "--url",
                                        url_of(mariadb_db), "--supplier", "alpha", "--json"])
    block = json.loads(created.stdout)["config"].replace(
        'language = "en"', 'language = "en"\nshipping_cost = "4.90"\nshipping_tax_rate = "19"')
    cfg = desk_with(tmp_path, "acme", block)
    for args in (["activate", licence_code],
                 ["catalogue", "import", str(tmp_path / "catalogue.csv")],
                 ["import", str(tmp_path / "orders.jsonl")], ["build"], ["send", "1"]):
        result = CliRunner().invoke(main, ["--config", str(cfg), *args])
        assert result.exit_code == 0, (args, result.output)
    engine = sa.create_engine(mariadb_db.root_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        totals = {r[0]: r[1] for r in conn.exec_driver_sql(
            "SELECT class, value FROM orders_total")}
    engine.dispose()
    from decimal import Decimal

    assert totals["ot_subtotal"] == Decimal("14.40") and totals["ot_shipping"] == Decimal("4.90")
    assert totals["ot_tax"] == Decimal("3.67")
    assert totals["ot_total"] == Decimal("22.97")
