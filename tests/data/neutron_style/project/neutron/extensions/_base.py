from neutron_lib.api import extensions as ext_lib


class ProjectExtensionBase(ext_lib.ExtensionDescriptor):
    """An intermediate base in another file; '_' files are never loaded."""

    def get_updated(self):
        return "2024-01-01T00:00:00-00:00"
