"""The hybrid managers of named extensions: named, driver and hook managers.

Only the legacy files whose stem is named run. :class:`HybridDriverManager`
and :class:`HybridHookManager` subclass :class:`HybridNamedExtensionManager`,
as their stevedore classes subclass ``NamedExtensionManager``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, Unpack

from stevedore.driver import DriverManager
from stevedore.extension import (
    ConflictResolverT,
    Extension,
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

from epmigrate.loader.extension import HybridExtensionManager
from epmigrate.loader.settings import HybridOptions

__all__ = ["HybridDriverManager", "HybridHookManager", "HybridNamedExtensionManager"]

T = TypeVar("T")


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
        **hybrid: Unpack[HybridOptions],
    ) -> None:
        self._configure_hybrid(hybrid)
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
        **hybrid: Unpack[HybridOptions],
    ) -> None:
        self._configure_hybrid(hybrid)
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
        **hybrid: Unpack[HybridOptions],
    ) -> None:
        self._configure_hybrid(hybrid)
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
