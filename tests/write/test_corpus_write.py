"""Every corpus file, in a temp project with a few extensions, through 'epmigrate write'."""

from __future__ import annotations

import configparser
import difflib
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import corpus_files
from tests.write.test_write_command import ARGS, make_service, run

pytestmark = pytest.mark.corpus


def only_added(before: str, after: str) -> list[str]:
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    assert not [d for d in diff[2:] if d.startswith("-")], "the write removed or changed lines"
    return [d[1:] for d in diff[2:] if d.startswith("+")]


def ini_sections(text: str) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return {s: dict(parser[s]) for s in parser.sections()}


def test_setup_cfg_corpus(corpus_dir: Path, tmp_path: Path) -> None:
    files = corpus_files(corpus_dir, ".cfg")
    assert files
    for source in files:
        project = tmp_path / source.name
        make_service(project, exts=("alpha", "beta", "gamma"))
        shutil.copyfile(source, project / "setup.cfg")
        before = source.read_text(encoding="utf-8")
        assert run(project, *ARGS, "--check").exit_code == 1, source.name
        result = run(project, *ARGS)
        assert result.exit_code == 0, (source.name, result.output)
        after = (project / "setup.cfg").read_text(encoding="utf-8")
        added = only_added(before, after)
        assert [a.strip() for a in added if "svc.extensions" in a] == [
            "alpha = svc.extensions.alpha:Alpha",
            "beta = svc.extensions.beta:Beta",
            "gamma = svc.extensions.gamma:Gamma",
        ], source.name
        old, new = ini_sections(before), ini_sections(after)
        section = "entry_points" if "entry_points" in old else "options.entry_points"
        new[section].pop("svc.api.extensions")
        assert new == old, source.name
        assert run(project, *ARGS).stdout.startswith("setup.cfg [")
        assert (project / "setup.cfg").read_text(encoding="utf-8") == after
        assert run(project, *ARGS, "--check").exit_code == 0, source.name


def _drop_group(data: dict[str, Any], group: str) -> dict[str, Any]:
    project = data.get("project", {})
    eps = project.get("entry-points", {})
    eps.pop(group, None)
    if "entry-points" in project and not eps:
        project.pop("entry-points")
    plugins = data.get("tool", {}).get("poetry", {}).get("plugins", {})
    plugins.pop(group, None)
    return data


def test_pyproject_corpus(corpus_dir: Path, tmp_path: Path) -> None:
    files = corpus_files(corpus_dir, ".toml")
    assert files
    for source in files:
        project = tmp_path / source.name
        make_service(project, exts=("alpha", "beta"))
        shutil.copyfile(source, project / "pyproject.toml")
        before = source.read_text(encoding="utf-8")
        data = tomllib.loads(before)
        if "project" not in data and "poetry" not in data.get("tool", {}):
            result = run(project, *ARGS)
            assert result.exit_code == 1
            assert "has no [project] table" in result.output
            assert "setup.cfg [entry_points]" in result.output  # pbr reads setup.cfg
            assert (project / "pyproject.toml").read_text(encoding="utf-8") == before
            continue
        assert run(project, *ARGS, "--check").exit_code == 1, source.name
        result = run(project, *ARGS)
        assert result.exit_code == 0, (source.name, result.output)
        after = (project / "pyproject.toml").read_text(encoding="utf-8")
        only_added(before, after)
        assert _drop_group(tomllib.loads(after), "svc.api.extensions") == data, source.name
        assert run(project, *ARGS, "--check").exit_code == 0, source.name
        assert (project / "pyproject.toml").read_text(encoding="utf-8") == after
