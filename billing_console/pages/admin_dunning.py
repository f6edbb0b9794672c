"""`/admin/dunning`: when customers are reminded of overdue invoices, and what the last reminder
does (admins only; checked on the server)."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.layout import template
from billing_console.routes import ADMIN_DUNNING
from billing_console.state.dunning import DunningSettingsState
from billing_console.views.dunning import dunning_skeleton, settings_form, timeline_table


@template(route=ADMIN_DUNNING, title="Payment reminders", on_load=DunningSettingsState.load)
def admin_dunning() -> rx.Component:
    return rx.cond(
        DunningSettingsState.loading,
        dunning_skeleton(),
        rx.vstack(
            rx.vstack(
                rx.heading("Payment reminders", as_="h1", size="7"),
                rx.text(
                    "Reminders for overdue invoices, counted in days after the due date.",
                    size="2",
                    color="var(--gray-11)",
                ),
                spacing="1",
            ),
            section_card(
                "Reminder days",
                "Each reminder is emailed once per invoice. If the job was down, only the latest"
                " reminder that is due is sent.",
                settings_form(),
                "dunning-settings-section",
            ),
            section_card(
                "What happens to an unpaid invoice",
                "From the saved settings.",
                timeline_table(),
                "dunning-timeline-section",
            ),
            spacing="5",
            width="100%",
            max_width="880px",
        ),
    )


route = admin_dunning
