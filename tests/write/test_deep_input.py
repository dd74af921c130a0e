"""Input nested deeper than a parser's recursion: a located error, never a traceback.

Each case runs ``epmigrate`` in a fresh process under a timeout, as a user
would, and checks the exit status, the message (file, line, what to do) and
that the file's bytes are unchanged.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.write.test_write_command import ARGS, make_service

DEEP = {
    "150 nested lists": "[" * 150 + "]" * 150,
    "2000 unary minus": "-" * 2000 + "1",
    "50000 terms": " + ".join(["1"] * 50000),
}
PROJECT = '[project]\nname = "svc"\nversion = "1"\n\n'
HEAD = "import os\nfrom setuptools import setup\n"


def epmigrate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "epmigrate", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_located(done: subprocess.CompletedProcess[str], line: int) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(
        f"Error: ./setup.py:{line}: setup.py nests an expression too deeply for epmigrate "
        f"to edit (RecursionError; the deepest is around line {line})\n"
        "  hint: add the entry points by hand, or move that expression out of setup.py"
    ), done.stderr


@pytest.mark.parametrize("expr", DEEP.values(), ids=DEEP.keys())
def test_deep_expression_in_setup_call_is_a_located_error(tmp_path: Path, expr: str) -> None:
    make_service(tmp_path)
    setup_py = tmp_path / "setup.py"
    setup_py.write_text(HEAD + f"setup(\n    name='svc',\n    data={expr},\n)\n")
    before = digest(setup_py)
    assert_located(epmigrate(tmp_path, "write", *ARGS), 5)
    assert digest(setup_py) == before


@pytest.mark.parametrize("expr", DEEP.values(), ids=DEEP.keys())
def test_deep_expression_elsewhere_is_edited_around_or_located(tmp_path: Path, expr: str) -> None:
    # Only the setup() call is read with libcst; Python's own parser reads the
    # rest, and refuses (as a located error) only what it cannot build a tree of.
    make_service(tmp_path)
    setup_py = tmp_path / "setup.py"
    text = HEAD + f"DATA = {expr}\nsetup(name='svc')\n"
    setup_py.write_text(text)
    done = epmigrate(tmp_path, "write", *ARGS)
    if expr.startswith("1 + "):
        assert_located(done, 3)
        assert setup_py.read_text() == text
        return
    assert done.returncode == 0, done.stderr
    assert setup_py.read_text() == HEAD + f"DATA = {expr}\n" + (
        "setup(name='svc', entry_points={\n    'svc.api.extensions': [\n"
        "        'alpha = svc.extensions.alpha:Alpha',\n"
        "        'beta = svc.extensions.beta:Beta',\n    ],\n})\n"
    )


def deep_array(levels: int) -> str:
    return "[tool.deep]\nvalue = " + "[" * levels + "]" * levels + "\n"


def test_pyproject_deeper_than_tomllib_is_located_in_write_and_scan(tmp_path: Path) -> None:
    make_service(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PROJECT + deep_array(1000))
    before = digest(pyproject)
    message = (
        "./pyproject.toml:6: nests values 1000 levels deep, more than Python's TOML reader "
        "(tomllib, which build backends use) can read: pyproject.toml cannot be built as it is"
    )
    done = epmigrate(tmp_path, "write", *ARGS)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Error: {message}\n  hint: flatten the nested arrays"), (
        done.stderr
    )
    scanned = epmigrate(tmp_path, "scan")
    assert scanned.returncode == 2
    assert "Traceback" not in scanned.stderr
    assert message in scanned.stderr
    # With PATH given, the project's table is only a source of defaults.
    scanned = epmigrate(tmp_path, "scan", "--base", ARGS[3], "svc/extensions")
    assert scanned.returncode == 0, scanned.stderr
    assert scanned.stderr.startswith("warning: project settings ignored: nests values 1000")
    assert digest(pyproject) == before


@pytest.mark.parametrize("levels", [101, 300])
def test_pyproject_tomllib_reads_is_never_called_invalid(tmp_path: Path, levels: int) -> None:
    # tomlkit refuses more than 100 levels; tomllib, what the build reads with, does not.
    make_service(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PROJECT + deep_array(levels))
    done = epmigrate(tmp_path, "write", *ARGS)
    assert done.returncode == 0, done.stderr
    assert pyproject.read_text() == PROJECT + (
        '[project.entry-points."svc.api.extensions"]\n'
        'alpha = "svc.extensions.alpha:Alpha"\nbeta = "svc.extensions.beta:Beta"\n\n'
    ) + deep_array(levels)
