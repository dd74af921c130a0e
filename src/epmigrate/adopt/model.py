"""What an adoption reads and reports: the loader's shape and each change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Change",
    "Shape",
]


@dataclass(frozen=True)
class Shape:
    """What a service's loader does, in the terms of a profile."""

    kind: Literal["path-loader", "walk-loader"]
    function: str
    """The loader's function that lists legacy files (``Class.method`` for a method)."""
    sort_files: bool
    class_rule: str | None
    """``capitalize`` or ``upper-first`` when the code shows it, else ``None``."""
    abort_on_error: bool
    recursive: bool

    def matching_profile(self) -> str | None:
        """The built-in profile whose rules are this loader's, if one is."""
        if self.kind == "walk-loader":
            return "nova" if self.class_rule in (None, "upper-first") else None
        if self.abort_on_error:
            ok = not self.sort_files and self.class_rule in (None, "upper-first")
            return "oslo-incubator" if ok else None
        if self.class_rule in (None, "capitalize"):
            return "neutron" if self.sort_files else None
        return "neutron-legacy" if self.sort_files else None


@dataclass(frozen=True)
class Change:
    """One edit of an adoption: where, and what the loader does differently."""

    function: str
    line: int
    what: str
