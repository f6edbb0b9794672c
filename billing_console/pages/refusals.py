"""The pages that refuse: any unknown address (404) and the job monitor for non-operators (403).

Signed-in users see them inside the console's frame with the way to their start page; everyone
else gets the sign-in frame. The 403 page has the job monitor's own address: the web app sends the
frontend with status 403 when it refuses /admin/queues/ (jobs/dashboard.py), and the browser renders
this route. Operator admins pass that check, so they only land here through an in-app link.
"""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.components.navigation import JOB_MONITOR
from billing_console.components.refusal import link_button, refusal_panel
from billing_console.layout import app_shell, page_title
from billing_console.routes import ADMIN, DASHBOARD, LOGIN, REGISTER, Route
from billing_console.state.refusals import RefusalState
from billing_console.state.session import SessionState

NOT_FOUND = "404"  # Reflex's route for every address no page has
JOB_MONITOR_REFUSED = "/admin/queues/[[...splat]]"


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


def not_found() -> rx.Component:
    return refusal_page(
        "",
        "Page not found",
        refusal_panel(
            "map-pin-off",
            "Error 404",
            "There is no page at this address",
            "The link may be mistyped, or the page has moved. Your start page has everything you use.",
            start_page_button("not-found-home"),
            "not-found",
        ),
        auth_page(
            "Page not found",
            "There is no page at this address. Sign in to go to your start page.",
            sign_in_body("not-found"),
            rx.text("New here? ", text_link("Create an account", REGISTER), size="2"),
        ),
    )


def job_monitor_refused() -> rx.Component:
    action = rx.cond(
        RefusalState.opens_job_monitor,
        link_button("Open the job monitor", JOB_MONITOR, "jobs-open", icon="list-checks", document=True),
        start_page_button("jobs-refused-home"),
    )
    return refusal_page(
        JOB_MONITOR,
        "Job monitor",
        refusal_panel(
            "shield-alert",
            "Error 403 · Admins only",
            rx.cond(
                RefusalState.opens_job_monitor,
                "The job monitor opens as its own page",
                "The job monitor is for administrators",
            ),
            "It shows the background jobs of every account on this installation, so only the "
            "administrators of the company that runs it can open it.",
            action,
            "jobs-refused",
        ),
        auth_page(
            "Admins only",
            "The job monitor shows the background jobs of every account on this installation. "
            "Sign in with an administrator account to open it.",
            sign_in_body("jobs-refused"),
        ),
    )


not_found_route = Route(
    path=NOT_FOUND, title=page_title("Page not found"), component=not_found, on_load=RefusalState.check_user
)
job_monitor_refused_route = Route(
    path=JOB_MONITOR_REFUSED,
    title=page_title("Admins only"),
    component=job_monitor_refused,
    on_load=RefusalState.check_job_monitor,
)
