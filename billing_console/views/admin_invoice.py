"""One invoice for the admin: its facts, lines, credit notes, history, and the actions its status
allows, each confirmed in a dialog that says the consequence (and asks why where the log keeps it).
"""

from __future__ import annotations

import reflex as rx

from backend.gateway.admin_invoices import CreditNoteLine, HistoryLine, LineView
from billing_console.components.feedback import problem_callout
from billing_console.components.standing import invoice_status_badge
from billing_console.routes import ADMIN_INVOICES
from billing_console.state.admin_invoices import AdminInvoiceState
from billing_console.views.admin_invoice_payments import record_payment_button

S = AdminInvoiceState
I = AdminInvoiceState.invoice  # noqa: E741 - the invoice, as the page reads it


def heading() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("All invoices", size="2")), href=ADMIN_INVOICES
        ),
        rx.hstack(
            rx.heading(
                I.number, as_="h1", size="7", font_family="var(--code-font-family)", id="invoice-number"
            ),
            invoice_status_badge(I.status),
            rx.cond(
                I.pdf_href != "",
                rx.link(
                    rx.button(rx.icon("download", size=16), "Download PDF", variant="soft", size="2"),
                    href=I.pdf_href,
                    is_external=False,
                    reload_document=True,
                    underline="none",
                    id="invoice-pdf",
                ),
                rx.fragment(),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(
            "Customer: ",
            rx.link(I.customer_name, href=S.customer_address, id="invoice-customer"),
            " (",
            rx.text.span(I.customer_number, font_family="var(--code-font-family)"),
            ")",
            size="2",
        ),
        spacing="2",
        width="100%",
    )


def _fact(label: str, value: rx.Var[str], element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(value, size="3", weight="medium", white_space="nowrap"),
        spacing="1",
        id=element_id,
    )


def facts() -> rx.Component:
    return rx.card(
        rx.flex(
            _fact("Total", I.gross, "invoice-total"),
            _fact("Balance due", I.balance_due, "invoice-balance"),
            _fact("Net", I.net, "invoice-net"),
            _fact("Tax", I.tax, "invoice-tax"),
            _fact("Issued", I.issued, "invoice-issued"),
            _fact("Due", I.due, "invoice-due"),
            rx.cond(I.paid != "", _fact("Paid", I.paid, "invoice-paid")),
            gap="28px",
            wrap="wrap",
        ),
        rx.cond(I.tax_note != "", rx.text(I.tax_note, size="2", color="var(--gray-11)", margin_top="12px")),
        width="100%",
    )


def actions() -> rx.Component:
    return rx.flex(
        rx.cond(
            I.can_edit,
            rx.fragment(
                rx.button(
                    rx.icon("send", size=16), "Issue", on_click=S.open_dialog("issue"), id="issue-invoice"
                ),
                rx.link(
                    rx.button(rx.icon("pencil", size=16), "Edit draft", variant="soft"), href=S.edit_address
                ),
                rx.button(
                    "Delete draft",
                    color_scheme="red",
                    variant="soft",
                    on_click=S.open_dialog("delete"),
                    id="delete-draft",
                ),
            ),
        ),
        rx.cond(
            I.can_mark_paid,
            rx.button(rx.icon("check", size=16), "Mark paid", on_click=S.open_dialog("paid"), id="mark-paid"),
        ),
        record_payment_button(),
        rx.cond(
            I.can_mark_unpaid,
            rx.button("Mark unpaid", variant="soft", on_click=S.open_dialog("unpaid"), id="mark-unpaid"),
        ),
        rx.cond(
            I.can_void,
            rx.button(
                "Void", color_scheme="red", variant="soft", on_click=S.open_dialog("void"), id="void-invoice"
            ),
        ),
        gap="12px",
        wrap="wrap",
        id="invoice-actions",
    )


def _line(line: rx.Var[LineView]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(line.description, size="2"),
                rx.cond(line.period != "", rx.text(line.period, size="1", color="var(--gray-11)")),
                spacing="0",
            ),
            min_width="180px",
        ),
        rx.table.cell(line.quantity, text_align="right"),
        rx.table.cell(rx.text(line.unit_price, white_space="nowrap"), text_align="right"),
        rx.table.cell(rx.text(line.tax, white_space="nowrap", size="2")),
        rx.table.cell(rx.text(line.net, white_space="nowrap"), text_align="right"),
        rx.table.cell(rx.text(line.gross, white_space="nowrap"), text_align="right"),
    )


def lines() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Lines", size="4", as_="h2"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(title, white_space="nowrap")
                                for title in ("Description", "Qty", "Unit price", "Tax", "Net", "Gross")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(S.lines, _line)),
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="invoice-lines",
    )


def _credit_note(note: rx.Var[CreditNoteLine]) -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.text(note.number, font_family="var(--code-font-family)", weight="medium", size="2"),
            href=note.pdf_href,
            is_external=False,
            reload_document=True,
            title="Download the credit note (PDF)",
        ),
        rx.text(note.issued, size="2", color="var(--gray-11)"),
        rx.text(note.total, size="2", white_space="nowrap"),
        rx.text(note.reason, size="2", color="var(--gray-11)", overflow_wrap="anywhere"),
        spacing="4",
        wrap="wrap",
        width="100%",
        class_name="credit-note",
    )


def _history(entry: rx.Var[HistoryLine]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(entry.action, weight="medium", size="2"),
            rx.text(entry.at, size="1", color="var(--gray-11)", white_space="nowrap"),
            justify="between",
            width="100%",
            wrap="wrap",
        ),
        rx.text("by ", entry.by, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
        rx.cond(entry.reason != "", rx.text("Reason: ", entry.reason, size="2", overflow_wrap="anywhere")),
        rx.cond(
            entry.detail != "",
            rx.text(entry.detail, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
        ),
        padding_y="8px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="history-entry",
    )


def notes_and_history() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.heading("Credit notes", size="4", as_="h2"),
                rx.cond(
                    S.credit_notes.length() > 0,
                    rx.vstack(rx.foreach(S.credit_notes, _credit_note), spacing="2", width="100%"),
                    rx.text("No credit note corrects this invoice.", size="2", color="var(--gray-11)"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="invoice-credit-notes",
        ),
        rx.card(
            rx.vstack(
                rx.heading("History", size="4", as_="h2"),
                rx.cond(
                    S.history.length() > 0,
                    rx.vstack(rx.foreach(S.history, _history), spacing="0", width="100%"),
                    rx.text("Nothing recorded by an admin yet.", size="2", color="var(--gray-11)"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="invoice-history",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _reason_field(placeholder: str) -> rx.Component:
    return rx.vstack(
        rx.el.label("Reason", html_for="action-reason", font_size="var(--font-size-2)", font_weight="500"),
        rx.text_area(
            name="reason",
            id="action-reason",
            placeholder=placeholder,
            required=True,
            max_length=500,
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def _dialog_body() -> rx.Component:
    return rx.match(
        S.dialog,
        (
            "issue",
            rx.text(
                "It gets the next invoice number and is due after the payment terms; the customer owes ",
                rx.text.strong(I.gross),
                ". An issued invoice can no longer be changed.",
            ),
        ),
        (
            "void",
            rx.vstack(
                rx.text(
                    "A credit note of ",
                    rx.text.strong(I.balance_due),
                    " cancels what is still due; the customer owes nothing.",
                ),
                _reason_field("Issued to the wrong customer"),
                width="100%",
            ),
        ),
        (
            "paid",
            rx.vstack(
                rx.text("Records ", rx.text.strong(I.balance_due), " as received; nothing is left to pay."),
                _reason_field("Bank transfer of 12 May, reference 4711"),
                width="100%",
            ),
        ),
        (
            "unpaid",
            rx.vstack(
                rx.text(
                    "The customer owes ", rx.text.strong(I.gross), " again (less what credit notes took off)."
                ),
                _reason_field("The transfer was returned"),
                width="100%",
            ),
        ),
        ("delete", rx.text("The draft and its lines are deleted. No number was given to it.")),
        rx.fragment(),
    )


TITLES = {
    "issue": "Issue this draft?",
    "void": "Void this invoice?",
    "paid": "Mark as paid?",
    "unpaid": "Mark as unpaid?",
    "delete": "Delete this draft?",
}
CONFIRMS = {
    "issue": "Issue invoice",
    "void": "Void invoice",
    "paid": "Mark paid",
    "unpaid": "Mark unpaid",
    "delete": "Delete draft",
}


def action_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.form(
                rx.vstack(
                    rx.dialog.title(rx.match(S.dialog, *TITLES.items(), "")),
                    _dialog_body(),
                    rx.cond(S.refusal != "", problem_callout(S.refusal, element_id="dialog-refusal")),
                    rx.hstack(
                        rx.button(
                            "Keep as it is",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=S.close_dialog(False),
                            disabled=S.working,
                        ),
                        rx.button(
                            rx.match(S.dialog, *CONFIRMS.items(), "Confirm"),
                            type="submit",
                            loading=S.working,
                            color_scheme=rx.cond(
                                (S.dialog == "void") | (S.dialog == "delete"), "red", "indigo"
                            ),
                            id="dialog-confirm",
                        ),
                        justify="end",
                        spacing="3",
                        width="100%",
                        wrap="wrap",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=S.confirm,
                reset_on_submit=False,
            ),
            max_width="520px",
            id="invoice-dialog",
        ),
        open=S.dialog != "",
        on_open_change=S.close_dialog,
    )
