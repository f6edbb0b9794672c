"""`/admin/invoices`: every invoice of the tenant, searched by number, customer, status and issue
dates; a manual draft, and bill now for every customer with its progress and summary."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_rows
from billing_console.layout import template
from billing_console.routes import ADMIN_INVOICES
from billing_console.state.admin_invoices import AdminInvoicesState
from billing_console.state.bill_now import BillNowState
from billing_console.views.admin_invoices import invoice_list, page_actions, search_form
from billing_console.views.bill_now import bill_now_dialog, bill_now_panel


@template(route=ADMIN_INVOICES, title="Invoices", on_load=[AdminInvoicesState.load, BillNowState.load])
def admin_invoices() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Invoices", as_="h1", size="7"),
            page_actions(),
            justify="between",
            align="center",
            wrap="wrap",
            width="100%",
            gap="12px",
        ),
        bill_now_panel(),
        search_form(),
        rx.cond(AdminInvoicesState.loading, skeleton_rows(6), invoice_list()),
        bill_now_dialog(),
        spacing="4",
        width="100%",
    )


route = admin_invoices
