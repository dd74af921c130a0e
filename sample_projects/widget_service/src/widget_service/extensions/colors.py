from widget_service.api import extensions
from widget_service.extensions import color_utils


class Colors(extensions.ExtensionDescriptor):
    def get_name(self):
        return "Colors"

    def get_alias(self):
        return color_utils.ALIAS
