"""The audit log (append-only, tenant-scoped)."""

from __future__ import annotations

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import AuditLogEntry


class AuditLogRepository(TenantRepository[AuditLogEntry]):
    model = AuditLogEntry

    def entries(
        self, *, limit: int, starting_after: int | None = None, object_type: str = "", object_id: str = ""
    ) -> Page[AuditLogEntry]:
        """Newest first, older than `starting_after`; optionally for one object type or one object."""
        statement = self.select()
        if object_type:
            statement = statement.where(AuditLogEntry.object_type == object_type)
        if object_id:
            statement = statement.where(AuditLogEntry.object_id == object_id)
        return self._page(statement, limit=limit, starting_after=starting_after, newest_first=True)
