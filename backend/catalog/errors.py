"""Named errors of the catalog, each with the message its user reads."""

from __future__ import annotations

from backend.kit.errors import DomainError


class PlanInUse(DomainError):
    """The plan is still referenced (by subscriptions or promotions) and cannot be deleted."""
