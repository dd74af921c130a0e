"""``make fuzz``: every property test from new random seeds, one pytest process each.

Collects the property tests (``pytest -m hypothesis``), runs each in its own
process with ``EPMIGRATE_FUZZ`` set (tests/properties.py: the ``fuzz``
profile, at least that many examples), a few at a time, the cheap ones
first, and prints one row per property as it ends: its passing, failing and
invalid examples, from hypothesis's own statistics, and its time. Each
property's output is kept in ``.hypothesis/fuzz/``. Exits 1 when a
property fails (its log holds the ``@reproduce_failure`` blob) or gives no
count.

Run: ``python tests/run_fuzz.py [--examples N] [--jobs J]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGS = REPO / ".hypothesis" / "fuzz"

SLOW = ("generated_programs", "grammatical_python")
"""Properties over programs from CPython's grammar (hypothesmith): run last, being the longest."""

_COUNTS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")


def properties() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "hypothesis"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    return sorted(ids, key=lambda node: any(word in node for word in SLOW))


def run(node: str, examples: int) -> tuple[str, int, int, int, float, int, bool]:
    """One property: (node, passing, failing, invalid, seconds, pytest's status, exhausted).

    ``exhausted``: hypothesis stopped because its strategy had no more
    distinct examples to give, before the count.
    """
    log = LOGS / (re.sub(r"[^\w.-]+", "_", node) + ".log")
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--hypothesis-show-statistics",
                node,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "EPMIGRATE_FUZZ": str(examples)},
            cwd=REPO,
            check=False,
        )
    text = log.read_text(encoding="utf-8")
    counts = [tuple(map(int, m)) for m in _COUNTS.findall(text)]
    passing, failing, invalid = (sum(c[i] for c in counts) for i in range(3))
    exhausted = "Stopped because nothing left to do" in text
    return node, passing, failing, invalid, time.monotonic() - started, done.returncode, exhausted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000, help="per property (%(default)s)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processes at once")
    options = parser.parse_args()
    LOGS.mkdir(parents=True, exist_ok=True)
    nodes = properties()
    print(
        f"{len(nodes)} properties, at least {options.examples:,} examples each, "
        f"{options.jobs} at a time; logs in {LOGS}",
        flush=True,
    )
    bad = 0
    with ThreadPoolExecutor(options.jobs) as pool:
        for node, passing, failing, invalid, seconds, status, exhausted in pool.map(
            lambda n: run(n, options.examples), nodes
        ):
            counted = passing >= options.examples or (exhausted and passing > 0)
            ok = status == 0 and failing == 0 and counted
            bad += not ok
            note = "  (every distinct example tried)" if exhausted else ""
            print(
                f"{'ok  ' if ok else 'FAIL'} {passing:>7,} passing {failing:>3} failing "
                f"{invalid:>7,} invalid {seconds:>7.0f} s  {node}{note}",
                flush=True,
            )
    print(
        f"{len(nodes) - bad} of {len(nodes)} properties passed with at least "
        f"{options.examples:,} examples each"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
