import cinder.api.extensions
from cinder.api import microversions as mv


class Backup_project_attribute(cinder.api.extensions.ExtensionDescriptor):
    name = "BackupProjectAttribute"
    alias = mv.BACKUP_PROJECT
