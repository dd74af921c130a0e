"""The legacy-path half of the hybrid loader: find, vet and import legacy files.

Kept apart from :mod:`epmigrate.loader` so the managers read as stevedore
policy only, and so ``epmigrate verify`` can load a legacy path in a target
interpreter without building a manager. Everything here is import-light
(standard library and :mod:`epmigrate.profiles` only).

Nothing in :func:`plan` executes a legacy file: it lists directories, reads
file names and, for a nova-style sub-package, the text of its
``__init__.py``. Only :func:`load_class` runs code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import pwd
import re
import stat
import sys
import types
from collections.abc import Iterable, Mapping, Sequence
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from importlib.metadata import EntryPoint
from typing import Any, NamedTuple

from epmigrate.errors import InsecurePathError, ProfileError
from epmigrate.profiles import Delegated, Profile

LOG = logging.getLogger("epmigrate")

SYNTHETIC_PREFIX = "_epmigrate_legacy_"
"""Prefix of the module names given to legacy files outside any package."""


class LegacySource(NamedTuple):
    """One legacy file the hybrid loader will try, decided without running it.

    ``module`` is the dotted name of the file when it lies in an importable
    package, otherwise a synthetic ``_epmigrate_legacy_<hash>.<stem>`` name;
    ``entry_point`` is the synthetic entry point the extension carries. (A
    named tuple: one is built per legacy file at every start.)
    """

    name: str
    path: str
    directory: str
    module: str
    class_name: str
    in_package: bool
    entry_point: EntryPoint

    @property
    def target(self) -> str:
        """``module:Class``, the value of :attr:`entry_point`."""
        return f"{self.module}:{self.class_name}"


def check_owner_and_mode(path: str, kind: str, st: os.stat_result | None = None) -> None:
    """Raise :class:`InsecurePathError` unless ``path`` is safe to execute from.

    Like ssh's StrictModes: the path (symbolic links followed) must not be
    writable by group or others and must belong to root or the effective
    user. Parent directories are not checked. ``st`` saves the ``stat`` call
    when the caller has one.
    """
    if st is None:
        st = os.stat(path)
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise InsecurePathError(
            f"{kind} is writable by group or others "
            f"(mode {stat.filemode(st.st_mode)}); refusing to load legacy extensions from it",
            path=path,
            hint=f"run 'chmod go-w {path}', or pass allow_insecure_legacy_path=True",
        )
    euid = os.geteuid()
    if st.st_uid not in (0, euid):
        me = _user_name(euid)
        raise InsecurePathError(
            f"{kind} is owned by {_user_name(st.st_uid)}, not by root or the current "
            f"user {me}; refusing to load legacy extensions from it",
            path=path,
            hint=f"run 'chown {me} {path}', or pass allow_insecure_legacy_path=True",
        )


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def synthetic_package(real_directory: str) -> str:
    """The module name prefix for files of ``real_directory`` outside any package.

    Derived from the resolved directory, so it is stable across processes and
    cannot collide with a real module (nothing importable starts with it).
    """
    digest = hashlib.sha256(os.fsencode(real_directory)).hexdigest()[:16]
    return SYNTHETIC_PREFIX + digest


def _module_part(stem: str) -> str:
    if stem.isidentifier():
        return stem
    part = re.sub(r"\W", "_", stem)
    return f"_{part}" if part[:1].isdigit() else part


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


_DELEGATE_TEMPLATE = r"^(?:def|class)\s+{0}\b|^{0}\s*[:=]|^from\s.+\simport\s.*\b{0}\b"


def _delegates(name: str) -> re.Pattern[str]:
    return re.compile(_DELEGATE_TEMPLATE.format(re.escape(name)), re.MULTILINE)


def _split_value(value: str) -> tuple[str, str]:
    # EntryPoint.module/.attr run a regular expression each; this is the same
    # split for well-formed values, at a fraction of the cost per file.
    module, _, attr = value.partition(":")
    return module.strip(), attr.split("[", 1)[0].strip()


def _same_target(value: str, module: str, class_name: str) -> bool:
    return value == f"{module}:{class_name}" or _split_value(value) == (module, class_name)


def plan(
    *,
    group: str,
    profile: Profile,
    directories: Sequence[str],
    entry_points: Iterable[EntryPoint],
    allow_insecure: bool,
) -> list[LegacySource]:
    """The legacy files to load, in the profile's order, none of them executed.

    A file is left out when an entry point provides it: the same target
    (silently) or the same name (warning naming both; the entry point wins).
    Also left out: a file already planned through another listed directory,
    and nova-style sub-packages that delegate to their own loader (warning).
    A directory that does not exist is logged as an error and skipped, as
    Neutron does; an insecure one raises :class:`InsecurePathError` unless
    ``allow_insecure``. Symbolic links are judged by :func:`load_class`, with
    the one ``lstat`` it needs anyway.
    """
    if profile.expected_class("x") is None:
        raise ProfileError(
            f"profile {profile.name!r} does not name one class per file "
            f"(class rule {profile.class_rule!r}); the hybrid loader cannot load it",
            hint="pick the profile of the loader the service really uses "
            "(run 'epmigrate profiles')",
        )
    listed = list(entry_points)
    by_name: dict[str, EntryPoint] = {}
    for ep in listed:
        by_name.setdefault(ep.name, ep)
    values = {ep.value for ep in listed}  # exact spellings: the cheap common case
    targets: set[tuple[str, str]] | None = None  # built on first need
    resolver = PackageResolver()
    seen: set[str] = set()
    synthetic: dict[str, str] = {}
    sources: list[LegacySource] = []
    delegate_re = _delegates(profile.delegate_name) if profile.delegate_name else None

    def delegates(package_dir: str) -> bool:
        assert delegate_re is not None
        try:
            with open(os.path.join(package_dir, "__init__.py"), encoding="utf-8") as f:
                return delegate_re.search(f.read()) is not None
        except (OSError, UnicodeDecodeError):
            return False

    for given in directories:
        directory = os.path.abspath(given)
        if not os.path.isdir(directory):
            LOG.error("legacy extension path %s does not exist; skipped", given)
            continue
        if not allow_insecure:
            check_owner_and_mode(directory, "legacy extension directory")
        real_top = os.path.realpath(directory)
        try:
            entries = list(profile.iter_files(directory, delegates if delegate_re else None))
        except OSError as exc:
            LOG.error("legacy extension path %s cannot be listed: %s; skipped", given, exc)
            continue
        top_package = resolver.package_of(directory)
        for entry in entries:
            if isinstance(entry, Delegated):
                LOG.warning(
                    "legacy sub-package %s loads its own extensions through %s(); the hybrid "
                    "loader does not run it: give its extensions entry points",
                    entry.path,
                    profile.delegate_name,
                )
                continue
            stem = entry.stem
            class_name = profile.expected_class(stem)
            assert class_name is not None  # checked above for this profile
            if entry.subpackage:
                package = resolver.package_of(os.path.dirname(entry.path))
            else:
                package = top_package
            in_package = (
                package is not None and stem.isidentifier() and entry.path.endswith((".py", ".pyc"))
            )
            module = f"{package}.{stem}" if in_package else ""
            if in_package and f"{module}:{class_name}" in values:
                continue  # an entry point loads this very class
            provider = by_name.get(stem)
            if provider is not None:
                if in_package and _same_target(provider.value, module, class_name):
                    continue
                LOG.warning(
                    "legacy file %s (class %s) and entry point '%s = %s' in group %r share a "
                    "name; the entry point wins and the legacy file is not loaded",
                    entry.path,
                    class_name,
                    provider.name,
                    provider.value,
                    group,
                )
                continue
            if in_package:
                if targets is None:
                    targets = {_split_value(ep.value) for ep in listed}
                if (module, class_name) in targets:
                    LOG.debug("legacy file %s is provided by an entry point", entry.path)
                    continue
            # The same directory listed twice (under two spellings); iter_files
            # never descends into a linked directory, so this is the real path.
            real = f"{real_top}/{entry.relpath}"  # relpath has '/' separators
            if real in seen:
                LOG.debug("legacy file %s was already found through another path", entry.path)
                continue
            seen.add(real)
            if not in_package:
                file_dir = os.path.dirname(entry.path) if entry.subpackage else directory
                prefix = synthetic.get(file_dir)
                if prefix is None:
                    prefix = synthetic[file_dir] = synthetic_package(os.path.realpath(file_dir))
                module = f"{prefix}.{_module_part(stem)}"
            ep = EntryPoint(stem, f"{module}:{class_name}", group)
            sources.append(
                LegacySource(stem, entry.path, directory, module, class_name, in_package, ep)
            )
    return sources


def load_class(source: LegacySource, *, allow_insecure: bool) -> type | None:
    """Run ``source``'s module (once per process) and return its expected class.

    ``None`` when the module has no attribute of that name, as the legacy
    loaders skipped such helper files, and when the file is a symbolic link
    that leads outside the legacy directory (warning; never followed). The
    file and, for a recursive profile, its own directories are checked like
    the legacy directory.
    """
    st = os.lstat(source.path)
    if stat.S_ISLNK(st.st_mode):
        real = os.path.realpath(source.path)
        if not _within(real, os.path.realpath(source.directory)):
            LOG.warning(
                "legacy file %s leads to %s, outside %s; symbolic link not followed",
                source.path,
                real,
                source.directory,
            )
            return None
        st = os.stat(real)
    if not allow_insecure:
        # Sub-directories of a recursive profile are part of the legacy directory.
        file_dir = os.path.dirname(source.path)
        while file_dir != source.directory and _within(file_dir, source.directory):
            check_owner_and_mode(file_dir, "legacy extension directory")
            file_dir = os.path.dirname(file_dir)
        check_owner_and_mode(source.path, "legacy extension file", st)
    if source.in_package:
        module = importlib.import_module(source.module)
    else:
        module = sys.modules.get(source.module) or _exec_from_path(source, st)
    found = getattr(module, source.class_name, None)
    if found is None:
        LOG.debug("did not find expected name %r in %s; skipped", source.class_name, source.path)
        return None
    if not isinstance(found, type):
        raise TypeError(
            f"{source.path}: {source.class_name} is a {type(found).__name__}, not a class"
        )
    return found


class _CheckedSourceLoader(SourceFileLoader):
    """A source loader that reuses the ``stat`` of the ownership check.

    The file was just ``stat``-ed to vet it; the loader would ``stat`` it
    again for the bytecode cache's freshness check. Only the first request
    for the file itself is answered from the known result.
    """

    def __init__(self, fullname: str, path: str, st: os.stat_result) -> None:
        super().__init__(fullname, path)
        self._known: os.stat_result | None = st

    def path_stats(self, path: str) -> Mapping[str, Any]:
        st, self._known = self._known, None
        if st is None or path != self.path:
            return super().path_stats(path)
        return {"mtime": st.st_mtime, "size": st.st_size}


def _exec_from_path(source: LegacySource, st: os.stat_result) -> types.ModuleType:
    # A package module with an empty search path parents the synthetic name so
    # pickle and __import__ can resolve it, without making the directory's
    # other files importable through it.
    package_name, _, attr = source.module.rpartition(".")
    package = sys.modules.get(package_name)
    if package is None:
        package = types.ModuleType(package_name, f"legacy extensions of {source.directory}")
        package.__path__ = []
        sys.modules[package_name] = package
    loader: SourceFileLoader | SourcelessFileLoader
    if source.path.endswith(".pyc"):
        loader = SourcelessFileLoader(source.module, source.path)
    else:
        loader = _CheckedSourceLoader(source.module, source.path, st)
    spec = importlib.util.spec_from_file_location(source.module, source.path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[source.module] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[source.module]
        raise
    setattr(package, attr, module)
    return module


# -- the child side of ``epmigrate verify`` ----------------------------------


def class_alias(cls: type) -> str | None:
    """The alias a descriptor class declares: ``get_alias()``, else ``alias``.

    ``get_alias`` is tried as a class or static method, then as an instance
    method given the class for ``self`` (descriptors return a constant or a
    class attribute); ``None`` when neither gives a string.
    """
    getter = getattr(cls, "get_alias", None)
    if callable(getter):
        for args in ((), (cls,)):
            try:
                value = getter(*args)
            except Exception:
                continue
            if isinstance(value, str):
                return value
            break
    value = getattr(cls, "alias", None)
    return value if isinstance(value, str) else None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def probe(group: str, directories: Sequence[str], profile: Profile) -> dict[str, object]:
    """Load ``group`` through entry points only, then ``directories`` only; compare.

    Returns JSON-ready rows, one per extension either side provides; the
    identity of the two classes can only be told in the process that loaded
    both, so the comparison is made here, not in the parent.
    """
    from stevedore.extension import ExtensionManager

    failures: dict[str, str] = {}

    def on_failure(_manager: object, ep: EntryPoint, exc: BaseException) -> None:
        failures.setdefault(ep.name, _describe(exc))

    manager: ExtensionManager[object] = ExtensionManager(group, on_load_failure_callback=on_failure)
    entry_points = manager.list_entry_points()
    loaded = {ext.name: ext.plugin for ext in manager.extensions}
    rows: list[dict[str, object]] = []
    matched: set[str] = set()
    for source in plan(
        group=group,
        profile=profile,
        directories=directories,
        entry_points=(),
        allow_insecure=False,
    ):
        try:
            cls = load_class(source, allow_insecure=False)
            error = None
        except Exception as exc:
            cls, error = None, _describe(exc)
        if cls is None and error is None:
            continue  # a helper module without the expected class: not an extension
        ep = next((e for e in entry_points if e.name == source.name), None)
        if ep is None and source.in_package:
            ep = next(
                (
                    e
                    for e in entry_points
                    if (e.module, e.attr) == (source.module, source.class_name)
                ),
                None,
            )
        row: dict[str, object] = {
            "name": source.name,
            "entry_point_name": ep.name if ep else None,
            "entry_point": ep.value if ep else None,
            "entry_point_error": failures.get(ep.name) if ep else None,
            "legacy_path": source.path,
            "legacy_target": source.target if source.in_package else None,
            "legacy_class": cls.__qualname__ if cls else source.class_name,
            "legacy_error": error,
            "entry_point_alias": None,
            "legacy_alias": class_alias(cls) if cls else None,
            "same_object": None,
            "same_alias": None,
        }
        if ep is not None:
            matched.add(ep.name)
            plugin = loaded.get(ep.name)
            if isinstance(plugin, type):
                row["entry_point_alias"] = class_alias(plugin)
            if plugin is not None and cls is not None:
                row["same_object"] = plugin is cls
                row["same_alias"] = row["entry_point_alias"] == row["legacy_alias"]
        rows.append(row)
    for ep in entry_points:
        if ep.name in matched:
            continue
        plugin = loaded.get(ep.name)
        rows.append(
            {
                "name": ep.name,
                "entry_point_name": ep.name,
                "entry_point": ep.value,
                "entry_point_error": failures.get(ep.name),
                "legacy_path": None,
                "legacy_target": None,
                "legacy_class": None,
                "legacy_error": None,
                "entry_point_alias": class_alias(plugin) if isinstance(plugin, type) else None,
                "legacy_alias": None,
                "same_object": None,
                "same_alias": None,
            }
        )
        matched.add(ep.name)
    return {"python": sys.executable, "rows": rows}


def probe_main() -> int:
    """Entry of the ``epmigrate verify`` child: JSON request on stdin, report on stdout.

    Anything the loaded code prints goes to stderr, so stdout carries the
    JSON document only.
    """
    import json

    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    def emit(document: dict[str, object]) -> int:
        out.write(json.dumps(document) + "\n")
        out.flush()
        return 0

    request = json.load(sys.stdin)
    try:
        import stevedore  # noqa: F401
    except ImportError as exc:
        return emit(
            {
                "error": f"stevedore is not importable by {sys.executable}: {exc}",
                "hint": "install stevedore into that environment, or pass --python with "
                "the interpreter the service runs",
            }
        )
    try:
        profile = _probe_profile(request["profile"], request.get("profile_ref"))
        return emit(probe(request["group"], request["directories"], profile))
    except (ProfileError, InsecurePathError) as exc:
        return emit({"error": exc.message, "hint": exc.hint})


def _probe_profile(name: str, ref: str | None) -> Profile:
    from epmigrate.profiles import GROUP, get_profile

    if ref:
        # The parent resolved the name; its object reference also works where
        # epmigrate is importable but not installed (no entry-point metadata).
        try:
            return get_profile(EntryPoint(name, ref, GROUP).load())
        except Exception:
            LOG.debug("profile reference %s did not load; looking %r up by name", ref, name)
    return get_profile(name)
