from trove.common import extensions

ALIAS = "MYSQL"


class Mysql(extensions.ExtensionsDescriptor):
    def get_alias(self):
        return ALIAS
