"""``write --metadata`` against the backend's own metadata hook, whole processes.

Goal (issue 21): ``epmigrate write --metadata --check`` on a project takes at
most the time of the hook itself plus 10%: the baseline is one process that
runs the same backend's ``prepare_metadata_for_build_wheel`` through the
PyPA's ``build`` in an isolated build environment
(``build.util.project_wheel_metadata``), the way a front end asks for
metadata. The two run alternately, RUNS pairs; the ratio is of the median
wall-clock times (a user waits for the whole process, and the check runs its
two hooks side by side). The same pair without isolation (the backend from
this environment) is printed too, without a goal: there the hook is a fraction
of a second and the scan and second copy show.

The project is ``sample_projects/widget_service`` (setuptools, a ``[project]``
table), copied; the isolated environment installs setuptools from the index.

Run: ``python benchmarks/metadata.py [--runs N]`` (exit 1 when the goal is missed).
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
GOAL = 1.10

HOOK = "import sys, build.util; build.util.project_wheel_metadata('.', isolated={isolated})"


def pairs(project: Path, env: dict[str, str], runs: int, *, isolated: bool) -> tuple[float, float]:
    tool = [str(epmigrate_script()), "write", "--metadata", "--check", "--no-cache"]
    if not isolated:
        tool.append("--no-isolation")
    hook = [sys.executable, "-c", HOOK.format(isolated=isolated)]
    mine, base = [], []
    for i in range(runs):
        # ABBA order: neither side always runs on a warm disk cache.
        order = [(tool, mine), (hook, base)]
        for argv, into in order if i % 2 == 0 else order[::-1]:
            into.append(wall(argv, env, cwd=project, ok=(0, 1)))
    return statistics.median(mine), statistics.median(base)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = bytecode_env()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "widget_service"
        shutil.copytree(REPO / "sample_projects" / "widget_service", project)
        tool, hook = pairs(project, env, args.runs, isolated=True)
        ratio = tool / hook
        print(
            f"write --metadata --check, isolated: {tool:.2f} s; the hook alone through build: "
            f"{hook:.2f} s; {ratio:.3f}x (medians of {args.runs} alternated pairs)"
        )
        tool_n, hook_n = pairs(project, env, args.runs, isolated=False)
        print(
            f"without isolation (no goal): {tool_n:.2f} s against {hook_n:.2f} s, "
            f"{tool_n / hook_n:.2f}x"
        )
    return report([Row("write --metadata / the backend's metadata hook", ratio, GOAL)])


if __name__ == "__main__":
    sys.exit(main())
