"""Packaging findings (EPM301-EPM304): what the build reads, said by every write."""

from __future__ import annotations

from pathlib import Path

import pytest

from epmigrate.model import Severity
from epmigrate.write import traps
from tests.write.test_write_command import ARGS, make_service, run

PROJECT = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'


def found(root: Path) -> list[tuple[str, str, int | None]]:
    return [(f.code, Path(f.path).name, f.line) for f in traps.find(str(root))]


def test_setup_cfg_entry_points_beside_a_project_table_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT + '[project]\nname = "p"\nversion = "1"\n')
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = p\n\n[options.entry_points]\nconsole_scripts =\n    p = p:main\n"
        "p.plugins =\n    a = p.a:A\n"
    )
    [f] = traps.find(str(tmp_path))
    assert (f.code, f.severity, f.line) == ("EPM301", Severity.WARNING, 4)
    assert "declares console_scripts, p.plugins, which the build ignores" in f.message
    assert "does not list 'entry-points' or 'scripts'" in f.message
    assert "resets the entry points of setup.cfg and setup.py as a whole" in f.message
    assert "[project.entry-points.GROUP], [project.scripts]" in f.message
    assert "'entry-points' and 'scripts' in [project] dynamic" in f.message


def test_one_field_missing_from_dynamic_loses_every_group(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + '[project]\nname = "p"\nversion = "1"\ndynamic = ["entry-points"]\n'
    )
    (tmp_path / "setup.cfg").write_text(
        "[options.entry_points]\nconsole_scripts =\n    p = p:main\np.plugins =\n    a = p.a:A\n"
    )
    [f] = traps.find(str(tmp_path))
    # entry-points is dynamic, scripts is not: setuptools resets the whole
    # entry_points attribute, p.plugins with it (the next test shows it).
    assert f.code == "EPM301" and "declares console_scripts, p.plugins, which" in f.message
    assert "does not list 'scripts'" in f.message


def test_setuptools_itself_drops_every_group_then(tmp_path: Path) -> None:
    from epmigrate.write import metadata

    (tmp_path / "pyproject.toml").write_text(
        PROJECT + '[project]\nname = "p"\nversion = "1"\ndynamic = ["entry-points"]\n'
        "\n[tool.setuptools]\npy-modules = []\n"
    )
    cfg = "[options.entry_points]\nconsole_scripts =\n    p = p:main\np.plugins =\n    a = p.a:A\n"
    (tmp_path / "setup.cfg").write_text(cfg)
    built = metadata.check(str(tmp_path), str(tmp_path / "setup.cfg"), cfg, [], isolated=False)
    assert built.before == () and built.after == ()
    # With 'scripts' dynamic too, both groups are built.
    (tmp_path / "pyproject.toml").write_text(
        (tmp_path / "pyproject.toml")
        .read_text()
        .replace('["entry-points"]', '["entry-points", "scripts"]')
    )
    assert traps.find(str(tmp_path)) == []
    built = metadata.check(str(tmp_path), str(tmp_path / "setup.cfg"), cfg, [], isolated=False)
    assert sorted(e.group for e in built.before) == ["console_scripts", "p.plugins"]


def test_a_setuptools_project_without_project_table_has_no_trap(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[options.entry_points]\np.plugins =\n    a = p.a:A\n")
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(entry_points={'x': ['a = b:c']})\n"
    )
    assert found(tmp_path) == []


def test_setup_py_entry_points_beside_a_project_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT + '[project]\nname = "p"\nversion = "1"\n')
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n\nsetup(\n    entry_points={'p.plugins': ['a = b:c']},\n)\n"
    )
    [f] = traps.find(str(tmp_path))
    assert (f.code, Path(f.path).name, f.line) == ("EPM301", "setup.py", 4)
    assert "setup() is passed entry_points= (p.plugins), which the build ignores" in f.message


def test_a_backend_that_reads_no_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "p"\nversion = "1"\ndynamic = ["entry-points"]\n'
    )
    (tmp_path / "setup.cfg").write_text("[options.entry_points]\np.plugins =\n    a = p.a:A\n")
    [f] = traps.find(str(tmp_path))
    assert f.code == "EPM301"
    assert "the build backend hatchling.build reads neither setup.cfg nor setup.py" in f.message


def test_a_file_directive_is_followed(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = p\n\n[options]\nentry_points = file: eps.cfg\n\n"
        "[options.entry_points]\np.plugins =\n    a = p.a:A\n"
    )
    assert found(tmp_path) == [("EPM301", "setup.cfg", 7), ("EPM302", "setup.cfg", 5)]
    f = traps.find(str(tmp_path))[0]
    assert "makes setuptools read the entry points from that file instead" in f.message


def test_pbr_section_is_noted(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = p\n\n[pbr]\n\n[entry_points]\np.plugins =\n    a = p.a:A\n"
    )
    [f] = traps.find(str(tmp_path))
    assert (f.code, f.severity, f.line) == ("EPM303", Severity.INFO, 6)
    assert "deprecated since pbr 7.0" in f.message


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ('[project.entry-points.console_scripts]\np = "p:main"\n', 9),
        ('[project.entry-points]\nconsole_scripts = { p = "p:main" }\n', 10),
    ],
)
def test_console_scripts_under_entry_points_is_flagged(
    tmp_path: Path, table: str, line: int
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + '[project]\nname = "p"\nversion = "1"\n\n' + table
    )
    [f] = traps.find(str(tmp_path))
    assert (f.code, f.line) == ("EPM304", line)
    assert "forbidden by the entry-points specification" in f.message
    assert "belong in [project.scripts]" in f.message


def test_write_prints_the_findings_and_still_writes(tmp_path: Path) -> None:
    make_service(tmp_path)
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = svc\n\n[pbr]\n\n[entry_points]\nconsole_scripts =\n    s = svc:m\n"
    )
    result = run(tmp_path, *ARGS)
    assert result.exit_code == 0, result.output
    assert "setup.cfg:6: info EPM303 pbr-entry-points-section:" in result.stderr
    assert "wrote 2 entry points to setup.cfg [entry_points]" in result.stdout
