"""Generated trees shaped like real Neutron extension packages, for benchmarks."""

from __future__ import annotations

from pathlib import Path

EXTENSION = '''\
# Copyright {n} OpenStack Foundation.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License.

from benchlib.api import extensions as api_extensions
from benchlib.api.definitions import def_{n} as apidef
from benchlib import constants
from benchsvc.api import resource_helper

RESOURCE_ATTRIBUTE_MAP = apidef.RESOURCE_ATTRIBUTE_MAP
ACTION_MAP = {{'thing_{n}': {{'add_item': 'PUT', 'remove_item': 'PUT'}}}}


class Ext_{n}(api_extensions.APIExtensionDescriptor):
    """Extension {n}: resources for things of kind {n}."""

    api_definition = apidef

    @classmethod
    def get_resources(cls):
        plural_mappings = resource_helper.build_plural_mappings(
            {{}}, RESOURCE_ATTRIBUTE_MAP)
        return resource_helper.build_resource_info(
            plural_mappings, RESOURCE_ATTRIBUTE_MAP, constants.PLUGIN_{n},
            action_map=ACTION_MAP, register_quota=True)

    def get_extended_resources(self, version):
        if version == "2.0":
            return {{k: v for k, v in RESOURCE_ATTRIBUTE_MAP.items()}}
        return {{}}

    @classmethod
    def get_plugin_interface(cls):
        return ThingPluginBase{n}


class ThingNotFound{n}(Exception):
    message = "Thing %(id)s of kind {n} could not be found."

    def __init__(self, **kwargs):
        super().__init__(self.message % kwargs)


class ThingPluginBase{n}(object):
    def create_thing(self, context, thing):
        raise NotImplementedError()

    def update_thing(self, context, id, thing):
        raise NotImplementedError()

    def get_things(self, context, filters=None, fields=None, sorts=None, limit=None):
        raise NotImplementedError()
'''

DEFINITION = """\
from benchlib import constants

ALIAS = constants.ALIAS_{n}
NAME = 'Thing {n}'
DESCRIPTION = 'Things of kind {n}'
UPDATED_TIMESTAMP = '2024-01-01T10:00:00-00:00'
RESOURCE_NAME = 'thing_{n}'
COLLECTION_NAME = RESOURCE_NAME + 's'
RESOURCE_ATTRIBUTE_MAP = {{
    COLLECTION_NAME: {{
        'id': {{'allow_post': False, 'allow_put': False, 'is_visible': True}},
        'name': {{'allow_post': True, 'allow_put': True, 'default': '', 'is_visible': True}},
        'tenant_id': {{'allow_post': True, 'allow_put': False, 'required_by_policy': True}},
    }}
}}
"""

BASES = """\
import abc


class ExtensionDescriptor(metaclass=abc.ABCMeta):
    def get_name(self):
        raise NotImplementedError()

    def get_alias(self):
        raise NotImplementedError()


class APIExtensionDescriptor(ExtensionDescriptor):
    api_definition = None

    @classmethod
    def get_alias(cls):
        return cls.api_definition.ALIAS
"""


def make_tree(root: Path, count: int) -> Path:
    """Write ``count`` extensions with their definitions; return the scanned dir."""
    lib = root / "lib" / "benchlib"
    (lib / "api" / "definitions").mkdir(parents=True)
    for d in (lib, lib / "api", lib / "api" / "definitions"):
        (d / "__init__.py").write_text("")
    (lib / "api" / "extensions.py").write_text(BASES)
    (lib / "constants.py").write_text(
        "".join(f"ALIAS_{n} = 'thing-{n}'\nPLUGIN_{n} = 'THING{n}'\n" for n in range(count))
    )
    for n in range(count):
        (lib / "api" / "definitions" / f"def_{n}.py").write_text(DEFINITION.format(n=n))
    svc = root / "proj" / "benchsvc"
    ext = svc / "extensions"
    (svc / "api").mkdir(parents=True)
    ext.mkdir()
    for d in (svc, svc / "api", ext):
        (d / "__init__.py").write_text("")
    (svc / "api" / "resource_helper.py").write_text("def build_resource_info(*a, **k):\n    pass\n")
    for n in range(count):
        (ext / f"ext_{n}.py").write_text(EXTENSION.format(n=n))
    return ext
