"""Who did what to which object, when and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk


class AuditLogEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "object_type", "object_id"),
        # the audit log page's action filter, newest first, and its list of the actions the log holds
        Index(None, "tenant_id", "action", "id"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    actor_user_id: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    action: str = Field(max_length=100)
    object_type: str = Field(default="", max_length=64)
    object_id: str = Field(default="", max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    ip_address: str = Field(default="", max_length=45)
    created_at: datetime = created_at()
