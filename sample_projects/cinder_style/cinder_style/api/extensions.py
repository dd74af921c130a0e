"""Extension base class and manager, in the shape of Cinder's.

The manager used to walk ``cinder_style/api/contrib`` (Nova's
``load_standard_extensions``); the hybrid manager loads the entry points of
``cinder_style.api.extensions`` first and the files no entry point provides
yet, by the same rules (epmigrate's ``nova`` profile).
"""

import os

from epmigrate.loader import HybridExtensionManager

GROUP = "cinder_style.api.extensions"
"""The entry-point group of API extensions."""

CONTRIB_DIR = os.path.join(os.path.dirname(__file__), "contrib")
"""The legacy extension directory, walked recursively."""


class ExtensionDescriptor:
    """Base class of API extensions; a loaded extension registers itself."""

    name = None
    alias = None
    namespace = None
    updated = None

    def __init__(self, ext_mgr):
        ext_mgr.register(self)


class ExtensionManager:
    """Loads the API extensions and keeps them by alias."""

    def __init__(self, legacy_paths=None):
        self.extensions = {}
        self.loader = HybridExtensionManager(
            namespace=GROUP,
            legacy_paths=[CONTRIB_DIR] if legacy_paths is None else legacy_paths,
            profile="nova",
            invoke_on_load=True,
            invoke_args=(self,),
        )

    def register(self, ext):
        if ext.alias in self.extensions:
            raise ValueError(f"duplicate extension alias {ext.alias!r}")
        self.extensions[ext.alias] = ext
