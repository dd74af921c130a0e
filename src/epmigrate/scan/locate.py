"""Where modules live: dotted names of files, and files of dotted names.

Nothing here imports anything: packages are *located* by looking for
``__init__.py`` and ``<name>.py`` on a search path, the way the import system
would find them, without running a line of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PackagePlace:
    """Where a directory sits in the import system.

    ``package`` is the dotted name of the directory (``None`` when it has no
    ``__init__.py``); ``root`` is the directory that must be on ``sys.path``
    for that name to import (the parent of the top-level package).
    """

    package: str | None
    root: str


def package_of(directory: str) -> PackagePlace:
    """Walk up ``__init__.py`` files from ``directory`` to the top package."""
    here = os.path.abspath(directory)
    parts: list[str] = []
    while os.path.isfile(os.path.join(here, "__init__.py")):
        parts.append(os.path.basename(here))
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    if not parts or not all(p.isidentifier() for p in parts):
        return PackagePlace(None, os.path.abspath(directory))
    return PackagePlace(".".join(reversed(parts)), here)


def default_search_path(roots: Iterable[str], extra: Sequence[str] = ()) -> list[str]:
    """The directories imports are resolved against, first match wins.

    The ``extra`` directories the user named come first, then the import
    roots of the scanned directories, then this interpreter's ``sys.path``.
    """
    out: list[str] = []
    for entry in (*extra, *roots, *sys.path):
        path = os.path.abspath(entry or os.curdir)
        if path not in out and os.path.isdir(path):
            out.append(path)
    return out


@dataclass(frozen=True)
class Located:
    """A module found on the search path."""

    name: str
    path: str
    is_package: bool


class Locator:
    """Finds the source file of a dotted module name on a search path."""

    def __init__(self, search_path: Sequence[str]) -> None:
        self.search_path = list(search_path)
        self._memo: dict[str, Located | None] = {}

    def add(self, located: Located) -> None:
        """Make a module known without looking for it (a scanned file)."""
        self._memo[located.name] = located

    def find(self, name: str) -> Located | None:
        """The module's source file, or ``None`` when no root has it."""
        if name in self._memo:
            return self._memo[name]
        found = None
        if all(p.isidentifier() for p in name.split(".")):
            rel = name.replace(".", os.sep)
            for root in self.search_path:
                base = os.path.join(root, rel)
                init = os.path.join(base, "__init__.py")
                if os.path.isfile(init):
                    found = Located(name, init, True)
                    break
                if os.path.isfile(base + ".py"):
                    found = Located(name, base + ".py", False)
                    break
        self._memo[name] = found
        return found

    def exists(self, name: str) -> bool:
        """Whether a module (or a namespace package directory) of that name exists."""
        if self.find(name) is not None:
            return True
        rel = name.replace(".", os.sep)
        return any(os.path.isdir(os.path.join(root, rel)) for root in self.search_path)
