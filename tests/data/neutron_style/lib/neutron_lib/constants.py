"""Constants shared by api definitions."""

DVR_ALIAS = 'dvr'
ROUTER = 'router'
L3 = ROUTER
TAG_PREFIX = 'standard-attr-'
