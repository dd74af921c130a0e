from neutron_lib.api import extensions


class Standard_attr_fwaas(extensions.ExtensionDescriptor):
    def get_alias(self):
        return 'standard-attr-fwaas-v2'
