"""Compare ``epmigrate scan`` with the real loader's answers, file by file, for each tree.

Usage: ``python realworld/compare.py [TREE...]`` (default: every tree of
``trees.toml``). Needs each tree's oracle file (``record_oracle.py`` writes
it) and builds the tree's virtualenv when it is missing.

The scan runs in this interpreter (epmigrate's own environment, where none
of the tree's packages is importable), through ``scan_guarded.py``, on the
directory inside the tree's virtualenv, with ``--search-path`` set to its
site-packages so imports of the bases and API definitions can be followed;
the guard fails the run if any code of the virtualenv was executed.

For each tree it prints the number of loaded classes matched (a file and
class the scan calls ``loaded`` and the loader loaded; out of both sides'
union), of aliases matched (out of the loader's extensions) and, where the
probe records them, of never-loaded classes matched (extension classes of a
file the loader does not look up, such as neutron-fwaas's
``Standard_attr_fwaas``), then every mismatch, and exits 1 when there is any
(2 when a scan could not run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _realworld import HERE, ORACLE_SCHEMA, Tree, ensure_venv, load_trees, read_oracle


@dataclass(frozen=True)
class Mismatch:
    """One file whose scan result differs from the loader's."""

    file: str
    kind: str  # "loaded" or "alias"
    ours: str
    oracle: str
    alias_reason: str | None

    def render(self) -> str:
        """One line: file, what differs, our answer, the loader's, our alias reason."""
        line = f"{self.file}: {self.kind}: ours {self.ours}; oracle {self.oracle}"
        if self.alias_reason:
            line += f"; alias_reason: {self.alias_reason}"
        return line


@dataclass(frozen=True)
class Outcome:
    """The comparison of one tree."""

    classes_matched: int
    classes_total: int
    aliases_matched: int
    aliases_total: int
    never_matched: int | None
    never_total: int | None
    mismatches: tuple[Mismatch, ...]


def _show(value: str | None) -> str:
    return "null" if value is None else repr(value)


def compare(oracle: dict[str, Any], report: dict[str, Any], base: str) -> Outcome:
    """Compare an oracle document with a scan's JSON report.

    Pure: the scan's ``path`` fields are made relative to ``base`` (the
    directory the oracle's file names are relative to, spelled as the scan
    was given it) to meet the oracle's file names.
    """
    prefix = base.rstrip("/") + "/"
    ours: dict[str, list[dict[str, Any]]] = {}
    for ext in report["extensions"]:
        path = str(ext["path"])
        rel = path[len(prefix) :] if path.startswith(prefix) else path
        ours.setdefault(rel, []).append(ext)
    theirs: dict[str, dict[str, Any]] = oracle["files"]

    mismatches: list[Mismatch] = []
    classes_matched = classes_total = aliases_matched = aliases_total = 0
    for rel in sorted(set(ours) | set(theirs)):
        record = theirs.get(rel, {"status": "absent", "loaded": []})
        loaded = {item["class"]: item["alias"] for item in record["loaded"]}
        exts = {ext["class"]: ext for ext in ours.get(rel, [])}
        our_loaded = {name for name, ext in exts.items() if ext["status"] == "loaded"}
        for name in sorted(set(loaded) | our_loaded):
            classes_total += 1
            ext = exts.get(name)
            if name in loaded and name in our_loaded:
                classes_matched += 1
            else:
                ours_text = f"{ext['status']} {name}" if ext else f"no {name}"
                if name in loaded:
                    oracle_text = f"loaded {name} (alias {_show(loaded[name])})"
                else:
                    oracle_text = f"{record['status']}"
                    if record.get("reason"):
                        oracle_text += f" ({record['reason']})"
                mismatches.append(
                    Mismatch(
                        rel, "loaded", ours_text, oracle_text, ext["alias_reason"] if ext else None
                    )
                )
            if name not in loaded:
                continue
            aliases_total += 1
            # An alias counts only on an extension both sides load; one the
            # scan does not call loaded is already a mismatch above.
            if name not in our_loaded:
                continue
            alias = exts[name]["alias"]
            if alias == loaded[name]:
                aliases_matched += 1
            else:
                mismatches.append(
                    Mismatch(
                        rel,
                        "alias",
                        f"{name} alias {_show(alias)}",
                        f"{name} alias {_show(loaded[name])}",
                        exts[name]["alias_reason"],
                    )
                )
    never_matched, never_total = _never_loaded(theirs, ours, mismatches)
    return Outcome(
        classes_matched,
        classes_total,
        aliases_matched,
        aliases_total,
        never_matched,
        never_total,
        tuple(mismatches),
    )


def _never_loaded(
    theirs: dict[str, dict[str, Any]],
    ours: dict[str, list[dict[str, Any]]],
    mismatches: list[Mismatch],
) -> tuple[int | None, int | None]:
    """Extension classes the loader never looks up, on the files the probe inspected.

    ``(matched, total)`` over both sides' union of file and class pairs, or
    ``(None, None)`` when the oracle has no such record (the nova probe).
    """
    inspected = {rel: rec["never_loaded"] for rel, rec in theirs.items() if "never_loaded" in rec}
    if not inspected:
        return None, None
    matched = total = 0
    for rel in sorted(inspected):
        oracle_names = set(inspected[rel])
        exts = {ext["class"]: ext for ext in ours.get(rel, [])}
        our_names = {name for name, ext in exts.items() if ext["status"] == "never-loaded"}
        for name in sorted(oracle_names | our_names):
            total += 1
            if name in oracle_names and name in our_names:
                matched += 1
                continue
            ext = exts.get(name)
            mismatches.append(
                Mismatch(
                    rel,
                    "never-loaded",
                    f"{ext['status']} {name}" if ext else f"no {name}",
                    f"never loads {name}" if name in oracle_names else f"no never-loaded {name}",
                    None,
                )
            )
    return matched, total


def scan(tree: Tree, site_packages: Path) -> dict[str, Any]:
    """Run the guarded ``epmigrate scan`` on the tree; its JSON report.

    Several directories are given as one PATHS argument joined with ``:``,
    as a service's ``api_extensions_path`` is.
    """
    cmd = [
        sys.executable,
        str(HERE / "scan_guarded.py"),
        str(site_packages),
        ":".join(str(site_packages / d) for d in tree.directories),
        "--format",
        "json",
        "--no-cache",
        "--search-path",
        str(site_packages),
        *tree.scan_options,
    ]
    # Run outside the repository: the scan reads [tool.epmigrate] of ./pyproject.toml.
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=site_packages)
    if proc.returncode not in (0, 1):
        sys.exit(f"{tree.name}: the scan failed (exit {proc.returncode}):\n{proc.stderr}")
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def main(argv: list[str] | None = None) -> int:
    """Compare every selected tree; 1 when any differs from its loader."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", help="tree names from trees.toml (default: all)")
    opts = parser.parse_args(argv)
    failed = False
    for tree in load_trees(opts.trees):
        oracle = read_oracle(tree)
        if oracle is None or oracle.get("schema") != ORACLE_SCHEMA:
            sys.exit(f"{tree.name}: no oracle; run: python realworld/record_oracle.py {tree.name}")
        venv = ensure_venv(tree)
        report = scan(tree, venv.site_packages)
        out = compare(oracle, report, str(tree.files_base(venv.site_packages)))
        print(f"{tree.name}: {tree.description}")
        print(f"  loader: {oracle['loader']} on Python {oracle['python']}")
        print(f"  loaded classes matched {out.classes_matched}/{out.classes_total}")
        print(f"  aliases matched {out.aliases_matched}/{out.aliases_total}")
        if out.never_total is not None:
            print(f"  never-loaded classes matched {out.never_matched}/{out.never_total}")
        for mismatch in out.mismatches:
            print(f"  MISMATCH {mismatch.render()}")
        failed = failed or bool(out.mismatches)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
