"""The subscription page's addons and withdrawal through the console gateway, as the page's state
calls it: offers, previews that equal the change, the actions, and the withdrawal offered only while
the customer may still withdraw.

Hand-computed: Basic costs 12.00 net a month in advance, the addon Backup 3.10 a month; ordered on
May 10 2027 10:00 Berlin (08:00 UTC), its period runs to June 10 (31 days). Erika is a German consumer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from backend import clock
from backend.audit.service import Actor
from backend.catalog import addons, plans
from backend.catalog.schemas import AddonInput
from backend.db import unit_of_work
from backend.gateway import subscription_addons as gateway
from backend.gateway import subscriptions as subscriptions_gateway
from backend.identity import auth
from backend.identity.repository import UserRepository
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import stock

pytestmark = pytest.mark.redis

ORDERED = datetime(2027, 5, 10, 8, tzinfo=UTC)
REQUEST = RequestContext(host="testserver")


@dataclass(frozen=True)
class Page:
    user: SignedInUser
    number: str
    subscription_id: int
    backup_id: int
    clock: clock.FrozenClock

    def panel(self) -> tuple[subscriptions_gateway.SubscriptionPage, gateway.AddonsPanel]:
        page = subscriptions_gateway.subscription_page(self.user, self.number)
        return page, gateway.addons_panel(REQUEST, self.user, page.detail)


@pytest.fixture
def erika(identity_world: IdentityWorld) -> Iterator[Page]:
    world, admin, member = identity_world, identity_world.a_admin, identity_world.a_customer
    with clock.frozen(ORDERED) as frozen:
        shop = stock(world.engine, admin, member)
        scope = TenantScope(admin.tenant_id)
        with unit_of_work(world.engine) as session:
            actor = Actor.admin(admin.tenant_id, user_id=admin.user_id)
            backup = addons.create_addon(
                session, scope, AddonInput(key="backup", name="Backup", price=Decimal("3.10")), actor
            )
            assert backup.id is not None
            plans.allow_addon(session, scope, shop.basic_plan_id, backup.id, actor)
            user = auth.signed_in_user(
                session, scope, UserRepository(session, scope).get_or_raise(member.user_id)
            )
            ordered = Lifecycle(session, scope, Actor.for_user(user)).order(
                OrderRequest(shop.account_id, shop.basic_plan_id), ORDERED
            )
            assert ordered.id is not None
            page = Page(user, ordered.number, ordered.id, backup.id, frozen)
        yield page


def test_the_page_offers_the_plans_addons_and_adds_one_as_previewed(erika: Page) -> None:
    page, panel = erika.panel()
    assert [(offer.name, offer.price) for offer in panel.offers] == [("Backup", "3.10 EUR / month")]
    assert (panel.can_add, panel.can_remove) == (True, False)
    erika.clock.set(datetime(2027, 5, 20, 8, tzinfo=UTC))

    preview = gateway.preview_add_addon(REQUEST, erika.user, erika.subscription_id, erika.backup_id, 2)

    # May 20 to June 10 is 21 of 31 days: 2 x 3.10 x 21/31 = 4.20 now; then 12.00 + 6.20 a month.
    assert [(line.description, line.amount) for line in preview.lines] == [("Backup (prorated)", "4.20 EUR")]
    assert (preview.now_amount, preview.credited, preview.recurring_after) == ("4.20 EUR", False, "18.20 EUR")
    assert preview.lines[0].period == "2027-05-20 10:00 – 2027-06-10 10:00"
    assert erika.panel()[0].detail.addons == []  # the preview added nothing

    added = gateway.add_addon(REQUEST, erika.user, erika.subscription_id, erika.backup_id, 2)

    assert added == preview
    page, panel = erika.panel()
    assert [(a.addon_id, a.name, a.quantity) for a in page.detail.addons] == [(erika.backup_id, "Backup", 2)]
    assert (panel.offers, panel.can_add, panel.can_remove) == ([], False, True)
    assert page.next_charge_amount == "18.20 EUR"

    erika.clock.set(datetime(2027, 5, 31, 8, tzinfo=UTC))
    removal = gateway.preview_remove_addon(REQUEST, erika.user, erika.subscription_id, erika.backup_id)
    # The 4.20 covered May 20 - June 10 (21 days); May 31 - June 10 (10 days) is credited: 2.00.
    assert (removal.now_amount, removal.credited, removal.recurring_after) == ("2.00 EUR", True, "12.00 EUR")
    assert gateway.remove_addon(REQUEST, erika.user, erika.subscription_id, erika.backup_id) == removal
    assert erika.panel()[0].detail.addons == []


def test_withdrawal_is_offered_within_the_fourteen_days_only(erika: Page) -> None:
    _, panel = erika.panel()
    assert (panel.can_withdraw, panel.withdraw_until) == (True, "2027-05-24 10:00")
    erika.clock.set(datetime(2027, 5, 20, 8, tzinfo=UTC))
    outlook = gateway.preview_withdrawal(REQUEST, erika.user, erika.subscription_id)
    # The uninvoiced 12.00 is credited for May 20 - June 10: 12.00 x 21/31 = 8.129... -> 8.13.
    assert (outlook.possible, outlook.total, outlook.credited) == (True, "8.13 EUR", True)
    assert outlook.credit_note_amount == ""

    erika.clock.set(datetime(2027, 5, 24, 8, 0, 1, tzinfo=UTC))
    _, late = erika.panel()
    assert late.can_withdraw is False
    refused = gateway.preview_withdrawal(REQUEST, erika.user, erika.subscription_id)
    assert refused.possible is False and "ended on 2027-05-24" in refused.refusal


def test_a_withdrawal_ends_the_subscription(erika: Page) -> None:
    erika.clock.set(datetime(2027, 5, 12, 8, tzinfo=UTC))
    gateway.withdraw(REQUEST, erika.user, erika.subscription_id)
    page, panel = erika.panel()
    assert page.detail.status == "canceled"
    assert (panel.can_withdraw, panel.can_add, panel.can_remove) == (False, False, False)
