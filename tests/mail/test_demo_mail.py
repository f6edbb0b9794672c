"""The demo's history carries its mail: every delivery went out (to the outbox) during the seed,
none is left `sending` or queued, the invitations among them, recorded without their link."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from backend.models import MailDelivery, MailKind, MailStatus
from backend.tenancy.service import scope_for_slug


def test_every_demo_mail_was_sent_once(demo_session: Session) -> None:
    scope = scope_for_slug(demo_session, "demo")
    deliveries = list(
        demo_session.scalars(select(MailDelivery).where(MailDelivery.tenant_id == scope.tenant_id))
    )
    assert {d.status for d in deliveries} == {MailStatus.SENT}
    invitations = [d for d in deliveries if d.kind == MailKind.MEMBER_INVITATION]
    assert len(invitations) == 2 and all("link" not in d.context for d in invitations)
    assert any(d.kind == MailKind.RENEWAL_REMINDER for d in deliveries)
