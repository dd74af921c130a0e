"""The runtime half of epmigrate: hybrid stevedore managers and ``epmigrate verify``.

A user imports the managers and the names below from this package (see
``docs/loader.md``). The managers live by family, as stevedore's do by
class: :mod:`~epmigrate.loader.extension` (every extension of a group:
:class:`HybridExtensionManager`, which holds the whole hybrid policy, and
:class:`HybridEnabledExtensionManager`) and :mod:`~epmigrate.loader.named`
(extensions by name: the named, driver and hook managers);
:mod:`~epmigrate.loader.settings` declares the hybrid keyword arguments.

Behind them, :mod:`epmigrate.loader._legacy` plans and loads legacy files
and words the migration advice, and three modules (standard library only)
vet and run the files: :mod:`~epmigrate.loader._rules` (the owner and mode
rule), :mod:`~epmigrate.loader._vetted` (opening and reading through checked
descriptors) and :mod:`~epmigrate.loader._modules` (module names, executing
the vetted bytes). :mod:`epmigrate.loader.probe` is the child of
``epmigrate verify`` (standard library only, with those three) and
:mod:`epmigrate.loader.verify` the command over it.

A service that keeps its own loader calls :mod:`~epmigrate.loader.adoption`
instead of a manager once ``epmigrate adopt`` has changed that loader
(``docs/adopt.md``): :func:`entry_points`, :func:`legacy_listing` and
:func:`legacy_walk`.

Importing this package imports the standard library and epmigrate's
profiles only: never libcst, click or tomlkit, and stevedore only when a
manager is first asked for (an adopted service, which calls the three
functions, never imports it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from epmigrate.loader._warning import LegacyExtensionWarning
from epmigrate.loader.adoption import entry_points, legacy_listing, legacy_walk
from epmigrate.loader.settings import (
    DEFAULT_PROFILE,
    ENV_VAR,
    LegacyMode,
    effective_mode,
    resolve_profile,
)

if TYPE_CHECKING:
    from epmigrate.loader.extension import (
        ExtensionOrigin,
        HybridEnabledExtensionManager,
        HybridExtensionManager,
    )
    from epmigrate.loader.named import (
        HybridDriverManager,
        HybridHookManager,
        HybridNamedExtensionManager,
    )

_MANAGERS = {
    "ExtensionOrigin": "epmigrate.loader.extension",
    "HybridEnabledExtensionManager": "epmigrate.loader.extension",
    "HybridExtensionManager": "epmigrate.loader.extension",
    "HybridDriverManager": "epmigrate.loader.named",
    "HybridHookManager": "epmigrate.loader.named",
    "HybridNamedExtensionManager": "epmigrate.loader.named",
}

__all__ = [
    "DEFAULT_PROFILE",
    "ENV_VAR",
    "ExtensionOrigin",
    "HybridDriverManager",
    "HybridEnabledExtensionManager",
    "HybridExtensionManager",
    "HybridHookManager",
    "HybridNamedExtensionManager",
    "LegacyExtensionWarning",
    "LegacyMode",
    "effective_mode",
    "entry_points",
    "legacy_listing",
    "legacy_walk",
    "resolve_profile",
]


def __getattr__(name: str) -> Any:
    """Import a manager (and stevedore) the first time it is asked for."""
    try:
        module = _MANAGERS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
