"""Crash safety: a writer killed at any moment leaves the old file or the new one.

``epmigrate write`` prepares the new text (scan, merge: nothing touches the
disk) and then calls :func:`epmigrate.write.run.commit`. Each round forks a
child that runs that commit, on the write the command prepared, with
``EPMIGRATE_TEST_SLOW_WRITE`` set: the write pauses before the temporary file
exists, writes it in flushed chunks, pauses after the fsync and again after
the rename. The parent sends SIGKILL after a delay stepped across the whole
write, checks the target, then runs the whole command (``cli.main``) again,
unkilled, and checks that it finished the job and cleared every temporary
file.

The test asserts where the kills landed (before the temporary file, during
its write, with it complete but not yet renamed, after the rename), so it
cannot pass by never interrupting a write.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import NoReturn

from epmigrate.cli import cli
from epmigrate.fileio import TEMP_SUFFIX
from epmigrate.write import run
from tests.write.test_write_command import ARGS, BASE, SETUP_CFG, make_service

KILLS_PER_TARGET = 105
PAUSE = 0.003
"""Seconds per slow step: four steps against a write of a few milliseconds."""

PYPROJECT = '[project]\nname = "svc"\nversion = "1.0"\n'

BEFORE_TEMP = "old file, no temporary file"
MID_WRITE = "old file, partial temporary file"
TEMP_DONE = "old file, complete temporary file"
REPLACED = "new file"


def _child(outcome: run.Outcome, pause: float) -> NoReturn:
    code = 2
    try:
        os.environ["EPMIGRATE_TEST_SLOW_WRITE"] = str(pause)
        run.commit(outcome)
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def spawn(outcome: run.Outcome, pause: float) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        _child(outcome, pause)
    return pid


def run_to_end(outcome: run.Outcome, pause: float) -> float:
    start = time.perf_counter()
    _, status = os.waitpid(spawn(outcome, pause), 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return time.perf_counter() - start


def run_in_process(root: Path, target: str) -> None:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        cli.main(["write", target, *ARGS], prog_name="epmigrate", standalone_mode=False)
    finally:
        os.chdir(cwd)


def temps(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def kill_rounds(root: Path, target: str, old: bytes) -> tuple[Counter[str], int]:
    """Kill the writer ``KILLS_PER_TARGET`` times; return where the kills landed."""
    path = root / target
    # The first run in this process imports everything, so that the forked
    # children only do the work; it also gives the bytes a write produces.
    path.write_bytes(old)
    cwd = os.getcwd()
    run_in_process(root, target)
    new = path.read_bytes()
    assert new != old
    # What the command writes, prepared once: every round starts from the old
    # bytes, which are what the prepared write checks the file against.
    path.write_bytes(old)
    os.chdir(root)
    try:
        outcome = run.prepare(
            run.Request(
                root=".",
                paths=["svc/extensions"],
                target=str(path),
                group="svc.api.extensions",
                bases=[BASE],
            )
        )
    finally:
        os.chdir(cwd)
    assert outcome.edit.text.encode() == new
    spans = []
    for _ in range(5):
        path.write_bytes(old)
        spans.append(run_to_end(outcome, PAUSE))
    span = statistics.median(spans) * 1.1
    rng = random.Random(1)
    seen: Counter[str] = Counter()
    kills = rounds = 0
    while kills < KILLS_PER_TARGET:
        rounds += 1
        assert rounds < KILLS_PER_TARGET * 4, f"only {kills} kills landed in {rounds} rounds"
        path.write_bytes(old)
        pid = spawn(outcome, PAUSE)
        # Stepped over the run, jittered so that steps do not beat with the pauses.
        time.sleep(span * ((rounds % 37) + rng.random()) / 37)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            assert os.waitstatus_to_exitcode(status) == 0
            # Finished before the signal: no kill. The machine got faster than
            # when the run was timed, so the steps shrink with it.
            span *= 0.9
            continue
        kills += 1
        data = path.read_bytes()
        assert data in (old, new), f"kill {kills} left a mix: {data!r}"
        left = temps(root)
        assert len(left) <= 1
        if data == new:
            assert not left
            seen[REPLACED] += 1
        elif not left:
            seen[BEFORE_TEMP] += 1
        else:
            partial = left[0].read_bytes()
            assert new.startswith(partial)
            seen[TEMP_DONE if partial == new else MID_WRITE] += 1
        # The next run, unkilled, finishes the job and clears what was left.
        run_in_process(root, target)
        assert path.read_bytes() == new
        assert temps(root) == []
    return seen, kills


def test_killed_writes_leave_the_old_or_the_new_bytes(tmp_path: Path) -> None:
    start = time.perf_counter()
    total: Counter[str] = Counter()
    kills = 0
    for name, text in (("setup.cfg", SETUP_CFG), ("pyproject.toml", PYPROJECT)):
        root = tmp_path / name.replace(".", "_")
        root.mkdir()
        make_service(root)
        seen, landed = kill_rounds(root, name, text.encode())
        kills += landed
        # Both outcomes for each file kind, so the test cannot pass vacuously.
        assert seen[REPLACED] > 0, (name, seen)
        assert seen[BEFORE_TEMP] + seen[MID_WRITE] + seen[TEMP_DONE] > 0, (name, seen)
        total += seen
    assert kills >= 200
    # Every stage of the write was interrupted at least once.
    assert set(total) == {BEFORE_TEMP, MID_WRITE, TEMP_DONE, REPLACED}, total
    print(
        f"\n{kills} kills in {time.perf_counter() - start:.1f} s: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(total.items()))
    )
