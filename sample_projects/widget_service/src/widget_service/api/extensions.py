"""Extension base classes and the legacy directory loader (the neutron rule)."""

import importlib.util
import logging
import os

LOG = logging.getLogger(__name__)


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


def load_extensions(path):
    """The legacy loader: execute every file of each directory in ``path``."""
    extensions = {}
    for directory in path.split(":"):
        if not os.path.isdir(directory):
            LOG.error("Extension path '%s' doesn't exist!", directory)
            continue
        for f in sorted(os.listdir(directory)):
            mod_name, file_ext = os.path.splitext(f)
            if file_ext.lower() != ".py" or mod_name.startswith("_"):
                continue
            try:
                spec = importlib.util.spec_from_file_location(
                    mod_name, os.path.join(directory, f)
                )
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                cls = getattr(mod, mod_name.capitalize(), None)
                if cls is None:
                    LOG.warning("Did not find expected name %s in %s", mod_name.capitalize(), f)
                    continue
                ext = cls()
                extensions.setdefault(ext.get_alias(), ext)
            except Exception as exc:
                LOG.warning("Extension file %s wasn't loaded due to %s", f, exc)
    return extensions
