"""What the admin's customer and subscription pages read, on the demo as of `DEMO_AS_OF`
(12 Nov 2026 10:00 UTC).

Erika (C-10001, private, Germany) has three subscriptions and these issued invoices (gross, EUR):
paid INV-2025-00001 15.89; INV-2026-00001/-00003/-00005/-00007/-00011 20.57 each; -00013 25.65;
-00015 32.47 and -00019 32.47; overdue -00017 32.47; issued -00021 32.47; -00009 is void.
Nordwind (C-10002, business, Sweden) has four: paid INV-2025-00002 160.06, INV-2026-00002/-00004/
-00006/-00008/-00010 64.29 each, -00012/-00014/-00018/-00020/-00022 54.39 each; overdue -00016 54.39.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, OpenPosition, Subscription, SubscriptionStatus
from backend.reporting import admin_subscriptions, customers
from backend.reporting.admin_schemas import CurrencyStanding
from backend.reporting.repository import SubscriptionFilter
from backend.subscriptions import previews
from backend.subscriptions.service import Lifecycle
from backend.tenancy.service import scope_for_slug
from tests.conftest import DEMO_AS_OF


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


@pytest.fixture
def admin(scope: TenantScope) -> Actor:
    return Actor.admin(scope.tenant_id, user_id=None)


def _id_of(session: Session, scope: TenantScope, number: str) -> int:
    found = customers.customer_list(session, scope, Actor.admin(scope.tenant_id), number).customers
    assert [c.number for c in found] == [number]
    return found[0].id


def test_the_standing_is_paid_open_and_overdue_as_summed_by_hand(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    erika = customers.customer_file(demo_session, scope, admin, _id_of(demo_session, scope, "C-10001"))
    # paid: 15.89 + 5 × 20.57 + 25.65 + 32.47 + 32.47 = 15.89 + 102.85 + 90.59 = 209.33
    # open: the overdue 32.47 + the issued 32.47 = 64.94
    assert erika.standing.by_currency == [CurrencyStanding("EUR", Decimal("209.33"), Decimal("64.94"), 2, 1)]
    assert (erika.standing.standing, erika.standing.overdue_invoices) == ("overdue", 1)
    nordwind = customers.customer_file(demo_session, scope, admin, _id_of(demo_session, scope, "C-10002"))
    # paid: 160.06 + 5 × 64.29 + 5 × 54.39 = 160.06 + 321.45 + 271.95 = 753.46; open: overdue 54.39
    assert nordwind.standing.by_currency == [
        CurrencyStanding("EUR", Decimal("753.46"), Decimal("54.39"), 1, 1)
    ]


def test_a_customer_file_has_profile_members_subscriptions_and_newest_invoices(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    erika = customers.customer_file(demo_session, scope, admin, _id_of(demo_session, scope, "C-10001"))
    assert erika.profile is not None and (erika.profile.country, erika.profile.email) == (
        "DE",
        "customer@demo.example",
    )
    assert [(m.email, m.role) for m in erika.members] == [("customer@demo.example", "owner")]
    assert [s.number for s in erika.subscriptions] == ["SUB-000007", "SUB-000002", "SUB-000001"]
    # 12 invoices issued to Erika (one void); the newest first
    assert erika.invoice_count == 12
    assert [(i.number, i.status) for i in erika.invoices[:3]] == [
        ("INV-2026-00021", "issued"),
        ("INV-2026-00019", "paid"),
        ("INV-2026-00017", "overdue"),
    ]


@pytest.mark.parametrize(
    ("search", "numbers"),
    [
        ("", ["C-10001", "C-10002"]),
        ("NORDWIND", ["C-10002"]),
        ("c-10001", ["C-10001"]),
        ("customer@demo", ["C-10001"]),  # the billing or a member's email
        ("100%", []),  # wildcards are taken literally
    ],
)
def test_customers_are_searched_by_name_number_and_email(
    demo_session: Session, scope: TenantScope, admin: Actor, search: str, numbers: list[str]
) -> None:
    found = customers.customer_list(demo_session, scope, admin, search)
    assert [c.number for c in found.customers] == numbers and found.total == len(numbers)


def test_the_customer_list_pages_on_the_server_with_counts_and_standing(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    second = customers.customer_list(demo_session, scope, admin, page=2, per_page=1)
    assert (second.page, second.page_count, second.total) == (2, 2, 2)
    [nordwind] = second.customers
    assert (nordwind.number, nordwind.customer_type, nordwind.country) == ("C-10002", "business", "SE")
    assert (nordwind.subscriptions, nordwind.overdue_invoices, nordwind.standing) == (4, 1, "overdue")
    after = customers.customers_after(demo_session, scope, admin, limit=1)
    assert [c.number for c in after.items] == ["C-10001"] and after.has_more


@pytest.mark.parametrize(
    ("wanted", "numbers"),
    [
        (  # every subscription, newest first
            SubscriptionFilter(),
            [
                "SUB-000007",
                "SUB-000006",
                "SUB-000005",
                "SUB-000004",
                "SUB-000003",
                "SUB-000002",
                "SUB-000001",
            ],
        ),
        (SubscriptionFilter(status="active"), ["SUB-000004", "SUB-000002", "SUB-000001"]),
        (SubscriptionFilter(customer="nordwind"), ["SUB-000006", "SUB-000005", "SUB-000004", "SUB-000003"]),
        (SubscriptionFilter(status="trialing", customer="C-10001"), ["SUB-000007"]),
    ],
)
def test_every_subscription_is_filtered_by_status_plan_and_customer(
    demo_session: Session, scope: TenantScope, admin: Actor, wanted: SubscriptionFilter, numbers: list[str]
) -> None:
    found = admin_subscriptions.subscription_list(demo_session, scope, admin, wanted)
    assert [s.number for s in found.subscriptions] == numbers


def test_the_plan_filter_finds_the_plans_subscriptions(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    cx22 = demo_session.scalars(select(Subscription.plan_id).where(Subscription.number == "SUB-000007")).one()
    found = admin_subscriptions.subscription_list(
        demo_session, scope, admin, SubscriptionFilter(plan_id=cx22)
    )
    # Erika's CX22 server, its trial and Nordwind's past-due one are on the CX22 plan
    assert [s.number for s in found.subscriptions] == ["SUB-000007", "SUB-000005", "SUB-000001"]
    assert admin_subscriptions.checked_filter("bogus", None, "  x ").status == ""


def test_a_subscription_file_has_its_history_and_charges(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    found = admin_subscriptions.subscription_file(demo_session, scope, admin, "sub-000002")
    assert (found.customer_number, found.detail.plan_name) == ("C-10001", "Web Hosting Pro")
    assert [(h.action, h.by) for h in found.history] == [
        ("Plan changed", "customer@demo.example"),
        ("Ordered", "customer@demo.example"),
    ]
    newest = found.charges[0]
    # the current period, 3 Nov – 3 Dec 10:05 Berlin time, charged in advance and not invoiced yet
    assert (newest.amount, newest.invoice, newest.period) == (
        "19.90 EUR",
        "",
        "2026-11-03 10:05 – 2026-12-03 10:05",
    )


def test_the_immediate_cancellation_preview_is_what_canceling_books(
    demo_session: Session, scope: TenantScope, admin: Actor, demo_clock: clock.FrozenClock
) -> None:
    hosting = demo_session.scalars(select(Subscription).where(Subscription.number == "SUB-000002")).one()
    assert hosting.id is not None

    def counts() -> tuple[int, int]:
        return tuple(  # type: ignore[return-value]
            int(demo_session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (AuditLogEntry, OpenPosition)
        )

    before = counts()
    last_position = demo_session.scalar(select(func.max(OpenPosition.id)))
    preview = previews.preview_cancel_immediately(demo_session, scope, admin, hosting.id, DEMO_AS_OF)
    # 19.90 for 3 Dec 09:05 − 3 Nov 09:05 UTC (30 days); unused from 12 Nov 10:00 UTC: 20 days
    # 23 h 05 min = 1,811,100 s of 2,592,000 s: 19.90 × 1,811,100 / 2,592,000 = 13.9047 → 13.90
    assert (preview.credited, preview.charged, preview.total) == (
        Decimal("13.90"),
        Decimal(0),
        Decimal("-13.90"),
    )
    assert [line.amount for line in preview.lines] == [Decimal("-13.90")]
    assert counts() == before
    assert demo_session.get(Subscription, hosting.id).status == SubscriptionStatus.ACTIVE  # type: ignore[union-attr]

    Lifecycle(demo_session, scope, admin).cancel_immediately(hosting.id, DEMO_AS_OF)
    booked = demo_session.scalars(
        select(OpenPosition.amount).where(
            OpenPosition.subscription_id == hosting.id, OpenPosition.id > last_position
        )
    ).all()
    assert list(booked) == [Decimal("-13.90")]
