"""The admin's customer and subscription pages as their states run them, against tenant A of the
identity world with a stocked shop (tests/subscriptions/shop.py): Erika Muster orders Basic
(10.00 + 20 % margin = 12.00 net a month, billed in advance) at NOW.

Handlers are called directly, as a crafted websocket message would call them: customers are sent
to their dashboard before anything is read, and every action is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from reflex.state import State

import billing_console.billing_console  # noqa: F401 - registers every page state
from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.kit.repository import TenantScope
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from billing_console.state.admin_customers import AdminCustomersState, AdminCustomerState
from billing_console.state.admin_subscriptions import AdminSubscriptionsState, AdminSubscriptionState
from tests.conftest import IdentityWorld, Member
from tests.console.test_identity_states import redirects, run
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)


def page_state(state_cls: type[rx.State], world: IdentityWorld, member: Member, path: str) -> Any:
    """A fresh state tree for a websocket of `member` on tenant A's host, on the page at `path`."""
    root = State(_reflex_internal_init=True)  # type: ignore[call-arg]
    cookie = world.session_cookie(member, world.host_a)
    headers = {"host": world.host_a, "cookie": f"bc_session={cookie}"}
    router_data = {"headers": headers, "ip": "192.0.2.10", "pathname": path, "asPath": path}
    root.router_data = router_data
    root.router = RouterData.from_router_data(router_data)
    return root.get_substate(state_cls.get_full_name().split(".")[1:])


@pytest.fixture
def shop(identity_world: IdentityWorld) -> Iterator[tuple[Shop, str]]:
    """The stocked shop of tenant A and the number of Erika's Basic subscription, at NOW."""
    world = identity_world
    with clock.frozen(NOW):
        shop = stock(world.engine, world.a_admin, world.a_customer)
        scope = TenantScope(world.a_admin.tenant_id)
        with unit_of_work(world.engine) as session:
            admin = Actor.admin(scope.tenant_id, user_id=world.a_admin.user_id)
            number = (
                Lifecycle(session, scope, admin)
                .order(OrderRequest(shop.account_id, shop.basic_plan_id), NOW)
                .number
            )
        yield shop, number


HANDLERS: list[tuple[type[rx.State], Callable[..., Any], tuple[Any, ...]]] = [
    (AdminCustomersState, AdminCustomersState.load.fn, ()),
    (AdminCustomersState, AdminCustomersState.find.fn, ({"q": "erika"},)),
    (AdminCustomersState, AdminCustomersState.turn_to.fn, (2,)),
    (AdminCustomerState, AdminCustomerState.load.fn, ()),
    (AdminCustomerState, AdminCustomerState.add_note.fn, ({"body": "Sneaky"},)),
    (AdminCustomerState, AdminCustomerState.load_older_notes.fn, ()),
    (AdminSubscriptionsState, AdminSubscriptionsState.load.fn, ()),
    (AdminSubscriptionsState, AdminSubscriptionsState.filter_status.fn, ("active",)),
    (AdminSubscriptionState, AdminSubscriptionState.load.fn, ()),
    (AdminSubscriptionState, AdminSubscriptionState.preview_cancel_now.fn, ()),
    (AdminSubscriptionState, AdminSubscriptionState.confirm_cancel_now.fn, ()),
    (AdminSubscriptionState, AdminSubscriptionState.confirm_plan_change.fn, ()),
]


@pytest.mark.parametrize(
    ("state_cls", "handler", "args"), HANDLERS, ids=lambda h: getattr(h, "__name__", None)
)
def test_a_customer_calling_an_admin_page_handler_is_sent_to_the_dashboard(
    identity_world: IdentityWorld,
    shop: tuple[Shop, str],
    state_cls: type[rx.State],
    handler: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    account = shop[0].account_id
    state = page_state(state_cls, identity_world, identity_world.a_customer, f"/admin/customers/{account}")
    with clock.frozen(NOW):
        assert redirects(run(handler, state, *args)) == ["/dashboard"]
    assert "Erika" not in str(state.dict())


def test_the_admin_searches_customers_and_adds_a_note(
    identity_world: IdentityWorld, shop: tuple[Shop, str]
) -> None:
    world, (stocked, number) = identity_world, shop
    with clock.frozen(NOW):
        listing = page_state(AdminCustomersState, world, world.a_admin, "/admin/customers")
        run(AdminCustomersState.load.fn, listing)
        run(AdminCustomersState.find.fn, listing, {"q": "MUSTER"})
        assert [(c.name, c.subscriptions, c.standing) for c in listing.customers] == [
            ("Erika Muster", 1, "good")
        ]

        page = page_state(AdminCustomerState, world, world.a_admin, f"/admin/customers/{stocked.account_id}")
        run(AdminCustomerState.load.fn, page)
        assert (page.customer.name, page.not_found) == ("Erika Muster", False)
        assert [(s.number, s.status) for s in page.customer.subscriptions] == [(number, "active")]
        assert page.notes_csv == f"/api/admin/customers/{stocked.account_id}/notes.csv"

        run(AdminCustomerState.add_note.fn, page, {"body": " "})
        assert (page.note_error, page.notes) == ("Write the note first.", [])
        run(AdminCustomerState.add_note.fn, page, {"body": "Asked for a call back."})
        assert page.note_error == "" and [(n.body, n.author) for n in page.notes] == [
            ("Asked for a call back.", world.a_admin.email)
        ]
        # Berlin is two hours ahead of UTC in May.
        assert page.notes[0].written == "2027-05-10 10:00"

        unknown = page_state(AdminCustomerState, world, world.a_admin, "/admin/customers/999999")
        run(AdminCustomerState.load.fn, unknown)
        assert unknown.not_found


def test_the_admin_cancels_immediately_after_the_credit_preview(
    identity_world: IdentityWorld, shop: tuple[Shop, str]
) -> None:
    world, (_, number) = identity_world, shop
    with clock.frozen(NOW):
        listing = page_state(AdminSubscriptionsState, world, world.a_admin, "/admin/subscriptions")
        run(AdminSubscriptionsState.load.fn, listing)
        run(AdminSubscriptionsState.filter_status.fn, listing, "canceled")
        assert listing.subscriptions == []
        run(AdminSubscriptionsState.filter_status.fn, listing, "active")
        assert [s.number for s in listing.subscriptions] == [number]

        page = page_state(AdminSubscriptionState, world, world.a_admin, f"/admin/subscriptions/{number}")
        run(AdminSubscriptionState.load.fn, page)
        assert (page.subscription.plan_name, page.customer_name, page.can_cancel_now) == (
            "Basic",
            "Erika Muster",
            True,
        )
        assert [h.action for h in page.history] == ["Ordered"]
        run(AdminSubscriptionState.preview_cancel_now.fn, page)
        # Canceled the moment it was ordered: the whole month, 12.00 net, is credited.
        assert (page.dialog, page.now_ready, page.now_refund, page.now_total) == (
            "cancel_now",
            True,
            True,
            "12.00 EUR",
        )
        run(AdminSubscriptionState.confirm_cancel_now.fn, page)
        assert (page.dialog, page.subscription.status, page.can_cancel_now) == ("", "canceled", False)
        assert [h.action for h in page.history] == ["Canceled immediately", "Ordered"]
        assert [c.amount for c in page.charges] == ["-12.00 EUR", "12.00 EUR"]
