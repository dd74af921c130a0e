"""Shared fixtures: the shared corpus and one real virtualenv per session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.properties import load_profile

# Before any test module builds its settings, which inherit the profile.
HYPOTHESIS_PROFILE = load_profile()

CORPUS_ENV = "EPMIGRATE_CORPUS"


def pytest_report_header() -> str:
    """Which examples the property tests draw (tests/properties.py)."""
    return f"hypothesis profile: {HYPOTHESIS_PROFILE}"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus of real packaging files (skips when it is not configured)."""
    value = os.environ.get(CORPUS_ENV)
    if not value:
        pytest.skip(f"{CORPUS_ENV} is not set; .ci/run sets it to ../shared/corpus")
    path = Path(value)
    if not (path / "MANIFEST.tsv").is_file():
        pytest.fail(f"{CORPUS_ENV}={value} has no MANIFEST.tsv")
    return path


def corpus_files(corpus: Path, suffix: str) -> list[Path]:
    """The corpus files whose name ends with ``suffix``, from its manifest."""
    rows = (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    names = [row.split("\t", 1)[0] for row in rows if row.strip()]
    return [corpus / n for n in names if n.endswith(suffix)]


@dataclass
class PipVenv:
    """A real virtualenv that sees this interpreter's packages through a ``.pth``.

    Test packages are installed into it with ``pip install --no-deps
    --no-build-isolation``, so no index is needed and installs take a second.
    """

    root: Path
    python: Path
    site_packages: Path

    def install(self, project: Path, *, editable: bool = False) -> None:
        """``pip install`` a project directory into this virtualenv."""
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(self.python),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
        ]
        cmd += ["-e", str(project)] if editable else [str(project)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def uninstall(self, *dists: str) -> None:
        """``pip uninstall`` distributions from this virtualenv."""
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(self.python), "uninstall", "-y", *dists],
            check=True,
            capture_output=True,
            text=True,
        )

    def run(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Run this virtualenv's Python with ``args``; output captured as text."""
        return subprocess.run(  # type: ignore[call-overload,no-any-return]
            [str(self.python), *args], capture_output=True, text=True, **kwargs
        )


@pytest.fixture(scope="session")
def test_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipVenv]:
    """One virtualenv for the whole session; install test packages into it."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    site = Path(out.stdout.strip())
    # The test venv sees epmigrate, stevedore and setuptools from the venv
    # running the tests, after its own site-packages. .pth files are not read
    # in directories added this way, so epmigrate's own directory (an editable
    # install puts a .pth finder there) is named too.
    import epmigrate

    outer = [sysconfig.get_path("purelib"), str(Path(epmigrate.__file__).resolve().parents[1])]
    (site / "_epmigrate_outer.pth").write_text("\n".join(outer) + "\n")
    yield PipVenv(root, python, site)


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail a test that hangs (60 s) instead of hanging the suite.

    ``pytest.fail`` raises an exception no ``except OSError`` or ``except
    Exception`` in the code under test can swallow.
    """

    def expired(signum: int, frame: object) -> None:
        pytest.fail("the test did not finish in 60 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
