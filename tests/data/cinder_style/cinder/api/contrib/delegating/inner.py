from cinder.api import extensions


class Inner(extensions.ExtensionDescriptor):
    alias = "os-inner"
