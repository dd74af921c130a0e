"""``epmigrate fix-callers``: code that reads entry points through pkg_resources,
rewritten for a Python without it (setuptools 82 removed pkg_resources).

:func:`~epmigrate.callers._rewrite.rewrite` is the pure core, one module's text
in and out. :func:`prepare` reads every ``.py`` file under the paths given
(only files that name pkg_resources are parsed; the others are never
touched), rewrites each, and then rewrites the tests' patch targets
(``mock.patch("pkg_resources.iter_entry_points")``) to the helper the code
under test calls now, when exactly one module of the paths has it.
:func:`commit` writes each changed file atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from epmigrate import fileio
from epmigrate.callers._rewrite import PR, Finding, Result, Rewrite, rewrite
from epmigrate.errors import EpmigrateError, ParseError
from epmigrate.fileio import Snapshot
from epmigrate.scan.locate import package_of
from epmigrate.write.text import unified_diff

__all__ = ["FileFix", "Finding", "Rewrite", "commit", "prepare"]

_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", ".tox", ".nox", "node_modules", "__pycache__", "build"}
)
_PATCHED = {
    "iter_entry_points": "entry_points",
    "working_set.iter_entry_points": "entry_points",
    "load_entry_point": "load_entry_point",
    "get_entry_map": "entry_map",
    "get_entry_info": "entry_info",
}
"""pkg_resources names tests patch, and the helper that now does their work."""


@dataclass(frozen=True)
class FileFix:
    """One file as read and as rewritten."""

    path: str
    module: str | None
    snapshot: Snapshot
    result: Result

    @property
    def changed(self) -> bool:
        return self.result.text != self.snapshot.text

    def diff(self) -> str:
        return unified_diff(self.snapshot.text, self.result.text, os.path.relpath(self.path))


def _python_files(paths: Sequence[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        if not os.path.isdir(path):
            raise EpmigrateError(
                f"{path} does not exist", path=path, hint="name a directory or a .py file"
            )
        for top, dirs, files in os.walk(path):
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in _SKIPPED_DIRS
                and not d.endswith(".egg-info")
                and not os.path.isfile(os.path.join(top, d, "pyvenv.cfg"))
            )
            for name in sorted(files):
                full = os.path.join(top, name)
                if name.endswith(".py") and not os.path.islink(full):
                    yield full


def _module_name(path: str) -> str | None:
    place = package_of(os.path.dirname(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    if place.package is None:
        return stem if stem.isidentifier() else None
    return place.package if stem == "__init__" else f"{place.package}.{stem}"


def prepare(paths: Sequence[str]) -> list[FileFix]:
    """Read and rewrite every Python file under ``paths`` that names pkg_resources."""
    read: list[tuple[str, Snapshot]] = []
    for path in _python_files(paths):
        snapshot = fileio.read_text(path)
        if PR in snapshot.text:
            read.append((path, snapshot))
    first = {path: _rewrite_one(snap.text, path, {}) for path, snap in read}
    # The helper a patched pkg_resources name stands for, when one module has it.
    owners: dict[str, set[str]] = {}
    helper_names: dict[tuple[str, str], str] = {}
    for path, result in first.items():
        module = _module_name(path)
        if module is None:
            continue
        for kind, name in result.helpers.items():
            owners.setdefault(kind, set()).add(module)
            helper_names[(kind, module)] = name
    targets: dict[str, str] = {}
    for patched, kind in _PATCHED.items():
        modules = owners.get(kind, set())
        if len(modules) == 1:
            (module,) = modules
            targets[patched] = f"{module}.{helper_names[(kind, module)]}"
    out = []
    for path, snapshot in read:
        result = first[path]
        if targets and (f"'{PR}." in snapshot.text or f'"{PR}.' in snapshot.text):
            result = _rewrite_one(snapshot.text, path, targets)
        out.append(FileFix(path, _module_name(path), snapshot, result))
    return out


def _rewrite_one(text: str, path: str, targets: dict[str, str]) -> Result:
    """One file's rewrite; a file that cannot be rewritten is left as it was, a finding."""
    try:
        return rewrite(text, path=path, targets=targets)
    except ParseError as exc:
        return Result(text, [], [Finding(exc.line or 1, exc.message, exc.hint or "")])


def commit(fixes: Sequence[FileFix]) -> None:
    """Write every changed file, each atomically (refused when it changed since it was read)."""
    for fix in fixes:
        if fix.changed:
            fileio.write_text(fix.snapshot, fix.result.text)
