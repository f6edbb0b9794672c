"""The admin's subscription pages: every subscription with filters (a table, cards on phones), and
one subscription with its history, charges and the actions taken on the customer's behalf.

The detail reuses the customer page's sections (views/subscription_detail.py) with the admin's
state; canceling immediately has its own dialog, which shows the engine's credit first.
"""

from __future__ import annotations

import reflex as rx

from backend.reporting.admin_schemas import AdminSubscriptionRow, ChargeEntry, HistoryEntry
from billing_console.components.feedback import empty_state, problem_callout
from billing_console.components.paging import pager
from billing_console.components.status import (
    SUBSCRIPTION_STATUS_GROUP_LABELS,
    SUBSCRIPTION_STATUSES,
    subscription_status_badge,
)
from billing_console.routes import ADMIN_CUSTOMERS, ADMIN_SUBSCRIPTIONS
from billing_console.state.admin_subscriptions import ANY, AdminSubscriptionsState, AdminSubscriptionState
from billing_console.views.subscription_detail import charge_line, dialog_buttons

L = AdminSubscriptionsState
S = AdminSubscriptionState
COLUMNS = ("Subscription", "Customer", "Plan", "Status", "Price", "Next billing")


def _number_link(row: rx.Var[AdminSubscriptionRow]) -> rx.Component:
    return rx.link(
        row.number,
        href=f"{ADMIN_SUBSCRIPTIONS}/{row.number}",
        weight="medium",
        font_family="var(--code-font-family)",
        white_space="nowrap",
    )


def _customer_link(row: rx.Var[AdminSubscriptionRow]) -> rx.Component:
    return rx.link(row.customer_name, href=f"{ADMIN_CUSTOMERS}/{row.customer_id}", size="2")


def filters() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(placeholder="Status", aria_label="Status", id="filter-status"),
            rx.select.content(
                rx.select.item("Any status", value=ANY),
                *[
                    rx.select.item(label, value=value)
                    for value, label in SUBSCRIPTION_STATUS_GROUP_LABELS.items()
                ],
                *[rx.select.item(label, value=value) for value, (label, _) in SUBSCRIPTION_STATUSES.items()],
            ),
            value=L.status,
            on_change=L.filter_status,
        ),
        rx.select.root(
            rx.select.trigger(placeholder="Plan", aria_label="Plan", id="filter-plan"),
            rx.select.content(
                rx.select.item("Any plan", value=ANY),
                rx.foreach(L.plans, lambda plan: rx.select.item(plan.name, value=plan.id)),
            ),
            value=L.plan,
            on_change=L.filter_plan,
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="customer",
                    type="search",
                    placeholder="Customer name or number",
                    default_value=L.customer,
                    aria_label="Customer",
                    id="filter-customer",
                    flex="1",
                    min_width="0",
                    max_length=100,
                ),
                rx.button("Filter", type="submit", variant="soft", id="filter-customer-go"),
                spacing="2",
                width="100%",
            ),
            on_submit=L.find_customer,
            flex="1",
            min_width="min(100%, 260px)",
        ),
        gap="8px",
        wrap="wrap",
        width="100%",
        id="subscription-filters",
    )


def _row(row: rx.Var[AdminSubscriptionRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(_number_link(row)),
        rx.table.cell(
            rx.vstack(
                _customer_link(row),
                rx.text(row.customer_number, size="1", color="var(--gray-11)"),
                spacing="0",
            ),
            min_width="150px",
        ),
        rx.table.cell(rx.text(row.plan_name, size="2"), min_width="120px"),
        rx.table.cell(subscription_status_badge(row.status), white_space="nowrap"),
        rx.table.cell(rx.text(row.price, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(rx.cond(row.next_billing != "", row.next_billing, "—"), size="2")),
        align="center",
    )


def _card(row: rx.Var[AdminSubscriptionRow]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                _number_link(row), subscription_status_badge(row.status), justify="between", width="100%"
            ),
            rx.text(row.plan_name, weight="medium"),
            _customer_link(row),
            rx.text(
                row.price,
                rx.cond(row.next_billing != "", rx.text.span(" · next ", row.next_billing), ""),
                size="2",
                color="var(--gray-11)",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="subscription-card",
    )


def subscription_list() -> rx.Component:
    return rx.cond(
        L.total > 0,
        rx.vstack(
            rx.text(
                L.total,
                rx.cond(L.total == 1, " subscription", " subscriptions"),
                size="2",
                color="var(--gray-11)",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(t, white_space="nowrap") for t in COLUMNS])
                    ),
                    rx.table.body(rx.foreach(L.subscriptions, _row)),
                    variant="surface",
                    width="100%",
                    id="admin-subscriptions-table",
                ),
                display=["none", "none", "block"],
                width="100%",
            ),
            rx.vstack(
                rx.foreach(L.subscriptions, _card),
                display=["flex", "flex", "none"],
                spacing="3",
                width="100%",
                id="admin-subscriptions-cards",
            ),
            rx.cond(L.page_count > 1, pager(L.page, L.page_count, L.turn_to, "subscriptions-pager")),
            spacing="3",
            width="100%",
        ),
        rx.card(
            empty_state(
                "filter-x", "No subscription matches", "Choose another status or plan, or clear the customer."
            ),
            width="100%",
            id="admin-subscriptions-empty",
        ),
    )


# --- one subscription ---------------------------------------------------------------------------


def customer_line() -> rx.Component:
    return rx.text(
        "Customer: ",
        rx.link(S.customer_name, href=S.customer_address, id="subscription-customer"),
        " (",
        rx.text.span(S.customer_number, font_family="var(--code-font-family)"),
        ")",
        size="2",
    )


def admin_actions() -> rx.Component:
    return rx.flex(
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
                rx.icon("rotate-ccw", size=16), "Resume", on_click=S.preview_resume, id="resume-subscription"
            ),
        ),
        rx.cond(
            S.can_cancel,
            rx.button(
                "Cancel at period end",
                on_click=S.preview_cancel,
                color_scheme="red",
                variant="soft",
                id="cancel-subscription",
            ),
        ),
        rx.cond(
            S.can_cancel_now,
            rx.button(
                "Cancel immediately", on_click=S.preview_cancel_now, color_scheme="red", id="cancel-now"
            ),
        ),
        gap="12px",
        wrap="wrap",
        id="subscription-actions",
    )


def cancel_now_dialog() -> rx.Component:
    return rx.vstack(
        rx.dialog.title("Cancel ", S.subscription.number, " now?"),
        rx.cond(
            S.refusal != "",
            problem_callout(S.refusal, element_id="dialog-refusal"),
            rx.cond(
                S.now_ready,
                rx.vstack(
                    rx.text("It ends at once (", S.now_ends_at, ", ", S.subscription.time_zone, ")."),
                    rx.cond(
                        S.now_lines.length() > 0,
                        rx.vstack(rx.foreach(S.now_lines, charge_line), spacing="2", width="100%"),
                    ),
                    rx.text(
                        rx.cond(
                            S.now_lines.length() == 0,
                            "Nothing is charged or credited.",
                            rx.cond(
                                S.now_refund, "The customer will be credited ", "The customer is charged "
                            ),
                        ),
                        rx.cond(S.now_lines.length() > 0, rx.text.strong(S.now_total), ""),
                        rx.cond(S.now_lines.length() > 0, " net.", ""),
                        id="cancel-now-total",
                    ),
                    rx.text("This cannot be undone.", size="2", color="var(--gray-11)"),
                    spacing="2",
                    width="100%",
                    id="cancel-now-preview",
                ),
                rx.hstack(rx.spinner(), rx.text("Asking the billing engine…")),
            ),
        ),
        dialog_buttons(
            S,
            rx.button(
                "Cancel immediately",
                color_scheme="red",
                on_click=S.confirm_cancel_now,
                loading=S.working,
                disabled=~S.now_ready,
                id="cancel-now-confirm",
            ),
            keep="Keep subscription",
        ),
        spacing="4",
        width="100%",
        id="cancel-now-dialog",
    )


def _history(entry: rx.Var[HistoryEntry]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(entry.action, weight="medium", size="2"),
            rx.text(entry.at, size="1", color="var(--gray-11)", white_space="nowrap"),
            justify="between",
            width="100%",
            wrap="wrap",
        ),
        rx.text("by ", entry.by, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
        rx.cond(entry.detail != "", rx.text(entry.detail, size="1", overflow_wrap="anywhere")),
        padding_y="8px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="history-entry",
    )


def _charge(entry: rx.Var[ChargeEntry]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(entry.description, size="2"), min_width="180px"),
        rx.table.cell(rx.text(entry.period, size="1"), white_space="nowrap"),
        rx.table.cell(entry.amount, white_space="nowrap", text_align="right"),
        rx.table.cell(
            rx.cond(
                entry.invoice != "",
                rx.text(entry.invoice, font_family="var(--code-font-family)", size="2"),
                rx.text("Next invoice", color="var(--gray-11)", size="2"),
            ),
            white_space="nowrap",
        ),
    )


def history_and_charges() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.heading("History", size="4", as_="h2"),
                rx.cond(
                    S.history.length() > 0,
                    rx.vstack(rx.foreach(S.history, _history), spacing="0", width="100%"),
                    rx.text("Nothing recorded yet.", size="2", color="var(--gray-11)"),
                ),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="subscription-history",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Charges and credits", size="4", as_="h2"),
                rx.cond(
                    S.charges.length() > 0,
                    rx.box(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    *[
                                        rx.table.column_header_cell(title, white_space="nowrap")
                                        for title in ("Charge", "Period", "Net", "Invoice")
                                    ]
                                )
                            ),
                            rx.table.body(rx.foreach(S.charges, _charge)),
                            size="1",
                            width="100%",
                        ),
                        overflow_x="auto",
                        width="100%",
                    ),
                    rx.text("Nothing charged yet.", size="2", color="var(--gray-11)"),
                ),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            min_width="0",
            id="subscription-charges",
        ),
        columns="1",
        spacing="4",
        width="100%",
    )
