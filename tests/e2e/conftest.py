"""End-to-end helpers: copies of sample_projects/, the real CLI, real virtualenvs.

Each virtualenv is made by ``sample_projects/mkvenv.sh`` (the script the demo
and the tutorial use): it sees the packages of the Python running the tests
through a ``.pth`` file, and pip installs the sample projects into it with
no index and no build isolation. The shared ``test_venv`` of tests/conftest.py
is never used here: other tests read its entry points.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_projects"
EPMIGRATE = Path(sys.executable).with_name("epmigrate")
"""The console script of the epmigrate under test (next to this Python)."""

WIDGET_GROUP = "widget_service.api.extensions"
WIDGET_BASE = "widget_service.api.extensions.ExtensionDescriptor"


def environment(tmp: Path, **extra: str) -> dict[str, str]:
    """A clean environment: caches in ``tmp``, no kill switch, no extension path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("EPMIGRATE_LEGACY", "WIDGET_API_EXTENSIONS_PATH", "PYTHONPATH")
    }
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def copy_samples(dest: Path) -> Path:
    """A fresh copy of sample_projects/ in ``dest``, for a test to change at will."""
    shutil.copytree(
        SAMPLES, dest, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    )
    return dest


def run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command; its exit status, stdout and stderr (text), never raising."""
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def epmigrate(
    cwd: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    """``epmigrate ARGS`` in ``cwd``, through the installed console script."""
    return run([EPMIGRATE, *args], cwd, env)


@dataclass
class Venv:
    """A virtualenv made by mkvenv.sh, with the environment its commands run in."""

    root: Path
    env: dict[str, str]

    @classmethod
    def create(cls, root: Path, env: dict[str, str]) -> Venv:
        """Run ``sample_projects/mkvenv.sh root`` with this test run's Python."""
        made = run(
            ["bash", SAMPLES / "mkvenv.sh", root], root.parent, {**env, "PYTHON": sys.executable}
        )
        assert made.returncode == 0, made.stderr
        return cls(root, env)

    @property
    def python(self) -> Path:
        """The virtualenv's interpreter."""
        return self.root / "bin" / "python"

    def install(self, *projects: Path) -> None:
        """``pip install`` project directories (reinstalled if already there)."""
        done = run(
            [
                self.python,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--force-reinstall",
                "--no-compile",
                *projects,
            ],
            self.root,
            self.env,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def python_run(
        self, *args: str | Path, cwd: Path | None = None, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run the virtualenv's Python with ``args``."""
        return run([self.python, *args], cwd or self.root, {**self.env, **extra_env})


def table(stdout: str) -> dict[str, tuple[str, str]]:
    """``list-extensions`` output as ``{name: (alias, origin)}``; checks the header."""
    lines = stdout.splitlines()
    assert lines and lines[0].split() == ["NAME", "ALIAS", "ORIGIN"], stdout
    rows = {}
    for line in lines[1:]:
        name, alias, origin = line.split(maxsplit=2)
        rows[name] = (alias, origin)
    return rows


def legacy_warnings(stderr: str) -> list[str]:
    """The WARNING lines of the hybrid loader saying an extension came from a legacy file."""
    return [
        line
        for line in stderr.splitlines()
        if line.startswith("WARNING epmigrate:") and "was loaded from the legacy path" in line
    ]
