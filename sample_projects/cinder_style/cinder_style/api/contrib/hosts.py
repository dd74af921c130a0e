"""The hosts extension."""

from cinder_style.api import extensions


class Hosts(extensions.ExtensionDescriptor):
    """Admin-only host administration."""

    name = "Hosts"
    alias = "os-hosts"
    updated = "2011-06-29T00:00:00+00:00"
