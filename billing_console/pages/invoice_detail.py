"""`/invoices/{number}`: one of the customer's invoices as a document; any other number (another
customer's, another tenant's, none) shows the 404 panel."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import notice_callout
from billing_console.components.refusal import refusal_panel
from billing_console.layout import template
from billing_console.routes import INVOICE, INVOICES
from billing_console.state.invoices import InvoiceState
from billing_console.views.invoices import (
    invoice_credit_notes,
    invoice_heading,
    invoice_lines,
    invoice_payment,
    invoice_skeleton,
    payment_confirmation,
)
from billing_console.views.refusals import start_page_button


def _not_found() -> rx.Component:
    return refusal_panel(
        "map-pin-off",
        "Error 404",
        "There is no page at this address",
        "You have no invoice with this number. Your invoices are listed on their own page.",
        start_page_button("not-found-home"),
        "not-found",
    )


@template(route=INVOICE, title="Invoice", on_load=InvoiceState.load, section=INVOICES)
def invoice_detail() -> rx.Component:
    return rx.cond(
        InvoiceState.loading,
        invoice_skeleton(),
        rx.cond(
            InvoiceState.not_found,
            _not_found(),
            rx.cond(
                InvoiceState.notice != "",
                notice_callout(InvoiceState.notice, element_id="invoice-notice"),
                rx.vstack(
                    invoice_heading(),
                    payment_confirmation(),
                    invoice_lines(),
                    invoice_payment(),
                    invoice_credit_notes(),
                    spacing="5",
                    width="100%",
                ),
            ),
        ),
    )


route = invoice_detail
