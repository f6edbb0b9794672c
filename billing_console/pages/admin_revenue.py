"""`/admin/revenue`: turnover, MRR and its movement, churn, splits, receivables and card volume
(admins only; checked on the server), each chart with a table, CSV and the lists behind it."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_REVENUE
from billing_console.state.revenue import RevenueState
from billing_console.views.revenue import revenue_page


@template(route=ADMIN_REVENUE, title="Revenue", on_load=RevenueState.load)
def admin_revenue() -> rx.Component:
    return revenue_page()


route = admin_revenue
