"""``epmigrate verify``: parity of entry points and legacy path, in the target interpreter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stevedore
from click.testing import CliRunner, Result

import epmigrate
from epmigrate.cli import verify_command
from epmigrate.loader.verify import ParityReport, ParityRow, verify_parity
from tests.loader.conftest import DemoInstall


def invoke(*args: str) -> Result:
    return CliRunner().invoke(verify_command, list(args))


def row(**changes: object) -> ParityRow:
    """A row where both sides agree; ``changes`` break it."""
    values: dict[str, object] = {
        "name": "foo",
        "entry_point_name": "foo",
        "entry_point": "pkg.ext.foo:Foo",
        "entry_point_error": None,
        "legacy_path": "/srv/ext/foo.py",
        "legacy_target": "pkg.ext.foo:Foo",
        "legacy_class": "Foo",
        "legacy_error": None,
        "entry_point_alias": "foo",
        "legacy_alias": "foo",
        "same_object": True,
        "same_alias": True,
    }
    values.update(changes)
    return ParityRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({}, None, id="agree"),
        pytest.param(
            {"legacy_path": None, "legacy_target": None, "legacy_class": None},
            None,
            id="entry-point-only",
        ),
        pytest.param(
            {"entry_point": None, "entry_point_name": None, "same_object": None},
            "no entry point provides it",
            id="unmigrated",
        ),
        pytest.param(
            {"same_object": False},
            "the entry point loads another class than Foo",
            id="other-class",
        ),
        pytest.param(
            {"entry_point_alias": "bar", "same_alias": False},
            "aliases differ: entry point 'bar', legacy 'foo'",
            id="other-alias",
        ),
        pytest.param(
            {"legacy_error": "ValueError: boom", "same_object": None},
            "the legacy file fails to load (ValueError: boom); cannot compare",
            id="legacy-broken",
        ),
        pytest.param(
            {"entry_point_error": "ImportError: x", "same_object": None},
            "its entry point fails to load (ImportError: x)",
            id="entry-point-broken",
        ),
    ],
)
def test_a_row_blocks_switching_off_only_when_the_legacy_side_is_not_covered(
    changes: dict[str, object], problem: str | None
) -> None:
    assert row(**changes).problem == problem
    report = ParityReport("g", ("/srv/ext",), "neutron", "python", (row(**changes),))
    assert report.ok is (problem is None)


@pytest.mark.venv
def test_a_migrated_group_exits_0(demo: DemoInstall) -> None:
    result = invoke(
        "hybrid.verified",
        "--legacy-path",
        str(demo.package_dir / "verified"),
        "--python",
        str(demo.venv.python),
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "NAME   ENTRY POINT                       LEGACY CLASS                      "
        "SAME OBJECT  SAME ALIAS"
    )
    assert lines[1].split() == [
        "alpha",
        "hybrid_demo.verified.alpha:Alpha",
        "hybrid_demo.verified.alpha:Alpha",
        "yes",
        "yes",
    ]
    assert lines[-1].startswith("OK: the entry points provide everything the legacy path does")


@pytest.mark.venv
def test_an_unmigrated_group_exits_1(demo: DemoInstall, plain_legacy: Path) -> None:
    # A legacy file that prints must not spoil the child's JSON.
    (plain_legacy / "noisy.py").write_text("print('hello from noisy')\nclass Noisy:\n    pass\n")
    result = invoke(
        "hybrid.demo",
        "--legacy-path",
        f"{demo.package_dir / 'extensions'}:{plain_legacy}",
        "--python",
        str(demo.venv.python),
    )
    assert result.exit_code == 1, result.output
    assert "FAIL: 4 problem(s); keep the legacy path for now:" in result.output
    assert "  unmigrated: no entry point provides it" in result.output
    assert "  noisy: no entry point provides it" in result.output
    assert "  outside: no entry point provides it" in result.output
    # The copy of both.py outside the package is not the entry point's class.
    assert "  both: the entry point loads another class than Both" in result.output
    assert "hello from noisy" not in result.output


@pytest.mark.venv
def test_a_group_whose_entry_point_disagrees_exits_1(demo: DemoInstall) -> None:
    report = verify_parity(
        "hybrid.disagree",
        [str(demo.package_dir / "disagree")],
        python=str(demo.venv.python),
    )
    [gamma] = [r for r in report.rows if r.name == "gamma"]
    assert gamma.entry_point == "hybrid_demo.disagree.other:Gamma2"
    assert gamma.legacy_target == "hybrid_demo.disagree.gamma:Gamma"
    assert (gamma.same_object, gamma.same_alias) == (False, True)
    assert not report.ok
    result = invoke(
        "hybrid.disagree",
        "--legacy-path",
        str(demo.package_dir / "disagree"),
        "--python",
        str(demo.venv.python),
    )
    assert result.exit_code == 1
    assert "  gamma: the entry point loads another class than Gamma" in result.output


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("g", "--legacy-path", str(tmp_path / "gone"))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path / 'gone'}: legacy path is not a directory\n  hint: check --legacy-path\n"
    )


def test_an_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("g", "--legacy-path", str(tmp_path), "--profile", "nonesuch")
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown profile 'nonesuch'; installed profiles:")


def test_an_interpreter_without_stevedore_is_a_clear_error(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bare = tmp_path_factory.mktemp("bare")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(bare)
    python = bare / "bin" / "python"
    os.chmod(tmp_path, 0o755)
    result = invoke("g", "--legacy-path", str(tmp_path), "--python", str(python))
    assert result.exit_code == 2
    assert f"Error: stevedore is not importable by {python}" in result.output
    assert "hint: install stevedore into that environment" in result.output


def test_an_interpreter_that_cannot_run_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("g", "--legacy-path", str(tmp_path), "--python", str(tmp_path / "nopython"))
    assert result.exit_code == 2
    assert "cannot run the target interpreter" in result.output


# -- the service's environment, its start-up code, hostile files -----------------


@pytest.mark.venv
def test_system_exit_or_keyboard_interrupt_in_a_legacy_file_is_that_files_failure(
    demo: DemoInstall, plain_legacy: Path
) -> None:
    (plain_legacy / "exits.py").write_text("raise SystemExit(3)\n")
    (plain_legacy / "interrupts.py").write_text("raise KeyboardInterrupt\n")
    result = invoke(
        "hybrid.demo", "--legacy-path", str(plain_legacy), "--python", str(demo.venv.python)
    )
    assert result.exit_code == 1, result.output
    assert "  exits: the legacy file fails to load (SystemExit: 3); cannot compare" in result.output
    assert (
        "  interrupts: the legacy file fails to load (KeyboardInterrupt); cannot compare"
        in result.output
    )
    assert "  outside: no entry point provides it" in result.output


@pytest.fixture
def start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A service module ``svc_start`` whose ``start()`` must run before its extensions import."""
    lib = tmp_path / "svc_lib"
    lib.mkdir()
    (lib / "svc_start.py").write_text(
        "READY = False\n\ndef start():\n    global READY\n    READY = True\n\n"
        "def broken():\n    raise RuntimeError('no database')\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(lib))
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "needs.py").write_text(
        "import svc_start\nassert svc_start.READY, 'start-up code has not run'\n"
        "class Needs:\n    alias = 'needs'\n"
    )
    return legacy


@pytest.mark.venv
def test_setup_runs_the_services_start_up_code_before_the_legacy_files(
    demo: DemoInstall, start_up: Path
) -> None:
    args = ["hybrid.demo", "--legacy-path", str(start_up), "--python", str(demo.venv.python)]
    before = invoke(*args)
    assert before.exit_code == 1
    assert "needs: the legacy file fails to load (AssertionError: start-up code has not run)" in (
        before.output
    )
    after = invoke(*args, "--setup", "svc_start:start")
    assert after.exit_code == 1, after.output
    assert "  needs: no entry point provides it" in after.output
    assert "fails to load" not in after.output
    failed = invoke(*args, "--setup", "svc_start:start", "--setup", "svc_start:broken")
    assert failed.exit_code == 2
    assert "Error: --setup svc_start:broken failed: RuntimeError: no database" in failed.output
    malformed = invoke(*args, "--setup", "svc_start")
    assert malformed.exit_code == 2
    assert "--setup 'svc_start' is not MODULE:FUNCTION" in malformed.output


@pytest.mark.venv
def test_the_child_sees_nothing_of_epmigrates_own_installation(tmp_path: Path) -> None:
    # epmigrate installed (not editable) into a site directory that also holds
    # stevedore and a distribution declaring the group: a service interpreter
    # without any of them must not see them through epmigrate.
    site = tmp_path / "site"
    shutil.copytree(Path(epmigrate.__file__).parent, site / "epmigrate")
    shutil.copytree(Path(stevedore.__file__).parent, site / "stevedore")
    ghost = site / "ghost-1.0.dist-info"
    ghost.mkdir()
    (ghost / "METADATA").write_text("Metadata-Version: 2.1\nName: ghost\nVersion: 1.0\n")
    (ghost / "entry_points.txt").write_text("[ghost.group]\nalpha = json:JSONDecoder\n")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "alpha.py").write_text("from json import JSONDecoder as Alpha\n")
    os.chmod(tmp_path, 0o755)
    bare = tmp_path / "service"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(bare)
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); "
        "from epmigrate.cli import cli; sys.exit(cli())"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-c", code, "verify", "ghost.group"),
            *("--legacy-path", str(legacy), "--python", str(bare / "bin" / "python")),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"stevedore is not importable by {bare / 'bin' / 'python'}" in done.stderr


# -- --format json -------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "loader.md"


def documented_schema() -> dict[str, object]:
    text = DOCS.read_text()
    section = text[text.index("### `--format json`") :]
    block = section[section.index("```json\n") + len("```json\n") :]
    loaded: dict[str, object] = json.loads(block[: block.index("```")])
    return loaded


_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(value: object, schema: dict[str, Any], where: str = "$") -> None:
    """The subset of JSON Schema the documented schema uses; raises AssertionError."""
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(_TYPES[k](value) for k in kinds), f"{where}: {value!r} is not {kinds}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: {key!r} missing"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                validate(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], f"{where}[{i}]")


def test_the_documented_schema_rejects_what_it_should() -> None:
    schema = documented_schema()
    with pytest.raises(AssertionError, match="'profile' missing"):
        validate({"schema": 1, "group": "g"}, schema)
    base: dict[str, object] = {
        "schema": 1,
        "group": "g",
        "profile": "neutron",
        "python": "python",
        "directories": [],
        "setup": [],
        "ok": True,
        "error": None,
        "rows": [],
        "problems": [],
    }
    validate(base, schema)
    with pytest.raises(AssertionError, match=r"\$\.ok"):
        validate({**base, "ok": "yes"}, schema)
    with pytest.raises(AssertionError, match=r"\$\.rows\[0\]: 'entry_point_name' missing"):
        validate({**base, "rows": [{"name": "x"}]}, schema)


@pytest.mark.venv
def test_json_output_follows_the_documented_schema(demo: DemoInstall, plain_legacy: Path) -> None:
    schema = documented_schema()
    ok = invoke(
        "hybrid.verified",
        "--legacy-path",
        str(demo.package_dir / "verified"),
        "--python",
        str(demo.venv.python),
        "--format",
        "json",
    )
    assert ok.exit_code == 0
    document = json.loads(ok.output)
    validate(document, schema)
    assert document["ok"] is True and document["problems"] == []
    assert [(r["name"], r["same_object"], r["problem"]) for r in document["rows"]] == [
        ("alpha", True, None)
    ]
    failing = invoke(
        "hybrid.demo",
        "--legacy-path",
        str(plain_legacy),
        "--python",
        str(demo.venv.python),
        "--format",
        "json",
    )
    assert failing.exit_code == 1
    document = json.loads(failing.output)
    validate(document, schema)
    assert document["ok"] is False
    assert {"name": "outside", "problem": "no entry point provides it"} in document["problems"]
    broken = invoke("g", "--legacy-path", str(plain_legacy / "gone"), "--format", "json")
    assert broken.exit_code == 2
    document = json.loads(broken.output)
    validate(document, schema)
    assert document["ok"] is None
    assert document["error"] == "legacy path is not a directory"
    assert document["path"] == str(plain_legacy / "gone")


@pytest.mark.venv
def test_rows_are_sorted_by_name_whatever_the_listing_order(
    demo: DemoInstall, tmp_path: Path
) -> None:
    # The nova loader walks in os.listdir order; the table must not depend on it.
    contrib = tmp_path / "contrib"
    contrib.mkdir()
    stems = ["zeta", "alpha", "mu", "beta", "omega", "kappa", "delta", "gamma"]
    for stem in stems:
        cls = stem[0].upper() + stem[1:]
        (contrib / f"{stem}.py").write_text(f"class {cls}:\n    alias = 'os-{stem}'\n")
    result = invoke(
        "hybrid.demo",
        "--legacy-path",
        str(contrib),
        "--profile",
        "nova",
        "--python",
        str(demo.venv.python),
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.output
    names = [r["name"] for r in json.loads(result.stdout)["rows"]]
    assert set(stems) <= set(names)
    assert names == sorted(names)
    text = invoke(
        "hybrid.demo",
        "--legacy-path",
        str(contrib),
        "--profile",
        "nova",
        "--python",
        str(demo.venv.python),
    )
    problems = [
        line.split(":")[0].strip() for line in text.output.splitlines() if line.startswith("  ")
    ]
    assert problems == sorted(problems)


# -- answers from the present, whatever the environment says ----------------------


def verify_migrated_group(demo: DemoInstall) -> Result:
    """``epmigrate verify`` of the demo's migrated group in the session virtualenv."""
    return invoke(
        "hybrid.verified",
        "--legacy-path",
        str(demo.package_dir / "verified"),
        "--python",
        str(demo.venv.python),
    )


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("OK: ")


_PLANT_STALE_CACHE = """
import json, os, sys
from stevedore import _cache
sys.path.pop(0)  # as the probe takes its own directory off the path
data = _cache._build_cacheable_data()
data["groups"][sys.argv[1]] = []  # what was installed before: nothing
digest, data["path_values"] = _cache._hash_settings_for_path(tuple(sys.path))
os.makedirs(_cache._get_cache_dir(), exist_ok=True)
_cache._write_cache_file(os.path.join(_cache._get_cache_dir(), digest), data)
print(json.dumps(os.path.join(_cache._get_cache_dir(), digest)))
"""


@pytest.mark.venv
def test_verify_reads_the_metadata_installed_now_never_stevedores_cache(
    demo: DemoInstall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stevedore's on-disk cache keys on 32-bit float mtimes (128-second
    # buckets): for two minutes after a reinstall it lists the entry points
    # of before. A stale list planted where the child's stevedore looks
    # (as a reinstall leaves it) must change nothing.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    # With the environment verify's child gets (this process's), so that the
    # planted file is the one the child's stevedore would read.
    planted = demo.run(
        _PLANT_STALE_CACHE, "hybrid.verified", env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    )
    assert isinstance(planted, str) and os.path.isfile(planted)
    result = verify_migrated_group(demo)
    assert_ok(result)


@pytest.mark.venv
def test_the_childs_own_code_comes_from_its_copy_under_pythonsafepath(
    demo: DemoInstall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under -P / PYTHONSAFEPATH the script's directory is not on sys.path:
    # the child took sys.path[0], the first PYTHONPATH directory, for its own
    # and imported a _rules.py planted there as its vetting code.
    planted = tmp_path / "pythonpath"
    planted.mkdir()
    marker = tmp_path / "marker"
    (planted / "_rules.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.setenv("PYTHONSAFEPATH", "1")
    monkeypatch.setenv("PYTHONPATH", f"{planted}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    result = verify_migrated_group(demo)
    assert not marker.exists()
    assert_ok(result)


@pytest.mark.venv
def test_a_child_ended_by_os_exit_is_said_so(demo: DemoInstall, tmp_path: Path) -> None:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "quits.py").write_text("import os\nos._exit(7)\n")
    result = invoke(
        "hybrid.verified", "--legacy-path", str(legacy), "--python", str(demo.venv.python)
    )
    assert result.exit_code == 2, result.output
    assert "the child exited with status 7 and printed nothing" in result.output
    assert "Python 3.10" not in result.output
