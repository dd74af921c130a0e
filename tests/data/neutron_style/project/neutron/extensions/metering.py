from neutron.common import descriptors
from neutron.common.descriptors import METERING as _ALIAS


class Metering(descriptors.Base):
    def get_alias(self):
        return _ALIAS
