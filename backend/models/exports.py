"""CSV exports an admin ran as a job: what, for which days, how far it got and where the file is."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Index
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.types import enum_type


class ExportKind(StrEnum):
    INVOICES = "invoices"
    CREDIT_NOTES = "credit_notes"
    PAYMENTS = "payments"
    CUSTOMERS = "customers"
    SUBSCRIPTIONS = "subscriptions"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(SQLModel, table=True):
    """One export as a job. `done` counts the rows written so far, `total` the rows the range held
    when the job started (rows added meanwhile may make `done` pass it; the file has what the
    query read)."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        # The coordinator's query (jobs waiting for a worker) and the page's newest jobs.
        Index(None, "tenant_id", "status"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    kind: ExportKind = Field(sa_type=enum_type(ExportKind))
    # Days in UTC: from inclusive, to exclusive.
    range_from: date = Field(sa_column=Column(Date, nullable=False))
    range_to: date = Field(sa_column=Column(Date, nullable=False))
    status: ExportStatus = Field(default=ExportStatus.QUEUED, sa_type=enum_type(ExportStatus))
    requested_by_user_id: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    total: int = 0
    done: int = 0
    # Relative to EXPORT_STORAGE_PATH; set when the file is complete.
    file_key: str = Field(default="", max_length=300)
    file_bytes: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = created_at()
    started_at: datetime | None = timestamp()
    finished_at: datetime | None = timestamp()
