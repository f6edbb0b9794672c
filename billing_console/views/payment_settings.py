"""`/admin/settings/payments`'s sections: which processor applies, the write-only key form, the
webhook URL to paste into Stripe, and the bank details invoices show."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import problem_callout, skeleton_rows
from billing_console.state.payment_settings import PaymentSettingsState as P

KEEP = "configured — leave empty to keep"


def mode_summary() -> rx.Component:
    return rx.hstack(
        rx.icon(
            rx.match(P.mode, ("tenant", "credit-card"), ("deployment", "building"), "landmark"),
            size=22,
        ),
        rx.vstack(
            rx.hstack(
                rx.text(P.mode_label, size="3", weight="bold", id="payment-mode"),
                rx.cond(
                    P.mode == "tenant",
                    rx.badge(
                        rx.cond(P.live, "Live", "Test mode"),
                        color_scheme=rx.cond(P.live, "green", "amber"),
                        variant="soft",
                        radius="full",
                    ),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(P.mode_hint, size="2", color="var(--gray-11)"),
            spacing="1",
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def _key_field(
    name: str, label: str, configured: rx.Var[bool], error: rx.Var[str], placeholder: str, hint: str
) -> rx.Component:
    control_id = f"stripe-{name.replace('_', '-')}"
    return rx.vstack(
        rx.hstack(
            rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
            rx.cond(
                configured,
                rx.badge("Configured", color_scheme="green", variant="soft", radius="full"),
                rx.badge("Not set", color_scheme="gray", variant="soft", radius="full"),
            ),
            spacing="2",
            align="center",
        ),
        rx.input(
            name=name,
            id=control_id,
            type="password",
            auto_complete="off",
            placeholder=rx.cond(configured, KEEP, placeholder),
            size="3",
            width="100%",
            key=P.form_key,
            color_scheme=rx.cond(error != "", "red", "gray"),
            aria_invalid=rx.cond(error != "", "true", "false"),
        ),
        rx.cond(
            error != "",
            rx.text(error, size="1", color="var(--red-11)", role="alert", id=f"{control_id}-error"),
        ),
        rx.text(hint, size="1", color="var(--gray-11)"),
        spacing="1",
        width="100%",
    )


def keys_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(P.form_error != "", problem_callout(P.form_error, element_id="payment-settings-error")),
            _key_field(
                "secret_key",
                "Secret key",
                P.secret_key_configured,
                P.secret_key_error,
                "sk_live_… or sk_test_…",
                "Stripe → Developers → API keys. A restricted key (rk_…) with Checkout, PaymentIntents,"
                " Refunds and Customers write access works too.",
            ),
            _key_field(
                "webhook_secret",
                "Webhook signing secret",
                P.webhook_secret_configured,
                P.webhook_secret_error,
                "whsec_…",
                "Shown when you add the webhook endpoint below in Stripe.",
            ),
            rx.vstack(
                rx.el.label(
                    "Publishable key",
                    html_for="stripe-publishable-key",
                    font_size="var(--font-size-2)",
                    font_weight="500",
                ),
                rx.input(
                    name="publishable_key",
                    id="stripe-publishable-key",
                    placeholder=rx.cond(P.publishable_key != "", P.publishable_key, "pk_live_… or pk_test_…"),
                    size="3",
                    width="100%",
                    key=P.form_key,
                    auto_complete="off",
                    color_scheme=rx.cond(P.publishable_key_error != "", "red", "gray"),
                ),
                rx.cond(
                    P.publishable_key_error != "",
                    rx.text(
                        P.publishable_key_error,
                        size="1",
                        color="var(--red-11)",
                        role="alert",
                        id="stripe-publishable-key-error",
                    ),
                ),
                rx.text(
                    "Optional; must be of the same mode (test or live) as the secret key.",
                    size="1",
                    color="var(--gray-11)",
                ),
                spacing="1",
                width="100%",
            ),
            rx.hstack(
                rx.button("Save keys", type="submit", id="stripe-save", loading=P.saving, size="3"),
                rx.cond(
                    P.secret_key_configured,
                    rx.button(
                        "Disconnect",
                        type="button",
                        variant="soft",
                        color_scheme="red",
                        size="3",
                        on_click=P.ask_disconnect,
                        id="stripe-disconnect",
                    ),
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=P.save,
        reset_on_submit=False,  # a refused save keeps what was typed; a saved one empties (form_key)
        width="100%",
        auto_complete="off",
    )


def disconnect_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Disconnect your Stripe account?"),
            rx.alert_dialog.description(
                "Your keys are deleted. New payments go to the deployment's Stripe account if it has one,"
                " otherwise invoices are paid by bank transfer. Payments already made stay in your"
                " Stripe account.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep connected", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Disconnect",
                        color_scheme="red",
                        on_click=P.disconnect,
                        loading=P.disconnecting,
                        id="stripe-disconnect-confirm",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
        ),
        open=P.confirm_open,
        on_open_change=P.toggle_disconnect_dialog,
    )


def webhook_box() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.code(
                P.webhook_url,
                size="2",
                id="stripe-webhook-url",
                overflow_wrap="anywhere",
                word_break="break-all",
            ),
            rx.icon_button(
                rx.icon("copy", size=16),
                variant="soft",
                size="2",
                aria_label="Copy the webhook URL",
                on_click=[rx.set_clipboard(P.webhook_url), rx.toast.success("Webhook URL copied.")],
                type="button",
            ),
            spacing="2",
            align="center",
            width="100%",
        ),
        rx.text(
            "In Stripe → Developers → Webhooks, add an endpoint with this URL and the events"
            " checkout.session.completed, checkout.session.async_payment_succeeded,"
            " checkout.session.async_payment_failed, checkout.session.expired, payment_intent.succeeded,"
            " payment_intent.payment_failed, setup_intent.succeeded, charge.refunded,"
            " charge.dispute.created, charge.dispute.closed, payout.paid and payout.failed; then paste its"
            " signing secret above.",
            size="1",
            color="var(--gray-11)",
        ),
        spacing="2",
        width="100%",
    )


def _fact(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.grid(
        rx.text(label, size="2", color="var(--gray-11)"),
        rx.text(
            rx.cond(value != "", value, "—"),
            size="2",
            font_family="var(--code-font-family)",
            overflow_wrap="anywhere",
        ),
        columns=rx.breakpoints(initial="1", sm="160px 1fr"),
        spacing="1",
        width="100%",
    )


def bank_box() -> rx.Component:
    return rx.vstack(
        _fact("Account holder", P.bank_holder),
        _fact("IBAN", P.bank_iban),
        _fact("BIC", P.bank_bic),
        rx.cond(
            P.bank_iban == "",
            rx.callout(
                "No IBAN is set: invoices cannot show how to pay by bank transfer. The operator sets"
                " the issuer's bank details with `billing-console tenants update`.",
                icon="triangle-alert",
                color_scheme="amber",
                size="1",
                id="bank-missing",
            ),
        ),
        rx.text(
            "Every invoice shows these details, with its number as the transfer reference.",
            size="1",
            color="var(--gray-11)",
        ),
        spacing="2",
        width="100%",
        id="bank-details",
    )


def settings_skeleton() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="32px", width="260px"), loading=True),
        skeleton_rows(5),
        spacing="5",
        width="100%",
        max_width="880px",
    )
