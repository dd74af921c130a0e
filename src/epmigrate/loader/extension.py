"""The hybrid managers of every extension of a group: entry points, then legacy files.

:class:`HybridExtensionManager` holds the whole hybrid policy;
:class:`HybridEnabledExtensionManager` and the managers of
:mod:`epmigrate.loader.named` subclass it beside their stevedore class and
only narrow it, as stevedore's own managers narrow
:class:`~stevedore.extension.ExtensionManager`. The hybrid keyword arguments
are described in :mod:`epmigrate.loader.settings`.

Every legacy-loaded extension raises one :class:`LegacyExtensionWarning` and
logs one WARNING on the ``epmigrate`` logger with the entry point to add.
See ``docs/loader.md`` for the full rules.

This module must stay import-light: no libcst, click or tomlkit.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import warnings
from collections.abc import Callable
from importlib.metadata import EntryPoint
from typing import Any, Literal, NamedTuple, TypeVar, Unpack

from stevedore.enabled import EnabledExtensionManager
from stevedore.extension import (
    ConflictResolverT,
    Extension,
    ExtensionManager,
    OnLoadFailureCallbackT,
    ignore_conflicts,
)

from epmigrate.loader import _legacy
from epmigrate.loader._rules import escape
from epmigrate.loader._warning import LegacyExtensionWarning
from epmigrate.loader.settings import HybridOptions, HybridSettings, LegacyMode, resolve_options
from epmigrate.profiles import Profile

__all__ = [
    "ExtensionOrigin",
    "HybridEnabledExtensionManager",
    "HybridExtensionManager",
    "LegacyExtensionWarning",
]

LOG = logging.getLogger("epmigrate")

T = TypeVar("T")

_INTERNAL_MODULES = ("epmigrate.loader", "stevedore.")
_NO_SOURCES: dict[int, _legacy.LegacySource] = {}


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


def _raise_after(callback: OnLoadFailureCallbackT[T] | None) -> OnLoadFailureCallbackT[T]:
    # fail_fast: the given callback (if any) sees the failure, then it is raised.
    def on_failure(
        manager: ExtensionManager[T], entrypoint: EntryPoint, exception: BaseException
    ) -> None:
        if callback is not None:
            callback(manager, entrypoint, exception)
        raise exception

    return on_failure


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
    stevedore argument plus the hybrid keyword arguments
    (:class:`~epmigrate.loader.settings.HybridOptions`).
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
        **hybrid: Unpack[HybridOptions],
    ) -> None:
        self._configure_hybrid(hybrid)
        if self._fail_fast_enabled():
            on_load_failure_callback = _raise_after(on_load_failure_callback)
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

    def _configure_hybrid(self, options: HybridOptions) -> None:
        # The outermost constructor configures; stevedore's own constructors
        # then reach ours through super() without the hybrid arguments.
        if "_hybrid" in self.__dict__:
            return
        self._hybrid = resolve_options(type(self).__qualname__, options)
        self._legacy_sources: dict[int, _legacy.LegacySource] = {}

    def _settings(self) -> HybridSettings | None:
        # None for managers built by make_test_instance(), which skips __init__.
        settings: HybridSettings | None = self.__dict__.get("_hybrid")
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
        settings: HybridSettings,
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
        settings: HybridSettings,
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
        todo = _legacy.migration_todo(source, group, profile.name, plugin)
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
        **hybrid: Unpack[HybridOptions],
    ) -> None:
        self._configure_hybrid(hybrid)
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
