"""Alarms about issued documents whose stored file could not be restored as it was issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, id_field, tenant_fk, timestamp
from backend.models.enums import DocumentKind
from backend.models.types import enum_type


class DocumentAlarm(SQLModel, table=True):
    """A lost invoice or credit-note file whose rebuild from the snapshot hashed differently: the
    snapshot or the renderer changed since issue, so the original cannot be reproduced. Raised
    once per document; an admin sees it on the overview until it is resolved."""

    __tablename__ = "document_alarms"
    __table_args__ = (
        UniqueConstraint("tenant_id", "document_kind", "document_number"),
        Index(None, "tenant_id", "resolved_at"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    document_kind: DocumentKind = Field(sa_type=enum_type(DocumentKind))
    document_number: str = Field(max_length=48)
    expected_sha256: str = Field(max_length=64)
    actual_sha256: str = Field(max_length=64)
    raised_at: datetime = created_at()
    resolved_at: datetime | None = timestamp()
