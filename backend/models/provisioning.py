"""Provisioning: backorders, the provisioning log of each server, and the simulated provider's servers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.enums import BackorderStatus
from backend.models.types import enum_type


class Backorder(SQLModel, table=True):
    """An order whose server could not be created yet (no capacity): retried until fulfilled or canceled."""

    __tablename__ = "backorders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "item_id"),
        Index(None, "tenant_id", "status", "next_attempt_at"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    subscription_id: int = fk("subscriptions.id", ondelete="CASCADE")
    item_id: int = fk("subscription_items.id", ondelete="CASCADE")
    status: BackorderStatus = Field(default=BackorderStatus.OPEN, sa_type=enum_type(BackorderStatus))
    reason: str = Field(default="", max_length=500)
    attempts: int = 0
    next_attempt_at: datetime | None = timestamp()
    created_at: datetime = created_at()
    fulfilled_at: datetime | None = timestamp()
    canceled_at: datetime | None = timestamp()


class ProvisioningLogEntry(SQLModel, table=True):
    """One step of a server's life as the provisioning unit saw it (created, running, failed, ...)."""

    __tablename__ = "provisioning_log_entries"
    __table_args__ = (Index(None, "tenant_id", "item_id", "id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    item_id: int = fk("subscription_items.id", ondelete="CASCADE")
    at: datetime = created_at()
    # A short machine word: "availability", "backordered", "create", "running", "failed", "retry",
    # "start", "stop", "reboot", "suspend", "resume", "delete", "key_revealed".
    event: str = Field(max_length=32)
    message: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # "customer", "admin", "system" or "dunning": who caused it.
    actor: str = Field(default="system", max_length=20)


class SimulatedServer(SQLModel, table=True):
    """A server of the simulated provider (demo and local runs): it lives in the database and boots
    in seconds on the shared clock. `account` is the provider token it was created with, as Hetzner
    projects are: a token sees only its own servers."""

    __tablename__ = "simulated_servers"
    __table_args__ = (UniqueConstraint("account", "name"),)

    id: int | None = id_field()
    account: str = Field(max_length=64)
    name: str = Field(max_length=253)
    server_type: str = Field(max_length=64)
    location: str = Field(max_length=64)
    image: str = Field(default="", max_length=100)
    # "initializing", "starting", "running", "stopping", "off", "deleting" (Hetzner's words).
    status: str = Field(default="initializing", max_length=16)
    # When the current transition (boot, start, stop, reboot) completes.
    ready_at: datetime | None = timestamp()
    ipv4: str = Field(default="", max_length=15)
    ipv6: str = Field(default="", max_length=45)
    labels: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at()
