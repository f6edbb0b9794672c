"""Notes admins keep on a customer account (who said what to whom, promises made, context)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk

NOTE_MAX_LENGTH = 5000


class CustomerNote(SQLModel, table=True):
    """One note on a customer account, written by an admin; notes are never edited, only added."""

    __tablename__ = "customer_notes"
    __table_args__ = (
        # The customer page's query: an account's notes, newest first.
        Index(None, "tenant_id", "customer_account_id", "created_at"),
        CheckConstraint(f"length(body) BETWEEN 1 AND {NOTE_MAX_LENGTH}", name="body_length"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    customer_account_id: int = fk("customer_accounts.id", ondelete="CASCADE")
    # The admin who wrote it; the note stays when the user is deleted.
    author_user_id: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = created_at()
