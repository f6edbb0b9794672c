"""Users, sessions, personal access tokens and one-time account codes, tenant-scoped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update

from backend.kit.repository import TenantRepository
from backend.models import AccountCode, AccountCodePurpose, ApiToken, User, UserSession


class UserSessionRepository(TenantRepository[UserSession]):
    model = UserSession

    def by_token_hash(self, token_hash: str) -> UserSession | None:
        return self.session.scalars(self.select().where(UserSession.token_hash == token_hash)).first()

    def by_ticket_hash(self, ticket_hash: str) -> UserSession | None:
        return self.session.scalars(self.select().where(UserSession.ticket_hash == ticket_hash)).first()

    def revoke_all_for_user(self, user_id: int, at: datetime) -> int:
        """Revoke every live session of the user; returns how many were live."""
        statement = self.scoped(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))  # type: ignore[union-attr]
            .values(revoked_at=at, ticket_hash=None)
        )
        return int(self.session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


class ApiTokenRepository(TenantRepository[ApiToken]):
    model = ApiToken

    def by_token_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(self.select().where(ApiToken.token_hash == token_hash)).first()

    def for_user(self, user_id: int) -> list[ApiToken]:
        statement = self.select().where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())  # type: ignore[union-attr]
        return list(self.session.scalars(statement))


class AccountCodeRepository(TenantRepository[AccountCode]):
    model = AccountCode

    def live_for_user(self, user_id: int, purpose: AccountCodePurpose, at: datetime) -> list[AccountCode]:
        """Unused, unexpired codes of the user for `purpose`, newest first."""
        statement = (
            self.select()
            .where(
                AccountCode.user_id == user_id,
                AccountCode.purpose == purpose,
                AccountCode.used_at.is_(None),  # type: ignore[union-attr]
                AccountCode.expires_at > at,
            )
            .order_by(AccountCode.id.desc())  # type: ignore[union-attr]
        )
        return list(self.session.scalars(statement))

    def by_code_hash(self, code_hash: str, purpose: AccountCodePurpose) -> AccountCode | None:
        statement = self.select().where(AccountCode.code_hash == code_hash, AccountCode.purpose == purpose)
        return self.session.scalars(statement).first()


class UserRepository(TenantRepository[User]):
    model = User

    def by_email(self, email: str) -> User | None:
        statement = self.select().where(func.lower(User.email) == email.strip().lower())
        return self.session.scalars(statement).first()
