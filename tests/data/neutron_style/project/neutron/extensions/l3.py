from neutron_lib.api import extensions as api_extensions
from neutron_lib.api.definitions import l3 as l3_apidef


class L3(api_extensions.APIExtensionDescriptor):
    api_definition = l3_apidef
