"""The FastAPI application mounted into the Reflex backend (`rx.App(api_transformer=...)`).

Reflex mounts its own app inside this one (at ""), so the middleware here sees every HTTP request
of the web process; the API's conventions are in docs/api.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from backend.api import auth, docs, downloads, fallback, health
from backend.api.body_limit import BodyLimitMiddleware
from backend.api.idempotency import IdempotencyMiddleware
from backend.api.openapi import document_problems
from backend.api.problems import install_problem_handlers
from backend.api.rate_limit import RateLimitMiddleware
from backend.audit import endpoints as audit_endpoints
from backend.catalog import endpoints as catalog_endpoints
from backend.customers import endpoints as customer_endpoints
from backend.documents import endpoints as document_endpoints
from backend.dunning import endpoints as dunning_endpoints
from backend.exports import endpoints as export_endpoints
from backend.identity import endpoints as identity_endpoints
from backend.invoicing import admin_endpoints as admin_invoice_endpoints
from backend.invoicing import endpoints as invoice_endpoints
from backend.payments import admin_endpoints as admin_payment_endpoints
from backend.payments import endpoints as payment_endpoints
from backend.payments import retry_endpoints as payment_retry_endpoints
from backend.provisioning import endpoints as server_endpoints
from backend.reporting import endpoints as admin_listing_endpoints
from backend.settings import get_settings
from backend.subscriptions import endpoints as subscription_endpoints
from backend.tenancy import endpoints as tenant_settings_endpoints


def create_api() -> FastAPI:
    settings = get_settings()
    # Swagger UI and ReDoc come from `docs` (packaged files), not from FastAPI's CDN pages.
    api = FastAPI(title="Billing Console API", docs_url=None, redoc_url=None, openapi_url=docs.OPENAPI_URL)
    install_problem_handlers(api)
    api.include_router(docs.router)
    api.include_router(health.router)
    api.include_router(auth.router)
    # /api/v1: each domain's routes
    api.include_router(identity_endpoints.router)
    api.include_router(audit_endpoints.router)
    api.include_router(catalog_endpoints.router)
    api.include_router(subscription_endpoints.router)
    api.include_router(admin_listing_endpoints.router)
    api.include_router(customer_endpoints.router)
    api.include_router(invoice_endpoints.router)
    api.include_router(payment_endpoints.v1)
    api.include_router(dunning_endpoints.router)
    api.include_router(payment_retry_endpoints.router)
    api.include_router(tenant_settings_endpoints.router)
    api.include_router(admin_invoice_endpoints.router)
    api.include_router(admin_payment_endpoints.router)
    api.include_router(export_endpoints.router)
    api.include_router(document_endpoints.router)
    api.include_router(server_endpoints.router)
    api.include_router(downloads.router)
    api.include_router(payment_endpoints.router)  # Stripe's webhooks: signed, no token
    api.include_router(fallback.router)
    fallback.add_api_fallback(api)  # after every /api route
    document_problems(api)
    # The last added runs first: the body limit, then the rate limit, then idempotency.
    api.add_middleware(IdempotencyMiddleware)
    api.add_middleware(RateLimitMiddleware)
    api.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        max_upload_bytes=settings.max_upload_body_bytes,
    )
    return api
