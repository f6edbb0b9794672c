"""Idempotency keys: a POST sent again with the same `Idempotency-Key` is answered, not done again.

A key belongs to one personal access token of one tenant and lives 24 hours from its first use.
The first request with a key reserves it (`begin`, committed before the work starts, so a second
request sees it), does its work, and stores its response (`complete`); a response of the server's
own failure (5xx) or a rate refusal is not stored: the reservation is dropped (`release`) and the
client may retry with the same key. A later request with the key and the same fingerprint (method,
path, query, body) gets the stored response; with another fingerprint it is refused (`KeyReused`);
while the first still runs it is refused too (`KeyInUse`), unless the first was abandoned (locked
longer ago than `ABANDONED_AFTER`, its process died), which the new request then takes over.
Expired keys of the tenant are deleted whenever a key is reserved there, and never replayed.
A console form that must not act twice (the order wizard) keeps its keys under the signed-in user
instead of a token (`begin_for_user`), with the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.idempotency.repository import IdempotencyKeyRepository
from backend.identity import api_tokens, users
from backend.kit.errors import Conflict, NotFoundError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import IdempotencyKey

KEY_TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=5)


class KeyReused(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request (method, path or body)."
            " Use a new key for a new request."
        )


class KeyInUse(Conflict):
    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still in progress. Retry in a moment.")


class KeyRaced(Exception):
    """Another request reserved the same key at the same moment: begin again in a new transaction."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Reservation:
    """The running request holds the key: it completes or releases it."""

    key_id: int


def begin(
    session: Session, scope: TenantScope, api_token_id: int, key: str, fingerprint: str, now: datetime
) -> Reservation | StoredResponse:
    """Reserve `key` for the token's request, or return the response stored for it.

    Raises KeyReused (another fingerprint), KeyInUse (its request still runs), KeyRaced (reserved
    concurrently: the caller begins again in a new transaction) and NotFoundError for a token that
    is not this tenant's.
    """
    if not api_tokens.token_exists(session, scope, api_token_id):
        raise NotFoundError("This API token does not exist.")
    keys = IdempotencyKeyRepository(session, scope)
    keys.purge_expired(now - KEY_TTL)
    found = keys.for_token(api_token_id, key)
    row = IdempotencyKey(api_token_id=api_token_id, key=key, fingerprint=fingerprint, locked_at=now)
    return _reserve(keys, found, row, now)


def begin_for_user(
    session: Session, scope: TenantScope, user_id: int, key: str, fingerprint: str, now: datetime
) -> Reservation | StoredResponse:
    """`begin` for a key a console form made for the signed-in user `user_id` (the order wizard
    keeps one per wizard): the same answers and errors, the user instead of a token."""
    if not users.user_exists(session, scope, user_id):
        raise NotFoundError("This user does not exist.")
    keys = IdempotencyKeyRepository(session, scope)
    keys.purge_expired(now - KEY_TTL)
    found = keys.for_user(user_id, key)
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint, locked_at=now)
    return _reserve(keys, found, row, now)


def _reserve(
    keys: IdempotencyKeyRepository, found: IdempotencyKey | None, new: IdempotencyKey, now: datetime
) -> Reservation | StoredResponse:
    if found is None:
        try:
            keys.add(new)
        except IntegrityError as exc:
            raise KeyRaced from exc
        return Reservation(new.id or 0)
    if found.fingerprint != new.fingerprint:
        raise KeyReused
    if found.completed_at is not None and found.response_status is not None:
        return StoredResponse(found.response_status, found.response_content_type, found.response_body or b"")
    if not keys.take_over(found.id or 0, now - ABANDONED_AFTER, now):
        raise KeyInUse
    return Reservation(found.id or 0)


def complete(
    session: Session, scope: TenantScope, reservation: Reservation, response: StoredResponse, now: datetime
) -> None:
    """Store the response of the reserved request, for replays until the key expires."""
    row = IdempotencyKeyRepository(session, scope).get(reservation.key_id)
    if row is None:
        raise NotFoundError("This idempotency key does not exist.")
    row.completed_at = now
    row.response_status = response.status
    row.response_content_type = response.content_type[:200]
    row.response_body = response.body
    session.flush()


def release(session: Session, scope: TenantScope, reservation: Reservation) -> None:
    """Drop the reservation of a request that stores no response (it failed, or was refused for
    its rate): the key is free again for a retry."""
    keys = IdempotencyKeyRepository(session, scope)
    row = keys.get(reservation.key_id)
    if row is not None and row.completed_at is None:
        keys.delete(row)
