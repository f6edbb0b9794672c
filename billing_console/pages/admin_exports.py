"""`/admin/exports`: CSV exports of invoices, credit notes, payments, customers and subscriptions
for a range of days (admins only; checked on the server)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.layout import template
from billing_console.routes import ADMIN_EXPORTS
from billing_console.state.exports import ExportsState
from billing_console.views.exports import export_form, export_jobs


@template(route=ADMIN_EXPORTS, title="Exports", on_load=ExportsState.load)
def admin_exports() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Exports", as_="h1", size="7"),
            rx.text(
                "Download your invoices, credit notes, payments, customers or subscriptions as a CSV file"
                " for your accounting or spreadsheet.",
                size="2",
                color="var(--gray-11)",
            ),
            spacing="1",
        ),
        section_card(
            "New export",
            "Small exports download at once; large ones run in the background with their progress below.",
            export_form(),
            "export-form-section",
        ),
        section_card(
            "Background exports",
            "The newest ten; each file stays available to download.",
            export_jobs(),
            "export-jobs-section",
        ),
        spacing="5",
        width="100%",
        max_width="880px",
    )


route = admin_exports
