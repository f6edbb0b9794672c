"""`/profile`'s sections: the billing identity form (a message under each wrong field, the VAT ID's
validation status) and the account's members with their invitations."""

from __future__ import annotations

import reflex as rx

from backend.gateway.profile import ROLE_HINTS, InvitationRow, MemberRow
from billing_console.components.feedback import problem_callout, skeleton_rows
from billing_console.state.profile import ProfileState as P

VAT_COLOURS = {"valid": "green", "invalid": "red", "unreachable": "amber", "unchecked": "gray"}


def _error(name: str) -> rx.Component:
    return rx.cond(
        P.errors[name] != "",
        rx.text(
            P.errors[name],
            size="1",
            color="var(--red-11)",
            id=f"profile-{name.replace('_', '-')}-error",
            role="alert",
        ),
    )


def _field(
    label: str, name: str, *, hint: str = "", kind: str = "text", required: bool = False, **props: object
) -> rx.Component:
    control_id = f"profile-{name.replace('_', '-')}"
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        rx.input(
            name=name,
            id=control_id,
            type=kind,
            default_value=P.values[name],
            required=required,
            read_only=~P.can_edit,
            size="3",
            width="100%",
            color_scheme=rx.cond(P.errors[name] != "", "red", "gray"),
            aria_invalid=rx.cond(P.errors[name] != "", "true", "false"),
            **props,
        ),
        _error(name),
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        width="100%",
        min_width="0",
    )


def _pair(*fields: rx.Component) -> rx.Component:
    return rx.grid(*fields, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def _vat_status() -> rx.Component:
    return rx.cond(
        P.vat_status != "",
        rx.hstack(
            rx.match(
                P.vat_status,
                *[
                    (status, rx.badge(P.vat_status_label, color_scheme=colour, variant="soft"))
                    for status, colour in VAT_COLOURS.items()
                ],
                rx.badge(P.vat_status_label, variant="soft"),
            ),
            rx.text(P.vat_note, size="1", color="var(--gray-11)"),
            spacing="2",
            align="center",
            wrap="wrap",
            id="profile-vat-status",
        ),
    )


def profile_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(P.form_error != "", problem_callout(P.form_error, element_id="profile-error")),
            rx.vstack(
                rx.text("You order as", size="2", weight="medium"),
                rx.radio_group.root(
                    rx.hstack(
                        rx.radio_group.item(value="private", id="profile-type-private"),
                        rx.el.label("A person", html_for="profile-type-private"),
                        rx.radio_group.item(value="business", id="profile-type-business"),
                        rx.el.label("A company", html_for="profile-type-business"),
                        spacing="2",
                        align="center",
                    ),
                    value=P.customer_type,
                    on_change=P.set_customer_type,
                    disabled=~P.can_edit,
                    name="customer_type",
                ),
                spacing="2",
            ),
            _pair(
                _field("Name", "name", required=True, auto_complete="name"),
                rx.cond(
                    P.is_business,
                    _field("Company name", "company_name", required=True, auto_complete="organization"),
                    rx.fragment(),
                ),
            ),
            _pair(
                _field("Street and number", "address_line1", required=True, auto_complete="address-line1"),
                _field("Address line 2", "address_line2", auto_complete="address-line2"),
            ),
            _pair(
                _field("Postal code", "postal_code", required=True, auto_complete="postal-code"),
                _field("City", "city", required=True, auto_complete="address-level2"),
            ),
            _pair(
                _field("Country", "country", hint="Two letters, e.g. DE", required=True, max_length=60),
                _field("Invoice email", "email", kind="email", required=True, auto_complete="email"),
            ),
            _pair(
                rx.vstack(
                    _field("VAT ID", "vat_id", hint="Businesses in the EU: checked with VIES"),
                    _vat_status(),
                    spacing="2",
                    width="100%",
                ),
                _field(
                    "Billing day",
                    "billing_day",
                    kind="number",
                    hint="Day of the month, 1 to 28",
                    min=1,
                    max=28,
                ),
            ),
            _field("Phone", "phone", kind="tel", auto_complete="tel"),
            rx.cond(
                P.can_edit,
                rx.button("Save profile", type="submit", id="profile-save", loading=P.saving, size="3"),
                rx.text(
                    "Only the account's owners and billing members change the billing profile.",
                    size="2",
                    color="var(--gray-11)",
                    id="profile-read-only",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        key=P.form_key,
        on_submit=P.save,
        reset_on_submit=False,
        width="100%",
        id="profile-form",
    )


def _role_select(member: rx.Var[MemberRow]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Role", variant="soft"),
        rx.select.content(
            rx.select.item("Owner", value="owner"),
            rx.select.item("Billing", value="billing"),
            rx.select.item("Viewer", value="viewer"),
        ),
        value=member.role,
        on_change=lambda role: P.change_role(member.id, role),
        size="2",
    )


def _member(member: rx.Var[MemberRow]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.text(member.name, weight="medium", size="2"),
                rx.cond(member.is_me, rx.badge("You", variant="soft", color_scheme="gray")),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(member.email, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
            rx.text("Member since ", member.since, size="1", color="var(--gray-11)"),
            spacing="0",
            min_width="220px",  # narrower, the role and its buttons move below
            flex="1",
        ),
        rx.cond(
            P.can_manage,
            rx.hstack(
                _role_select(member),
                rx.button(
                    "Remove",
                    on_click=P.remove(member.id),
                    color_scheme="red",
                    variant="soft",
                    size="2",
                ),
                spacing="2",
                align="center",
            ),
            rx.badge(member.role_label, variant="soft", size="2"),
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
        width="100%",
        padding_y="10px",
        border_bottom="1px solid var(--gray-a4)",
        class_name="member-row",
    )


def _invitation(invitation: rx.Var[InvitationRow]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(invitation.email, size="2", weight="medium", overflow_wrap="anywhere"),
            rx.text(
                invitation.role_label,
                " · link valid until ",
                invitation.expires,
                size="1",
                color="var(--gray-11)",
            ),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            P.can_manage,
            rx.button(
                "Withdraw", on_click=P.revoke(invitation.id), variant="soft", color_scheme="gray", size="2"
            ),
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
        width="100%",
        padding_y="8px",
        class_name="invitation-row",
    )


def invite_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(P.invite_error != "", problem_callout(P.invite_error, element_id="invite-error")),
            rx.hstack(
                rx.vstack(
                    rx.el.label("Email address", html_for="invite-email", font_size="var(--font-size-2)"),
                    rx.input(
                        name="email", id="invite-email", type="email", required=True, size="3", width="100%"
                    ),
                    rx.cond(
                        P.invite_email_error != "",
                        rx.text(
                            P.invite_email_error, size="1", color="var(--red-11)", id="invite-email-error"
                        ),
                    ),
                    spacing="1",
                    flex="1",
                    min_width="200px",
                ),
                rx.vstack(
                    rx.el.label("Role", html_for="invite-role", font_size="var(--font-size-2)"),
                    rx.select.root(
                        rx.select.trigger(id="invite-role"),
                        rx.select.content(
                            *[
                                rx.select.item(f"{role.title()} — {hint}", value=role)
                                for role, hint in ROLE_HINTS.items()
                            ]
                        ),
                        name="role",
                        default_value="viewer",
                        size="3",
                    ),
                    spacing="1",
                    min_width="0",
                    max_width="100%",
                ),
                rx.button("Send invitation", type="submit", id="invite-submit", loading=P.inviting, size="3"),
                align="end",
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=P.invite,
        reset_on_submit=True,
        width="100%",
    )


def members_section() -> rx.Component:
    return rx.vstack(
        rx.cond(P.members_error != "", problem_callout(P.members_error, element_id="members-error")),
        rx.box(rx.foreach(P.members, _member), width="100%", id="members-list"),
        rx.cond(
            P.has_invitations,
            rx.vstack(
                rx.text("Pending invitations", size="2", weight="bold"),
                rx.foreach(P.invitations, _invitation),
                spacing="1",
                width="100%",
                id="invitations-list",
            ),
        ),
        rx.cond(
            P.can_manage,
            invite_form(),
            rx.text(
                "Only the account's owners invite, change and remove members.",
                size="2",
                color="var(--gray-11)",
                id="members-read-only",
            ),
        ),
        spacing="4",
        width="100%",
    )


def profile_skeleton() -> rx.Component:
    return skeleton_rows(8)
