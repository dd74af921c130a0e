"""``write --metadata``: the project's own backend decides, and the tree is never touched.

The backends are real: setuptools from the test environment (``--no-isolation``)
and a PEP 517 backend kept in the project's tree (``backend-path``), which
needs nothing installed, so its isolated build environment works offline.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result

from tests.write.test_write_command import ARGS, make_service, run
from tests.write.test_write_json import documented_schema

INLINE_BACKEND = Path(__file__).resolve().parents[1] / "data" / "inline_backend.py"

SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "svc"
version = "1.0"

[project.entry-points."svc.api.extensions"]
old = "svc.old:Old"

[tool.setuptools]
packages = ["svc", "svc.api", "svc.extensions"]
"""

SETUP_CFG_ENTRY_POINTS = """\
[metadata]
name = svc

[options.entry_points]
console_scripts =
    svc = svc.cli:main
"""


def inline_project(root: Path, tool: str = "") -> Path:
    """A service whose build backend is tests/data/inline_backend.py, in its tree."""
    make_service(root)
    (root / "_backend").mkdir()
    shutil.copy(INLINE_BACKEND, root / "_backend" / "inline_backend.py")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "inline_backend"\n'
        'backend-path = ["_backend"]\n\n'
        '[project]\nname = "svc"\nversion = "1.0"\n' + tool
    )
    return root / "pyproject.toml"


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes: what must stay as it was."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def as_json(result: Result) -> dict[str, Any]:
    """The document of ``write --format json``, validated against docs/write-json.md."""
    doc = json.loads(result.output)
    assert isinstance(doc, dict)
    jsonschema.validate(doc, documented_schema())
    assert doc["exit_code"] == result.exit_code
    return doc


def test_isolated_check_builds_both_trees_and_touches_nothing(tmp_path: Path) -> None:
    inline_project(tmp_path)
    before = tree_bytes(tmp_path)
    result = run(tmp_path, *ARGS, "--metadata", "--check")
    assert result.exit_code == 1, result.output  # --check: the file would change
    assert "metadata: inline_backend in an isolated build environment" in result.stderr
    assert "carries all 2 planned entry points" in result.stderr
    assert tree_bytes(tmp_path) == before


def test_metadata_write_writes_what_the_backend_then_carries(tmp_path: Path) -> None:
    pyproject = inline_project(tmp_path)
    result = run(tmp_path, *ARGS, "--metadata")
    assert result.exit_code == 0, result.output
    assert "wrote 2 entry points to pyproject.toml" in result.stdout
    assert '[project.entry-points."svc.api.extensions"]' in pyproject.read_text()
    again = run(tmp_path, *ARGS, "--metadata", "--check")
    assert again.exit_code == 0, again.output
    assert "keeps the 2 entry points it had" in again.stderr


def test_a_table_the_backend_does_not_read_is_caught_and_nothing_written(tmp_path: Path) -> None:
    inline_project(tmp_path, "\n[tool.inline]\nown-table = true\n")
    before = tree_bytes(tmp_path)
    result = run(tmp_path, *ARGS, "--metadata")
    assert result.exit_code == 1
    assert "the built metadata would not carry the plan (2 differences)" in result.stderr
    assert (
        "[svc.api.extensions] alpha = svc.extensions.alpha:Alpha is planned but not in the "
        "built metadata: the metadata is the same before and after the write: inline_backend "
        "does not read the file or table written to"
    ) in result.stderr
    assert "nothing was written" in result.stderr
    assert tree_bytes(tmp_path) == before


def test_setuptools_ignoring_setup_cfg_beside_a_project_table(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(SETUPTOOLS_PYPROJECT)
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    before = tree_bytes(tmp_path)
    result = run(tmp_path, "setup.cfg", "--force", *ARGS, "--metadata", "--no-isolation")
    assert result.exit_code == 1, result.output
    assert "metadata: setuptools.build_meta in this environment" in result.stderr
    assert "alpha = svc.extensions.alpha:Alpha is planned but not in the built metadata" in (
        result.stderr
    )
    assert tree_bytes(tmp_path) == before


def test_the_same_write_into_pyproject_is_carried_by_setuptools(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(SETUPTOOLS_PYPROJECT)
    result = run(tmp_path, *ARGS, "--metadata", "--no-isolation", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = as_json(result)
    meta = doc["metadata"]
    assert isinstance(meta, dict)
    assert meta["backend"] == "setuptools.build_meta"
    assert meta["ok"] is True
    assert meta["before"] == [
        {"group": "svc.api.extensions", "name": "old", "value": "svc.old:Old"}
    ]
    assert sorted(e["name"] for e in meta["after"]) == ["alpha", "beta", "old"]
    assert doc["written"] is True
    # The source tree gets no .egg-info: the backend built copies.
    assert not list(tmp_path.glob("*.egg-info"))


def test_json_reports_the_differences_and_exits_1(tmp_path: Path) -> None:
    pyproject = inline_project(tmp_path, "\n[tool.inline]\nown-table = true\n")
    text = pyproject.read_bytes()
    result = run(tmp_path, *ARGS, "--metadata", "--format", "json")
    assert result.exit_code == 1
    doc = as_json(result)
    assert doc["exit_code"] == 1 and doc["written"] is False
    meta = doc["metadata"]
    assert isinstance(meta, dict) and meta["ok"] is False
    kinds = [(d["kind"], d["name"]) for d in meta["differences"]]
    assert kinds == [("missing", "alpha"), ("missing", "beta")]
    error = doc["error"]
    assert isinstance(error, dict)
    assert "would not carry the plan" in error["message"]
    assert pyproject.read_bytes() == text


def test_a_failing_backend_is_named_with_its_output_and_nothing_written(tmp_path: Path) -> None:
    pyproject = inline_project(tmp_path, '\n[tool.inline]\nfail = "no [tool.inline] name"\n')
    text = pyproject.read_bytes()
    result = run(tmp_path, *ARGS, "--metadata")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "the build backend inline_backend failed preparing the wheel metadata" in (result.stderr)
    assert "RuntimeError: no [tool.inline] name" in result.stderr
    assert "nothing was written" in result.stderr
    assert "hint:" in result.stderr
    assert pyproject.read_bytes() == text


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process states from /proc")
def test_a_hanging_backend_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path.parent / f"{tmp_path.name}-backend.pid"
    pyproject = inline_project(tmp_path, f'\n[tool.inline]\nsleep = 120\npidfile = "{pidfile}"\n')
    text = pyproject.read_bytes()
    start = time.monotonic()
    result = run(tmp_path, *ARGS, "--metadata", "--timeout", "3")
    took = time.monotonic() - start
    assert result.exit_code == 1
    assert took < 30
    assert "the build backend inline_backend did not finish within 3 s" in result.stderr
    assert "--timeout SECONDS" in result.stderr
    assert "Traceback" not in result.output
    assert pyproject.read_bytes() == text
    pid = int(pidfile.read_text())
    # The hook's process went with the worker's session: gone, or a zombie
    # left for the init process to reap.
    assert _state(pid) in (None, "Z")


def test_an_isolated_build_without_the_index_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(SETUPTOOLS_PYPROJECT)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels-here"))
    result = run(tmp_path, *ARGS, "--metadata", "--check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "the build backend setuptools.build_meta failed making its isolated build" in (
        result.stderr
    )
    assert "pass --no-isolation" in result.stderr


def test_metadata_options_need_metadata(tmp_path: Path) -> None:
    inline_project(tmp_path)
    result = run(tmp_path, *ARGS, "--no-isolation")
    assert result.exit_code == 2
    assert "need --metadata" in result.output


def test_a_project_no_front_end_can_build_is_said_so(tmp_path: Path) -> None:
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text("[metadata]\nname = svc\n")
    result = run(tmp_path, *ARGS, "--metadata", "--no-isolation")
    assert result.exit_code == 1
    assert "failed reading the project: Source " in result.stderr
    assert "needs pyproject.toml or setup.py" in result.stderr
    assert cfg.read_text() == "[metadata]\nname = svc\n"


def test_a_hook_without_entry_points_txt_is_answered_by_the_wheel(tmp_path: Path) -> None:
    # hatchling's prepare_metadata_for_build_wheel writes only METADATA.
    inline_project(tmp_path, "\n[tool.inline]\nmetadata-only = true\n")
    result = run(tmp_path, *ARGS, "--metadata", "--format", "json")
    assert result.exit_code == 0, result.output
    meta = as_json(result)["metadata"]
    assert meta["ok"] is True
    assert meta["read_from"] == ["wheel", "wheel"]
    assert [e["name"] for e in meta["after"]] == ["alpha", "beta"]


def test_a_copy_without_entry_points_is_read_from_its_metadata(tmp_path: Path) -> None:
    # setuptools writes no entry_points.txt for a project without entry
    # points; the copy with the change has one, so no wheel is built.
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        SETUPTOOLS_PYPROJECT.replace('[project.entry-points."svc.api.extensions"]\n', "").replace(
            'old = "svc.old:Old"\n', ""
        )
    )
    result = run(tmp_path, *ARGS, "--metadata", "--no-isolation", "--check", "--format", "json")
    assert result.exit_code == 1, result.output  # --check: the file would change
    meta = as_json(result)["metadata"]
    assert meta["ok"] is True
    assert meta["read_from"] == ["metadata", "metadata"]
    assert meta["before"] == []


def test_a_failing_requirements_hook_stops_both_copies(tmp_path: Path) -> None:
    # The copy with the change waits for the first copy's requirements: a
    # failure there must end the run, not leave it waiting.
    inline_project(tmp_path, '\n[tool.inline]\nfail-requires = "cannot tell"\n')
    start = time.monotonic()
    result = run(tmp_path, *ARGS, "--metadata", "--timeout", "60")
    assert result.exit_code == 1
    assert time.monotonic() - start < 30
    assert "failed installing its build requirements" in result.stderr
    assert "RuntimeError: cannot tell" in result.stderr
