"""Audit log: who changed which widget, and when."""

from widget_service.api.extensions import ExtensionDescriptor as Descriptor


class Audit_log(Descriptor):
    def get_name(self):
        return "Audit log"

    def get_alias(self):
        return "audit-log"
