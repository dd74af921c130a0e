from widget_service.api import extensions
from widget_service.api.definitions import constants


class Labels(extensions.ExtensionDescriptor):
    def get_name(self):
        return "Labels"

    def get_alias(self):
        return constants.TAG_PREFIX + "labels"
