"""``nova``: ``load_standard_extensions`` (Nova 2011-Newton, Cinder, Manila)."""

from __future__ import annotations

from epmigrate.profiles.base import Profile

__all__ = [
    "PROFILE",
]

PROFILE = Profile(
    name="nova",
    summary="Nova/Cinder/Manila contrib: recursive into packages, dotted imports, "
    "class stem[0].upper() + stem[1:], '_' files kept, alias class attribute",
    class_rule="upper-first",
    recursive=True,
    sort_files=False,
    skip_underscore=False,
    include_pyc=True,
    # Cinder's loader skips its one helper by name; Nova and Manila list none.
    skip_files=frozenset({"resource_common_manage.py"}),
    skip_list_name="Cinder's FILES_TO_SKIP",
    default_bases=(
        "nova.api.openstack.extensions.ExtensionDescriptor",
        "cinder.api.extensions.ExtensionDescriptor",
        "manila.api.extensions.ExtensionDescriptor",
    ),
    alias_sources=("alias",),
    base_check=False,
    import_by="dotted",
    delegate_name="extension",
    services=("nova", "cinder", "manila"),
)
