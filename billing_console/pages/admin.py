"""`/admin`: the tenant's headline figures (admins only; the state checks the role on the server)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import stat_card
from billing_console.components.feedback import skeleton_cards
from billing_console.layout import template
from billing_console.routes import ADMIN
from billing_console.state.admin import AdminOverviewState


def _amounts(amounts: rx.Var[list[str]], empty: str) -> rx.Component:
    """One line per currency, or `empty`."""
    return rx.cond(
        amounts.length() > 0,
        rx.vstack(rx.foreach(amounts, lambda amount: rx.text(amount)), spacing="1"),
        rx.text(empty, size="5", weight="medium", color="var(--gray-10)"),
    )


def figures() -> rx.Component:
    state = AdminOverviewState
    return rx.grid(
        stat_card("Customers", state.customers, "users", hint="Customer accounts"),
        stat_card(
            "Active subscriptions",
            state.active_subscriptions,
            "repeat",
            hint="Active, trial or ending",
            tone="green",
        ),
        stat_card(
            "Unpaid invoices",
            state.unpaid_invoices,
            "file-clock",
            hint="Issued and not yet paid",
            tone="amber",
        ),
        stat_card(
            "Overdue invoices",
            state.overdue_invoices,
            "alarm-clock",
            hint="Past their due date",
            tone=rx.cond(state.overdue_invoices > 0, "red", "gray"),
        ),
        stat_card("Open amounts", _amounts(state.open_amounts, "Nothing open"), "wallet", hint="Balance due"),
        stat_card(
            "Paid in the last 30 days",
            _amounts(state.paid_last_30_days, "No payments"),
            "banknote",
            hint="Gross of paid invoices",
            tone="green",
        ),
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
        id="admin-overview",
    )


@template(route=ADMIN, title="Overview", on_load=AdminOverviewState.load)
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
        rx.cond(AdminOverviewState.loading, skeleton_cards(6), figures()),
        spacing="6",
        width="100%",
    )


route = admin_overview
