"""A page of a list: what repositories, services, pages and the API pass around (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Up to `limit` items in id order after a cursor, and whether more follow."""

    items: list[T]
    has_more: bool

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self.items], self.has_more)
