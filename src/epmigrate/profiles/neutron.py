"""``neutron``: Neutron since Pike and every networking-* / neutron-*aas plugin."""

from __future__ import annotations

from epmigrate.profiles.base import Profile

__all__ = [
    "PROFILE",
]

PROFILE = Profile(
    name="neutron",
    summary="Neutron since Pike: sorted top-level *.py, class stem.capitalize(), "
    "ExtensionDescriptor subclasses, per-file errors",
    class_rule="capitalize",
    default_bases=(
        "neutron_lib.api.extensions.ExtensionDescriptor",
        "neutron.api.extensions.ExtensionDescriptor",
    ),
    alias_sources=("get_alias", "api_definition"),
    library_services=(("neutron_lib", "neutron"),),
    services=("neutron",),
)
