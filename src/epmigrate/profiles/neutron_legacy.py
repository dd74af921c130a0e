"""``neutron-legacy``: Neutron before Pike, Quantum and Tacker."""

from __future__ import annotations

from epmigrate.profiles.base import Profile

__all__ = [
    "PROFILE",
]

PROFILE = Profile(
    name="neutron-legacy",
    summary="Neutron before Pike, Quantum, Tacker: like neutron but class "
    "stem[0].upper() + stem[1:]",
    class_rule="upper-first",
    default_bases=(
        "neutron.api.extensions.ExtensionDescriptor",
        "neutron_lib.api.extensions.ExtensionDescriptor",
        "quantum.api.extensions.ExtensionDescriptor",
        "tacker.api.extensions.ExtensionDescriptor",
    ),
    alias_sources=("get_alias", "api_definition"),
    library_services=(("neutron_lib", "neutron"),),
    services=("neutron",),
)
