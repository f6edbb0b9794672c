"""Idempotency keys of the REST API and of console forms, tenant-scoped (rules: idempotency/service.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update

from backend.kit.repository import TenantRepository
from backend.models import IdempotencyKey


class IdempotencyKeyRepository(TenantRepository[IdempotencyKey]):
    model = IdempotencyKey

    def for_token(self, api_token_id: int, key: str) -> IdempotencyKey | None:
        statement = self.select().where(
            IdempotencyKey.api_token_id == api_token_id, IdempotencyKey.key == key
        )
        return self.session.scalars(statement).first()

    def for_user(self, user_id: int, key: str) -> IdempotencyKey | None:
        statement = self.select().where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        return self.session.scalars(statement).first()

    def take_over(self, key_id: int, locked_before: datetime, now: datetime) -> bool:
        """Lock an unanswered key whose request was abandoned (locked before `locked_before`);
        False when another request answered it or took it over first."""
        statement = self.scoped(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == key_id,
                IdempotencyKey.completed_at.is_(None),  # type: ignore[union-attr]
                IdempotencyKey.locked_at < locked_before,
            )
            .values(locked_at=now)
        )
        return bool(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def purge_expired(self, created_before: datetime) -> int:
        """Delete the keys first used before `created_before`; returns how many."""
        statement = self.scoped(delete(IdempotencyKey).where(IdempotencyKey.created_at < created_before))
        return int(self.session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
