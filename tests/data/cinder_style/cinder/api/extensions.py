class ExtensionDescriptor(object):
    """Base class that defines the contract for extensions."""

    name = None
    alias = None
    namespace = None
    updated = None

    def __init__(self, ext_mgr):
        ext_mgr.register(self)
