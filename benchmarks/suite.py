"""``make bench``: every benchmark script, then one table of all their goals.

Each script runs in its own interpreter (the one running this file, the
project's), prints its own measurements as it goes, and hands its rows over
through ``EPMIGRATE_BENCH_JSON``. The table at the end lists every goal:
benchmark, measured ratio, goal, met. Exits 1 when a goal is missed or a
script fails.

Run: ``python benchmarks/suite.py [SCRIPT ...]`` (default: all of them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import JSON_ENV, Row, table

HERE = Path(__file__).resolve().parent

SCRIPTS = (
    "scan.py",
    "write.py",
    "loader.py",
    "guard.py",
    "startup.py",
    "process.py",
    "metadata.py",
    "move.py",
    "fix_callers.py",
)


def run(script: str, out: Path) -> tuple[list[Row], int]:
    """Run one script with its output shown; its rows and exit status."""
    print(f"\n=== benchmarks/{script}", flush=True)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(HERE / script)], env={**os.environ, JSON_ENV: str(out)}, check=False
    )
    print(f"--- {script}: exit {done.returncode} in {time.monotonic() - started:.0f} s")
    if not out.exists():
        return [], done.returncode or 1
    rows = [Row(**r) for r in json.loads(out.read_text(encoding="utf-8"))]
    return rows, done.returncode


def main() -> int:
    """Run the scripts, print the table; 1 when anything is missed or fails."""
    scripts = sys.argv[1:] or list(SCRIPTS)
    unknown = [s for s in scripts if s not in SCRIPTS]
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(SCRIPTS)}")
    rows: list[Row] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for script in scripts:
            got, status = run(script, Path(tmp) / f"{script}.json")
            rows.extend(got)
            if status != 0 and all(r.met for r in got):
                failed.append(script)  # crashed rather than missed a goal
    print("\n=== all benchmarks")
    print(table(rows))
    for script in failed:
        print(f"benchmarks/{script} failed before reporting its goals")
    return 0 if rows and not failed and all(r.met for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
