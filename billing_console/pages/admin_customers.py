"""`/admin/customers`: the tenant's customers, searched by name, number or email (admins only)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_rows
from billing_console.layout import template
from billing_console.routes import ADMIN_CUSTOMERS
from billing_console.state.admin_customers import AdminCustomersState
from billing_console.views.admin_customers import customer_list, search_bar


@template(route=ADMIN_CUSTOMERS, title="Customers", on_load=AdminCustomersState.load)
def admin_customers() -> rx.Component:
    return rx.vstack(
        rx.heading("Customers", as_="h1", size="7"),
        search_bar(),
        rx.cond(AdminCustomersState.loading, skeleton_rows(6), customer_list()),
        spacing="4",
        width="100%",
    )


route = admin_customers
