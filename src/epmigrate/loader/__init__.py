"""The runtime half of epmigrate: hybrid stevedore managers and ``epmigrate verify``.

:mod:`epmigrate.loader.managers` holds the managers (entry points first,
then the legacy extension path), :mod:`epmigrate.loader._legacy` plans and
loads legacy files, and three modules (standard library only) vet and run
them: :mod:`~epmigrate.loader._rules` (the owner and mode rule),
:mod:`~epmigrate.loader._vetted` (opening and reading through checked
descriptors) and :mod:`~epmigrate.loader._modules` (module names, executing
the vetted bytes). :mod:`epmigrate.loader.probe` is the child of
``epmigrate verify`` (standard library only, with those three) and
:mod:`epmigrate.loader.verify` the command over it.

Importing this package imports the standard library, stevedore and
epmigrate's profiles only: never libcst, click or tomlkit. See
``docs/loader.md``.
"""

from __future__ import annotations

from epmigrate.loader.managers import (
    DEFAULT_PROFILE,
    ENV_VAR,
    ExtensionOrigin,
    HybridDriverManager,
    HybridEnabledExtensionManager,
    HybridExtensionManager,
    HybridHookManager,
    HybridNamedExtensionManager,
    LegacyExtensionWarning,
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
    "resolve_profile",
]
