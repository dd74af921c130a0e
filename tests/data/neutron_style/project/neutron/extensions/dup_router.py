from neutron_lib.api import extensions


class Dup_router(extensions.ExtensionDescriptor):
    def get_alias(self):
        return 'router'
