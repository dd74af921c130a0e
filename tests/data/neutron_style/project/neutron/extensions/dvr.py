from neutron_lib.api.definitions import dvr as apidef
from neutron_lib.api import extensions


class Dvr(extensions.APIExtensionDescriptor):
    """Extension class supporting distributed virtual router."""

    api_definition = apidef
