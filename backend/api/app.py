"""The FastAPI application mounted into the Reflex backend (`rx.App(api_transformer=...)`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.api import auth, health, v1
from backend.api.problems import install_problem_handlers


def create_api() -> FastAPI:
    api = FastAPI(title="Billing Console API", docs_url="/api/docs", openapi_url="/api/openapi.json")
    install_problem_handlers(api)
    api.include_router(health.router)
    api.include_router(auth.router)
    api.include_router(v1.router)
    return api
