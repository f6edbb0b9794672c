"""The audit log (append-only, tenant-scoped)."""

from __future__ import annotations

from backend.models import AuditLogEntry
from backend.repositories.base import TenantRepository


class AuditLogRepository(TenantRepository[AuditLogEntry]):
    model = AuditLogEntry

    def entries(
        self, *, limit: int, offset: int, object_type: str = "", object_id: str = ""
    ) -> list[AuditLogEntry]:
        """Newest first; optionally for one object type or one object."""
        statement = self.select()
        if object_type:
            statement = statement.where(AuditLogEntry.object_type == object_type)
        if object_id:
            statement = statement.where(AuditLogEntry.object_id == object_id)
        statement = statement.order_by(AuditLogEntry.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
        return list(self.session.scalars(statement))
