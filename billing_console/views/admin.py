"""The admin overview's sections: the tenant's headline figures and its background jobs."""

from __future__ import annotations

import reflex as rx

from backend.documents.schemas import DocumentAlarmView
from backend.scheduling.schemas import CoordinatorRun
from billing_console.components.cards import stat_card
from billing_console.components.navigation import JOB_MONITOR
from billing_console.routes import ADMIN_CUSTOMERS, ADMIN_INVOICES, ADMIN_SUBSCRIPTIONS
from billing_console.state.admin import AdminOverviewState

# The list behind each headline figure, filtered as the figure counts (the lists read `?status=`).
FIGURE_LISTS = {
    "customers": ADMIN_CUSTOMERS,
    "running_subscriptions": f"{ADMIN_SUBSCRIPTIONS}?status=running",
    "unpaid_invoices": f"{ADMIN_INVOICES}?status=unpaid",
    "overdue_invoices": f"{ADMIN_INVOICES}?status=overdue",
    "paid_invoices": f"{ADMIN_INVOICES}?status=paid",
}


def _amounts(amounts: rx.Var[list[str]], empty: str) -> rx.Component:
    """One line per currency, or `empty`."""
    return rx.cond(
        amounts.length() > 0,
        rx.vstack(rx.foreach(amounts, lambda amount: rx.text(amount)), spacing="1"),
        rx.text(empty, size="5", weight="medium", color="var(--gray-10)"),
    )


def figures() -> rx.Component:
    state = AdminOverviewState
    return rx.grid(
        stat_card(
            "Customers", state.customers, "users", hint="Customer accounts", href=FIGURE_LISTS["customers"]
        ),
        stat_card(
            "Active subscriptions",
            state.active_subscriptions,
            "repeat",
            hint="Active, trial or ending",
            tone="green",
            href=FIGURE_LISTS["running_subscriptions"],
        ),
        stat_card(
            "Unpaid invoices",
            state.unpaid_invoices,
            "file-clock",
            hint="Issued and not yet paid",
            tone="amber",
            href=FIGURE_LISTS["unpaid_invoices"],
        ),
        stat_card(
            "Overdue invoices",
            state.overdue_invoices,
            "alarm-clock",
            hint="Past their due date",
            tone=rx.cond(state.overdue_invoices > 0, "red", "gray"),
            href=FIGURE_LISTS["overdue_invoices"],
        ),
        stat_card(
            "Open amounts",
            _amounts(state.open_amounts, "Nothing open"),
            "wallet",
            hint="Balance due",
            href=FIGURE_LISTS["unpaid_invoices"],
        ),
        stat_card(
            "Paid in the last 30 days",
            _amounts(state.paid_last_30_days, "No payments"),
            "banknote",
            hint="Gross of paid invoices",
            tone="green",
            href=FIGURE_LISTS["paid_invoices"],
        ),
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
        id="admin-overview",
    )


def _coordinator_row(run: rx.Var[CoordinatorRun]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(run.title, weight="medium"),
                rx.text(run.description, size="1", color="var(--gray-11)"),
                spacing="0",
            )
        ),
        rx.table.cell(run.schedule),
        rx.table.cell(run.last_success),
        rx.table.cell(
            rx.badge(run.failed_attempts, color_scheme=rx.cond(run.failed_attempts > 0, "red", "gray"))
        ),
    )


def background_jobs() -> rx.Component:
    """Failed jobs of this tenant and the last successful run of each coordinator (SPEC §9)."""
    state = AdminOverviewState
    return rx.vstack(
        rx.hstack(
            rx.heading("Background jobs", size="4"),
            rx.link("Open the job queues", href=JOB_MONITOR, reload_document=True, size="2"),
            justify="between",
            align="center",
            width="100%",
        ),
        rx.cond(
            state.jobs_available,
            rx.vstack(
                rx.grid(
                    stat_card(
                        "Failed jobs",
                        state.failed_jobs,
                        "circle-alert",
                        hint="Kept for inspection; requeue them in the job queues",
                        tone=rx.cond(state.failed_jobs > 0, "red", "gray"),
                        element_id="failed-jobs",
                    ),
                    stat_card("Queued jobs", state.queued_jobs, "list-checks", hint="Waiting for a worker"),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4",
                    width="100%",
                ),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Background job"),
                            rx.table.column_header_cell("Schedule"),
                            rx.table.column_header_cell("Last successful run"),
                            rx.table.column_header_cell("Failed attempts"),
                        )
                    ),
                    rx.table.body(rx.foreach(state.coordinator_runs, _coordinator_row)),
                    variant="surface",
                    width="100%",
                    id="coordinator-runs",
                ),
                spacing="4",
                width="100%",
            ),
            rx.callout(state.jobs_notice, icon="triangle-alert", color_scheme="amber", width="100%"),
        ),
        spacing="3",
        width="100%",
        id="background-jobs",
    )


def _alarm_row(alarm: rx.Var[DocumentAlarmView]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(alarm.number, weight="medium"), rx.text(alarm.kind, size="1"))),
        rx.table.cell(alarm.raised_at),
        rx.table.cell(rx.code(alarm.storage_key, size="1", style={"word_break": "break-all"})),
    )


def document_alarms() -> rx.Component:
    """Issued documents whose file is lost and did not rebuild as issued; shown only when there are
    any, with what to do about them."""
    state = AdminOverviewState
    return rx.cond(
        state.document_alarms.length() > 0,
        rx.vstack(
            rx.heading("Documents that cannot be provided", size="4"),
            rx.callout(
                "These documents' files are missing, and rebuilding them from the stored invoice data"
                " gave a different file, so customers cannot download them. Restore each file from a"
                " backup to the path shown, under the document storage directory.",
                icon="triangle-alert",
                color_scheme="red",
                width="100%",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Document"),
                        rx.table.column_header_cell("Noticed"),
                        rx.table.column_header_cell("File to restore"),
                    )
                ),
                rx.table.body(rx.foreach(state.document_alarms, _alarm_row)),
                variant="surface",
                width="100%",
            ),
            spacing="3",
            width="100%",
            id="document-alarms",
        ),
        rx.fragment(),
    )
