"""Hybrid stevedore managers: entry points first, then the legacy extension path.

Each class subclasses the stevedore manager of the same role and accepts all
of its arguments, plus these keyword arguments:

``legacy_paths``
    The legacy directories, a list or a ``:``-joined string as in service
    configs (split the way ``profile`` splits it).
``profile``
    The legacy loader's rules, a profile name or a
    :class:`~epmigrate.profiles.Profile` (default ``"neutron"``).
``legacy``
    ``"fallback"`` (default) loads legacy files that no entry point
    provides; ``"off"`` loads entry points only. The environment variable
    ``EPMIGRATE_LEGACY=off`` overrides it.
``fail_fast``
    Raise the first load failure, as the oslo-incubator loader did. Defaults
    to the profile's ``abort_on_error``.
``allow_insecure_legacy_path``
    Load from directories and files that group or others can write, or that
    another user owns.

Every legacy-loaded extension raises one :class:`LegacyExtensionWarning` and
logs one WARNING on the ``epmigrate`` logger with the entry point to add.
See ``docs/loader.md`` for the full rules.

This module must stay import-light: no libcst, click or tomlkit.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
import shlex
import sys
import warnings
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint
from typing import Any, Literal, NamedTuple, TypeVar

from stevedore.driver import DriverManager
from stevedore.enabled import EnabledExtensionManager
from stevedore.extension import (
    ConflictResolverT,
    Extension,
    ExtensionManager,
    OnLoadFailureCallbackT,
    error_on_conflict,
    ignore_conflicts,
)
from stevedore.hook import HookManager
from stevedore.named import (
    NamedExtensionManager,
    OnMissingEntrypointsCallbackT,
    warning_on_missing_entrypoint,
)

from epmigrate.loader import _legacy
from epmigrate.loader._rules import escape
from epmigrate.profiles import GROUP as PROFILES_GROUP
from epmigrate.profiles import Profile, get_profile, is_builtin

# Imported with the loader, so resolving the default profile by name at
# construction imports nothing.
from epmigrate.profiles import neutron as _default_profile  # noqa: F401

__all__ = [
    "ENV_VAR",
    "ExtensionOrigin",
    "HybridDriverManager",
    "HybridEnabledExtensionManager",
    "HybridExtensionManager",
    "HybridHookManager",
    "HybridNamedExtensionManager",
    "LegacyExtensionWarning",
    "LegacyMode",
]

LOG = logging.getLogger("epmigrate")

T = TypeVar("T")

LegacyMode = Literal["fallback", "off"]
"""``fallback``: entry points, then legacy files; ``off``: entry points only."""

ENV_VAR = "EPMIGRATE_LEGACY"
"""Set to ``off`` to switch every hybrid manager of the process to entry points only."""

DEFAULT_PROFILE = "neutron"

_INTERNAL_MODULES = ("epmigrate.loader", "stevedore.")
_NO_SOURCES: dict[int, _legacy.LegacySource] = {}


class LegacyExtensionWarning(DeprecationWarning):
    """An extension was loaded from the legacy path; the message says what to add."""


class ExtensionOrigin(NamedTuple):
    """Where one loaded extension came from.

    ``kind`` is ``"entry_point"`` (``distribution`` and ``version`` name the
    installed distribution when it can be found) or ``"legacy"`` (``path`` is
    the legacy file). ``target`` is the ``module:Class`` of the extension's
    entry point, synthetic for legacy files outside any package.
    """

    kind: Literal["entry_point", "legacy"]
    name: str
    target: str
    distribution: str | None = None
    version: str | None = None
    path: str | None = None

    @property
    def is_legacy(self) -> bool:
        """Whether the extension came from the legacy path."""
        return self.kind == "legacy"

    def __str__(self) -> str:
        if self.kind == "legacy":
            return f"legacy file {self.path}"
        dist = f" from {self.distribution} {self.version}" if self.distribution else ""
        return f"entry point {self.name} = {self.target}{dist}"


class _Settings(NamedTuple):
    mode: LegacyMode
    directories: tuple[str, ...]
    profile: Profile
    fail_fast: bool
    allow_insecure: bool


def effective_mode(legacy: str) -> LegacyMode:
    """``legacy`` after the ``EPMIGRATE_LEGACY`` override; invalid values raise ``ValueError``."""
    if legacy not in ("fallback", "off"):
        raise ValueError(f"legacy must be 'fallback' or 'off', not {legacy!r}")
    env = os.environ.get(ENV_VAR, "").strip().lower()
    if env == "off":
        return "off"
    if env not in ("", "fallback"):
        LOG.warning("%s=%r is not 'off' or 'fallback'; ignored", ENV_VAR, os.environ[ENV_VAR])
    return "off" if legacy == "off" else "fallback"


def resolve_profile(profile: str | Profile) -> Profile:
    """The :class:`Profile` named ``profile`` (a ``Profile`` is returned as is).

    The usual case reads the profile group through stevedore's entry-point
    cache, which the manager reads right after for its own group, instead of
    a second ``importlib.metadata`` scan of every distribution (milliseconds
    at start-up); anything unusual is left to
    :func:`epmigrate.profiles.get_profile`, which also words the errors.
    """
    if isinstance(profile, Profile):
        return profile
    if is_builtin(profile):
        # Imported directly: no entry-point scan at all, with or without
        # stevedore's cache (an interpreter under /tmp has none).
        return get_profile(profile)
    lister: ExtensionManager[Any] = ExtensionManager.make_test_instance(
        [], namespace=PROFILES_GROUP
    )
    for ep in lister.list_entry_points():
        if ep.name == profile:
            try:
                found = ep.load()
            except Exception:
                break
            if isinstance(found, Profile):
                return found
            break
    return get_profile(profile)


def _fail_fast(callback: OnLoadFailureCallbackT[T] | None) -> OnLoadFailureCallbackT[T]:
    def on_failure(
        manager: ExtensionManager[T], entrypoint: EntryPoint, exception: BaseException
    ) -> None:
        if callback is not None:
            callback(manager, entrypoint, exception)
        raise exception

    return on_failure


@functools.lru_cache(maxsize=64)
def _write_command(
    group: str, directory: str, profile: str, base: str | None, in_package: bool
) -> str:
    args = ["--group", group, "--path", directory, "--profile", profile]
    if base:
        args += ["--base", base]
    if in_package:
        return shlex.join(["epmigrate", "write", *args])
    # Loose files: the command that makes them an installable package.
    return " ".join(
        ["epmigrate write --new-package <dist-name>", shlex.join(args), "<new-project-dir>"]
    )


def _stacklevel() -> int:
    # The frame that built the manager, past stevedore's and our own frames.
    level = 1
    frame = sys._getframe(1)
    while frame.f_back is not None and str(frame.f_globals.get("__name__", "")).startswith(
        _INTERNAL_MODULES
    ):
        frame = frame.f_back
        level += 1
    return level


class HybridExtensionManager(ExtensionManager[T]):
    """A stevedore :class:`~stevedore.extension.ExtensionManager` with a legacy fallback.

    Loads the ``namespace`` entry points through stevedore, then the legacy
    files of ``legacy_paths`` that no entry point provides. Takes every
    stevedore argument plus the hybrid keyword arguments described in
    :mod:`epmigrate.loader`.
    """

    def __init__(
        self,
        namespace: str,
        invoke_on_load: bool = False,
        invoke_args: tuple[Any, ...] | None = None,
        invoke_kwds: dict[str, Any] | None = None,
        propagate_map_exceptions: bool = False,
        on_load_failure_callback: OnLoadFailureCallbackT[T] | None = None,
        verify_requirements: bool | None = None,
        *,
        conflict_resolver: ConflictResolverT[T] = ignore_conflicts,
        legacy_paths: str | Sequence[str] | None = None,
        profile: str | Profile = DEFAULT_PROFILE,
        legacy: LegacyMode = "fallback",
        fail_fast: bool | None = None,
        allow_insecure_legacy_path: bool = False,
    ) -> None:
        self._configure_hybrid(legacy_paths, profile, legacy, fail_fast, allow_insecure_legacy_path)
        if self._fail_fast_enabled():
            on_load_failure_callback = _fail_fast(on_load_failure_callback)
        super().__init__(
            namespace,
            invoke_on_load,
            invoke_args,
            invoke_kwds,
            propagate_map_exceptions,
            on_load_failure_callback,
            verify_requirements,
            conflict_resolver=conflict_resolver,
        )

    # -- configuration -----------------------------------------------------

    def _configure_hybrid(
        self,
        legacy_paths: str | Sequence[str] | None,
        profile: str | Profile,
        legacy: LegacyMode,
        fail_fast: bool | None,
        allow_insecure: bool,
    ) -> None:
        # The outermost constructor configures; stevedore's own constructors
        # then reach ours through super() without the hybrid arguments.
        if "_hybrid" in self.__dict__:
            return
        mode = effective_mode(legacy)
        # Resolved even when the legacy path is off, so that switching it off
        # does not change the failure policy (abort_on_error) of entry points.
        resolved = resolve_profile(profile)
        directories = tuple(resolved.paths(legacy_paths)) if legacy_paths else ()
        fail = resolved.abort_on_error if fail_fast is None else fail_fast
        self._hybrid = _Settings(mode, directories, resolved, fail, allow_insecure)
        self._legacy_sources: dict[int, _legacy.LegacySource] = {}

    def _settings(self) -> _Settings | None:
        # None for managers built by make_test_instance(), which skips __init__.
        settings: _Settings | None = self.__dict__.get("_hybrid")
        return settings

    def _fail_fast_enabled(self) -> bool:
        settings = self._settings()
        return settings is not None and settings.fail_fast

    @property
    def legacy_mode(self) -> LegacyMode:
        """The legacy mode in force, after the ``EPMIGRATE_LEGACY`` override."""
        settings = self._settings()
        return settings.mode if settings is not None else "off"

    @property
    def legacy_paths(self) -> tuple[str, ...]:
        """The legacy directories as configured, split by the profile's rule.

        They are scanned only when :attr:`legacy_mode` is ``"fallback"``.
        """
        settings = self._settings()
        return settings.directories if settings is not None else ()

    @property
    def profile(self) -> Profile | None:
        """The legacy loader's profile (``None`` for a test instance)."""
        settings = self._settings()
        return settings.profile if settings is not None else None

    @property
    def fail_fast(self) -> bool:
        """Whether the first load failure is raised."""
        return self._fail_fast_enabled()

    # -- loading -----------------------------------------------------------

    def _load_plugins(
        self,
        invoke_on_load: bool,
        invoke_args: tuple[Any, ...],
        invoke_kwds: dict[str, Any],
    ) -> list[Extension[T]]:
        extensions = super()._load_plugins(invoke_on_load, invoke_args, invoke_kwds)
        settings = self._settings()
        if settings is not None and settings.mode == "fallback" and settings.directories:
            extensions.extend(self._load_legacy(settings, invoke_on_load, invoke_args, invoke_kwds))
        self._report_duplicates(extensions)
        return extensions

    def _load_legacy(
        self,
        settings: _Settings,
        invoke_on_load: bool,
        invoke_args: tuple[Any, ...],
        invoke_kwds: dict[str, Any],
    ) -> list[Extension[T]]:
        sources = _legacy.plan(
            group=self.namespace,
            profile=settings.profile,
            directories=settings.directories,
            entry_points=self.list_entry_points(),
            allow_insecure=settings.allow_insecure,
        )
        # Keyed by identity: a synthetic entry point compares equal to a real
        # one with the same name, value and group.
        self._legacy_sources = {id(s.entry_point): s for s in sources}
        try:
            return self._load_sources(sources, settings, invoke_on_load, invoke_args, invoke_kwds)
        finally:
            _legacy.close(sources)

    def _load_sources(
        self,
        sources: list[_legacy.LegacySource],
        settings: _Settings,
        invoke_on_load: bool,
        invoke_args: tuple[Any, ...],
        invoke_kwds: dict[str, Any],
    ) -> list[Extension[T]]:
        stacklevel = _stacklevel() + 1  # the same call stack for every warning below
        debug = LOG.isEnabledFor(logging.DEBUG)
        loaded: list[Extension[T]] = []
        warned: list[tuple[_legacy.LegacySource, object]] = []
        for source in sources:
            ep = source.entry_point
            if debug:
                LOG.debug("found legacy extension %r in %s", ep.name, escape(source.path))
            try:
                ext = self._load_one_plugin(ep, invoke_on_load, invoke_args, invoke_kwds)
            except (KeyboardInterrupt, AssertionError):
                raise
            except Exception as err:
                if self._on_load_failure_callback is not None:
                    self._on_load_failure_callback(self, ep, err)
                else:
                    LOG.error(
                        "Could not load %r from %s: %s",
                        ep.name,
                        escape(source.path),
                        escape(err),
                        exc_info=LOG.isEnabledFor(logging.DEBUG),
                    )
                continue
            if ext is not None:
                loaded.append(ext)
                warned.append((source, ext.plugin))
        # Warned once all are loaded rather than between two module
        # executions, which costs several times more (cold caches each time).
        for source, plugin in warned:
            self._warn_legacy(source, plugin, settings.profile, stacklevel)
        return loaded

    def _load_one_plugin(
        self,
        ep: EntryPoint,
        invoke_on_load: bool,
        invoke_args: tuple[Any, ...],
        invoke_kwds: dict[str, Any],
    ) -> Extension[T] | None:
        source = self.__dict__.get("_legacy_sources", _NO_SOURCES).get(id(ep))
        if source is None:
            return super()._load_one_plugin(ep, invoke_on_load, invoke_args, invoke_kwds)
        settings = self._settings()
        allow = settings is not None and settings.allow_insecure
        plugin = _legacy.load_class(source, allow_insecure=allow)
        if plugin is None:
            return None
        obj = plugin(*invoke_args, **invoke_kwds) if invoke_on_load else None
        return Extension(ep.name, ep, plugin, obj)

    def _warn_legacy(
        self, source: _legacy.LegacySource, plugin: object, profile: Profile, stacklevel: int
    ) -> None:
        group = self.namespace
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
            profile.name,
            f"{base.__module__}.{base.__qualname__}" if base is not None else None,
            source.in_package,
        )
        if source.in_package:
            line = f"{group}: {source.name} = {source.target}"
            # The entry point may be written already and only not installed.
            todo = (
                f"no installed package declares the entry point '{line}': write it "
                f"({command}) and install the package, or reinstall it if it is written"
            )
        else:
            stem = source.module.rpartition(".")[2]
            line = f"{group}: {source.name} = <package>.{stem}:{source.class_name}"
            todo = (
                f"{source.directory} is not an importable package: make its files a package "
                f"that declares the entry point '{line}' ({command}), and install it"
            )
        LOG.warning(
            "extension %r of group %r was loaded from the legacy path %s; %s",
            source.name,
            group,
            escape(source.path),
            escape(todo),
        )
        warnings.warn(
            f"extension {source.name!r} of group {group!r} was loaded from the legacy path "
            f"{escape(source.path)}; {escape(todo)}",
            LegacyExtensionWarning,
            stacklevel=stacklevel,
        )

    def _report_duplicates(self, extensions: list[Extension[T]]) -> None:
        by_name: dict[str, list[Extension[T]]] = {}
        for ext in extensions:
            by_name.setdefault(ext.name, []).append(ext)
        for name, found in by_name.items():
            if len(found) > 1:
                LOG.warning(
                    "%d extensions named %r in group %r: %s; the conflict resolver picks one",
                    len(found),
                    name,
                    self.namespace,
                    escape("; ".join(str(self.origin(e)) for e in found)),
                )

    # -- lookup ------------------------------------------------------------

    @property
    def _extensions_by_name(self) -> dict[str, Extension[T]]:
        # stevedore groups with itertools.groupby, which only sees adjacent
        # duplicates; group over the whole list so none escapes the resolver.
        if self._extensions_by_name_cache is None:
            groups: dict[str, list[Extension[T]]] = {}
            for ext in self.extensions:
                groups.setdefault(ext.name, []).append(ext)
            self._extensions_by_name_cache = {
                name: found[0]
                if len(found) == 1
                else self._conflict_resolver(self.namespace, name, found)
                for name, found in groups.items()
            }
        return self._extensions_by_name_cache

    def origin(self, extension: str | Extension[T]) -> ExtensionOrigin:
        """Where an extension (or the one a name resolves to) came from.

        Raises ``KeyError`` for a name the manager has not loaded.
        """
        if isinstance(extension, str):
            matching = [e for e in self.extensions if e.name == extension]
            if not matching:
                raise KeyError(extension)
            ext = matching[0] if len(matching) == 1 else self._extensions_by_name[extension]
        else:
            ext = extension
        ep = ext.entry_point
        source = self.__dict__.get("_legacy_sources", _NO_SOURCES).get(id(ep))
        if source is not None:
            return ExtensionOrigin("legacy", ext.name, source.target, path=source.path)
        target = getattr(ep, "value", "")
        dist, version = self._distribution_of(ep)
        return ExtensionOrigin("entry_point", ext.name, target, dist, version)

    def _distribution_of(self, ep: EntryPoint) -> tuple[str | None, str | None]:
        dist = getattr(ep, "dist", None)
        if dist is not None:
            return dist.metadata["Name"], dist.version
        # stevedore's cached entry points carry no distribution: find it once.
        index: dict[tuple[str, str], tuple[str, str]] | None = self.__dict__.get("_dist_index")
        if index is None:
            index = {}
            for found in importlib.metadata.distributions():
                for e in found.entry_points.select(group=self.namespace):
                    index.setdefault((e.name, e.value), (found.metadata["Name"], found.version))
            self._dist_index = index
        hit = index.get((getattr(ep, "name", ""), getattr(ep, "value", "")))
        return hit if hit is not None else (None, None)


class HybridEnabledExtensionManager(EnabledExtensionManager[T], HybridExtensionManager[T]):
    """A stevedore :class:`~stevedore.enabled.EnabledExtensionManager` with a legacy fallback.

    ``check_func`` sees legacy extensions too, after their file has run.
    """

    def __init__(
        self,
        namespace: str,
        check_func: Callable[[Extension[T]], bool],
        invoke_on_load: bool = False,
        invoke_args: tuple[Any, ...] | None = None,
        invoke_kwds: dict[str, Any] | None = None,
        propagate_map_exceptions: bool = False,
        on_load_failure_callback: OnLoadFailureCallbackT[T] | None = None,
        verify_requirements: bool | None = None,
        *,
        conflict_resolver: ConflictResolverT[T] = ignore_conflicts,
        legacy_paths: str | Sequence[str] | None = None,
        profile: str | Profile = DEFAULT_PROFILE,
        legacy: LegacyMode = "fallback",
        fail_fast: bool | None = None,
        allow_insecure_legacy_path: bool = False,
    ) -> None:
        self._configure_hybrid(legacy_paths, profile, legacy, fail_fast, allow_insecure_legacy_path)
        super().__init__(
            namespace,
            check_func,
            invoke_on_load,
            invoke_args,
            invoke_kwds,
            propagate_map_exceptions,
            on_load_failure_callback,
            verify_requirements,
            conflict_resolver=conflict_resolver,
        )


class HybridNamedExtensionManager(NamedExtensionManager[T], HybridExtensionManager[T]):
    """A stevedore :class:`~stevedore.named.NamedExtensionManager` with a legacy fallback.

    A legacy file whose stem is not in ``names`` is never executed, as
    stevedore never loads an unnamed entry point; ``name_order`` orders legacy
    extensions too.
    """

    def __init__(
        self,
        namespace: str,
        names: Sequence[str],
        invoke_on_load: bool = False,
        invoke_args: tuple[Any, ...] | None = None,
        invoke_kwds: dict[str, Any] | None = None,
        name_order: bool = False,
        propagate_map_exceptions: bool = False,
        on_load_failure_callback: OnLoadFailureCallbackT[T] | None = None,
        on_missing_entrypoints_callback: (
            OnMissingEntrypointsCallbackT | None
        ) = warning_on_missing_entrypoint,
        verify_requirements: bool | None = None,
        warn_on_missing_entrypoint: bool | None = None,
        *,
        conflict_resolver: ConflictResolverT[T] = ignore_conflicts,
        legacy_paths: str | Sequence[str] | None = None,
        profile: str | Profile = DEFAULT_PROFILE,
        legacy: LegacyMode = "fallback",
        fail_fast: bool | None = None,
        allow_insecure_legacy_path: bool = False,
    ) -> None:
        self._configure_hybrid(legacy_paths, profile, legacy, fail_fast, allow_insecure_legacy_path)
        super().__init__(
            namespace,
            names,
            invoke_on_load,
            invoke_args,
            invoke_kwds,
            name_order,
            propagate_map_exceptions,
            on_load_failure_callback,
            on_missing_entrypoints_callback,
            verify_requirements,
            warn_on_missing_entrypoint,
            conflict_resolver=conflict_resolver,
        )


class HybridDriverManager(DriverManager[T], HybridNamedExtensionManager[T]):
    """A stevedore :class:`~stevedore.driver.DriverManager` with a legacy fallback.

    A driver that only the legacy path provides is found by its file stem.
    As in stevedore, a load failure raises unless a callback is given.
    """

    def __init__(
        self,
        namespace: str,
        name: str,
        invoke_on_load: bool = False,
        invoke_args: tuple[Any, ...] | None = None,
        invoke_kwds: dict[str, Any] | None = None,
        on_load_failure_callback: OnLoadFailureCallbackT[T] | None = None,
        on_missing_entrypoints_callback: (
            OnMissingEntrypointsCallbackT | None
        ) = warning_on_missing_entrypoint,
        verify_requirements: bool | None = None,
        warn_on_missing_entrypoint: bool | None = None,
        *,
        conflict_resolver: ConflictResolverT[T] = error_on_conflict,
        legacy_paths: str | Sequence[str] | None = None,
        profile: str | Profile = DEFAULT_PROFILE,
        legacy: LegacyMode = "fallback",
        fail_fast: bool | None = None,
        allow_insecure_legacy_path: bool = False,
    ) -> None:
        self._configure_hybrid(legacy_paths, profile, legacy, fail_fast, allow_insecure_legacy_path)
        super().__init__(
            namespace,
            name,
            invoke_on_load,
            invoke_args,
            invoke_kwds,
            on_load_failure_callback,
            on_missing_entrypoints_callback,
            verify_requirements,
            warn_on_missing_entrypoint,
            conflict_resolver=conflict_resolver,
        )


class HybridHookManager(HookManager[T], HybridNamedExtensionManager[T]):
    """A stevedore :class:`~stevedore.hook.HookManager` with a legacy fallback.

    Legacy files whose stem is the hook name join the hook, after the entry
    points; ``manager[name]`` lists them all in that order.
    """

    def __init__(
        self,
        namespace: str,
        name: str,
        invoke_on_load: bool = False,
        invoke_args: tuple[Any, ...] | None = None,
        invoke_kwds: dict[str, Any] | None = None,
        on_load_failure_callback: OnLoadFailureCallbackT[T] | None = None,
        on_missing_entrypoints_callback: OnMissingEntrypointsCallbackT | None = None,
        verify_requirements: bool | None = None,
        warn_on_missing_entrypoint: bool | None = None,
        *,
        conflict_resolver: ConflictResolverT[T] = ignore_conflicts,
        legacy_paths: str | Sequence[str] | None = None,
        profile: str | Profile = DEFAULT_PROFILE,
        legacy: LegacyMode = "fallback",
        fail_fast: bool | None = None,
        allow_insecure_legacy_path: bool = False,
    ) -> None:
        self._configure_hybrid(legacy_paths, profile, legacy, fail_fast, allow_insecure_legacy_path)
        super().__init__(
            namespace,
            name,
            invoke_on_load,
            invoke_args,
            invoke_kwds,
            on_load_failure_callback,
            on_missing_entrypoints_callback,
            verify_requirements,
            warn_on_missing_entrypoint,
            conflict_resolver=conflict_resolver,
        )

    def _report_duplicates(self, extensions: list[Extension[T]]) -> None:
        # Every extension of a hook shares the hook's name: that is the point.
        return
