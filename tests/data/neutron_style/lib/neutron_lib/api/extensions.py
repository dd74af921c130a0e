import abc

_UNSET = object()


class ExtensionDescriptor(metaclass=abc.ABCMeta):
    """Base class that defines the contract for extensions."""

    @abc.abstractmethod
    def get_name(self):
        """The name of the extension."""

    @abc.abstractmethod
    def get_alias(self):
        """The alias for the extension."""

    def get_updated(self):
        raise NotImplementedError()


class APIExtensionDescriptor(ExtensionDescriptor):
    """Base class for extensions that use an API definition module."""

    api_definition = _UNSET

    @classmethod
    def _assert_api_definition(cls, attr=None):
        if cls.api_definition == _UNSET:
            raise NotImplementedError()

    @classmethod
    def get_name(cls):
        cls._assert_api_definition('NAME')
        return cls.api_definition.NAME

    @classmethod
    def get_alias(cls):
        cls._assert_api_definition('ALIAS')
        return cls.api_definition.ALIAS
