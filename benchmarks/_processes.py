"""Fresh processes as a user starts them: their CPU time, with bytecode written."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def epmigrate_script() -> Path:
    """The console script beside this interpreter: the command a user runs."""
    script = Path(sys.executable).parent / "epmigrate"
    if not script.exists():
        raise SystemExit(f"{script} does not exist: run with the project's .venv/bin/python")
    return script


def bytecode_env() -> dict[str, str]:
    """This environment without ``PYTHONDONTWRITEBYTECODE``, with ``src/`` compiled.

    An installed package has its bytecode; without it every start would
    measure compiling, not importing.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def child_cpu(argv: list[str], env: dict[str, str]) -> float:
    """Run ``argv`` to completion; the CPU seconds it used (user + system).

    CPU time, not wall-clock: neighbours on a shared machine do not inflate it.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall(
    argv: list[str], env: dict[str, str], *, cwd: Path | None = None, ok: tuple[int, ...] = (0,)
) -> float:
    """Run ``argv`` to completion; its wall-clock seconds (what a user waits for).

    An exit status outside ``ok`` (``--check`` exits 1 when a change is due)
    or a traceback on stderr stops the benchmark with the output.
    """
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in ok or "Traceback" in done.stderr:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds
