"""The frame of the pages that refuse (404, 403): who is looking decides the frame and the way on.

Signed-in users see the refusal inside the console's frame with the way to their start page;
everyone else gets the sign-in frame.
"""

from __future__ import annotations

import reflex as rx

from billing_console.components.refusal import link_button
from billing_console.layout import app_shell
from billing_console.routes import ADMIN, DASHBOARD, LOGIN
from billing_console.state.refusals import RefusalState
from billing_console.state.session import SessionState


def start_page_button(element_id: str) -> rx.Component:
    return link_button(
        "Go to your start page",
        rx.cond(SessionState.is_admin, ADMIN, DASHBOARD),
        element_id,
        icon="house",
    )


def sign_in_body(element_id: str) -> rx.Component:
    return rx.box(
        link_button("Sign in", LOGIN, f"{element_id}-sign-in", icon="log-in", width="100%"),
        width="100%",
        id=element_id,
    )


def refusal_page(route: str, title: str, panel: rx.Component, signed_out: rx.Component) -> rx.Component:
    """`panel` in the console's frame for a signed-in user, `signed_out` once the visitor is known
    to be signed out, a spinner until then."""
    return rx.cond(
        RefusalState.checked & ~SessionState.signed_in,
        signed_out,
        app_shell(route, title, panel),
    )
