"""`/admin/providers`: each provisioned service type's cloud provider, token source and health; a
write-only token form."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_PROVIDERS
from billing_console.state.admin_servers import ProvidersState
from billing_console.views.admin_servers import providers_page


@template(route=ADMIN_PROVIDERS, title="Cloud providers", on_load=ProvidersState.load)
def admin_providers() -> rx.Component:
    return providers_page()


route = admin_providers
