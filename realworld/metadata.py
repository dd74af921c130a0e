"""``epmigrate write --metadata`` on released sdists, checked by the wheels pip builds.

For each project of ``realworld/metadata.toml`` (released sdists from the
package index, spread over setuptools with setup.cfg, setup.py and
``[project]``, pbr, poetry-core, hatchling, flit-core and pdm-backend):

1. the sdist is downloaded (cached under ``$XDG_CACHE_HOME/epmigrate-realworld/
   sdists``) and unpacked twice: ``pristine`` and ``project``;
2. one new entry point is planned: a legacy extension directory outside the
   project (``probe/epm_probe/extensions/probe.py``, a neutron-style
   extension) is scanned, in group ``epmigrate.realworld``;
3. the oracle, before: ``pip wheel --no-deps`` builds the pristine sdist with
   its own backend in pip's own isolated environment, and the wheel's
   ``entry_points.txt`` is read;
4. ``epmigrate write --metadata --format json`` writes into ``project`` (the
   tool's own check: its exit status and ``metadata``);
5. the oracle, after: ``pip wheel`` of the written project. The project
   passes when the wheel after holds exactly the wheel before plus the plan,
   and ``write --metadata`` agreed (exit 0, ``metadata.ok``, its ``before``
   equal to the wheel before);
6. time: the whole ``write --metadata`` process against the whole process of
   ``build.util.project_wheel_metadata`` on the pristine copy (the hook's own
   time in the same isolated set-up), run one after the other.

A project whose wheel does not build here (before any change) is listed with
pip's last lines and counted apart. The results go to
``realworld/metadata/results.json`` and a table on stdout; exit 1 when any
project that builds fails (a located refusal that leaves the build as it was
is counted apart, as ``refused``).

    python realworld/metadata.py [NAME ...] [--jobs N] [--kinds KIND,...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECTS_FILE = HERE / "metadata.toml"
RESULTS = HERE / "metadata" / "results.json"
GROUP = "epmigrate.realworld"
PLANNED = {"group": GROUP, "name": "probe", "value": "epm_probe.extensions.probe:Probe"}
EPMIGRATE = str(Path(sys.executable).with_name("epmigrate"))


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "epmigrate-realworld" / "sdists"


def load_projects(path: Path, names: list[str], kinds: list[str]) -> list[dict[str, Any]]:
    with open(path, "rb") as fh:
        projects: list[dict[str, Any]] = tomllib.load(fh)["project"]
    if names:
        projects = [p for p in projects if p["name"] in names]
    if kinds:
        projects = [p for p in projects if p["kind"] in kinds]
    return projects


def fetch_sdist(name: str, version: str) -> Path:
    """The sdist of ``name==version`` from the index (cached)."""
    dest = cache_dir() / f"{name}-{version}"
    found = sorted(dest.glob("*.tar.gz")) + sorted(dest.glob("*.zip"))
    if found:
        return found[0]
    import re
    import urllib.request

    request = urllib.request.Request(
        f"https://pypi.org/simple/{re.sub(r'[-_.]+', '-', name).lower()}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        files = json.load(r)["files"]
    # An sdist's name is the project's (normalised or as uploaded), a dash, the version.
    stem = re.compile(
        rf"(?i){re.sub(r'[-_.]+', '[-_.]', name)}-{re.escape(version)}\.(tar\.gz|zip)"
    )
    sdists = [f for f in files if stem.fullmatch(f["filename"])]
    if not sdists:
        raise RuntimeError(f"no sdist of {name}=={version} on the index")
    dest.mkdir(parents=True, exist_ok=True)
    part = dest / (sdists[0]["filename"] + ".part")
    with urllib.request.urlopen(sdists[0]["url"], timeout=300) as r, open(part, "wb") as fh:
        shutil.copyfileobj(r, fh)
    part.rename(dest / sdists[0]["filename"])
    found = sorted(dest.glob("*.tar.gz")) + sorted(dest.glob("*.zip"))
    if not found:
        raise RuntimeError(f"no sdist of {name}=={version} on the index")
    return found[0]


def unpack(sdist: Path, dest: Path) -> Path:
    """Unpack ``sdist`` into ``dest``; the project directory."""
    dest.mkdir(parents=True)
    if sdist.suffix == ".zip":
        with zipfile.ZipFile(sdist) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(sdist) as tf:
            tf.extractall(dest, filter="data")
    [top] = [p for p in dest.iterdir() if p.is_dir()]
    return top


def make_probe(root: Path) -> Path:
    """The legacy extension directory whose one extension is the planned entry point."""
    pkg = root / "epm_probe"
    (pkg / "api").mkdir(parents=True)
    (pkg / "extensions").mkdir()
    for d in (pkg, pkg / "api", pkg / "extensions"):
        (d / "__init__.py").write_text("")
    (pkg / "api" / "extensions.py").write_text("class ExtensionDescriptor:\n    pass\n")
    (pkg / "extensions" / "probe.py").write_text(
        "from epm_probe.api import extensions\n\n\n"
        "class Probe(extensions.ExtensionDescriptor):\n"
        "    def get_alias(self):\n        return 'probe'\n"
    )
    return pkg / "extensions"


def wheel_entry_points(project: Path, out: Path) -> tuple[list[list[str]] | None, str]:
    """The entry points of the wheel pip builds from ``project`` (None and why when it fails)."""
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(project)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    wheels = sorted(out.glob("*.whl"))
    if proc.returncode or not wheels:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        return None, " | ".join(tail)
    with zipfile.ZipFile(wheels[0]) as zf:
        names = [
            n
            for n in zf.namelist()
            if n.count("/") == 1 and n.endswith(".dist-info/entry_points.txt")
        ]
        text = zf.read(names[0]).decode() if names else ""
    from importlib.metadata import EntryPoints

    eps = EntryPoints._from_text(text)  # the stdlib's own reading of entry_points.txt
    return [[ep.group, ep.name, ep.value] for ep in eps], ""


def timed(cmd: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1200)
    return proc, time.perf_counter() - start


def hook_alone(project: Path) -> float:
    """Seconds of one whole process running the backend's metadata hook through build."""
    code = "import sys, build.util; build.util.project_wheel_metadata(sys.argv[1], isolated=True)"
    proc, seconds = timed([sys.executable, "-c", code, str(project)], project)
    return seconds if proc.returncode == 0 else float("nan")


def run_one(spec: dict[str, Any], work: Path) -> dict[str, Any]:
    name, version = spec["name"], spec["version"]
    row: dict[str, Any] = {"name": name, "version": version, "kind": spec["kind"]}
    try:
        sdist = fetch_sdist(name, version)
    except (OSError, RuntimeError, KeyError) as exc:
        row.update(status="no-sdist", why=str(exc)[-300:])
        return row
    base = work / f"{name}-{version}"
    pristine = unpack(sdist, base / "pristine")
    project = unpack(sdist, base / "project")
    probe_dir = make_probe(base / "probe")
    before, why = wheel_entry_points(pristine, base / "wheel-before")
    if before is None:
        row.update(status="does-not-build", why=why)
        return row
    baseline = hook_alone(pristine) if TIMING else float("nan")
    cmd = [
        EPMIGRATE,
        "write",
        "--metadata",
        "--format",
        "json",
        "--no-cache",
        "--path",
        str(probe_dir),
        "--base",
        "epm_probe.api.extensions.ExtensionDescriptor",
        "--group",
        GROUP,
    ]
    proc, seconds = timed(cmd, project)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        row.update(status="tool-crashed", why=(proc.stderr or "")[-500:])
        return row
    after, why = wheel_entry_points(project, base / "wheel-after")
    planned = [PLANNED["group"], PLANNED["name"], PLANNED["value"]]
    meta = doc.get("metadata") or {}
    target = doc.get("target") or {}
    row.update(
        target=f"{target.get('path')} [{target.get('section')}]"
        if target.get("section")
        else target.get("path"),
        exit_code=proc.returncode,
        error=(doc.get("error") or {}).get("message"),
        packaging=[f["code"] for f in doc.get("packaging", [])],
        wheel_before=len(before),
        wheel_after=None if after is None else len(after),
        tool_ok=meta.get("ok"),
        tool_before_matches=sorted(map(tuple, before))
        == sorted((e["group"], e["name"], e["value"]) for e in meta.get("before", [])),
        seconds=round(seconds, 2),
        hook_seconds=round(baseline, 2) if baseline == baseline else None,
        ratio=round(seconds / baseline, 3) if baseline == baseline and baseline else None,
    )
    expected = sorted(map(tuple, [*before, planned]))
    row["wheel_ok"] = after is not None and sorted(map(tuple, after)) == expected
    ok = row["wheel_ok"] and proc.returncode == 0 and meta.get("ok") and row["tool_before_matches"]
    unchanged = after is not None and sorted(map(tuple, after)) == sorted(map(tuple, before))
    if ok:
        row["status"] = "ok"
    elif proc.returncode == 1 and not doc.get("written") and row["error"] and unchanged:
        # write stopped with a located error and left the build as it was.
        row["status"] = "refused"
    else:
        row["status"] = "failed"
    if after is None:
        row["why"] = why
    shutil.rmtree(base, ignore_errors=True)
    return row


RARE = {"file-directive", "dynamic-entry-points", "console-scripts-in-entry-points"}
TIMING = True


def per_kind(projects: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """At most ``n`` of each kind, the rare traits and the ones that do not build first."""
    out = []
    for kind in dict.fromkeys(p["kind"] for p in projects):
        mine = [p for p in projects if p["kind"] == kind]
        first = [p for p in mine if RARE & set(p.get("traits", ())) or not p.get("builds", True)]
        out += (first + [p for p in mine if p not in first])[:n]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--kinds", default="")
    parser.add_argument("--projects", type=Path, default=PROJECTS_FILE)
    parser.add_argument(
        "--per-kind",
        type=int,
        default=0,
        help="at most N projects of each kind: those with a rare trait or that do not "
        "build first, then in file order (default: all)",
    )
    parser.add_argument(
        "--no-timing", action="store_true", help="skip the hook-alone baseline (with --jobs > 1)"
    )
    args = parser.parse_args()
    projects = load_projects(args.projects, args.names, [k for k in args.kinds.split(",") if k])
    if args.per_kind:
        projects = per_kind(projects, args.per_kind)
    global TIMING
    TIMING = not args.no_timing
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="epmigrate-rw-metadata-") as tmp,
        ThreadPoolExecutor(args.jobs) as pool,
    ):
        for row in pool.map(lambda p: run_one(p, Path(tmp)), projects):
            rows.append(row)
            print(
                f"{row['status']:15} {row['kind']:21} {row['name']}=={row['version']} "
                f"{row.get('target') or ''} {row.get('ratio') or ''} "
                f"{row.get('why') or row.get('error') or ''}"[:300],
                flush=True,
            )
    RESULTS.parent.mkdir(exist_ok=True)
    if not args.names and not args.kinds and args.projects == PROJECTS_FILE:
        RESULTS.write_text(json.dumps(rows, indent=1) + "\n")
        print(f"results: {RESULTS.relative_to(HERE.parent)}")
    table(rows)
    sys.exit(1 if any(r["status"] in ("failed", "tool-crashed") for r in rows) else 0)


def table(rows: list[dict[str, Any]]) -> None:
    kinds = sorted({r["kind"] for r in rows})
    print(
        f"\n{'kind':22} {'projects':>8} {'build':>6} {'ok':>4} {'refused':>7} {'failed':>6} "
        f"{'ratio median':>13}"
    )
    for kind in [*kinds, "all"]:
        sel = [r for r in rows if kind in ("all", r["kind"])]
        built = [r for r in sel if r["status"] in ("ok", "refused", "failed", "tool-crashed")]
        ratios = sorted(r["ratio"] for r in built if r.get("ratio"))
        median = f"{ratios[len(ratios) // 2]:.2f}x" if ratios else "-"
        print(
            f"{kind:22} {len(sel):8} {len(built):6} {sum(r['status'] == 'ok' for r in sel):4} "
            f"{sum(r['status'] == 'refused' for r in sel):7} "
            f"{sum(r['status'] in ('failed', 'tool-crashed') for r in sel):6} {median:>13}"
        )
    print("statuses:", dict(Counter(r["status"] for r in rows)))


if __name__ == "__main__":
    main()
