"""Every query of the mail domain, tenant-scoped through kit's base repository."""
