"""`/profile` and `/invitations/{token}`: the customer's billing identity, the account's members and
invitations, and accepting an invitation.

Every call opens its unit of work, acts as the signed-in user with the member role the server
resolved (so a viewer's call is refused by the policy whatever the page offered) and answers small
view models of display strings. What a page offers comes from the policy too (`allows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.customers import members, profiles
from backend.customers.profiles import BillingProfileInput, BillingProfileView
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.integrations.mail import MailBatch
from backend.integrations.vies import ViesClient
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, allows
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.mail.tasks import send_account_mails
from backend.models.enums import CustomerType, MemberRole, VatIdStatus
from backend.reporting.subscriptions import moment
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host

ROLE_LABELS = {role.value: label for role, label in members.ROLE_LABELS.items()}
ROLE_HINTS = {
    "owner": "Everything, including members",
    "billing": "Orders, subscriptions and the billing profile",
    "viewer": "Reads only",
}
VAT_STATUS_LABELS = {
    VatIdStatus.UNCHECKED: "Not checked yet",
    VatIdStatus.VALID: "Valid",
    VatIdStatus.INVALID: "Not valid",
    VatIdStatus.UNREACHABLE: "Could not be checked (VIES unreachable)",
}
_SOURCES = {"vies": "VIES", "manual": "entered by the operator"}
FORM_FIELDS = (
    "customer_type",
    "name",
    "company_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
    "vat_id",
    "billing_day",
)


@dataclass(frozen=True, slots=True)
class ProfileForm:
    """The billing profile as the form shows it: every value a string."""

    customer_number: str
    values: dict[str, str]
    vat_status: str  # "valid", "invalid", "unchecked", "unreachable" ("" without a VAT ID)
    vat_status_label: str
    vat_source: str
    vat_checked: str  # tenant time, "" when never checked
    vat_note: str  # how the status came about: "Checked 2026-11-02 10:00 via VIES", ...


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    email: str
    name: str
    role: str
    role_label: str
    since: str
    is_me: bool


@dataclass(frozen=True, slots=True)
class InvitationRow:
    id: int
    email: str
    role_label: str
    expires: str


@dataclass(frozen=True, slots=True)
class ProfilePage:
    profile: ProfileForm
    members: list[MemberRow] = field(default_factory=list)
    invitations: list[InvitationRow] = field(default_factory=list)
    can_edit: bool = False  # owners and billing members
    can_manage: bool = False  # owners
    my_role: str = ""


@dataclass(frozen=True, slots=True)
class InvitationPage:
    account_name: str
    email: str
    role_label: str
    role_hint: str  # what the role may do
    expires: str


def _account(user: SignedInUser) -> int:
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    return user.customer_account_id


def _zone(session: Session, tenant_id: int) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")


def _when(at: datetime | None, zone: ZoneInfo) -> str:
    return moment(at, zone) if at else ""


def _form(view: BillingProfileView, zone: ZoneInfo) -> ProfileForm:
    values = {name: str(getattr(view, name) or "") for name in FORM_FIELDS}
    values["customer_type"] = view.customer_type.value
    checked = _when(view.vat_id_checked_at, zone)
    source = _SOURCES.get(view.vat_id_source.lower(), view.vat_id_source)
    if checked:
        note = f"Checked {checked} via {source or 'VIES'}"
    elif view.vat_id_status == VatIdStatus.UNCHECKED:
        note = "Checked with VIES when the profile is saved"
    else:
        note = f"Source: {source}" if source else ""
    return ProfileForm(
        customer_number=view.customer_number,
        values=values,
        vat_status=view.vat_id_status.value if view.vat_id else "",
        vat_status_label=VAT_STATUS_LABELS[view.vat_id_status] if view.vat_id else "",
        vat_source=view.vat_id_source,
        vat_checked=checked,
        vat_note=note if view.vat_id else "",
    )


def profile_page(request: RequestContext | None, user: SignedInUser) -> ProfilePage:
    """The billing profile, the members and pending invitations, and what the user may change."""
    account = _account(user)
    who, scope = actor(request, user), user_scope(user)
    with unit_of_work() as session:
        zone = _zone(session, user.tenant_id)
        view = profiles.read_billing_profile(session, scope, who, account)
        found = members.list_members(session, scope, who, account)
        return ProfilePage(
            profile=_form(view, zone),
            members=[
                MemberRow(
                    id=m.id,
                    email=m.email,
                    name=m.name,
                    role=m.role.value,
                    role_label=ROLE_LABELS[m.role.value],
                    since=_when(m.since, zone)[:10],
                    is_me=m.user_id == user.user_id,
                )
                for m in found.members
            ],
            invitations=[
                InvitationRow(i.id, i.email, ROLE_LABELS[i.role.value], _when(i.expires_at, zone))
                for i in found.invitations
            ],
            can_edit=allows(who, scope, Action.EDIT_BILLING_PROFILE, owner_account_id=account),
            can_manage=allows(who, scope, Action.MANAGE_MEMBERS, owner_account_id=account),
            my_role=user.member_role or "",
        )


def save_profile(request: RequestContext, user: SignedInUser, form: dict[str, str]) -> ProfileForm:
    """Save the form through `save_billing_profile` (VIES checks a changed VAT ID); `FieldErrors`
    names each wrong field."""
    account = _account(user)
    day = form.get("billing_day", "").strip()
    if day and not day.isdigit():
        raise FieldErrors({"billing_day": "Billing day must be a whole number between 1 and 28."})
    data = {name: form.get(name, "") for name in FORM_FIELDS if name not in {"billing_day", "customer_type"}}
    kind = form.get("customer_type", "") or CustomerType.PRIVATE.value
    if kind not in {t.value for t in CustomerType}:
        raise FieldErrors({"customer_type": "Choose a person or a company."})
    entered = BillingProfileInput(
        customer_type=CustomerType(kind), billing_day=int(day) if day else None, **_clipped(data)
    )
    with unit_of_work() as session:
        view = profiles.save_billing_profile(
            session,
            user_scope(user),
            actor(request, user),
            account,
            entered,
            ViesClient.from_settings(get_settings()),
        )
        return _form(view, _zone(session, user.tenant_id))


def _clipped(data: dict[str, str]) -> dict[str, str]:
    """Form text cut to what the input model takes (the service names what is still too long)."""
    limits = {name: f.metadata for name, f in BillingProfileInput.model_fields.items()}
    clipped = {}
    for name, value in data.items():
        longest = next((m.max_length for m in limits.get(name, []) if hasattr(m, "max_length")), None)
        clipped[name] = value.strip()[:longest] if longest else value.strip()
    return clipped


def invite(request: RequestContext, user: SignedInUser, email: str, role: str) -> None:
    """Mail an invitation (sent once the unit of work committed)."""
    settings, mail = get_settings(), MailBatch()
    with unit_of_work() as session:
        members.invite_member(
            session,
            user_scope(user),
            actor(request, user),
            _account(user),
            email=email,
            role=role or MemberRole.VIEWER.value,
            settings=settings,
            mail=mail,
        )
    send_account_mails(mail, settings)


def revoke_invitation(request: RequestContext, user: SignedInUser, invitation_id: int) -> None:
    with unit_of_work() as session:
        members.revoke_invitation(
            session, user_scope(user), actor(request, user), _account(user), invitation_id
        )


def change_role(request: RequestContext, user: SignedInUser, member_id: int, role: str) -> None:
    with unit_of_work() as session:
        members.change_member_role(
            session, user_scope(user), actor(request, user), _account(user), member_id, role
        )


def remove_member(request: RequestContext, user: SignedInUser, member_id: int) -> None:
    with unit_of_work() as session:
        members.remove_member(session, user_scope(user), actor(request, user), _account(user), member_id)


def invitation_page(request: RequestContext, token: str) -> InvitationPage:
    """What the link invites to (before anyone signs in); the host picks the tenant, so another
    tenant's link is "not valid" here. Unusable links raise their named error."""
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        outlook = members.invitation_outlook(session, scope, token)
        return InvitationPage(
            account_name=outlook.account_name,
            email=outlook.email,
            role_label=ROLE_LABELS[outlook.role.value],
            role_hint=ROLE_HINTS[outlook.role.value].lower(),
            expires=_when(outlook.expires_at, _zone(session, scope.tenant_id)),
        )


def accept_invitation(request: RequestContext, user: SignedInUser, token: str) -> members.Accepted:
    with unit_of_work() as session:
        return members.accept_invitation(session, user_scope(user), actor(request, user), token)
