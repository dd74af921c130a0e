"""Legacy loader profiles, discovered through the ``epmigrate.profiles`` group.

A profile is a :class:`Profile` object registered as an entry point::

    [project.entry-points."epmigrate.profiles"]
    my-loader = "my_project.epmigrate_profile:PROFILE"

The scanner and the hybrid loader share these objects, so this package must
stay import-light (no libcst, click or tomlkit).
"""

from __future__ import annotations

from epmigrate.errors import ProfileError
from epmigrate.profiles.base import Delegated, LegacyFile, Profile, split_path_list

TYPE_CHECKING = False

__all__ = [
    "GROUP",
    "Delegated",
    "LegacyFile",
    "Profile",
    "available_profiles",
    "builtin_profiles",
    "get_profile",
    "is_builtin",
    "split_path_list",
]

if TYPE_CHECKING:
    from importlib.metadata import EntryPoints

GROUP = "epmigrate.profiles"


def _entry_points(*, group: str, name: str | None = None) -> EntryPoints:
    """The group's entry points (``importlib.metadata``, imported only when asked)."""
    from importlib.metadata import entry_points as find

    return find(group=group, name=name) if name is not None else find(group=group)


_BUILTIN = ("neutron", "neutron_legacy", "oslo_incubator", "nova", "subclass")
_BUILTIN_NAMES = {module.replace("_", "-"): module for module in _BUILTIN}


def is_builtin(name: str) -> bool:
    """Whether ``name`` is a profile epmigrate ships (third parties cannot shadow it)."""
    return name in _BUILTIN_NAMES


def _builtin(module: str) -> Profile:
    """A shipped profile, imported directly: no distribution's metadata is read."""
    from importlib import import_module

    found: Profile = import_module(f"epmigrate.profiles.{module}").PROFILE
    return found


def builtin_profiles() -> list[Profile]:
    """The profiles epmigrate ships."""
    return [_builtin(module) for module in _BUILTIN]


def available_profiles() -> dict[str, Profile]:
    """Every installed profile by name, sorted by name.

    A plugin that fails to load or is not a :class:`Profile` raises
    :class:`ProfileError` naming the entry point, rather than vanishing.
    """
    found: dict[str, Profile] = {p.name: p for p in builtin_profiles()}
    for ep in sorted(_entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name not in found:
            found[ep.name] = _load(ep.name, ep.value, ep.load)
    return dict(sorted(found.items()))


def get_profile(profile: str | Profile) -> Profile:
    """The profile named ``profile`` (a :class:`Profile` is returned as is)."""
    if isinstance(profile, Profile):
        return profile
    builtin = _BUILTIN_NAMES.get(profile)
    if builtin is not None:
        # Built-in names resolve without reading any distribution's metadata
        # (a service start pays for it otherwise); they cannot be shadowed.
        return _builtin(builtin)
    for ep in _entry_points(group=GROUP, name=profile):
        return _load(ep.name, ep.value, ep.load)
    names = sorted({ep.name for ep in _entry_points(group=GROUP)})
    raise ProfileError(
        f"unknown profile {profile!r}; installed profiles: {', '.join(names) or 'none'}",
        hint="run 'epmigrate profiles' to list them; a profile of your own is an entry "
        f"point in group {GROUP!r}",
    )


def _load(name: str, value: str, load: object) -> Profile:
    try:
        obj = load()  # type: ignore[operator]
    except Exception as exc:
        raise ProfileError(
            f"profile {name!r} ({value}) could not be loaded: {exc}",
            hint="fix or uninstall the package that provides it",
        ) from exc
    if callable(obj) and not isinstance(obj, Profile):
        obj = obj()
    if not isinstance(obj, Profile):
        raise ProfileError(
            f"profile {name!r} ({value}) is a {type(obj).__name__}, not an epmigrate Profile",
            hint="point the entry point at a Profile instance",
        )
    return obj
