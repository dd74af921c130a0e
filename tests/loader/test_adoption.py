"""The runtime an adopted service calls: entry_points, legacy_listing, legacy_walk.

Each runs in the session virtualenv with ``epm-hybrid-demo`` pip-installed
(tests/loader/conftest.py), in a fresh process: what a service sees at start.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.loader.conftest import SRC_ROOT, DemoInstall

pytestmark = pytest.mark.venv

RECORD = """
import json, logging, sys, warnings
logs = []
class Keep(logging.Handler):
    def emit(self, record):
        logs.append([record.levelname, record.getMessage()])
logging.getLogger("epmigrate").addHandler(Keep())
import epmigrate.loader as rt
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = RESULT
print(json.dumps({
    "result": result,
    "warnings": [[w.category.__name__, str(w.message), w.filename, w.lineno] for w in caught],
    "logs": logs,
}))
"""


def record(demo: DemoInstall, result: str, *args: str, **env: str) -> dict[str, Any]:
    doc = demo.run(RECORD.replace("RESULT", result), *args, env=env)
    assert isinstance(doc, dict)
    return doc


def test_entry_points_are_sorted_and_counted_once(demo: DemoInstall) -> None:
    code = """[
        [ep.name, ep.value] for ep in rt.entry_points("hybrid.demo")
    ] + [["again", len(rt.entry_points("hybrid.demo"))]]"""
    twice = f"sys.path.append({str(demo.venv.site_packages)!r}) or {code}"
    doc = record(demo, twice)
    assert doc["result"] == [
        ["both", "hybrid_demo.extensions.both:Both"],
        ["migrated", "hybrid_demo.extensions.migrated:Migrated"],
        ["again", 2],
    ]
    assert doc["warnings"] == [] and doc["logs"] == []


def test_an_install_in_the_same_process_is_seen(demo: DemoInstall, tmp_path: Path) -> None:
    project = tmp_path / "late"
    (project / "late_ext").mkdir(parents=True)
    (project / "late_ext" / "__init__.py").write_text("class Late:\n    alias = 'late'\n")
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "epm-late-ext"
            version = "1"
            [project.entry-points."hybrid.demo"]
            late = "late_ext:Late"
            """
        )
    )
    code = f"""(
        [ep.name for ep in rt.entry_points("hybrid.demo")],
        __import__("subprocess").run(
            [{shutil.which("python3")!r}, "-m", "pip", "--python", sys.executable, "install",
             "-q", "--no-deps", "--no-build-isolation", "--no-index", {str(project)!r}],
            check=True, capture_output=True),
        [ep.name for ep in rt.entry_points("hybrid.demo")],
    )[::2]"""
    try:
        doc = record(demo, code)
    finally:
        demo.venv.uninstall("epm-late-ext")
    assert doc["result"] == [["both", "migrated"], ["both", "late", "migrated"]]


def test_listing_drops_what_entry_points_provide_and_warns_once_for_the_rest(
    demo: DemoInstall,
) -> None:
    directory = demo.package_dir / "extensions"
    code = """[
        rt.legacy_listing(sys.argv[1], group="hybrid.demo"),
        rt.legacy_listing(sys.argv[1], group="hybrid.demo"),
    ]"""
    doc = record(demo, code, str(directory))
    first, second = doc["result"]
    assert first == second
    assert [n for n in first if n != "__pycache__"] == ["__init__.py", "helper.py", "unmigrated.py"]
    messages = [m for category, m, _, _ in doc["warnings"] if category == "LegacyExtensionWarning"]
    assert len(messages) == 2, "once per file and process, though listed twice"
    unmigrated = next(m for m in messages if "unmigrated.py" in m)
    assert unmigrated == (
        f"legacy extension file {directory / 'unmigrated.py'} is loaded from the legacy path, "
        "not from group 'hybrid.demo': declare it as the entry point "
        "'unmigrated = hybrid_demo.extensions.unmigrated:Unmigrated' in that group "
        "(epmigrate write --group hybrid.demo --profile neutron) and install its package"
    )
    assert [level for level, m in doc["logs"]] == ["WARNING", "WARNING"]
    assert {m for _, m in doc["logs"]} == set(messages)
    # The warning points at the caller's line (the first legacy_listing call),
    # as a service's own warning would.
    calls = (
        RECORD.replace("RESULT", code)
        .splitlines()
        .index('        rt.legacy_listing(sys.argv[1], group="hybrid.demo"),')
    )
    assert {(w[2], w[3]) for w in doc["warnings"]} == {("<string>", calls + 1)}


def test_a_file_outside_any_package_is_matched_by_its_stem(
    demo: DemoInstall, plain_legacy: Path
) -> None:
    doc = record(demo, 'rt.legacy_listing(sys.argv[1], group="hybrid.demo")', str(plain_legacy))
    # both.py is provided by the entry point named "both"; the files the
    # service itself skips (_private.py, README.txt) stay for it to skip.
    assert doc["result"] == ["README.txt", "_private.py", "outside.py"]
    assert [w[1].split(": declare")[1] for w in doc["warnings"]] == [
        " it as the entry point 'outside = <package>.outside:Outside' in that group "
        "(epmigrate write --group hybrid.demo --profile neutron) and install its package"
    ]
    assert not (plain_legacy.parent / "marker").exists(), "nothing in the directory runs"


def test_an_unsorted_profile_keeps_the_listing_order(demo: DemoInstall, plain_legacy: Path) -> None:
    code = """[
        rt.legacy_listing(sys.argv[1], group="hybrid.demo", profile="oslo-incubator"),
        [n for n in __import__("os").listdir(sys.argv[1]) if n != "both.py"],
    ]"""
    listed, raw = record(demo, code, str(plain_legacy))["result"]
    assert listed == raw


def test_legacy_off_lists_nothing(demo: DemoInstall, plain_legacy: Path) -> None:
    code = """[
        rt.legacy_listing(sys.argv[1], group="hybrid.demo"),
        list(rt.legacy_walk(sys.argv[1], group="hybrid.demo")),
        [ep.name for ep in rt.entry_points("hybrid.demo")],
    ]"""
    doc = record(demo, code, str(plain_legacy), EPMIGRATE_LEGACY="off")
    assert doc["result"] == [[], [], ["both", "migrated"]]
    assert doc["warnings"] == []


def test_a_missing_directory_raises_as_listdir_does(demo: DemoInstall, tmp_path: Path) -> None:
    done = demo.venv.run(
        "-c",
        "import sys, epmigrate.loader as rt\n"
        "try:\n"
        "    rt.legacy_listing(sys.argv[1], group='hybrid.demo')\n"
        "except FileNotFoundError as exc:\n"
        "    print('FileNotFoundError', exc.filename)\n",
        str(tmp_path / "absent"),
        env={**os.environ, "PYTHONPATH": SRC_ROOT},
    )
    assert done.stdout.split() == ["FileNotFoundError", str(tmp_path / "absent")], done.stderr


def test_walk_filters_each_directory_and_keeps_pruning(demo: DemoInstall) -> None:
    code = """[
        [d[len(sys.argv[1]):], sorted(n for n in names if n.endswith(".py"))]
        for d, dirs, names in rt.legacy_walk(sys.argv[1], group="hybrid.verified")
        # Pruned in place as Cinder prunes: packages only, and not "disagree".
        if not dirs.__setitem__(slice(None), [
            n for n in sorted(dirs)
            if n != "disagree" and __import__("os").path.exists(f"{d}/{n}/__init__.py")
        ])
    ]"""
    doc = record(demo, code, str(demo.package_dir))
    assert doc["result"] == [
        ["", ["__init__.py", "base.py"]],
        ["/extensions", ["__init__.py", "both.py", "helper.py", "migrated.py", "unmigrated.py"]],
        ["/verified", ["__init__.py"]],
    ]
    warned = sorted(Path(w[1].split()[3]).name for w in doc["warnings"])
    assert warned == ["base.py", "both.py", "helper.py", "migrated.py", "unmigrated.py"]
    nested = next(w[1] for w in doc["warnings"] if "/extensions/both.py" in w[1])
    assert "'both = hybrid_demo.extensions.both:Both'" in nested
