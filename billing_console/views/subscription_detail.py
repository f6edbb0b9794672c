"""One subscription's page: what it is and costs, and its actions, each confirmed in a dialog that
first shows the engine's preview (when it ends, what is credited and charged)."""

from __future__ import annotations

import reflex as rx

from backend.gateway.subscriptions import ChargeLine, PlanChoice
from billing_console.components.feedback import problem_callout, skeleton_cards
from billing_console.components.status import subscription_status_badge
from billing_console.state.subscription_detail import SubscriptionState as S
from billing_console.views.subscription_addons import (
    add_addon_dialog,
    remove_addon_dialog,
    withdraw_button,
    withdraw_dialog,
)


def _fact(label: str, value: rx.Component, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", weight="medium", color="var(--gray-11)"),
        rx.box(value, font_size="var(--font-size-2)"),
        spacing="1",
        id=element_id,
        min_width="0",
    )


def _or_dash(value: rx.Var[str]) -> rx.Component:
    return rx.cond(value != "", rx.text(value), rx.text("—", color="var(--gray-9)"))


def subscription_heading() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.subscription.number, as_="h1", size="7", font_family="var(--code-font-family)"),
            subscription_status_badge(S.subscription.status),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(S.subscription.plan_name, " · ", S.subscription.price, size="3", color="var(--gray-11)"),
        spacing="1",
        id="subscription-heading",
    )


def _next_charge() -> rx.Component:
    return rx.cond(
        S.next_charge_amount != "",
        rx.vstack(
            rx.text(S.next_charge_amount, " net", weight="medium"),
            rx.text("on ", S.next_charge_at, size="1", color="var(--gray-11)"),
            spacing="0",
        ),
        rx.text("Nothing more is due", color="var(--gray-11)"),
    )


def subscription_facts() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.grid(
                _fact("Plan", rx.text(S.subscription.plan_name), "fact-plan"),
                _fact("Price", rx.text(S.subscription.price, " net"), "fact-price"),
                _fact("Current period", _or_dash(S.subscription.current_period), "fact-period"),
                _fact("Next charge", _next_charge(), "fact-next-charge"),
                _fact("Started", _or_dash(S.subscription.started), "fact-started"),
                _fact("Trial ends", _or_dash(S.subscription.trial_end), "fact-trial-end"),
                _fact("Minimum term until", _or_dash(S.subscription.commitment_end), "fact-commitment"),
                _fact("Ends on", _or_dash(S.subscription.cancel_effective), "fact-ends"),
                columns=rx.breakpoints(initial="1", sm="2", md="4"),
                spacing="4",
                width="100%",
            ),
            rx.separator(size="4"),
            rx.grid(
                _fact(
                    "Options",
                    rx.cond(
                        S.subscription.options.length() > 0,
                        rx.vstack(rx.foreach(S.subscription.options, lambda o: rx.text(o)), spacing="1"),
                        rx.text("None", color="var(--gray-11)"),
                    ),
                    "fact-options",
                ),
                _fact(
                    "Servers",
                    rx.cond(
                        S.subscription.servers.length() > 0,
                        rx.vstack(
                            rx.foreach(
                                S.subscription.servers,
                                lambda s: rx.text(s, overflow_wrap="anywhere", size="2"),
                            ),
                            spacing="1",
                        ),
                        rx.text("None", color="var(--gray-11)"),
                    ),
                    "fact-servers",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
            rx.text(
                "Times are in ",
                S.subscription.time_zone,
                ". Prices are net, plus VAT where it applies.",
                size="1",
                color="var(--gray-11)",
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        id="subscription-facts",
    )


def subscription_actions() -> rx.Component:
    return rx.hstack(
        rx.cond(
            S.can_change_plan,
            rx.button(
                rx.icon("arrow-left-right", size=16),
                "Change plan",
                on_click=S.start_plan_change,
                id="change-plan",
            ),
        ),
        rx.cond(
            S.can_resume,
            rx.button(
                rx.icon("rotate-ccw", size=16),
                "Resume subscription",
                on_click=S.preview_resume,
                id="resume-subscription",
            ),
        ),
        rx.cond(
            S.can_cancel,
            rx.button(
                "Cancel subscription",
                on_click=S.preview_cancel,
                color_scheme="red",
                variant="soft",
                id="cancel-subscription",
            ),
        ),
        withdraw_button(),
        spacing="3",
        wrap="wrap",
        id="subscription-actions",
    )


def _dialog_buttons(confirm: rx.Component, keep: str = "Close") -> rx.Component:
    return rx.hstack(
        rx.button(
            keep, variant="soft", color_scheme="gray", on_click=S.close_dialog(False), disabled=S.working
        ),
        rx.cond(S.refusal == "", confirm),
        justify="end",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def _working_or(body: rx.Component) -> rx.Component:
    return rx.cond(
        S.refusal != "",
        problem_callout(S.refusal, element_id="dialog-refusal"),
        rx.cond(
            S.working & (S.dialog == "cancel"),
            rx.hstack(rx.spinner(), rx.text("Asking the billing engine…")),
            body,
        ),
    )


def cancel_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Cancel ", S.subscription.number, "?"),
        _working_or(
            rx.vstack(
                rx.text(
                    "It ends on ",
                    rx.text.strong(S.cancel_effective_at),
                    " (",
                    S.subscription.time_zone,
                    ").",
                    id="cancel-effective",
                ),
                rx.text(S.cancel_reason, size="2", color="var(--gray-11)"),
                rx.text(
                    rx.cond(
                        S.cancel_in_trial,
                        "Nothing will be charged.",
                        "Until then it runs and is billed as before; you can resume it until it ends.",
                    ),
                    size="2",
                ),
                spacing="2",
            )
        ),
        _dialog_buttons(
            rx.button(
                "Cancel subscription",
                color_scheme="red",
                on_click=S.confirm_cancel,
                loading=S.working,
                id="cancel-confirm",
            ),
            keep="Keep subscription",
        ),
        spacing="4",
        id="cancel-dialog",
    )


def resume_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Resume ", S.subscription.number, "?"),
        _working_or(
            rx.text(
                "It will no longer end on ",
                rx.text.strong(S.subscription.cancel_effective),
                ". It continues on ",
                S.subscription.plan_name,
                " at ",
                S.subscription.price,
                " net, billed as before.",
            )
        ),
        _dialog_buttons(
            rx.button(
                "Resume subscription", on_click=S.confirm_resume, loading=S.working, id="resume-confirm"
            )
        ),
        spacing="4",
        id="resume-dialog",
    )


def _choice(choice: rx.Var[PlanChoice]) -> rx.Component:
    chosen = S.chosen_plan == choice.id.to_string()
    return rx.button(
        rx.hstack(
            rx.text(choice.name, weight="medium"),
            rx.text(choice.price, size="1"),
            justify="between",
            width="100%",
            wrap="wrap",
        ),
        on_click=S.choose_plan(choice.id.to_string()),
        variant=rx.cond(chosen, "solid", "outline"),
        aria_pressed=rx.cond(chosen, "true", "false"),
        width="100%",
        height="auto",
        padding_y="8px",
        class_name="plan-choice",
    )


def _line(line: rx.Var[ChargeLine]) -> rx.Component:
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


def change_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Change the plan of ", rx.el.span(S.subscription.number, white_space="nowrap")),
        rx.text(
            "Currently ",
            S.subscription.plan_name,
            " at ",
            S.subscription.price,
            ". Choose the new plan:",
            size="2",
        ),
        rx.vstack(rx.foreach(S.plan_choices, _choice), spacing="2", width="100%"),
        rx.cond(S.refusal != "", problem_callout(S.refusal, element_id="dialog-refusal")),
        rx.cond(
            S.working & (S.change_to == ""),
            rx.hstack(rx.spinner(), rx.text("Asking the billing engine…", size="2")),
        ),
        rx.cond(
            (S.change_to != "") & (S.refusal == ""),
            rx.vstack(
                rx.separator(size="4"),
                rx.foreach(S.change_lines, _line),
                rx.text(
                    rx.cond(S.change_credited, "You will be credited ", "Charged now: "),
                    rx.text.strong(S.change_total),
                    " net.",
                    id="change-total",
                ),
                rx.text(
                    "From then on ",
                    S.change_to,
                    " costs ",
                    S.change_next_price,
                    " net per period.",
                    size="2",
                    color="var(--gray-11)",
                ),
                spacing="2",
                width="100%",
                id="change-preview",
            ),
        ),
        _dialog_buttons(
            rx.button(
                "Change to ",
                S.change_to,
                on_click=S.confirm_plan_change,
                loading=S.working,
                disabled=S.change_to == "",
                id="change-confirm",
            ),
        ),
        spacing="4",
        width="100%",
        id="change-dialog",
    )


def action_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.match(
                S.dialog,
                ("cancel", cancel_dialog()),
                ("resume", resume_dialog()),
                ("change", change_dialog()),
                ("add_addon", add_addon_dialog()),
                ("remove_addon", remove_addon_dialog()),
                ("withdraw", withdraw_dialog()),
                rx.fragment(),
            ),
            max_width="520px",
        ),
        open=S.dialog != "",
        on_open_change=S.close_dialog,
    )


def subscription_skeleton() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="40px", width="280px"), loading=True),
        skeleton_cards(3, height="160px"),
        spacing="4",
        width="100%",
    )
