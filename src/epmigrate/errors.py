"""One root exception for every error epmigrate raises on purpose.

Messages say where (``path:line:col``) and what to do next, so the command
line can print them as they are.
"""

from __future__ import annotations

import os

__all__ = [
    "ConflictError",
    "EpmigrateError",
    "InsecurePathError",
    "ParseError",
    "ProfileError",
    "TargetError",
    "ValidationError",
    "WriteError",
    "toml_error",
]


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


def toml_error(exc: ValueError, path: str | os.PathLike[str] | None) -> ParseError:
    """A located :class:`ParseError` for a ``tomllib.TOMLDecodeError``.

    tomllib puts the place at the end of its message, ``(at line L, column C)``;
    it moves into the location so that every TOML error reads ``path:L:C``.
    """
    import re  # only here: tomllib has imported it already

    found = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
    message = str(exc)[: found.start()].rstrip() if found else str(exc)
    name = os.path.basename(os.fspath(path)) if path is not None else "pyproject.toml"
    return ParseError(
        f"{name} is not valid TOML: {message}",
        path=path,
        line=int(found.group(1)) if found else None,
        col=int(found.group(2)) if found else None,
        hint="fix the TOML syntax there first; nothing was written",
    )


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
