"""The library API: every name a user of epmigrate may import, in one place.

    from epmigrate.api import scan, prepare_write, commit_write, HybridExtensionManager

Everything else in the package is an internal module whose names may change
between releases. Each name is imported from its home module when it is
first used (PEP 562), so ``import epmigrate.api`` costs nothing until then:
a service that asks for a manager never imports the scanner, and a scan
never imports stevedore.

* scanning: :func:`scan` and its :class:`ScanResult`, :class:`ScanError`,
  the :class:`Cache`;
* writing: :func:`prepare_write` (scan, choose the target file, compute the
  edit and its diff) and :func:`commit_write` (write it atomically), over a
  :class:`WriteRequest` and its :class:`WriteOutcome`; the pure ``str ->
  str`` rewriters :func:`add_to_setup_cfg`, :func:`add_to_pyproject` and
  :func:`add_to_setup_py`;
* loading: the hybrid stevedore managers, :class:`ExtensionOrigin` and
  :class:`LegacyExtensionWarning`;
* profiles: :class:`Profile`, :class:`LegacyFile`, :class:`Delegated`,
  :func:`get_profile`, :func:`available_profiles`;
* the model every stage shares and the errors (:class:`EpmigrateError` and
  its subclasses).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from epmigrate.errors import (
        ConflictError,
        EpmigrateError,
        InsecurePathError,
        ParseError,
        ProfileError,
        TargetError,
        ValidationError,
        WriteError,
    )
    from epmigrate.loader import (
        ExtensionOrigin,
        HybridDriverManager,
        HybridEnabledExtensionManager,
        HybridExtensionManager,
        HybridHookManager,
        HybridNamedExtensionManager,
        LegacyExtensionWarning,
    )
    from epmigrate.model import EntryPointSpec, Extension, Finding, Severity, Status
    from epmigrate.profiles import (
        Delegated,
        LegacyFile,
        Profile,
        available_profiles,
        get_profile,
    )
    from epmigrate.scan import Cache, ScanError, ScanResult, scan
    from epmigrate.write.pyproject import add_entry_points as add_to_pyproject
    from epmigrate.write.run import Outcome as WriteOutcome
    from epmigrate.write.run import Request as WriteRequest
    from epmigrate.write.run import commit as commit_write
    from epmigrate.write.run import prepare as prepare_write
    from epmigrate.write.setupcfg import add_entry_points as add_to_setup_cfg
    from epmigrate.write.setuppy import add_entry_points as add_to_setup_py

_HOMES: dict[str, tuple[str, str]] = {
    # scanning
    "scan": ("epmigrate.scan", "scan"),
    "ScanResult": ("epmigrate.scan", "ScanResult"),
    "ScanError": ("epmigrate.scan", "ScanError"),
    "Cache": ("epmigrate.scan", "Cache"),
    # writing
    "prepare_write": ("epmigrate.write.run", "prepare"),
    "commit_write": ("epmigrate.write.run", "commit"),
    "WriteRequest": ("epmigrate.write.run", "Request"),
    "WriteOutcome": ("epmigrate.write.run", "Outcome"),
    "add_to_setup_cfg": ("epmigrate.write.setupcfg", "add_entry_points"),
    "add_to_pyproject": ("epmigrate.write.pyproject", "add_entry_points"),
    "add_to_setup_py": ("epmigrate.write.setuppy", "add_entry_points"),
    # loading
    "HybridExtensionManager": ("epmigrate.loader", "HybridExtensionManager"),
    "HybridNamedExtensionManager": ("epmigrate.loader", "HybridNamedExtensionManager"),
    "HybridEnabledExtensionManager": ("epmigrate.loader", "HybridEnabledExtensionManager"),
    "HybridDriverManager": ("epmigrate.loader", "HybridDriverManager"),
    "HybridHookManager": ("epmigrate.loader", "HybridHookManager"),
    "ExtensionOrigin": ("epmigrate.loader", "ExtensionOrigin"),
    "LegacyExtensionWarning": ("epmigrate.loader", "LegacyExtensionWarning"),
    # profiles
    "Profile": ("epmigrate.profiles", "Profile"),
    "LegacyFile": ("epmigrate.profiles", "LegacyFile"),
    "Delegated": ("epmigrate.profiles", "Delegated"),
    "get_profile": ("epmigrate.profiles", "get_profile"),
    "available_profiles": ("epmigrate.profiles", "available_profiles"),
    # the model
    "EntryPointSpec": ("epmigrate.model", "EntryPointSpec"),
    "Extension": ("epmigrate.model", "Extension"),
    "Finding": ("epmigrate.model", "Finding"),
    "Severity": ("epmigrate.model", "Severity"),
    "Status": ("epmigrate.model", "Status"),
    # errors
    "EpmigrateError": ("epmigrate.errors", "EpmigrateError"),
    "ParseError": ("epmigrate.errors", "ParseError"),
    "ValidationError": ("epmigrate.errors", "ValidationError"),
    "ConflictError": ("epmigrate.errors", "ConflictError"),
    "TargetError": ("epmigrate.errors", "TargetError"),
    "WriteError": ("epmigrate.errors", "WriteError"),
    "ProfileError": ("epmigrate.errors", "ProfileError"),
    "InsecurePathError": ("epmigrate.errors", "InsecurePathError"),
}

__all__ = [
    "Cache",
    "ConflictError",
    "Delegated",
    "EntryPointSpec",
    "EpmigrateError",
    "Extension",
    "ExtensionOrigin",
    "Finding",
    "HybridDriverManager",
    "HybridEnabledExtensionManager",
    "HybridExtensionManager",
    "HybridHookManager",
    "HybridNamedExtensionManager",
    "InsecurePathError",
    "LegacyExtensionWarning",
    "LegacyFile",
    "ParseError",
    "Profile",
    "ProfileError",
    "ScanError",
    "ScanResult",
    "Severity",
    "Status",
    "TargetError",
    "ValidationError",
    "WriteError",
    "WriteOutcome",
    "WriteRequest",
    "add_to_pyproject",
    "add_to_setup_cfg",
    "add_to_setup_py",
    "available_profiles",
    "commit_write",
    "get_profile",
    "prepare_write",
    "scan",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module the first time it is asked for."""
    try:
        module, attribute = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
