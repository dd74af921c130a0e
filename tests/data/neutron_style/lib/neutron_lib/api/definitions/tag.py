from neutron_lib.constants import TAG_PREFIX as PREFIX

RESOURCE_NAME = 'tag'
ALIAS = PREFIX + RESOURCE_NAME + "s"
