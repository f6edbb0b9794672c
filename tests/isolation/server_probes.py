"""Provisioning's objects in a side of the isolation world: a Hetzner service type, a running server on
the side's active subscription (with its sealed key and an open backorder), and a failed one. Made on
demand (by `prepare` of the policy rows and by the probes), once per side and session."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from backend.models import Backorder, ProviderKind, ServiceType, SubscriptionItem
from backend.models.enums import ItemStatus, PowerState
from backend.provisioning import keys
from tests.isolation.world import NOW, Side


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
    return row.id


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


def prepare(session: Session, side: Side) -> None:
    server(session, side)
    failed_server(session, side)
