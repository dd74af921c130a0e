"""``make demo``'s script runs the whole migration and leaves the repository alone."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import EPMIGRATE, REPO, SAMPLES, environment

pytestmark = pytest.mark.venv

STEP = re.compile(r"^== (\d+)\. ", re.M)


def tree_digest(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``root`` but bytecode caches."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_demo_migrates_everything_and_changes_nothing_in_the_repository(tmp_path: Path) -> None:
    samples_before = tree_digest(SAMPLES)
    site = Path(sysconfig.get_path("purelib"))  # the site-packages of EPMIGRATE's venv
    venv_site = sorted(os.listdir(site))
    started = time.monotonic()
    demo = subprocess.run(
        ["bash", "sample_projects/demo.sh"],
        cwd=REPO,
        env=environment(tmp_path, EPMIGRATE=os.path.relpath(EPMIGRATE, REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: warnings stay where they were printed
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    out = demo.stdout
    assert demo.returncode == 0, out
    assert elapsed < 120, f"the demo took {elapsed:.0f} s"

    steps = {int(m.group(1)): m.start() for m in STEP.finditer(out)}
    assert sorted(steps) == list(range(1, 9)), out
    before, after = out[: steps[6]], out[steps[6] :]
    warned = re.findall(r"^WARNING epmigrate: extension '(\w+)' .* legacy path", before, re.M)
    assert warned == ["audit_log", "sprockets"], out
    assert "WARNING" not in after and "ERROR" not in after, after
    # Before: the contrib files from the legacy path; verify says keep it.
    assert re.search(r"^sprockets +widget-sprockets +legacy .*/sprockets\.py$", before, re.M)
    assert "  sprockets: no entry point provides it" in before
    # After: everything from entry points, and verify's verdict.
    for row in (
        r"sprockets +widget-sprockets +entry point widget-contrib 0\.1\.0",
        r"colors +colors +entry point widget-service 1\.0\.0",
    ):
        assert re.search(f"^{row}$", after, re.M), after
    assert "OK: the entry points provide everything the legacy path does" in after
    assert "8 extensions, all from entry points; epmigrate verify exits 0." in after

    assert tree_digest(SAMPLES) == samples_before
    assert sorted(os.listdir(site)) == venv_site
