from trove.common import extensions


class MgmtHosts(extensions.ExtensionsDescriptor):
    """stem[0].upper() + stem[1:] keeps the camel case: MgmtHosts."""

    def get_alias(self):
        return "Mgmt" + "Hosts"
