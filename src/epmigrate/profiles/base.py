"""The :class:`Profile` rule set that describes one legacy loader."""

from __future__ import annotations

import os

from epmigrate.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator, Sequence
    from typing import Literal

__all__ = [
    "ClassRule",
    "Delegated",
    "LegacyFile",
    "Profile",
    "split_path_list",
]

if TYPE_CHECKING:
    ClassRule = Literal["capitalize", "upper-first", "any"]
    """How a loader derives the class name from a file stem.

    ``capitalize``: ``stem.capitalize()`` (first letter upper, the rest lower);
    ``upper-first``: ``stem[0].upper() + stem[1:]``; ``any``: every class that
    derives from a base is loaded, whatever the file is called.
    """


def __getattr__(name: str) -> object:
    """``ClassRule`` at run time, built only when asked (it needs :mod:`typing`)."""
    if name == "ClassRule":
        from typing import Literal

        return Literal["capitalize", "upper-first", "any"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def split_path_list(paths: str | Sequence[str], *, split: bool = True) -> list[str]:
    """Directories from a ``:``-joined string (as in service configs) or a list.

    Empty parts are dropped. With ``split=False`` a string is one directory,
    as for loaders that never split their setting.
    """
    if isinstance(paths, str):
        parts = paths.split(":") if split else [paths]
    else:
        parts = []
        for p in paths:
            parts.extend(os.fspath(p).split(":") if split else [os.fspath(p)])
    return [p for p in parts if p]


class LegacyFile(NamedTuple):
    """A file the loader would consider, in the loader's order.

    ``relpath`` is relative to the scanned directory with ``/`` separators;
    ``subpackage`` holds the package parts between the scanned directory and
    the file (non-empty only for recursive profiles). A named tuple: the
    hybrid loader makes one per legacy file at every service start.
    """

    path: str
    relpath: str
    stem: str
    subpackage: tuple[str, ...] = ()


class Delegated(NamedTuple):
    """A sub-package the loader hands over to its own ``extension`` callable."""

    path: str
    relpath: str


class Profile(NamedTuple):
    """One legacy loader's rules, shared by the scanner and the hybrid loader.

    Third parties describe their own loader with an instance of this class (or
    a subclass overriding :meth:`iter_files` or :meth:`expected_class`) and
    register it as an entry point in group ``epmigrate.profiles``. A named
    tuple, immutable and built with keywords; ``profile._replace(name=...)``
    gives a changed copy. Neither a dataclass nor :class:`typing.NamedTuple`
    (see :mod:`epmigrate.records`): the runtime loader imports this module at
    every service start, and a cache-hit scan too; ``dataclasses`` and
    ``typing`` would cost each about ten milliseconds.
    """

    name: str
    summary: str
    class_rule: ClassRule
    recursive: bool = False
    """Walk sub-directories (only those with ``__init__.py``, as ``os.walk`` loaders did)."""
    sort_files: bool = True
    """``sorted()`` order; otherwise plain ``os.listdir`` order, as the loader saw it."""
    split_paths: bool = True
    """A path setting is ``:``-joined directories; otherwise one directory."""
    skip_underscore: bool = True
    """Skip files whose stem starts with ``_``."""
    include_pyc: bool = False
    """Also consider ``.pyc`` files that have no ``.py`` beside them."""
    skip_files: frozenset[str] = frozenset()
    """File names the loader skips explicitly."""
    skip_list_name: str = "its skip list"
    """What the loader's source calls :attr:`skip_files`, for messages."""
    default_bases: tuple[str, ...] = ()
    """Qualified names of the descriptor bases; a leading ``*.`` matches any package."""
    alias_sources: tuple[str, ...] = ("get_alias",)
    """Where the alias lives: ``get_alias``, ``alias`` (class attribute), ``api_definition``."""
    base_check: bool = True
    """The loader rejects classes that do not derive from a base (nova duck-types)."""
    import_by: Literal["stem", "dotted"] = "stem"
    """``stem``: the file runs as a fresh top-level module; ``dotted``: imported by package."""
    abort_on_error: bool = False
    """One bad file (or duplicate alias) aborts the whole load."""
    delegate_name: str | None = None
    """A sub-package whose ``__init__`` defines this name is delegated to (nova)."""
    group_template: str = "{package}.api.extensions"
    """Default entry-point group; ``{package}`` is the top-level package."""
    library_services: tuple[tuple[str, str], ...] = ()
    """Libraries that hold a service's bases, and the service: ``("neutron_lib", "neutron")``.

    A plugin whose bases are in another distribution must be written to the
    service's group: ``group_template`` with the service's package (see
    :func:`epmigrate.groups.foreign_bases`).
    """

    services: tuple[str, ...] = ()
    """The top-level packages of the services that run this loader (``("neutron",)``).

    Each reads :meth:`service_group` once it has adopted epmigrate
    (``epmigrate adopt``); a plugin of the service is written to that group.
    """

    def service_group(self, service: str) -> str:
        """The group the service ``service`` (a top-level package) reads once adopted."""
        return self.group_template.format(package=service)

    def paths(self, value: str | Sequence[str]) -> list[str]:
        """The directories of a path setting, split the way this loader splits it."""
        return split_path_list(value, split=self.split_paths)

    def expected_class(self, stem: str) -> str | None:
        """The class name the loader looks up in ``stem``'s file (None: any class)."""
        if self.class_rule == "any" or not stem:
            return None
        if self.class_rule == "capitalize":
            return stem.capitalize()
        return stem[0].upper() + stem[1:]

    def counts(self, filename: str, siblings: frozenset[str] = frozenset()) -> bool:
        """Whether the loader considers a directory entry named ``filename``."""
        stem, ext = os.path.splitext(filename)
        if filename in self.skip_files or stem == "__init__":
            return False
        if self.skip_underscore and stem.startswith("_"):
            return False
        if self.recursive:
            # os.walk loaders compare the suffix exactly.
            if ext == ".py":
                return True
            return self.include_pyc and ext == ".pyc" and f"{stem}.py" not in siblings
        return ext.lower() == ".py"

    def iter_files(
        self,
        directory: str,
        delegates: Callable[[str], bool] | None = None,
        *,
        on_skip: Callable[[str, str], None] | None = None,
    ) -> Iterator[LegacyFile | Delegated]:
        """Yield the files of ``directory`` the loader would try, in its order.

        ``delegates(package_dir)`` tells whether a sub-package takes over its
        own loading (only asked when :attr:`delegate_name` is set).
        ``on_skip(path, relpath)`` hears of each file passed over because it
        is in :attr:`skip_files`. Entries that cannot be listed raise
        ``OSError`` from ``os.listdir``. Sub-directories are walked with a
        stack, not recursion: a package tree a thousand levels deep is legal.
        """
        # Pre-order, each directory's files before its sub-packages, and the
        # sub-packages in listing order: os.walk's order, top-down.
        todo: list[tuple[str, tuple[str, ...]]] = [(directory, ())]
        while todo:
            here, subpackage = todo.pop()
            if subpackage:
                if not os.path.isfile(os.path.join(here, "__init__.py")):
                    continue
                if self.delegate_name and delegates is not None and delegates(here):
                    yield Delegated(here, "/".join(subpackage))
                    continue
            subdirs = yield from self._files(here, subpackage, on_skip)
            todo.extend(
                (os.path.join(here, name), (*subpackage, name)) for name in reversed(subdirs)
            )

    def _files(
        self,
        directory: str,
        subpackage: tuple[str, ...],
        on_skip: Callable[[str, str], None] | None,
    ) -> Generator[LegacyFile, None, list[str]]:
        """Yield one directory's files; return its sub-directories (recursive profiles)."""
        names = os.listdir(directory)
        if self.sort_files:
            names = sorted(names)
        siblings = frozenset(names)
        subdirs: list[str] = []
        prefix = os.path.join(directory, "")  # listed names hold no separator
        rel_prefix = "".join(f"{part}/" for part in subpackage)
        for name in names:
            path = prefix + name
            if self.recursive and os.path.isdir(path):
                # os.walk lists a link to a directory with the directories and,
                # without followlinks, never enters it: never a file either.
                if not os.path.islink(path):
                    subdirs.append(name)
                continue
            if self.counts(name, siblings):
                yield LegacyFile(path, rel_prefix + name, os.path.splitext(name)[0], subpackage)
            elif on_skip is not None and name in self.skip_files:
                on_skip(path, rel_prefix + name)
        return subdirs

    def default_group(self, package: str | None) -> str:
        """The entry-point group to write when the user names none."""
        return self.group_template.format(package=package or "legacy")
