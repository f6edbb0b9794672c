"""One subscription's page: what it is and costs, and its actions, each confirmed in a dialog that
first shows the engine's preview (when it ends, what is credited and charged).

Each section takes the page's state (`S`): the customer's `SubscriptionState` by default, or the
admin's subscription state, which has the same vars and dialog handlers.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from backend.gateway.subscriptions import ChargeLine, PlanChoice
from backend.reporting.schemas import AddonLine
from billing_console.components.feedback import problem_callout, skeleton_cards
from billing_console.components.status import subscription_status_badge
from billing_console.state.subscription_detail import SubscriptionState
from billing_console.views.subscription_addons import withdraw_button

# The page's state class: SubscriptionState, or another with the same vars and handlers.
PageState = Any


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


def subscription_heading(S: PageState = SubscriptionState) -> rx.Component:
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


def _next_charge(S: PageState) -> rx.Component:
    return rx.cond(
        S.next_charge_amount != "",
        rx.vstack(
            rx.text(S.next_charge_amount, " net", weight="medium"),
            rx.text("on ", S.next_charge_at, size="1", color="var(--gray-11)"),
            spacing="0",
        ),
        rx.text("Nothing more is due", color="var(--gray-11)"),
    )


def _addon(addon: rx.Var[AddonLine]) -> rx.Component:
    return rx.text(addon.quantity, " × ", addon.name, " · ", addon.price, size="2")


def subscription_facts(S: PageState = SubscriptionState, *, with_addons: bool = False) -> rx.Component:
    """The subscription's terms; `with_addons` lists its addons among them (the admin's page: the
    customer's page has an addons section of its own, with its actions)."""
    addons = (
        [
            _fact(
                "Addons",
                rx.cond(
                    S.has_addons,
                    rx.vstack(rx.foreach(S.subscription.addons, _addon), spacing="1"),
                    rx.text("None", color="var(--gray-11)"),
                ),
                "fact-addons",
            )
        ]
        if with_addons
        else []
    )
    return rx.card(
        rx.vstack(
            rx.grid(
                _fact("Plan", rx.text(S.subscription.plan_name), "fact-plan"),
                _fact("Price", rx.text(S.subscription.price, " net"), "fact-price"),
                _fact("Current period", _or_dash(S.subscription.current_period), "fact-period"),
                _fact("Next charge", _next_charge(S), "fact-next-charge"),
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
                *addons,
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
                columns=rx.breakpoints(initial="1", sm="3" if with_addons else "2"),
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


def subscription_actions(S: PageState = SubscriptionState) -> rx.Component:
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


def dialog_buttons(S: PageState, confirm: rx.Component, keep: str = "Close") -> rx.Component:
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


def _working_or(S: PageState, body: rx.Component) -> rx.Component:
    return rx.cond(
        S.refusal != "",
        problem_callout(S.refusal, element_id="dialog-refusal"),
        rx.cond(
            S.working & (S.dialog == "cancel"),
            rx.hstack(rx.spinner(), rx.text("Asking the billing engine…")),
            body,
        ),
    )


def cancel_dialog(S: PageState) -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Cancel ", S.subscription.number, "?"),
        _working_or(
            S,
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
            ),
        ),
        dialog_buttons(
            S,
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


def resume_dialog(S: PageState) -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Resume ", S.subscription.number, "?"),
        _working_or(
            S,
            rx.text(
                "It will no longer end on ",
                rx.text.strong(S.subscription.cancel_effective),
                ". It continues on ",
                S.subscription.plan_name,
                " at ",
                S.subscription.price,
                " net, billed as before.",
            ),
        ),
        dialog_buttons(
            S,
            rx.button(
                "Resume subscription", on_click=S.confirm_resume, loading=S.working, id="resume-confirm"
            ),
        ),
        spacing="4",
        id="resume-dialog",
    )


def _choice(S: PageState, choice: rx.Var[PlanChoice]) -> rx.Component:
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


def charge_line(line: rx.Var[ChargeLine]) -> rx.Component:
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


def change_dialog(S: PageState) -> rx.Component:
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
        rx.vstack(rx.foreach(S.plan_choices, lambda choice: _choice(S, choice)), spacing="2", width="100%"),
        rx.cond(S.refusal != "", problem_callout(S.refusal, element_id="dialog-refusal")),
        rx.cond(
            S.working & (S.change_to == ""),
            rx.hstack(rx.spinner(), rx.text("Asking the billing engine…", size="2")),
        ),
        rx.cond(
            (S.change_to != "") & (S.refusal == ""),
            rx.vstack(
                rx.separator(size="4"),
                rx.foreach(S.change_lines, charge_line),
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
        dialog_buttons(
            S,
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


def action_dialog(
    S: PageState = SubscriptionState, more: tuple[tuple[str, rx.Component], ...] = ()
) -> rx.Component:
    """The dialog of the action `S.dialog` names; `more` adds (name, dialog) pairs of a page's own."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.match(
                S.dialog,
                ("cancel", cancel_dialog(S)),
                ("resume", resume_dialog(S)),
                ("change", change_dialog(S)),
                *more,
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
