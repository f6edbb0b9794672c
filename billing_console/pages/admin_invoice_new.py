"""`/admin/invoices/new`: a draft invoice written by hand (`?draft=ID` edits one while it is a
draft, `?customer=ID` starts one for that customer)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_rows
from billing_console.components.refusal import link_button, refusal_panel
from billing_console.layout import template
from billing_console.routes import ADMIN_INVOICE_NEW, ADMIN_INVOICES
from billing_console.state.invoice_draft import InvoiceDraftState
from billing_console.views.invoice_draft import draft_form

D = InvoiceDraftState


@template(route=ADMIN_INVOICE_NEW, title="Draft invoice", on_load=D.load, section=ADMIN_INVOICES)
def admin_invoice_new() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("All invoices", size="2")), href=ADMIN_INVOICES
        ),
        rx.heading(rx.cond(D.draft_id > 0, "Edit draft invoice", "New draft invoice"), as_="h1", size="7"),
        rx.cond(
            D.loading,
            skeleton_rows(5),
            rx.cond(
                D.refused != "",
                refusal_panel(
                    "file-lock",
                    "Not a draft",
                    "This invoice cannot be edited",
                    D.refused,
                    link_button("All invoices", ADMIN_INVOICES, "refused-invoices", icon="receipt"),
                    "draft-refused",
                ),
                draft_form(),
            ),
        ),
        spacing="4",
        width="100%",
    )


route = admin_invoice_new
