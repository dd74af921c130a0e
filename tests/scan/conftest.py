"""Fixture trees for the scanner (tests/data) and a helper to run the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from epmigrate.cli import cli

DATA = Path(__file__).resolve().parent.parent / "data"
NEUTRON = DATA / "neutron_style"
NEUTRON_EXT = NEUTRON / "project" / "neutron" / "extensions"
NEUTRON_LIB = NEUTRON / "lib"
TROVE_ROUTES = DATA / "trove_style" / "trove" / "extensions" / "routes"
CINDER_CONTRIB = DATA / "cinder_style" / "cinder" / "api" / "contrib"


def run_cli(*args: str) -> Result:
    """Run ``epmigrate ARGS`` in-process; stderr is kept apart from stdout."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    """``epmigrate scan --format json --no-cache ARGS``: exit code and document."""
    result = run_cli("scan", "--format", "json", "--no-cache", *args)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test reads or writes the developer's real cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
