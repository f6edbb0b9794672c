"""The tenant's settings over REST, read and changed by admins with the "admin" scope. A field that
breaks its rule is a 422 problem with one `errors` entry per field, and nothing changes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.tenancy import settings_service
from backend.tenancy.schemas import TenantSettingsInput, TenantSettingsView

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/admin/settings", summary="Get the tenant's settings")
def get_tenant_settings(request: Request, principal: TokenPrincipal) -> TenantSettingsView:
    """Issuer identity, logo and colour, payment terms, minimum invoice amount, payment reminders,
    the automatic payment retry schedule, the One-Stop-Shop rule and the mail sender."""
    with unit_of_work() as session:
        return settings_service.tenant_settings(
            session, token_scope(principal), token_actor(request, principal)
        )


@router.put("/admin/settings", summary="Change the tenant's settings")
def put_tenant_settings(
    body: TenantSettingsInput, request: Request, principal: TokenPrincipal
) -> TenantSettingsView:
    """Fields left out (or null) keep their value. Every field that breaks its rule is named in the
    422 problem's `errors`, and then nothing is saved. Issued invoices keep their due date."""
    with unit_of_work() as session:
        return settings_service.update_tenant_settings(
            session,
            token_scope(principal),
            token_actor(request, principal),
            body.model_dump(exclude_none=True),
        )
