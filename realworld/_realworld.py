"""The trees of the real-code tier and their virtualenvs (shared by the two scripts).

``trees.toml`` pins each tree's released distributions, the legacy directory
inside them and the options ``epmigrate scan`` gets. Each tree is installed
from the package index into its own virtualenv under
``$XDG_CACHE_HOME/epmigrate-realworld`` (default ``~/.cache``), outside the
repository. When the tree's oracle file exists, its recorded ``environment``
(every distribution of the virtualenv that recorded it, ``name==version``) is
passed to pip as constraints, so a rebuilt virtualenv holds the same code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TREES_FILE = HERE / "trees.toml"
ORACLE_DIR = HERE / "oracle"
PROBES = {"neutron": HERE / "probe_neutron.py", "nova": HERE / "probe_nova.py"}
ORACLE_SCHEMA = 1


@dataclass(frozen=True)
class Tree:
    """One released tree: what to install, which directory, how to load and scan it."""

    name: str
    description: str
    python: str
    requirements: tuple[str, ...]
    directory: str
    loader: str
    scan_options: tuple[str, ...]
    manager: str | None
    setup: str | None

    @property
    def directories(self) -> list[str]:
        """The legacy directories, relative to site-packages (``directory`` split on ``:``)."""
        return self.directory.split(":")

    def files_base(self, site_packages: Path) -> Path:
        """What the oracle's file names are relative to: the one directory, else site-packages."""
        dirs = self.directories
        return site_packages / dirs[0] if len(dirs) == 1 else site_packages

    @property
    def oracle_file(self) -> Path:
        """``oracle/<tree>.json``, the real loader's answers."""
        return ORACLE_DIR / f"{self.name}.json"

    def venv_dir(self) -> Path:
        """This tree's virtualenv: one per interpreter and requirement set."""
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        key = hashlib.sha256("\n".join((self.python, *self.requirements)).encode()).hexdigest()
        return base / "epmigrate-realworld" / f"{self.name}-{key[:12]}"


def load_trees(selected: list[str] | None = None) -> list[Tree]:
    """The trees of ``trees.toml`` (only ``selected`` ones, in file order, when given)."""
    data = tomllib.loads(TREES_FILE.read_text(encoding="utf-8"))
    trees = [
        Tree(
            name=name,
            description=spec["description"],
            python=spec.get("python", "python3.11"),
            requirements=tuple(spec["requirements"]),
            directory=spec["directory"],
            loader=spec["loader"],
            scan_options=tuple(spec.get("scan", ())),
            manager=spec.get("manager"),
            setup=spec.get("setup"),
        )
        for name, spec in data.items()
    ]
    if selected:
        unknown = sorted(set(selected) - {t.name for t in trees})
        if unknown:
            names = ", ".join(t.name for t in trees)
            sys.exit(f"unknown tree {', '.join(unknown)}: trees.toml has {names}")
        trees = [t for t in trees if t.name in selected]
    return trees


def read_oracle(tree: Tree) -> dict[str, Any] | None:
    """The tree's oracle document, or None when it has not been recorded."""
    if not tree.oracle_file.is_file():
        return None
    doc: dict[str, Any] = json.loads(tree.oracle_file.read_text(encoding="utf-8"))
    return doc


@dataclass(frozen=True)
class Venv:
    """A tree's virtualenv, with its interpreter and site-packages."""

    root: Path
    python: Path
    site_packages: Path


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def ensure_venv(tree: Tree, *, log: Any = print) -> Venv:
    """The tree's virtualenv, created and installed from the package index if missing.

    A virtualenv counts as built once ``.realworld-complete`` exists in it; a
    half-built one (an interrupted install) is removed and built again.
    """
    root = tree.venv_dir()
    python = root / "bin" / "python"
    done = root / ".realworld-complete"
    if done.is_file():
        return Venv(root, python, _site_packages(python))
    if root.exists():
        shutil.rmtree(root)
    interpreter = shutil.which(tree.python)
    if interpreter is None:
        sys.exit(f"{tree.name}: {tree.python} is not on PATH; trees.toml names it for this tree")
    log(f"{tree.name}: creating {root} and installing {' '.join(tree.requirements)}")
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([interpreter, "-m", "venv", str(root)], check=True)
    cmd = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    oracle = read_oracle(tree)
    if oracle is not None:
        constraints = root / "constraints.txt"
        constraints.write_text("\n".join(oracle["environment"]) + "\n", encoding="utf-8")
        cmd += ["-c", str(constraints)]
    # pip's output is shown only when it fails: a long install is otherwise silent.
    proc = subprocess.run([*cmd, *tree.requirements], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{tree.name}: pip install failed (exit {proc.returncode}):\n{proc.stderr}")
    done.write_text("\n".join(tree.requirements) + "\n", encoding="utf-8")
    return Venv(root, python, _site_packages(python))


def freeze(venv: Venv) -> list[str]:
    """Every distribution installed in the virtualenv, ``name==version``, sorted."""
    code = (
        "import importlib.metadata as m\n"
        "print('\\n'.join(sorted({f\"{d.metadata['Name']}=={d.version}\" "
        "for d in m.distributions()}, key=str.lower)))"
    )
    out = subprocess.run(
        [str(venv.python), "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if line and not line.lower().startswith("pip==")]
