"""``oslo-incubator``: the openstack-common loader (old Trove before Juno)."""

from __future__ import annotations

from epmigrate.profiles.base import Profile

__all__ = [
    "PROFILE",
]

PROFILE = Profile(
    name="oslo-incubator",
    summary="openstack-common copy (old Trove): one directory in os.listdir order, "
    "class stem[0].upper() + stem[1:], first error aborts the load",
    class_rule="upper-first",
    sort_files=False,
    split_paths=False,
    default_bases=("*.openstack.common.extensions.ExtensionDescriptor",),
    alias_sources=("get_alias",),
    abort_on_error=True,
    services=("trove",),
)
