from neutron_lib.api.extensions import *  # noqa


class Starred(ExtensionDescriptor):
    def get_alias(self):
        return 'starred'
