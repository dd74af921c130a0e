from widget_service.api import extensions


class Paint(extensions.ExtensionDescriptor):
    def get_name(self):
        return "Paint"

    def get_alias(self):
        return "paint"
