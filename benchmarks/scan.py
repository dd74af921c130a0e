"""Scanner speed and memory, as ratios against baselines measured in the same run.

Goals (issue 2): a cold scan (no cache) of a realistic tree of extension
modules with their definitions package takes at most 1.5x a bare
``libcst.parse_module`` of the scanned files; a second, cached scan at most
0.25x the cold one; the peak RSS of a scan of 2,000 files stays under 300 MB.

Run: ``python benchmarks/scan.py`` (exit 1 when a goal is missed).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libcst

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Row, report
from _trees import make_tree

from epmigrate.scan import Cache, scan

BASE = "benchlib.api.extensions.ExtensionDescriptor"
REPEAT = 12


def interleaved(*funcs: Callable[[], object], repeat: int = REPEAT) -> list[float]:
    """The fastest of ``repeat`` runs of each function, in CPU seconds.

    Both sides are CPU-bound (files come from the page cache), so process CPU
    time is measured: other processes on the machine do not inflate it. Runs
    alternate between the functions, so what remains of the noise hits every
    measurement alike.
    """
    best = [float("inf")] * len(funcs)
    for _ in range(repeat):
        for i, func in enumerate(funcs):
            gc.collect()
            start = time.process_time()
            func()
            best[i] = min(best[i], time.process_time() - start)
    return best


def speed(root: Path, count: int) -> list[Row]:
    ext = make_tree(root, count)
    lib = str(root / "lib")
    files = sorted(ext.glob("*.py"))

    def parse_only() -> None:
        for f in files:
            libcst.parse_module(f.read_bytes().decode("utf-8"))

    def cold() -> None:
        result = scan(str(ext), "neutron", bases=[BASE], search_path=[lib], cache=None)
        assert sum(e.alias is not None for e in result.extensions) == count

    cache_dir = str(root / "cache")
    scan(str(ext), "neutron", bases=[BASE], search_path=[lib], cache=Cache(cache_dir))

    def cached() -> None:
        scan(str(ext), "neutron", bases=[BASE], search_path=[lib], cache=Cache(cache_dir))

    parse_only()  # warm the file system cache and libcst's imports for everyone
    t_parse, t_cold, t_cached = interleaved(parse_only, cold, cached)
    print(
        f"{count} extensions + {count} definitions: parse {t_parse:.3f}s, "
        f"cold scan {t_cold:.3f}s, cached scan {t_cached:.3f}s"
    )
    return [
        Row("cold scan / libcst parse of scanned files", t_cold / t_parse, 1.5),
        Row("cached scan / cold scan", t_cached / t_cold, 0.25),
    ]


CHILD = """
import json, resource, sys
from epmigrate.scan import scan
result = scan(sys.argv[1], "neutron", bases=[sys.argv[2]], search_path=[sys.argv[3]], cache=None)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"files": result.files, "peak_mb": peak_kb / 1024}))
"""


def memory(root: Path, count: int) -> Row:
    ext = make_tree(root, count)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ext), BASE, str(root / "lib")],
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout)
    print(f"{data['files']} files: peak RSS {data['peak_mb']:.0f} MB")
    return Row(f"scan peak RSS, {count} files", data["peak_mb"], 300.0, "MB")


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += speed(Path(tmp) / "speed", 160)
        rows.append(memory(Path(tmp) / "memory", 2000))
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
