"""`/profile`: the billing identity form and the account's members and invitations.

What the page offers comes from the server (`can_edit`, `can_manage`: the policy's answer for the
signed-in member); every handler still goes through the gateway, whose services ask the policy
again, so a viewer's crafted event is refused there. Ids sent by the browser are checked first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import profile as gateway
from backend.gateway.profile import FORM_FIELDS, InvitationRow, MemberRow, ProfileForm
from backend.kit.errors import DomainError, FieldErrors, NotFoundError
from backend.kit.principals import SignedInUser
from billing_console.state.arguments import record_id
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

NO_ERRORS = dict.fromkeys(FORM_FIELDS, "")
ROLES = ("owner", "billing", "viewer")


@cleared_on_sign_out
class ProfileState(rx.State):
    loading: bool = True
    no_account: bool = False
    customer_number: str = ""
    values: dict[str, str] = dict.fromkeys(FORM_FIELDS, "")
    customer_type: str = "private"
    vat_status: str = ""
    vat_status_label: str = ""
    vat_source: str = ""
    vat_checked: str = ""
    vat_note: str = ""
    errors: dict[str, str] = NO_ERRORS
    form_error: str = ""
    saving: bool = False
    form_key: int = 0  # bumped after a load or save, so the inputs show the stored values

    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    can_edit: bool = False
    can_manage: bool = False
    my_role: str = ""
    invite_error: str = ""
    invite_email_error: str = ""
    inviting: bool = False
    members_error: str = ""

    @rx.var
    def is_business(self) -> bool:
        return self.customer_type == "business"

    @rx.var
    def has_invitations(self) -> bool:
        return len(self.invitations) > 0

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        await self._read(user)
        self.loading = False

    async def _read(self, user: SignedInUser) -> None:
        try:
            page = await asyncio.to_thread(gateway.profile_page, request_context(self), user)
        except NotFoundError:
            self.no_account = True
            return
        self._show(page.profile)
        self.members, self.invitations = page.members, page.invitations
        self.can_edit, self.can_manage, self.my_role = page.can_edit, page.can_manage, page.my_role

    def _show(self, form: ProfileForm) -> None:
        self.customer_number, self.values = form.customer_number, form.values
        self.customer_type = form.values.get("customer_type", "private")
        self.vat_status, self.vat_status_label = form.vat_status, form.vat_status_label
        self.vat_source, self.vat_checked, self.vat_note = form.vat_source, form.vat_checked, form.vat_note
        self.form_key += 1

    @rx.event
    def set_customer_type(self, value: str) -> None:
        self.customer_type = "business" if value == "business" else "private"

    @rx.event
    @signed_in
    async def save(self, user: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Save the billing identity; a wrong field gets its message under it, nothing is written."""
        sent = form_data if isinstance(form_data, dict) else {}
        entered = {name: str(sent.get(name, ""))[:500] for name in FORM_FIELDS}
        entered["customer_type"] = self.customer_type
        self.errors, self.form_error, self.saving = dict(NO_ERRORS), "", True
        yield
        try:
            saved = await asyncio.to_thread(gateway.save_profile, request_context(self), user, entered)
        except FieldErrors as exc:
            self.errors = NO_ERRORS | {k: v for k, v in exc.fields.items() if k in NO_ERRORS}
            self.form_error = "Please correct the marked fields."
            self.values = entered  # keep what was typed
        except DomainError as exc:
            self.form_error = str(exc)
        else:
            self._show(saved)
            yield rx.toast.success("Billing profile saved.")
        self.saving = False

    @rx.event
    @signed_in
    async def invite(self, user: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        sent = form_data if isinstance(form_data, dict) else {}
        email = str(sent.get("email", "")).strip()[:254]
        role = str(sent.get("role", "viewer"))
        self.invite_error, self.invite_email_error, self.inviting = "", "", True
        yield
        try:
            await asyncio.to_thread(
                gateway.invite, request_context(self), user, email, role if role in ROLES else ""
            )
        except FieldErrors as exc:
            self.invite_email_error = exc.fields.get("email", "")
            self.invite_error = exc.fields.get("role", "")
        except DomainError as exc:
            self.invite_error = str(exc)
        else:
            await self._read(user)
            yield rx.toast.success(f"Invitation sent to {email}.")
        self.inviting = False

    @rx.event
    @signed_in
    async def revoke(self, user: SignedInUser, invitation_id: int) -> AsyncIterator[EventSpec | None]:
        async for update in self._member_action(
            user, gateway.revoke_invitation, invitation_id, "Invitation withdrawn."
        ):
            yield update

    @rx.event
    @signed_in
    async def remove(self, user: SignedInUser, member_id: int) -> AsyncIterator[EventSpec | None]:
        async for update in self._member_action(user, gateway.remove_member, member_id, "Member removed."):
            yield update

    @rx.event
    @signed_in
    async def change_role(
        self, user: SignedInUser, member_id: int, role: str
    ) -> AsyncIterator[EventSpec | None]:
        if not isinstance(role, str) or role not in ROLES:
            self.members_error = "Choose owner, billing or viewer."
            return

        def change(request: Any, who: SignedInUser, target: int) -> None:
            gateway.change_role(request, who, target, role)

        async for update in self._member_action(user, change, member_id, "Role changed."):
            yield update

    async def _member_action(
        self, user: SignedInUser, action: Callable[..., object], target: Any, done: str
    ) -> AsyncIterator[EventSpec | None]:
        found = record_id(target)
        if found is None:
            self.members_error = "That is not a member or invitation of this account."
            return
        self.members_error = ""
        try:
            await asyncio.to_thread(action, request_context(self), user, found)
        except DomainError as exc:
            self.members_error = str(exc)
            await self._read(user)
            return
        await self._read(user)
        yield rx.toast.success(done)
