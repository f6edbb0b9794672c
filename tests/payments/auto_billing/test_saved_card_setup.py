"""Saving a card through Checkout in setup mode: stored once from either report, in any order; a
late report of a replaced or removed card changes nothing; another tenant's account is untouchable."""

from __future__ import annotations

import pytest

from tests.billing.world import utc
from tests.payments.auto_billing.conftest import CardWorld

# The charging unit commits mid-way (the pending payment before the charge); pysqlite does not keep
# the test's savepoint across that commit, so on SQLite its rows would outlive the test.
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def test_the_hosted_setup_page_saves_the_card_with_brand_and_last_four(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    profile = card_world.save_card(account, "5555555555554444", auto_billing=False)
    assert profile.payment_customer_ref.startswith("cus_")
    assert profile.default_payment_method_ref.startswith("pm_")
    assert (profile.payment_method_brand, profile.payment_method_last4) == ("mastercard", "4444")
    assert profile.auto_billing is False
