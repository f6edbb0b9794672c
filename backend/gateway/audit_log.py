"""The admin's audit log page: the filtered log a page at a time, and the filters' choices."""

from __future__ import annotations

from backend.audit import browse
from backend.audit.schemas import AuditFilterChoices, AuditLogPage, AuditSearch
from backend.db import unit_of_work
from backend.gateway.admin_invoices import parse_day
from backend.gateway.units import actor, user_scope
from backend.kit.principals import SignedInUser


def audit_search(
    who: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: str = "",
    until: str = "",
) -> AuditSearch:
    """The filters from the page's form or the download's query; a malformed date is refused by field."""
    return browse.checked_search(
        who,
        action,
        object_type,
        object_id,
        parse_day(since, "since", "From"),
        parse_day(until, "until", "Until"),
    )


def audit_page(
    user: SignedInUser,
    search: AuditSearch,
    starting_after: int | None = None,
    ending_before: int | None = None,
) -> AuditLogPage:
    with unit_of_work() as session:
        return browse.audit_page(
            session,
            user_scope(user),
            actor(None, user),
            search,
            starting_after=starting_after,
            ending_before=ending_before,
        )


def filter_choices(user: SignedInUser) -> AuditFilterChoices:
    with unit_of_work() as session:
        return browse.filter_choices(session, user_scope(user), actor(None, user))
