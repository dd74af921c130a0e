"""Each job imports what it needs, in a fresh interpreter as a user starts it.

A service imports ``epmigrate.loader`` at every start: the standard library
and stevedore only, and not ``dataclasses`` (with ``inspect`` about ten
milliseconds). A scan reads every file Python parses with ``ast``: libcst is
imported only for grammar this Python lacks, tomlkit never.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WIDGET = REPO / "sample_projects" / "widget_service"

RUN_CLI = """
import json, sys
from epmigrate.__main__ import main
sys.argv = ["epmigrate", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(
    code: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )
    last = done.stderr.strip().splitlines()[-1]
    return set(json.loads(last))


def heavy(modules: set[str], *names: str) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


def test_the_runtime_loader_imports_no_tooling_and_no_dataclasses() -> None:
    code = (
        "import json, sys\nimport epmigrate.loader\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    found = modules_after(code)
    assert "stevedore" in found
    assert heavy(found, "libcst", "click", "tomlkit", "dataclasses", "inspect") == []


@pytest.mark.parametrize("cached", [False, True])
def test_a_scan_imports_neither_libcst_nor_tomlkit(tmp_path: Path, cached: bool) -> None:
    import os

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ("scan", str(WIDGET / "src" / "widget_service" / "extensions"))
    args += ("--base", "widget_service.api.extensions.ExtensionDescriptor")
    if cached:
        modules_after(RUN_CLI, *args, env=env)  # fills the cache
    found = modules_after(RUN_CLI, *args, env=env)
    assert "epmigrate.scan" in found
    assert heavy(found, "libcst", "tomlkit") == []
