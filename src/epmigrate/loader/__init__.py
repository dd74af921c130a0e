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

Importing this package imports the standard library, stevedore and
epmigrate's profiles only: never libcst, click or tomlkit.
"""

from __future__ import annotations

from epmigrate.loader.adoption import entry_points, legacy_listing, legacy_walk
from epmigrate.loader.extension import (
    ExtensionOrigin,
    HybridEnabledExtensionManager,
    HybridExtensionManager,
    LegacyExtensionWarning,
)
from epmigrate.loader.named import (
    HybridDriverManager,
    HybridHookManager,
    HybridNamedExtensionManager,
)
from epmigrate.loader.settings import (
    DEFAULT_PROFILE,
    ENV_VAR,
    LegacyMode,
    effective_mode,
    resolve_profile,
)

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
