"""A third-party connector, packaged as its own distribution and installed into a fresh venv.

Proves the entry-point path end to end: nothing registers the plug-in by hand; the host finds it
through the `orderexchange` group exactly as it finds the shipped connectors, and a real send
goes through it. The venv sees orderexchange itself through a .pth line pointing at the
environment running the tests, so nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
import venv

import pytest

CONNECTOR = '''
"""tinyshop: writes each customer order as a JSON file into a folder."""
import json
from pathlib import Path

from orderexchange import hookimpl
from orderexchange.connector import Connector, ConnectorSettings, RemoteOrder, SelfTestReport

__version__ = "1.2.3"


class Settings(ConnectorSettings):
    folder: str


class TinyShop(Connector):
    type_name = "tinyshop"
    settings_schema = Settings

    def _path(self, reference):
        return Path(self.settings.folder) / f"{reference}.json"

    def self_test(self):
        report = SelfTestReport(self.supplier.id)
        report.add("folder", Path(self.settings.folder).is_dir(), self.settings.folder)
        return report

    def check(self, supplier_order):
        return []

    def find_by_reference(self, reference):
        path = self._path(reference)
        return RemoteOrder(json.loads(path.read_text())["id"]) if path.exists() else None

    def write(self, supplier_order, transfer):
        folder = Path(self.settings.folder)
        order_id = str(len(list(folder.glob("*.json"))) + 1)
        self._path(transfer.reference).write_text(json.dumps({
            "id": order_id, "number": transfer.customer_order.number,
            "lines": [[sl.supplier_sku, sl.line.quantity] for sl in transfer.lines]}))
        return RemoteOrder(order_id, customer_created=True)


@hookimpl
def oe_connector_types():
    return [TinyShop]
'''

SEND_SCRIPT = '''
import json, sys
from pathlib import Path
from orderexchange import config as config_mod
from orderexchange.build import build
from orderexchange.dispatch import Dispatcher
from orderexchange.importer import import_catalogue, import_orders
from orderexchange.plugin_host import PluginHost
from orderexchange.store import Store

work = Path(sys.argv[1])
host = PluginHost()
info = {n: vars(i) for n, i in host.infos.items()}
out = {"plugins": info}
if "tinyshop" in host.connector_types():
    config = config_mod.load(work / "config.toml")
    store = Store(config.store.url)
    import_catalogue(store, work / "catalogue.csv", set(config.suppliers))
    import_orders(store, work / "orders.jsonl")
    results = Dispatcher(config, store, host).send(build(store, config).created)
    out["results"] = [r.as_dict() for r in results]
print(json.dumps(out, default=str))
'''


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("thirdparty")
    src = root / "src"
    src.mkdir()
    (src / "orderexchange_tinyshop.py").write_text(CONNECTOR)
    (src / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "orderexchange-tinyshop"
        version = "1.2.3"

        [project.entry-points.orderexchange]
        tinyshop = "orderexchange_tinyshop"

        [tool.setuptools]
        py-modules = ["orderexchange_tinyshop"]
    '''))
    wheels = root / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), str(src)], check=True)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(next(wheels.glob("*.whl")))], check=True)
    # let the new venv import orderexchange and its dependencies from this test environment
    target = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                            check=True, capture_output=True, text=True).stdout.strip()
    (env_dir / "lib" / target.split("/lib/")[1] / "zz_orderexchange.pth").write_text(
        "import site; site.addsitedir(%r)\n" % site.getsitepackages()[0])
    return python


def workspace(tmp_path, sample_order):
    shop = tmp_path / "shop"
    shop.mkdir()
    (tmp_path / "config.toml").write_text(
        '[distributor]\nid = "acme"\nname = "ACME"\nemail = "orders@acme.example"\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "state.sqlite"}"\n'
        f'[mail]\ntransport = "file"\noutbox = "{tmp_path / "outbox"}"\n'
        '[suppliers.tiny]\nname = "Tiny"\nemail = "t@example.com"\n'
        f'[suppliers.tiny.connector]\ntype = "tinyshop"\nfolder = "{shop}"\n')
    (tmp_path / "catalogue.csv").write_text(
        "sku,supplier,supplier_sku,purchase_price\nHAMMER,tiny,T-1,7.20\n")
    (tmp_path / "orders.jsonl").write_text(
        json.dumps(sample_order("1")) + "\n" + json.dumps(sample_order("2")) + "\n")
    return shop


def run_in_venv(python, tmp_path, **env):
    proc = subprocess.run([str(python), "-c", SEND_SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_installed_distribution_is_discovered_and_sends(plugin_venv, tmp_path):
    from helpers import sample_order

    shop = workspace(tmp_path, sample_order)
    out = run_in_venv(plugin_venv, tmp_path)
    tiny = out["plugins"]["tinyshop"]
    assert tiny["source"] == "installed" and tiny["version"] == "1.2.3"
    assert tiny["hooks"] == ["oe_connector_types"]
    assert out["plugins"]["oscommerce"]["source"] == "shipped"
    (result,) = out["results"]
    assert result["state"] == "notified" and result["written"] == 2
    written = sorted(json.loads(p.read_text())["number"] for p in shop.glob("*.json"))
    assert written == ["1", "2"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_allow_list_keeps_an_installed_plugin_out(plugin_venv, tmp_path):
    from helpers import sample_order

    workspace(tmp_path, sample_order)
    out = run_in_venv(plugin_venv, tmp_path, ORDEREXCHANGE_PLUGINS="someotherplugin")
    assert "tinyshop" not in out["plugins"] and "results" not in out
    assert "oscommerce" in out["plugins"]  # shipped plug-ins are never filtered
