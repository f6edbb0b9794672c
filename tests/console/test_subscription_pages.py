"""What the plans and subscriptions pages read, on the demo as of `DEMO_AS_OF` (12 Nov 2026 10:00
UTC): the customer's own subscriptions only, and previews that change nothing.

Erika has three subscriptions: SUB-000001 (Cloud Server CX22), SUB-000002 (Web Hosting Pro, its
period 3 Nov 10:05 – 3 Dec 10:05 Berlin time, charged in advance) and SUB-000007 (a CX22 trial);
SUB-000003 is the business customer's support retainer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.audit.service import Actor
from backend.kit.errors import NotFoundError
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, OpenPosition, Subscription, SubscriptionStatus
from backend.reporting import subscriptions as reads
from backend.subscriptions import previews
from backend.subscriptions.errors import SubscriptionAlreadyEnding
from backend.tenancy.service import scope_for_slug
from billing_console.state.subscriptions import page_number
from tests.conftest import DEMO_AS_OF


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


def _subscription(session: Session, scope: TenantScope, number: str) -> Subscription:
    statement = select(Subscription).where(
        Subscription.tenant_id == scope.tenant_id, Subscription.number == number
    )
    found = session.scalars(statement).first()
    assert found is not None
    return found


def _counts(session: Session) -> tuple[int, int]:
    return (
        int(session.scalar(select(func.count()).select_from(AuditLogEntry)) or 0),
        int(session.scalar(select(func.count()).select_from(OpenPosition)) or 0),
    )


def test_the_list_pages_only_the_customers_own_subscriptions(
    demo_session: Session, scope: TenantScope
) -> None:
    erika = _subscription(demo_session, scope, "SUB-000002").customer_account_id
    first = reads.customer_subscriptions(demo_session, scope, erika, page=1, per_page=2)
    assert (first.total, first.page, first.page_count) == (3, 1, 2)
    assert [s.number for s in first.subscriptions] == ["SUB-000007", "SUB-000002"]
    last = reads.customer_subscriptions(demo_session, scope, erika, page=99, per_page=2)
    assert (last.page, [s.number for s in last.subscriptions]) == (2, ["SUB-000001"])


def test_another_customers_number_is_not_found(demo_session: Session, scope: TenantScope) -> None:
    erika = _subscription(demo_session, scope, "SUB-000002").customer_account_id
    with pytest.raises(NotFoundError):
        reads.subscription_detail(demo_session, scope, erika, "SUB-000003")


def test_the_detail_shows_terms_and_the_next_charge_in_the_tenants_time(
    demo_session: Session, scope: TenantScope
) -> None:
    hosting = _subscription(demo_session, scope, "SUB-000002")
    detail = reads.subscription_detail(demo_session, scope, hosting.customer_account_id, "SUB-000002")
    assert (detail.plan_name, detail.price, detail.status) == (
        "Web Hosting Pro",
        "19.90 EUR / month",
        "active",
    )
    assert detail.current_period == "2026-11-03 – 2026-12-03"
    assert (detail.trial_end, detail.commitment_end, detail.cancel_effective) == ("", "", "")
    upcoming = previews.preview_next_charge(demo_session, scope, detail.id)
    # The next month of Pro, charged in advance when the period ends at 10:05 Berlin (09:05 UTC).
    assert upcoming == previews.NextCharge(datetime(2026, 12, 3, 9, 5, tzinfo=UTC), "EUR", Decimal("19.90"))


def test_the_cancel_preview_says_when_and_changes_nothing(demo_session: Session, scope: TenantScope) -> None:
    hosting = _subscription(demo_session, scope, "SUB-000002")
    erika = Actor.customer(scope.tenant_id, hosting.customer_account_id)
    before = _counts(demo_session)
    with clock.frozen(DEMO_AS_OF):
        preview = previews.preview_cancel(demo_session, scope, erika, hosting.id or 0, clock.now())
    assert preview.effective_at == datetime(2026, 12, 3, 9, 5, tzinfo=UTC)
    assert not preview.in_trial
    assert _counts(demo_session) == before
    assert _subscription(demo_session, scope, "SUB-000002").status == SubscriptionStatus.ACTIVE


def test_a_refused_cancellation_is_previewed_as_the_engines_refusal(
    demo_session: Session, scope: TenantScope
) -> None:
    retainer = _subscription(demo_session, scope, "SUB-000003")  # canceled ten days ago, ends later
    nordwind = Actor.customer(scope.tenant_id, retainer.customer_account_id)
    with clock.frozen(DEMO_AS_OF), pytest.raises(SubscriptionAlreadyEnding, match="already ends on"):
        previews.preview_cancel(demo_session, scope, nordwind, retainer.id or 0, clock.now())


@pytest.mark.parametrize(("sent", "page"), [("2", 2), ("", 1), ("0", 1), ("-3", 1), ("x", 1), ("9" * 30, 1)])
def test_a_page_number_from_the_browser_is_checked(sent: str, page: int) -> None:
    assert page_number(sent) == page
