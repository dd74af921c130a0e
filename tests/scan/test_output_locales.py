"""Scan output stays valid whatever the locale and however odd the file names.

A name that is not UTF-8 reaches Python as lone surrogates (PEP 383); printed
as such it crashes a strict UTF-8 stdout and, through ``surrogateescape``,
puts a raw byte into JSON. Each case runs the real command in a fresh process
under a timeout and checks the bytes it wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scan.test_adversarial import BASE, extension, make_tree

LOCALES = {
    "default": {},
    "strict UTF-8 stdout": {"PYTHONIOENCODING": "utf-8:strict"},
    "C locale": {"LC_ALL": "C", "LANG": "C"},
    "ASCII stdout": {"PYTHONIOENCODING": "ascii"},
}


COMMAND = (sys.executable, "-m", "epmigrate", "scan", "--no-cache")


@pytest.fixture
def odd_tree(tmp_path: Path) -> Path:
    ext = make_tree(tmp_path)
    os.close(os.open(os.fsencode(ext) + b"/caf\xff.py", os.O_CREAT | os.O_WRONLY, 0o644))
    (ext / "accent.py").write_text(extension("Accent", "café"))
    return ext


def scan(ext: Path, fmt: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "epmigrate",
            "scan",
            "--no-cache",
            "--format",
            fmt,
            "--base",
            BASE,
            str(ext),
        ],
        capture_output=True,
        timeout=120,
        cwd=ext.parent.parent,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("env", LOCALES.values(), ids=LOCALES.keys())
def test_json_is_ascii_and_valid(odd_tree: Path, env: dict[str, str]) -> None:
    done = scan(odd_tree, "json", env)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    doc = json.loads(done.stdout.decode("ascii"))
    paths = {f["path"] for f in doc["findings"]}
    assert f"{odd_tree}/caf\\xff.py" in paths
    assert {e["class"]: e["alias"] for e in doc["extensions"]}["Accent"] == "café"


@pytest.mark.parametrize("env", LOCALES.values(), ids=LOCALES.keys())
def test_text_escapes_names_that_are_not_utf8(odd_tree: Path, env: dict[str, str]) -> None:
    done = scan(odd_tree, "text", env)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"\xff" not in done.stdout
    text = done.stdout.decode("utf-8")
    # Text shows paths relative to the working directory (the tree's parent's parent).
    shown = odd_tree.relative_to(odd_tree.parent.parent)
    assert f"{shown}/caf\\xff.py: info EPM101 helper-file: defines no Caf\\xff" in text
