"""Bases and aliases resolved through a package really installed with pip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import PipVenv
from tests.scan.conftest import NEUTRON_EXT, NEUTRON_LIB


def test_installed_neutron_lib_is_found_on_the_interpreter_path(
    test_venv: PipVenv, tmp_path: Path
) -> None:
    # Install a copy: the source tree must not be what the scan finds.
    lib = tmp_path / "neutron-lib-src"
    shutil.copytree(NEUTRON_LIB, lib)
    test_venv.install(lib)
    shutil.rmtree(lib)
    out = test_venv.run(
        "-m", "epmigrate", "scan", str(NEUTRON_EXT), "--format", "json", "--no-cache"
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    exts = {e["class"]: e for e in doc["extensions"]}
    assert (exts["Dvr"]["status"], exts["Dvr"]["alias"]) == ("loaded", "dvr")
    assert (exts["Tagging"]["status"], exts["Tagging"]["alias"]) == (
        "loaded",
        "standard-attr-tags",
    )
    assert not [f for f in doc["findings"] if f["code"] == "EPM105" and "dvr" in f["path"]]
