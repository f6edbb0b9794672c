"""`/dashboard`: the customer's open balance, servers (live) and subscriptions."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import notice_callout
from billing_console.layout import template
from billing_console.routes import ADMIN, DASHBOARD
from billing_console.state.dashboard import DashboardState
from billing_console.state.servers import ServersState
from billing_console.state.session import SessionState
from billing_console.views.dashboard import customer_heading, open_balance, subscriptions
from billing_console.views.servers import servers_section


@template(route=DASHBOARD, title="Dashboard", on_load=[DashboardState.load, ServersState.load])
def dashboard() -> rx.Component:
    return rx.cond(
        DashboardState.notice != "",
        rx.vstack(
            notice_callout(DashboardState.notice, element_id="dashboard-notice"),
            rx.cond(
                SessionState.is_admin,
                rx.link(
                    rx.button("Back to the admin overview", variant="soft"), href=ADMIN, underline="none"
                ),
            ),
            spacing="4",
            width="100%",
        ),
        rx.vstack(
            customer_heading(), open_balance(), servers_section(), subscriptions(), spacing="6", width="100%"
        ),
    )


route = dashboard
