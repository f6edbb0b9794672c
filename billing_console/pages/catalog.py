"""`/admin/catalog`: the catalog's four lists with how many of each are active, each a link."""

from __future__ import annotations

import reflex as rx

from backend.gateway.catalog_admin import CatalogSection
from billing_console.components.feedback import skeleton_cards
from billing_console.layout import template
from billing_console.routes import (
    ADMIN_CATALOG,
    ADMIN_CATALOG_ADDONS,
    ADMIN_CATALOG_PLANS,
    ADMIN_CATALOG_PROMOTIONS,
    ADMIN_CATALOG_SERVICE_TYPES,
)
from billing_console.state.catalog_admin import CatalogOverviewState

SECTIONS = {
    "plans": ("Plans", "What customers order", "tags", ADMIN_CATALOG_PLANS),
    "service_types": ("Service types", "What plans provision", "server", ADMIN_CATALOG_SERVICE_TYPES),
    "addons": ("Addons", "Extras billed with a plan", "puzzle", ADMIN_CATALOG_ADDONS),
    "promotions": ("Promotions", "Codes and their redemptions", "ticket-percent", ADMIN_CATALOG_PROMOTIONS),
}


def _section(section: rx.Var[CatalogSection]) -> rx.Component:
    def part(index: int) -> rx.Var[str]:
        return rx.match(section.kind, *[(kind, values[index]) for kind, values in SECTIONS.items()], "")

    return rx.link(
        rx.card(
            rx.hstack(
                rx.icon("package", size=20, color="var(--accent-11)"),
                rx.vstack(
                    rx.text(part(0), weight="medium", size="3", color="var(--accent-11)"),
                    rx.text(part(1), size="2", color="var(--gray-11)"),
                    rx.text(section.active, " active of ", section.total, size="2", color="var(--gray-12)"),
                    spacing="1",
                ),
                align="start",
                spacing="3",
            ),
            width="100%",
        ),
        href=part(3),
        underline="none",
        id="catalog-section-" + section.kind,
        width="100%",
    )


@template(route=ADMIN_CATALOG, title="Catalog", on_load=CatalogOverviewState.load)
def catalog_overview() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Catalog", size="6"),
            rx.text(
                "Service types, plans, addons and promotion codes: what customers can order.",
                size="2",
                color="var(--gray-11)",
            ),
            spacing="1",
        ),
        rx.cond(
            CatalogOverviewState.loading,
            skeleton_cards(4),
            rx.grid(
                rx.foreach(CatalogOverviewState.sections, _section),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="5",
        width="100%",
    )


route = catalog_overview
