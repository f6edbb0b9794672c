"""`/admin/catalog/service-types`: what the tenant runs for its plans (cloud servers, hosting...)."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_CATALOG, ADMIN_CATALOG_SERVICE_TYPES
from billing_console.state.catalog_admin import ServiceTypesState
from billing_console.views.catalog_admin import CatalogSpec, Field, catalog_page

PROVIDERS = (
    ("none", "None (billing only)"),
    ("simulated", "Simulated"),
    ("hetzner", "Hetzner"),
    ("digitalocean", "DigitalOcean"),
)
SERVICE_TYPE_FORM = CatalogSpec(
    prefix="service-types",
    title="Service types",
    noun="service type",
    intro="What your plans provision. Deactivating one hides its plans from new orders.",
    empty="Create a service type, then plans for it.",
    fields=(
        Field("name", "Name"),
        Field("key", "Key", hint="Lowercase letters, digits and dashes, e.g. cloud"),
        Field("provider", "Provider", "select", options=PROVIDERS),
        Field(
            "config_schema",
            "Options schema (JSON)",
            "textarea",
            hint='The options plans may offer, e.g. {"type": "object", "properties": {"location": {}}}',
            wide=True,
        ),
    ),
)


@template(
    route=ADMIN_CATALOG_SERVICE_TYPES,
    title="Catalog · Service types",
    on_load=ServiceTypesState.load,
    section=ADMIN_CATALOG,
)
def catalog_service_types() -> rx.Component:
    return catalog_page(ServiceTypesState, SERVICE_TYPE_FORM, ADMIN_CATALOG_SERVICE_TYPES)


route = catalog_service_types
