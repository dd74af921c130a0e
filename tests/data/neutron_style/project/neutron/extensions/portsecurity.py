from neutron_lib.api import extensions
from neutron.api import extensions


class Portsecurity(extensions.ExtensionDescriptor):
    """'extensions' is rebound: this base is neutron.api.extensions'."""

    def get_alias(self):
        return 'port-security'
