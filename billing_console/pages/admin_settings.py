"""`/admin/settings`: the tenant's settings (issuer, logo and colour, invoices, unpaid invoices,
One-Stop-Shop, emails) in one form; admins only (checked on the server)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import problem_callout
from billing_console.layout import template
from billing_console.routes import ADMIN_SETTINGS
from billing_console.state.tenant_settings import TenantSettingsState
from billing_console.views.tenant_settings import settings_form, settings_skeleton


@template(route=ADMIN_SETTINGS, title="Settings", on_load=TenantSettingsState.load)
def admin_settings() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Settings", as_="h1", size="7"),
            rx.text(
                "Your business as invoices and emails show it, and how unpaid invoices are followed up.",
                size="2",
                color="var(--gray-11)",
            ),
            spacing="1",
        ),
        rx.cond(
            TenantSettingsState.loading,
            settings_skeleton(),
            rx.cond(
                TenantSettingsState.load_error != "",
                problem_callout(
                    TenantSettingsState.load_error + " Reload the page to try again.",
                    element_id="settings-load-error",
                ),
                settings_form(),
            ),
        ),
        spacing="5",
        width="100%",
        max_width="880px",
    )


route = admin_settings
