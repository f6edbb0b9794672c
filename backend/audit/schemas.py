"""What the audit log page and the API receive about entries, and the page's filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    id: int
    created_at: datetime
    actor_user_id: int | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip_address: str


@dataclass(frozen=True, slots=True)
class AuditSearch:
    """The audit log page's filters as the admin typed them; empty matches everything. Dates are
    days in the tenant's time zone, both included."""

    who: str = ""  # part of the acting user's email or name
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of an entry's before/after: `kind` is "changed", "added" (only after) or
    "removed" (only before); values are shown as text ("" when absent)."""

    name: str  # as stored, e.g. "balance_due"
    label: str  # in words, e.g. "Balance due"
    kind: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry as the admin's audit log page shows it, its time on the tenant's wall clock."""

    id: int
    when: str  # "2026-12-01 09:30:12"
    actor: str  # the acting user's email, or "System"
    action: str  # as stored, e.g. "invoice.void"
    action_words: str  # e.g. "Invoice voided"
    object_type: str
    object_words: str  # e.g. "Invoice"
    object_id: str
    ip_address: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AuditLogPage:
    """A page of the filtered log, newest first, with whether older and newer entries exist."""

    rows: list[AuditRow]
    total: int  # entries matching the filters
    has_older: bool
    has_newer: bool
    time_zone: str


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class AuditFilterChoices:
    """What the action and object filters offer: what the tenant's log holds, in words."""

    actions: list[Choice]
    object_types: list[Choice]
