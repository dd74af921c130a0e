"""The warning every legacy load raises (standard library only).

Its own module so that the adoption runtime (:mod:`epmigrate.loader.adoption`)
raises the same class as the hybrid managers without importing stevedore.
"""

from __future__ import annotations

__all__ = [
    "LegacyExtensionWarning",
]


class LegacyExtensionWarning(DeprecationWarning):
    """An extension was loaded from the legacy path; the message says what to add."""

    __module__ = "epmigrate.loader"
