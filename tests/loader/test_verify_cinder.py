"""``epmigrate verify`` on a real Cinder release from PyPI, in Cinder's own virtualenv.

Cinder's contrib extensions import only after the service's start-up code
has run (``cinder.objects.register_all()`` fills ``cinder.objects``); the
check installs Cinder 23.0.0 with its dependencies into a fresh virtualenv
of its own (the service's environment: no epmigrate there; shared with the
Neutron oracle, ``openstack_python`` in conftest.py), declares the
entry points ``epmigrate scan`` finds for its contrib directory in a small
distribution, and compares in that environment. Skipped when PyPI cannot be
reached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from epmigrate.cli import cli

GROUP = "cinder.api.contrib"


@pytest.fixture
def cinder_python(openstack_python: Path) -> Path:
    return openstack_python


def _contrib(python: Path) -> str:
    code = "import os, cinder.api.contrib as c; print(os.path.dirname(c.__file__))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def _verify(python: Path, contrib: str, *setup: str) -> tuple[int, dict[str, object]]:
    args = ["verify", GROUP, "--legacy-path", contrib, "--profile", "nova"]
    args += ["--python", str(python), "--format", "json"]
    for ref in setup:
        args += ["--setup", ref]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def test_cinder_contrib_verifies_clean_after_its_start_up_code(
    cinder_python: Path, tmp_path: Path
) -> None:
    contrib = _contrib(cinder_python)
    # epmigrate itself is not in Cinder's environment.
    probe = subprocess.run(
        [str(cinder_python), "-c", "import epmigrate"], capture_output=True, text=True
    )
    assert probe.returncode != 0

    # Without the start-up code, the files that use cinder.objects fail.
    code, before = _verify(cinder_python, contrib)
    assert code == 1
    failing = sorted(r["name"] for r in before["rows"] if r["legacy_error"])  # type: ignore[index,union-attr]
    assert len(failing) == 6, failing
    assert "cgsnapshots" in failing

    # The entry points the scanner finds, in a distribution of their own.
    scan = CliRunner().invoke(cli, ["scan", contrib, "--profile", "nova", "--format", "json"])
    found = json.loads(scan.stdout)["extensions"]
    lines = [e["entry_point"] for e in found if e["status"] == "loaded"]
    assert len(lines) == 32
    project = tmp_path / "cinder-contrib-entry-points"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "cinder-contrib-entry-points"
            version = "1.0"

            [tool.setuptools]
            py-modules = []

            [project.entry-points."cinder.api.contrib"]
            """
        )
        + "".join(f'{line.split(" = ")[0]} = "{line.split(" = ")[1]}"\n' for line in lines)
    )
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(cinder_python), "install", "-q"),
            *("--no-deps", "--no-build-isolation", "--disable-pip-version-check", str(project)),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )

    code, after = _verify(cinder_python, contrib, "cinder.objects:register_all")
    rows = after["rows"]
    assert isinstance(rows, list)
    assert [r["problem"] for r in rows if r["problem"]] == []
    assert code == 0 and after["ok"] is True
    assert len(rows) == 32
    assert all(r["same_object"] is True and r["same_alias"] is True for r in rows)
    assert after["setup"] == ["cinder.objects:register_all"]
