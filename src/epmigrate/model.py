"""Frozen data shared by every stage: scan -> model -> write / report."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EntryPointSpec",
    "Extension",
    "Finding",
    "Severity",
    "Status",
]


class Severity(enum.StrEnum):
    """How much a finding matters. Only ``error`` makes ``scan`` exit 1."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, order=True)
class EntryPointSpec:
    """One entry point: ``group`` / ``name = value``.

    ``value`` is an object reference, ``package.module:Attr``. Instances are
    not validated here; see :mod:`epmigrate.entrypoints`.
    """

    group: str
    name: str
    value: str

    @property
    def line(self) -> str:
        """The line as written in an entry-point section: ``name = value``."""
        return f"{self.name} = {self.value}"

    @property
    def module(self) -> str:
        """The module part of the object reference."""
        return self.value.partition(":")[0].strip()

    @property
    def attr(self) -> str:
        """The attribute part of the object reference (may be empty)."""
        return self.value.partition(":")[2].strip()


@dataclass(frozen=True)
class Finding:
    """Something the scanner noticed that a maintainer must know.

    ``code`` is stable across releases (documented in docs/scan-json.md);
    ``path`` is the scanned directory as given joined with the file's
    relative path, ``line`` is 1-based or ``None`` when the finding is about a
    whole file or directory.
    """

    code: str
    severity: Severity
    path: str
    line: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        """The finding as the ``findings`` items of ``scan --format json``."""
        return {
            "code": self.code,
            "severity": str(self.severity),
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }


class Status(enum.StrEnum):
    """What the legacy loader does with a class the scanner reports."""

    LOADED = "loaded"
    """The loader loads it."""
    NEVER_LOADED = "never-loaded"
    """An extension class the loader's naming rule never reaches."""
    UNVERIFIED = "unverified"
    """The expected class exists but its base could not be resolved."""
    NOT_EXTENSION = "not-extension"
    """The expected class exists but does not derive from a base; the loader rejects it."""


@dataclass(frozen=True)
class Extension:
    """One class the scanner reports, with what a migration would write for it."""

    path: str
    line: int
    module: str | None
    class_name: str
    name: str
    group: str
    alias: str | None
    alias_reason: str | None
    status: Status

    @property
    def entry_point(self) -> EntryPointSpec | None:
        """The entry point that loads this class, or ``None`` outside a package."""
        if self.module is None:
            return None
        return EntryPointSpec(self.group, self.name, f"{self.module}:{self.class_name}")

    @property
    def loaded_by_legacy(self) -> bool | None:
        """Whether the legacy loader loads it; ``None`` when that cannot be told."""
        if self.status is Status.UNVERIFIED:
            return None
        return self.status is Status.LOADED

    def to_json(self) -> dict[str, Any]:
        """The extension as the ``extensions`` items of ``scan --format json``."""
        ep = self.entry_point
        return {
            "path": self.path,
            "line": self.line,
            "module": self.module,
            "class": self.class_name,
            "name": self.name,
            "entry_point": ep.line if ep else None,
            "alias": self.alias,
            "alias_reason": self.alias_reason,
            "status": str(self.status),
            "loaded_by_legacy": self.loaded_by_legacy,
        }
