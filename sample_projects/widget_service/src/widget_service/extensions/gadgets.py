from widget_service.api import extensions
from widget_service.api.definitions import gadgets as apidef


class Gadgets(extensions.APIExtensionDescriptor):
    """Gadgets attached to widgets; the alias lives in the api definition."""

    api_definition = apidef
