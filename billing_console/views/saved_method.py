"""The "Payment method" section of `/profile`: the saved card, automatic payment, save or remove."""

from __future__ import annotations

import reflex as rx

from billing_console.state.saved_method import SavedMethodState as S


def _remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Remove card", variant="soft", color_scheme="red", disabled=S.busy, id="remove-card")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove this card?"),
            rx.alert_dialog.description(
                rx.text(
                    S.card_label,
                    " will no longer be charged and automatic payment is switched off. Open invoices "
                    "then have to be paid one by one.",
                ),
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove card", color_scheme="red", on_click=S.remove_card, id="confirm-remove-card"
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
        ),
    )


def _saved_card() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("credit-card", size=20),
            rx.text(S.card_label, weight="medium", id="saved-card"),
            rx.badge(
                rx.cond(S.auto_billing, "Automatic payment on", "Pay by hand"),
                color_scheme=rx.cond(S.auto_billing, "green", "gray"),
                variant="soft",
                id="auto-billing-badge",
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            S.can_manage,
            rx.vstack(
                rx.text(
                    "Automatic payment",
                    rx.switch(
                        checked=S.auto_billing,
                        on_change=S.set_auto_billing,
                        disabled=S.busy,
                        id="auto-billing-switch",
                        margin_left="12px",
                    ),
                    as_="label",
                    size="2",
                    display="flex",
                    align_items="center",
                ),
                rx.text(
                    "When it is on, each invoice is charged to this card when it is issued. ",
                    S.retry_note,
                    " Meanwhile you can pay by hand.",
                    size="1",
                    color="var(--gray-11)",
                    id="retry-note",
                ),
                rx.hstack(
                    rx.button(
                        "Replace card",
                        variant="soft",
                        on_click=S.save_card,
                        loading=S.busy,
                        id="replace-card",
                    ),
                    _remove_dialog(),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _no_card() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.waiting,
            rx.hstack(
                rx.spinner(size="2"),
                rx.text("Waiting for Stripe to confirm your card…", size="2", id="card-waiting"),
                align="center",
                spacing="2",
            ),
            rx.text("No card saved.", size="2", color="var(--gray-11)", id="no-card"),
        ),
        rx.cond(
            S.can_manage,
            rx.vstack(
                rx.text(
                    "Save a card to have invoices paid automatically when they are issued. You enter "
                    "it on Stripe's secure page; we never see the card number.",
                    size="1",
                    color="var(--gray-11)",
                ),
                rx.button(
                    rx.icon("credit-card", size=16),
                    "Save a card",
                    on_click=S.save_card,
                    loading=S.busy,
                    disabled=S.waiting,
                    id="save-card",
                ),
                spacing="2",
            ),
            rx.text("Owners and billing members of the account can save a card.", size="1"),
        ),
        spacing="3",
        width="100%",
    )


def payment_method_section() -> rx.Component:
    return rx.box(
        rx.cond(
            ~S.loaded,
            rx.skeleton(height="64px", width="100%"),
            rx.cond(
                S.online,
                rx.vstack(
                    rx.cond(S.has_card, _saved_card(), _no_card()),
                    rx.cond(
                        S.error != "",
                        rx.callout(
                            S.error, icon="triangle-alert", color_scheme="red", size="1", id="card-error"
                        ),
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.text(
                    "Invoices are paid by bank transfer: each invoice shows the account and the reference "
                    "to use.",
                    size="2",
                    color="var(--gray-11)",
                    id="bank-transfer-only",
                ),
            ),
        ),
        on_mount=S.load,
        width="100%",
    )
