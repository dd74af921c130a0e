"""What vetting the modules legacy files import costs a 200-extension start.

A legacy file may import what lies beside it (``import _common``); the
hybrid loader vets such imports like the files themselves (a path hook,
docs/loader.md). Fresh processes load 200 legacy extensions, each of which
imports a shared helper module from the same directory (on ``sys.path``,
as services put it), once with the import guard and once with it replaced
by a no-op, alternated; the CPU time of the manager's construction only.
Goal: at most 1.02x (2%).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import REPO, bytecode_env
from _report import Row, report

COUNT = 200

CHILD = """
import logging, os, sys, time, warnings
logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, "w"))
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import epmigrate.loader._modules as modules
from epmigrate.loader import HybridExtensionManager
if sys.argv[2] == "off":
    modules.guard_imports = lambda root, check=True: None
started = time.process_time()
mgr = HybridExtensionManager("bench.guard", legacy_paths=sys.argv[1])
elapsed = time.process_time() - started
print(elapsed, len(mgr.names()))
"""

EXTENSION = """\
import _common


class {cls}:
    alias = _common.PREFIX + {stem!r}
"""


def build(work: Path) -> Path:
    legacy = work / "legacy"
    legacy.mkdir()
    (legacy / "_common.py").write_text("PREFIX = 'bench-'\n")
    for n in range(COUNT):
        stem = f"ext_{n:03d}"
        (legacy / f"{stem}.py").write_text(EXTENSION.format(cls=stem.capitalize(), stem=stem))
    legacy.chmod(0o755)
    return legacy


def measure(legacy: Path, side: str, env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(legacy), side],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=legacy.parent,
    )
    elapsed, loaded = done.stdout.split()
    if int(loaded) != COUNT:
        raise SystemExit(f"{side}: loaded {loaded} extensions, not {COUNT}")
    return float(elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41, help="alternated pairs (%(default)s)")
    options = parser.parse_args()
    env = bytecode_env()
    env["PYTHONPATH"] = str(REPO / "src")
    base = REPO / "build"
    base.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-guard-", dir=base))
    try:
        legacy = build(work)
        for side in ("on", "off"):  # warm-up: the interpreter's own bytecode
            measure(legacy, side, env)
        pairs = []
        for n in range(options.runs):
            order = ("on", "off") if n % 2 == 0 else ("off", "on")
            got = {side: measure(legacy, side, env) for side in order}
            pairs.append((got["on"], got["off"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = statistics.median(on / off for on, off in pairs)
    on_ms = statistics.median(on for on, _ in pairs) * 1000
    off_ms = statistics.median(off for _, off in pairs) * 1000
    print(
        f"{COUNT} legacy extensions importing a sibling helper, {options.runs} alternated "
        f"pairs of fresh processes: guard {on_ms:.1f} ms, no guard {off_ms:.1f} ms, "
        f"median ratio {ratio:.3f}"
    )
    return report([Row("loader, vetting imported modules (guard / none)", ratio, 1.02)])


if __name__ == "__main__":
    raise SystemExit(main())
