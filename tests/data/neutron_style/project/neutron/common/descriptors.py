from ..extensions._base import ProjectExtensionBase as Base

METERING = 'metering'
