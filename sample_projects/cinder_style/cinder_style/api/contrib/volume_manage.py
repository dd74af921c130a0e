"""The volume manage extension."""

from cinder_style.api import extensions
from cinder_style.api.contrib import resource_common_manage


class Volume_manage(extensions.ExtensionDescriptor):
    """Bring existing volumes under management."""

    name = "VolumeManage"
    alias = "os-volume-manage"
    updated = "2014-02-10T00:00:00+00:00"

    def manageable(self, volumes, marker=None, limit=None):
        return resource_common_manage.get_manageable_resources(volumes, marker, limit)
