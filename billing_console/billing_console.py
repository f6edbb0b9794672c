"""The Reflex app: the pages of the route table, with the REST API and the job monitor on the same port.

A composition root: it binds the backend's job ports to RQ (`jobs/`), which the backend never imports.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from fastapi import FastAPI
from starlette.requests import Request

from backend.api.app import create_api
from backend.api.cors import ApiCors
from backend.api.forwarded import ForwardedHeaders
from backend.api.headers import SecurityHeaders
from backend.api.security import admin_for_request
from backend.gateway import admin as admin_gateway
from backend.settings import get_settings
from billing_console.pages import ROUTES
from billing_console.web_surface import frontend_build, same_origin_websocket, spa_page, without_reflex_cors
from jobs.dashboard import mount_queue_dashboard
from jobs.monitoring import bind_rq


async def operator_admin(request: Request) -> bool:
    """The job queues hold every tenant's jobs: only admins of the operating tenant may open them."""
    admin = await admin_for_request(request)
    return admin is not None and await asyncio.to_thread(admin_gateway.operates_deployment, admin)


def create_web_api() -> FastAPI:
    """The API with the job monitor at /admin/queues/; binds the job ports to RQ (composition root).

    Reflex mounts the pages and the websocket inside this app, so its middleware sees every request:
    security headers on all responses, CORS on /api/v1 for CORS_ALLOWED_ORIGINS only.
    """
    settings = get_settings()
    api = create_api()
    redis_url = settings.redis_url or None
    mount_queue_dashboard(api, redis_url, operator_admin, refused_page=spa_page())
    api.add_middleware(ApiCors, allowed_origins=settings.cors_origins)
    api.add_middleware(SecurityHeaders, public_url=settings.public_url, frontend_build=frontend_build())
    if redis_url:
        bind_rq(redis_url)
    return api


without_reflex_cors()
app = rx.App(
    # The API mounts the Reflex backend; ForwardedHeaders wraps both (proxies in TRUSTED_PROXIES only).
    api_transformer=[create_web_api(), ForwardedHeaders],
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
same_origin_websocket(app)

for route in ROUTES:
    app.add_page(route.component, route=route.path, title=route.title, on_load=route.on_load)
