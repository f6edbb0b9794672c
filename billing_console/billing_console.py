"""The Reflex app: the pages of the route table, with the REST API mounted on the same port."""

from __future__ import annotations

import reflex as rx

from backend.api.app import create_api
from billing_console.pages import ROUTES

app = rx.App(
    api_transformer=create_api(),
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)

for route in ROUTES:
    app.add_page(route.component, route=route.path, title=route.title, on_load=route.on_load)
