"""Record what the real legacy loader loads from each tree: ``realworld/oracle/<tree>.json``.

Usage: ``python realworld/record_oracle.py [--refresh] [TREE...]``. Without
``--refresh`` only trees whose oracle file is missing are recorded.

For each tree of ``trees.toml`` this builds the tree's own virtualenv from the
package index (``_realworld.ensure_venv``), runs the tree's probe there
(``probe_neutron.py`` or ``probe_nova.py``: the project's own
ExtensionManager loads the directory, executing its files, in that
virtualenv only) and writes one JSON document:

- ``tree``, ``description``, ``requirements``, ``python`` (the version that ran
  the loader), ``loader`` (the class that loaded), ``directory`` (relative to
  site-packages);
- ``files``: for each ``.py`` file of the directory (a path relative to it;
  when ``directory`` names several, joined with ``:``, relative to
  site-packages),
  ``status`` (``loaded``; ``skipped``: the loader found no expected class;
  ``failed``: the file raised, or a duplicate alias; ``rejected``: the
  instance failed the loader's checks; ``not-attempted``: the loader's filter
  passed over it), ``loaded`` (the class name and alias of each extension it
  kept) and ``reason`` (the loader's own message, site-packages shown as
  ``<site-packages>``);
- ``environment``: every distribution of the virtualenv, ``name==version``,
  which a rebuild of the virtualenv uses as pip constraints.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _realworld import ORACLE_DIR, ORACLE_SCHEMA, PROBES, Tree, ensure_venv, freeze, load_trees


def _scrub(value: Any, site_packages: str) -> Any:
    if isinstance(value, str):
        return value.replace(site_packages, "<site-packages>")
    if isinstance(value, dict):
        return {k: _scrub(v, site_packages) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, site_packages) for v in value]
    return value


def record(tree: Tree) -> dict[str, Any]:
    """Run the tree's real loader in its virtualenv; the oracle document."""
    venv = ensure_venv(tree)
    dirs = [venv.site_packages / d for d in tree.directories]
    for directory in dirs:
        if not directory.is_dir():
            sys.exit(f"{tree.name}: {directory} does not exist; check `directory` in trees.toml")
    base = tree.files_base(venv.site_packages)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.json"
        if tree.loader == "neutron":
            args = [":".join(map(str, dirs)), str(out)]
        elif tree.loader == "nova" and len(dirs) == 1:
            if not tree.manager:
                sys.exit(f"{tree.name}: a nova tree needs `manager` in trees.toml")
            package = tree.directory.replace("/", ".")
            args = [tree.manager, tree.setup or "-", package, str(out)]
        else:
            sys.exit(
                f"{tree.name}: loader {tree.loader!r} with {len(dirs)} directories; "
                f"choose one of {sorted(PROBES)} (nova: one directory)"
            )
        # The probe runs in a scratch directory so that nothing of this
        # repository is importable there.
        proc = subprocess.run(
            [str(venv.python), str(PROBES[tree.loader]), *args],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(f"{tree.name}: the probe failed (exit {proc.returncode}):\n{proc.stderr}")
        probe = json.loads(out.read_text(encoding="utf-8"))
    if probe.get("directory") not in (None, str(dirs[0])):
        sys.exit(f"{tree.name}: the loader read {probe['directory']}, trees.toml says {dirs[0]}")
    # The Neutron probe names files by absolute path; the nova one relative to its package.
    probe["files"] = {
        (os.path.relpath(name, base) if os.path.isabs(name) else name): record
        for name, record in probe["files"].items()
    }
    python = subprocess.run(
        [str(venv.python), "-c", "import platform; print(platform.python_version())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    files = _scrub(probe["files"], str(venv.site_packages))
    return {
        "schema": ORACLE_SCHEMA,
        "tree": tree.name,
        "description": tree.description,
        "requirements": list(tree.requirements),
        "python": python,
        "loader": probe["loader"],
        "directory": tree.directory,
        "files": {name: files[name] for name in sorted(files)},
        "environment": freeze(venv),
    }


def main(argv: list[str] | None = None) -> int:
    """Record the oracle of each selected tree that needs it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="record even when the file exists")
    parser.add_argument("trees", nargs="*", help="tree names from trees.toml (default: all)")
    opts = parser.parse_args(argv)
    ORACLE_DIR.mkdir(exist_ok=True)
    for tree in load_trees(opts.trees):
        if tree.oracle_file.is_file() and not opts.refresh:
            continue
        doc = record(tree)
        tmp = tree.oracle_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(tree.oracle_file)
        loaded = sum(len(f["loaded"]) for f in doc["files"].values())
        print(
            f"{tree.name}: recorded {tree.oracle_file.name}: {len(doc['files'])} files, "
            f"{loaded} extensions loaded by {doc['loader']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
