"""The FastAPI application mounted into the Reflex backend (`rx.App(api_transformer=...)`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.api import health


def create_api() -> FastAPI:
    api = FastAPI(title="Billing Console API", docs_url="/api/docs", openapi_url="/api/openapi.json")
    api.include_router(health.router)
    return api
