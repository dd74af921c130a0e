"""The real-code tier's committed answers and its comparison, offline.

``make realworld`` needs the package index; these tests check what it reads
and decides without it: every tree of ``realworld/trees.toml`` has a
well-formed oracle file, ``compare`` counts and reports differences, and the
no-execution guard around the scan catches code that runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = ROOT / "realworld"
STATUSES = {"loaded", "skipped", "failed", "rejected", "not-attempted"}


@pytest.fixture
def compare_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``realworld/compare.py`` imported as its scripts import each other.

    The scripts' modules have top-level names; any module of the same name
    another test imported first is set aside so the realworld ones are read.
    """
    for name in ("compare", "_realworld"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(REALWORLD))
    import compare

    return compare


def _trees() -> dict[str, Any]:
    return tomllib.loads((REALWORLD / "trees.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(_trees()))
def test_each_tree_has_a_recorded_oracle(name: str) -> None:
    spec = _trees()[name]
    doc = json.loads((REALWORLD / "oracle" / f"{name}.json").read_text(encoding="utf-8"))
    assert doc["schema"] == 1
    assert doc["tree"] == name
    assert doc["requirements"] == spec["requirements"]
    assert doc["directory"] == spec["directory"]
    pins = {line.split("==")[0].lower(): line for line in doc["environment"]}
    for requirement in spec["requirements"]:
        assert pins[requirement.split("==")[0].lower()] == requirement
    assert doc["files"], "the loader saw no file"
    for file, record in doc["files"].items():
        assert file.endswith(".py"), file
        assert record["status"] in STATUSES, (file, record)
        assert (record["status"] == "loaded") == bool(record["loaded"]), (file, record)
        for item in record["loaded"]:
            assert isinstance(item["class"], str) and item["class"], (file, item)
            assert item["alias"] is None or isinstance(item["alias"], str), (file, item)
        names = record.get("never_loaded", [])
        assert all(isinstance(n, str) and n for n in names), (file, record)
        if record["status"] in {"skipped", "failed", "rejected"}:
            assert record["reason"], (file, record)
        assert "/epmigrate-realworld/" not in json.dumps(record), "a virtualenv path leaked"


def test_the_fwaas_trap_is_recorded_as_never_loaded() -> None:
    doc = json.loads((REALWORLD / "oracle" / "neutron-fwaas.json").read_text(encoding="utf-8"))
    record = doc["files"]["firewall_v2_stdattrs.py"]
    assert record["status"] == "skipped"
    assert 'Did not find expected name "Firewall_v2_stdattrs"' in record["reason"]


def _ext(path: str, cls: str, alias: str | None, status: str = "loaded") -> dict[str, Any]:
    return {
        "path": f"/site/pkg/extensions/{path}",
        "class": cls,
        "alias": alias,
        "alias_reason": None if alias else "import cycle while following x",
        "status": status,
    }


def _loaded(cls: str, alias: str) -> dict[str, Any]:
    return {"status": "loaded", "loaded": [{"class": cls, "alias": alias}]}


def test_compare_counts_matches_and_names_every_difference(compare_module: Any) -> None:
    oracle = {
        "files": {
            "__init__.py": {"status": "not-attempted", "loaded": []},
            "good.py": _loaded("Good", "good"),
            "noalias.py": _loaded("Noalias", "no-alias"),
            "unsure.py": _loaded("Unsure", "unsure"),
            "helper.py": {"status": "skipped", "loaded": [], "reason": "Did not find"},
            "broken.py": {"status": "failed", "loaded": [], "reason": "boom"},
        }
    }
    report = {
        "extensions": [
            _ext("good.py", "Good", "good"),
            _ext("noalias.py", "Noalias", None),
            _ext("unsure.py", "Unsure", "unsure", status="unverified"),
            _ext("broken.py", "Broken", "broken"),
        ]
    }
    out = compare_module.compare(oracle, report, "/site/pkg/extensions/")
    assert (out.classes_matched, out.classes_total) == (2, 4)
    assert (out.aliases_matched, out.aliases_total) == (1, 3)
    assert [m.render() for m in out.mismatches] == [
        "broken.py: loaded: ours loaded Broken; oracle failed (boom)",
        "noalias.py: alias: ours Noalias alias null; oracle Noalias alias 'no-alias'; "
        "alias_reason: import cycle while following x",
        "unsure.py: loaded: ours unverified Unsure; oracle loaded Unsure (alias 'unsure')",
    ]


def test_compare_checks_never_loaded_classes_where_the_probe_lists_them(
    compare_module: Any,
) -> None:
    trap = {"status": "skipped", "loaded": [], "reason": "Did not find", "never_loaded": ["Trap"]}
    oracle = {"files": {"trap.py": trap, "plain.py": {**_loaded("Plain", "p"), "never_loaded": []}}}
    report = {
        "extensions": [
            _ext("trap.py", "Trap", None, status="never-loaded"),
            _ext("plain.py", "Plain", "p"),
            _ext("plain.py", "Extra", None, status="never-loaded"),
        ]
    }
    out = compare_module.compare(oracle, report, "/site/pkg/extensions")
    assert (out.never_matched, out.never_total) == (1, 2)
    assert [m.render() for m in out.mismatches] == [
        "plain.py: never-loaded: ours never-loaded Extra; oracle no never-loaded Extra"
    ]
    without = compare_module.compare({"files": {"plain.py": _loaded("Plain", "p")}}, report, "")
    assert (without.never_matched, without.never_total) == (None, None)


def test_compare_agrees_on_identical_answers(compare_module: Any) -> None:
    oracle = {"files": {"a.py": _loaded("A", "a"), "sub/b.py": _loaded("B", "b")}}
    report = {"extensions": [_ext("a.py", "A", "a"), _ext("sub/b.py", "B", "b")]}
    out = compare_module.compare(oracle, report, "/site/pkg/extensions")
    assert (out.classes_matched, out.classes_total, out.aliases_matched) == (2, 2, 2)
    assert out.mismatches == ()


def _guarded(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REALWORLD / "scan_guarded.py"), str(root), *args],
        capture_output=True,
        text=True,
        cwd=root,
    )


def test_guard_passes_a_scan_that_runs_nothing_of_the_tree() -> None:
    tree = ROOT / "tests" / "data" / "neutron_style"
    proc = _guarded(
        tree,
        str(tree / "project" / "neutron" / "extensions"),
        "--no-cache",
        "--format",
        "json",
        "--search-path",
        str(tree / "lib"),
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["summary"]["loaded"] > 0
    assert "ran code" not in proc.stderr


def test_guard_fails_when_code_under_its_root_runs() -> None:
    # epmigrate's own modules run during any scan: with their directory as the
    # root, the guard must catch them, or it could not catch a tree's either.
    import epmigrate

    src = Path(epmigrate.__file__).resolve().parent
    proc = _guarded(src, str(ROOT / "tests" / "data" / "neutron_style"), "--no-cache")
    assert proc.returncode == 3
    assert "the scan ran code of the scanned tree:" in proc.stderr
    assert str(src / "cli.py") in proc.stderr
