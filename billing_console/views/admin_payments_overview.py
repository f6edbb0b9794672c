"""The overview's payments section: disputes waiting for an answer (each leads to its invoice), the
latest payouts to the tenant's bank account, and the Stripe events of the last seven days (how
many were processed, ignored or failed, and the newest failed ones with their error)."""

from __future__ import annotations

import reflex as rx

from backend.gateway.admin_payments import FailedEventLine, OverviewDispute, PayoutLine
from billing_console.components.standing import dispute_status_badge
from billing_console.state.admin_payments_overview import AdminPaymentsOverviewState

S = AdminPaymentsOverviewState
PAYOUT_COLORS = {"paid": "green", "failed": "red", "canceled": "gray"}


def _dispute(dispute: rx.Var[OverviewDispute]) -> rx.Component:
    return rx.hstack(
        rx.cond(
            dispute.href != "",
            rx.link(dispute.invoice, href=dispute.href, font_family="var(--code-font-family)", size="2"),
            rx.text("Not an invoice of the console", size="2", color="var(--gray-11)"),
        ),
        rx.text(dispute.amount, size="2", white_space="nowrap"),
        rx.text(dispute.reason, size="2", color="var(--gray-11)"),
        dispute_status_badge(dispute.status),
        spacing="3",
        wrap="wrap",
        align="center",
        class_name="overview-dispute",
    )


def _payout(payout: rx.Var[PayoutLine]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(payout.arrival, white_space="nowrap")),
        rx.table.cell(rx.text(payout.amount, white_space="nowrap"), text_align="right"),
        rx.table.cell(
            rx.vstack(
                rx.match(
                    payout.status,
                    *[
                        (status, rx.badge(status.title(), color_scheme=color, variant="soft", radius="full"))
                        for status, color in PAYOUT_COLORS.items()
                    ],
                    rx.badge(payout.status, color_scheme="gray", variant="soft", radius="full"),
                ),
                rx.cond(payout.failure != "", rx.text(payout.failure, size="1", color="var(--red-11)")),
                spacing="1",
            )
        ),
    )


def _event_count(label: str, count: rx.Var[int], color: str, element_id: str) -> rx.Component:
    """A result with its count in words and colour (never colour alone)."""
    return rx.badge(
        rx.text.span(label),
        rx.text.span(count, font_weight="bold"),
        color_scheme=rx.cond(count > 0, color, "gray"),
        variant="soft",
        radius="full",
        size="2",
        id=element_id,
    )


def _failed_event(event: rx.Var[FailedEventLine]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(event.at, size="2", white_space="nowrap"),
            rx.text(event.type, size="2", weight="medium", word_break="break-all"),
            spacing="3",
            wrap="wrap",
            align="baseline",
        ),
        rx.code(event.event_id, size="1", variant="ghost", word_break="break-all"),
        rx.text(event.error, size="1", color="var(--red-11)", word_break="break-word"),
        spacing="1",
        width="100%",
        padding_y="2",
        border_top="1px solid var(--gray-a5)",
        class_name="failed-event",
    )


def _provider_events() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Payment provider events", size="3", as_="h3"),
            rx.text("Stripe events of the last 7 days, by result", size="1", color="var(--gray-11)"),
            rx.hstack(
                _event_count("Processed", S.events_processed, "green", "events-processed"),
                _event_count("Ignored", S.events_ignored, "amber", "events-ignored"),
                _event_count("Failed", S.events_failed, "red", "events-failed"),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                S.failed_events.length() > 0,
                rx.vstack(
                    rx.text(
                        "Latest failed events (times in ",
                        S.time_zone,
                        "). Stripe sends a failed event again for up to three days; look it up in"
                        " the Stripe dashboard by its id.",
                        size="1",
                        color="var(--gray-11)",
                    ),
                    rx.vstack(rx.foreach(S.failed_events, _failed_event), spacing="0", width="100%"),
                    spacing="2",
                    width="100%",
                ),
                rx.text("No failed events in the last 7 days", size="2", color="var(--gray-11)"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="overview-provider-events",
    )


def payments_overview() -> rx.Component:
    disputes = rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Open disputes", size="3", as_="h3"),
                rx.badge(
                    S.open_disputes,
                    color_scheme=rx.cond(S.open_disputes > 0, "red", "gray"),
                    id="open-disputes",
                ),
                align="center",
                spacing="2",
            ),
            rx.cond(
                S.disputes.length() > 0,
                rx.vstack(rx.foreach(S.disputes, _dispute), spacing="2", width="100%"),
                rx.text("No chargeback waits for an answer.", size="2", color="var(--gray-11)"),
            ),
            rx.cond(
                S.open_disputes > 0,
                rx.text("Answer them in the Stripe dashboard before the deadline.", size="1"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="overview-disputes",
    )
    payouts = rx.card(
        rx.vstack(
            rx.heading("Latest payouts", size="3", as_="h3"),
            rx.cond(
                S.payouts.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Arrival"),
                            rx.table.column_header_cell("Amount"),
                            rx.table.column_header_cell("Status"),
                        )
                    ),
                    rx.table.body(rx.foreach(S.payouts, _payout)),
                    size="1",
                    width="100%",
                ),
                rx.text("Stripe has sent no payout yet.", size="2", color="var(--gray-11)"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="overview-payouts",
    )
    return rx.cond(
        S.loading,
        rx.fragment(),
        rx.vstack(
            rx.heading("Card payments", size="4"),
            rx.grid(
                disputes, payouts, columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"
            ),
            _provider_events(),
            spacing="3",
            width="100%",
            id="payments-overview",
        ),
    )
