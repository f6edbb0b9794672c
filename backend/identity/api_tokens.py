"""Personal access tokens for the REST API: scoped, stored hashed, shown once, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.identity.auth import load_signed_in_user
from backend.identity.repository import ApiTokenRepository
from backend.identity.schemas import ApiTokenSummary, CreatedApiToken
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.policy import TOKEN_SCOPES, Action, authorize, may_hold_scope
from backend.kit.principals import ApiPrincipal, SignedInUser
from backend.kit.repository import TenantScope
from backend.kit.tokens import digest, new_token
from backend.models import ApiToken

TOKEN_PREFIX = "bc_"
# What each scope allows (who may hold which is in policy.TOKEN_SCOPES).
SCOPES: dict[str, str] = {name: token_scope.description for name, token_scope in TOKEN_SCOPES.items()}
MAX_LIVE_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)


def summary(token: ApiToken) -> ApiTokenSummary:
    return ApiTokenSummary(
        id=token.id or 0,
        name=token.name,
        prefix=token.prefix,
        scopes=list(token.scopes),
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked_at is not None,
    )


def create_token(
    session: Session,
    scope: TenantScope,
    owner: SignedInUser,
    *,
    name: str,
    scopes: list[str],
    actor: audit.Actor,
) -> CreatedApiToken:
    """A new token for `owner`, created by the owner; the returned secret is never retrievable again."""
    authorize(actor, scope, Action.MANAGE_TOKENS, owner_user_id=owner.user_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Give the token a name of 1-100 characters, e.g. 'Monitoring'.")
    chosen = sorted(set(scopes))
    if not chosen:
        raise ValidationFailed("Choose at least one scope.")
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ValidationFailed(f"Unknown scope {unknown[0]!r}; choose from {', '.join(SCOPES)}.")
    refused = [s for s in chosen if not may_hold_scope(owner.role, s)]
    if refused:
        raise ValidationFailed(f"Only admins can create tokens with the {refused[0]} scope.")
    repository = ApiTokenRepository(session, scope)
    live = [t for t in repository.for_user(owner.user_id) if t.revoked_at is None]
    if len(live) >= MAX_LIVE_TOKENS:
        raise ValidationFailed(f"You have {MAX_LIVE_TOKENS} tokens; revoke one you no longer use first.")
    secret = new_token(TOKEN_PREFIX)
    token = repository.add(
        ApiToken(
            user_id=owner.user_id,
            name=name,
            prefix=secret[:10],
            token_hash=digest(secret),
            scopes=chosen,
            token_version=owner.token_version,
        )
    )
    audit.record(
        session, scope, actor, "token.created", object_type="api_token", object_id=token.id,
        after={"name": name, "scopes": chosen, "user_id": owner.user_id},
    )  # fmt: skip
    return CreatedApiToken(token=secret, summary=summary(token))


def list_tokens(session: Session, scope: TenantScope, owner: SignedInUser) -> list[ApiTokenSummary]:
    return [summary(t) for t in ApiTokenRepository(session, scope).for_user(owner.user_id)]


def revoke_token(
    session: Session,
    scope: TenantScope,
    owner: SignedInUser,
    token_id: int,
    *,
    actor: audit.Actor,
) -> ApiTokenSummary:
    """The owner revokes one of their tokens (another user's token is "not found")."""
    authorize(actor, scope, Action.MANAGE_TOKENS, owner_user_id=owner.user_id)
    token = ApiTokenRepository(session, scope).get(token_id)
    if token is None or token.user_id != owner.user_id:
        raise NotFoundError(f"Token {token_id} not found.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.add(token)
        session.flush()
        audit.record(
            session, scope, actor, "token.revoked", object_type="api_token", object_id=token.id,
            before={"revoked": False}, after={"revoked": True},
        )  # fmt: skip
    return summary(token)


def authenticate_token(session: Session, scope: TenantScope, secret: str) -> ApiPrincipal | None:
    """The caller behind a bearer token of this tenant, or None (unknown, revoked, user locked or revoked)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiTokenRepository(session, scope).by_token_hash(digest(secret))
    if token is None or token.revoked_at is not None:
        return None
    user = load_signed_in_user(session, scope, token.user_id, token.token_version)
    if user is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        session.flush()
    # A demoted admin's old token loses the scopes the new role may not hold.
    scopes = frozenset(s for s in token.scopes if may_hold_scope(user.role, s))
    return ApiPrincipal(user=user, scopes=scopes, token_id=token.id or 0)


def token_exists(session: Session, scope: TenantScope, token_id: int) -> bool:
    """Whether `token_id` is one of this tenant's API tokens (revoked ones too)."""
    return ApiTokenRepository(session, scope).get(token_id) is not None
