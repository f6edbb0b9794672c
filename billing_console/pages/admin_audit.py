"""`/admin/audit`: who did what to which object, when, and what changed (admins only)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_rows
from billing_console.layout import template
from billing_console.routes import ADMIN_AUDIT
from billing_console.state.admin_audit import AdminAuditState
from billing_console.views.admin_audit import download_button, entry_list, filters


@template(route=ADMIN_AUDIT, title="Audit log", on_load=AdminAuditState.load)
def admin_audit() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.heading("Audit log", as_="h1", size="7"),
                rx.text("Who did what, to which object, and what changed.", size="2", color="var(--gray-11)"),
                spacing="1",
            ),
            download_button(),
            justify="between",
            align="center",
            gap="12px",
            wrap="wrap",
            width="100%",
        ),
        filters(),
        rx.cond(AdminAuditState.loading, skeleton_rows(8), entry_list()),
        spacing="4",
        width="100%",
    )


route = admin_audit
