"""`epmigrate adopt` on released services, checked by the services themselves.

For each tree of ``adopt.toml`` (released Neutron and Cinder, each in its own
virtualenv built from the package index, pinned by ``adopt/<tree>.json``):

(a) the service's own tests of extension loading run on the released code,
    then ``epmigrate adopt`` changes the installed loader module and they run
    again: the same tests must pass;
(b) the service's own manager, built on its real tree (``probe_adopt.py``)
    with nothing migrated, loads the same extensions and aliases, patched
    and unpatched;
(c) a plugin migrated with ``epmigrate write`` (Neutron: a released
    networking-* sdist, written on its own setup.cfg; Cinder: contrib files
    moved into a package of their own with ``write --new-package``), built by
    its own backend and installed, NOT on the legacy path, is loaded by the
    service's own manager with its alias;
(d) with ``EPMIGRATE_LEGACY=off`` only the entry points load;
(e) an extension both on the legacy path and in entry points is loaded once,
    from the entry point, with no duplicate logged;
(f) start-up: whole processes building the manager, patched against
    unpatched, alternated; the median ratio must be at most 1.05.

The installed loader is restored (and the moved files put back) after each
tree, so the virtualenv stays the released one. Results go to
``adopt/<tree>.json`` (with the virtualenv's ``environment``) and the summary
to stdout; the exit status is 1 when any check fails.

Usage: ``python realworld/adopt.py [TREE...] [--skip-tests]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from _realworld import Venv, ensure_venv, freeze  # noqa: E402

TREES_FILE = HERE / "adopt.toml"
RECORDS = HERE / "adopt"
PROBE = HERE / "probe_adopt.py"
RUNNER = HERE / "run_tests.py"
EPMIGRATE = Path(sys.executable).parent / "epmigrate"
START_RATIO_GOAL = 1.05
START_ROUNDS = 21


@dataclass(frozen=True)
class Tree:
    """One released service (``adopt.toml``)."""

    name: str
    description: str
    service: str
    requirements: tuple[str, ...]
    tests: tuple[str, ...]
    sdist_data: tuple[str, ...] = ()
    plugin: str | None = None
    plugin_directory: str | None = None
    moved: tuple[str, ...] = ()
    python: str = "python3.11"

    @property
    def oracle_file(self) -> Path:
        """``adopt/<tree>.json``: the pins (``environment``) and the last results."""
        return RECORDS / f"{self.name}.json"

    def venv_dir(self) -> Path:
        """This tree's virtualenv, beside those of the scan oracle's trees."""
        import hashlib

        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        key = hashlib.sha256("\n".join((self.python, *self.requirements)).encode()).hexdigest()
        return base / "epmigrate-realworld" / f"adopt-{self.name}-{key[:12]}"

    @property
    def group(self) -> str:
        """The group the adopted service reads (the profile's, as adopt defaults it)."""
        return f"{self.service}.api.extensions"


def load_trees(selected: list[str]) -> list[Tree]:
    """The trees of ``adopt.toml``, only ``selected`` ones when given."""
    data = tomllib.loads(TREES_FILE.read_text(encoding="utf-8"))
    trees = [
        Tree(
            name=name,
            description=spec["description"],
            service=spec["service"],
            requirements=tuple(spec["requirements"]),
            tests=tuple(spec["tests"]),
            sdist_data=tuple(spec.get("sdist_data", ())),
            plugin=spec.get("plugin"),
            plugin_directory=spec.get("plugin_directory"),
            moved=tuple(spec.get("moved", ())),
        )
        for name, spec in data.items()
    ]
    unknown = sorted(set(selected) - {t.name for t in trees})
    if unknown:
        sys.exit(
            f"unknown tree {', '.join(unknown)}: adopt.toml has {', '.join(t.name for t in trees)}"
        )
    return [t for t in trees if not selected or t.name in selected]


@dataclass
class Run:
    """One tree's checks, as they are made."""

    tree: Tree
    venv: Venv
    work: Path
    results: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def site(self) -> Path:
        return self.venv.site_packages

    @property
    def loader_file(self) -> Path:
        return self.site / self.tree.service / "api" / "extensions.py"

    @property
    def legacy_dir(self) -> Path:
        if self.tree.service == "neutron":
            return self.site / "neutron" / "extensions"
        return self.site / self.tree.service / "api" / "contrib"

    def check(self, label: str, ok: bool, detail: str) -> None:
        self.results.setdefault("checks", {})[label] = {"ok": ok, "detail": detail}
        print(f"  {'ok  ' if ok else 'FAIL'} {label}: {detail}", flush=True)
        if not ok:
            self.failures.append(label)


def _run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        command = " ".join(cmd)
        raise SystemExit(
            f"command failed (exit {proc.returncode}): {command}\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def _pip(venv: Venv, *args: str, env: dict[str, str] | None = None) -> None:
    _run(
        [str(venv.python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        env=env,
    )


def _sdist(requirement: str, into: Path) -> Path:
    """The released sdist of ``requirement``, unpacked under ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            ":all:",
            requirement,
            "-d",
            str(into),
        ]
    )
    archive = next(p for p in into.iterdir() if p.name.endswith(".tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / archive.name.removesuffix(".tar.gz")


def probe(run: Run, path: str, *, legacy_off: bool = False) -> dict[str, Any]:
    """What the service's own manager loads on ``path`` (probe_adopt.py)."""
    out = run.work / "probe.json"
    env = dict(os.environ)
    env.pop("EPMIGRATE_LEGACY", None)
    if legacy_off:
        env["EPMIGRATE_LEGACY"] = "off"
    _run(
        [str(run.venv.python), str(PROBE), run.tree.service, path, str(out)], env=env, cwd=run.work
    )
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


def run_tests(run: Run, label: str) -> dict[str, str]:
    """The outcome of each of the tree's own tests."""
    out = run.work / f"tests-{label}.json"
    started = time.monotonic()
    done = subprocess.run(
        [str(run.venv.python), str(RUNNER), str(out), *run.tree.tests],
        cwd=run.site,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if not out.is_file():
        raise SystemExit(f"the tests did not run (exit {done.returncode}):\n{done.stderr[-3000:]}")
    outcomes: dict[str, str] = json.loads(out.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.split(":")[0]] = counts.get(outcome.split(":")[0], 0) + 1
    print(
        f"  tests {label}: {len(outcomes)} ({counts}) in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return outcomes


def adopt(run: Run) -> None:
    """``epmigrate adopt`` on the installed loader module."""
    proc = _run([str(EPMIGRATE), "adopt", "--format", "json", str(run.loader_file)])
    doc = json.loads(proc.stdout)
    run.results["adopt"] = {k: doc[k] for k in ("status", "profile", "group", "loader", "changes")}
    added = sum(
        1
        for line in doc["diff"].splitlines()
        if line.startswith("+") and not line.startswith("+++")
    )
    removed = sum(
        1
        for line in doc["diff"].splitlines()
        if line.startswith("-") and not line.startswith("---")
    )
    run.results["adopt"]["diff_lines"] = {"added": added, "removed": removed}
    again = subprocess.run(
        [str(EPMIGRATE), "adopt", "--check", str(run.loader_file)], capture_output=True, text=True
    )
    run.check(
        "adopt",
        doc["status"] == "written" and again.returncode == 0,
        f"{doc['loader']} (profile {doc['profile']}, group {doc['group']}): +{added} -{removed} "
        f"lines; adopt --check afterwards exits {again.returncode}",
    )


def start_up(run: Run, original: bytes, adopted: bytes, path: str) -> None:
    """(f) whole processes building the manager, unpatched and patched, alternated.

    Each timed run follows an untimed one of the same file, which writes its
    bytecode; the ratio is of the medians.
    """
    cmd = [str(run.venv.python), str(PROBE), run.tree.service, path, "-"]
    # As a deployed service starts: with bytecode (a sandbox may set
    # PYTHONDONTWRITEBYTECODE, which would recompile every module each time).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "EPMIGRATE_LEGACY")
    }
    times: dict[str, list[float]] = {"unpatched": [], "patched": []}
    pair = (("unpatched", original), ("patched", adopted))
    for round_ in range(START_ROUNDS):
        # ABBA: each side goes first in every other round, so neither gains
        # from running first or second.
        for label, data in pair if round_ % 2 == 0 else pair[::-1]:
            run.loader_file.write_bytes(data)
            subprocess.run(cmd, capture_output=True, cwd=run.work, env=env)  # writes bytecode
            started = time.perf_counter()
            subprocess.run(cmd, capture_output=True, cwd=run.work, env=env, check=True)
            times[label].append(time.perf_counter() - started)
    base = statistics.median(times["unpatched"])
    new = statistics.median(times["patched"])
    ratio = new / base
    run.results["start_up"] = {
        "unpatched_s": round(base, 4),
        "patched_s": round(new, 4),
        "ratio": round(ratio, 4),
        "rounds": START_ROUNDS,
    }
    run.check(
        "(f) start-up",
        ratio <= START_RATIO_GOAL,
        f"median {base * 1000:.0f} ms unpatched, {new * 1000:.0f} ms patched: "
        f"{ratio:.3f}x (goal {START_RATIO_GOAL}x)",
    )


def resolves(run: Run) -> None:
    """Whether pip installs epmigrate with its dependencies under the tree's own pins.

    Recorded, not checked: the checks above install epmigrate with
    ``--no-deps``; this says whether a deployment pinned as the tree is
    (its ``environment``, OpenStack's upper constraints of the release) can
    take epmigrate from the index as it is declared (docs/adopt.md, "The
    dependency").
    """
    pins = [
        line
        for line in freeze(run.venv)
        if not line.lower().startswith(("epmigrate==", "networking-sfc==", "cinder-moved"))
    ]
    constraints = run.work / "pins.txt"
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [
            *(str(run.venv.python), "-m", "pip", "install", "--dry-run"),
            *("--disable-pip-version-check", "-c", str(constraints), str(REPO)),
        ],
        capture_output=True,
        text=True,
    )
    # pip names the two sides: "epmigrate 0.1.0 depends on stevedore>=5.6" and
    # "The user requested (constraint) stevedore==5.1.0".
    sides = [
        line.strip()
        for line in (proc.stdout + proc.stderr).splitlines()
        if " depends on " in line or "(constraint)" in line
    ]
    why = "; ".join(dict.fromkeys(sides))
    conflict = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    run.results["install_with_dependencies"] = {
        "resolves": proc.returncode == 0,
        "detail": why or (conflict[0] if conflict else proc.stderr.strip()[-300:]),
    }
    print(
        f"  note install: pip {'resolves' if proc.returncode == 0 else 'does not resolve'} "
        f"epmigrate with its dependencies under the tree's pins"
        f"{': ' + why if proc.returncode else ''}",
        flush=True,
    )


def neutron_plugin(run: Run) -> tuple[dict[str, str], Path]:
    """(c) the plugin's released sdist, migrated with write, built and installed."""
    tree = run.tree
    assert tree.plugin and tree.plugin_directory
    source = _sdist(tree.plugin, run.work / "plugin")
    setup_cfg = source / "setup.cfg"
    _run(
        [
            str(EPMIGRATE),
            "write",
            str(setup_cfg),
            "--path",
            str(source / tree.plugin_directory),
            "--profile",
            "neutron",
            "--group",
            tree.group,
            "--search-path",
            str(run.site),
            "--no-cache",
        ],
        cwd=source,
    )
    version = tree.plugin.split("==")[1]
    env = dict(os.environ, PBR_VERSION=version)
    _pip(run.venv, "--no-deps", str(source), env=env)
    listed = _run(
        [
            str(run.venv.python),
            "-c",
            "import importlib.metadata as m, json, sys; print(json.dumps({e.name: e.value for e in "
            f"m.entry_points(group={tree.group!r})}}))",
        ]
    )
    eps: dict[str, str] = json.loads(listed.stdout)
    installed_dir = run.site / tree.plugin_directory
    return eps, installed_dir


def cinder_moved(run: Run) -> tuple[dict[str, str], list[tuple[Path, bytes]]]:
    """(c) contrib files moved into a package of their own with write --new-package."""
    loose = run.work / "moved-src"
    loose.mkdir()
    saved: list[tuple[Path, bytes]] = []
    for name in run.tree.moved:
        original = run.legacy_dir / name
        saved.append((original, original.read_bytes()))
        shutil.copy2(original, loose / name)
    package_dir = run.work / "moved-package"
    _run(
        [
            str(EPMIGRATE),
            "write",
            "--new-package",
            f"{run.tree.service}-moved-extensions",
            "--path",
            str(loose),
            "--profile",
            "nova",
            "--group",
            run.tree.group,
            "--search-path",
            str(run.site),
            "--no-cache",
            str(package_dir),
        ]
    )
    _pip(run.venv, "--no-deps", str(package_dir))
    listed = _run(
        [
            str(run.venv.python),
            "-c",
            "import importlib.metadata as m, json; print(json.dumps({e.name: e.value for e in "
            f"m.entry_points(group={run.tree.group!r})}}))",
        ]
    )
    eps: dict[str, str] = json.loads(listed.stdout)
    return eps, saved


def _from_entry_points(loaded: dict[str, str], eps: dict[str, str]) -> dict[str, str]:
    modules = {v.partition(":")[0] for v in eps.values()}
    return {a: where for a, where in loaded.items() if where.partition(":")[0] in modules}


def check_tree(run: Run, *, skip_tests: bool) -> None:
    tree = run.tree
    print(f"{tree.name}: {tree.description}", flush=True)
    original = run.loader_file.read_bytes()
    path = str(run.legacy_dir) if tree.service == "neutron" else "-"
    before_tests = None if skip_tests else run_tests(run, "before")
    unpatched = probe(run, path)
    try:
        adopt(run)
        adopted = run.loader_file.read_bytes()
        if before_tests is not None:
            after_tests = run_tests(run, "after")
            passed_before = {t for t, o in before_tests.items() if o == "pass"}
            passed_after = {t for t, o in after_tests.items() if o == "pass"}
            lost = sorted(passed_before - passed_after)
            run.results["tests"] = {
                "ran": len(after_tests),
                "passed_before": len(passed_before),
                "passed_after": len(passed_after),
                "lost": lost,
                "not_passing_before": sorted(set(before_tests) - passed_before),
            }
            run.check(
                "(a) the service's own tests",
                not lost and set(before_tests) == set(after_tests),
                f"{len(after_tests)} tests; {len(passed_before)} pass before, "
                f"{len(passed_after)} after; lost {len(lost)}",
            )
        patched = probe(run, path)
        same = patched["loaded"] == unpatched["loaded"]
        run.results["nothing_migrated"] = {
            "aliases": len(unpatched["loaded"]),
            "legacy_warnings": len(patched["legacy_warnings"]),
        }
        run.check(
            "(b) nothing migrated",
            same,
            f"{len(unpatched['loaded'])} aliases unpatched, {len(patched['loaded'])} patched, "
            f"{'the same' if same else 'DIFFERENT'}; {len(patched['legacy_warnings'])} "
            "LegacyExtensionWarnings",
        )
        if tree.service == "neutron":
            _neutron_migrated(run, unpatched)
        else:
            _cinder_migrated(run, unpatched)
        start_up(run, original, adopted, path)
        resolves(run)
    finally:
        run.loader_file.write_bytes(original)


def _neutron_migrated(run: Run, unpatched: dict[str, Any]) -> None:
    eps, plugin_dir = neutron_plugin(run)
    alone = probe(run, str(run.legacy_dir))
    from_eps = _from_entry_points(alone["loaded"], eps)
    run.results["plugin"] = {"entry_points": len(eps), "loaded_from_entry_points": sorted(from_eps)}
    run.check(
        "(c) migrated plugin, not on the path",
        len(from_eps) >= 1 and set(unpatched["loaded"]) <= set(alone["loaded"]),
        f"{len(eps)} entry points written and installed; {len(from_eps)} aliases loaded from "
        f"them ({', '.join(sorted(from_eps))}) beside the {len(unpatched['loaded'])} legacy ones",
    )
    off = probe(run, str(run.legacy_dir), legacy_off=True)
    run.check(
        "(d) EPMIGRATE_LEGACY=off",
        off["loaded"] == from_eps,
        f"{len(off['loaded'])} aliases loaded, all from entry points: {off['loaded'] == from_eps}",
    )
    both = probe(run, f"{run.legacy_dir}:{plugin_dir}")
    both_eps = _from_entry_points(both["loaded"], eps)
    duplicates = [line for line in both["logged"] if "Duplicate" in line or "duplicate" in line]
    run.check(
        "(e) on the path and in entry points",
        both_eps == from_eps and not duplicates and set(both["loaded"]) == set(alone["loaded"]),
        f"{plugin_dir.name} of {run.tree.plugin} also on the path: {len(both_eps)} aliases, each "
        f"once and from its entry point; {len(duplicates)} duplicate lines logged",
    )
    _pip_uninstall(run, run.tree.plugin.split("==")[0])


def _pip_uninstall(run: Run, dist: str) -> None:
    _run([str(run.venv.python), "-m", "pip", "uninstall", "-q", "-y", dist])


def _cinder_migrated(run: Run, unpatched: dict[str, Any]) -> None:
    eps, saved = cinder_moved(run)
    try:
        for original, _data in saved:
            original.unlink()
        alone = probe(run, "-")
        from_eps = _from_entry_points(alone["loaded"], eps)
        run.results["moved"] = {
            "entry_points": len(eps),
            "loaded_from_entry_points": sorted(from_eps),
        }
        run.check(
            "(c) moved package, not on the path",
            len(from_eps) == len(run.tree.moved)
            and set(alone["loaded"]) == set(unpatched["loaded"]),
            f"{len(eps)} entry points; {len(from_eps)} aliases loaded from the new package "
            f"({', '.join(sorted(from_eps))}); {len(alone['loaded'])} aliases in all, as unpatched",
        )
        off = probe(run, "-", legacy_off=True)
        run.check(
            "(d) EPMIGRATE_LEGACY=off",
            off["loaded"] == from_eps,
            f"{len(off['loaded'])} aliases loaded, "
            f"all from entry points: {off['loaded'] == from_eps}",
        )
    finally:
        for original, data in saved:
            original.write_bytes(data)
    both = probe(run, "-")
    both_eps = _from_entry_points(both["loaded"], eps)
    duplicates = [line for line in both["logged"] if "duplicate" in line.lower()]
    run.check(
        "(e) on the path and in entry points",
        both_eps == from_eps and not duplicates and set(both["loaded"]) == set(unpatched["loaded"]),
        f"the {len(saved)} files back in contrib: {len(both_eps)} aliases, each once and from its "
        f"entry point; {len(duplicates)} duplicate lines logged",
    )
    _pip_uninstall(run, f"{run.tree.service}-moved-extensions")


def prepare_venv(tree: Tree) -> Venv:
    """The tree's virtualenv with epmigrate installed and the sdist data its tests read."""
    venv = ensure_venv(tree)  # type: ignore[arg-type]  # duck-typed Tree
    _pip(venv, "--no-deps", "--force-reinstall", str(REPO))
    for name in tree.sdist_data:
        if not (venv.site_packages / name).exists():
            with tempfile.TemporaryDirectory() as tmp:
                source = _sdist(
                    next(r for r in tree.requirements if r.startswith(tree.service)), Path(tmp)
                )
                shutil.copytree(source / name, venv.site_packages / name)
    etc = venv.site_packages / "etc"
    if tree.service == "cinder" and not etc.exists():
        # Cinder's functional tests read etc/cinder/api-paste.ini beside the
        # package, as in a source tree; the wheel installs it under the prefix.
        etc.symlink_to(venv.root / "etc")
    return venv


def start_up_again(run: Run) -> None:
    """(f) alone, on a tree whose other checks are recorded already."""
    print(f"{run.tree.name}: {run.tree.description} (start-up only)", flush=True)
    recorded = json.loads(run.tree.oracle_file.read_text(encoding="utf-8"))["results"]
    run.results.update(recorded)
    run.failures.extend(k for k, v in recorded.get("checks", {}).items() if not v["ok"])
    original = run.loader_file.read_bytes()
    path = str(run.legacy_dir) if run.tree.service == "neutron" else "-"
    try:
        _run([str(EPMIGRATE), "adopt", str(run.loader_file)])
        adopted = run.loader_file.read_bytes()
        if "(f) start-up" in run.failures:
            run.failures.remove("(f) start-up")
        start_up(run, original, adopted, path)
    finally:
        run.loader_file.write_bytes(original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*")
    parser.add_argument("--skip-tests", action="store_true", help="skip check (a)")
    parser.add_argument(
        "--start-up-only",
        action="store_true",
        help="measure (f) again and keep the other results of adopt/<tree>.json",
    )
    args = parser.parse_args()
    failed: list[str] = []
    for tree in load_trees(args.trees):
        venv = prepare_venv(tree)
        with tempfile.TemporaryDirectory(prefix=f"epmigrate-adopt-{tree.name}-") as tmp:
            run = Run(tree, venv, Path(tmp))
            if args.start_up_only:
                start_up_again(run)
            else:
                check_tree(run, skip_tests=args.skip_tests)
        record = {
            "schema": 1,
            "tree": tree.name,
            "description": tree.description,
            "results": run.results,
            "environment": freeze(venv),
        }
        tree.oracle_file.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        failed += [f"{tree.name}: {label}" for label in run.failures]
    if failed:
        print("FAILED:\n  " + "\n  ".join(failed))
        sys.exit(1)
    print("every check passed")


if __name__ == "__main__":
    main()
