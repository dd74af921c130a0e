"""API microversion names, used as extension aliases."""

BACKUP_PROJECT = "os-backup-project-attr"
QUOTA_CLASSES = "os-quota-class-sets"
