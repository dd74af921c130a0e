"""The session virtualenv installs a real project and exposes its entry points."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PipVenv


def test_installed_project_entry_points_visible(test_venv: PipVenv, tmp_path: Path) -> None:
    proj = tmp_path / "demo_dist"
    (proj / "demo_pkg").mkdir(parents=True)
    (proj / "demo_pkg" / "__init__.py").write_text("class Thing:\n    pass\n")
    (proj / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "demo-dist"\nversion = "1.0"\n'
        '[project.entry-points."demo.group"]\nthing = "demo_pkg:Thing"\n'
    )
    test_venv.install(proj)
    out = test_venv.run(
        "-c",
        "from importlib.metadata import entry_points;"
        "print([e.load().__name__ for e in entry_points(group='demo.group')])",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['Thing']"
