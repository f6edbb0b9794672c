"""The money of one invoice on the admin's invoice page: disputes on top, the payments card (each
payment with what was refunded and a Refund button, the refunds with their credit notes), the
"Record payment" button beside "Mark paid", and the dialogs: a bank transfer received, a refund's
amount and reason, then its confirmation in numbers."""

from __future__ import annotations

import reflex as rx

from backend.gateway.admin_payments import DisputeLine, PaymentLine, RefundLine
from billing_console.components.feedback import problem_callout
from billing_console.components.standing import dispute_status_badge, payment_status_badge
from billing_console.state.admin_invoice_payments import AdminInvoicePaymentsState
from billing_console.state.admin_invoices import AdminInvoiceState

P = AdminInvoicePaymentsState
I = AdminInvoiceState.invoice  # noqa: E741 - the invoice, as the page reads it


def record_payment_button() -> rx.Component:
    """Beside "Mark paid": record what arrived by bank transfer, in part or in full."""
    return rx.cond(
        I.can_mark_paid,
        rx.button(
            rx.icon("landmark", size=16),
            "Record payment",
            variant="soft",
            on_click=P.open_record,
            id="record-payment",
        ),
    )


def _dispute(dispute: rx.Var[DisputeLine]) -> rx.Component:
    return rx.callout(
        rx.hstack(
            rx.text("Disputed: ", rx.text.strong(dispute.amount), ", ", dispute.reason, size="2"),
            dispute_status_badge(dispute.status),
            rx.text("opened ", dispute.opened, size="1", color="var(--gray-11)"),
            rx.cond(
                dispute.closed != "", rx.text("closed ", dispute.closed, size="1", color="var(--gray-11)")
            ),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        icon="shield-alert",
        color_scheme=rx.cond((dispute.status == "won") | (dispute.status == "warning_closed"), "gray", "red"),
        width="100%",
        class_name="invoice-dispute",
    )


def disputes() -> rx.Component:
    """A chargeback is the first thing an admin must see: answered in the Stripe dashboard."""
    return rx.cond(
        P.disputes.length() > 0,
        rx.vstack(rx.foreach(P.disputes, _dispute), spacing="2", width="100%", id="invoice-disputes"),
    )


def _payment(payment: rx.Var[PaymentLine]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(payment.at, white_space="nowrap", size="2")),
        rx.table.cell(
            rx.vstack(
                rx.text(payment.method, size="2"),
                rx.cond(
                    payment.reference != "",
                    rx.text(payment.reference, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
                ),
                spacing="0",
            ),
            min_width="140px",
        ),
        rx.table.cell(rx.text(payment.amount, white_space="nowrap"), text_align="right"),
        rx.table.cell(payment_status_badge(payment.status)),
        rx.table.cell(
            rx.text(rx.cond(payment.refunded != "", payment.refunded, "—"), white_space="nowrap"),
            text_align="right",
        ),
        rx.table.cell(
            rx.cond(
                payment.can_refund,
                rx.button(
                    "Refund",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=P.open_refund(payment.id),
                    aria_label="Refund this payment",
                    class_name="refund-payment",
                ),
            ),
        ),
        class_name="payment-row",
    )


def _payment_card(payment: rx.Var[PaymentLine]) -> rx.Component:
    """A payment at phone width: the table's columns stacked, the Refund button in reach."""
    return rx.box(
        rx.hstack(
            rx.text(payment.method, weight="medium", size="2"),
            rx.text(payment.amount, weight="medium", size="2", white_space="nowrap"),
            justify="between",
            width="100%",
        ),
        rx.text(
            payment.at, " · ", payment.reference, size="1", color="var(--gray-11)", overflow_wrap="anywhere"
        ),
        rx.hstack(
            payment_status_badge(payment.status),
            rx.cond(payment.refunded != "", rx.text("refunded ", payment.refunded, size="1")),
            rx.spacer(),
            rx.cond(
                payment.can_refund,
                rx.button(
                    "Refund",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=P.open_refund(payment.id),
                    aria_label="Refund this payment",
                ),
            ),
            align="center",
            spacing="2",
            width="100%",
            margin_top="4px",
        ),
        padding_y="8px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="payment-card",
    )


def _refund(refund: rx.Var[RefundLine]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text("Refund of ", rx.text.strong(refund.amount), size="2"),
            payment_status_badge(refund.status),
            rx.text(refund.at, size="1", color="var(--gray-11)", white_space="nowrap"),
            rx.text("from the ", refund.origin, size="1", color="var(--gray-11)"),
            rx.cond(
                refund.credit_note != "",
                rx.link(
                    rx.text(refund.credit_note, font_family="var(--code-font-family)", size="2"),
                    href=refund.credit_note_href,
                    is_external=False,
                    reload_document=True,
                    title="Download the credit note (PDF)",
                ),
            ),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
        rx.text("Reason: ", refund.reason, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
        padding_y="8px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="refund-entry",
    )


def payments_card() -> rx.Component:
    table = rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(title, white_space="nowrap")
                        for title in ("Date", "Method", "Amount", "Status", "Refunded", "")
                    ]
                )
            ),
            rx.table.body(rx.foreach(P.payments, _payment)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        display=rx.breakpoints(initial="none", sm="block"),
    )
    cards = rx.box(
        rx.foreach(P.payments, _payment_card),
        width="100%",
        display=rx.breakpoints(initial="block", sm="none"),
    )
    empty = rx.hstack(
        rx.text(
            rx.cond(
                I.can_mark_paid,
                "No payment recorded yet. Record a bank transfer when it arrives.",
                "No payment was recorded for this invoice.",
            ),
            size="2",
            color="var(--gray-11)",
        ),
        record_payment_button(),
        justify="between",
        align="center",
        wrap="wrap",
        width="100%",
    )
    return rx.card(
        rx.vstack(
            rx.heading("Payments", size="4", as_="h2"),
            rx.cond(P.loading, rx.skeleton(rx.box(height="60px", width="100%"), loading=True)),
            rx.cond(~P.loading & (P.payments.length() == 0), empty),
            rx.cond(P.payments.length() > 0, rx.fragment(table, cards)),
            rx.cond(
                P.refunds.length() > 0,
                rx.vstack(
                    rx.heading("Refunds", size="3", as_="h3", margin_top="8px"),
                    rx.foreach(P.refunds, _refund),
                    spacing="0",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="invoice-payments",
    )


def _field(
    label: str, control_id: str, control: rx.Component, error: rx.Var[str], hint: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        rx.cond(error != "", rx.text(error, size="1", color="var(--red-11)", id=f"{control_id}-error")),
        spacing="1",
        width="100%",
    )


def _amount_field(hint: str) -> rx.Component:
    return _field(
        "Amount",
        "payment-amount",
        rx.input(
            name="amount",
            id="payment-amount",
            default_value=P.amount,
            required=True,
            input_mode="decimal",
            width="100%",
            key=P.dialog + P.amount,
        ),
        P.amount_error,
        hint,
    )


def _buttons(confirm: str, color: str, element_id: str, cancel: rx.Component | None = None) -> rx.Component:
    return rx.hstack(
        cancel
        or rx.button(
            "Cancel",
            type="button",
            variant="soft",
            color_scheme="gray",
            on_click=P.close(False),
            disabled=P.working,
        ),
        rx.button(confirm, type="submit", loading=P.working, color_scheme=color, id=element_id),
        justify="end",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def _record_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.dialog.title("Record a bank transfer"),
            rx.text(
                "The balance due is ",
                rx.text.strong(I.balance_due),
                ". Enter what arrived: in full, or a part (the rest stays due).",
                size="2",
            ),
            _amount_field("At most the balance due."),
            _field(
                "Reference",
                "payment-reference",
                rx.input(
                    name="reference",
                    id="payment-reference",
                    required=True,
                    max_length=200,
                    width="100%",
                    placeholder="As on the bank statement, e.g. SEPA 2027-05-12 4711",
                ),
                P.text_error,
            ),
            rx.cond(P.refusal != "", problem_callout(P.refusal, element_id="payment-refusal")),
            _buttons("Record payment", "indigo", "record-payment-confirm"),
            spacing="4",
            width="100%",
        ),
        on_submit=P.submit_record,
        reset_on_submit=False,
    )


def _refund_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.dialog.title("Refund a payment"),
            rx.text("Payment: ", rx.text.strong(P.payment_label), size="2"),
            _amount_field("At most what is left to refund of this payment."),
            _field(
                "Reason",
                "refund-reason",
                rx.text_area(
                    name="reason",
                    id="refund-reason",
                    required=True,
                    max_length=500,
                    width="100%",
                    default_value=P.reason,
                    placeholder="Service canceled on 12 May",
                ),
                P.text_error,
                "Printed on the credit note.",
            ),
            rx.cond(P.refusal != "", problem_callout(P.refusal, element_id="refund-refusal")),
            _buttons("Review refund", "red", "refund-review"),
            spacing="4",
            width="100%",
        ),
        on_submit=P.review_refund,
        reset_on_submit=False,
    )


def _confirm() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.dialog.title("Refund ", P.preview.amount, "?"),
            rx.text(
                "You will give back ",
                rx.text.strong(P.preview.amount),
                " ",
                P.preview.how,
                ".",
                size="2",
                id="refund-consequence",
            ),
            rx.cond(
                P.preview.credit_note,
                rx.text(
                    "A credit note of ",
                    rx.text.strong(P.preview.amount),
                    " (",
                    P.preview.net,
                    " net + ",
                    P.preview.tax,
                    " tax) is issued on ",
                    I.number,
                    ".",
                    size="2",
                    id="refund-credit-note",
                ),
                rx.text("The invoice has nothing left to credit: no credit note is issued.", size="2"),
            ),
            rx.text("Reason: ", P.reason, size="2", color="var(--gray-11)", overflow_wrap="anywhere"),
            rx.cond(P.refusal != "", problem_callout(P.refusal, element_id="refund-confirm-refusal")),
            _buttons(
                "Refund",
                "red",
                "refund-confirm",
                rx.button(
                    "Back",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=P.back_to_refund,
                    disabled=P.working,
                ),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=P.confirm_refund,
        reset_on_submit=False,
    )


def payments_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.match(
                P.dialog,
                ("record", _record_form()),
                ("refund", _refund_form()),
                ("confirm", _confirm()),
                rx.fragment(),
            ),
            max_width="520px",
            id="payments-dialog",
        ),
        open=P.dialog != "",
        on_open_change=P.close,
    )
