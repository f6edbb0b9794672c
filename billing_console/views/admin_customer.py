"""`/admin/customers/{id}`'s sections: a customer's standing, billing profile, members,
subscriptions, invoices and the notes admins keep on them."""

from __future__ import annotations

import reflex as rx

from backend.gateway.admin_customers import FigureLine, InvoiceLine, MemberLine, NoteLine, SubscriptionLine
from billing_console.components.cards import stat_card
from billing_console.components.feedback import problem_callout
from billing_console.components.forms import csv_download_button
from billing_console.components.standing import invoice_status_badge, standing_badge
from billing_console.components.status import subscription_status_badge
from billing_console.routes import ADMIN_CUSTOMERS, ADMIN_SUBSCRIPTIONS
from billing_console.state.admin_customers import NOTE_FIELD, AdminCustomerState

C = AdminCustomerState


def _lines(values: rx.Var[list[str]], empty: str) -> rx.Component:
    return rx.cond(
        values.length() > 0,
        rx.vstack(rx.foreach(values, lambda value: rx.text(value)), spacing="1"),
        rx.text(empty, size="4", color="var(--gray-10)"),
    )


def customer_heading() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("All customers", size="2")),
            href=ADMIN_CUSTOMERS,
        ),
        rx.hstack(
            rx.heading(C.customer.name, as_="h1", size="7", overflow_wrap="anywhere"),
            standing_badge(C.customer.standing),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(
            rx.text.span(C.customer.number, font_family="var(--code-font-family)"),
            " · ",
            rx.text.span(C.customer.customer_type, text_transform="capitalize"),
            " customer",
            size="2",
            color="var(--gray-11)",
        ),
        spacing="2",
        id="customer-heading",
    )


def standing_cards() -> rx.Component:
    return rx.grid(
        stat_card(
            "Overdue invoices",
            C.customer.overdue_invoices,
            "alarm-clock",
            hint="Past their due date and unpaid",
            tone=rx.cond(C.customer.overdue_invoices > 0, "red", "gray"),
            element_id="standing-overdue",
        ),
        stat_card(
            "Total paid",
            _lines(C.customer.total_paid, "Nothing yet"),
            "banknote",
            hint="Gross of the paid invoices",
            tone="green",
            element_id="standing-paid",
        ),
        stat_card(
            "Open balance",
            _lines(C.customer.open_balance, "Nothing open"),
            "wallet",
            hint="Issued and overdue invoices, still due",
            tone="amber",
            element_id="standing-open",
        ),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="4",
        width="100%",
        id="customer-standing",
    )


def _titled(
    title: str, body: rx.Component, element_id: str, action: rx.Component | None = None
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="4", as_="h2"),
                action or rx.fragment(),
                justify="between",
                align="center",
                width="100%",
                wrap="wrap",
            ),
            body,
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id=element_id,
    )


def _fact(line: rx.Var[FigureLine]) -> rx.Component:
    return rx.hstack(
        rx.text(line.label, size="2", color="var(--gray-11)", min_width="104px", flex_shrink="0"),
        rx.text(line.value, size="2", overflow_wrap="anywhere", min_width="0"),
        align="start",
        width="100%",
    )


def _member(member: rx.Var[MemberLine]) -> rx.Component:
    return rx.hstack(
        rx.text(member.email, size="2", overflow_wrap="anywhere", min_width="0"),
        rx.badge(member.role, variant="soft", color_scheme="gray", text_transform="capitalize"),
        justify="between",
        align="center",
        width="100%",
    )


def profile_and_members() -> rx.Component:
    return rx.grid(
        _titled(
            "Billing profile",
            rx.cond(
                C.customer.profile.length() > 0,
                rx.vstack(rx.foreach(C.customer.profile, _fact), spacing="2", width="100%"),
                rx.text(
                    "The customer has not completed a billing profile yet.", size="2", color="var(--gray-11)"
                ),
            ),
            "customer-profile",
        ),
        _titled(
            "Members",
            rx.cond(
                C.customer.members.length() > 0,
                rx.vstack(rx.foreach(C.customer.members, _member), spacing="2", width="100%"),
                rx.text("No user belongs to this account.", size="2", color="var(--gray-11)"),
            ),
            "customer-members",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _subscription(line: rx.Var[SubscriptionLine]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.link(
                line.number,
                href=f"{ADMIN_SUBSCRIPTIONS}/{line.number}",
                weight="medium",
                font_family="var(--code-font-family)",
            ),
            rx.text(line.plan_name, size="2", color="var(--gray-11)"),
            spacing="0",
            min_width="0",
        ),
        subscription_status_badge(line.status),
        justify="between",
        align="center",
        width="100%",
        class_name="customer-subscription",
    )


def subscriptions_card() -> rx.Component:
    return _titled(
        "Subscriptions",
        rx.cond(
            C.customer.subscriptions.length() > 0,
            rx.vstack(rx.foreach(C.customer.subscriptions, _subscription), spacing="3", width="100%"),
            rx.text("No subscriptions yet.", size="2", color="var(--gray-11)"),
        ),
        "customer-subscriptions",
    )


def _invoice(line: rx.Var[InvoiceLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(line.number, font_family="var(--code-font-family)", size="2"), white_space="nowrap"
        ),
        rx.table.cell(line.issued, white_space="nowrap"),
        rx.table.cell(line.total, white_space="nowrap"),
        rx.table.cell(line.balance_due, white_space="nowrap"),
        rx.table.cell(invoice_status_badge(line.status)),
        align="center",
    )


def invoices_card() -> rx.Component:
    return _titled(
        "Invoices",
        rx.cond(
            C.customer.invoice_count > 0,
            rx.vstack(
                # The table scrolls inside its own box on phones; the page never does.
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(title, white_space="nowrap")
                                    for title in ("Invoice", "Issued", "Total", "Still due", "Status")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(C.customer.invoices, _invoice)),
                        size="1",
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                    max_width="100%",
                ),
                rx.cond(
                    C.customer.invoice_count > C.customer.invoices.length(),
                    rx.text(
                        "The newest ",
                        C.customer.invoices.length(),
                        " of ",
                        C.customer.invoice_count,
                        " invoices.",
                        size="1",
                        color="var(--gray-11)",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            rx.text("No invoices yet.", size="2", color="var(--gray-11)"),
        ),
        "customer-invoices",
    )


def _note(note: rx.Var[NoteLine]) -> rx.Component:
    return rx.box(
        rx.text(note.author, " · ", note.written, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
        rx.text(note.body, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
        padding_y="8px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="customer-note",
    )


def notes_card() -> rx.Component:
    return _titled(
        "Notes",
        rx.vstack(
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "New note", html_for=NOTE_FIELD, font_size="var(--font-size-2)", font_weight="500"
                    ),
                    rx.text_area(
                        name="body",
                        id=NOTE_FIELD,
                        placeholder="What did you agree with the customer?",
                        max_length=5000,
                        rows="3",
                        width="100%",
                        aria_invalid=rx.cond(C.note_error != "", "true", "false"),
                    ),
                    rx.cond(C.note_error != "", problem_callout(C.note_error, element_id="note-error")),
                    rx.button("Add note", type="submit", loading=C.saving, id="note-add"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=C.add_note,
                width="100%",
            ),
            rx.cond(
                C.has_notes,
                rx.vstack(rx.foreach(C.notes, _note), spacing="0", width="100%", id="customer-notes"),
                rx.text("No notes yet. Notes are seen by admins only.", size="2", color="var(--gray-11)"),
            ),
            rx.cond(
                C.more_notes,
                rx.button("Older notes", variant="soft", on_click=C.load_older_notes, id="notes-older"),
            ),
            spacing="3",
            width="100%",
        ),
        "customer-notes-card",
        action=csv_download_button(C.notes_csv, "notes-csv"),
    )
