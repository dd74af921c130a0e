from neutron_lib.api import extensions


class Capital_Case(extensions.ExtensionDescriptor):
    """neutron looks up 'Capital_case' (str.capitalize), so this never loads."""

    def get_alias(self):
        return 'capital'
