"""What a service's own extension loader calls once it has adopted epmigrate.

``epmigrate adopt`` changes a service's loader (Neutron's
``ExtensionManager``, the ``load_standard_extensions`` of Cinder and
Manila, the oslo-incubator copy) so that it reads its entry-point group
first and its legacy directories only for what no entry point provides. The
service keeps its own checks, its own error handling and its own log lines;
the three functions here only say *what* to load:

:func:`entry_points`
    The group's entry points, in a stable order, for the service to load
    and register as it registers a legacy extension.
:func:`legacy_listing`
    A legacy directory's listing (the ``os.listdir`` a path loader
    iterates), without the files an entry point provides; empty with
    ``EPMIGRATE_LEGACY=off``.
:func:`legacy_walk`
    The same for a loader that walks its directory with ``os.walk``.

Each legacy file still listed that the profile counts is reported once per
process: a :class:`~epmigrate.loader.LegacyExtensionWarning` and a log
warning naming the group to declare it in. Nothing here executes a legacy
file, vets one, or imports an entry point's module: the service does.
Standard library only (with :mod:`epmigrate.profiles` and
:mod:`epmigrate.loader.settings`), as it runs at every service start: an
adopted service imports ``epmigrate.loader`` and these three, never
stevedore (whose version the service pins) nor the hybrid managers.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from importlib import metadata
from importlib.metadata import EntryPoint

from epmigrate.loader._modules import PackageResolver
from epmigrate.loader._rules import escape
from epmigrate.loader._warning import LegacyExtensionWarning
from epmigrate.loader.settings import effective_mode, resolve_profile
from epmigrate.profiles import Profile

__all__ = [
    "entry_points",
    "legacy_listing",
    "legacy_walk",
]

LOG = logging.getLogger("epmigrate")

_cache: dict[str, tuple[tuple[object, ...], tuple[EntryPoint, ...]]] = {}
_warned: set[tuple[str, str]] = set()


def _path_state() -> tuple[object, ...]:
    """What the installed entry points depend on: ``sys.path`` and its directories' mtimes.

    Installing or removing a distribution adds or removes a ``.dist-info``
    directory, which changes its site directory's modification time (in
    nanoseconds), so a cached answer is never stale across an install.
    """
    state: list[object] = []
    for entry in sys.path:
        if not isinstance(entry, str):
            continue
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` installed for this interpreter, in a stable order.

    Sorted by name, then value, so every server of a cluster loads them in
    the same order whatever order the file system lists distributions in (a
    service's duplicate check then keeps the same one everywhere); one
    distribution found twice on ``sys.path`` counts once. Nothing is
    imported: the service loads each with :meth:`EntryPoint.load`, inside
    its own error handling. The answer is cached per process while
    ``sys.path`` and its directories are unchanged.

    Read with :mod:`importlib.metadata` at each start, not through
    stevedore's on-disk cache: that cache keys on modification times packed
    into 32-bit floats (128 seconds apart at today's dates), so an
    ``entry_points.txt`` rewritten in place (a plugin reinstalled at the same
    version after ``epmigrate write``) can stay unseen for minutes.
    """
    state = _path_state()
    hit = _cache.get(group)
    if hit is not None and hit[0] == state:
        return list(hit[1])
    found = {(ep.name, ep.value): ep for ep in metadata.entry_points(group=group)}
    ordered = tuple(found[key] for key in sorted(found))
    _cache[group] = (state, ordered)
    return list(ordered)


def _provided(group: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names and the target modules of the group's entry points."""
    eps = entry_points(group)
    return (
        frozenset(ep.name for ep in eps),
        frozenset(ep.value.partition(":")[0].strip() for ep in eps),
    )


def _kept(
    directory: str,
    names: Iterable[str],
    *,
    group: str,
    profile: Profile,
    siblings: frozenset[str],
    subpackage: tuple[str, ...] = (),
    resolver: PackageResolver | None = None,
) -> list[str]:
    """``names`` of ``directory`` without the files an entry point provides; warn for the rest."""
    by_name, modules = _provided(group)
    package: str | None = None
    looked_up = False
    kept: list[str] = []
    for name in names:
        if not profile.counts(name, siblings):
            kept.append(name)  # not an extension file: the service decides, as before
            continue
        stem = os.path.splitext(name)[0]
        if stem in by_name:
            LOG.debug("legacy file %s is provided by an entry point", escape(name))
            continue
        if not looked_up:
            package = (resolver or PackageResolver()).package_of(os.path.abspath(directory))
            looked_up = True
        if package is not None and f"{package}.{stem}" in modules:
            LOG.debug("legacy file %s is provided by an entry point", escape(name))
            continue
        kept.append(name)
        _warn(os.path.join(directory, name), stem, group, profile, package, subpackage)
    return kept


def _warn(
    path: str,
    stem: str,
    group: str,
    profile: Profile,
    package: str | None,
    subpackage: tuple[str, ...],
) -> None:
    # Called from _kept, called from legacy_listing or legacy_walk: stacklevel 4
    # names the service's line that lists the directory.
    key = (group, os.path.abspath(path))
    if key in _warned:
        return
    _warned.add(key)
    cls = profile.expected_class(stem) or "<Class>"
    # The file's module when its directory is a package (the name its entry
    # point takes where it is), else the package it will be moved into.
    module = f"{package}.{stem}" if package else ".".join(("<package>", *subpackage, stem))
    message = (
        f"legacy extension file {escape(path)} is loaded from the legacy path, not from "
        f"group {group!r}: declare it as the entry point "
        f"'{stem} = {module}:{cls}' in that group "
        f"(epmigrate write --group {group} --profile {profile.name}) and install its package"
    )
    LOG.warning("%s", message)
    warnings.warn(message, LegacyExtensionWarning, stacklevel=4)


def legacy_listing(directory: str, *, group: str, profile: str | Profile = "neutron") -> list[str]:
    """The names of ``directory`` a path loader should still try, in the profile's order.

    What a loader's ``os.listdir(path)`` (``sorted()`` for profiles that
    sort) becomes once adopted: the same names, less those of files whose
    extension an entry point of ``group`` provides (the entry point's name
    is the file's stem, as ``epmigrate write`` names it, or its module is
    the file's module). Empty when the legacy path is off
    (``EPMIGRATE_LEGACY=off``). Raises what ``os.listdir`` raises.
    """
    prof = resolve_profile(profile)
    names = os.listdir(directory)
    if effective_mode("fallback") == "off":
        return []
    if prof.sort_files:
        names = sorted(names)
    return _kept(directory, names, group=group, profile=prof, siblings=frozenset(names))


def legacy_walk(
    directory: str, *, group: str, profile: str | Profile = "nova"
) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(directory)`` for a loader that walks, less the files entry points provide.

    Yields what ``os.walk`` yields, top-down, with the same ``dirnames``
    list (a loader that prunes it in place still prunes the walk) and
    ``filenames`` filtered as :func:`legacy_listing` filters a listing.
    Yields nothing when the legacy path is off (``EPMIGRATE_LEGACY=off``).
    """
    prof = resolve_profile(profile)
    if effective_mode("fallback") == "off":
        return
    resolver = PackageResolver()
    top = os.path.abspath(directory)
    for dirpath, dirnames, filenames in os.walk(directory):
        rel = os.path.relpath(os.path.abspath(dirpath), top)
        subpackage = () if rel == "." else tuple(rel.split(os.sep))
        kept = _kept(
            dirpath,
            filenames,
            group=group,
            profile=prof,
            siblings=frozenset(filenames),
            subpackage=subpackage,
            resolver=resolver,
        )
        yield dirpath, dirnames, kept
