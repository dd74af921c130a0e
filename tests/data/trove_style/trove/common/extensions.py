from trove.openstack.common import extensions

ExtensionsDescriptor = extensions.ExtensionDescriptor
