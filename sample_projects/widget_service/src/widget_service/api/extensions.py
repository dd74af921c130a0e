"""Extension base classes and the service's extension manager.

Until the migration, this module held a neutron-rule loader that executed
every ``.py`` file of each directory in ``api_extensions_path`` and
instantiated the class named ``stem.capitalize()``. The hybrid manager
keeps that setting working: it loads the entry points of
``widget_service.api.extensions`` first, then the legacy files no entry
point provides yet, with a warning for each.
"""

import os

from epmigrate.loader import HybridExtensionManager

GROUP = "widget_service.api.extensions"
"""The entry-point group of API extensions."""

EXTENSIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "extensions")
"""The service's own extension directory, the first legacy directory."""


class ExtensionDescriptor:
    """Base class of every API extension."""

    def get_name(self):
        raise NotImplementedError()

    def get_alias(self):
        raise NotImplementedError()


class APIExtensionDescriptor(ExtensionDescriptor):
    """An extension described by an api-definition module."""

    api_definition = None

    @classmethod
    def get_name(cls):
        return cls.api_definition.NAME

    @classmethod
    def get_alias(cls):
        return cls.api_definition.ALIAS


def extension_manager(api_extensions_path=()):
    """Load every API extension: entry points, then the legacy directories.

    ``api_extensions_path`` lists the operator's extra directories (the
    ``api_extensions_path`` option); the service's own extension directory
    always comes first, as in Neutron.
    """
    return HybridExtensionManager(
        namespace=GROUP,
        legacy_paths=[EXTENSIONS_DIR, *api_extensions_path],
        profile="neutron",
        invoke_on_load=True,
    )
