"""The job monitor refused (403): it shows every tenant's jobs, so only operator admins may open it.

The page has the job monitor's own address: the web app sends the frontend with status 403 when it
refuses /admin/queues/ (jobs/dashboard.py), and the browser renders this route. Operator admins pass
that check, so they only land here through an in-app link.
"""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page
from billing_console.components.navigation import JOB_MONITOR
from billing_console.components.refusal import link_button, refusal_panel
from billing_console.layout import page_title
from billing_console.routes import JOB_MONITOR_REFUSED, Route
from billing_console.state.refusals import RefusalState
from billing_console.views.refusals import refusal_page, sign_in_body, start_page_button


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


route = Route(
    path=JOB_MONITOR_REFUSED,
    title=page_title("Admins only"),
    component=job_monitor_refused,
    on_load=RefusalState.check_job_monitor,
)
