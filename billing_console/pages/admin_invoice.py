"""`/admin/invoices/{number}`: one invoice (a draft by its id) with its lines, payments (refunds,
disputes), credit notes and history, and the actions its status allows. Any other reference shows
the 404 panel."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_cards
from billing_console.components.refusal import link_button, refusal_panel
from billing_console.layout import template
from billing_console.routes import ADMIN_INVOICE, ADMIN_INVOICES
from billing_console.state.admin_invoice_payments import AdminInvoicePaymentsState
from billing_console.state.admin_invoices import AdminInvoiceState
from billing_console.views.admin_invoice import (
    action_dialog,
    actions,
    facts,
    heading,
    lines,
    notes_and_history,
)
from billing_console.views.admin_invoice_payments import disputes, payments_card, payments_dialog
from billing_console.views.payment_links import invoice_links_section

S = AdminInvoiceState


def _not_found() -> rx.Component:
    return refusal_panel(
        "file-x",
        "Error 404",
        "There is no such invoice",
        "No invoice of this tenant has this number. Find it in the list.",
        link_button("All invoices", ADMIN_INVOICES, "not-found-invoices", icon="receipt"),
        "not-found",
    )


@template(
    route=ADMIN_INVOICE,
    title="Invoice",
    on_load=[S.load, AdminInvoicePaymentsState.load],  # in this order: the payments need the invoice's id
    section=ADMIN_INVOICES,
)
def admin_invoice() -> rx.Component:
    return rx.cond(
        S.loading,
        skeleton_cards(3, height="140px"),
        rx.cond(
            S.not_found,
            _not_found(),
            rx.vstack(
                heading(),
                disputes(),
                facts(),
                actions(),
                lines(),
                payments_card(),
                notes_and_history(),
                invoice_links_section(),
                action_dialog(),
                payments_dialog(),
                spacing="5",
                width="100%",
            ),
        ),
    )


route = admin_invoice
