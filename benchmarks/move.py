"""``epmigrate move`` against one tomlkit parse plus one read of setup.cfg, whole processes.

Goal (issue 22): a move costs at most 2x one process that imports tomlkit,
parses the project's pyproject.toml with it and reads its setup.cfg: the
least a tool that edits pyproject.toml with tomlkit has to do. Both are
whole processes as a user starts them (bytecode written); they run
alternately, RUNS pairs, and the ratio is of the median wall-clock times. The
move is a real one (it writes pyproject.toml and setup.cfg, atomically), on a
fresh copy of the project for each run; making the copy is not timed.

The projects are OpenStack's own files at the parent of their move to
pyproject.toml (tests/data/openstack_moves): python-openstackclient (652
entry points, the largest setup.cfg there) and nova (metadata, extras,
data files and 29 entry points).

Run: ``python benchmarks/move.py [--runs N]`` (exit 1 when a goal is missed).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import bytecode_env, epmigrate_script, wall
from _report import Row, report

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "openstack_moves"
GOAL = 2.0
PROJECTS = ("python-openstackclient", "nova")
BASELINE = (
    "import tomlkit\n"
    "with open('pyproject.toml', encoding='utf-8') as f: tomlkit.parse(f.read())\n"
    "with open('setup.cfg', encoding='utf-8') as f: f.read()\n"
)


def pairs(project: str, work: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    tool = [str(epmigrate_script()), "move"]
    base = [sys.executable, "-c", BASELINE]
    mine, theirs = [], []
    for i in range(runs):
        copy = work / f"{project}-{i}"
        shutil.copytree(DATA / project / "before", copy)
        order = [(tool, mine), (base, theirs)]
        # ABBA order: neither side always runs on a warm disk cache.
        for argv, into in order if i % 2 == 0 else order[::-1]:
            into.append(wall(argv, env, cwd=copy))
        assert "[project" in (copy / "pyproject.toml").read_text(encoding="utf-8")
    return statistics.median(mine), statistics.median(theirs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = bytecode_env()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for project in PROJECTS:
            tool, base = pairs(project, Path(tmp), env, args.runs)
            ratio = tool / base
            print(
                f"move {project}: {tool * 1000:.0f} ms; tomlkit parse + setup.cfg read: "
                f"{base * 1000:.0f} ms; {ratio:.2f}x (medians of {args.runs} alternated pairs)"
            )
            rows.append(Row(f"move {project} / tomlkit parse + read", ratio, GOAL))
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
