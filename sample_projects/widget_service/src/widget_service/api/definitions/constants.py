GADGET = "gadget"
TAG_PREFIX = "widget-"
