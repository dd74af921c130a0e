class ExtensionDescriptor(object):
    """Base class that defines the contract for extensions (openstack-common)."""

    def get_alias(self):
        raise NotImplementedError()
