"""Each job imports what it needs, in a fresh interpreter as a user starts it.

A service imports ``epmigrate.loader`` at every start: the standard library
and stevedore only, and not ``dataclasses`` (with ``inspect`` about ten
milliseconds). A scan reads every file Python parses with ``ast``: libcst is
imported only for grammar this Python lacks, tomlkit never.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.write.test_write_command import ARGS, make_service

REPO = Path(__file__).resolve().parents[1]
WIDGET = REPO / "sample_projects" / "widget_service"

RUN_CLI = """
import json, sys
from epmigrate.__main__ import main
sys.argv = ["epmigrate", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(
    code: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )
    last = done.stderr.strip().splitlines()[-1]
    return set(json.loads(last))


def heavy(modules: set[str], *names: str) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


def test_the_runtime_loader_imports_no_tooling_and_no_dataclasses() -> None:
    code = (
        "import json, sys\nfrom epmigrate.loader import HybridExtensionManager\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    found = modules_after(code)
    assert "stevedore" in found
    assert heavy(found, "libcst", "click", "tomlkit", "dataclasses", "inspect") == []


def test_an_adopted_service_imports_no_stevedore() -> None:
    # What `epmigrate adopt` adds to a service's loader: the service pins its
    # own stevedore, which the adoption runtime must not need.
    code = (
        "import json, sys\nimport epmigrate.loader\n"
        "epmigrate.loader.entry_points('g'), epmigrate.loader.legacy_listing('.', group='g')\n"
        "list(epmigrate.loader.legacy_walk('.', group='g'))\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    found = modules_after(code, cwd=Path(__file__).parent / "data")
    assert "epmigrate.loader.adoption" in found
    assert heavy(found, "stevedore", "libcst", "click", "tomlkit", "dataclasses", "inspect") == []


@pytest.mark.parametrize("cached", [False, True])
def test_a_scan_imports_neither_libcst_nor_tomlkit(tmp_path: Path, cached: bool) -> None:
    import os

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ("scan", str(WIDGET / "src" / "widget_service" / "extensions"))
    args += ("--base", "widget_service.api.extensions.ExtensionDescriptor")
    if cached:
        modules_after(RUN_CLI, *args, env=env)  # fills the cache
    found = modules_after(RUN_CLI, *args, env=env)
    assert "epmigrate.scan" in found
    assert heavy(found, "libcst", "tomlkit") == []


SETUP_CFG = "[metadata]\nname = svc\n"
PYPROJECT = '[project]\nname = "svc"\nversion = "1"\n'
WRITTEN_CFG = SETUP_CFG + (
    "\n[options.entry_points]\nsvc.api.extensions =\n"
    "    alpha = svc.extensions.alpha:Alpha\n    beta = svc.extensions.beta:Beta\n"
)


def write_args(target: Path) -> tuple[str, ...]:
    return ("write", str(target), *ARGS)


@pytest.mark.parametrize("setup_py", [False, True], ids=["alone", "with-setup-py-shim"])
def test_a_setup_cfg_write_imports_neither_libcst_nor_tomlkit(
    tmp_path: Path, setup_py: bool
) -> None:
    # A pbr-style shim: choosing the target reads it, with ast.
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    if setup_py:
        (tmp_path / "setup.py").write_text("import setuptools\n\nsetuptools.setup()\n")
    found = modules_after(RUN_CLI, *write_args(tmp_path / "setup.cfg"), cwd=tmp_path)
    assert "epmigrate.write.setupcfg" in found
    assert heavy(found, "libcst", "tomlkit", "difflib") == []
    assert (tmp_path / "setup.cfg").read_text() == WRITTEN_CFG


def test_a_pyproject_write_imports_tomlkit_but_not_libcst(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    found = modules_after(RUN_CLI, *write_args(tmp_path / "pyproject.toml"), cwd=tmp_path)
    assert "tomlkit" in found
    assert heavy(found, "libcst", "difflib") == []
    assert (tmp_path / "pyproject.toml").read_text() == PYPROJECT + (
        '\n[project.entry-points."svc.api.extensions"]\n'
        'alpha = "svc.extensions.alpha:Alpha"\nbeta = "svc.extensions.beta:Beta"\n'
    )
