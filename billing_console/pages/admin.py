"""`/admin`: the tenant's headline figures and background jobs (admins only; checked on the server)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_cards
from billing_console.layout import template
from billing_console.routes import ADMIN
from billing_console.state.admin import AdminOverviewState
from billing_console.state.admin_payments_overview import AdminPaymentsOverviewState
from billing_console.state.revenue import MrrTrendState
from billing_console.views.admin import background_jobs, document_alarms, figures
from billing_console.views.admin_payments_overview import payments_overview
from billing_console.views.revenue import mrr_trend_card


@template(
    route=ADMIN,
    title="Overview",
    on_load=[AdminOverviewState.load, AdminPaymentsOverviewState.load, MrrTrendState.load],
)
def admin_overview() -> rx.Component:
    return rx.vstack(
        rx.cond(
            AdminOverviewState.loading,
            rx.skeleton(rx.box(height="32px", width="260px"), loading=True),
            rx.vstack(
                rx.heading(AdminOverviewState.tenant_name, size="7"),
                rx.text("Tenant overview", size="2", color="var(--gray-11)"),
                spacing="1",
            ),
        ),
        rx.cond(AdminOverviewState.loading, rx.fragment(), document_alarms()),
        rx.cond(AdminOverviewState.loading, skeleton_cards(6), figures()),
        mrr_trend_card(),
        payments_overview(),
        rx.cond(AdminOverviewState.loading, rx.fragment(), background_jobs()),
        spacing="6",
        width="100%",
    )


route = admin_overview
