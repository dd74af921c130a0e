"""The backup project attribute extension."""

import cinder_style.api.extensions
from cinder_style.api import microversions as mv


class Backup_project_attribute(cinder_style.api.extensions.ExtensionDescriptor):
    """Expose the project of a backup."""

    name = "BackupProjectAttribute"
    alias = mv.BACKUP_PROJECT
    updated = "2016-11-14T00:00:00+00:00"
