"""Legacy files as modules: the name an import gives each, and running its vetted bytes.

Standard library only, and importing nothing of epmigrate but the other
vetting modules, relatively (``epmigrate verify`` runs them in the service's
interpreter). A name is decided from the directory's listing and
``sys.path``, without opening a legacy file (:class:`ModuleNamer`); every
byte executed comes from :func:`._vetted.vet` (:func:`load_module`), and a
dotted name that would import another file than the vetted one is refused.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import marshal
import os
import stat
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, NoReturn, cast

from ._rules import Outside, Refused, check_owner_and_mode, escape
from ._vetted import LOG, Directory, Vetted, vet

if TYPE_CHECKING:
    import importlib.abc

__all__ = [
    "SYNTHETIC_PREFIX",
    "ModuleNamer",
    "PackageResolver",
    "VettedFinder",
    "VettedLoader",
    "execute",
    "guard_imports",
    "guarded_roots",
    "load_module",
    "module_part",
    "same_directory",
    "same_file",
    "synthetic_names",
    "synthetic_package",
]

# -- module names ------------------------------------------------------------

SYNTHETIC_PREFIX = "_epmigrate_legacy_"
"""Prefix of the module names given to legacy files outside any package."""


def synthetic_package(real_directory: str) -> str:
    """The module name prefix for files of ``real_directory`` outside any package.

    Derived from the resolved directory, so it is stable across processes and
    cannot collide with a real module (nothing importable starts with it).
    """
    digest = hashlib.sha256(os.fsencode(real_directory)).hexdigest()[:16]
    return SYNTHETIC_PREFIX + digest


def module_part(stem: str) -> str:
    """A module name part for ``stem``: itself when it is an identifier.

    Other characters become ``_XX_`` (their code point in hex), so
    ``foo-bar`` and ``foo_bar`` get different names, as the neutron loader,
    which names the module by the bare stem, runs both.
    """
    if stem.isidentifier():
        return stem
    part = "".join(
        c if (c == "_" or c.isalnum()) and c.isascii() else f"_{ord(c):02x}_" for c in stem
    )
    return f"_{part}" if part[:1].isdigit() else part


def synthetic_names(stems: Iterable[str]) -> dict[str, str]:
    """Module name parts for the stems of one directory, none shared.

    Identifier stems keep their name; the others get :func:`module_part`,
    with ``_2``, ``_3``... appended in the given order if that is taken.
    """
    stems = list(stems)
    taken = {s for s in stems if s.isidentifier()}
    names: dict[str, str] = {}
    for stem in stems:
        if stem in names:
            continue
        if stem.isidentifier():
            names[stem] = stem
            continue
        base = candidate = module_part(stem)
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        names[stem] = candidate
    return names


class PackageResolver:
    """Tell the dotted package name of a directory, when it is importable by it.

    A directory is a package when it and its parents up to some top directory
    hold ``__init__.py``; it is importable when the top package's parent is
    on ``sys.path`` and the top package resolves to that very directory (an
    installed copy of the same package earlier on the path would not).
    """

    def __init__(self) -> None:
        self._roots: frozenset[str] | None = None
        self._cache: dict[str, str | None] = {}

    def package_of(self, directory: str) -> str | None:
        """The dotted name of ``directory`` as a package, or ``None``."""
        if directory not in self._cache:
            self._cache[directory] = self._resolve(directory)
        return self._cache[directory]

    def _on_sys_path(self, directory: str) -> bool:
        entries = [os.path.abspath(p) for p in sys.path if isinstance(p, str)]
        if directory in entries:
            return True
        # Spelled differently (a symbolic link on either side): compare real paths.
        if self._roots is None:
            self._roots = frozenset(os.path.realpath(p) for p in entries)
        return os.path.realpath(directory) in self._roots

    def _resolve(self, directory: str) -> str | None:
        parts: list[str] = []
        current = os.path.abspath(directory)
        while os.path.isfile(os.path.join(current, "__init__.py")):
            parts.insert(0, os.path.basename(current))
            parent = os.path.dirname(current)
            if parent == current:
                return None
            current = parent
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        if not self._on_sys_path(current):
            return None
        top_dir = os.path.realpath(os.path.join(current, parts[0]))
        top = sys.modules.get(parts[0])
        if top is not None:
            locations = list(getattr(top, "__path__", []))
        else:
            try:
                spec = importlib.util.find_spec(parts[0])
            except (ImportError, ValueError):
                return None
            locations = list(spec.submodule_search_locations or []) if spec else []
        if top_dir not in {os.path.realpath(p) for p in locations}:
            return None
        return ".".join(parts)


class ModuleNamer:
    """Module names for the files of one opened legacy directory ``root``.

    :meth:`name` gives ``(module, package)`` for a file ``(path, stem,
    subpackage)``: in an importable package (:class:`PackageResolver`) its
    dotted name and the package of ``root``; otherwise a synthetic name
    (:func:`synthetic_package`, :func:`synthetic_names` over ``stems(sub)``,
    the stems of that sub-directory, asked only when needed) and ``None``.
    """

    def __init__(
        self,
        resolver: PackageResolver,
        root: Directory,
        stems: Callable[[str], Iterable[str]],
    ) -> None:
        self._resolver = resolver
        self._root = root
        self._stems = stems
        self._top = resolver.package_of(root.path)
        self._loose: dict[str, dict[str, str]] = {}
        self._prefixes: dict[str, str] = {}

    def name(self, path: str, stem: str, subpackage: Sequence[str]) -> tuple[str, str | None]:
        """``(module, package)`` for one file of ``root``."""
        top = self._top
        if top is not None and stem.isidentifier() and path.endswith((".py", ".pyc")):
            package = self._resolver.package_of(os.path.dirname(path)) if subpackage else top
            if package is not None:
                return f"{package}.{stem}", top
        sub = "/".join(subpackage)
        names = self._loose.get(sub)
        if names is None:
            names = self._loose[sub] = synthetic_names(self._stems(sub))
        prefix = self._prefixes.get(sub)
        if prefix is None:
            file_dir = f"{self._root.real}/{sub}" if sub else self._root.real
            prefix = self._prefixes[sub] = synthetic_package(file_dir)
        return f"{prefix}.{names[stem]}", None


# -- executing vetted bytes ----------------------------------------------------


class VettedLoader:
    """The loader of a module made from vetted bytes: ``exec_module`` runs those bytes only.

    ``get_source`` serves the same bytes to ``inspect`` and tracebacks.
    """

    def __init__(self, vetted: Vetted, is_package: bool = False) -> None:
        self.vetted = vetted
        self._is_package = is_package

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        """Default module creation."""
        return None

    def get_code(self, fullname: str) -> types.CodeType:
        """Compile (or, for ``.pyc``, unmarshal) the vetted bytes."""
        data, path = self.vetted.data, self.vetted.path
        if self.vetted.bytecode is not None:
            code = marshal.loads(memoryview(self.vetted.bytecode)[16:])
            if isinstance(code, types.CodeType):
                return code
        if path.endswith(".pyc"):
            if data[:4] != importlib.util.MAGIC_NUMBER or len(data) < 16:
                raise ImportError(f"{escape(path)}: bad magic number", name=fullname)
            code = marshal.loads(data[16:])
            if not isinstance(code, types.CodeType):
                raise ImportError(f"{escape(path)}: not a code object", name=fullname)
            return code
        return compile(data, path, "exec", dont_inherit=True)

    def exec_module(self, module: types.ModuleType) -> None:
        """Execute the vetted code in ``module``."""
        exec(self.get_code(module.__name__), module.__dict__)

    def get_source(self, fullname: str) -> str | None:
        """The vetted source text (``None`` for bytecode)."""
        if self.vetted.path.endswith(".pyc"):
            return None
        return importlib.util.decode_source(self.vetted.data)

    def is_package(self, fullname: str) -> bool:
        """Whether the module is a package's ``__init__``."""
        return self._is_package


def execute(name: str, vetted: Vetted, *, search: Sequence[str] | None = None) -> types.ModuleType:
    """Execute ``vetted`` as module ``name`` (a package when ``search`` is given).

    The module is in ``sys.modules`` while it runs, as an import would have
    it, bound on its parent package afterwards, and removed again if it
    fails.
    """
    loader = VettedLoader(vetted, search is not None)
    spec = importlib.machinery.ModuleSpec(
        name,
        cast("importlib.abc.Loader", loader),
        origin=vetted.path,
        is_package=search is not None,
    )
    if search is not None:
        spec.submodule_search_locations = list(search)
    module = importlib.util.module_from_spec(spec)
    # Set here rather than through spec.has_location, which would derive a
    # bytecode path for __cached__ from the origin at every load.
    module.__file__ = vetted.path
    module.__cached__ = None  # type: ignore[attr-defined]
    spec.has_location = True
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    parent, _, attr = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], attr, sys.modules.get(name, module))
    return sys.modules.get(name, module)


def same_file(module: types.ModuleType, real: str) -> bool:
    """Whether ``module`` was made from the file at ``real`` (a resolved path)."""
    spec = getattr(module, "__spec__", None)
    loader = getattr(spec, "loader", None)
    if isinstance(loader, VettedLoader):
        return loader.vetted.real == real
    origin = getattr(module, "__file__", None)
    return isinstance(origin, str) and os.path.realpath(origin) == real


def same_directory(package: types.ModuleType, real: str) -> bool:
    """Whether the package module ``package`` is the directory at ``real`` (a resolved path)."""
    locations = [p for p in getattr(package, "__path__", ()) if isinstance(p, str)]
    return real in locations or any(os.path.realpath(p) == real for p in locations)


def load_module(
    root: Directory, relpath: str, module: str, package: str | None, *, check: bool = True
) -> types.ModuleType:
    """The module of ``relpath`` in ``root``: vetted, then executed once per process.

    ``package`` is the dotted name of ``root`` when the file is imported by
    its dotted name ``module`` (``None``: a synthetic name outside any
    package). Raises :class:`Refused` when the dotted name would import
    another file than the one vetted (a package or an extension module of
    the same name beside it, or another file already imported under it).
    """
    guard_imports(root, check=check)
    loaded = sys.modules.get(module)
    if package is None:
        if loaded is not None:
            return loaded
        _synthetic_parent(module, root.path)
        return execute(module, vet(root, relpath, check=check))
    path = f"{root.path}/{relpath}"
    vetted = vet(root, relpath, check=check)
    if loaded is not None:
        if same_file(loaded, vetted.real):
            return loaded
        raise Refused(
            f"module {module} is already imported from "
            f"{escape(getattr(loaded, '__file__', None))}, not from this file; not executed",
            path,
            "remove the other copy, or give the extension an entry point",
        )
    _ensure_packages(root, relpath, module, package, check=check)
    shadow = _shadowing(root, relpath)
    if shadow is not None:
        raise Refused(
            f"importing {module} would run {escape(shadow)} instead of this file; not executed",
            path,
            f"remove {escape(shadow)} if it is not yours",
        )
    return execute(module, vetted)


def _shadowing(root: Directory, relpath: str) -> str | None:
    # What a path finder takes before stem.py in the same directory: a
    # package stem/ (an __init__ of any suffix), then an extension module.
    head, _, name = relpath.rpartition("/")
    base = f"{head}/" if head else ""
    stem = name.rpartition(".")[0]

    def exists(rel: str) -> os.stat_result | None:
        try:
            return os.stat(rel, dir_fd=root.fd)
        except OSError:
            return None

    found = exists(base + stem)
    if found is not None and stat.S_ISDIR(found.st_mode):
        for suffix in importlib.machinery.all_suffixes():
            if exists(f"{base}{stem}/__init__{suffix}") is not None:
                return f"{root.path}/{base}{stem}/__init__{suffix}"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if exists(base + stem + suffix) is not None:
            return f"{root.path}/{base}{stem}{suffix}"
    return None


def _ensure_packages(
    root: Directory, relpath: str, module: str, package: str, *, check: bool
) -> None:
    # Packages above the legacy directory are imported as any code on
    # sys.path; the legacy directory's own __init__ and those of its
    # sub-packages are vetted files like the extensions.
    parents = module.split(".")[:-1]
    top_depth = package.count(".") + 1
    above = ".".join(parents[: top_depth - 1])
    if above and above not in sys.modules:
        importlib.import_module(above)
    rel = ""
    for depth in range(top_depth, len(parents) + 1):
        name = ".".join(parents[:depth])
        if depth > top_depth:
            rel = f"{rel}/{parents[depth - 1]}" if rel else parents[depth - 1]
        existing = sys.modules.get(name)
        if existing is not None:
            real = f"{root.real}/{rel}" if rel else root.real
            if not same_directory(existing, real):
                raise Refused(
                    f"package {name} is already imported from "
                    f"{escape(getattr(existing, '__file__', None))}, not from this directory; "
                    "not executed",
                    f"{root.path}/{relpath}",
                )
            continue
        vetted = vet(root, f"{rel}/__init__.py" if rel else "__init__.py", check=check)
        execute(name, vetted, search=[os.path.dirname(vetted.path)])


def _synthetic_parent(module: str, directory: str) -> None:
    # A package module with an empty search path parents the synthetic name so
    # pickle and __import__ can resolve it, without making the directory's
    # other files importable through it.
    package_name = module.rpartition(".")[0]
    if package_name not in sys.modules:
        package = types.ModuleType(package_name, f"legacy extensions of {directory}")
        package.__path__ = []
        sys.modules[package_name] = package


# -- imports into a legacy directory -------------------------------------------
#
# A legacy file may import what lies beside it: ``import _helper`` when its
# directory is on sys.path, ``from . import common`` or ``import svc.ext.sub``
# inside its package. The import system would read those files (and their
# __pycache__) by path, unvetted. Once a legacy directory has run a file,
# every import that the path finder would take from that directory (or one
# below it) goes through the same vetting: a path hook ahead of the others
# gives such path entries a finder whose modules are vetted bytes.


class _Guarded(NamedTuple):
    """A legacy directory whose imports are vetted: its spellings, identity and descriptor.

    ``directory`` holds a duplicate of the descriptor the directory was
    vetted through, kept for the life of the process: an import opens the
    module relative to it, so no component above, swapped later, can
    redirect it (the directory's own owner and mode are checked again on
    that descriptor at each import).
    """

    real: str
    given: str
    dev: int
    ino: int
    check: bool
    directory: Directory


_GUARDED: list[_Guarded] = []
"""The legacy directories whose imports are vetted."""

_GUARDED_INDEX: dict[str, int] = {}
"""Each guarded directory's place in :data:`_GUARDED`, by resolved path."""

_FILE_LOADERS = (
    (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
    (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
    (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
)
"""What :class:`importlib.machinery.FileFinder` looks for, in its order."""


def guarded_roots() -> dict[str, bool]:
    """The legacy directories (resolved) whose imports are vetted, with their ``check``."""
    return {g.real: g.check for g in _GUARDED}


def _guarded_for(entry: str) -> tuple[_Guarded, str] | None:
    """The guarded directory a path entry lies in, and the entry's place below it.

    An entry is inside when it is spelled below the directory's resolved
    path or the path it was given as (the spellings sub-packages' search
    paths use), or when it is the directory itself under any other spelling
    (``sys.path`` naming it through a link): told by ``stat``, not by
    resolving every entry, so the import of an unrelated package pays a
    ``stat`` once per path entry.
    """
    absolute = os.path.abspath(entry or os.curdir)
    for guarded in _GUARDED:
        for top in (guarded.real, guarded.given):
            if absolute == top:
                return guarded, ""
            if absolute.startswith(top + "/"):
                return guarded, absolute[len(top) + 1 :]
    try:
        st = os.stat(absolute)
    except OSError:
        return None
    for guarded in _GUARDED:
        # The same inode, and (an inode number is reused once a directory
        # is gone) the same directory once resolved.
        same = (st.st_dev, st.st_ino) == (guarded.dev, guarded.ino)
        if same and os.path.realpath(absolute) == guarded.real:
            return guarded, ""
    return None


def guard_imports(root: Directory, *, check: bool = True) -> None:
    """Vet every later import of a module that lies in ``root`` (or below it).

    Installs the path hook once per process, and forgets the finders the
    import system already made for path entries inside ``root``, so the
    next import there asks the hook. A directory stays guarded for the
    life of the process; guarded with ``check`` once, it stays checked.
    """
    if root.guarded:
        return  # every file of a directory asks, with the same check: one test
    root.guarded = True
    real = root.real.rstrip("/") or "/"
    n = _GUARDED_INDEX.get(real)
    if n is not None:
        if check and not _GUARDED[n].check:
            _GUARDED[n] = _GUARDED[n]._replace(check=True)
        return
    given = os.path.abspath(root.path).rstrip("/") or "/"
    held = Directory(os.dup(root.fd), root.path, root.real, root.stat)
    _GUARDED_INDEX[real] = len(_GUARDED)
    _GUARDED.append(_Guarded(real, given, root.stat.st_dev, root.stat.st_ino, check, held))
    if _legacy_path_hook not in sys.path_hooks:
        sys.path_hooks.insert(0, _legacy_path_hook)
    for entry in list(sys.path_importer_cache):
        if isinstance(entry, str) and _guarded_for(entry) is not None:
            del sys.path_importer_cache[entry]


def _legacy_path_hook(entry: str) -> VettedFinder:
    """The finder of a path entry inside a guarded legacy directory; ImportError for others."""
    found = _guarded_for(entry)
    if found is None:
        raise ImportError("not a legacy extension directory", path=entry)
    guarded, below = found
    return VettedFinder(entry, guarded, below)


class VettedFinder:
    """The path-entry finder of a directory in a legacy directory: vetted modules only.

    It finds what :class:`importlib.machinery.FileFinder` would (a package,
    then an extension module, a source file, a bytecode file), then reads
    it through the vetting: one descriptor, checked, relative to the
    descriptor the legacy directory was vetted through (its owner and mode
    checked again). A
    module that fails is refused: one ERROR line naming it, and an
    ``ImportError``. Native extension modules are refused, since their code
    cannot be loaded from vetted bytes. Namespace portions are left to the
    import system; their modules come back through this finder.
    """

    def __init__(self, entry: str, guarded: _Guarded, below: str) -> None:
        self.path = entry
        self._guarded = guarded
        self._root = guarded.real
        self._below = below  # the entry's directory relative to root ("" for root)
        self._files = importlib.machinery.FileFinder(entry, *_FILE_LOADERS)

    def invalidate_caches(self) -> None:
        """Forget the directory listing, as FileFinder does."""
        self._files.invalidate_caches()

    def find_spec(
        self, fullname: str, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec of ``fullname`` here, its loader running vetted bytes; ``None`` if absent."""
        found = self._files.find_spec(fullname, target)
        if found is None or found.origin is None or found.loader is None:
            return found  # absent, or a namespace portion (no code of its own)
        origin = found.origin
        name = os.path.relpath(origin, self._files.path).replace(os.sep, "/")
        relpath = f"{self._below}/{name}" if self._below else name
        shown = f"{self._root}/{relpath}"
        try:
            if isinstance(found.loader, importlib.machinery.ExtensionFileLoader):
                raise Refused(
                    "is a native extension module, whose code cannot be vetted; not imported",
                    shown,
                )
            guarded = _GUARDED[_GUARDED_INDEX[self._root]]  # check may have become True
            root = guarded.directory
            if guarded.check:
                check_owner_and_mode(
                    os.fstat(root.fd), root.path, "legacy extension directory", sticky_ok=False
                )
            vetted = vet(root, relpath, check=guarded.check)
        except Refused as exc:
            return self._refuse(fullname, f"{escape(exc)}")
        except Outside as exc:
            return self._refuse(fullname, f"{escape(exc)}, outside {escape(self._root)}")
        except OSError as exc:
            return self._refuse(fullname, f"{escape(shown)}: {escape(exc)}")
        package = found.submodule_search_locations is not None
        spec = importlib.machinery.ModuleSpec(
            fullname,
            cast("importlib.abc.Loader", VettedLoader(vetted, package)),
            origin=vetted.path,
            is_package=package,
        )
        if package:
            spec.submodule_search_locations = list(found.submodule_search_locations or ())
        spec.has_location = True
        return spec

    @staticmethod
    def _refuse(fullname: str, why: str) -> NoReturn:
        LOG.error("import of %s from the legacy path refused: %s", fullname, why)
        raise ImportError(
            f"import of {fullname} from the legacy path refused: {why}", name=fullname
        )
