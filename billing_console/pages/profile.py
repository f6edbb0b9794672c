"""`/profile`: the billing identity (person or company, address, VAT ID with its VIES status,
billing day, invoice email), the saved card with automatic payment, and the account's members and
invitations."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.components.feedback import empty_state
from billing_console.layout import template
from billing_console.routes import PROFILE
from billing_console.state.profile import ProfileState
from billing_console.views.profile import members_section, profile_form, profile_skeleton
from billing_console.views.saved_method import payment_method_section


@template(route=PROFILE, title="Profile", on_load=ProfileState.load)
def profile() -> rx.Component:
    return rx.cond(
        ProfileState.loading,
        profile_skeleton(),
        rx.cond(
            ProfileState.no_account,
            empty_state("building-2", "No customer account", "Your user belongs to no customer account."),
            rx.vstack(
                rx.vstack(
                    rx.heading("Profile", as_="h1", size="7"),
                    rx.text(
                        "Customer ",
                        rx.code(ProfileState.customer_number, id="customer-number"),
                        size="2",
                        color="var(--gray-11)",
                    ),
                    spacing="1",
                ),
                section_card(
                    "Billing profile",
                    "Your invoices are addressed to and taxed for this identity.",
                    profile_form(),
                    "billing-profile-section",
                ),
                section_card(
                    "Payment method",
                    "The card your invoices are paid with, and whether they are paid automatically.",
                    payment_method_section(),
                    "payment-method-section",
                ),
                section_card(
                    "Members",
                    "People who can sign in to this customer account. Owners manage members; billing "
                    "members order and pay; viewers only read.",
                    members_section(),
                    "members-section",
                ),
                spacing="5",
                width="100%",
                max_width="880px",
            ),
        ),
    )


route = profile
