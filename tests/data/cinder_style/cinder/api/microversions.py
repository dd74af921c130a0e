BACKUP_PROJECT = "os-backup-project-attr"
