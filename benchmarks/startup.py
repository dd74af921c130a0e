"""Start-up cost of the command line against a bare interpreter, in one run.

Goals: ``epmigrate --version`` takes at most 2.5x ``python -c pass`` run by
the same interpreter (the one the console script names, with the same
site-packages and ``.pth`` files; issue 6), ``epmigrate --help``, which
imports click and declares every command, at most 5x (issue 13).

Each run is a fresh process; its CPU time (user + system, from
``getrusage(RUSAGE_CHILDREN)``) is what is compared, so neighbours on a
shared machine do not inflate it. Runs alternate between the commands and
the goals are checked on the ratios of the medians. Bytecode is compiled
first and written, as an installed package has it.

Run: ``python benchmarks/startup.py [--runs N]`` (exit 1 when the goal is
missed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import bytecode_env, child_cpu, epmigrate_script
from _report import Row, report


def main() -> int:
    """Measure, print, and return 1 when the goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41, help="measured rounds (%(default)s)")
    options = parser.parse_args()
    script = epmigrate_script()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "epmigrate --version": [str(script), "--version"],
        "epmigrate --help": [str(script), "--help"],
    }
    env = bytecode_env()
    for argv in commands.values():  # warm-up: page cache, bytecode
        child_cpu(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(options.runs):
        for name, argv in commands.items():
            times[name].append(child_cpu(argv, env))
    base = statistics.median(times["python -c pass"])
    print(f"{options.runs} rounds of fresh processes; CPU time (user + system), median")
    for name, spent in times.items():
        print(
            f"  {name:<22} {statistics.median(spent) * 1000:6.1f} ms  "
            f"({statistics.median(spent) / base:.2f}x)"
        )

    def ratio(name: str) -> float:
        return statistics.median(times[name]) / base

    return report(
        [
            Row("epmigrate --version / python -c pass", ratio("epmigrate --version"), 2.5),
            Row("epmigrate --help / python -c pass", ratio("epmigrate --help"), 5.0),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
