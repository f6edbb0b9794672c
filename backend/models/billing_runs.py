"""Billing runs: an admin's "bill now" for one customer or all, done by a job that reports progress."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.types import enum_type


class BillingRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BillingRunScope(StrEnum):
    CUSTOMER = "customer"
    ALL = "all"


class BillingRun(SQLModel, table=True):
    """One "bill now": which customers it bills (fixed when it starts), how far it got and what it
    issued. Each customer is billed and counted in one transaction, so a retried run continues
    after the last customer it finished and never counts one twice."""

    __tablename__ = "billing_runs"
    __table_args__ = (
        # The coordinator's query: the runs still waiting for a worker.
        Index(None, "tenant_id", "status"),
        CheckConstraint("done <= total", name="progress_bounded"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    scope: BillingRunScope = Field(sa_type=enum_type(BillingRunScope))
    customer_account_id: int | None = fk("customer_accounts.id", nullable=True, ondelete="CASCADE")
    status: BillingRunStatus = Field(default=BillingRunStatus.QUEUED, sa_type=enum_type(BillingRunStatus))
    requested_by_user_id: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    # The customer ids to bill, in order; fixed when the run starts.
    customer_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total: int = 0
    done: int = 0
    issued: int = 0
    skipped_below_minimum: int = 0
    errors: int = 0
    # Invoice numbers issued and the last error, for the summary.
    invoice_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = created_at()
    started_at: datetime | None = timestamp()
    finished_at: datetime | None = timestamp()
