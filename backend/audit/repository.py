"""The audit log (append-only, tenant-scoped)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.kit.text import contains_pattern
from backend.models import AuditLogEntry, User

# An entry with the email and name of the user who acted ("" for the system or a deleted user).
EntryWithActor = tuple[AuditLogEntry, str, str]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries the admin's audit log page shows; an empty field matches every entry."""

    actor: str = ""  # part of the acting user's email or name, case-insensitive
    action: str = ""  # one action, exactly ("invoice.void")
    object_type: str = ""  # exactly ("invoice")
    object_id: str = ""  # exactly ("INV-2026-000001")
    since: datetime | None = None  # entries at or after
    until: datetime | None = None  # entries before


class AuditLogRepository(TenantRepository[AuditLogEntry]):
    model = AuditLogEntry

    def entries(
        self, *, limit: int, starting_after: int | None = None, object_type: str = "", object_id: str = ""
    ) -> Page[AuditLogEntry]:
        """Newest first, older than `starting_after`; optionally for one object type or one object."""
        statement = self.select()
        if object_type:
            statement = statement.where(AuditLogEntry.object_type == object_type)
        if object_id:
            statement = statement.where(AuditLogEntry.object_id == object_id)
        return self._page(statement, limit=limit, starting_after=starting_after, newest_first=True)

    def _matching(self, wanted: AuditFilter, *columns: Any) -> Any:
        # The actor is joined in the ON clause (with the tenant), so entries without a user stay.
        actor = and_(User.id == AuditLogEntry.actor_user_id, User.tenant_id == AuditLogEntry.tenant_id)
        statement = self.scoped(select(*columns).select_from(AuditLogEntry).outerjoin(User, actor))
        if wanted.actor:
            pattern = contains_pattern(wanted.actor)
            statement = statement.where(
                or_(
                    func.lower(User.email).like(pattern, escape="\\"),
                    func.lower(User.display_name).like(pattern, escape="\\"),
                )
            )
        if wanted.action:
            statement = statement.where(AuditLogEntry.action == wanted.action)
        if wanted.object_type:
            statement = statement.where(AuditLogEntry.object_type == wanted.object_type)
        if wanted.object_id:
            statement = statement.where(AuditLogEntry.object_id == wanted.object_id)
        if wanted.since is not None:
            statement = statement.where(AuditLogEntry.created_at >= wanted.since)
        if wanted.until is not None:
            statement = statement.where(AuditLogEntry.created_at < wanted.until)
        return statement

    def count_matching(self, wanted: AuditFilter) -> int:
        return int(self.session.scalar(self._matching(wanted, func.count())) or 0)

    def matching_page(
        self,
        wanted: AuditFilter,
        *,
        limit: int,
        starting_after: int | None = None,
        ending_before: int | None = None,
    ) -> Page[EntryWithActor]:
        """Matching entries newest first: older than `starting_after`, or the `limit` entries just
        newer than `ending_before` (a page back towards the newest); `has_more` says whether more
        follow in that direction. Keyset on the id, so entries arriving meanwhile shift nothing."""
        statement = self._matching(wanted, AuditLogEntry, User.email, User.display_name)
        key = AuditLogEntry.id
        if ending_before is not None:
            statement = statement.where(key > ending_before).order_by(key).limit(limit + 1)
            rows = [self._with_actor(row) for row in self.session.execute(statement)]
            return Page(list(reversed(rows[:limit])), len(rows) > limit)
        if starting_after is not None:
            statement = statement.where(key < starting_after)
        statement = statement.order_by(key.desc()).limit(limit + 1)
        rows = [self._with_actor(row) for row in self.session.execute(statement)]
        return Page(rows[:limit], len(rows) > limit)

    def all_matching(self, wanted: AuditFilter, *, batch: int = 1000) -> Iterator[EntryWithActor]:
        """Every matching entry newest first, fetched `batch` rows at a time (keyset), so an export
        of the whole log never holds it in memory."""
        before: int | None = None
        while True:
            found = self.matching_page(wanted, limit=batch, starting_after=before)
            yield from found.items
            if not found.has_more:
                return
            before = found.items[-1][0].id

    def actions(self) -> list[str]:
        """The actions the tenant's log holds, each once, alphabetically."""
        statement = self.scoped(select(AuditLogEntry.action).distinct().order_by(AuditLogEntry.action))
        return list(self.session.scalars(statement))

    def object_types(self) -> list[str]:
        """The object types the tenant's log names, each once, alphabetically."""
        statement = self.scoped(
            select(AuditLogEntry.object_type)
            .where(AuditLogEntry.object_type != "")
            .distinct()
            .order_by(AuditLogEntry.object_type)
        )
        return list(self.session.scalars(statement))

    @staticmethod
    def _with_actor(row: Any) -> EntryWithActor:
        entry, email, name = row
        return entry, email or "", name or ""
