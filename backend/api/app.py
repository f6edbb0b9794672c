"""The FastAPI application mounted into the Reflex backend (`rx.App(api_transformer=...)`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.api import auth, docs, health, v1
from backend.api.problems import install_problem_handlers


def create_api() -> FastAPI:
    # Swagger UI and ReDoc come from `docs` (packaged files), not from FastAPI's CDN pages.
    api = FastAPI(title="Billing Console API", docs_url=None, redoc_url=None, openapi_url=docs.OPENAPI_URL)
    install_problem_handlers(api)
    api.include_router(docs.router)
    api.include_router(health.router)
    api.include_router(auth.router)
    api.include_router(v1.router)
    return api
