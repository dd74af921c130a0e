"""What one scan found (:class:`ScanResult`), and the error that stops one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from epmigrate import __version__
from epmigrate.errors import EpmigrateError
from epmigrate.model import EntryPointSpec, Extension, Finding, Severity, Status

__all__ = ["ScanError", "ScanResult"]


class ScanError(EpmigrateError):
    """The scan cannot start: a missing directory, no base classes."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found, in the legacy loader's order."""

    profile: str
    group: str
    paths: tuple[str, ...]
    extensions: tuple[Extension, ...]
    findings: tuple[Finding, ...]
    files: int
    epmigrate_version: str = __version__
    missing_bases: tuple[str, ...] = ()
    """Base classes whose module is on no directory of the search path."""

    @property
    def has_errors(self) -> bool:
        """Whether any finding is an error (``scan`` then exits 1)."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def unverified(self) -> list[Extension]:
        """Extensions the scan could not tell about: no entry point is written for them."""
        return [e for e in self.extensions if e.status is Status.UNVERIFIED]

    @property
    def entry_points(self) -> list[EntryPointSpec]:
        """The entry points a migration writes: every loaded extension in a package."""
        return [
            ep
            for ext in self.extensions
            if ext.status is Status.LOADED and (ep := ext.entry_point) is not None
        ]

    def to_stored(self) -> dict[str, Any]:
        """Every field as JSON data, for the scan cache (:meth:`from_stored` reads it)."""
        return {
            "profile": self.profile,
            "group": self.group,
            "paths": list(self.paths),
            "extensions": [
                [
                    e.path,
                    e.line,
                    e.module,
                    e.class_name,
                    e.name,
                    e.group,
                    e.alias,
                    e.alias_reason,
                    str(e.status),
                ]
                for e in self.extensions
            ],
            "findings": [
                [f.code, str(f.severity), f.path, f.line, f.message] for f in self.findings
            ],
            "files": self.files,
            "epmigrate_version": self.epmigrate_version,
            "missing_bases": list(self.missing_bases),
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> ScanResult:
        """The result :meth:`to_stored` gave; ``ValueError`` (or ``TypeError``) when it is not."""
        result = cls(
            profile=data["profile"],
            group=data["group"],
            paths=tuple(data["paths"]),
            extensions=tuple(
                Extension(path, line, module, name, stem, group, alias, reason, Status(status))
                for path, line, module, name, stem, group, alias, reason, status in data[
                    "extensions"
                ]
            ),
            findings=tuple(
                Finding(code, Severity(severity), path, line, message)
                for code, severity, path, line, message in data["findings"]
            ),
            files=data["files"],
            epmigrate_version=data["epmigrate_version"],
            missing_bases=tuple(data["missing_bases"]),
        )
        if result.to_stored() != data or not _typed(result):
            # A field of another type (a number as text, a list for a string)
            # would pass the constructor: only an exact round trip of fields
            # of their own types is the result.
            raise ValueError("stored scan result does not round-trip")
        return result


def _strs(*values: object) -> bool:
    return all(isinstance(v, str) for v in values)


def _optional(*values: object) -> bool:
    return all(v is None or isinstance(v, str) for v in values)


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def _typed(result: ScanResult) -> bool:
    """Whether every field of ``result`` has its declared type (a stored one may not)."""
    return (
        _strs(result.profile, result.group, result.epmigrate_version)
        and _strs(*result.paths, *result.missing_bases)
        and _count(result.files)
        and all(
            _strs(e.path, e.class_name, e.name, e.group)
            and _optional(e.module, e.alias, e.alias_reason)
            and _count(e.line)
            for e in result.extensions
        )
        and all(
            _strs(f.code, f.path, f.message) and (f.line is None or _count(f.line))
            for f in result.findings
        )
    )
