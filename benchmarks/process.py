"""Whole processes as a user starts them, against baselines measured in the same run.

Goals (issue 13), each a ratio of median CPU times (user + system) of fresh
processes, run alternately with their baseline:

* a cold scan of a real extensions tree (Neutron 23.0.0's
  ``neutron/extensions`` with neutron-lib 3.8.0 on the search path) at most
  0.5x a bare ``libcst.parse_module`` of the scanned files;
* a cached scan of it at most 0.25x the cold scan;
* a cached scan at most 3x the floor: a process that starts, lists the
  directory, stats every file the scan reads and reads the stored scan;
* a write of 700 entries into python-openstackclient's setup.cfg (from the
  shared corpus) at most 3x a configparser read and write of the same file.

The tree comes from the package index (``pip download``, kept under
``$EPMIGRATE_BENCH_DIR`` or ``~/.cache/epmigrate-bench``). Without the index
a generated tree of the same shape is used, and the output says so. Bytecode
is compiled first and written, as an installed package has it.

Run: ``python benchmarks/process.py [--runs N]`` (exit 1 when a goal is missed).
"""

from __future__ import annotations

import argparse
import marshal
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import bytecode_env, child_cpu, epmigrate_script
from _report import Row, report
from _trees import make_tree

REPO = Path(__file__).resolve().parents[1]
WHEELS = ("neutron==23.0.0", "neutron-lib==3.8.0")
CORPUS_FILE = "openstack__python-openstackclient__setup.cfg"
ENTRIES = 700

PARSE = """
import sys, libcst
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        libcst.parse_module(fh.read())
"""

FLOOR = """
import marshal, os, sys
entry, directory = sys.argv[1], sys.argv[2]
with open(entry, "rb") as fh:
    header, _, payload = fh.read().partition(b"\\n")
stored = marshal.loads(payload)
for name in os.listdir(directory):
    os.stat(os.path.join(directory, name))
for path in stored["consulted"]:
    os.stat(path)
"""

WRITE = """
import sys
from epmigrate.fileio import read_text, write_text
from epmigrate.model import EntryPointSpec
from epmigrate.write import setupcfg
path = sys.argv[1]
specs = [
    EntryPointSpec("openstack.bench.v1", f"bench_{n:03d}", f"benchpkg.mod{n}:Cls{n}")
    for n in range(int(sys.argv[2]))
]
snap = read_text(path)
write_text(snap, setupcfg.add_entry_points(snap.text, "entry_points", specs, path=path).text)
"""

CONFIGPARSER = """
import configparser, io, sys
parser = configparser.ConfigParser(interpolation=None)
parser.optionxform = str
with open(sys.argv[1], encoding="utf-8") as fh:
    parser.read_file(fh)
out = io.StringIO()
parser.write(out)
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    fh.write(out.getvalue())
"""


def medians(
    commands: dict[str, list[str]],
    runs: int,
    env: dict[str, str],
    prepare: dict[str, Callable[[], object]],
) -> dict[str, float]:
    """Median CPU time of each command, the commands run alternately ``runs`` times.

    ``prepare`` maps a command's name to a callable run (untimed) before each
    of its runs.
    """
    for name, argv in commands.items():  # warm-up: page cache, bytecode
        if name in prepare:
            prepare[name]()
        child_cpu(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            if name in prepare:
                prepare[name]()
            times[name].append(child_cpu(argv, env))
    return {name: statistics.median(spent) for name, spent in times.items()}


def stored_scan(entry: Path) -> bool:
    """Whether a cache entry is a stored scan (it lists what the scan consulted)."""
    payload = entry.read_bytes().partition(b"\n")[2]
    data = marshal.loads(payload)
    return isinstance(data, dict) and "consulted" in data


def real_tree(home: Path) -> tuple[Path, Path] | None:
    """Neutron's extensions directory and the site it lives in, from the package index."""
    site = home / "neutron-23.0.0-site"
    directory = site / "neutron" / "extensions"
    if directory.is_dir():
        return directory, site
    wheels = home / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels), *WHEELS],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"pip download failed ({done.stderr.strip().splitlines()[-1:]})")
        return None
    partial = home / "site.partial"
    shutil.rmtree(partial, ignore_errors=True)
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(partial)
    partial.rename(site)
    return directory, site


def main() -> int:
    """Measure, print, and return 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured rounds (%(default)s)")
    options = parser.parse_args()
    script = epmigrate_script()
    env = bytecode_env()
    home = Path(os.environ.get("EPMIGRATE_BENCH_DIR") or Path.home() / ".cache" / "epmigrate-bench")
    home.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        found = real_tree(home)
        if found is None:
            print("the package index cannot be reached: a generated tree of 160 files is used")
            directory = make_tree(Path(tmp) / "tree", 160)
            site = Path(tmp) / "tree" / "lib"
        else:
            directory, site = found
        files = sorted(str(p) for p in directory.glob("*.py"))
        cache_home = Path(tmp) / "xdg"
        scan_env = {**env, "XDG_CACHE_HOME": str(cache_home)}
        scan = [str(script), "scan", str(directory), "--search-path", str(site), "--format", "json"]
        subprocess.run(scan, check=True, stdout=subprocess.DEVNULL, env=scan_env)
        # The stored scan (the other entry is the stored output it replays).
        (entry,) = [p for p in (cache_home / "epmigrate").rglob("*.entry") if stored_scan(p)]
        times = medians(
            {
                "bare libcst parse": [sys.executable, "-c", PARSE, *files],
                "cold scan": [*scan, "--no-cache"],
                "cached scan": scan,
                "floor": [sys.executable, "-c", FLOOR, str(entry), str(directory)],
            },
            options.runs,
            scan_env,
            {},
        )
        print(f"{options.runs} rounds of fresh processes on {directory} ({len(files)} files):")
        for name, spent in times.items():
            print(f"  {name:<18} {spent * 1000:7.1f} ms CPU")
        rows += [
            Row(
                "cold scan / bare libcst parse, whole process",
                times["cold scan"] / times["bare libcst parse"],
                0.5,
            ),
            Row(
                "cached scan / cold scan, whole process",
                times["cached scan"] / times["cold scan"],
                0.25,
            ),
            Row("cached scan / floor process", times["cached scan"] / times["floor"], 3.0),
        ]
        rows += write_rows(Path(tmp), env, options.runs)
    return report(rows)


def write_rows(tmp: Path, env: dict[str, str], runs: int) -> list[Row]:
    """The write figure, or none (said so) when the shared corpus is not there."""
    corpus = Path(os.environ.get("EPMIGRATE_CORPUS") or REPO.parent / "shared" / "corpus")
    source_file = corpus / CORPUS_FILE
    if not source_file.is_file():
        print(f"{source_file} is missing: the write figure is not measured")
        return [Row("write 700 entries / configparser, fresh processes (no corpus)", 99.0, 3.0)]
    source = source_file.read_bytes()
    ours, theirs = tmp / "ours" / "setup.cfg", tmp / "theirs" / "setup.cfg"
    for path in (ours, theirs):
        path.parent.mkdir()

    def reset(path: Path) -> Callable[[], object]:
        return lambda: path.write_bytes(source)

    times = medians(
        {
            "configparser": [sys.executable, "-c", CONFIGPARSER, str(theirs)],
            "epmigrate write": [sys.executable, "-c", WRITE, str(ours), str(ENTRIES)],
        },
        runs,
        env,
        {"configparser": reset(theirs), "epmigrate write": reset(ours)},
    )
    print(
        f"fresh processes: configparser read+write {times['configparser'] * 1000:.1f} ms, "
        f"epmigrate write of {ENTRIES} entries {times['epmigrate write'] * 1000:.1f} ms CPU"
    )
    written = ours.read_text(encoding="utf-8").count("benchpkg.mod")
    assert written == ENTRIES, f"the write added {written} entries, not {ENTRIES}"
    ratio = times["epmigrate write"] / times["configparser"]
    return [Row(f"write {ENTRIES} entries / configparser, fresh processes", ratio, 3.0)]


if __name__ == "__main__":
    sys.exit(main())
