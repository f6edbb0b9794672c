"""`/admin/payment-links`: issue an ad-hoc invoice and send its payment link; the newest links
(admins only; checked on the server). `?customer=ID` preselects a customer."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.layout import template
from billing_console.routes import ADMIN_PAYMENT_LINKS
from billing_console.state.payment_links import PaymentLinksState
from billing_console.views.payment_links import (
    created_callout,
    link_form,
    links_list,
    links_skeleton,
    revoke_dialog,
)


@template(route=ADMIN_PAYMENT_LINKS, title="Payment links", on_load=PaymentLinksState.load)
def admin_payment_links() -> rx.Component:
    return rx.cond(
        PaymentLinksState.loading,
        links_skeleton(),
        rx.vstack(
            rx.vstack(
                rx.heading("Payment links", as_="h1", size="7"),
                rx.text(
                    "Bill something once and get paid online: the customer opens the link and pays without"
                    " signing in.",
                    size="2",
                    color="var(--gray-11)",
                ),
                spacing="1",
            ),
            created_callout(),
            section_card(
                "New payment link",
                "Issues an invoice with these lines now and emails its link.",
                link_form(),
                "link-form-section",
            ),
            section_card(
                "Recent links", "The newest 25, with their state today.", links_list(), "link-list-section"
            ),
            revoke_dialog(),
            spacing="5",
            width="100%",
            max_width="960px",
        ),
    )


route = admin_payment_links
