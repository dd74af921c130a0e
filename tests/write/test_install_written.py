"""Projects written by 'epmigrate write', installed with real pip: the entry points work."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import PipVenv
from tests.scan.conftest import DATA
from tests.write.test_write_command import ARGS, SETUP_CFG, make_service, run

LIST_EPS = (
    "import json, sys; from importlib.metadata import entry_points;"
    "print(json.dumps(sorted((e.name, e.value, e.load().__name__)"
    " for e in entry_points(group=sys.argv[1]))))"
)


def test_setup_cfg_written_then_installed(test_venv: PipVenv, tmp_path: Path) -> None:
    make_service(tmp_path, exts=("alpha", "beta"))
    (tmp_path / "setup.cfg").write_text(SETUP_CFG.replace("name = svc", "name = svc-written"))
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    assert run(tmp_path, *ARGS).exit_code == 0
    test_venv.install(tmp_path)
    out = test_venv.run("-c", LIST_EPS, "svc.api.extensions")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        ["alpha", "svc.extensions.alpha:Alpha", "Alpha"],
        ["beta", "svc.extensions.beta:Beta", "Beta"],
    ]
    test_venv.uninstall("svc-written")


def test_new_package_from_loose_files_installs_and_loads(
    test_venv: PipVenv, tmp_path: Path
) -> None:
    contrib = tmp_path / "contrib"
    shutil.copytree(DATA / "neutron_style" / "lib", tmp_path / "lib")
    contrib.mkdir()
    for name in ("dvr.py", "stdattrs_common.py", "dup_router.py"):
        shutil.copy(DATA / "neutron_style" / "project" / "neutron" / "extensions" / name, contrib)
    test_venv.install(tmp_path / "lib")  # the service's base library
    out_dir = tmp_path / "widget-contrib"
    result = run(
        tmp_path,
        "--new-package",
        "widget-contrib",
        "--path",
        "contrib",
        "--group",
        "neutron.api.extensions",
        "--search-path",
        "lib",
        "--no-cache",
        str(out_dir),
    )
    assert result.exit_code == 0, result.output
    assert "package widget_contrib with 2 entry points" in result.stdout
    copied = out_dir / "src" / "widget_contrib"
    for name in ("dvr.py", "stdattrs_common.py", "dup_router.py"):
        assert (copied / name).read_bytes() == (contrib / name).read_bytes()
    assert "`dvr = widget_contrib.dvr:Dvr`" in (out_dir / "README.md").read_text()
    test_venv.install(out_dir)
    out = test_venv.run("-c", LIST_EPS, "neutron.api.extensions")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        ["dup_router", "widget_contrib.dup_router:Dup_router", "Dup_router"],
        ["dvr", "widget_contrib.dvr:Dvr", "Dvr"],
    ]
    test_venv.uninstall("widget-contrib", "neutron-lib")


def test_new_package_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "contrib").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    result = run(
        tmp_path, "--new-package", "x", "--path", "contrib", "--group", "g", str(tmp_path / "out")
    )
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output
    assert (tmp_path / "out" / "keep.txt").read_text() == "x"
