"""Where modules live: dotted names of files, and files of dotted names.

Nothing here imports anything: packages are *located* by looking for
``__init__.py`` and ``<name>.py`` on a search path, the way the import system
would find them, without running a line of them.
"""

from __future__ import annotations

import os
import sys

from epmigrate.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["Located", "Locator", "PackagePlace", "default_search_path", "package_of"]


class PackagePlace(NamedTuple):
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


class Located(NamedTuple):
    """A module found on the search path."""

    name: str
    path: str
    is_package: bool


class Locator:
    """Finds the source file of a dotted module name on a search path.

    Directory listings are read once and kept: resolving the imports of a
    large tree asks about the same few directories thousands of times.
    """

    def __init__(self, search_path: Sequence[str], *, recording: bool = True) -> None:
        self.search_path = list(search_path)
        self.recording = recording
        """Whether :meth:`answers` will be asked: without a cache, what only it
        reports (the modules added, the answers of :meth:`exists`) is not kept."""
        self._memo: dict[str, Located | None] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._added: list[Located] = []
        self._exists: dict[str, bool] = {}

    def _listing(self, directory: str) -> frozenset[str]:
        names = self._listings.get(directory)
        if names is None:
            try:
                names = frozenset(os.listdir(directory))
            except OSError:
                names = frozenset()
            self._listings[directory] = names
        return names

    def add(self, located: Located) -> None:
        """Make a module known without looking for it (a scanned file)."""
        self._memo[located.name] = located
        if self.recording:
            self._added.append(located)

    def _search(self, name: str, leaf: str, directories: Sequence[str]) -> Located | None:
        """The first of ``directories`` holding package or module ``leaf``, as importlib looks."""
        for directory in directories:
            names = self._listing(directory)
            if leaf in names and "__init__.py" in self._listing(os.path.join(directory, leaf)):
                return Located(name, os.path.join(directory, leaf, "__init__.py"), True)
            if f"{leaf}.py" in names:
                path = os.path.join(directory, f"{leaf}.py")
                if os.path.isfile(path):
                    return Located(name, path, False)
        return None

    def _portions(self, parts: Sequence[str]) -> list[str]:
        """The directories the submodules of package ``parts`` are found in (its ``__path__``).

        As importlib does: the top-level name is looked for on the search
        path; a regular package's submodules only in its own directory (a
        module of the same name on a later root is never reached); a
        namespace package's in every directory of its name on its parent's
        path. Empty when ``parts`` is a plain module or nothing. A loop, not
        a recursion, whatever the number of parts.
        """
        directories = self.search_path
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix in self._memo:
                here = self._memo[prefix]
            else:
                here = self._memo[prefix] = self._search(prefix, parts[depth - 1], directories)
            if here is not None:
                directories = [os.path.dirname(here.path)] if here.is_package else []
            else:
                leaf = parts[depth - 1]
                directories = [
                    os.path.join(d, leaf) for d in directories if leaf in self._listing(d)
                ]
            if not directories:
                return []
        return list(directories)

    def find(self, name: str) -> Located | None:
        """The module's source file, or ``None`` when the import system would find none."""
        if name in self._memo:
            return self._memo[name]
        found = None
        parts = name.split(".")
        if all(p.isidentifier() for p in parts):
            found = self._search(name, parts[-1], self._portions(parts[:-1]))
        self._memo[name] = found
        return found

    def exists(self, name: str) -> bool:
        """Whether a module (or a namespace package directory) of that name exists."""
        if self.find(name) is not None:
            return True
        parts = name.split(".")
        found = all(p.isidentifier() for p in parts) and bool(self._portions(parts))
        if self.recording:
            self._exists[name] = found
        return found

    def answers(self) -> dict[str, object]:
        """Every answer this locator gave, as JSON data that :meth:`gives` checks again.

        The modules made known with :meth:`add`, then what :meth:`find` and
        :meth:`exists` answered about the others: the scan cache keeps them
        and reuses a result only while the file system answers the same.
        """
        if not self.recording:
            raise ValueError("a locator made with recording=False keeps no answers")
        added = {located.name for located in self._added}
        return {
            "added": [[x.name, x.path, x.is_package] for x in self._added],
            "find": {
                name: None if found is None else found.path
                for name, found in self._memo.items()
                if name not in added
            },
            "exists": dict(self._exists),
        }

    @classmethod
    def gives(cls, search_path: Sequence[str], answers: Mapping[str, object]) -> bool:
        """Whether a fresh locator on ``search_path`` answers as :meth:`answers` recorded."""
        fresh = cls(search_path, recording=False)
        added, found, exists = answers["added"], answers["find"], answers["exists"]
        if not (isinstance(added, list) and isinstance(found, dict) and isinstance(exists, dict)):
            return False
        for name, path, is_package in added:
            fresh.add(Located(name, path, is_package))
        for name, path in found.items():
            got = fresh.find(name)
            if (None if got is None else got.path) != path:
                return False
        return all(fresh.exists(name) is answer for name, answer in exists.items())
