"""Neutron's own extension helpers (the pre-neutron_lib base lives here too)."""

import os


class ExtensionDescriptor(object):
    """The old in-tree base, before neutron_lib."""

    def get_alias(self):
        raise NotImplementedError()


def append_api_extensions_path(paths):
    os.environ['API_EXTENSIONS_PATH'] = ':'.join(paths)
