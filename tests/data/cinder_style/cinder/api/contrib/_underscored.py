from cinder.api import extensions


class _underscored(extensions.ExtensionDescriptor):
    """nova-style loaders do not skip '_' files."""

    alias = "os-underscored"
