"""The hybrid loader against Neutron's own ExtensionManager on odd trees.

A real Neutron release from PyPI is installed with its dependencies into a
virtualenv of its own; its ``neutron.api.extensions.ExtensionManager`` is
the oracle. Both loaders run over identical copies of one tree (in that
virtualenv's interpreter, the hybrid one with epmigrate's source on the
path) and must execute the same files in the same order and load the same
extensions. The tree holds the cases that differ between a naive port and
the real loader: ``foo-bar.py`` beside ``foo_bar.py`` (Neutron names the
module by the bare stem, so both run), files starting with ``_``, a helper
without the expected class, a non-Python file. Skipped when
PyPI cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

import epmigrate

SRC_ROOT = str(Path(epmigrate.__file__).resolve().parents[1])


def descriptor(stem: str, marker: Path) -> str:
    """A Neutron extension file whose expected class is ``stem.capitalize()``."""
    return textwrap.dedent(
        f"""\
        from neutron_lib.api import extensions

        with open({str(marker)!r}, "a") as f:
            f.write(__file__.rsplit("/", 1)[-1] + "\\n")


        class _Descriptor(extensions.ExtensionDescriptor):
            @classmethod
            def get_name(cls):
                return {stem!r}

            @classmethod
            def get_alias(cls):
                return {stem!r}

            @classmethod
            def get_description(cls):
                return "odd tree"

            @classmethod
            def get_updated(cls):
                return "2026-01-01T00:00:00-00:00"


        globals()[{stem.capitalize()!r}] = _Descriptor
        """
    )


def make_tree(directory: Path, marker: Path) -> None:
    directory.mkdir(mode=0o755)
    for stem in ("foo-bar", "foo_bar", "zeta"):
        (directory / f"{stem}.py").write_text(descriptor(stem, marker))
    (directory / "_private.py").write_text("raise SystemExit('never run')\n")
    (directory / "helper.py").write_text(
        f"with open({str(marker)!r}, 'a') as f:\n    f.write('helper.py\\n')\n"
    )
    (directory / "README.txt").write_text("not an extension\n")
    for path in directory.iterdir():
        path.chmod(0o644)


ORACLE = """
import json, logging, sys
logging.basicConfig(level=logging.CRITICAL)
from neutron.api import extensions
mgr = extensions.ExtensionManager(sys.argv[1])
print(json.dumps(sorted(mgr.extensions)))
"""

HYBRID = """
import json, logging, sys, warnings
logging.basicConfig(level=logging.CRITICAL)
warnings.simplefilter("ignore")
from epmigrate.loader import HybridExtensionManager
mgr = HybridExtensionManager("epmigrate.oracle.none", legacy_paths=sys.argv[1], profile="neutron")
print(json.dumps(sorted(e.plugin.get_alias() for e in mgr.extensions)))
"""


@pytest.fixture
def neutron_python(openstack_python: Path) -> Path:
    return openstack_python


def run(python: Path, code: str, directory: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": SRC_ROOT, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [str(python), "-c", code, str(directory)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_hybrid_loader_runs_and_loads_what_neutron_does(
    neutron_python: Path, tmp_path: Path
) -> None:
    os.chmod(tmp_path, 0o755)
    answers = {}
    for side, code in (("neutron", ORACLE), ("hybrid", HYBRID)):
        marker = tmp_path / f"{side}.log"
        make_tree(tmp_path / side, marker)
        loaded = run(neutron_python, code, tmp_path / side)
        answers[side] = (loaded, marker.read_text().split())
    neutron, hybrid = answers["neutron"], answers["hybrid"]
    # The oracle's answer, recorded: both colliding stems run and load.
    assert neutron == (
        ["foo-bar", "foo_bar", "zeta"],
        ["foo-bar.py", "foo_bar.py", "helper.py", "zeta.py"],
    )
    assert hybrid == neutron
    shutil.rmtree(tmp_path / "neutron")
