"""The legacy-path half of the hybrid loader: find, vet and execute legacy files.

Kept apart from the managers (:mod:`epmigrate.loader.extension`) so they read as
stevedore policy only. Everything here is import-light (standard library and
:mod:`epmigrate.profiles` only); the file access itself is
:mod:`epmigrate.loader._vetted` (the rules in :mod:`epmigrate.loader._rules`,
module names and execution in :mod:`epmigrate.loader._modules`), which
``epmigrate verify`` also runs in the service's interpreter.

Nothing in :func:`plan` executes a legacy file: it opens and checks the
directories, lists them and, for a nova-style sub-package, reads the text of
its ``__init__.py``. Only :func:`load_class` runs code, and only bytes read
from a descriptor that was checked.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Iterable, Sequence
from importlib.metadata import EntryPoint
from typing import NamedTuple

from epmigrate.errors import InsecurePathError, ProfileError
from epmigrate.loader._modules import ModuleNamer, PackageResolver, load_module
from epmigrate.loader._rules import Outside, Refused, escape
from epmigrate.loader._vetted import Directory, open_directory, vet
from epmigrate.profiles import Delegated, LegacyFile, Profile

__all__ = [
    "LegacySource",
    "close",
    "insecure",
    "list_files",
    "load_class",
    "migration_todo",
    "open_root",
    "plan",
]

LOG = logging.getLogger("epmigrate")


class LegacySource(NamedTuple):
    """One legacy file the hybrid loader will try, decided without running it.

    ``module`` is the dotted name of the file when it lies in an importable
    package, otherwise a synthetic ``_epmigrate_legacy_<hash>.<stem>`` name;
    ``entry_point`` is the synthetic entry point the extension carries;
    ``root`` is the opened legacy directory and ``relpath`` the file below
    it. (A named tuple: one is built per legacy file at every start.)
    """

    name: str
    path: str
    directory: str
    module: str
    class_name: str
    in_package: bool
    entry_point: EntryPoint
    root: Directory
    relpath: str
    package: str | None = None

    @property
    def target(self) -> str:
        """``module:Class``, the value of :attr:`entry_point`."""
        return f"{self.module}:{self.class_name}"


def insecure(exc: Refused) -> InsecurePathError:
    """The :class:`InsecurePathError` that reports a refusal of the vetting rules."""
    return InsecurePathError(exc.message, path=escape(exc.path), hint=exc.hint)


_DELEGATE_TEMPLATE = r"^(?:def|class)\s+{0}\b|^{0}\s*[:=]|^from\s.+\simport\s.*\b{0}\b"


def _module_and_attr(value: str) -> tuple[str, str]:
    # EntryPoint.module/.attr run a regular expression each; this is the same
    # split for well-formed values, at a fraction of the cost per file.
    module, _, attr = value.partition(":")
    return module.strip(), attr.split("[", 1)[0].strip()


def _same_target(value: str, module: str, class_name: str) -> bool:
    return value == f"{module}:{class_name}" or _module_and_attr(value) == (module, class_name)


def open_root(given: str, *, allow_insecure: bool) -> Directory | None:
    """Open and check one legacy directory; ``None`` (logged) when it does not exist.

    Raises :class:`InsecurePathError` when it or a directory above it fails
    the rules.
    """
    try:
        return open_directory(os.path.abspath(given), check=not allow_insecure)
    except Refused as exc:
        raise insecure(exc) from exc
    except (FileNotFoundError, NotADirectoryError):
        LOG.error("legacy extension path %s does not exist; skipped", escape(given))
    except OSError as exc:
        LOG.error("legacy extension path %s cannot be opened: %s; skipped", escape(given), exc)
    return None


def list_files(
    profile: Profile, root: Directory, *, check: bool = True
) -> list[LegacyFile | Delegated]:
    """The profile's files of ``root``, in its order.

    Names are listed by path; every file is then opened relative to the
    checked descriptor of ``root``, so a listing taken from a directory
    swapped in meanwhile can only name files that are looked for, and
    checked, in the vetted one. A nova-style sub-package's ``__init__.py``
    is read the same way (:func:`~epmigrate.loader._vetted.vet`: one
    non-blocking open, a regular file, the sub-directories checked): one
    that fails is not a delegate, and is refused when its package runs.
    """
    delegate_re = None
    if profile.delegate_name:
        delegate_re = re.compile(
            _DELEGATE_TEMPLATE.format(re.escape(profile.delegate_name)), re.MULTILINE
        )

    def delegates(package_dir: str) -> bool:
        assert delegate_re is not None
        relpath = os.path.relpath(os.path.join(package_dir, "__init__.py"), root.path)
        try:
            text = vet(root, relpath.replace(os.sep, "/"), check=check).data.decode("utf-8")
        except (OSError, Outside, UnicodeDecodeError):  # Refused is an OSError
            return False
        return delegate_re.search(text) is not None

    return list(profile.iter_files(root.path, delegates if delegate_re else None))


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
    ``allow_insecure``. The directories stay open in the sources' ``root``:
    :func:`close` them after loading.
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
    sources: list[LegacySource] = []
    roots: list[Directory] = []
    try:
        for given in directories:
            root = open_root(given, allow_insecure=allow_insecure)
            if root is None:
                continue
            roots.append(root)
            try:
                entries = list_files(profile, root, check=not allow_insecure)
            except OSError as exc:
                LOG.error(
                    "legacy extension path %s cannot be listed: %s; skipped", escape(given), exc
                )
                continue
            directory = root.path
            namer = ModuleNamer(
                resolver,
                root,
                lambda sub, entries=entries: (  # type: ignore[misc]
                    e.stem
                    for e in entries
                    if isinstance(e, LegacyFile) and "/".join(e.subpackage) == sub
                ),
            )
            for entry in entries:
                if isinstance(entry, Delegated):
                    LOG.warning(
                        "legacy sub-package %s loads its own extensions through %s(); the "
                        "hybrid loader does not run it: give its extensions entry points",
                        escape(entry.path),
                        profile.delegate_name,
                    )
                    continue
                stem = entry.stem
                class_name = profile.expected_class(stem)
                assert class_name is not None  # checked above for this profile
                module, package = namer.name(entry.path, stem, entry.subpackage)
                in_package = package is not None
                if in_package and f"{module}:{class_name}" in values:
                    continue  # an entry point loads this very class
                provider = by_name.get(stem)
                if provider is not None:
                    if in_package and _same_target(provider.value, module, class_name):
                        continue
                    LOG.warning(
                        "legacy file %s (class %s) and entry point '%s = %s' in group %r "
                        "share a name; the entry point wins and the legacy file is not loaded",
                        escape(entry.path),
                        escape(class_name),
                        escape(provider.name),
                        escape(provider.value),
                        group,
                    )
                    continue
                if in_package:
                    if targets is None:
                        targets = {_module_and_attr(ep.value) for ep in listed}
                    if (module, class_name) in targets:
                        LOG.debug("legacy file %s is provided by an entry point", entry.path)
                        continue
                real = f"{root.real}/{entry.relpath}"  # relpath has '/' separators
                if real in seen:
                    LOG.debug(
                        "legacy file %s was already found through another path",
                        escape(entry.path),
                    )
                    continue
                seen.add(real)
                ep = EntryPoint(stem, f"{module}:{class_name}", group)
                sources.append(
                    LegacySource(
                        stem,
                        entry.path,
                        directory,
                        module,
                        class_name,
                        in_package,
                        ep,
                        root,
                        entry.relpath,
                        package,
                    )
                )
    except BaseException:
        for root in roots:
            root.close()
        raise
    used = {id(s.root) for s in sources}
    for root in roots:
        if id(root) not in used:
            root.close()
    return sources


def close(sources: Iterable[LegacySource]) -> None:
    """Close the legacy directories the sources hold open."""
    for source in sources:
        source.root.close()


def load_class(source: LegacySource, *, allow_insecure: bool) -> type | None:
    """Run ``source``'s vetted bytes (once per process) and return its expected class.

    ``None`` when the module has no attribute of that name, as the legacy
    loaders skipped such helper files, and when the file is a symbolic link
    that leads outside the legacy directory (warning; never followed).
    Raises :class:`InsecurePathError` when the file, or a directory between
    it and the legacy directory, fails the rules, and when the dotted name
    would import another file than the one vetted.
    """
    try:
        module = load_module(
            source.root,
            source.relpath,
            source.module,
            source.package,
            check=not allow_insecure,
        )
    except Refused as exc:
        raise insecure(exc) from exc
    except Outside as exc:
        LOG.warning(
            "legacy file %s leads to %s, outside %s; symbolic link not followed",
            escape(exc.path),
            escape(exc.target),
            escape(source.directory),
        )
        return None
    found = getattr(module, source.class_name, None)
    if found is None:
        LOG.debug(
            "did not find expected name %r in %s; skipped", source.class_name, escape(source.path)
        )
        return None
    if not isinstance(found, type):
        raise TypeError(
            f"{escape(source.path)}: {source.class_name} is a {type(found).__name__}, not a class"
        )
    return found


def migration_todo(source: LegacySource, group: str, profile: str, plugin: object) -> str:
    """What to do so that an entry point provides ``source``'s ``plugin``, with the command."""
    # The root of the class's own hierarchy (the service's descriptor
    # base, shared by its siblings), so that the scan the command runs
    # accepts the directory's extensions whatever the profile's defaults.
    roots = [
        c
        for c in getattr(plugin, "__mro__", ())[1:]
        if c.__module__ not in ("builtins", "abc", "typing")
    ]
    base = roots[-1] if roots else None
    command = _write_command(
        group,
        source.directory,
        profile,
        f"{base.__module__}.{base.__qualname__}" if base is not None else None,
        source.in_package,
    )
    if source.in_package:
        line = f"{group}: {source.name} = {source.target}"
        # The entry point may be written already and only not installed.
        return (
            f"no installed package declares the entry point '{line}': write it "
            f"({command}) and install the package, or reinstall it if it is written"
        )
    stem = source.module.rpartition(".")[2]
    line = f"{group}: {source.name} = <package>.{stem}:{source.class_name}"
    return (
        f"{source.directory} is not an importable package: make its files a package "
        f"that declares the entry point '{line}' ({command}), and install it"
    )


@functools.lru_cache(maxsize=64)
def _write_command(
    group: str, directory: str, profile: str, base: str | None, in_package: bool
) -> str:
    # Imported when the first legacy extension is reported, not at start-up.
    import shlex

    args = ["--group", group, "--path", directory, "--profile", profile]
    if base:
        args += ["--base", base]
    if in_package:
        return shlex.join(["epmigrate", "write", *args])
    # Loose files: the command that makes them an installable package.
    return " ".join(
        ["epmigrate write --new-package <dist-name>", shlex.join(args), "<new-project-dir>"]
    )
