"""`/admin/customers/{id}`'s mail section: every email sent (or waiting, or failed) to the
customer, with what the server answered."""

from __future__ import annotations

import reflex as rx

from backend.gateway.admin_customer_mail import DeliveryLine
from billing_console.components.standing import mail_status_badge
from billing_console.state.admin_customer_mail import AdminCustomerMailState

M = AdminCustomerMailState
COLUMNS = ("Sent to", "Mail", "Subject", "Status", "Attempts", "Last error", "Message ID", "Queued", "Sent")
CODE = "var(--code-font-family)"


def _delivery(line: rx.Var[DeliveryLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(line.recipient, white_space="nowrap"),
        rx.table.cell(line.kind, white_space="nowrap"),
        rx.table.cell(line.subject, min_width="220px"),
        rx.table.cell(mail_status_badge(line.status)),
        rx.table.cell(line.attempts, text_align="right"),
        rx.table.cell(
            rx.text(line.last_error, size="1", color="var(--red-11)", overflow_wrap="anywhere"),
            min_width="180px",
        ),
        rx.table.cell(rx.text(line.message_id, size="1", font_family=CODE, overflow_wrap="anywhere")),
        rx.table.cell(line.queued, white_space="nowrap"),
        rx.table.cell(line.sent, white_space="nowrap"),
        align="center",
        class_name="mail-delivery",
    )


def mail_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Mail", size="4", as_="h2"),
            rx.cond(
                M.mail_loading,
                rx.skeleton(rx.box(height="64px", width="100%")),
                rx.cond(
                    M.has_deliveries,
                    rx.vstack(
                        # The table scrolls inside its own box on phones; the page never does.
                        rx.box(
                            rx.table.root(
                                rx.table.header(
                                    rx.table.row(
                                        *[
                                            rx.table.column_header_cell(title, white_space="nowrap")
                                            for title in COLUMNS
                                        ]
                                    )
                                ),
                                rx.table.body(rx.foreach(M.deliveries, _delivery)),
                                size="1",
                                width="100%",
                            ),
                            overflow_x="auto",
                            width="100%",
                            max_width="100%",
                        ),
                        rx.cond(
                            M.more_deliveries,
                            rx.button("Older mail", variant="soft", on_click=M.load_older, id="mail-older"),
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    rx.text("No mail sent to this customer yet.", size="2", color="var(--gray-11)"),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id="customer-mail",
    )
