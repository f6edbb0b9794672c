"""Every query of the dunning domain, tenant-scoped through kit's base repository."""
