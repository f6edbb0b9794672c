"""`/invoices`: the signed-in customer's invoices, open ones first, a page at a time."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import INVOICES
from billing_console.state.invoices import InvoicesState
from billing_console.views.invoices import statement_section


@template(route=INVOICES, title="Invoices", on_load=InvoicesState.load)
def invoices() -> rx.Component:
    return rx.vstack(statement_section(), spacing="4", width="100%")


route = invoices
