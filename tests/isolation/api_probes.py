"""The isolation table of the REST API's own operations: idempotency keys of tenant A's token.

Each side has an API token with a key reserved at T0 and never answered, and an order wizard's key
of its customer user (tests/isolation/world.py);
at NOW both keys have expired, so reserving one purges the tenant's expired keys.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.idempotency import service as idempotency
from backend.idempotency.repository import IdempotencyKeyRepository
from backend.idempotency.service import Reservation, StoredResponse
from backend.identity.repository import ApiTokenRepository
from backend.kit.errors import NotFoundError
from tests.isolation.probes import Probe, Raises, equals, nothing
from tests.isolation.repository_probes import R
from tests.isolation.world import NOW, Side

FINGERPRINT = "0" * 64
ANSWER = StoredResponse(200, "application/json", b"{}")


def token_id(session: Session, side: Side) -> int:
    token = ApiTokenRepository(session, side.scope).by_token_hash(side.api_token_hash)
    assert token is not None and token.id is not None
    return token.id


def key_id(session: Session, side: Side) -> int:
    keys = IdempotencyKeyRepository(session, side.scope)
    row = keys.for_token(token_id(session, side), side.idempotency_key)
    assert row is not None and row.id is not None
    return row.id


API_REPOSITORY_PROBES: list[Probe] = [
    R(IdempotencyKeyRepository.for_token, lambda s, me, a: (token_id(s, a), a.idempotency_key)),
    R(IdempotencyKeyRepository.for_user, lambda s, me, a: (a.user_id, a.order_key)),
    # A's key is unanswered and was locked long before NOW: only A may take it over.
    R(IdempotencyKeyRepository.take_over, lambda s, me, a: (key_id(s, a), NOW, NOW)),
    # B's own expired keys go (its token's and its wizard's); A's stay.
    R(IdempotencyKeyRepository.purge_expired, lambda s, me, a: (NOW,), equals(lambda b: 2)),
]

API_OPERATION_PROBES: list[Probe] = [
    Probe(
        idempotency.begin,
        lambda s, me, a: idempotency.begin(s, me.scope, token_id(s, a), a.idempotency_key, FINGERPRINT, NOW),
        Raises(NotFoundError),
    ),
    # A's user is not B's: B can neither reserve a key for them nor read A's wizard key.
    Probe(
        idempotency.begin_for_user,
        lambda s, me, a: idempotency.begin_for_user(s, me.scope, a.user_id, a.order_key, FINGERPRINT, NOW),
        Raises(NotFoundError),
    ),
    Probe(
        idempotency.complete,
        lambda s, me, a: idempotency.complete(s, me.scope, Reservation(key_id(s, a)), ANSWER, NOW),
        Raises(NotFoundError),
    ),
    Probe(
        idempotency.release,
        lambda s, me, a: idempotency.release(s, me.scope, Reservation(key_id(s, a))),
        nothing,
    ),
]
