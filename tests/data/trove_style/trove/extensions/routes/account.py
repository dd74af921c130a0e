from trove.common import extensions


class Account(extensions.ExtensionsDescriptor):
    def get_alias(self):
        return "MYSQL"
