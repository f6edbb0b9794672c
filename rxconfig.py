"""Reflex configuration: every configurable value comes from the deployment settings (ARCHITECTURE rule 7).

`reflex run --env prod` (or `--env preview` while developing) serves pages, the websocket, `/api` and
the health routes on one port, PORT. The browser reaches the websocket through PUBLIC_URL, so both must
describe the same address. Reflex's two-port dev mode is not used.
"""

import reflex as rx

from backend.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="billing_console",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=settings.port,
    backend_port=settings.port,
    api_url=settings.public_url,
    deploy_url=settings.public_url,
    # Nobody gets Reflex's CORS (credentials for the listed origins on every path); the websocket's
    # origin check is set in billing_console/web_surface.py, /api/v1's CORS in backend/api/cors.py.
    cors_allowed_origins=[],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", has_background=True),
        ),
    ],
    # No public marketing pages to index: every page needs a signed-in user.
    disable_plugins=[rx.plugins.SitemapPlugin],
)
