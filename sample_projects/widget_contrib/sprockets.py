"""Sprockets: widgets that turn."""

from widget_service.api import extensions as api_extensions
from widget_service.api.definitions import constants

ALIAS = constants.TAG_PREFIX + "sprockets"


class Sprockets(api_extensions.ExtensionDescriptor):
    def get_name(self):
        return "Sprockets"

    def get_alias(self):
        return ALIAS
