"""``subclass``: every concrete subclass of the given bases, in any file."""

from __future__ import annotations

from epmigrate.profiles.base import Profile

__all__ = [
    "PROFILE",
]

PROFILE = Profile(
    name="subclass",
    summary="every concrete subclass of the --base classes, any file name, recursive",
    class_rule="any",
    recursive=True,
    skip_underscore=False,
    alias_sources=("get_alias", "alias", "api_definition"),
    import_by="dotted",
)
