"""The single-use codes the account mails carry (a new code replaces the live ones, so only the
newest one works). The mails themselves are the mail domain's templates (backend.mail.service.account_mail).
"""

from __future__ import annotations

from sqlmodel import Session

from backend import clock
from backend.identity.repository import AccountCodeRepository
from backend.kit.repository import TenantScope
from backend.models import AccountCodePurpose

__all__ = ["kill_live_codes"]


def kill_live_codes(session: Session, scope: TenantScope, user_id: int, purpose: AccountCodePurpose) -> None:
    """Use up the user's live codes of `purpose`: a new code replaces them."""
    now = clock.now()
    for code in AccountCodeRepository(session, scope).live_for_user(user_id, purpose, now):
        code.used_at = now
        session.add(code)
