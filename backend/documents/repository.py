"""Every query of the documents domain, tenant-scoped through kit's base repository."""
