"""Scanner scale: whole processes on generated trees of 1,500, 15,000 and 60,000 files.

Each size is a tree of N/2 extension modules and their N/2 definition
modules (benchmarks/_trees.py), scanned cold (``--no-cache``) by the
``epmigrate`` command in a fresh interpreter, next to a fresh interpreter
that only runs ``ast.parse`` on the same files: the least any static reader
of them must do. Time is wall-clock of the whole process; memory is the
scan's peak RSS.

Goals (the 15,000-file tree): cold scan / bare ``ast.parse`` <= 2.5x; peak
RSS of the 60,000-file scan <= 300 MB.

Run: ``python benchmarks/scale.py [N ...]`` (``make bench-scale``; not part of
``make test`` or ``make bench``: the largest tree takes minutes to write).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Row, report
from _trees import make_tree

BASE = "benchlib.api.extensions.ExtensionDescriptor"
SIZES = (1_500, 15_000, 60_000)

BARE = """
import ast, os, resource, sys
for root in sys.argv[1:]:
    for directory, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(directory, name), "rb") as fh:
                    ast.parse(fh.read())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

SCAN = """
import resource, sys
from epmigrate.__main__ import main
sys.argv = ["epmigrate", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def timed(
    args: list[str], *, peak_on_stderr: bool = False, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall-clock seconds of a fresh process and its peak RSS in MB."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    text = done.stderr if peak_on_stderr else done.stdout
    return elapsed, int(text.strip().splitlines()[-1]) / 1024


def measure(root: Path, files: int) -> tuple[float, float, float]:
    ext = make_tree(root, files // 2)
    lib = root / "lib"
    bare, _ = timed([sys.executable, "-c", BARE, str(ext), str(lib / "benchlib")])
    cmd = [sys.executable, "-c", SCAN, "scan", str(ext), "--base", BASE]
    cmd += ["--search-path", str(lib), "--no-cache", "--format", "json"]
    scan, peak = timed(cmd, peak_on_stderr=True)
    # Alternate once more and keep each side's best: page cache warm for both.
    bare = min(bare, timed([sys.executable, "-c", BARE, str(ext), str(lib / "benchlib")])[0])
    scan = min(scan, timed(cmd, peak_on_stderr=True)[0])
    # The cache: the first run stores one entry, the second reuses it.
    cached_cmd = [a for a in cmd if a != "--no-cache"]
    env = {**os.environ, "XDG_CACHE_HOME": str(root / "xdg")}
    first, first_peak = timed(cached_cmd, peak_on_stderr=True, env=env)
    again, _ = timed(cached_cmd, peak_on_stderr=True, env=env)
    print(
        f"{files:>6} files: bare ast.parse {bare:.2f} s, cold scan {scan:.2f} s "
        f"({scan / bare:.2f}x), scan peak RSS {peak:.0f} MB; first cached run {first:.2f} s "
        f"({first / scan:.2f}x cold, peak {first_peak:.0f} MB), second {again:.2f} s "
        f"({again / scan:.2f}x cold)",
        flush=True,
    )
    return bare, scan, peak


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    rows: list[Row] = []
    base = os.environ.get("EPMIGRATE_BENCH_DIR")  # a disk with room for 60,000 files
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        for files in sizes:
            bare, scan, peak = measure(Path(tmp) / str(files), files)
            if files == 15_000:
                rows.append(Row("cold scan / bare ast.parse, 15,000 files", scan / bare, 2.5))
            if files == 60_000:
                rows.append(Row("scan peak RSS, 60,000 files", peak, 300.0, "MB"))
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
