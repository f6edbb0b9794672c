"""`/admin/dunning` as its state runs it, against tenant A of the identity world: the admin reads,
fills in the suggestion, is refused bad days (nothing saved) and saves; a customer's crafted
events are sent to the dashboard and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.gateway.dunning import ReminderRow, parse_days
from backend.models import Tenant
from billing_console.state.dunning import DunningSettingsState as D
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run

pytestmark = pytest.mark.redis


def stored(world: IdentityWorld) -> object:
    with world.engine.connect() as connection:
        settings = connection.execute(
            select(Tenant.settings).where(Tenant.id == world.a_admin.tenant_id)
        ).scalar_one()
    return settings.get("dunning")


def test_the_admin_fills_in_the_suggestion_is_refused_bad_days_and_saves(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    page = page_state(D, world, world.a_admin, "/admin/dunning")
    run(D.load.fn, page)
    assert (page.loading, page.enabled, page.offsets_text, page.timeline) == (False, False, "", [])
    assert page.suggested_text == "3, 10, 17"

    run(D.use_suggestion.fn, page)
    assert page.offsets_text == "3, 10, 17"

    run(D.save.fn, page, {"reminder_offsets_days": "10, 3"})
    assert page.error == "Each reminder comes after the one before it: 3 is not after 10."
    assert page.offsets_text == "10, 3" and stored(world) is None
    run(D.save.fn, page, {"reminder_offsets_days": "3, ten"})
    assert page.error == "Reminder days are whole numbers of days, such as 3, 10, 17."

    run(D.choose_suspension.fn, page, False)
    events = run(D.save.fn, page, {"reminder_offsets_days": "3, 10 17"})
    assert page.error == "" and page.enabled and page.offsets_text == "3, 10, 17"
    assert stored(world) == {"reminder_offsets_days": [3, 10, 17], "suspend_service": False}
    assert page.timeline == [
        ReminderRow("3 days after the due date", "First payment reminder by email"),
        ReminderRow("10 days after the due date", "Second payment reminder by email"),
        ReminderRow(
            "17 days after the due date",
            "Final payment reminder; the subscriptions billed on the invoice go past due",
        ),
        ReminderRow("When the invoice is paid", "Past-due subscriptions become active"),
    ]
    assert any("toast" in str(event) for event in events)

    run(D.choose_suspension.fn, page, True)
    run(D.save.fn, page, {"reminder_offsets_days": "5"})
    assert [row.what for row in page.timeline] == [
        "One payment reminder; the subscriptions billed on the invoice go past due and their servers"
        " are stopped",
        "Past-due subscriptions become active and their servers start again",
    ]
    run(D.save.fn, page, {"reminder_offsets_days": ""})
    assert not page.enabled and stored(world) == {"reminder_offsets_days": [], "suspend_service": True}


@pytest.mark.parametrize(
    ("handler", "args"),
    [
        (D.load.fn, ()),
        (D.save.fn, ({"reminder_offsets_days": "1"},)),
        (D.use_suggestion.fn, ()),
        (D.choose_suspension.fn, (False,)),
    ],
    ids=["load", "save", "use_suggestion", "choose_suspension"],
)
def test_a_customer_calling_the_page_handlers_is_sent_to_the_dashboard(
    identity_world: IdentityWorld, handler: object, args: tuple[object, ...]
) -> None:
    world = identity_world
    page = page_state(D, world, world.a_customer, "/admin/dunning")
    before = page.dict()
    assert redirects(run(handler, page, *args)) == ["/dashboard"]
    assert page.dict() == before and stored(world) is None


def test_the_days_field_is_read_as_a_list_and_words_stay_words() -> None:
    assert parse_days(" 3, 10 ;17 ") == [3, 10, 17]
    assert parse_days("3, -1, x") == [3, -1, "x"]
    assert parse_days("") == []
