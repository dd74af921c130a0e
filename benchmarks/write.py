"""Rewrite speed against a bare parse of the same file, measured in one run.

Goals:

* setup.cfg (issue 3): adding 700 entry points to python-openstackclient's
  setup.cfg from the shared corpus takes at most 2x a configparser read + write
  of the same file (which, unlike epmigrate, loses its comments);
* setup.py (issue 12): adding an entry point to a 1 MB setup.py (a big data
  literal, then the setup() call) takes at most 2x a bare
  ``libcst.parse_module`` of the same text.

Run: ``python benchmarks/write.py [CORPUS_DIR]`` (default: $EPMIGRATE_CORPUS,
else ../shared/corpus); exit 1 when the goal is missed.
"""

from __future__ import annotations

import configparser
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import libcst
from _report import Row, report

from epmigrate.fileio import read_text, write_text
from epmigrate.model import EntryPointSpec
from epmigrate.write import setupcfg, setuppy

FILE = "openstack__python-openstackclient__setup.cfg"
ENTRIES = 700
REPEAT = 41


def interleaved(*funcs: Callable[[], object]) -> list[float]:
    """The fastest of ``REPEAT`` wall-clock runs of each function, alternating.

    Wall-clock time, because the atomic write waits for fsync; alternating
    runs spread the machine's noise over both sides. Dirty pages are synced
    (untimed) before each run, so one side's fsync never flushes the other's
    writes.
    """
    best = [float("inf")] * len(funcs)
    for _ in range(REPEAT):
        for i, func in enumerate(funcs):
            os.sync()
            start = time.perf_counter()
            func()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> int:
    default = os.environ.get("EPMIGRATE_CORPUS") or str(
        Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    )
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    source = (corpus / FILE).read_bytes()
    specs = [
        EntryPointSpec("openstack.bench.v1", f"bench_{n:03d}", f"benchpkg.mod{n}:Cls{n}")
        for n in range(ENTRIES)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "setup.cfg")

        def reset() -> None:
            with open(path, "wb") as fh:
                fh.write(source)

        def configparser_round_trip() -> None:
            reset()
            parser = configparser.ConfigParser(interpolation=None)
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            with open(path, encoding="utf-8") as fh:
                parser.read_file(fh)
            out = io.StringIO()
            parser.write(out)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(out.getvalue())

        def epmigrate_write() -> None:
            reset()
            snap = read_text(path)
            result = setupcfg.add_entry_points(snap.text, "entry_points", specs, path=path)
            write_text(snap, result.text)

        epmigrate_write()
        added = setupcfg.parse(read_text(path).text).entry_points("entry_points")
        assert len(added["openstack.bench.v1"]) == ENTRIES
        t_base, t_ours = interleaved(configparser_round_trip, epmigrate_write)
    ratio = t_ours / t_base
    print(
        f"configparser read+write {t_base * 1000:.2f} ms; epmigrate add {ENTRIES} entries "
        f"{t_ours * 1000:.2f} ms"
    )
    rows = [Row(f"write {ENTRIES} entries / configparser read+write", ratio, 2.0)]
    text = big_setup_py(SETUP_PY_BYTES)
    t_parse, t_edit = setup_py_times(text)
    print(
        f"setup.py of {len(text):,} bytes: libcst.parse_module {t_parse:.2f} s; "
        f"epmigrate add 1 entry {t_edit:.2f} s"
    )
    rows.append(Row("setup.py 1 MB edit / libcst.parse_module", t_edit / t_parse, 2.0))
    return report(rows)


SETUP_PY_BYTES = 1_000_000
SETUP_PY_REPEAT = 3


def big_setup_py(size: int) -> str:
    """A setup.py of about ``size`` bytes: a big data literal, then setup()."""
    lines = ["from setuptools import find_packages, setup", "", "DATA = {"]
    total = 0
    n = 0
    while total < size:
        line = f"    'key_{n:06d}': ['value {n}', {n}, {n}.5, None, ('a', 'b')],"
        lines.append(line)
        total += len(line) + 1
        n += 1
    lines += ["}", "", "setup(", "    name='big',", "    packages=find_packages(),"]
    lines += ["    entry_points={'console_scripts': ['big = big.cli:main']},", ")", ""]
    return "\n".join(lines)


def setup_py_times(text: str) -> tuple[float, float]:
    """The fastest of a few alternating runs: bare libcst parse, epmigrate's edit."""
    spec = [EntryPointSpec("big.plugins", "extra", "big.extra:Extra")]
    edited = setuppy.add_entry_points(text, spec, path="setup.py")
    assert "'extra = big.extra:Extra'" in edited.text
    best = [float("inf"), float("inf")]
    for _ in range(SETUP_PY_REPEAT):
        start = time.perf_counter()
        libcst.parse_module(text)
        best[0] = min(best[0], time.perf_counter() - start)
        start = time.perf_counter()
        setuppy.add_entry_points(text, spec, path="setup.py")
        best[1] = min(best[1], time.perf_counter() - start)
    return best[0], best[1]


if __name__ == "__main__":
    sys.exit(main())
