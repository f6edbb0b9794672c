"""`/admin/dunning`'s sections: the steps form (a message under the days field) and what happens
to an unpaid invoice, in words, from the saved steps."""

from __future__ import annotations

import reflex as rx

from backend.gateway.dunning import ReminderRow
from billing_console.components.feedback import problem_callout, skeleton_rows
from billing_console.state.dunning import FIELD
from billing_console.state.dunning import DunningSettingsState as D

FIELD_ID = "dunning-days"


def _off_notice() -> rx.Component:
    return rx.callout(
        rx.hstack(
            rx.text(
                "Reminders are off: overdue invoices get no reminder and no subscription goes past due.",
                size="2",
            ),
            rx.button(
                "Use ",
                D.suggested_text,
                " days",
                type="button",
                variant="soft",
                size="1",
                on_click=D.use_suggestion,
                id="dunning-use-suggestion",
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        icon="bell-off",
        color_scheme="amber",
        width="100%",
        id="dunning-off",
    )


def settings_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(D.enabled, rx.fragment(), _off_notice()),
            rx.cond(D.form_error != "", problem_callout(D.form_error, element_id="dunning-form-error")),
            rx.vstack(
                rx.el.label(
                    "Days after the due date",
                    html_for=FIELD_ID,
                    font_size="var(--font-size-2)",
                    font_weight="500",
                ),
                rx.input(
                    name=FIELD,
                    id=FIELD_ID,
                    default_value=D.offsets_text,
                    key=D.form_key,
                    placeholder="3, 10, 17",
                    size="3",
                    width="100%",
                    max_width="320px",
                    input_mode="numeric",
                    color_scheme=rx.cond(D.error != "", "red", "gray"),
                    aria_invalid=rx.cond(D.error != "", "true", "false"),
                    aria_describedby="dunning-days-hint",
                ),
                rx.cond(
                    D.error != "",
                    rx.text(D.error, size="1", color="var(--red-11)", id="dunning-days-error", role="alert"),
                ),
                rx.text(
                    "Up to 5 reminders, separated by commas: whole days after the due date, each later than"
                    " the one before. Leave it empty to send no reminders.",
                    size="1",
                    color="var(--gray-11)",
                    id="dunning-days-hint",
                ),
                spacing="1",
                width="100%",
            ),
            rx.el.label(
                rx.hstack(
                    rx.switch(
                        checked=D.suspend_service,
                        on_change=D.choose_suspension,
                        id="dunning-suspend",
                    ),
                    rx.text("Stop the servers of past-due subscriptions until the invoice is paid", size="2"),
                    spacing="2",
                    align="center",
                ),
                html_for="dunning-suspend",
            ),
            rx.button("Save", type="submit", id="dunning-save", loading=D.saving, size="3"),
            spacing="4",
            width="100%",
        ),
        on_submit=D.save,
        reset_on_submit=False,
        width="100%",
    )


def _row(row: ReminderRow) -> rx.Component:
    """One step: when beside what on wide screens, stacked at phone width."""
    return rx.grid(
        rx.text(row.when, size="2", weight="medium"),
        rx.text(row.what, size="2", color="var(--gray-11)"),
        columns=rx.breakpoints(initial="1", sm="220px 1fr"),
        spacing=rx.breakpoints(initial="1", sm="4"),
        padding_y="10px",
        border_top="1px solid var(--gray-a5)",
        width="100%",
        role="listitem",
    )


def timeline_table() -> rx.Component:
    return rx.cond(
        D.enabled,
        rx.box(
            rx.foreach(D.timeline, _row),
            role="list",
            aria_label="What happens to an unpaid invoice",
            width="100%",
            id="dunning-timeline",
        ),
        rx.text(
            "Nothing happens to an overdue invoice until you set reminder days.",
            size="2",
            color="var(--gray-11)",
            id="dunning-timeline-empty",
        ),
    )


def dunning_skeleton() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="32px", width="260px"), loading=True),
        skeleton_rows(4),
        spacing="5",
        width="100%",
        max_width="880px",
    )
