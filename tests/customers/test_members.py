"""Members of a customer account and invitations to join it: owners manage them, the last owner stays,
a link works once, for its own address, in its own tenant, for 7 days; every change is audited."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from backend.audit.service import Actor
from backend.customers import members
from backend.customers.members import InvitationNotFound, InvitationUnusable
from backend.customers.service import open_account_for_user
from backend.identity import auth
from backend.identity.users import create_user
from backend.integrations.mail import MailBatch
from backend.kit.errors import Conflict, FieldErrors, PermissionDenied
from backend.kit.repository import TenantScope
from backend.models import (
    AuditLogEntry,
    CustomerAccount,
    CustomerInvitation,
    CustomerMember,
    CustomerProfile,
    MemberRole,
    Subscription,
    User,
    UserRole,
)
from backend.settings import get_settings
from backend.tenancy.service import create_tenant

PASSWORD = "Members-pass-2026"
LINK = re.compile(r"https?://\S+/invitations/(\S+)")


class World:
    def __init__(self, session: Session) -> None:
        self.session = session
        tenant = create_tenant(
            session, slug=f"m-{uuid.uuid4().hex[:8]}", name="Members", settings=get_settings()
        )
        tenant.frontend_url = "https://console.members.example"
        self.scope = TenantScope(tenant.id or 0)
        self.owner = self.user("olga@example.com")
        self.account_id = self.open_account(self.owner, "Nordlicht GmbH")

    def user(self, email: str) -> User:
        return create_user(
            self.session,
            self.scope,
            email=email,
            password=PASSWORD,
            role=UserRole.CUSTOMER,
            display_name=email,
        )

    def open_account(self, user: User, name: str) -> int:
        profile = CustomerProfile(name=name, country="DE", email=user.email)
        account = open_account_for_user(self.session, self.scope, user, profile)
        self.session.flush()
        return account.id or 0

    def actor(self, user: User) -> Actor:
        signed_in = auth.signed_in_user(self.session, self.scope, user)
        return Actor.for_user(signed_in, "192.0.2.7")

    def invite(self, email: str, role: str = "viewer", by: User | None = None) -> tuple[str, int]:
        """Invite and return the token from the emailed link, and the invitation id."""
        mail = MailBatch()
        view = members.invite_member(
            self.session,
            self.scope,
            self.actor(by or self.owner),
            self.account_id,
            email=email,
            role=role,
            settings=get_settings(),
            mail=mail,
        )
        (message,) = mail.messages
        assert message.to == email.lower()
        found = LINK.search(message.text)
        assert found is not None and found.group(0).startswith("https://console.members.example/invitations/")
        return found.group(1), view.id


@pytest.fixture
def world(session: Session, frozen_clock) -> World:
    return World(session)


def test_an_invitation_is_mailed_with_a_link_and_only_the_tokens_digest_is_stored(world: World) -> None:
    token, invitation_id = world.invite("Vera@Example.com")
    stored = world.session.get(CustomerInvitation, invitation_id)
    assert stored is not None and token not in stored.token_hash and len(stored.token_hash) == 64
    # 7 days from now, by the clock: 21 Nov 09:00 + 7 days = 28 Nov 09:00
    assert stored.expires_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    listed = members.list_members(world.session, world.scope, world.actor(world.owner), world.account_id)
    assert [(m.email, m.role) for m in listed.members] == [("olga@example.com", MemberRole.OWNER)]
    assert [(i.email, i.role) for i in listed.invitations] == [("vera@example.com", MemberRole.VIEWER)]


def test_the_invited_user_accepts_once_and_then_acts_as_a_viewer(world: World) -> None:
    token, _ = world.invite("vera@example.com")
    vera = world.user("vera@example.com")
    first = members.accept_invitation(world.session, world.scope, world.actor(vera), token)
    again = members.accept_invitation(world.session, world.scope, world.actor(vera), token)
    assert (first.newly_added, again.newly_added) == (True, False)
    rows = world.session.exec(select(CustomerMember).where(CustomerMember.user_id == vera.id)).all()
    assert [(r.customer_account_id, r.role) for r in rows] == [(world.account_id, MemberRole.VIEWER)]
    signed_in = auth.signed_in_user(world.session, world.scope, vera)
    assert (signed_in.customer_account_id, signed_in.member_role) == (world.account_id, "viewer")
    # a viewer reads the members but manages none
    members.list_members(world.session, world.scope, world.actor(vera), world.account_id)
    with pytest.raises(PermissionDenied, match="Only owners"):
        members.invite_member(
            world.session,
            world.scope,
            world.actor(vera),
            world.account_id,
            email="x@example.com",
            role="viewer",
            settings=get_settings(),
            mail=MailBatch(),
        )


def test_another_address_cannot_accept_and_a_used_link_says_so(world: World) -> None:
    token, _ = world.invite("vera@example.com")
    mallory = world.user("mallory@example.com")
    with pytest.raises(PermissionDenied, match="another email address"):
        members.accept_invitation(world.session, world.scope, world.actor(mallory), token)
    vera = world.user("vera@example.com")
    members.accept_invitation(world.session, world.scope, world.actor(vera), token)
    with pytest.raises(InvitationUnusable, match="used already"):
        members.invitation_outlook(world.session, world.scope, token)


def test_an_expired_or_revoked_link_says_so(world: World, frozen_clock) -> None:
    expiring, _ = world.invite("vera@example.com")
    revoked, revoked_id = world.invite("paul@example.com")
    members.revoke_invitation(
        world.session, world.scope, world.actor(world.owner), world.account_id, revoked_id
    )
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        members.invitation_outlook(world.session, world.scope, revoked)
    assert members.invitation_outlook(world.session, world.scope, expiring).email == "vera@example.com"
    frozen_clock.advance(timedelta(days=7))
    vera = world.user("vera@example.com")
    with pytest.raises(InvitationUnusable, match="expired"):
        members.accept_invitation(world.session, world.scope, world.actor(vera), expiring)
    with pytest.raises(InvitationNotFound, match="not valid"):
        members.invitation_outlook(world.session, world.scope, "made-up")


def test_a_user_of_another_tenant_never_sees_the_invitation(world: World, session: Session) -> None:
    token, _ = world.invite("vera@example.com")
    other = World(session)
    vera_elsewhere = other.user("vera@example.com")
    with pytest.raises(InvitationNotFound, match="not valid"):
        members.invitation_outlook(session, other.scope, token)
    with pytest.raises(InvitationNotFound, match="not valid"):
        members.accept_invitation(session, other.scope, other.actor(vera_elsewhere), token)
    # nor do the other tenant's owners reach the account
    with pytest.raises(PermissionDenied):
        members.revoke_invitation(session, other.scope, other.actor(other.owner), world.account_id, 1 + 10**9)


def test_an_empty_sign_up_account_is_replaced_but_an_account_with_business_is_not(world: World) -> None:
    token, _ = world.invite("vera@example.com", role="billing")
    vera = world.user("vera@example.com")
    own = world.open_account(vera, "Vera's sign-up account")
    accepted = members.accept_invitation(world.session, world.scope, world.actor(vera), token)
    assert accepted.role == MemberRole.BILLING
    assert world.session.get(CustomerAccount, own) is None  # replaced

    token, _ = world.invite("paul@example.com")
    paul = world.user("paul@example.com")
    busy = world.open_account(paul, "Paul's shop")
    world.session.add(
        Subscription(tenant_id=world.scope.tenant_id, customer_account_id=busy, **_subscription_fields(world))
    )
    world.session.flush()
    with pytest.raises(Conflict, match="belong to customer account"):
        members.accept_invitation(world.session, world.scope, world.actor(paul), token)
    assert world.session.get(CustomerAccount, busy) is not None


def _subscription_fields(world: World) -> dict[str, object]:
    from backend.catalog.plans import create_plan
    from backend.catalog.schemas import PlanInput

    admin = Actor.admin(world.scope.tenant_id)
    plan = create_plan(world.session, world.scope, PlanInput(key="p", name="P", base_price="5.00"), admin)
    return {"number": "SUB-999001", "plan_id": plan.id, "status": "active"}


def test_the_last_owner_can_be_neither_removed_nor_demoted(world: World) -> None:
    owner = world.actor(world.owner)
    listed = members.list_members(world.session, world.scope, owner, world.account_id)
    olga = listed.members[0].id
    with pytest.raises(Conflict, match="last owner"):
        members.change_member_role(world.session, world.scope, owner, world.account_id, olga, "billing")
    with pytest.raises(Conflict, match="last owner"):
        members.remove_member(world.session, world.scope, owner, world.account_id, olga)
    token, _ = world.invite("vera@example.com", role="owner")
    vera = world.user("vera@example.com")
    members.accept_invitation(world.session, world.scope, world.actor(vera), token)
    demoted = members.change_member_role(world.session, world.scope, owner, world.account_id, olga, "viewer")
    assert demoted.role == MemberRole.VIEWER
    vera_member = next(
        m
        for m in members.list_members(world.session, world.scope, owner, world.account_id).members
        if m.email == "vera@example.com"
    )
    members.remove_member(world.session, world.scope, world.actor(vera), world.account_id, olga)
    remaining = members.list_members(world.session, world.scope, world.actor(vera), world.account_id).members
    assert [m.id for m in remaining] == [vera_member.id]


def test_billing_members_order_but_do_not_manage_members(world: World) -> None:
    token, _ = world.invite("bill@example.com", role="billing")
    bill = world.user("bill@example.com")
    members.accept_invitation(world.session, world.scope, world.actor(bill), token)
    olga = members.list_members(world.session, world.scope, world.actor(bill), world.account_id).members[0].id
    with pytest.raises(PermissionDenied, match="Only owners"):
        members.remove_member(world.session, world.scope, world.actor(bill), world.account_id, olga)


def test_wrong_fields_are_named_and_a_member_is_not_invited_again(world: World) -> None:
    with pytest.raises(FieldErrors) as caught:
        world.invite("not an email", role="boss")
    assert set(caught.value.fields) == {"email", "role"}
    with pytest.raises(FieldErrors, match="already a member"):
        world.invite("olga@example.com")


def test_every_change_is_audited(world: World) -> None:
    token, invitation_id = world.invite("vera@example.com")
    vera = world.user("vera@example.com")
    members.accept_invitation(world.session, world.scope, world.actor(vera), token)
    _, second = world.invite("paul@example.com")
    members.revoke_invitation(world.session, world.scope, world.actor(world.owner), world.account_id, second)
    vera_id = (
        members.list_members(world.session, world.scope, world.actor(vera), world.account_id).members[1].id
    )
    owner = world.actor(world.owner)
    members.change_member_role(world.session, world.scope, owner, world.account_id, vera_id, "billing")
    members.remove_member(world.session, world.scope, owner, world.account_id, vera_id)
    actions = world.session.exec(
        select(AuditLogEntry.action)
        .where(AuditLogEntry.tenant_id == world.scope.tenant_id, AuditLogEntry.action.startswith("customer."))
        .order_by(AuditLogEntry.id)
    ).all()
    assert actions == [
        "customer.member_invited",
        "customer.invitation_accepted",
        "customer.member_invited",
        "customer.invitation_revoked",
        "customer.member_role_changed",
        "customer.member_removed",
    ]
    assert invitation_id
