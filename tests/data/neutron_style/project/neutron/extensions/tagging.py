from neutron.api import extensions
from neutron_lib.api.definitions import tag as tag_apidef
from neutron_lib.api import extensions as api_extensions

extensions.append_api_extensions_path(['/opt/plugins/extensions'])


class Tagging(api_extensions.APIExtensionDescriptor):
    api_definition = tag_apidef
