"""Members and invitations of customer accounts (backend/customers/members.py and its repository):
tenant B's admin, or a user of B, on Alice's account, members and invitation of tenant A."""

from __future__ import annotations

from sqlmodel import Session

from backend.audit.service import Actor
from backend.customers import members
from backend.customers import service as customers
from backend.customers.repository import (
    CustomerAccountRepository,
    CustomerInvitationRepository,
    CustomerMemberRepository,
)
from backend.integrations.mail import MailBatch
from backend.kit.tokens import digest
from backend.settings import load_settings
from tests.isolation.probes import Probe, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side


def paul(me: Side, a: Side) -> Actor:
    """The invited user as a customer of the acting side's tenant (A's Paul has no account yet)."""
    return Actor(user_id=a.invitee_user_id, role=Actor.customer(me.tenant_id, 1).role, tenant_id=me.tenant_id)


def invite(session: Session, me: Side, a: Side) -> members.InvitationView:
    return members.invite_member(
        session,
        me.scope,
        me.actor,
        a.customer_id,
        email="nina@example.com",
        role="billing",
        settings=load_settings(),
        mail=MailBatch(),
    )


MEMBER_REPOSITORY_PROBES: list[Probe] = [
    R(CustomerAccountRepository.has_business, lambda s, me, a: (a.customer_id,)),
    R(CustomerAccountRepository.user, lambda s, me, a: (a.user_id,)),
    R(CustomerMemberRepository.of_user, lambda s, me, a: (a.user_id,)),
    R(CustomerMemberRepository.of_account, lambda s, me, a: (a.customer_id,)),
    R(CustomerMemberRepository.membership, lambda s, me, a: (a.customer_id, a.user_id)),
    R(CustomerMemberRepository.count_owners, lambda s, me, a: (a.customer_id,)),
    R(CustomerInvitationRepository.by_token_hash, lambda s, me, a: (digest(a.invitation_token),)),
    R(CustomerInvitationRepository.pending, lambda s, me, a: (a.customer_id, NOW)),
]

MEMBER_OPERATION_PROBES: list[Probe] = [
    S(
        customers.membership_of_user,
        lambda s, me, a: customers.membership_of_user(s, me.scope, a.user_id),
        nothing,
    ),
    S(members.list_members, lambda s, me, a: members.list_members(s, me.scope, me.actor, a.customer_id)),
    S(members.invite_member, invite),
    S(
        members.revoke_invitation,
        lambda s, me, a: members.revoke_invitation(s, me.scope, me.actor, a.customer_id, a.invitation_id),
    ),
    S(
        members.change_member_role,
        lambda s, me, a: members.change_member_role(
            s, me.scope, me.actor, a.customer_id, a.viewer_member_id, "billing"
        ),
    ),
    S(
        members.remove_member,
        lambda s, me, a: members.remove_member(s, me.scope, me.actor, a.customer_id, a.viewer_member_id),
    ),
    S(
        members.invitation_outlook,
        lambda s, me, a: members.invitation_outlook(s, me.scope, a.invitation_token),
    ),
    S(
        members.accept_invitation,
        lambda s, me, a: members.accept_invitation(s, me.scope, paul(me, a), a.invitation_token),
    ),
]
