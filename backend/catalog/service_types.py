"""Service types: what a tenant runs for its plans (cloud servers, web hosting, ...).

Deactivating a service type hides its plans from new orders and never touches existing
subscriptions; plans keep pointing at it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.audit.service import Actor
from backend.catalog.changes import apply_changes, record_change, set_active
from backend.catalog.cloud_init import check_template
from backend.catalog.repository import ServiceTypeRepository
from backend.catalog.schemas import CatalogQuery, ServiceTypeInput, ServiceTypeUpdate, ServiceTypeView
from backend.catalog.validation import FieldCheck, checked_key, checked_name, matches, merge, plain
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import ServiceType


def create_service_type(
    session: Session, scope: TenantScope, data: ServiceTypeInput, actor: Actor
) -> ServiceType:
    """A new service type; its key is unique in the tenant."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_service_type(session, scope, data, current=None)
    service_type = ServiceTypeRepository(session, scope).add(ServiceType(**values))
    record_change(
        session, scope, actor, "service_type.created", service_type, None, _service_type_fields(service_type)
    )
    return service_type


def update_service_type(
    session: Session, scope: TenantScope, service_type_id: int, changes: ServiceTypeUpdate, actor: Actor
) -> ServiceType:
    """Apply the fields set in `changes`; plans keep pointing at the service type."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    service_type = get_service_type(session, scope, service_type_id)
    merged = merge(ServiceTypeInput, _service_type_fields(service_type), changes)
    values = _checked_service_type(session, scope, merged, current=service_type)
    return apply_changes(session, scope, actor, "service_type", service_type, values)


def deactivate_service_type(
    session: Session, scope: TenantScope, service_type_id: int, actor: Actor
) -> ServiceType:
    """Its plans can no longer be ordered; existing subscriptions keep running."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(
        session, scope, actor, "service_type", get_service_type(session, scope, service_type_id), False
    )


def reactivate_service_type(
    session: Session, scope: TenantScope, service_type_id: int, actor: Actor
) -> ServiceType:
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(
        session, scope, actor, "service_type", get_service_type(session, scope, service_type_id), True
    )


def get_service_type(session: Session, scope: TenantScope, service_type_id: int) -> ServiceType:
    service_type = ServiceTypeRepository(session, scope).get(service_type_id)
    if service_type is None:
        raise NotFoundError(f"Service type {service_type_id} not found.")
    return service_type


def list_service_types(
    session: Session, scope: TenantScope, *, active_only: bool = False
) -> list[ServiceTypeView]:
    rows = ServiceTypeRepository(session, scope).in_catalog_order(active_only=active_only)
    return [service_type_view(row) for row in rows]


def service_type_view(service_type: ServiceType) -> ServiceTypeView:
    assert service_type.id is not None
    return ServiceTypeView(
        id=service_type.id,
        key=service_type.key,
        name=service_type.name,
        provider=plain(service_type.provider),
        active=service_type.active,
    )


def _checked_service_type(
    session: Session, scope: TenantScope, data: ServiceTypeInput, *, current: ServiceType | None
) -> dict[str, Any]:
    check = FieldCheck()
    key = check("key", checked_key, data.key)
    if key is not None:
        existing = ServiceTypeRepository(session, scope).by_key(key)
        if existing is not None and existing is not current:
            check.fail("key", f"Key: a service type with key '{key}' already exists.")
    name = check("name", checked_name, data.name)
    if data.config_schema and data.config_schema.get("type", "object") != "object":
        check.fail("config_schema", "Config schema must be a JSON schema of type 'object' (or empty).")
    template_error = check_template(data.cloud_init_template)
    if template_error:
        check.fail("cloud_init_template", template_error)
    check.done()
    return {
        "key": key,
        "name": name,
        "provider": data.provider,
        "provider_defaults": data.provider_defaults,
        "config_schema": data.config_schema,
        "cloud_init_template": data.cloud_init_template,
    }


def _service_type_fields(service_type: ServiceType) -> dict[str, Any]:
    # The encrypted provider secrets never go into the audit log.
    return {name: getattr(service_type, name) for name in (*ServiceTypeInput.model_fields, "active")}


def find_service_types(
    session: Session, scope: TenantScope, actor: Actor, query: CatalogQuery
) -> list[ServiceTypeView]:
    """The admin's list, active and inactive, in catalog order, narrowed by `query`."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return [
        view
        for view in list_service_types(session, scope)
        if matches(query, view.active, view.key, view.name)
    ]
