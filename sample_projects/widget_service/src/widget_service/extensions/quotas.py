from widget_service.api import extensions as api_ext


class Quotas(api_ext.ExtensionDescriptor):
    def get_name(self):
        return "Quotas"

    def get_alias(self):
        return "quotas"
