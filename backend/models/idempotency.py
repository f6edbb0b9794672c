"""Idempotency keys: a POST's (or a console form's) fingerprint and, once answered, its response."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp


class IdempotencyKey(SQLModel, table=True):
    """One `Idempotency-Key` of one personal access token, or one key a console form made for its
    signed-in user (the order wizard's), kept 24 hours from its first use.

    While its request runs the row has no response (`completed_at` is empty): a second request
    with the key is refused until it finishes, or until `locked_at` is old enough to count the
    first one as abandoned (its process died).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "api_token_id", "key"),
        UniqueConstraint("tenant_id", "user_id", "key"),
        CheckConstraint("(api_token_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
        Index(None, "tenant_id", "created_at"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    api_token_id: int | None = fk("api_tokens.id", nullable=True, ondelete="CASCADE")
    user_id: int | None = fk("users.id", nullable=True, ondelete="CASCADE")
    key: str = Field(max_length=255)
    # SHA-256 of method, path, query and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    created_at: datetime = created_at()
    locked_at: datetime = timestamp(nullable=False)
    completed_at: datetime | None = timestamp()
    response_status: int | None = None
    response_content_type: str = Field(default="", max_length=200)
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
