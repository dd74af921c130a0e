"""One root exception for every error epmigrate raises on purpose.

Messages say where (``path:line:col``) and what to do next, so the command
line can print them as they are.
"""

from __future__ import annotations

import os


class EpmigrateError(Exception):
    """Root of every error raised by epmigrate.

    ``path``, ``line`` and ``col`` locate the problem when it has a place in a
    file; ``hint`` says what the user can do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.col = col
        self.hint = hint
        super().__init__(str(self))

    @property
    def location(self) -> str:
        """``path:line:col`` with the parts that are known, or ``""``."""
        parts = [p for p in (self.path, self.line, self.col) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ParseError(EpmigrateError, ValueError):
    """A file could not be read as the format it claims to be."""


class ValidationError(EpmigrateError, ValueError):
    """A group, entry-point name or object reference breaks the specification."""


class ConflictError(EpmigrateError):
    """An entry point of the same name already points somewhere else."""


class TargetError(EpmigrateError):
    """The file chosen for writing is not one the build reads."""


class WriteError(EpmigrateError, OSError):
    """A file could not be written safely; the original is untouched."""


class ProfileError(EpmigrateError, LookupError):
    """A profile name is unknown or a profile plugin is broken."""


class InsecurePathError(EpmigrateError, PermissionError):
    """A legacy directory or file could be changed by someone else."""
