import widget_service.api.extensions as base
from widget_service.api.definitions.constants import TAG_PREFIX

ALIAS = TAG_PREFIX + "tags"


class Tags(base.ExtensionDescriptor):
    def get_name(self):
        return "Tags"

    def get_alias(self):
        return ALIAS
