"""`/admin/backorders`: servers ordered while the provider had no capacity; an admin may cancel one."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_BACKORDERS
from billing_console.state.admin_servers import BackordersState
from billing_console.views.admin_servers import backorders_page


@template(route=ADMIN_BACKORDERS, title="Server backorders", on_load=BackordersState.load)
def admin_backorders() -> rx.Component:
    return backorders_page()


route = admin_backorders
