"""``epmigrate write``: target choice, merge rules, --check/--diff, atomic writes."""

from __future__ import annotations

import configparser
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from epmigrate.cli import cli
from epmigrate.errors import WriteError
from epmigrate.fileio import TEMP_SUFFIX, read_text, write_text
from epmigrate.write import target

BASE = "svc.api.extensions.ExtensionDescriptor"


def make_service(root: Path, *, exts: tuple[str, ...] = ("alpha", "beta")) -> Path:
    """A small neutron-style service with a legacy extensions package."""
    pkg = root / "svc"
    (pkg / "api").mkdir(parents=True)
    (pkg / "extensions").mkdir()
    for d in (pkg, pkg / "api", pkg / "extensions"):
        (d / "__init__.py").write_text("")
    (pkg / "api" / "extensions.py").write_text("class ExtensionDescriptor:\n    pass\n")
    for stem in exts:
        (pkg / "extensions" / f"{stem}.py").write_text(
            "from svc.api import extensions\n\n"
            f"class {stem.capitalize()}(extensions.ExtensionDescriptor):\n"
            f"    def get_alias(self):\n        return 'os-{stem}'\n"
        )
    return pkg / "extensions"


def run(root: Path, *args: str) -> Result:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, ["write", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)


ARGS = ("--path", "svc/extensions", "--base", BASE, "--group", "svc.api.extensions", "--no-cache")

SETUP_CFG = """\
[metadata]
name = svc

[options]
packages = find:
"""


def test_setuptools_setup_cfg_gets_options_entry_points(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    check = run(tmp_path, *ARGS, "--check")
    assert check.exit_code == 1
    assert "+    alpha = svc.extensions.alpha:Alpha" in check.stdout
    assert (tmp_path / "setup.cfg").read_text() == SETUP_CFG  # --check writes nothing
    done = run(tmp_path, *ARGS)
    assert done.exit_code == 0, done.output
    assert "setuptools reads [options.entry_points]" in done.stderr
    assert (tmp_path / "setup.cfg").read_text() == SETUP_CFG + (
        "\n[options.entry_points]\nsvc.api.extensions =\n"
        "    alpha = svc.extensions.alpha:Alpha\n    beta = svc.extensions.beta:Beta\n"
    )
    again = run(tmp_path, *ARGS)
    assert again.exit_code == 0
    assert "already has all 2 entry points" in again.stdout
    assert run(tmp_path, *ARGS, "--check").exit_code == 0


def test_pbr_project_gets_entry_points_section(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.py").write_text("import setuptools\n\nsetuptools.setup(pbr=True)\n")
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    done = run(tmp_path, *ARGS)
    assert done.exit_code == 0, done.output
    assert "a pbr project" in done.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tmp_path / "setup.cfg")
    assert parser["entry_points"]["svc.api.extensions"].split("\n") == [
        "",
        "alpha = svc.extensions.alpha:Alpha",
        "beta = svc.extensions.beta:Beta",
    ]


def test_setup_py_entry_points_make_setup_cfg_ignored(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n\nsetup(\n    entry_points={\n"
        '        "console_scripts": ["svc = svc.cli:main"],\n    },\n)\n'
    )
    chosen = target.choose(str(tmp_path))
    assert chosen.kind == "setup.py"
    assert "ignores setup.cfg" in chosen.reason
    refused = run(tmp_path, "setup.cfg", *ARGS)
    assert refused.exit_code == 1
    assert "the build would ignore entry points written to setup.cfg" in refused.output
    assert "--force" in refused.output
    assert (tmp_path / "setup.cfg").read_text() == SETUP_CFG
    forced = run(tmp_path, "setup.cfg", *ARGS, "--force")
    assert forced.exit_code == 0
    assert "[options.entry_points]" in (tmp_path / "setup.cfg").read_text()


def test_dynamic_entry_points_send_the_write_to_setup_cfg(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndynamic = ["entry-points"]\n'
    )
    chosen = target.choose(str(tmp_path))
    assert (chosen.kind, chosen.section) == ("setup.cfg", "options.entry_points")
    assert "entry-points is dynamic" in chosen.reason


def test_pyproject_without_project_table_is_refused_naming_the_file(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["pbr"]\nbuild-backend = "pbr.build"\n'
    )
    result = run(tmp_path, "pyproject.toml", *ARGS)
    assert result.exit_code == 1
    assert "setup.cfg" in result.output


def test_conflict_names_both_targets_and_leaves_the_file(tmp_path: Path) -> None:
    make_service(tmp_path)
    text = SETUP_CFG + "\n[options.entry_points]\nsvc.api.extensions =\n    alpha = other:Thing\n"
    (tmp_path / "setup.cfg").write_text(text)
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 1
    assert "already points to other:Thing, not svc.extensions.alpha:Alpha" in result.output
    assert "--replace" in result.output
    assert (tmp_path / "setup.cfg").read_text() == text
    replaced = run(tmp_path, *ARGS, "--replace")
    assert replaced.exit_code == 0
    assert "    alpha = svc.extensions.alpha:Alpha\n" in (tmp_path / "setup.cfg").read_text()


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    result = run(tmp_path, *ARGS, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("--- a/setup.cfg\n+++ b/setup.cfg\n@@")
    assert (tmp_path / "setup.cfg").read_text() == SETUP_CFG
    assert run(tmp_path, *ARGS, "--diff").stdout == result.stdout


def test_alias_names(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    assert run(tmp_path, *ARGS, "--name", "alias").exit_code == 0
    assert "    os-alpha = svc.extensions.alpha:Alpha\n" in (tmp_path / "setup.cfg").read_text()


def test_defaults_from_tool_epmigrate(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\n\n[tool.epmigrate]\n'
        'paths = ["svc/extensions"]\ngroup = "svc.ext"\n'
        f'bases = ["{BASE}"]\n'
    )
    result = run(tmp_path, "--no-cache")
    assert result.exit_code == 0, result.output
    assert (
        '[project.entry-points."svc.ext"]\nalpha = "svc.extensions.alpha:Alpha"\n'
        in (tmp_path / "pyproject.toml").read_text()
    )


def test_unknown_default_setting_is_an_error(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG + "\n[tool:epmigrate]\npath = svc\n")
    result = run(tmp_path, "--no-cache")
    assert result.exit_code == 1
    assert "[tool:epmigrate] has unknown setting 'path'" in result.output


def test_no_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "pass --path DIR" in result.output


def test_invalid_group_is_refused(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    result = run(tmp_path, "--path", "svc/extensions", "--base", BASE, "--group", "svc-api ext")
    assert result.exit_code == 1
    assert "invalid entry-point group 'svc-api ext'" in result.output
    assert (tmp_path / "setup.cfg").read_text() == SETUP_CFG


def test_write_keeps_permissions_and_crlf(tmp_path: Path) -> None:
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_bytes(SETUP_CFG.replace("\n", "\r\n").encode())
    cfg.chmod(0o640)
    assert run(tmp_path, *ARGS).exit_code == 0
    data = cfg.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_changed_on_disk_since_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "setup.cfg"
    path.write_text(SETUP_CFG)
    snap = read_text(str(path))
    path.write_text(SETUP_CFG + "# edited meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk since it was read"):
        write_text(snap, "new\n")
    assert path.read_text() == SETUP_CFG + "# edited meanwhile\n"


def test_read_only_directory_leaves_the_file(tmp_path: Path) -> None:
    # Run in a subprocess that obeys permission bits even as root (see
    # test_adversarial.drop_file_capabilities): a root writer would succeed.
    from tests.write.test_adversarial import unprivileged

    path = tmp_path / "d" / "setup.cfg"
    path.parent.mkdir()
    path.write_text(SETUP_CFG)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    script = (
        "import sys\n"
        "from epmigrate.errors import WriteError\n"
        "from epmigrate.fileio import read_text, write_text\n"
        "try:\n"
        "    write_text(read_text(sys.argv[1]), 'new\\n')\n"
        "except WriteError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    path.parent.chmod(0o555)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            preexec_fn=unprivileged(),
            capture_output=True,
            text=True,
        )
    finally:
        path.parent.chmod(0o755)
    assert done.returncode == 3, done.stderr
    assert done.stdout == (
        f"{path}: cannot create a temporary file in {path.parent}: Permission denied; "
        f"{path} is untouched\n"
        "  hint: the directory must be writable: epmigrate writes a new file beside the old "
        "one and renames it, so the old file is never half-written\n"
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_stale_temp_files_are_cleared_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "setup.cfg"
    path.write_text(SETUP_CFG)
    # A writer that has exited: its temporary file names its pid and start time.
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".setup.cfg.{dead.pid}-1.abc123{TEMP_SUFFIX}"
    stale.write_text("half")
    write_text(read_text(str(path)), SETUP_CFG + "[x]\n")
    assert not stale.exists()
    assert (
        hashlib.sha256(path.read_bytes()).hexdigest()
        == hashlib.sha256((SETUP_CFG + "[x]\n").encode()).hexdigest()
    )


def test_loose_files_point_to_new_package(tmp_path: Path) -> None:
    loose = tmp_path / "contrib"
    loose.mkdir()
    shutil.copy(
        Path(__file__).resolve().parents[1]
        / "data"
        / "neutron_style"
        / "project"
        / "neutron"
        / "extensions"
        / "dup_router.py",
        loose / "dup_router.py",
    )
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    result = run(tmp_path, "--path", "contrib", "--no-cache")
    assert result.exit_code == 1
    assert "--new-package" in result.output


def test_scan_errors_are_listed_and_exit_1_after_writing_the_rest(tmp_path: Path) -> None:
    ext = make_service(tmp_path)
    (ext / "broken.py").write_text("class Broken(:\n")
    (tmp_path / "setup.cfg").write_text(SETUP_CFG)
    error_line = "svc/extensions/broken.py:1: error EPM001 syntax-error: "
    dry = run(tmp_path, *ARGS, "--dry-run")
    assert dry.exit_code == 1
    assert error_line in dry.stderr
    assert "1 error finding above" in dry.stderr
    assert (tmp_path / "setup.cfg").read_text() == SETUP_CFG
    done = run(tmp_path, *ARGS)
    assert done.exit_code == 1
    assert done.stdout == "wrote 2 entry points to setup.cfg [options.entry_points]\n"
    assert error_line in done.stderr
    closing = (
        "1 error finding above: the legacy loader fails on it too (files it cannot run "
        "get no entry point); fix it and run 'epmigrate write' again"
    )
    assert done.stderr.rstrip().endswith(closing)
    assert "alpha = svc.extensions.alpha:Alpha" in (tmp_path / "setup.cfg").read_text()
    # Nothing left to write, but the broken file still fails the CI check.
    check = run(tmp_path, *ARGS, "--check")
    assert (check.exit_code, check.stdout) == (1, "")
    assert error_line in check.stderr
    assert check.stderr.rstrip().endswith(closing)
    (ext / "broken.py").unlink()
    assert run(tmp_path, *ARGS, "--check").exit_code == 0


def test_a_file_directive_is_followed_into_the_file_it_names(tmp_path: Path) -> None:
    # setuptools reads `[options] entry_points = file: eps.cfg` and then
    # ignores [options.entry_points]: the entries go into eps.cfg, as
    # [GROUP] sections.
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    text = SETUP_CFG + "entry_points = file: eps.cfg\n"
    cfg.write_text(text)
    eps = tmp_path / "eps.cfg"
    eps.write_text("[console_scripts]\nsvc = svc.cli:main\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    check = run(tmp_path, "--check", *ARGS)
    assert check.exit_code == 1, check.output
    assert eps.read_text() == "[console_scripts]\nsvc = svc.cli:main\n"
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert "target: eps.cfg: setup.cfg has [options] entry_points = file: eps.cfg" in (
        result.stderr
    )
    assert "setup.cfg:6: info EPM302 entry-points-file:" in result.stderr
    assert cfg.read_text() == text
    assert eps.read_text() == (
        "[console_scripts]\nsvc = svc.cli:main\n\n[svc.api.extensions]\n"
        "alpha = svc.extensions.alpha:Alpha\nbeta = svc.extensions.beta:Beta\n"
    )
    assert run(tmp_path, "--check", *ARGS).exit_code == 0
    # setuptools itself reads them from there.
    metadata = run(tmp_path, "--check", "--metadata", "--no-isolation", *ARGS)
    assert metadata.exit_code == 0, metadata.output
    assert "keeps the 3 entry points it had" in metadata.stderr


def test_a_file_directive_naming_a_missing_file_is_refused(tmp_path: Path) -> None:
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(SETUP_CFG + "entry_points = file: eps.cfg\n")
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 1
    assert "eps.cfg does not exist: setuptools reads the entry points from it" in result.stderr
    assert "create the file (it may be empty)" in result.stderr
    assert not (tmp_path / "eps.cfg").exists()


def test_dynamic_entry_points_from_a_file_go_into_that_file(tmp_path: Path) -> None:
    # [tool.setuptools.dynamic] entry-points = {file = ...}: setuptools reads
    # them from there (tno.mpc.communication 5.0.4 does this).
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n'
        '\n[project]\nname = "svc"\nversion = "1"\ndynamic = ["entry-points"]\n'
        '\n[tool.setuptools]\npackages = ["svc"]\n'
        '\n[tool.setuptools.dynamic]\nentry-points = { file = "eps.txt" }\n'
    )
    (tmp_path / "eps.txt").write_text("")
    result = run(tmp_path, *ARGS, "--metadata", "--no-isolation")
    assert result.exit_code == 0, result.output
    assert "target: eps.txt: pyproject.toml has [tool.setuptools.dynamic] entry-points = " in (
        result.stderr
    )
    assert (tmp_path / "eps.txt").read_text() == (
        "[svc.api.extensions]\nalpha = svc.extensions.alpha:Alpha\n"
        "beta = svc.extensions.beta:Beta\n"
    )


def test_dynamic_entry_points_that_setuptools_resets_are_refused(tmp_path: Path) -> None:
    # brainextractor 0.2.2: entry-points dynamic, console_scripts in setup.py,
    # 'scripts' not dynamic: setuptools drops every setup.py entry point.
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndynamic = ["entry-points"]\n'
    )
    setup_py = (
        "from setuptools import setup\n"
        "setup(entry_points={'console_scripts': ['svc = svc:main']})\n"
    )
    (tmp_path / "setup.py").write_text(setup_py)
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 1
    assert "does not list 'scripts', so setuptools (69 and later) resets the entry points" in (
        result.stderr
    )
    assert "list 'entry-points', 'scripts' and 'gui-scripts'" in result.stderr
    assert (tmp_path / "setup.py").read_text() == setup_py


def test_a_pbr_project_using_options_entry_points_keeps_it(tmp_path: Path) -> None:
    # pbr 7.1.3 itself: a new [entry_points] would replace what
    # [options.entry_points] declares.
    make_service(tmp_path)
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(
        "[metadata]\nname = svc\n\n[pbr]\n\n[options.entry_points]\n"
        "console_scripts =\n    svc = svc:main\n"
    )
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert "wrote 2 entry points to setup.cfg [options.entry_points]" in result.stdout
    assert "[entry_points]" not in cfg.read_text()


def test_poetry_tables_without_poetry_backend_are_not_the_target(tmp_path: Path) -> None:
    # pytest-sugar 1.1.1: [tool.poetry] but no [build-system], so pip builds
    # it with setuptools, which reads setup.py.
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "svc"\n')
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(entry_points={'pytest11': ['svc = svc']})\n"
    )
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert "wrote 2 entry points to setup.py" in result.stdout
    assert "svc.api.extensions" in (tmp_path / "setup.py").read_text()
    assert "plugins" not in (tmp_path / "pyproject.toml").read_text()


def test_an_entry_points_file_takes_colons_in_names(tmp_path: Path) -> None:
    # localstack-core 2026.3.0's plux.ini: setuptools reads these files with
    # '=' as the only delimiter, so 'apigateway:default' is one name.
    make_service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndynamic = ["entry-points"]\n'
        '\n[tool.setuptools.dynamic]\nentry-points = { file = ["plux.ini"] }\n'
    )
    (tmp_path / "plux.ini").write_text("[p]\nagw:default = m:a\nagw:legacy = m:b\n")
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert (
        (tmp_path / "plux.ini")
        .read_text()
        .startswith("[p]\nagw:default = m:a\nagw:legacy = m:b\n\n[svc.api.extensions]\n")
    )
