"""A real plugin distribution, pip-installed once per session, and legacy trees.

``epm-hybrid-demo`` 1.2.3 ships package ``hybrid_demo`` with entry points in
three groups. Every extension module appends its ``__name__`` to
``hybrid_demo.base.EXECUTED`` when it runs, so tests can count executions.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

import epmigrate
from tests.conftest import PipVenv

SRC_ROOT = str(Path(epmigrate.__file__).resolve().parent.parent)

BASE = '''\
"""Descriptor base shared by every demo extension."""

EXECUTED = []


class Base:
    """Loaded by the demo groups; the alias is a class attribute."""

    alias = None

    @classmethod
    def get_alias(cls):
        return cls.alias
'''


def extension(cls: str, alias: str, base: str = "base.Base") -> str:
    """The text of an extension module defining ``cls``."""
    return textwrap.dedent(
        f'''\
        from hybrid_demo import base

        base.EXECUTED.append(__name__)


        class {cls}({base}):
            alias = "{alias}"
        '''
    )


FILES = {
    "hybrid_demo/__init__.py": "",
    "hybrid_demo/base.py": BASE,
    "hybrid_demo/extensions/__init__.py": "",
    "hybrid_demo/extensions/migrated.py": extension("Migrated", "migrated"),
    "hybrid_demo/extensions/both.py": extension("Both", "both"),
    "hybrid_demo/extensions/unmigrated.py": extension("Unmigrated", "unmigrated"),
    "hybrid_demo/extensions/helper.py": "HELPER = True\n",
    "hybrid_demo/verified/__init__.py": "",
    "hybrid_demo/verified/alpha.py": extension("Alpha", "alpha"),
    "hybrid_demo/disagree/__init__.py": "",
    "hybrid_demo/disagree/gamma.py": extension("Gamma", "gamma"),
    "hybrid_demo/disagree/other.py": extension("Gamma2", "gamma"),
}

PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "epm-hybrid-demo"
version = "1.2.3"

[tool.setuptools.packages.find]
include = ["hybrid_demo*"]

[project.entry-points."hybrid.demo"]
migrated = "hybrid_demo.extensions.migrated:Migrated"
both = "hybrid_demo.extensions.both:Both"

[project.entry-points."hybrid.verified"]
alpha = "hybrid_demo.verified.alpha:Alpha"

[project.entry-points."hybrid.disagree"]
gamma = "hybrid_demo.disagree.other:Gamma2"

[project.entry-points."hybrid.broken"]
broken = "hybrid_demo.not_there:Nope"
fine = "hybrid_demo.verified.alpha:Alpha"
"""


@dataclass
class DemoInstall:
    """The session virtualenv with ``epm-hybrid-demo`` installed."""

    venv: PipVenv
    package_dir: Path

    def run(self, code: str, *args: str, env: dict[str, str] | None = None) -> object:
        """Run ``code`` in the virtualenv's Python; return the JSON it prints last."""
        full_env = dict(os.environ)
        full_env.pop("EPMIGRATE_LEGACY", None)
        # The virtualenv sees the outer site-packages through a .pth, but not
        # the editable epmigrate (a .pth in a .pth-added directory is not run).
        full_env["PYTHONPATH"] = SRC_ROOT
        full_env.update(env or {})
        done: subprocess.CompletedProcess[str] = self.venv.run(
            "-c", textwrap.dedent(code), *args, env=full_env
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def demo(test_venv: PipVenv, tmp_path_factory: pytest.TempPathFactory) -> DemoInstall:
    """Install ``epm-hybrid-demo`` into the session virtualenv (once)."""
    project = tmp_path_factory.mktemp("hybrid_demo_dist")
    for rel, text in FILES.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (project / "pyproject.toml").write_text(PYPROJECT)
    test_venv.install(project)
    return DemoInstall(test_venv, test_venv.site_packages / "hybrid_demo")


@pytest.fixture
def plain_legacy(tmp_path: Path) -> Path:
    """A legacy directory outside any package, as an operator's api_extensions_path.

    ``both.py`` shares its name with an entry point and writes ``marker`` (in
    the directory's parent) when it is executed; ``outside.py`` has no entry
    point.
    """
    directory = tmp_path / "legacy"
    directory.mkdir()
    marker = tmp_path / "marker"
    (directory / "both.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n\nclass Both:\n    alias = 'copy'\n"
    )
    (directory / "outside.py").write_text(extension("Outside", "outside"))
    (directory / "_private.py").write_text("raise SystemExit('never run')\n")
    (directory / "README.txt").write_text("not an extension\n")
    return directory


OPENSTACK = ("cinder==23.0.0", "neutron==23.0.0")
"""Real releases of the services whose own loaders are the oracles (2023.2)."""


@pytest.fixture(scope="session")
def openstack_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv of its own with Cinder and Neutron from PyPI, with their dependencies.

    The service's environment: no epmigrate in it. Installed once per
    session (one resolution for both services); skipped when PyPI cannot be
    reached or the install fails.
    """
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        pytest.skip("PyPI cannot be reached: real Cinder and Neutron cannot be installed")
    root = tmp_path_factory.mktemp("openstack-venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "-q"),
            *("--disable-pip-version-check", *OPENSTACK, "stevedore"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"{' '.join(OPENSTACK)} could not be installed: {done.stderr.strip()[-300:]}")
    return python
