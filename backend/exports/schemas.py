"""What the exports hand out: the kinds with their names, a job's progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backend.models import ExportKind

KIND_NAMES: dict[ExportKind, str] = {
    ExportKind.INVOICES: "Invoices",
    ExportKind.CREDIT_NOTES: "Credit notes",
    ExportKind.PAYMENTS: "Payments",
    ExportKind.CUSTOMERS: "Customers",
    ExportKind.SUBSCRIPTIONS: "Subscriptions",
}


@dataclass(frozen=True, slots=True)
class ExportJobView:
    job_id: int
    kind: str
    range_from: date  # inclusive, UTC
    range_to: date  # exclusive, UTC
    status: str  # queued, running, done, failed
    done: int
    total: int
    file_bytes: int
    last_error: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def filename(self) -> str:
        return export_filename(self.kind, self.range_from, self.range_to)


def export_filename(kind: str, range_from: date, range_to: date) -> str:
    """`invoices-2026-01-01-to-2026-02-01.csv`: the days of the range, the last one excluded."""
    return f"{kind.replace('_', '-')}-{range_from.isoformat()}-to-{range_to.isoformat()}.csv"
