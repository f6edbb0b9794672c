"""The customer's own account over REST: its billing profile, and its members and invitations;
and the admin's notes on a customer (`/api/v1/admin/customers/{id}/notes`, admins only; the
console's CSV download of them is backend/api/downloads.py).

Routes authenticate the token (401) and leave "may this caller do it?" to the services, which ask
the policy: every member reads (token scope "read"); owners and billing members change the profile,
owners alone manage members ("write"). A token acts for its user's customer account with its
user's member role; a user of no customer account (an admin) gets 404. A wrong field answers 422
with one `errors` entry per field. POST takes an `Idempotency-Key` (the middleware).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.audit.service import Actor
from backend.customers import members, notes, profiles
from backend.customers.notes import NoteView
from backend.customers.profiles import BillingProfileInput, BillingProfileView
from backend.customers.schemas import InvitationIn, InvitationOut, MemberOut, MemberRoleIn, MembersOut
from backend.db import unit_of_work
from backend.integrations.mail import MailBatch
from backend.integrations.vies import ViesClient
from backend.kit.errors import NotFoundError
from backend.mail.tasks import send_account_mails
from backend.models.notes import NOTE_MAX_LENGTH
from backend.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["v1"])
# A user of no customer account (an admin) has no profile or members to read.
_NO_ACCOUNT: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The token's user belongs to no customer account",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}

_PROFILE_EXAMPLE = {
    "customer_type": "business",
    "name": "Jana Nordwind",
    "company_name": "Nordwind Hosting GmbH",
    "address_line1": "Hafenstr. 12",
    "postal_code": "20457",
    "city": "Hamburg",
    "country": "DE",
    "email": "billing@nordwind.example",
    "vat_id": "DE123456789",
    "billing_day": 1,
}
ProfileBody = Annotated[
    BillingProfileInput,
    Body(openapi_examples={"business": {"summary": "A German company", "value": _PROFILE_EXAMPLE}}),
]
InvitationBody = Annotated[
    InvitationIn,
    Body(
        openapi_examples={
            "viewer": {"summary": "Invite a read-only member", "value": {"email": "ana@example.com"}},
            "billing": {
                "summary": "Invite someone who orders and pays",
                "value": {"email": "accounts@example.com", "role": "billing"},
            },
        }
    ),
]
RoleBody = Annotated[
    MemberRoleIn, Body(openapi_examples={"owner": {"summary": "Make an owner", "value": {"role": "owner"}}})
]


def _account(actor: Actor) -> int:
    if actor.customer_account_id is None:
        raise NotFoundError("This token's user belongs to no customer account.")
    return actor.customer_account_id


@router.get("/profile", summary="Get the billing profile", responses=_NO_ACCOUNT)
def get_profile(request: Request, principal: TokenPrincipal) -> BillingProfileView:
    """Whom the account's invoices are addressed to and how they are taxed, with the VAT ID's
    validation status, its source and when it was checked."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        return profiles.read_billing_profile(session, token_scope(principal), actor, _account(actor))


@router.put("/profile", summary="Change the billing profile")
def put_profile(body: ProfileBody, request: Request, principal: TokenPrincipal) -> BillingProfileView:
    """Replace the billing identity (all fields; `billing_day` left out keeps the current day).
    Every wrong field is named at once (422, one `errors` entry per field) and nothing is written;
    a changed VAT ID is checked with VIES. Owners and billing members only."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        return profiles.save_billing_profile(
            session,
            token_scope(principal),
            actor,
            _account(actor),
            body,
            ViesClient.from_settings(get_settings()),
        )


@router.get("/members", summary="List the account's members", responses=_NO_ACCOUNT)
def list_members(request: Request, principal: TokenPrincipal) -> MembersOut:
    """The members with their roles (owner, billing, viewer) and since when, and the pending
    invitations."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        found = members.list_members(session, token_scope(principal), actor, _account(actor))
        return MembersOut.model_validate(found, from_attributes=True)


@router.post("/members/invitations", status_code=201, summary="Invite a member")
def invite(body: InvitationBody, request: Request, principal: TokenPrincipal) -> InvitationOut:
    """Email an invitation with a single-use link, valid for 7 days (a pending invitation of the
    same address is replaced). Owners only. Send an `Idempotency-Key`: a retry mails once."""
    actor = token_actor(request, principal)
    settings, mail = get_settings(), MailBatch()
    with unit_of_work() as session:
        invitation = members.invite_member(
            session,
            token_scope(principal),
            actor,
            _account(actor),
            email=body.email,
            role=body.role,
            settings=settings,
            mail=mail,
        )
    send_account_mails(mail, settings)
    return InvitationOut.model_validate(invitation, from_attributes=True)


@router.delete("/members/invitations/{invitation_id}", status_code=204, summary="Revoke an invitation")
def revoke(invitation_id: Id, request: Request, principal: TokenPrincipal) -> Response:
    """The link stops working; an accepted invitation cannot be revoked (remove the member). Owners only."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        members.revoke_invitation(session, token_scope(principal), actor, _account(actor), invitation_id)
    return Response(status_code=204)


@router.patch("/members/{member_id}", summary="Change a member's role")
def change_role(member_id: Id, body: RoleBody, request: Request, principal: TokenPrincipal) -> MemberOut:
    """Owners only; the account's last owner cannot be demoted (409)."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        member = members.change_member_role(
            session, token_scope(principal), actor, _account(actor), member_id, body.role
        )
        return MemberOut.model_validate(member, from_attributes=True)


@router.delete("/members/{member_id}", status_code=204, summary="Remove a member")
def remove(member_id: Id, request: Request, principal: TokenPrincipal) -> Response:
    """Owners only; the account's last owner cannot be removed (409). The user stays, without access."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        members.remove_member(session, token_scope(principal), actor, _account(actor), member_id)
    return Response(status_code=204)


class NoteInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Longer bodies are refused by the service with the field's message; this bounds the request.
    body: str = Field(max_length=NOTE_MAX_LENGTH * 2, description=f"1 to {NOTE_MAX_LENGTH:,} characters")


NoteBody = Annotated[
    NoteInput,
    Body(
        openapi_examples={
            "call": {
                "summary": "A note on a phone call",
                "value": {"body": "Called about the overdue invoice."},
            }
        }
    ),
]


@router.get("/admin/customers/{customer_id}/notes", summary="List a customer's notes")
def list_notes(
    customer_id: Id,
    request: Request,
    principal: TokenPrincipal,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[NoteView]:
    """The customer's notes, newest first: `starting_after` is the `id` of the last note of the
    previous page (older notes follow)."""
    with unit_of_work() as session:
        found = notes.list_notes(
            session, token_scope(principal), token_actor(request, principal), customer_id,
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.post("/admin/customers/{customer_id}/notes", status_code=201, summary="Add a note")
def add_note(customer_id: Id, body: NoteBody, request: Request, principal: TokenPrincipal) -> NoteView:
    """Add a note to the customer (1 to 5,000 characters, surrounding spaces trimmed); audited."""
    with unit_of_work() as session:
        return notes.add_note(
            session, token_scope(principal), token_actor(request, principal), customer_id, body.body
        )
