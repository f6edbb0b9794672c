"""`/admin/settings/payments`: how the tenant's customers pay (bank transfer, the deployment's or
its own Stripe account), its own keys (write-only), the webhook URL for Stripe, the bank details
(admins only; checked on the server)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.layout import template
from billing_console.routes import ADMIN_PAYMENT_SETTINGS
from billing_console.state.payment_settings import PaymentSettingsState
from billing_console.views.payment_settings import (
    bank_box,
    disconnect_dialog,
    keys_form,
    mode_summary,
    settings_skeleton,
    webhook_box,
)


@template(route=ADMIN_PAYMENT_SETTINGS, title="Payment settings", on_load=PaymentSettingsState.load)
def admin_payment_settings() -> rx.Component:
    return rx.cond(
        PaymentSettingsState.loading,
        settings_skeleton(),
        rx.vstack(
            rx.vstack(
                rx.heading("Payment settings", as_="h1", size="7"),
                rx.text("How your customers pay their invoices.", size="2", color="var(--gray-11)"),
                spacing="1",
            ),
            section_card(
                "Payments go to", "Decided by the keys below.", mode_summary(), "payment-mode-section"
            ),
            section_card(
                "Your Stripe account",
                "Keys are stored encrypted and never shown again; leave a field empty to keep"
                " its stored key.",
                keys_form(),
                "stripe-keys-section",
            ),
            section_card(
                "Webhook endpoint",
                "Stripe confirms each payment by calling this address; an invoice is paid only then.",
                webhook_box(),
                "stripe-webhook-section",
            ),
            section_card(
                "Bank transfer",
                "From your issuer settings; read-only here.",
                bank_box(),
                "bank-transfer-section",
            ),
            disconnect_dialog(),
            spacing="5",
            width="100%",
            max_width="880px",
        ),
    )


route = admin_payment_settings
