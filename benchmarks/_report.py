"""One result table for every benchmark script, and its hand-over to the suite.

Each script measures, builds :class:`Row` objects and calls :func:`report`,
which prints the table and returns the exit status (1 when a goal is
missed). When ``EPMIGRATE_BENCH_JSON`` names a file, the rows are also
written there as JSON, which is how ``benchmarks/suite.py`` (``make bench``)
gathers them into one table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

JSON_ENV = "EPMIGRATE_BENCH_JSON"


@dataclass(frozen=True)
class Row:
    """One goal: ``measured`` must be at most ``goal`` (a ratio, or MB for memory)."""

    benchmark: str
    measured: float
    goal: float
    unit: str = "x"

    @property
    def met(self) -> bool:
        """Whether the measurement meets the goal."""
        return self.measured <= self.goal


def table(rows: Sequence[Row]) -> str:
    """The rows as a fixed-width table: benchmark, measured, goal, met."""
    width = max([len("benchmark"), *(len(r.benchmark) for r in rows)])
    lines = [f"{'benchmark':<{width}}  {'measured':>9}  {'goal':>9}  met"]
    for r in rows:
        measured = f"{r.measured:.3f}{r.unit}" if r.unit == "x" else f"{r.measured:.0f} {r.unit}"
        goal = f"<= {r.goal:g}{r.unit}" if r.unit == "x" else f"<= {r.goal:g} {r.unit}"
        lines.append(
            f"{r.benchmark:<{width}}  {measured:>9}  {goal:>9}  {'yes' if r.met else 'NO'}"
        )
    return "\n".join(lines)


def report(rows: Sequence[Row]) -> int:
    """Print the table, hand the rows to the suite if it asked; 1 if a goal is missed."""
    print()
    print(table(rows))
    target = os.environ.get(JSON_ENV)
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in rows], fh)
    return 0 if all(r.met for r in rows) else 1
