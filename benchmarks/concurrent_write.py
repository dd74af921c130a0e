"""Two writers on one setup.cfg at the same time: no lost update, no false error.

Each round starts from the same setup.cfg and runs two writers at once, each
adding the entry points of its own extension directory under its own group:

* ``library``: two forked processes call :func:`epmigrate.write.run.prepare`,
  wait for each other (so both have read the old bytes), then
  :func:`epmigrate.write.run.commit`;
* ``cli``: two forked processes run the whole ``epmigrate write`` command
  (``cli.main``), released together;
* ``exec`` (``--exec N``): two fresh ``python -m epmigrate write`` processes,
  for N rounds.

A round counts a *lost update* when the file does not end with both groups
(every entry of each), an *error* when a writer does not exit 0 (each error
message is printed once), and *temporary files* left beside the file. Goal: 0
of each, in every mode.

Run: ``python benchmarks/concurrent_write.py [--rounds N] [--exec N]``
(default: 2,000 rounds of library and cli, 100 of exec); exit 1 when a round
loses an update, errs or leaves a temporary file.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Row, report

from epmigrate.cli import cli
from epmigrate.fileio import TEMP_SUFFIX
from epmigrate.write import run

BASE = "svc.api.ExtensionDescriptor"
SETUP_CFG = "[metadata]\nname = svc\n\n[options]\npackages = find:\n"
WRITERS = {
    "a": ("svc.a", ("alpha", "beta", "gamma")),
    "b": ("svc.b", ("delta", "epsilon")),
}


def make_project(root: Path) -> None:
    """A service with two legacy extension packages, one per writer."""
    pkg = root / "svc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "api.py").write_text("class ExtensionDescriptor:\n    pass\n")
    for key, (_, stems) in WRITERS.items():
        ext = pkg / f"ext_{key}"
        ext.mkdir()
        (ext / "__init__.py").write_text("")
        for stem in stems:
            (ext / f"{stem}.py").write_text(
                f"from svc import api\n\nclass {stem.capitalize()}(api.ExtensionDescriptor):\n"
                f"    def get_alias(self):\n        return 'os-{stem}'\n"
            )


def args(key: str) -> list[str]:
    group, _ = WRITERS[key]
    return ["--path", f"svc/ext_{key}", "--base", BASE, "--group", group, "--no-cache"]


def lost(text: str) -> bool:
    """Whether a writer's entries are missing from the final text."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    if not parser.has_section("options.entry_points"):
        return True
    section = parser["options.entry_points"]
    for group, stems in WRITERS.values():
        names = {line.split("=")[0].strip() for line in section.get(group, "").split("\n") if line}
        if names != set(stems):
            return True
    return False


def fork(body: Callable[[], int], release: int) -> tuple[int, int]:
    """A child that waits for one byte on ``release``, runs ``body`` and reports."""
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 70
        try:
            os.close(out_r)
            os.read(release, 1)
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = body()
            if code:
                os.write(out_w, err.getvalue().encode(errors="replace"))
        except BaseException as exc:
            os.write(out_w, f"{type(exc).__name__}: {exc}".encode(errors="replace"))
            code = 71
        finally:
            os._exit(code)
    os.close(out_w)
    return pid, out_r


def library_writer(root: Path, key: str, barrier: tuple[int, int]) -> Callable[[], int]:
    def body() -> int:
        group, _ = WRITERS[key]
        request = run.Request(
            root=str(root),
            paths=[str(root / "svc" / f"ext_{key}")],
            bases=[BASE],
            group=group,
        )
        outcome = run.prepare(request)
        # Both writers have read the old bytes before either writes.
        os.write(barrier[1], b"x")
        os.read(barrier[0], 1)
        run.commit(outcome)
        return 0

    return body


def cli_writer(root: Path, key: str) -> Callable[[], int]:
    def body() -> int:
        os.chdir(root)
        try:
            cli.main(["write", *args(key)], prog_name="epmigrate", standalone_mode=False)
        except SystemExit as exc:
            return int(exc.code or 0)
        except Exception as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0

    return body


def forked_round(root: Path, mode: str) -> list[tuple[int, str]]:
    release_r, release_w = os.pipe()
    # The library writers meet after prepare: each writes one byte, reads one.
    meet = os.pipe()
    children = []
    for key in WRITERS:
        body = library_writer(root, key, meet) if mode == "library" else cli_writer(root, key)
        children.append(fork(body, release_r))
    os.write(release_w, b"xx")
    results = []
    for pid, out in children:
        _, status = os.waitpid(pid, 0)
        with os.fdopen(out, "rb") as fh:
            message = fh.read().decode(errors="replace")
        results.append((os.waitstatus_to_exitcode(status), message))
    for fd in (release_r, release_w, *meet):
        os.close(fd)
    return results


def exec_round(root: Path) -> list[tuple[int, str]]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "epmigrate", "write", *args(key)],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for key in WRITERS
    ]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        results.append((proc.returncode, err if proc.returncode else ""))
    return results


def rounds(mode: str, count: int) -> Counter[str]:
    tally: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_project(root)
        cfg = root / "setup.cfg"
        for _ in range(count):
            cfg.write_text(SETUP_CFG)
            results = exec_round(root) if mode == "exec" else forked_round(root, mode)
            tally["rounds"] += 1
            for code, message in results:
                if code:
                    tally["errors"] += 1
                    messages[message.strip().splitlines()[0] if message.strip() else "?"] += 1
            if lost(cfg.read_text()):
                tally["lost updates"] += 1
            left = [p for p in root.iterdir() if p.name.endswith(TEMP_SUFFIX)]
            tally["temporary files left"] += len(left)
            for p in left:
                p.unlink()
    for message, n in messages.most_common():
        print(f"  {mode}: {n} x {message}")
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="rounds of library and cli")
    parser.add_argument("--exec", type=int, default=100, help="rounds of fresh processes")
    options = parser.parse_args()
    rows = []
    for mode, count in (
        ("library", options.rounds),
        ("cli", options.rounds),
        ("exec", options.exec),
    ):
        if not count:
            continue
        start = time.monotonic()
        tally = rounds(mode, count)
        print(
            f"{mode}: {tally['rounds']} rounds of 2 writers in {time.monotonic() - start:.0f} s: "
            f"{tally['lost updates']} lost updates, {tally['errors']} errors, "
            f"{tally['temporary files left']} temporary files left"
        )
        for what in ("lost updates", "errors", "temporary files left"):
            rows.append(Row(f"{mode}: {what} in {count} rounds", tally[what], 0, "rounds"))
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
