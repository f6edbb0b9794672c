"""Subscriptions, their addons and the resources provisioned for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.enums import ItemStatus, PowerState, ProviderKind, SubscriptionStatus
from backend.models.types import enum_type

_LIVE = text("status <> 'deprovisioned'")


class Subscription(SQLModel, table=True):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "customer_account_id"),
        # The billing coordinator's query: due subscriptions of a tenant.
        Index(None, "tenant_id", "status", "next_billing_at"),
        Index(None, "tenant_id", "plan_id"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    number: str = Field(max_length=32)
    customer_account_id: int = fk("customer_accounts.id")
    plan_id: int = fk("plans.id")
    status: SubscriptionStatus = Field(sa_type=enum_type(SubscriptionStatus))
    current_period_start: datetime | None = timestamp()
    current_period_end: datetime | None = timestamp()
    next_billing_at: datetime | None = timestamp()
    # What the customer chose when ordering, copied so later catalog edits do not change it.
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    plan_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    promotion_id: int | None = fk("promotions.id", nullable=True)
    trial_end: datetime | None = timestamp()
    started_at: datetime | None = timestamp()
    # Periods are computed from the anchor (index 0 starts there), so "monthly on the 31st" returns
    # to the 31st after February instead of drifting to the 28th.
    anchor_at: datetime | None = timestamp()
    period_index: int = 0
    suspended_at: datetime | None = timestamp()
    withdrawn_at: datetime | None = timestamp()
    cancel_requested_at: datetime | None = timestamp()
    cancel_effective_at: datetime | None = timestamp()
    canceled_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class SubscriptionAddon(SQLModel, table=True):
    __tablename__ = "subscription_addons"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    subscription_id: int = fk("subscriptions.id", ondelete="CASCADE", index=True)
    addon_id: int = fk("addons.id")
    quantity: int = 1
    added_at: datetime = created_at()
    removed_at: datetime | None = timestamp()


class SubscriptionItem(SQLModel, table=True):
    """A provisioned resource (server) belonging to a subscription."""

    __tablename__ = "subscription_items"
    __table_args__ = (
        Index(None, "tenant_id", "subscription_id"),
        Index(None, "tenant_id", "status"),
        # A hostname is reserved by at most one live resource of a tenant.
        Index(
            "uq_subscription_items_live_hostname",
            "tenant_id",
            "hostname",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    subscription_id: int = fk("subscriptions.id", ondelete="CASCADE")
    provider: ProviderKind = Field(sa_type=enum_type(ProviderKind))
    # The service type whose provider (and token) runs it; null for the demo's rows of old.
    service_type_id: int | None = fk("service_types.id", nullable=True)
    provider_ref: str = Field(default="", max_length=100)
    # What was ordered (a snapshot: later catalog edits do not move a server).
    server_type: str = Field(default="", max_length=64)
    location: str = Field(default="", max_length=64)
    image: str = Field(default="", max_length=100)
    ssh_public_key: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The provisioning unit's schedule: when to look at this item again, and how often it tried.
    attempts: int = 0
    next_attempt_at: datetime | None = timestamp()
    # A power action asked for and not yet done (ServerAction value, or "" for none).
    pending_action: str = Field(default="", max_length=16)
    # Set while dunning keeps the server stopped; payment clears it and starts the server.
    suspended_at: datetime | None = timestamp()
    status_checked_at: datetime | None = timestamp()
    deprovisioned_at: datetime | None = timestamp()
    hostname: str = Field(max_length=253)
    ipv4: str = Field(default="", max_length=15)
    ipv6: str = Field(default="", max_length=45)
    status: ItemStatus = Field(default=ItemStatus.PENDING, sa_type=enum_type(ItemStatus))
    power_state: PowerState = Field(default=PowerState.UNKNOWN, sa_type=enum_type(PowerState))
    failure_reason: str = Field(default="")
    ssh_private_key_encrypted: str = Field(default="")
    ssh_key_revealed_at: datetime | None = timestamp()
    provisioning_log: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    activated_at: datetime | None = timestamp()
    created_at: datetime = created_at()
