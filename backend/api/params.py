"""Parameters every route shares: bounded ids, and cursor pagination (docs/api.md).

Ids are positive 64-bit integers, as the database stores them: anything else is a 422 with the
field named, never a query that overflows in the driver (a 500).
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel

from backend.kit.pagination import Page as PageOfItems

MAX_ID = 2**63 - 1
MAX_LIMIT = 100
T = TypeVar("T")

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive 64-bit id")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}")]
StartingAfter = Annotated[
    int | None,
    Query(ge=1, le=MAX_ID, description="The id of the last item of the previous page (the cursor)"),
]


class Page(BaseModel, Generic[T]):
    """A list response: `data` in the list's order, `has_more` when another page follows. The next
    page is asked for with `starting_after` = the id of the last item of `data`."""

    data: list[T]
    has_more: bool

    @classmethod
    def of(cls, page: PageOfItems[T]) -> Page[T]:
        return cls(data=page.items, has_more=page.has_more)
