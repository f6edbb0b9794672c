"""The people of a customer account: its members with their roles, and invitations to join it.

An account's owners manage its members (the policy's `MANAGE_MEMBERS` rule: owners only); every
member reads the list. An invitation is emailed with a link to `{tenant console}/invitations/{token}`;
only the token's digest is stored, and it is single use and expires after 7 days. The invited
person accepts it signed in with the invited email address (a new person signs up from the link
first). An account always keeps an owner: the last one can be neither removed nor demoted.

A user belongs to one customer account (the session resolves one). Accepting an invitation while
being a member of another account is refused, unless that account is the empty one sign-up opened
(no subscription, invoice or open position, no other member): that one is replaced.
Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.customers.repository import (
    CustomerAccountRepository,
    CustomerInvitationRepository,
    CustomerMemberRepository,
    CustomerProfileRepository,
)
from backend.integrations.mail import MailBatch
from backend.kit.errors import Conflict, FieldErrors, NotFoundError, PermissionDenied, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tokens import digest, new_token
from backend.mail import MailKind
from backend.mail.service import account_mail
from backend.models import CustomerAccount, CustomerInvitation, CustomerMember, MemberRole
from backend.settings import Settings
from backend.tenancy.service import normalise_email

INVITATION_LIFETIME = timedelta(days=7)
ROLE_LABELS = {
    MemberRole.OWNER: "Owner",
    MemberRole.BILLING: "Billing",
    MemberRole.VIEWER: "Viewer",
}


class InvitationUnusable(Conflict):
    """The invitation link cannot be used any more: the message says why."""


class InvitationNotFound(NotFoundError):
    """No invitation of this tenant has this token (mistyped, or another tenant's link)."""


@dataclass(frozen=True, slots=True)
class MemberView:
    id: int
    user_id: int
    email: str
    name: str
    role: MemberRole
    since: datetime


@dataclass(frozen=True, slots=True)
class InvitationView:
    id: int
    email: str
    role: MemberRole
    invited_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Members:
    customer_account_id: int
    members: list[MemberView]
    invitations: list[InvitationView]  # pending: neither accepted, revoked nor expired


@dataclass(frozen=True, slots=True)
class InvitationOutlook:
    """What an invitation link offers, before it is accepted."""

    account_name: str
    email: str
    role: MemberRole
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Accepted:
    customer_account_id: int
    account_name: str
    role: MemberRole
    newly_added: bool  # False when the user already was a member (accepting twice adds once)


def list_members(session: Session, scope: TenantScope, actor: Actor, customer_account_id: int) -> Members:
    """The account's members (owners, billing, viewers) and its pending invitations."""
    authorize(actor, scope, Action.READ_MEMBERS, owner_account_id=customer_account_id)
    _account(session, scope, customer_account_id)
    rows = CustomerMemberRepository(session, scope).of_account(customer_account_id)
    pending = CustomerInvitationRepository(session, scope).pending(customer_account_id, clock.now())
    return Members(
        customer_account_id=customer_account_id,
        members=[_member_view(member, user.email, user.display_name) for member, user in rows],
        invitations=[_invitation_view(invitation) for invitation in pending],
    )


def invite_member(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    customer_account_id: int,
    *,
    email: str,
    role: MemberRole | str,
    settings: Settings,
    mail: MailBatch,
) -> InvitationView:
    """Email an invitation with a single-use link; a pending invitation of the same address is
    replaced (its link stops working). A member's own address is refused per field."""
    authorize(actor, scope, Action.MANAGE_MEMBERS, owner_account_id=customer_account_id)
    account = _account(session, scope, customer_account_id)
    errors: dict[str, str] = {}
    try:
        address = normalise_email(email)
    except ValidationFailed:
        address = ""
        errors["email"] = "Enter a valid email address." if email.strip() else "Email is required."
    member_role = _role(role, errors)
    members = CustomerMemberRepository(session, scope)
    if address and any(user.email == address for _, user in members.of_account(customer_account_id)):
        errors["email"] = f"{address} is already a member of this account."
    if errors:
        raise FieldErrors(errors)
    assert member_role is not None
    now = clock.now()
    invitations = CustomerInvitationRepository(session, scope)
    for earlier in invitations.pending(customer_account_id, now):
        if earlier.email == address:
            earlier.revoked_at = now
            session.add(earlier)
    token = new_token()
    invitation = invitations.add(
        CustomerInvitation(
            customer_account_id=customer_account_id,
            email=address,
            role=member_role,
            token_hash=digest(token),
            invited_by=actor.user_id,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    context = {
        "account_name": account.name,
        "account_number": account.number,
        "role": ROLE_LABELS[member_role].lower(),
        "link": f"/invitations/{token}",
    }
    account_mail(session, scope, mail, MailKind.MEMBER_INVITATION, address, context, customer_id=account.id)
    audit.record(
        session,
        scope,
        actor,
        "customer.member_invited",
        object_type="customer_account",
        object_id=customer_account_id,
        after={"email": address, "role": member_role.value, "invitation_id": invitation.id},
    )
    return _invitation_view(invitation)


def revoke_invitation(
    session: Session, scope: TenantScope, actor: Actor, customer_account_id: int, invitation_id: int
) -> None:
    """Withdraw a pending invitation: its link says so from now on."""
    authorize(actor, scope, Action.MANAGE_MEMBERS, owner_account_id=customer_account_id)
    invitation = CustomerInvitationRepository(session, scope).get(invitation_id)
    if invitation is None or invitation.customer_account_id != customer_account_id:
        raise NotFoundError(f"Invitation {invitation_id} not found.")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was accepted already; remove the member instead.")
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = clock.now()
    session.add(invitation)
    audit.record(
        session,
        scope,
        actor,
        "customer.invitation_revoked",
        object_type="customer_account",
        object_id=customer_account_id,
        before={"email": invitation.email, "invitation_id": invitation.id},
    )


def change_member_role(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    customer_account_id: int,
    member_id: int,
    role: MemberRole | str,
) -> MemberView:
    """Give a member another role; the account's last owner cannot be demoted."""
    authorize(actor, scope, Action.MANAGE_MEMBERS, owner_account_id=customer_account_id)
    errors: dict[str, str] = {}
    new_role = _role(role, errors)
    if new_role is None:
        raise FieldErrors(errors)
    members = CustomerMemberRepository(session, scope)
    member = _member(members, customer_account_id, member_id)
    before = member.role
    if before == new_role:
        return _view_of(members, member)
    if before == MemberRole.OWNER and members.count_owners(customer_account_id) == 1:
        raise Conflict("The account's last owner cannot be demoted; make someone else owner first.")
    member.role = new_role
    session.add(member)
    audit.record(
        session,
        scope,
        actor,
        "customer.member_role_changed",
        object_type="customer_account",
        object_id=customer_account_id,
        before={"user_id": member.user_id, "role": before.value},
        after={"user_id": member.user_id, "role": new_role.value},
    )
    return _view_of(members, member)


def remove_member(
    session: Session, scope: TenantScope, actor: Actor, customer_account_id: int, member_id: int
) -> None:
    """Take a member off the account (their user stays, with no account); never the last owner."""
    authorize(actor, scope, Action.MANAGE_MEMBERS, owner_account_id=customer_account_id)
    members = CustomerMemberRepository(session, scope)
    member = _member(members, customer_account_id, member_id)
    if member.role == MemberRole.OWNER and members.count_owners(customer_account_id) == 1:
        raise Conflict("The account's last owner cannot be removed.")
    before = {"user_id": member.user_id, "role": member.role.value}
    session.delete(member)
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "customer.member_removed",
        object_type="customer_account",
        object_id=customer_account_id,
        before=before,
    )


def invitation_outlook(session: Session, scope: TenantScope, token: str) -> InvitationOutlook:
    """What the link invites to (the accept page shows it before anyone signs in); an unknown,
    expired, revoked or used link raises `InvitationUnusable` saying which."""
    invitation = _usable(session, scope, token, accepted_ok=False)
    account = _account(session, scope, invitation.customer_account_id)
    return InvitationOutlook(account.name, invitation.email, invitation.role, invitation.expires_at)


def accept_invitation(session: Session, scope: TenantScope, actor: Actor, token: str) -> Accepted:
    """The signed-in user whose email the invitation names joins the account with its role.

    Accepting again (a double click, the link opened twice) adds nothing. A user who already
    belongs to another account is refused, unless it is their empty sign-up account, which is
    replaced. Another address, another tenant's link, or an expired, revoked or used one: refused.
    """
    invitation = _usable(session, scope, token, accepted_ok=True)
    accounts = CustomerAccountRepository(session, scope)
    user = accounts.user(actor.user_id) if actor.user_id is not None else None
    same_person = user is not None and user.email == invitation.email
    if user is not None and not same_person and actor.tenant_id == scope.tenant_id:
        raise PermissionDenied(
            "This invitation was sent to another email address: sign in with that address to accept it."
        )
    authorize(actor, scope, Action.ACCEPT_INVITATION, owner_user_id=actor.user_id if same_person else None)
    assert user is not None and user.id is not None
    account = _account(session, scope, invitation.customer_account_id)
    members = CustomerMemberRepository(session, scope)
    if invitation.accepted_at is not None:
        existing = members.membership(invitation.customer_account_id, user.id)
        if invitation.accepted_by == user.id and existing is not None:
            return Accepted(account.id or 0, account.name, existing.role, newly_added=False)
        raise InvitationUnusable("This invitation was used already.")
    existing = members.membership(invitation.customer_account_id, user.id)
    if existing is None:
        _leave_empty_account(session, scope, actor, user.id, invitation.customer_account_id)
        existing = members.add(
            CustomerMember(
                customer_account_id=invitation.customer_account_id, user_id=user.id, role=invitation.role
            )
        )
    now = clock.now()
    invitation.accepted_at = now
    invitation.accepted_by = user.id
    session.add(invitation)
    audit.record(
        session,
        scope,
        actor,
        "customer.invitation_accepted",
        object_type="customer_account",
        object_id=invitation.customer_account_id,
        after={"user_id": user.id, "email": user.email, "role": existing.role.value},
    )
    return Accepted(account.id or 0, account.name, existing.role, newly_added=True)


def _leave_empty_account(
    session: Session, scope: TenantScope, actor: Actor, user_id: int, joining_account_id: int
) -> None:
    """Before joining: refuse a member of another account, unless it is their empty sign-up account,
    which is deleted (with its billing profile)."""
    accounts = CustomerAccountRepository(session, scope)
    members = CustomerMemberRepository(session, scope)
    for membership in members.of_user(user_id):
        if membership.customer_account_id == joining_account_id:
            continue
        account = accounts.get(membership.customer_account_id)
        others = [m for m, _ in members.of_account(membership.customer_account_id) if m.user_id != user_id]
        if account is None or others or accounts.has_business(membership.customer_account_id):
            number = account.number if account else membership.customer_account_id
            raise Conflict(
                f"You already belong to customer account {number}, which has subscriptions, invoices "
                "or other members. A user belongs to one customer account: ask the inviting owner to "
                "invite another email address, or leave that account first."
            )
        profile = CustomerProfileRepository(session, scope).for_account(membership.customer_account_id)
        if profile is not None:
            session.delete(profile)
        session.delete(membership)
        session.flush()
        session.delete(account)
        session.flush()
        audit.record(
            session,
            scope,
            actor,
            "customer.account_replaced",
            object_type="customer_account",
            object_id=membership.customer_account_id,
            before={"number": account.number, "user_id": user_id},
            after={"joined_customer_account_id": joining_account_id},
        )


def _usable(session: Session, scope: TenantScope, token: str, *, accepted_ok: bool) -> CustomerInvitation:
    invitation = CustomerInvitationRepository(session, scope).by_token_hash(digest(token.strip()))
    if invitation is None:
        raise InvitationNotFound("This invitation link is not valid. Ask the account's owner for a new one.")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation was withdrawn. Ask the account's owner for a new one.")
    if invitation.accepted_at is not None and not accepted_ok:
        raise InvitationUnusable("This invitation was used already.")
    if invitation.accepted_at is None and invitation.expires_at <= clock.now():
        raise InvitationUnusable("This invitation expired. Ask the account's owner for a new one.")
    return invitation


def _account(session: Session, scope: TenantScope, customer_account_id: int) -> CustomerAccount:
    account = CustomerAccountRepository(session, scope).get(customer_account_id)
    if account is None:
        raise NotFoundError(f"Customer {customer_account_id} not found.")
    return account


def _member(members: CustomerMemberRepository, customer_account_id: int, member_id: int) -> CustomerMember:
    member = members.get(member_id)
    if member is None or member.customer_account_id != customer_account_id:
        raise NotFoundError(f"Member {member_id} not found.")
    return member


def _role(role: MemberRole | str, errors: dict[str, str]) -> MemberRole | None:
    try:
        return MemberRole(role)
    except ValueError:
        errors["role"] = "Role must be owner, billing or viewer."
        return None


def _view_of(members: CustomerMemberRepository, member: CustomerMember) -> MemberView:
    for row, person in members.of_account(member.customer_account_id):
        if row.id == member.id:
            return _member_view(row, person.email, person.display_name)
    raise NotFoundError(f"Member {member.id} not found.")


def _member_view(member: CustomerMember, email: str, name: str) -> MemberView:
    return MemberView(
        id=member.id or 0,
        user_id=member.user_id,
        email=email,
        name=name or email,
        role=member.role,
        since=member.created_at,
    )


def _invitation_view(invitation: CustomerInvitation) -> InvitationView:
    return InvitationView(
        id=invitation.id or 0,
        email=invitation.email,
        role=invitation.role,
        invited_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )
