"""Provisioning's objects in a side of the isolation world: a Hetzner service type, a running server on
the side's active subscription (with its sealed key and an open backorder), and a failed one. Made on
demand (by `prepare` of the policy rows and by the probes), once per side and session."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.service import Actor
from backend.models import Backorder, Plan, ProviderKind, ProvisioningLogEntry, ServiceType, SubscriptionItem
from backend.models.enums import ItemStatus, PowerState
from backend.provisioning import keys
from backend.provisioning.providers import seal_token
from tests.isolation.world import NOW, Side


def owner_of(side: Side) -> Actor:
    """The side's first customer (Alice in A), owner of its account."""
    return Actor.customer(side.tenant_id, side.customer_id, user_id=side.user_id)


def cloud_service_type(session: Session, side: Side) -> int:
    found = session.scalars(
        select(ServiceType.id).where(
            ServiceType.tenant_id == side.tenant_id, ServiceType.key == "cloud-probe"
        )
    ).first()
    if found is not None:
        return found
    row = ServiceType(
        tenant_id=side.tenant_id, key="cloud-probe", name="Cloud", provider=ProviderKind.HETZNER
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    # a token of its own: its provider opens without the deployment's (nothing is ever called)
    row.provider_secrets_encrypted = seal_token(row, "hz-probe-token")
    session.flush()
    return row.id


def cloud_plan(session: Session, side: Side) -> int:
    """A plan of the cloud service type (never ordered here)."""
    found = session.scalars(
        select(Plan.id).where(Plan.tenant_id == side.tenant_id, Plan.key == "cloud-probe")
    ).first()
    if found is not None:
        return found
    plan = Plan(
        tenant_id=side.tenant_id,
        key="cloud-probe",
        name="Cloud",
        base_price=Decimal("10.00"),
        service_type_id=cloud_service_type(session, side),
        allowed_options={"server_type": ["cx22"], "location": ["fsn1"]},
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    return plan.id


def _server(session: Session, side: Side, hostname: str, status: ItemStatus) -> int:
    found = session.scalars(
        select(SubscriptionItem.id).where(
            SubscriptionItem.tenant_id == side.tenant_id, SubscriptionItem.hostname == hostname
        )
    ).first()
    if found is not None:
        return found
    item = SubscriptionItem(
        tenant_id=side.tenant_id,
        subscription_id=side.active_sub,
        provider=ProviderKind.HETZNER,
        service_type_id=cloud_service_type(session, side),
        hostname=hostname,
        server_type="cx22",
        location="fsn1",
        image="ubuntu-24.04",
        status=status,
        power_state=PowerState.RUNNING if status == ItemStatus.ACTIVE else PowerState.UNKNOWN,
        provider_ref="4711" if status == ItemStatus.ACTIVE else "",
        failure_reason="invalid_input" if status == ItemStatus.FAILED else "",
        # the failed one was also stopped by dunning: unsuspending the subscription starts it again
        suspended_at=NOW if status == ItemStatus.FAILED else None,
        created_at=NOW,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    pair = keys.new_key_pair(hostname)
    item.ssh_public_key = pair.public_key
    item.ssh_private_key_encrypted = keys.seal(pair.private_key, side.tenant_id, item.id)
    session.flush()
    return item.id


def server(session: Session, side: Side) -> int:
    """The side's running server, with an open backorder (cancelable)."""
    item_id = _server(session, side, f"srv-{side.tenant_id}.probe", ItemStatus.ACTIVE)
    if session.scalars(select(Backorder.id).where(Backorder.item_id == item_id)).first() is None:
        session.add(
            Backorder(
                tenant_id=side.tenant_id, subscription_id=side.active_sub, item_id=item_id, created_at=NOW
            )
        )
        session.flush()
    return item_id


def failed_server(session: Session, side: Side) -> int:
    return _server(session, side, f"failed-{side.tenant_id}.probe", ItemStatus.FAILED)


def backorder(session: Session, side: Side) -> int:
    item_id = server(session, side)
    found = session.scalars(select(Backorder.id).where(Backorder.item_id == item_id)).one()
    return found


def pending_server(session: Session, side: Side) -> int:
    """Ordered, not created yet: the provisioning unit has work for it."""
    return _server(session, side, f"pending-{side.tenant_id}.probe", ItemStatus.PENDING)


def prepare(session: Session, side: Side) -> None:
    cloud_plan(session, side)
    item_id = server(session, side)
    failed_server(session, side)
    pending_server(session, side)
    if (
        session.scalars(
            select(ProvisioningLogEntry.id).where(ProvisioningLogEntry.item_id == item_id)
        ).first()
        is None
    ):
        session.add(ProvisioningLogEntry(tenant_id=side.tenant_id, item_id=item_id, event="create", at=NOW))
        session.flush()
