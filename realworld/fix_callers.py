"""``epmigrate fix-callers`` on released packages, checked by their own test suites.

For each package of ``realworld/fix_callers.toml`` (the latest release of a
package that still reads entry points through pkg_resources and ships its
tests in its sdist):

1. the sdist is downloaded (cached, :func:`metadata.fetch_sdist`) and unpacked
   twice: ``pristine`` and ``fixed``;
2. before: a virtualenv with setuptools older than 82 (which still has
   pkg_resources), the package installed from ``pristine`` with its test
   dependencies, and the listed tests run from ``pristine``: they must pass;
3. ``epmigrate fix-callers --format json`` rewrites ``fixed`` (the package and
   its tests);
4. after: a virtualenv with setuptools 82 or later (no pkg_resources; the run
   checks that ``import pkg_resources`` fails there), the package installed
   from ``fixed``, and the same tests run from ``fixed``: they must pass, the
   same number of them;
5. start-up: ``python -c "import MODULE"`` as whole processes, before (first
   virtualenv) against after (second), alternated, medians of RUNS pairs: the
   ratio must be at most 1.1.

The package passes when all three hold. Results go to
``realworld/fix_callers/results.json`` and a table on stdout; exit 1 when any
package fails.

    python realworld/fix_callers.py [NAME ...] [--runs N]

With NAMEs, their rows of results.json are replaced and the rest kept.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import metadata as md  # noqa: E402

PACKAGES = HERE / "fix_callers.toml"
RESULTS = HERE / "fix_callers" / "results.json"
EPMIGRATE = str(Path(sys.executable).with_name("epmigrate"))
OLD_SETUPTOOLS = "setuptools<82"
NEW_SETUPTOOLS = "setuptools>=82"
GOAL = 1.10


def run(
    cmd: list[str], cwd: Path | None = None, timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def make_venv(where: Path, setuptools: str, deps: list[str], project: Path) -> Path:
    """A virtualenv with ``setuptools``, ``deps`` and ``project``; its python."""
    run([sys.executable, "-m", "venv", str(where)]).check_returncode()
    python = where / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = run([*pip, setuptools, "wheel", *deps])
    if done.returncode:
        raise RuntimeError(f"pip install {setuptools} {deps}: {done.stderr[-1500:]}")
    # The project's own build in pip's isolated environment; when that fails
    # (a setup.py that imports pkg_resources itself), with this environment's.
    done = run([*pip, str(project)])
    if done.returncode and setuptools == OLD_SETUPTOOLS:
        done = run([*pip, "--no-build-isolation", str(project)])
    if done.returncode:
        raise RuntimeError(f"pip install {project.name}: {done.stderr[-1500:]}")
    return python


def pytest(python: Path, project: Path, args: str) -> dict[str, Any]:
    """Run the tests; their counts from pytest's JUnit XML report."""
    report = project.parent / f"junit-{project.name}-{time.monotonic_ns()}.xml"
    started = time.monotonic()
    done = run(
        [
            str(python),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *args.split(),
        ],
        cwd=project,
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if report.exists():
        root = ET.parse(report).getroot()
        for suite in [root] if root.tag == "testsuite" else list(root):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return {
        "exit": done.returncode,
        "counts": counts,
        "seconds": round(time.monotonic() - started, 1),
        "tail": done.stdout[-1200:] + done.stderr[-600:],
    }


def import_time(before: Path, after: Path, module: str, runs: int) -> dict[str, float]:
    mine: list[float] = []
    base: list[float] = []
    for i in range(runs):
        order = [(after, mine), (before, base)]
        for python, into in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            done = run([str(python), "-c", f"import {module}"])
            into.append(time.perf_counter() - start)
            if done.returncode:
                raise RuntimeError(f"import {module}: {done.stderr[-800:]}")
    return {
        "before": round(statistics.median(base), 4),
        "after": round(statistics.median(mine), 4),
        "ratio": round(statistics.median(mine) / statistics.median(base), 3),
    }


def one(spec: dict[str, Any], work: Path, runs: int) -> dict[str, Any]:
    name, version = spec["name"], spec["version"]
    row: dict[str, Any] = {"name": name, "version": version}
    sdist = md.fetch_sdist(name, version)
    pristine = md.unpack(sdist, work / "pristine")
    fixed = md.unpack(sdist, work / "fixed")
    deps = list(spec.get("test_deps", ["pytest"]))
    python_before = make_venv(work / "venv-before", OLD_SETUPTOOLS, deps, pristine)
    row["before"] = pytest(python_before, pristine, spec["tests"])
    done = run([EPMIGRATE, "fix-callers", "--format", "json", str(fixed)])
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError:
        row.update(status="tool-crashed", error=done.stderr[-2000:])
        return row
    row["fix_callers"] = {
        "exit": done.returncode,
        "status": doc["status"],
        "files": sum(f["changed"] for f in doc.get("files", [])),
        "rewrites": sum(len(f["rewrites"]) for f in doc.get("files", [])),
        "findings": [
            f"{Path(f['path']).relative_to(fixed)}:{x['line']}: {x['message']}"
            for f in doc.get("files", [])
            for x in f["findings"]
        ],
    }
    python_after = make_venv(work / "venv-after", NEW_SETUPTOOLS, deps, fixed)
    gone = run([str(python_after), "-c", "import pkg_resources"]).returncode != 0
    row["no_pkg_resources_after"] = gone
    row["after"] = pytest(python_after, fixed, spec["tests"])
    try:
        row["import"] = import_time(python_before, python_after, spec["import"], runs)
    except RuntimeError as exc:
        row["import"] = {"ratio": None, "error": str(exc)[-1500:]}
    before, after = row["before"], row["after"]
    same = (
        before["exit"] == 0
        and after["exit"] == 0
        and before["counts"]["passed"] > 0
        and before["counts"] == after["counts"]
    )
    ratio = row["import"]["ratio"]
    row["status"] = "ok" if same and gone and ratio is not None and ratio <= GOAL else "failed"
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with open(PACKAGES, "rb") as fh:
        specs = tomllib.load(fh)["package"]
    if args.names:
        specs = [s for s in specs if s["name"] in args.names]
    rows = []
    for spec in specs:
        with tempfile.TemporaryDirectory(prefix="epmigrate-rw-fc-") as tmp:
            try:
                row = one(spec, Path(tmp), args.runs)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                row = {
                    "name": spec["name"],
                    "version": spec["version"],
                    "status": "error",
                    "error": str(exc)[-2000:],
                }
        rows.append(row)
        print(_line(row), flush=True)
        if row["status"] != "ok":
            for finding in row.get("fix_callers", {}).get("findings", []):
                print(f"    left as it was: {finding[:200]}", flush=True)
            if "after" in row and row["after"]["exit"]:
                print(
                    "    after: " + row["after"]["tail"][-600:].replace("\n", "\n    "), flush=True
                )
    RESULTS.parent.mkdir(exist_ok=True)
    if args.names and RESULTS.exists():
        # Packages named on the command line replace their rows, in the list's order.
        order = [s["name"] for s in tomllib.loads(PACKAGES.read_text(encoding="utf-8"))["package"]]
        kept = {r["name"]: r for r in json.loads(RESULTS.read_text(encoding="utf-8"))}
        kept.update({r["name"]: r for r in rows})
        rows = [kept[n] for n in order if n in kept]
    RESULTS.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    head = f"{'package':28} {'before':>14} {'after':>14} {'rewrites':>8} {'left':>4}"
    print(f"\n{head} {'import':>7}  status")
    for row in rows:
        print(_line(row))
    ok = sum(r["status"] == "ok" for r in rows)
    print(
        f"\n{ok} of {len(rows)} packages: the same tests pass after fix-callers without "
        f"pkg_resources, imports at most {GOAL}x"
    )
    return 0 if ok == len(rows) else 1


def _line(row: dict[str, Any]) -> str:
    if "after" not in row:
        label = f"{row['name']}=={row['version']}"
        return f"{label:28} {row['status']}: {row.get('error', '')[:300]}"

    def tests(side: dict[str, Any]) -> str:
        c = side["counts"]
        return f"{c['passed']}p/{c['failures'] + c['errors']}f"

    fc = row["fix_callers"]
    label = f"{row['name']}=={row['version']}"
    ratio = row["import"]["ratio"]
    shown = f"{ratio:>6.2f}x" if ratio is not None else "  fails"
    return (
        f"{label:28} {tests(row['before']):>14} {tests(row['after']):>14} "
        f"{fc['rewrites']:>8} {len(fc['findings']):>4} {shown}  {row['status']}"
    )


if __name__ == "__main__":
    sys.exit(main())
