"""`orderexchange init`: a commented config from config.example.toml, shipped inside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from orderexchange.actions.setup import example_config_text
from orderexchange.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_the_packaged_example_is_the_repository_example():
    """orderexchange/config.example.toml is what an installed `init` writes: keep it identical."""
    repo = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert (ROOT / "orderexchange" / "config.example.toml").read_text(encoding="utf-8") == repo, (
        "copy config.example.toml to orderexchange/config.example.toml")
    assert example_config_text() == repo


def test_init_writes_the_commented_example_and_names_the_next_steps(tmp_path):
    target = tmp_path / "etc" / "ox.toml"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == (ROOT / "config.example.toml").read_text()
    assert "# One [suppliers.<id>] table per supplier." in target.read_text()
    out = " ".join(result.output.split())
    for step in ("1. Edit it", f"--config {target} config check",
                 f"2. Activate: orderexchange --config {target} activate CODE",
                 f"3. Self-test: orderexchange --config {target} test db"):
        assert step in out, result.output


def test_init_never_overwrites(tmp_path):
    target = tmp_path / "config.toml"
    target.write_text("# mine\n")
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 2 and "OX-MNU-001" in result.output
    assert target.read_text() == "# mine\n"


def test_init_defaults_to_the_default_config_path(tmp_path, monkeypatch):
    target = tmp_path / "default" / "config.toml"
    monkeypatch.setenv("ORDEREXCHANGE_CONFIG", str(target))
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0 and target.exists()
    assert "--config" not in result.output  # the default path needs no option
    assert "orderexchange activate CODE" in " ".join(result.output.split())


def test_init_reports_a_folder_it_cannot_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["init", str(blocker / "config.toml")])
    assert result.exit_code == 2 and "OX-MNU-002" in result.output


def test_init_works_from_an_installed_wheel(tmp_path):
    """Built as a wheel and installed elsewhere (no repository around): init still has its file."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("orderexchange", "plugins"):
        shutil.copytree(ROOT / part, src / part, ignore=ignore)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, src / part)
    wheels = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), str(src)], check=True)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(next(wheels.glob("*.whl")))], check=True)
    shutil.rmtree(src)  # nothing of the source tree is left to read from
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = ("import sys, orderexchange; print(orderexchange.__file__); "
              "from orderexchange.cli import main; main(['init', 'new/config.toml'])")
    proc = subprocess.run([sys.executable, "-c", script], cwd=work, capture_output=True,
                          text=True, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin",
                                          "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith(str(site))
    assert (work / "new" / "config.toml").read_text() == \
        (ROOT / "config.example.toml").read_text()
