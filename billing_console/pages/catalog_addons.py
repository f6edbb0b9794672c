"""`/admin/catalog/addons`: extras customers add to a subscription (backups, an extra IPv4...)."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_CATALOG, ADMIN_CATALOG_ADDONS
from billing_console.state.catalog_admin import AddonsState
from billing_console.views.catalog_admin import INTERVALS, TAX_CATEGORIES, CatalogSpec, Field, catalog_page

ADDON_FORM = CatalogSpec(
    prefix="addons",
    title="Addons",
    noun="addon",
    intro="Extras billed with a plan, in its currency. Plans offer the addons allowed on them.",
    empty="Create an addon, then allow it on plans.",
    form_note="A price change applies from each subscription's next period.",
    fields=(
        Field("name", "Name"),
        Field("key", "Key", hint="Lowercase letters, digits and dashes, e.g. backup"),
        Field("description", "Description", "textarea", wide=True),
        Field("price", "Price", "number", hint="Per period, net, e.g. 1.20"),
        Field("currency", "Currency", hint="ISO code; empty: the tenant's currency"),
        Field("interval_unit", "Billed per", "select", options=INTERVALS),
        Field("interval_count", "Every (number of intervals)", "number"),
        Field("tax_category", "Tax category", "select", options=TAX_CATEGORIES),
    ),
)


@template(
    route=ADMIN_CATALOG_ADDONS, title="Catalog · Addons", on_load=AddonsState.load, section=ADMIN_CATALOG
)
def catalog_addons() -> rx.Component:
    return catalog_page(AddonsState, ADDON_FORM, ADMIN_CATALOG_ADDONS)


route = catalog_addons
