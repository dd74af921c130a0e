import neutron_lib.api.extensions as api_ext

EXTRA_DHCP_OPT_ALIAS = 'extra_dhcp_opt'


class Extra_dhcp_opt(api_ext.ExtensionDescriptor):
    @classmethod
    def get_name(cls):
        return "Neutron Extra DHCP options"

    @classmethod
    def get_alias(cls):
        return EXTRA_DHCP_OPT_ALIAS
