from neutron_lib import constants as const

ALIAS = const.L3
NAME = 'Neutron L3 Router'
