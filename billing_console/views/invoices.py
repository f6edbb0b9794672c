"""The invoices pages' sections: the statement (open invoices first, then the history) and one
invoice as a document (lines, tax per rate, totals, credit notes, how to pay, the PDF)."""

from __future__ import annotations

import reflex as rx

from backend.gateway.invoices import CreditNoteRow, InvoiceRow, LineRow, TaxRow
from billing_console.components.feedback import empty_state, notice_callout, skeleton_rows
from billing_console.components.invoices import (
    bank_details,
    invoice_status_badge,
    invoices_list,
    pay_button,
)
from billing_console.components.refusal import link_button
from billing_console.routes import INVOICES, PLANS
from billing_console.state.invoices import InvoicesState, InvoiceState


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            variant="soft",
            size="2",
            disabled=(InvoicesState.page <= 1) | InvoicesState.working,
            on_click=InvoicesState.previous_page,
            id="invoices-previous",
        ),
        rx.text("Page ", InvoicesState.page, size="2", color="var(--gray-11)"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            variant="soft",
            size="2",
            disabled=~InvoicesState.has_more | InvoicesState.working,
            on_click=InvoicesState.next_page,
            id="invoices-next",
        ),
        align="center",
        justify="end",
        spacing="3",
        width="100%",
    )


def _list_pay(invoice: rx.Var[InvoiceRow]) -> rx.Component:
    return rx.cond(
        InvoicesState.pays_online,
        pay_button(
            InvoicesState.pay(invoice.number),
            loading=InvoicesState.paying == invoice.number,
            size="1",
        ),
        rx.fragment(),
    )


def _open_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Waiting for payment", size="4"),
        rx.text(
            rx.cond(
                InvoicesState.pays_online,
                "Pay each online by card, or by bank transfer with its number as the reference.",
                "Pay each by bank transfer with its number as the reference.",
            ),
            size="2",
            color="var(--gray-11)",
        ),
        invoices_list(
            InvoicesState.open_invoices,
            payable=True,
            element_id="open-invoices",
            pay=_list_pay,
        ),
        rx.cond(
            InvoicesState.pays_by_transfer, bank_details(InvoicesState.bank, "invoices-bank"), rx.fragment()
        ),
        spacing="3",
        width="100%",
        id="invoices-open",
    )


def _history_section() -> rx.Component:
    return rx.vstack(
        rx.heading("History", size="4"),
        invoices_list(InvoicesState.settled_invoices, payable=False, element_id="settled-invoices"),
        spacing="3",
        width="100%",
        id="invoices-history",
    )


def statement_section() -> rx.Component:
    return rx.cond(
        InvoicesState.loading,
        skeleton_rows(6),
        rx.cond(
            InvoicesState.notice != "",
            notice_callout(InvoicesState.notice, element_id="invoices-notice"),
            rx.cond(
                InvoicesState.has_invoices,
                rx.vstack(
                    rx.cond(InvoicesState.open_invoices.length() > 0, _open_section(), rx.fragment()),
                    rx.cond(InvoicesState.settled_invoices.length() > 0, _history_section(), rx.fragment()),
                    rx.cond((InvoicesState.page > 1) | InvoicesState.has_more, _pager(), rx.fragment()),
                    spacing="6",
                    width="100%",
                ),
                rx.card(
                    empty_state(
                        "receipt-text",
                        "No invoices yet",
                        "Your invoices show up here once your subscriptions are billed.",
                    ),
                    rx.center(link_button("See the plans", PLANS, "invoices-see-plans", icon="tags")),
                    width="100%",
                    id="invoices-empty",
                ),
            ),
        ),
    )


# --- one invoice ---------------------------------------------------------------------------------


def invoice_skeleton() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="32px", width="280px"), loading=True),
        skeleton_rows(6),
        spacing="4",
        width="100%",
    )


def _fact(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.cond(
        value != "",
        rx.vstack(
            rx.text(label, size="1", color="var(--gray-11)"),
            rx.text(value, size="2", weight="medium"),
            spacing="1",
        ),
        rx.fragment(),
    )


def invoice_heading() -> rx.Component:
    invoice = InvoiceState.invoice
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("All invoices", size="2")), href=INVOICES),
        rx.flex(
            rx.hstack(
                rx.heading(
                    invoice.number, size="6", font_family="var(--code-font-family)", id="invoice-number"
                ),
                invoice_status_badge(invoice.status),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            rx.hstack(
                rx.link(
                    rx.button(rx.icon("download", size=16), "Download PDF", variant="soft", size="2"),
                    href=invoice.pdf_href,
                    is_external=False,
                    reload_document=True,
                    underline="none",
                    id="invoice-pdf",
                ),
                rx.cond(
                    InvoiceState.can_pay,
                    pay_button(InvoiceState.pay, loading=InvoiceState.paying, element_id="invoice-pay"),
                    rx.fragment(),
                ),
                spacing="2",
            ),
            justify="between",
            align="center",
            gap="3",
            wrap="wrap",
            width="100%",
        ),
        rx.grid(
            _fact("Billed to", invoice.buyer_name),
            _fact("Issued", invoice.issued),
            _fact("Due", invoice.due),
            _fact("Paid", invoice.paid),
            _fact("Voided", invoice.voided),
            _fact("Balance due", rx.cond(invoice.is_open, invoice.balance, "")),
            columns=rx.breakpoints(initial="2", md="4"),
            spacing="4",
            width="100%",
        ),
        rx.text("Dates in ", InvoiceState.invoice.time_zone, ".", size="1", color="var(--gray-10)"),
        spacing="3",
        width="100%",
    )


def _line_row(line: rx.Var[LineRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(line.description, size="2", weight="medium"),
                rx.cond(
                    line.period != "", rx.text(line.period, size="1", color="var(--gray-11)"), rx.fragment()
                ),
                spacing="1",
            ),
            min_width="160px",
        ),
        rx.table.cell(rx.text(line.quantity, size="2"), text_align="right"),
        rx.table.cell(rx.text(line.unit_price, size="2"), white_space="nowrap", text_align="right"),
        rx.table.cell(rx.text(line.tax_rate, size="2"), white_space="nowrap", text_align="right"),
        rx.table.cell(rx.text(line.net, size="2"), white_space="nowrap", text_align="right"),
    )


def _line_card(line: rx.Var[LineRow]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(line.description, size="2", weight="medium"),
            rx.text(line.net, size="2", white_space="nowrap"),
            justify="between",
            align="start",
            width="100%",
            gap="3",
        ),
        rx.text(line.period, size="1", color="var(--gray-11)"),
        rx.text(
            line.quantity, " × ", line.unit_price, " · VAT ", line.tax_rate, size="1", color="var(--gray-11)"
        ),
        spacing="1",
        width="100%",
        padding_y="8px",
        border_bottom="1px solid var(--gray-a4)",
    )


def _total(label: str, value: rx.Var[str], strong: bool = False) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color="var(--gray-11)" if not strong else "var(--gray-12)"),
        rx.text(
            value, size="3" if strong else "2", weight="bold" if strong else "regular", white_space="nowrap"
        ),
        justify="between",
        width="100%",
    )


def _tax_row(row: rx.Var[TaxRow]) -> rx.Component:
    return _total_var(row.label, row.tax)


def _total_var(label: rx.Var[str], value: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color="var(--gray-11)"),
        rx.text(value, size="2", white_space="nowrap"),
        justify="between",
        width="100%",
    )


def invoice_lines() -> rx.Component:
    invoice = InvoiceState.invoice
    titles = [
        ("Description", "left"),
        ("Qty", "right"),
        ("Unit price", "right"),
        ("VAT", "right"),
        ("Net", "right"),
    ]
    return rx.card(
        rx.vstack(
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(t, text_align=a, white_space="nowrap")
                                for t, a in titles
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(invoice.lines, _line_row)),
                    variant="ghost",
                    size="2",
                    width="100%",
                ),
                display=["none", "none", "block"],
                width="100%",
            ),
            rx.vstack(
                rx.foreach(invoice.lines, _line_card),
                display=["flex", "flex", "none"],
                spacing="0",
                width="100%",
            ),
            rx.box(
                rx.vstack(
                    _total("Net", invoice.net),
                    rx.foreach(invoice.taxes, _tax_row),
                    rx.separator(size="4"),
                    _total("Total", invoice.total, strong=True),
                    spacing="2",
                    width="100%",
                ),
                width=["100%", "100%", "360px"],
                margin_left="auto",
                id="invoice-totals",
            ),
            rx.cond(
                invoice.tax_note != "",
                rx.callout(
                    invoice.tax_note,
                    icon="info",
                    color_scheme="gray",
                    size="1",
                    width="100%",
                    id="invoice-tax-note",
                ),
                rx.fragment(),
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        id="invoice-lines",
    )


def _note_row(note: rx.Var[CreditNoteRow]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.link(
                rx.text(note.number, size="2", weight="medium", font_family="var(--code-font-family)"),
                href=note.pdf_href,
                is_external=False,
                reload_document=True,
                title="Download the credit note (PDF)",
                class_name="credit-note-pdf",
            ),
            rx.text(
                note.issued,
                rx.cond(note.reason != "", rx.text.span(" · ", note.reason), ""),
                size="1",
                color="var(--gray-11)",
            ),
            spacing="1",
        ),
        rx.text("−", note.amount, size="2", white_space="nowrap"),
        justify="between",
        align="start",
        width="100%",
        gap="3",
    )


def invoice_credit_notes() -> rx.Component:
    return rx.cond(
        InvoiceState.has_credit_notes,
        rx.card(
            rx.vstack(
                rx.heading("Credit notes", size="3"),
                rx.text(
                    "Corrections of this invoice; each takes its amount off what you owe.",
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.foreach(InvoiceState.invoice.credit_notes, _note_row),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="invoice-credit-notes",
        ),
        rx.fragment(),
    )


# confirmation -> (icon, colour, words, element id): what became of the payment the customer came back from
CONFIRMATIONS: dict[str, tuple[str, str, str, str]] = {
    "waiting": ("loader", "blue", "Waiting for confirmation from the payment provider…", "payment-waiting"),
    "paid": ("circle-check", "green", "Paid. Thank you, we received your payment.", "payment-paid"),
    "failed": (
        "circle-alert",
        "red",
        "The payment did not go through. The invoice is still open: you can pay it again.",
        "payment-failed",
    ),
    "canceled": (
        "info",
        "gray",
        "Payment canceled. Nothing was charged and the invoice is still open.",
        "payment-canceled",
    ),
    "slow": (
        "clock",
        "amber",
        "The payment provider has not confirmed the payment yet. This can take a few minutes: look"
        " again later, and please do not pay twice.",
        "payment-slow",
    ),
}


def _confirmation(state: str) -> rx.Component:
    icon, color, text, element_id = CONFIRMATIONS[state]
    return rx.callout.root(
        rx.callout.icon(rx.spinner(size="2") if state == "waiting" else rx.icon(icon, size=16)),
        rx.callout.text(text),
        color_scheme=color,
        width="100%",
        id=element_id,
        role="status",
    )


def payment_confirmation() -> rx.Component:
    """What became of the payment the customer came back from, pushed as the webhook arrives."""
    return rx.match(
        InvoiceState.confirmation,
        *[(state, _confirmation(state)) for state in CONFIRMATIONS],
        rx.fragment(),
    )


def invoice_payment() -> rx.Component:
    invoice = InvoiceState.invoice
    return rx.cond(
        invoice.is_open & ~InvoiceState.awaiting_confirmation,
        rx.cond(
            invoice.bank.iban != "",
            bank_details(invoice.bank, "invoice-bank"),
            rx.cond(
                invoice.pays_online,
                rx.fragment(),
                rx.callout(
                    "This invoice cannot be paid online. Please pay it as your contract says.",
                    icon="info",
                    width="100%",
                ),
            ),
        ),
        rx.fragment(),
    )
