"""`/invitations/{token}`: the page an invitation email links to."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page
from billing_console.components.feedback import page_spinner, problem_callout
from billing_console.layout import page_title
from billing_console.routes import DASHBOARD, INVITATION, Route
from billing_console.state.invitation import InvitationState as I


def _offer() -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.text.strong(I.account_name),
            " invites ",
            rx.text.strong(I.email, overflow_wrap="anywhere"),
            " to its customer account with the role ",
            rx.text.strong(I.role_label),
            " (",
            I.role_hint,
            ").",
            size="3",
            id="invitation-offer",
        ),
        rx.text("The link works once, until ", I.expires, ".", size="1", color="var(--gray-11)"),
        rx.cond(I.error != "", problem_callout(I.error, element_id="invitation-error")),
        rx.cond(
            I.signed_in_as != "",
            rx.vstack(
                rx.text("Signed in as ", I.signed_in_as, size="2", color="var(--gray-11)"),
                rx.button(
                    "Accept invitation",
                    on_click=I.accept,
                    loading=I.accepting,
                    size="3",
                    width="100%",
                    id="invitation-accept",
                ),
                spacing="2",
                width="100%",
            ),
            rx.vstack(
                rx.link(
                    rx.button("Sign in to accept", size="3", width="100%"),
                    href=I.sign_in_href,
                    width="100%",
                    id="invitation-sign-in",
                ),
                rx.link(
                    rx.button("Create an account", size="3", width="100%", variant="soft"),
                    href=I.sign_up_href,
                    width="100%",
                    id="invitation-sign-up",
                ),
                rx.text(
                    "New here? Sign up with the invited address; after confirming it you come back here.",
                    size="1",
                    color="var(--gray-11)",
                ),
                spacing="2",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def invitation() -> rx.Component:
    return auth_page(
        "Invitation",
        "Join a customer account",
        rx.cond(
            I.loading,
            page_spinner(),
            rx.cond(
                I.unusable != "",
                rx.vstack(
                    problem_callout(I.unusable, element_id="invitation-unusable"),
                    rx.link("Go to the start page", href=DASHBOARD, size="2"),
                    spacing="3",
                    width="100%",
                ),
                _offer(),
            ),
        ),
    )


route = Route(path=INVITATION, title=page_title("Invitation"), component=invitation, on_load=I.load)
