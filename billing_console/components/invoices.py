"""A customer's invoices: status badges, a table on wide screens and stacked cards on phones, each
invoice linking to its page with its credit notes beside it, and Pay (by card, when the tenant
takes cards)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import EventType

from backend.gateway.invoices import BankDetails, CreditNoteRow, InvoiceRow
from billing_console.routes import INVOICES

# status value -> (label, Radix colour): amber waits for money, red is late, green is settled
INVOICE_STATUSES: dict[str, tuple[str, str]] = {
    "issued": ("Open", "amber"),
    "overdue": ("Overdue", "red"),
    "paid": ("Paid", "green"),
    "void": ("Void", "gray"),
    "uncollectible": ("Uncollectible", "gray"),
    "draft": ("Draft", "gray"),
}


def invoice_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[
            (value, rx.badge(label, color_scheme=color, variant="soft", radius="full"))
            for value, (label, color) in INVOICE_STATUSES.items()
        ],
        rx.badge(status, color_scheme="gray", variant="soft", radius="full"),
    )


def invoice_href(invoice: rx.Var[InvoiceRow]) -> rx.Var[str]:
    return f"{INVOICES}/{invoice.number}"  # type: ignore[return-value]


def pay_button(
    on_click: EventType[()], loading: rx.Var[bool] | bool = False, size: str = "2", element_id: str = ""
) -> rx.Component:
    """Pay by card: opens the payment provider's page (Stripe Checkout) for the invoice's balance."""
    return rx.button(
        rx.icon("credit-card", size=14),
        "Pay",
        size=size,
        loading=loading,
        on_click=on_click,
        class_name="pay-button",
        **({"id": element_id} if element_id else {}),
    )


def _credit_note(note: rx.Var[CreditNoteRow]) -> rx.Component:
    return rx.hstack(
        rx.icon("corner-down-right", size=14, color="var(--gray-10)", flex_shrink="0"),
        rx.text(
            "Credit note ",
            rx.text.span(note.number, font_family="var(--code-font-family)"),
            " · −",
            note.amount,
            rx.cond(note.reason != "", rx.text.span(" · ", note.reason), rx.fragment()),
            size="1",
            color="var(--gray-11)",
            overflow_wrap="anywhere",
        ),
        align="start",
        spacing="1",
    )


def credit_notes(notes: rx.Var[list[CreditNoteRow]]) -> rx.Component:
    return rx.cond(notes.length() > 0, rx.vstack(rx.foreach(notes, _credit_note), spacing="1"), rx.fragment())


def _number(invoice: rx.Var[InvoiceRow]) -> rx.Component:
    return rx.vstack(
        rx.link(
            invoice.number,
            href=invoice_href(invoice),
            weight="medium",
            size="2",
            font_family="var(--code-font-family)",
        ),
        credit_notes(invoice.credit_notes),
        spacing="1",
    )


PayAction = Callable[[rx.Var[InvoiceRow]], rx.Component]


def _row(invoice: rx.Var[InvoiceRow], payable: bool, pay: PayAction | None) -> rx.Component:
    cells = [
        rx.table.row_header_cell(_number(invoice)),
        rx.table.cell(invoice_status_badge(invoice.status), white_space="nowrap"),
        rx.table.cell(rx.text(invoice.issued, size="2"), white_space="nowrap"),
        rx.table.cell(rx.text(invoice.due, size="2"), white_space="nowrap"),
        rx.table.cell(rx.text(invoice.total, size="2"), white_space="nowrap", text_align="right"),
    ]
    if payable:
        cells += [
            rx.table.cell(
                rx.text(invoice.balance, size="2", weight="bold"), white_space="nowrap", text_align="right"
            ),
            rx.table.cell(pay(invoice) if pay is not None else rx.fragment()),
        ]
    return rx.table.row(*cells, align="center")


def _table(
    invoices: rx.Var[list[InvoiceRow]], payable: bool, pay: PayAction | None, element_id: str
) -> rx.Component:
    titles = ["Invoice", "Status", "Issued", "Due", "Total"] + (["Balance due", ""] if payable else [])
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(
                        title,
                        white_space="nowrap",
                        text_align="right" if "Total" in title or "Balance" in title else "left",
                    )
                    for title in titles
                ]
            )
        ),
        rx.table.body(rx.foreach(invoices, lambda invoice: _row(invoice, payable, pay))),
        variant="surface",
        size="2",
        width="100%",
        id=element_id,
    )


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="1", color="var(--gray-11)", min_width="96px", flex_shrink="0"),
        value,
        align="start",
        spacing="2",
        width="100%",
    )


def _card(invoice: rx.Var[InvoiceRow], payable: bool, pay: PayAction | None) -> rx.Component:
    facts = [
        _fact("Issued", rx.text(invoice.issued, size="2")),
        _fact("Due", rx.text(invoice.due, size="2")),
        _fact("Total", rx.text(invoice.total, size="2")),
    ]
    if payable:
        facts.append(_fact("Balance due", rx.text(invoice.balance, size="2", weight="bold")))
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(
                    invoice.number,
                    href=invoice_href(invoice),
                    weight="medium",
                    font_family="var(--code-font-family)",
                ),
                invoice_status_badge(invoice.status),
                justify="between",
                align="center",
                width="100%",
            ),
            *facts,
            credit_notes(invoice.credit_notes),
            pay(invoice) if payable and pay is not None else rx.fragment(),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def invoices_list(
    invoices: rx.Var[list[InvoiceRow]], *, payable: bool, element_id: str, pay: PayAction | None = None
) -> rx.Component:
    """The table from tablets up, cards below: no sideways scrolling at 390 px. `pay` renders an
    open invoice's Pay (None: the column stays, empty)."""
    return rx.fragment(
        rx.box(
            _table(invoices, payable, pay, f"{element_id}-table"),
            display=["none", "none", "block"],
            width="100%",
        ),
        rx.vstack(
            rx.foreach(invoices, lambda invoice: _card(invoice, payable, pay)),
            display=["flex", "flex", "none"],
            spacing="3",
            width="100%",
            id=f"{element_id}-cards",
        ),
    )


def bank_details(bank: rx.Var[BankDetails], element_id: str) -> rx.Component:
    """How to pay by bank transfer: the account, and the invoice number as the reference."""
    row = [
        ("Account holder", bank.account_holder),
        ("IBAN", bank.iban),
        ("BIC", bank.bic),
    ]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("landmark", size=18),
                rx.heading("Pay by bank transfer", size="3"),
                align="center",
                spacing="2",
            ),
            *[
                _fact(
                    label,
                    rx.text(value, size="2", font_family="var(--code-font-family)", overflow_wrap="anywhere"),
                )
                for label, value in row
            ],
            rx.cond(
                bank.amount != "",
                _fact("Amount", rx.text(bank.amount, size="2", weight="bold")),
                rx.fragment(),
            ),
            _fact(
                "Reference",
                rx.cond(
                    bank.reference != "",
                    rx.text(bank.reference, size="2", font_family="var(--code-font-family)"),
                    rx.text("The invoice number", size="2"),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id=element_id,
    )
