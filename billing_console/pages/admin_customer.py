"""`/admin/customers/{id}`: one customer's file for the admin: standing, billing profile, members,
subscriptions, invoices, notes and the mail sent to them. Any other id (another tenant's, none)
shows the 404 panel."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_cards
from billing_console.components.refusal import link_button, refusal_panel
from billing_console.layout import template
from billing_console.routes import ADMIN_CUSTOMER, ADMIN_CUSTOMERS
from billing_console.state.admin_customer_mail import AdminCustomerMailState
from billing_console.state.admin_customers import AdminCustomerState
from billing_console.views.admin_customer import (
    customer_heading,
    invoices_card,
    notes_card,
    profile_and_members,
    standing_cards,
    subscriptions_card,
)
from billing_console.views.admin_customer_mail import mail_card


def _not_found() -> rx.Component:
    return refusal_panel(
        "map-pin-off",
        "Error 404",
        "There is no such customer",
        "No customer of this tenant has this address. Search for them in the list.",
        link_button("All customers", ADMIN_CUSTOMERS, "not-found-customers", icon="users"),
        "not-found",
    )


@template(
    route=ADMIN_CUSTOMER,
    title="Customer",
    on_load=[AdminCustomerState.load, AdminCustomerMailState.load],
    section=ADMIN_CUSTOMERS,
)
def admin_customer() -> rx.Component:
    return rx.cond(
        AdminCustomerState.loading,
        skeleton_cards(6),
        rx.cond(
            AdminCustomerState.not_found,
            _not_found(),
            rx.vstack(
                customer_heading(),
                standing_cards(),
                profile_and_members(),
                rx.grid(
                    subscriptions_card(),
                    notes_card(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                invoices_card(),
                mail_card(),
                spacing="5",
                width="100%",
            ),
        ),
    )


route = admin_customer
