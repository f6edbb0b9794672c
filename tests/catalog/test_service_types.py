"""Service types: keys unique per tenant, config schemas, deactivation and its effect on plans."""

from __future__ import annotations

from sqlmodel import Session

from backend.catalog import service_types
from backend.catalog.schemas import (
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.kit.repository import TenantScope
from tests.catalog.support import (
    CLOUD_SCHEMA,
    admin,
    assert_refused,
    audit_entries,
    tenant_scope,
)

# ---------------------------------------------------------------------------------------------
# Service types


def test_create_service_type_normalizes_the_key_and_audits(session: Session, scope: TenantScope) -> None:
    service_type = service_types.create_service_type(
        session,
        scope,
        ServiceTypeInput(
            key=" Cloud-Server ", name="Cloud Server", provider="simulated", config_schema=CLOUD_SCHEMA
        ),
        admin(scope),
    )
    assert (service_type.key, service_type.provider, service_type.active) == (
        "cloud-server",
        "simulated",
        True,
    )
    (entry,) = audit_entries(session, scope, "service_type.created")
    assert entry.object_type == "service_type" and entry.object_id == str(service_type.id)
    assert entry.before is None and entry.after is not None
    assert entry.after["key"] == "cloud-server" and "provider_secrets_encrypted" not in entry.after
    assert entry.ip_address == "192.0.2.10"


def test_service_type_key_is_unique_in_the_tenant(session: Session, scope: TenantScope) -> None:
    service_types.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud"), admin(scope)
    )
    assert_refused(
        session,
        scope,
        lambda: service_types.create_service_type(
            session, scope, ServiceTypeInput(key="CLOUD", name="Other"), admin(scope)
        ),
        "Key: a service type with key 'cloud' already exists.",
    )
    other = tenant_scope(session, "catalog-other")
    assert service_types.create_service_type(
        session, other, ServiceTypeInput(key="cloud", name="Cloud"), admin(other)
    ).id


def test_service_type_with_a_non_object_config_schema_is_refused(
    session: Session, scope: TenantScope
) -> None:
    assert_refused(
        session,
        scope,
        lambda: service_types.create_service_type(
            session, scope, ServiceTypeInput(key="x", name="X", config_schema={"type": "array"}), admin(scope)
        ),
        "Config schema must be a JSON schema of type 'object'",
    )


def test_update_and_deactivate_a_service_type(session: Session, scope: TenantScope) -> None:
    service_type = service_types.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud"), admin(scope)
    )
    assert service_type.id is not None
    service_types.update_service_type(
        session, scope, service_type.id, ServiceTypeUpdate(name="Cloud Servers"), admin(scope)
    )
    (entry,) = audit_entries(session, scope, "service_type.updated")
    assert (entry.before, entry.after) == ({"name": "Cloud"}, {"name": "Cloud Servers"})
    service_types.deactivate_service_type(session, scope, service_type.id, admin(scope))
    assert not service_type.active
    assert [view.key for view in service_types.list_service_types(session, scope, active_only=True)] == []
    assert [view.key for view in service_types.list_service_types(session, scope)] == ["cloud"]
    service_types.reactivate_service_type(session, scope, service_type.id, admin(scope))
    assert service_type.active
