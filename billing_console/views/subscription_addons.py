"""A subscription's addons (each with Remove, and "Add an addon" with the plan's offers) and the
statutory withdrawal: each step confirmed in a dialog that first shows the engine's preview (what
is charged or credited now, the new price of a period, when it takes effect)."""

from __future__ import annotations

import reflex as rx

from backend.gateway.subscription_addons import AddonOffer, MoneyLine
from backend.reporting.schemas import AddonLine
from billing_console.components.feedback import problem_callout
from billing_console.state.subscription_detail import SubscriptionState as S


def _attached(addon: rx.Var[AddonLine]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(addon.name, weight="medium", size="2"),
            rx.text(addon.quantity, " × ", addon.price, " net", size="1", color="var(--gray-11)"),
            spacing="0",
            min_width="0",
        ),
        rx.cond(
            S.can_remove_addon,
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=S.start_remove_addon(addon.addon_id),
                aria_label="Remove " + addon.name.to(str),
                class_name="remove-addon",
            ),
        ),
        justify="between",
        align="center",
        width="100%",
        class_name="attached-addon",
    )


def addons_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Addons", as_="h2", size="4"),
                rx.cond(
                    S.can_add_addon,
                    rx.button(
                        rx.icon("plus", size=16),
                        "Add an addon",
                        size="2",
                        variant="soft",
                        on_click=S.start_add_addon,
                        id="add-addon",
                    ),
                ),
                justify="between",
                align="center",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(
                S.has_addons,
                rx.vstack(rx.foreach(S.subscription.addons, _attached), spacing="3", width="100%"),
                rx.text(
                    rx.cond(S.can_add_addon, "No addons yet.", "No addons."),
                    size="2",
                    color="var(--gray-11)",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id="subscription-addons",
    )


def withdraw_button() -> rx.Component:
    return rx.cond(
        S.can_withdraw,
        rx.button(
            "Withdraw",
            on_click=S.preview_withdrawal,
            color_scheme="red",
            variant="outline",
            id="withdraw-subscription",
        ),
    )


def withdraw_note() -> rx.Component:
    return rx.cond(
        S.can_withdraw,
        rx.text(
            "As a consumer you may withdraw from this contract until ",
            rx.text.strong(S.withdraw_until),
            " (",
            S.subscription.time_zone,
            ").",
            size="1",
            color="var(--gray-11)",
            id="withdraw-note",
        ),
    )


def _money_line(line: rx.Var[MoneyLine]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(line.description, size="2"),
            rx.text(line.period, size="1", color="var(--gray-11)"),
            spacing="0",
            min_width="0",
        ),
        rx.text(line.amount, size="2", white_space="nowrap"),
        justify="between",
        align="start",
        width="100%",
    )


def _buttons(confirm: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Close", variant="soft", color_scheme="gray", on_click=S.close_dialog(False), disabled=S.working
        ),
        rx.cond(S.refusal == "", confirm),
        justify="end",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def _asking() -> rx.Component:
    return rx.hstack(rx.spinner(), rx.text("Asking the billing engine…", size="2"))


def _addon_preview() -> rx.Component:
    """What the previewed change books now and costs per period afterwards."""
    return rx.vstack(
        rx.separator(size="4"),
        rx.foreach(S.addon_lines, _money_line),
        rx.text(
            rx.cond(
                S.addon_nothing_now,
                rx.cond(
                    S.addon_at_period_end,
                    "Nothing is charged now: the addon is billed with the period's charge at its end.",
                    "Nothing is charged or credited now.",
                ),
                rx.fragment(
                    rx.cond(S.addon_credited, "Credited now: ", "Charged now: "),
                    rx.text.strong(S.addon_now),
                    " net.",
                ),
            ),
            id="addon-now",
        ),
        rx.text(
            "From ",
            S.addon_effective,
            " on, a full period costs ",
            rx.text.strong(S.addon_recurring_after),
            " net.",
            size="2",
            color="var(--gray-11)",
            id="addon-recurring",
        ),
        spacing="2",
        width="100%",
        id="addon-preview",
    )


def _offer(offer: rx.Var[AddonOffer]) -> rx.Component:
    chosen = S.chosen_addon == offer.id.to_string()
    return rx.button(
        rx.hstack(
            rx.text(offer.name, weight="medium"),
            rx.text(offer.price, size="1"),
            justify="between",
            width="100%",
            wrap="wrap",
        ),
        on_click=S.choose_addon(offer.id.to_string()),
        variant=rx.cond(chosen, "solid", "outline"),
        aria_pressed=rx.cond(chosen, "true", "false"),
        width="100%",
        height="auto",
        padding_y="8px",
        class_name="addon-choice",
    )


def add_addon_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Add an addon to ", rx.el.span(S.subscription.number, white_space="nowrap")),
        rx.text("Addons your plan allows (prices per unit, net):", size="2"),
        rx.vstack(rx.foreach(S.addon_offers, _offer), spacing="2", width="100%"),
        rx.vstack(
            rx.el.label("Quantity", html_for="addon-quantity", font_size="var(--font-size-2)"),
            rx.input(
                id="addon-quantity",
                type="number",
                min="1",
                step="1",
                input_mode="numeric",
                default_value=S.addon_quantity,
                on_blur=S.set_addon_quantity,
                width="120px",
            ),
            spacing="1",
        ),
        rx.cond(S.refusal != "", problem_callout(S.refusal, element_id="dialog-refusal")),
        rx.cond(S.working & (S.addon_name == ""), _asking()),
        rx.cond((S.addon_name != "") & (S.refusal == ""), _addon_preview()),
        _buttons(
            rx.button(
                "Add ",
                S.addon_name,
                on_click=S.confirm_add_addon,
                loading=S.working,
                disabled=S.addon_name == "",
                id="add-addon-confirm",
            )
        ),
        spacing="4",
        width="100%",
        id="add-addon-dialog",
    )


def remove_addon_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Remove ", S.addon_name, "?"),
        rx.cond(
            S.refusal != "",
            problem_callout(S.refusal, element_id="dialog-refusal"),
            rx.cond(S.working & (S.addon_name == ""), _asking(), _addon_preview()),
        ),
        _buttons(
            rx.button(
                "Remove ",
                S.addon_name,
                color_scheme="red",
                on_click=S.confirm_remove_addon,
                loading=S.working,
                disabled=S.addon_name == "",
                id="remove-addon-confirm",
            )
        ),
        spacing="4",
        width="100%",
        id="remove-addon-dialog",
    )


def withdraw_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Withdraw from ", rx.el.span(S.subscription.number, white_space="nowrap"), "?"),
        rx.cond(
            S.refusal != "",
            problem_callout(S.refusal, element_id="dialog-refusal"),
            rx.cond(
                S.working & ~S.withdraw_ready,
                _asking(),
                rx.vstack(
                    rx.text(
                        "The subscription ends now. You may withdraw until ",
                        rx.text.strong(S.withdraw_deadline),
                        " (",
                        S.subscription.time_zone,
                        ").",
                        id="withdraw-deadline",
                    ),
                    rx.foreach(S.withdraw_lines, _money_line),
                    rx.text(
                        rx.cond(
                            S.withdraw_lines.length() > 0,
                            rx.fragment(
                                rx.cond(S.withdraw_credited, "Credited: ", "Charged for the time used: "),
                                rx.text.strong(S.withdraw_total),
                                " net.",
                            ),
                            "Nothing is charged or credited.",
                        ),
                        id="withdraw-total",
                    ),
                    rx.cond(
                        S.withdraw_credit_note != "",
                        rx.text(
                            S.withdraw_credit_note,
                            " net of it comes as a credit note on an invoice already issued; "
                            "what you paid of it is refunded.",
                            size="2",
                            color="var(--gray-11)",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                    id="withdraw-preview",
                ),
            ),
        ),
        _buttons(
            rx.button(
                "Withdraw",
                color_scheme="red",
                on_click=S.confirm_withdrawal,
                loading=S.working,
                disabled=~S.withdraw_ready,
                id="withdraw-confirm",
            )
        ),
        spacing="4",
        width="100%",
        id="withdraw-dialog",
    )


def addon_dialogs() -> tuple[tuple[str, rx.Component], ...]:
    """The dialogs of this section, by the name `S.dialog` gives them (for `action_dialog`)."""
    return (
        ("add_addon", add_addon_dialog()),
        ("remove_addon", remove_addon_dialog()),
        ("withdraw", withdraw_dialog()),
    )
