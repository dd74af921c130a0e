"""Which entry-point group a migration may take as a default, and when it may not.

A profile's ``group_template`` names the group after the scanned package
(``neutron.api.extensions`` for Neutron's own extensions). For a plugin whose
extension bases live in another distribution (a ``networking-*`` package
deriving from ``neutron_lib``), that name is the plugin's
(``networking_bgpvpn.api.extensions``), a group no service loads: the group
must be the service's, which only the user can name. :func:`foreign_bases`
tells that case apart and names the group the service reads once it has
adopted epmigrate (``epmigrate adopt``: the profile's ``services``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from epmigrate.profiles import get_profile
from epmigrate.profiles.base import Profile
from epmigrate.scan.locate import package_of

__all__ = [
    "ForeignBases",
    "foreign_bases",
]


@dataclass(frozen=True)
class ForeignBases:
    """The scanned package does not hold its extensions' bases."""

    package: str
    """The scanned top-level package."""
    base_packages: tuple[str, ...]
    """The top-level packages of the bases."""
    guessed: str
    """The group the profile's template would make from the scanned package."""
    services: tuple[str, ...]
    """The top-level packages of the bases' services (``neutron`` for ``neutron_lib``)."""
    service_groups: tuple[str, ...]
    """The group each of ``services`` reads once it has adopted epmigrate."""
    adoptable: bool
    """Every one of ``services`` runs the profile's loader, which ``epmigrate adopt`` adopts."""

    @property
    def service_hint(self) -> str:
        """``neutron.api.extensions``, or ``a.api.extensions or b.api.extensions``."""
        return " or ".join(self.service_groups)

    @property
    def message(self) -> str:
        """Why the default group is only a guess."""
        return (
            f"the extensions' bases come from {' and '.join(self.base_packages)}, not from "
            f"{self.package}, so the default group {self.guessed} is the plugin's own, "
            "a group no service loads"
        )

    @property
    def hint(self) -> str:
        """What to do: name the group the service reads once it has adopted epmigrate."""
        if self.adoptable:
            return (
                f"pass --group {self.service_hint}, the group {' or '.join(self.services)} "
                "reads once its loader has adopted epmigrate (`epmigrate adopt`, "
                "docs/adopt.md), or set group in [tool.epmigrate]"
            )
        return (
            "pass --group with the group the service reads, or set group in "
            f"[tool.epmigrate]; a service adopted with `epmigrate adopt` reads "
            f"{self.service_hint}"
        )


def foreign_bases(
    paths: Sequence[str], profile: str | Profile, bases: Sequence[str] = ()
) -> ForeignBases | None:
    """When the bases of the extensions in ``paths`` are outside the scanned package.

    ``None`` when a base lives in the scanned top-level package (or in a
    library of its service, per the profile's ``library_services``), when the
    directories are in no package, when every base matches any package
    (``*.``), or when the loader does not check bases (nova duck-types: its
    extensions need not derive from anything, so bases tell nothing).
    """
    prof = get_profile(profile)
    dirs = prof.paths(paths)
    if not dirs or not prof.base_check:
        return None
    place = package_of(dirs[0])
    if place.package is None:
        return None
    top = place.package.split(".")[0]
    names = [b for b in (bases or prof.default_bases) if not b.startswith("*.")]
    if not names:
        return None
    base_tops = tuple(dict.fromkeys(b.split(".")[0] for b in names))
    services = dict(prof.library_services)
    service_tops = tuple(dict.fromkeys(services.get(t, t) for t in base_tops))
    if top in base_tops or top in service_tops:
        return None
    return ForeignBases(
        package=top,
        base_packages=base_tops,
        guessed=prof.default_group(top),
        services=service_tops,
        service_groups=tuple(prof.service_group(t) for t in service_tops),
        adoptable=all(t in prof.services for t in service_tops),
    )
