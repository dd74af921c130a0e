"""``epmigrate move`` on released sdists, checked by the wheels their own backend builds.

For each pbr, setuptools-cfg and setuptools-py project of
``realworld/metadata.toml`` (and each setuptools-pyproject one whose entry
points are still in setup.cfg or setup.py, by its ``traits``) that builds here
(``realworld/metadata/results.json``; the ones recorded there as
``does-not-build`` are listed, not built):

1. the sdist is downloaded (cached, :func:`metadata.fetch_sdist`) and unpacked
   twice: ``pristine`` and ``project``; every file of ``project`` is hashed;
2. the oracle, before: ``pip wheel --no-deps`` builds ``pristine`` with the
   project's own backend in pip's own isolated environment;
3. ``epmigrate move --format json`` runs in ``project`` (its exit status,
   ``status``, warnings, notes, error);
4. the oracle, after: when ``move`` moved something, ``pip wheel`` builds
   ``project`` the same way;
5. the two wheels are compared (:func:`wheel_facts`): ``entry_points.txt`` as
   (group, name, value) in file order (as a set, and the order apart), the
   core metadata (Name, Version, Summary, Requires-Python, Classifier in
   order, Project-URL as a set with Home-page and Download-URL read as the
   ``Homepage`` and ``Download`` URLs ``[project.urls]`` gives, Author and
   Maintainer with their e-mails as sets of (name, e-mail) pairs,
   Requires-Dist, Provides-Extra, License, License-Expression,
   Description-Content-Type (absent read as ``text/x-rst``, as the core
   metadata specification tells readers to), Keywords as a set of words, the
   description's hash without leading and trailing white space: pbr strips
   the file and adds two newlines, setuptools reads it as it is), the WHEEL
   tags and the file names of RECORD (without the dist-info's own RECORD,
   METADATA and WHEEL).

A project is ``ok`` when ``move`` moved (exit 0) and every compared field is
the same; ``refused`` when ``move`` stopped with exit 1 and a message
(``located``: whether it names a file; ``error_at``: the file and line) and
every file of ``project`` still has its hash; ``nothing-to-move`` when it said
so (exit 0) and changed nothing; ``differs`` when any field differs (or the
wheel after does not build, or a refusal or a nothing-to-move changed a file);
``tool-crashed`` when its output is not its JSON document. The results go to
``realworld/move/results.json`` and a table on stdout; exit 1 when any project
differs or the tool crashed.

    python realworld/move.py [NAME ...] [--jobs N] [--kinds KIND,...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import email.utils
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import metadata as md  # noqa: E402

PROJECTS_FILE = md.PROJECTS_FILE
BUILDS_FILE = md.RESULTS
RESULTS = HERE / "move" / "results.json"
EPMIGRATE = md.EPMIGRATE
KINDS = ("pbr", "setuptools-cfg", "setuptools-py", "setuptools-pyproject")
ALWAYS = {"pbr", "setuptools-cfg", "setuptools-py"}
LEGACY_TRAITS = {
    "pbr-entry_points",
    "options-entry-points",
    "file-directive",
    "setup-py-entry-points",
}
"""Traits of a setuptools-pyproject project whose entry points are still in setup.cfg/setup.py."""
SHORT = 240


def eligible(spec: dict[str, Any]) -> bool:
    return spec["kind"] in ALWAYS or (
        spec["kind"] == "setuptools-pyproject" and bool(LEGACY_TRAITS & set(spec.get("traits", ())))
    )


def recorded_builds() -> dict[str, dict[str, Any]]:
    """The rows of the ``write --metadata`` tier, by name (which sdists build here)."""
    if not BUILDS_FILE.is_file():
        return {}
    return {r["name"]: r for r in json.loads(BUILDS_FILE.read_text())}


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path) and its sha256."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# ------------------------------------------------------------------ the wheel's facts


def _people(names: str | None, emails: str | None) -> list[list[str]]:
    """``Author``/``Author-email`` (or Maintainer) as sorted (name, e-mail) pairs.

    setup.cfg's ``author`` and ``author_email`` give ``Author: N`` and
    ``Author-email: e``; ``[project] authors = [{name, email}]`` gives
    ``Author-email: N <e>``: both read as ``(N, e)``.
    """
    pairs: set[tuple[str, str]] = set()
    addresses = email.utils.getaddresses([emails]) if emails else []
    if names and len(addresses) == 1 and not addresses[0][0]:
        pairs.add((names.strip(), addresses[0][1]))
    else:
        pairs.update((n.strip(), e.strip()) for n, e in addresses)
        if names:
            pairs.add((names.strip(), ""))
    return sorted(list(p) for p in pairs)


def _description(msg: Message) -> str:
    payload = msg.get_payload()
    if isinstance(payload, str) and payload.strip():
        return payload
    header = msg.get("Description")
    if header is None:
        return ""
    # Metadata before 2.1 folds the description into a header: 8 spaces or 7 and '|'.
    lines = str(header).split("\n")
    return "\n".join([lines[0], *(re.sub(r"^( {8}| {7}\|)", "", ln) for ln in lines[1:])])


def core_metadata(text: str) -> dict[str, Any]:
    """The compared fields of a METADATA file, normalised as the module docstring says."""
    msg = email.parser.Parser(policy=email.policy.compat32).parsestr(text)

    def one(key: str) -> str | None:
        value = msg.get(key)
        return None if value is None else str(value).strip()

    def every(key: str) -> list[str]:
        return [str(v).strip() for v in msg.get_all(key) or []]

    urls = set(every("Project-URL"))
    for key, label in (("Home-page", "Homepage"), ("Download-URL", "Download")):
        if one(key):
            urls.add(f"{label}, {one(key)}")
    keywords = one("Keywords")
    body = _description(msg)
    return {
        "Name": one("Name"),
        "Version": one("Version"),
        "Summary": one("Summary"),
        "Requires-Python": one("Requires-Python"),
        "Classifier": every("Classifier"),
        "Project-URL": sorted(urls),
        "Author": _people(one("Author"), one("Author-email")),
        "Maintainer": _people(one("Maintainer"), one("Maintainer-email")),
        "Requires-Dist": sorted(set(every("Requires-Dist"))),
        "Provides-Extra": sorted(set(every("Provides-Extra"))),
        "License": one("License"),
        "License-Expression": one("License-Expression"),
        # Absent, readers render the description as reStructuredText (the core
        # metadata specification): pbr writes none where move writes text/x-rst.
        "Description-Content-Type": one("Description-Content-Type") or "text/x-rst",
        "Keywords": sorted(set(w for w in re.split(r"[,\s]+", keywords or "") if w)),
        # Compared without leading and trailing white space: pbr strips the
        # file and adds two newlines, setuptools reads it as it is.
        "description": {
            "stripped": hashlib.sha256(body.strip().encode()).hexdigest()[:16],
            "chars": len(body.strip()),
        },
    }


def wheel_facts(project: Path, out: Path) -> tuple[dict[str, Any] | None, str]:
    """The compared facts of the wheel pip builds from ``project`` (None and why if it fails)."""
    try:
        eps, why = md.wheel_entry_points(project, out)
    except subprocess.TimeoutExpired as exc:
        return None, f"pip wheel timed out after {exc.timeout}s"
    if eps is None:
        return None, why
    wheel = sorted(out.glob("*.whl"))[0]
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        [info] = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        metadata_text = zf.read(f"{info}/METADATA").decode()
        wheel_text = zf.read(f"{info}/WHEEL").decode()
        record = zf.read(f"{info}/RECORD").decode().splitlines()
    own = {f"{info}/{n}" for n in ("RECORD", "METADATA", "WHEEL")}
    files = sorted(
        {line.rsplit(",", 2)[0] for line in record if line.strip()} - own,
    )
    wheel_msg = email.parser.Parser(policy=email.policy.compat32).parsestr(wheel_text)
    facts = {
        "entry_points": sorted(eps),
        "entry_points-order": eps,
        **core_metadata(metadata_text),
        "wheel-tags": sorted(str(t).strip() for t in wheel_msg.get_all("Tag") or []),
        "files": files,
    }
    return facts, ""


def shorten(value: Any) -> Any:
    text = json.dumps(value)
    return value if len(text) <= SHORT else text[: SHORT - 3] + "..."


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Each field that differs, with both values (shortened; lists by what is on one side only)."""
    out = []
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if key == "entry_points-order":
            if sorted(old) == sorted(new or []):
                out.append(
                    {"field": key, "before": shorten(old), "after": shorten(new), "shown": "order"}
                )
            continue  # otherwise "entry_points" says what differs
        row: dict[str, Any] = {"field": key}
        if isinstance(old, list) and isinstance(new, list):
            gone = [x for x in old if x not in new]
            added = [x for x in new if x not in old]
            if gone or added:
                row.update(before=shorten(gone), after=shorten(added), shown="only on one side")
            else:
                row.update(before=shorten(old), after=shorten(new), shown="order")
        else:
            row.update(before=shorten(old), after=shorten(new))
        out.append(row)
    return out


# ------------------------------------------------------------------ one project


def run_move(project: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    proc = subprocess.run(
        [EPMIGRATE, "move", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return proc, None
    return proc, doc if isinstance(doc, dict) else None


def run_one(spec: dict[str, Any], work: Path, builds: dict[str, Any], keep: bool) -> dict[str, Any]:
    name, version = spec["name"], spec["version"]
    row: dict[str, Any] = {"name": name, "version": version, "kind": spec["kind"]}
    recorded = builds.get(name)
    if recorded is not None and recorded.get("status") == "does-not-build":
        row.update(status="does-not-build", why=(recorded.get("why") or "")[-300:] or None)
        row["why"] = row["why"] or "recorded in realworld/metadata/results.json"
        return row
    try:
        sdist = md.fetch_sdist(name, version)
    except (OSError, RuntimeError, KeyError) as exc:
        row.update(status="no-sdist", why=str(exc)[-300:])
        return row
    base = work / f"{name}-{version}"
    try:
        pristine = md.unpack(sdist, base / "pristine")
        project = md.unpack(sdist, base / "project")
        hashes = tree_hashes(project)
        before, why = wheel_facts(pristine, base / "wheel-before")
        if before is None:
            row.update(status="does-not-build", why=why)
            return row
        row["wheel_entry_points"] = len(before["entry_points"])
        proc, doc = run_move(project)
        row["exit_code"] = proc.returncode
        if doc is None or proc.returncode not in (0, 1):
            row.update(status="tool-crashed", why=(proc.stderr or proc.stdout or "")[-2000:])
            return row
        error = doc.get("error") or {}
        moved = doc.get("entry_points") or []
        row.update(
            tool_status=doc.get("status"),
            project_table=doc.get("project_table"),
            moved_entry_points=len(moved),
            moved_match_wheel=sorted([e["group"], e["name"], e["value"]] for e in moved)
            == before["entry_points"],
            metadata=doc.get("metadata") or [],
            dynamic=doc.get("dynamic") or [],
            warnings=doc.get("warnings") or [],
            notes=doc.get("notes") or [],
            error=error.get("message"),
            error_at=error.get("path"),
            hint=error.get("hint"),
        )
        if row["error_at"]:
            # Relative to the project; ":line" when the message names one.
            if os.path.isabs(row["error_at"]):
                row["error_at"] = os.path.relpath(row["error_at"], project)
            if error.get("line"):
                row["error_at"] += f":{error['line']}"
        changed = changed_files(hashes, tree_hashes(project))
        if doc.get("status") == "error":
            if proc.returncode == 1 and not changed and error.get("message"):
                row["status"] = "refused"
                row["located"] = bool(error.get("path"))
            else:
                row.update(status="differs", changed_files=changed)
                row["differences"] = [
                    {"field": "refusal", "before": "no file changed", "after": shorten(changed)}
                ]
            return row
        if doc.get("status") == "nothing-to-move":
            if proc.returncode == 0 and not changed:
                row["status"] = "nothing-to-move"
            else:
                row.update(status="differs", changed_files=changed)
                row["differences"] = [
                    {"field": "nothing-to-move", "before": "no file changed", "after": changed}
                ]
            return row
        if doc.get("status") != "moved" or proc.returncode != 0:
            row.update(
                status="tool-crashed", why=f"status {doc.get('status')!r}, exit {proc.returncode}"
            )
            return row
        row["changed_files"] = changed
        after, why = wheel_facts(project, base / "wheel-after")
        if after is None:
            row.update(
                status="differs", differences=[{"field": "wheel", "before": "built", "after": why}]
            )
        else:
            found = differences(before, after)
            row["status"] = "differs" if found else "ok"
            if found:
                row["differences"] = found
        if row["status"] != "ok":
            row["diff"] = (doc.get("diff") or "")[:20000]
        return row
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------ the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument(
        "--kinds", default="", help=f"comma-separated, of {', '.join(KINDS)} (default: all)"
    )
    parser.add_argument(
        "--keep", type=Path, help="unpack and build under this directory and keep the trees"
    )
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")
    projects = md.load_projects(PROJECTS_FILE, args.names, kinds or list(KINDS))
    projects = [p for p in projects if eligible(p) or p["name"] in args.names]
    if args.names and not projects:
        parser.error("no such project among the eligible ones of realworld/metadata.toml")
    builds = recorded_builds()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="epmigrate-rw-move-") as tmp:
        work = args.keep.resolve() if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(args.jobs) as pool:
            jobs = pool.map(lambda p: run_one(p, work, builds, args.keep is not None), projects)
            for row in jobs:
                rows.append(row)
                detail = row.get("error") or row.get("why") or ""
                if row.get("differences"):
                    detail = ", ".join(d["field"] for d in row["differences"])
                print(
                    f"{row['status']:16} {row['kind']:21} {row['name']}=={row['version']} "
                    f"{row.get('moved_entry_points', '')} {detail}"[:300],
                    flush=True,
                )
    if not args.names and not kinds:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")
        print(f"results: {RESULTS.relative_to(HERE.parent)}")
    report(rows)
    sys.exit(1 if any(r["status"] in ("differs", "tool-crashed") for r in rows) else 0)


BUILT = ("ok", "refused", "nothing-to-move", "differs", "tool-crashed")


def report(rows: list[dict[str, Any]]) -> None:
    kinds = [k for k in KINDS if any(r["kind"] == k for r in rows)]
    head = ("projects", "build", "ok", "refused", "nothing", "differs", "crashed")
    print(f"\n{'kind':22}" + "".join(f" {h:>8}" for h in head))
    for kind in [*kinds, "all"]:
        sel = [r for r in rows if kind in ("all", r["kind"])]
        counts = Counter(r["status"] for r in sel)
        cells = (
            len(sel),
            sum(counts[s] for s in BUILT),
            counts["ok"],
            counts["refused"],
            counts["nothing-to-move"],
            counts["differs"],
            counts["tool-crashed"],
        )
        print(f"{kind:22}" + "".join(f" {c:>8}" for c in cells))
    print("statuses:", dict(Counter(r["status"] for r in rows)))
    for row in rows:
        if row["status"] == "differs":
            print(f"\ndiffers: {row['name']}=={row['version']} ({row['kind']})")
            for d in row.get("differences", []):
                shown = f" [{d['shown']}]" if d.get("shown") else ""
                print(
                    f"  {d['field']}{shown}:\n    before: {d['before']}\n    after:  {d['after']}"
                )
        elif row["status"] == "refused":
            print(
                f"\nrefused: {row['name']}=={row['version']} ({row['kind']}) at "
                f"{row.get('error_at')}: {row.get('error')}"
            )
        elif row["status"] in ("tool-crashed", "no-sdist"):
            print(f"\n{row['status']}: {row['name']}=={row['version']}: {row.get('why')}")


if __name__ == "__main__":
    main()
