"""The quota classes extension, in a sub-package of contrib."""

from cinder_style.api import extensions as api_extensions
from cinder_style.api import microversions as mv


class Quota_classes(api_extensions.ExtensionDescriptor):
    """Quota classes management support."""

    name = "QuotaClasses"
    alias = mv.QUOTA_CLASSES
    updated = "2012-03-12T00:00:00+00:00"
