"""The suite's permission cases pass in a checkout only its owner can enter.

A user's clone often lives in a 0700 directory (a home directory, a
``mktemp -d``). Tests that run part of their work with fewer rights must still
reach the interpreter, the installed packages and the checkout. This test
clones the repository's HEAD into a fresh ``tempfile.mkdtemp()`` directory
(mode 0700), gives it a virtualenv inside that directory whose packages are
links to this environment's (so nothing is downloaded, and every import goes
through the private directory), and runs there the tests that drop rights.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CASES = ("tests/scan/test_adversarial.py::test_unreadable_file_and_directory",)


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


@pytest.fixture
def private_clone() -> Iterator[Path]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the project")
    top = Path(tempfile.mkdtemp(prefix="epm-private-"))
    try:
        assert stat.S_IMODE(top.stat().st_mode) == 0o700
        clone = top / "clone"
        head = git("rev-parse", "HEAD", cwd=REPO)
        git("clone", "--quiet", "--no-checkout", str(REPO), str(clone), cwd=top)
        git("checkout", "--quiet", head, cwd=clone)
        yield clone
    finally:
        shutil.rmtree(top, ignore_errors=True)


def private_venv(clone: Path) -> Path:
    """A virtualenv in ``clone`` whose packages are links into this one."""
    venv = clone / ".venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    target = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    here = Path(sysconfig.get_paths()["purelib"])
    for entry in here.iterdir():
        if entry.name.startswith("__editable__") or entry.name == "__pycache__":
            continue
        link = target / entry.name
        if not link.exists():
            link.symlink_to(entry)
    # The project itself from the clone, as an editable install would add it.
    (target / "epmigrate-src.pth").write_text(f"{clone / 'src'}\n")
    return python


@pytest.mark.skipif(os.geteuid() != 0, reason="the cases that drop rights only do so as root")
def test_rights_dropping_cases_pass_in_a_0700_clone(private_clone: Path) -> None:
    python = private_venv(private_clone)
    done = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={private_clone.parent / 'pytest'}",
            *CASES,
        ],
        cwd=private_clone,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(CASES)} passed" in done.stdout
