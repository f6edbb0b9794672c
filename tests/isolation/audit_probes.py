"""The isolation table of the admin's audit log page: the filtered pages, the filters' choices,
the CSV export and its audit entry, and the repository methods behind them.

Searches name an object of A (its past-due subscription, which has entries in A's log) or A's admin:
B, whose log holds entries of its own, must find none of them; A's own search finds them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.audit import browse
from backend.audit.repository import AuditFilter, AuditLogRepository
from backend.audit.schemas import AuditSearch
from backend.models import AuditLogEntry, Subscription
from tests.isolation.probes import Probe, nothing
from tests.isolation.repository_probes import R, row
from tests.isolation.service_probes import S
from tests.isolation.world import Side


def _object_of_a(session: Session, a: Side) -> dict[str, str]:
    return {"object_type": "subscription", "object_id": row(session, Subscription, a.past_due_sub).number}


def _search(session: Session, a: Side) -> AuditSearch:
    return AuditSearch(**_object_of_a(session, a))


def _filter(session: Session, a: Side) -> AuditFilter:
    return AuditFilter(**_object_of_a(session, a))


def _actions_of_b(result: list[Any], b: Side, session: Session) -> None:
    """Exactly the actions B's own log holds (read here without the repository), as strings or choices."""
    own = set(session.scalars(select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == b.tenant_id)))
    assert {getattr(item, "value", item) for item in result} == own, f"tenant B got actions {result!r}"


def _object_types_of_b(result: list[str], b: Side, session: Session) -> None:
    statement = select(AuditLogEntry.object_type).where(
        AuditLogEntry.tenant_id == b.tenant_id, AuditLogEntry.object_type != ""
    )
    assert set(result) == set(session.scalars(statement)), f"tenant B got object types {result!r}"


AUDIT_PROBES: list[Probe] = [
    S(
        browse.audit_page,
        lambda s, me, a: browse.audit_page(s, me.scope, me.actor, _search(s, a)).rows,
        nothing,
    ),
    S(
        browse.audit_page,
        lambda s, me, a: browse.audit_page(s, me.scope, me.actor, AuditSearch(who=a.admin.email)).rows,
        nothing,
        label="by A's admin",
    ),
    S(
        browse.filter_choices,
        lambda s, me, a: browse.filter_choices(s, me.scope, me.actor).actions,
        _actions_of_b,
    ),
    # header line left out: the lines of the entries about A's object
    S(
        browse.csv_lines,
        lambda s, me, a: list(browse.csv_lines(s, me.scope, me.actor, _search(s, a)))[1:],
        nothing,
    ),
    # writes B's own entry only (A's rows are compared before and after); no filter is involved
    S(
        browse.record_export,
        lambda s, me, a: browse.record_export(s, me.scope, me.actor, _search(s, a)),
        nothing,
        filtered=False,
    ),
]
AUDIT_REPOSITORY_PROBES: list[Probe] = [
    R(AuditLogRepository.count_matching, lambda s, me, a: (_filter(s, a),)),
    R(AuditLogRepository.matching_page, lambda s, me, a: {"wanted": _filter(s, a), "limit": 10}),
    R(
        AuditLogRepository.matching_page,
        lambda s, me, a: {"wanted": AuditFilter(actor=a.admin.email), "limit": 10, "ending_before": 0},
        label="newer than a cursor, by A's admin",
    ),
    # a generator: read to the end, so A's own call shows what it reaches
    Probe(
        AuditLogRepository.all_matching,
        lambda s, me, a: list(AuditLogRepository(s, me.scope).all_matching(_filter(s, a), batch=2)),
        nothing,
    ),
    R(AuditLogRepository.actions, expect=_actions_of_b),
    R(AuditLogRepository.object_types, expect=_object_types_of_b),
]
