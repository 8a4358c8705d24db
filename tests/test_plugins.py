"""The plug-in host: discovery, override order, broken plug-ins, and the hook documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orderexchange import hookspecs
from orderexchange.plugin_host import PluginHost

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("oe_"))


def test_shipped_plugins_come_through_the_entry_point_group():
    host = PluginHost()
    assert {"oscommerce", "mail_default", "core_checks"} <= set(host.infos)
    assert all(host.infos[n].source == "shipped" for n in ("oscommerce", "mail_default"))
    assert "oscommerce" in host.connector_types()
    assert {"smtp", "file", "console", "memory"} <= set(host.mail_transports())
    assert host.failures == []


def test_folder_plugin_overrides_a_default_and_a_broken_one_is_reported(tmp_path):
    (tmp_path / "outbox_override.py").write_text(
        "from orderexchange import hookimpl\n"
        "from orderexchange.mail import FileTransport\n"
        "class Archive(FileTransport):\n    name = 'file'\n"
        "@hookimpl\ndef oe_mail_transports():\n    return {'file': Archive}\n")
    (tmp_path / "broken.py").write_text("import does_not_exist\n")
    host = PluginHost(tmp_path)
    assert host.mail_transports()["file"].__name__ == "Archive"
    assert host.infos["outbox_override"].source == "folder"
    assert [f.code for f in host.failures] == ["OX-PLG-001"]
    assert "broken.py" in host.failures[0].message
    assert "does_not_exist" in host.failures[0].message
    assert "oscommerce" in host.connector_types()  # the others still load


def test_misspelt_hook_fails_loudly(tmp_path):
    from pluggy import PluginValidationError

    (tmp_path / "typo.py").write_text(
        "from orderexchange import hookimpl\n@hookimpl\ndef oe_conector_types():\n    return []\n")
    with pytest.raises(PluginValidationError):
        PluginHost(tmp_path)


def test_allow_list_limits_installed_plugins_not_shipped_ones(monkeypatch):
    monkeypatch.setenv("ORDEREXCHANGE_PLUGINS", "")
    host = PluginHost()
    assert "oscommerce" in host.connector_types()


def test_documented_connector_example_runs(tmp_path, make_config):
    doc = (ROOT / "docs" / "plugin-hooks.md").read_text()
    example = doc.split("```python\n# myshop_connector.py")[1].split("```")[0]
    (tmp_path / "myshop_connector.py").write_text("# myshop_connector.py" + example)
    host = PluginHost(tmp_path)
    assert host.connector_types()["myshop"].type_name == "myshop"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_and_tested(hook):
    doc = (ROOT / "docs" / "plugin-hooks.md").read_text()
    assert re.search(rf"^## {hook}$", doc, re.M), f"{hook} has no section in docs/plugin-hooks.md"
    assert getattr(hookspecs, hook).__doc__, f"{hook} has no docstring"
    # a test exercises a hook by implementing it in a test plug-in
    implemented = re.compile(rf"def {hook}\(|{hook}=hookimpl")
    uses = [p.name for p in (ROOT / "tests").glob("test_*.py")
            if implemented.search(p.read_text())]
    assert uses, f"no test implements {hook}"


def test_plugin_cli_commands_are_added_and_builtins_cannot_be_replaced(tmp_path):
    from click.testing import CliRunner

    from orderexchange.cli import main

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "erp_commands.py").write_text(
        "import click\nfrom orderexchange import hookimpl\n"
        "@click.command('erp-sync')\n@click.argument('what')\n"
        "def erp_sync(what):\n    click.echo(f'synced {what}')\n"
        "@click.command('send')\ndef fake_send():\n    click.echo('hijacked')\n"
        "@hookimpl\ndef oe_cli_commands():\n    return [erp_sync, fake_send]\n")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[distributor]\nid = "x"\nname = "X"\nemail = "x@example.com"\n'
                   f'[store]\nurl = "sqlite:///{tmp_path / "s.sqlite"}"\n'
                   '[plugins]\nfolder = "plugins"\n')
    main._plugin_cache = None  # the root group caches plug-in commands per process
    try:
        result = CliRunner().invoke(main, ["--config", str(cfg), "erp-sync", "orders"])
        assert result.exit_code == 0 and "synced orders" in result.output
        assert "OX-PLG-003" in result.output  # `send` was refused, with its code
        listing = CliRunner().invoke(main, ["--config", str(cfg), "--help"])
        assert "erp-sync" in listing.output
        hijack = CliRunner().invoke(main, ["--config", str(cfg), "send"])
        assert "hijacked" not in hijack.output
    finally:
        main._plugin_cache = None
