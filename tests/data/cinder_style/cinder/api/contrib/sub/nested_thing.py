from cinder.api import extensions


class Nested_thing(extensions.ExtensionDescriptor):
    alias = "os-nested-thing"
