from neutron_lib import constants

ALIAS = constants.DVR_ALIAS
NAME = 'Distributed Virtual Router'
RESOURCE_ATTRIBUTE_MAP = {'routers': {'distributed': {'allow_post': True}}}
