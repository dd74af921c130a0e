"""The error of ``epmigrate move`` (in a module of its own: every part raises it)."""

from __future__ import annotations

from epmigrate.errors import TargetError

__all__ = ["MoveError"]


class MoveError(TargetError):
    """A project ``move`` cannot move without losing or changing something."""
