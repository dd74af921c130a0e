"""``scan --format entry-points`` (and ``ini``): the syntax of the file the build reads."""

from __future__ import annotations

import ast
import configparser
import tomllib
from pathlib import Path

import pytest

from tests.scan.conftest import run_cli

BASE = "svc.base.ExtensionDescriptor"


def make_project(root: Path, *files: tuple[str, str], src: bool = False) -> Path:
    """A package ``svc`` with two extensions, under ``root`` (or ``root/src``)."""
    top = root / "src" if src else root
    ext = top / "svc" / "ext"
    ext.mkdir(parents=True)
    for d in (top / "svc", ext):
        (d / "__init__.py").write_text("")
    (top / "svc" / "base.py").write_text("class ExtensionDescriptor:\n    pass\n")
    for stem in ("alpha", "beta"):
        (ext / f"{stem}.py").write_text(
            "from svc import base\n\n"
            f"class {stem.capitalize()}(base.ExtensionDescriptor):\n"
            f"    def get_alias(self):\n        return 'os-{stem}'\n"
        )
    for name, text in files:
        (root / name).write_text(text)
    return ext


def scan_snippet(ext: Path, fmt: str = "entry-points") -> tuple[str, str]:
    result = run_cli("scan", str(ext), "--base", BASE, "--group", "svc.plugins", "--format", fmt)
    assert result.exit_code == 0, result.output
    comment, _, rest = result.stdout.partition("\n")
    return comment, rest


PYPROJECT = '[project]\nname = "svc"\nversion = "1"\n'


@pytest.mark.parametrize("fmt", ["entry-points", "ini"])
def test_pyproject_project_table_gets_toml(tmp_path: Path, fmt: str) -> None:
    ext = make_project(tmp_path, ("pyproject.toml", PYPROJECT), ("setup.cfg", "[metadata]\n"))
    comment, rest = scan_snippet(ext, fmt)
    assert comment.startswith("# for ") and "pyproject.toml has a [project] table" in comment
    # Pasted into the file, it is the table the build reads.
    data = tomllib.loads(PYPROJECT + "\n" + rest)
    assert data["project"]["entry-points"]["svc.plugins"] == {
        "alpha": "svc.ext.alpha:Alpha",
        "beta": "svc.ext.beta:Beta",
    }


def test_src_layout_finds_the_project(tmp_path: Path) -> None:
    ext = make_project(tmp_path, ("pyproject.toml", PYPROJECT), src=True)
    _, rest = scan_snippet(ext)
    assert rest.startswith('[project.entry-points."svc.plugins"]\n')


def test_poetry_plugins(tmp_path: Path) -> None:
    # A Poetry project: poetry-core builds it (without it, nothing reads [tool.poetry]).
    poetry = (
        '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
        '\n[tool.poetry]\nname = "svc"\n'
    )
    ext = make_project(tmp_path, ("pyproject.toml", poetry))
    _, rest = scan_snippet(ext)
    data = tomllib.loads(poetry + "\n" + rest)
    assert data["tool"]["poetry"]["plugins"]["svc.plugins"]["alpha"] == "svc.ext.alpha:Alpha"


@pytest.mark.parametrize(
    ("setup_cfg", "section"),
    [("[metadata]\nname = svc\n", "options.entry_points"), ("[pbr]\n", "entry_points")],
)
def test_setup_cfg_sections(tmp_path: Path, setup_cfg: str, section: str) -> None:
    ext = make_project(tmp_path, ("setup.cfg", setup_cfg))
    comment, rest = scan_snippet(ext)
    assert f"[{section}]" in comment
    parser = configparser.ConfigParser()
    parser.read_string(setup_cfg + "\n" + rest)
    assert parser[section]["svc.plugins"].split("\n")[1:] == [
        "alpha = svc.ext.alpha:Alpha",
        "beta = svc.ext.beta:Beta",
    ]


def test_setup_py_argument(tmp_path: Path) -> None:
    ext = make_project(tmp_path, ("setup.py", "from setuptools import setup\nsetup(name='svc')\n"))
    comment, rest = scan_snippet(ext)
    assert "setup.py" in comment
    call = ast.parse("setup(name='svc',\n" + rest + ")").body[0]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    [_, kw] = call.value.keywords
    assert kw.arg == "entry_points"
    assert ast.literal_eval(kw.value) == {
        "svc.plugins": ["alpha = svc.ext.alpha:Alpha", "beta = svc.ext.beta:Beta"]
    }


def test_pyproject_without_project_table_says_setup_cfg(tmp_path: Path) -> None:
    ext = make_project(tmp_path, ("pyproject.toml", "[build-system]\nrequires = []\n"))
    comment, rest = scan_snippet(ext)
    assert "has no [project] table" in comment
    assert rest.startswith("[options.entry_points]\nsvc.plugins =\n")
