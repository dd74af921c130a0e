from trove.common import extensions


class Security_group(extensions.ExtensionsDescriptor):
    def get_alias(self):
        return "SecurityGroup"
