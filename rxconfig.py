"""Reflex configuration: every configurable value comes from the deployment settings (ARCHITECTURE rule 7).

`reflex run --env prod` (or `--env preview` while developing) serves pages, the websocket, `/api` and
the health routes on one port, PORT. Reflex's two-port dev mode is not used.

The websocket goes to the host of the page itself, so every tenant host gets its own tenant from one
build: Reflex's browser code replaces an api_url host of `localhost` with the page's hostname (and on
https pages uses wss:// without a port, the proxy's). The port is PUBLIC_URL's, the port browsers use;
see docs/decisions.md "One build serves every tenant host".
"""

from urllib.parse import urlsplit

import reflex as rx

from backend.settings import get_settings

settings = get_settings()


def same_origin_api_url(public_url: str) -> str:
    """`http://localhost` with PUBLIC_URL's explicit port: the browser swaps in the page's host."""
    port = urlsplit(public_url).port
    return f"http://localhost:{port}" if port else "http://localhost"


config = rx.Config(
    app_name="billing_console",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=settings.port,
    backend_port=settings.port,
    api_url=same_origin_api_url(settings.public_url),
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
