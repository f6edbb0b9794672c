"""Tenant scoping, in one place.

Every tenant-owned query goes through a `TenantRepository`, which adds `tenant_id = scope` to each
statement it builds and refuses to write a row that belongs to another tenant. A row of another
tenant is simply not found: callers can never tell it exists. Methods that write rows they are
handed (not rows they looked up themselves) check them with `check_owned` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Delete, Select, Update, func, select
from sqlmodel import Session, SQLModel

from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page


class CrossTenantWrite(PermissionError):
    """A write tried to put a row into a tenant other than the repository's scope."""


@dataclass(frozen=True, slots=True)
class TenantScope:
    tenant_id: int

    def __post_init__(self) -> None:
        if not isinstance(self.tenant_id, int) or self.tenant_id <= 0:
            raise ValueError("a tenant scope needs a positive tenant id")


M = TypeVar("M", bound=SQLModel)
Statement = TypeVar("Statement", Select[Any], Update, Delete)


class TenantRepository(Generic[M]):
    model: ClassVar[type[Any]]

    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    def scoped(self, statement: Statement, *models: type[Any], own_model: bool = True) -> Statement:
        """Restrict `statement` (a SELECT, or a set-based UPDATE or DELETE of the repository's
        model) to this tenant for the repository's model and any joined `models`. A query of this
        domain over another domain's table only (`own_model=False`) names that table in `models`."""
        for model in ((self.model,) if own_model else ()) + models:
            statement = statement.where(model.tenant_id == self.scope.tenant_id)
        return statement

    def select(self) -> Select[Any]:
        return self.scoped(select(self.model))

    def get(self, object_id: int) -> M | None:
        return self.session.scalars(self.select().where(self.model.id == object_id)).first()

    def get_or_raise(self, object_id: int) -> M:
        """The row, or `NotFoundError` when it does not exist in this tenant (whether or not it
        exists elsewhere)."""
        found = self.get(object_id)
        if found is None:
            raise NotFoundError(f"{self.model.__name__} {object_id} not found")
        return found

    def list(self, *, limit: int = 100, offset: int = 0) -> list[M]:
        statement = self.select().order_by(self.model.id).limit(limit).offset(offset)
        return list(self.session.scalars(statement))

    def page(self, *, limit: int, starting_after: int | None = None, newest_first: bool = False) -> Page[M]:
        """Up to `limit` rows after the row `starting_after` (by id; "after" is "older" when
        `newest_first`); the id need not exist."""
        return self._page(
            self.select(), limit=limit, starting_after=starting_after, newest_first=newest_first
        )

    def _page(
        self, statement: Select[Any], *, limit: int, starting_after: int | None, newest_first: bool
    ) -> Page[M]:
        """A page of `statement` (already scoped): keyset on the id, one row more to see if more follow."""
        key = self.model.id
        if starting_after is not None:
            statement = statement.where(key < starting_after if newest_first else key > starting_after)
        statement = statement.order_by(key.desc() if newest_first else key).limit(limit + 1)
        rows = list(self.session.scalars(statement))
        return Page(rows[:limit], len(rows) > limit)

    def count(self) -> int:
        statement = self.scoped(select(func.count()).select_from(self.model))
        return int(self.session.scalar(statement) or 0)

    def add(self, row: M) -> M:
        current = getattr(row, "tenant_id", None)
        if current is None:
            row.tenant_id = self.scope.tenant_id  # type: ignore[attr-defined]
        elif current != self.scope.tenant_id:
            raise CrossTenantWrite(f"{self.model.__name__} belongs to another tenant")
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: M) -> None:
        self.check_owned([row])
        self.session.delete(row)
        self.session.flush()

    def check_owned(self, rows: Iterable[Any]) -> None:
        """Refuse rows of another tenant before writing anything: a write through this repository
        never touches them, even when a caller hands it such a row."""
        for row in rows:
            if getattr(row, "tenant_id", None) != self.scope.tenant_id:
                raise CrossTenantWrite(f"{type(row).__name__} belongs to another tenant")
