"""The withdrawal preview: whether an EU consumer may still withdraw and until when, and what
withdrawing credits, equal to what the withdrawal books; refusals name why and change nothing.

Hand-computed: Europe/Berlin, order at 10:00 local (09:00 UTC), 14 calendar days to withdraw.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.invoicing import service as invoicing
from backend.models import BillingTiming, CreditNote, CustomerType, OpenPosition, SubscriptionStatus
from backend.subscriptions import previews
from backend.subscriptions.errors import SubscriptionError
from tests.billing.world import World, utc

D = Decimal


def counts(world: World) -> tuple[int, int]:
    tenant = world.scope.tenant_id
    return tuple(  # type: ignore[return-value]
        int(world.session.scalar(select(func.count()).select_from(m).where(m.tenant_id == tenant)))
        for m in (OpenPosition, CreditNote)
    )


def test_a_consumer_within_the_period_sees_the_credit_the_withdrawal_books(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer(country="DE")
    subscription = world.order(customer, world.plan("web", "10.00"))
    invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    world.at(utc(2027, 1, 5, 9))
    before = counts(world)

    preview = previews.preview_withdrawal(world.session, world.scope, world.admin, subscription.id, world.now)

    assert counts(world) == before and subscription.status == SubscriptionStatus.ACTIVE
    assert (preview.possible, preview.refusal, preview.deadline) == (True, "", utc(2027, 1, 15, 9))
    # The invoiced 10.00 covered Jan 1 - Feb 1 (31 days); Jan 5 - Feb 1 (27 days) goes back:
    # 10.00 x 27/31 = 8.709... -> 8.71, through a credit note on the invoice.
    assert [(line.description, line.amount) for line in preview.lines] == [
        ("Credit for unused time: Web", D("-8.71"))
    ]
    assert (preview.total, preview.credit_note_amount) == (D("-8.71"), D("8.71"))

    world.lifecycle().withdraw(subscription.id, world.now)

    [note] = world.session.scalars(select(CreditNote).where(CreditNote.tenant_id == world.scope.tenant_id))
    assert note.net == D("8.71") and subscription.status == SubscriptionStatus.CANCELED


@pytest.mark.parametrize(
    ("kind", "country", "when", "refusal"),
    [
        ("business", "DE", utc(2027, 1, 5, 9), "applies to consumers only"),
        ("consumer", "CH", utc(2027, 1, 5, 9), "consumers in the EU; your billing address is in CH"),
        ("consumer", "AT", utc(2027, 1, 15, 9, 0, 1), "The withdrawal period ended on 2027-01-15"),
    ],
)
def test_a_refused_withdrawal_names_why(world: World, kind: str, country: str, when, refusal: str) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer_type = CustomerType.BUSINESS if kind == "business" else CustomerType.PRIVATE
    customer = world.customer(country=country, customer_type=customer_type)
    subscription = world.order(customer, world.plan("web", "10.00"))
    world.at(when)
    before = counts(world)

    preview = previews.preview_withdrawal(world.session, world.scope, world.admin, subscription.id, world.now)

    assert (preview.possible, preview.lines, preview.total) == (False, [], D(0))
    assert refusal in preview.refusal
    assert counts(world) == before
    with pytest.raises(SubscriptionError, match=refusal):
        world.lifecycle().withdraw(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_billed_in_arrears_the_preview_shows_the_used_part_the_withdrawal_charges(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer(country="FR")
    subscription = world.order(customer, world.plan("web", "10.00", billing_timing=BillingTiming.ARREAR))
    world.at(utc(2027, 1, 5, 9))

    preview = previews.preview_withdrawal(world.session, world.scope, world.admin, subscription.id, world.now)

    # Used Jan 1 - Jan 5, 4 of the period's 31 days: 10.00 x 4/31 = 1.290... -> 1.29, nothing credited.
    assert [(line.description, line.amount) for line in preview.lines] == [("Web (prorated)", D("1.29"))]
    assert (preview.total, preview.credit_note_amount) == (D("1.29"), D(0))
    world.lifecycle().withdraw(subscription.id, world.now)
    assert [(p.description, p.amount) for p in world.positions(subscription)] == [
        ("Web (prorated)", D("1.29"))
    ]
