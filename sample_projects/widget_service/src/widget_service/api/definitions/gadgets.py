from widget_service.api.definitions import constants

ALIAS = constants.GADGET + "s"
NAME = "Gadgets"
