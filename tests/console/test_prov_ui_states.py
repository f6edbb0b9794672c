"""The server pages' states (issue 15) as their handlers run them, on tenant A of the identity world
with a "Cloud" service type on Hetzner: the deployment token of the tests' fake Hetzner
(tests/fakes/hetzner_server.py) through the real hcloud client.

- the order wizard asks for availability when leaving the options step: cx22 is sold out in fsn1
  (the first choices), so it shows the reason, offers alternatives (one click sets the options and
  goes on) and a backorder (accept_backorder on the order); the order ends on the confirmation;
- the dashboard's servers: the backordered one is cancelled after confirmation; the SSH key of a
  server is shown once, leaves the state when its dialog closes, and is refused the second time;
- the admin pages: the subscription's servers with their log, the backorders (cancel), the
  providers (token source and health; a write-only token form);
- every admin handler refuses a customer (a redirect to the dashboard, no data in the state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import reflex as rx

from backend import clock
from backend.audit.service import Actor
from backend.catalog.plans import create_plan
from backend.catalog.schemas import PlanInput, ServiceTypeInput
from backend.catalog.service_types import create_service_type
from backend.customers.service import open_account_for_user
from backend.db import unit_of_work
from backend.gateway import servers as gateway
from backend.identity.repository import UserRepository
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, ProviderKind
from backend.settings import get_settings
from billing_console.state.admin_servers import AdminServersState, BackordersState, ProvidersState
from billing_console.state.order import OrderState
from billing_console.state.servers import ServersState
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run, state_for
from tests.console.test_invoice_payment_states import world_user
from tests.fakes.hetzner_server import DEFAULT_TOKEN, FakeHetzner

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
PLAN = "cloud-s"


@dataclass(frozen=True)
class Cloud:
    world: IdentityWorld
    fake: FakeHetzner
    service_type_id: int


@pytest.fixture
def cloud(identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    world = identity_world
    with FakeHetzner([DEFAULT_TOKEN, "hz-other-token"]) as fake:
        monkeypatch.setenv("HETZNER_API_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("HETZNER_API_TOKEN", DEFAULT_TOKEN)
        get_settings.cache_clear()
        fake.sold_out("cx22", "fsn1")
        scope = TenantScope(world.a_admin.tenant_id)
        admin = Actor.admin(scope.tenant_id)
        with clock.frozen(NOW), unit_of_work(world.engine) as session:
            service_type = create_service_type(
                session,
                scope,
                ServiceTypeInput(key="cloud", name="Cloud", provider=ProviderKind.HETZNER),
                admin,
            )
            options = {"server_type": ["cx22", "cx32"], "location": ["fsn1", "nbg1"]}
            create_plan(
                session,
                scope,
                PlanInput(
                    key=PLAN,
                    name="Cloud S",
                    service_type_id=service_type.id,
                    base_price=Decimal("9.00"),
                    allowed_options=options,
                ),
                admin,
            )
            user = UserRepository(session, scope).get_or_raise(world.a_customer.user_id)
            profile = CustomerProfile(
                customer_account_id=0, name="Sven Server", country="DE", email=world.a_customer.email,
                billing_day=1, address_line1="Serverweg 2", postal_code="10115", city="Berlin",
            )  # fmt: skip
            open_account_for_user(session, scope, user, profile)
        yield Cloud(world, fake, service_type.id or 0)
    get_settings.cache_clear()


def _order(cloud: Cloud, *, backorder: bool) -> OrderState:
    """Through the wizard: options (cx22 in fsn1, sold out), then an alternative or the backorder."""
    world = cloud.world
    state = page_state(OrderState, world, world.a_customer, f"/order/{PLAN}")
    run(OrderState.load.fn, state)
    assert state.current == "options"
    assert {o.key: o.chosen for o in state.options} == {"server_type": "cx22", "location": "fsn1"}
    run(OrderState.next_step.fn, state)
    assert state.current == "options" and state.unavailable  # stays, says why, offers the ways on
    assert "cx22" in state.availability.reason and "fsn1" in state.availability.reason
    assert state.availability.alternatives and state.availability.backorder_possible
    if backorder:
        run(OrderState.choose_backorder.fn, state)
        assert state.backordering and not state.unavailable
    else:
        first = state.availability.alternatives[0]
        run(OrderState.take_alternative.fn, state, 0)
        assert {o.key: o.chosen for o in state.options} == {
            "server_type": first.server_type,
            "location": first.location,
        }
        assert state.availability.available and not state.backordering
    assert state.current == "promotion"
    run(OrderState.next_step.fn, state)  # no code
    run(OrderState.next_step.fn, state)  # the profile is complete
    assert state.current == "review" and state.review.plan_name == "Cloud S", state.error
    run(OrderState.accept_terms.fn, state, True)
    events = run(OrderState.confirm.fn, state)
    assert redirects(events) == []  # a server's order ends on the confirmation, not elsewhere
    assert state.placed_number.startswith("SUB-") or state.placed_number, state.error
    return state


def test_an_option_change_forgets_the_answer_and_a_crafted_backorder_without_a_check_is_ignored(
    cloud: Cloud,
) -> None:
    world = cloud.world
    with clock.frozen(NOW):
        state = page_state(OrderState, world, world.a_customer, f"/order/{PLAN}")
        run(OrderState.load.fn, state)
        run(OrderState.choose_backorder.fn, state)  # nothing was checked: nothing to accept
        assert not state.accept_backorder
        run(OrderState.next_step.fn, state)
        assert state.unavailable
        location = next(i for i, o in enumerate(state.options) if o.key == "location")
        run(OrderState.choose_option.fn, state, location, "nbg1")
        assert not state.availability_checked and not state.unavailable
        run(OrderState.next_step.fn, state)
        assert state.current == "promotion" and state.availability.available
        run(OrderState.take_alternative.fn, state, 99)  # not an offered alternative: nothing changes
        assert state.current == "promotion"


def test_ordering_with_an_alternative_then_revealing_the_key_once(cloud: Cloud) -> None:
    world = cloud.world
    with clock.frozen(NOW):
        order = _order(cloud, backorder=False)
        dashboard = page_state(ServersState, world, world.a_customer, "/dashboard")
        user = world_user(dashboard)
        dashboard.servers = gateway.my_servers(user)
        [server] = dashboard.servers
        assert server.subscription_number == order.placed_number and server.state in (
            "pending",
            "provisioning",
        )

        run(ServersState.ask.fn, dashboard, server.item_id, "reveal")
        assert "shown once" in dashboard.confirm_text and dashboard.confirm_title.endswith(
            f"{server.hostname}?"
        )
        run(ServersState.confirm.fn, dashboard)
        assert dashboard.key_shown and dashboard.revealed.private_key.startswith(
            "-----BEGIN OPENSSH PRIVATE KEY"
        )
        assert dashboard.revealed.public_key.startswith("ssh-ed25519 ")
        assert dashboard.servers[0].key_revealed and not dashboard.servers[0].key_available
        run(ServersState.close_key.fn, dashboard)
        assert not dashboard.key_shown and dashboard.revealed.private_key == ""

        # Asked again (a crafted event, the button is gone): the service refuses, nothing is shown.
        dashboard.confirm_item, dashboard.confirm_action = server.item_id, "reveal"
        events = run(ServersState.confirm.fn, dashboard)
        assert dashboard.revealed.private_key == "" and dashboard.confirm_action == ""
        assert events and "revealed" in str(events[-1]).lower()

        # Power actions are refused before the server runs (nothing is offered on the card either).
        run(ServersState.ask.fn, dashboard, server.item_id, "stop")
        run(ServersState.confirm.fn, dashboard)
        assert dashboard.busy == [] and not dashboard.working

        admin = page_state(
            AdminServersState, world, world.a_admin, f"/admin/subscriptions/{order.placed_number}"
        )
        run(AdminServersState.load.fn, admin)
        [seen] = admin.servers
        assert seen.hostname == server.hostname
        # Whose cloud runs it (and its id there, once created) are the admin's to see, not the customer's.
        assert (seen.provider, server.provider, server.provider_ref) == ("hetzner", "", "")
        assert [line.event for line in admin.logs[str(seen.item_id)]]  # the log of its order


def test_a_backorder_is_listed_for_the_admin_and_canceled_by_the_customer(cloud: Cloud) -> None:
    world = cloud.world
    with clock.frozen(NOW):
        order = _order(cloud, backorder=True)
        backorders = page_state(BackordersState, world, world.a_admin, "/admin/backorders")
        run(BackordersState.load.fn, backorders)
        [row] = backorders.rows
        assert (row.subscription_number, row.status, row.server_type, row.location) == (
            order.placed_number,
            "open",
            "cx22",
            "fsn1",
        )

        dashboard = page_state(ServersState, world, world.a_customer, "/dashboard")
        dashboard.servers = gateway.my_servers(world_user(dashboard))
        [server] = dashboard.servers
        assert server.state == "backordered"
        run(ServersState.ask.fn, dashboard, server.item_id, "cancel")
        assert "Nothing was charged" in dashboard.confirm_text
        run(ServersState.confirm.fn, dashboard)
        assert dashboard.servers == [] and dashboard.confirm_action == ""

        run(BackordersState.load.fn, backorders)
        assert backorders.rows == []
        run(BackordersState.show_closed.fn, backorders, True)
        assert [r.status for r in backorders.rows] == ["canceled"]


def test_the_admin_sets_and_removes_a_provider_token_without_ever_seeing_it(cloud: Cloud) -> None:
    world = cloud.world
    with clock.frozen(NOW):
        providers = page_state(ProvidersState, world, world.a_admin, "/admin/providers")
        run(ProvidersState.load.fn, providers)
        [row] = providers.rows
        assert (row.service_type_key, row.provider, row.token_source, row.ok) == (
            "cloud",
            "hetzner",
            "deployment",
            True,
        )
        run(ProvidersState.edit.fn, providers, row.service_type_id)
        run(ProvidersState.save.fn, providers, {"token": "  "})
        assert "Paste the API token" in providers.token_error
        run(ProvidersState.save.fn, providers, {"token": "hz-other-token"})
        assert providers.token_error == "" and providers.editing == 0
        assert providers.rows[0].token_source == "tenant" and providers.rows[0].ok
        assert "hz-other-token" not in str(providers.dict())

        run(ProvidersState.ask_remove.fn, providers, row.service_type_id)
        assert providers.remove_name == "Cloud"
        run(ProvidersState.remove.fn, providers)
        assert providers.rows[0].token_source == "deployment" and providers.remove_id == 0


ADMIN_HANDLERS: list[tuple[str, type[rx.State], Callable[..., Any], tuple[Any, ...]]] = [
    ("servers load", AdminServersState, AdminServersState.load.fn, ()),
    ("servers ask_retry", AdminServersState, AdminServersState.ask_retry.fn, (1,)),
    ("servers retry", AdminServersState, AdminServersState.retry.fn, ()),
    ("backorders load", BackordersState, BackordersState.load.fn, ()),
    ("backorders show_closed", BackordersState, BackordersState.show_closed.fn, (True,)),
    ("backorders ask_cancel", BackordersState, BackordersState.ask_cancel.fn, (1,)),
    ("backorders cancel", BackordersState, BackordersState.cancel.fn, ()),
    ("providers load", ProvidersState, ProvidersState.load.fn, ()),
    ("providers edit", ProvidersState, ProvidersState.edit.fn, (1,)),
    ("providers save", ProvidersState, ProvidersState.save.fn, ({"token": "x"},)),
    ("providers ask_remove", ProvidersState, ProvidersState.ask_remove.fn, (1,)),
    ("providers remove", ProvidersState, ProvidersState.remove.fn, ()),
]


@pytest.mark.parametrize(
    ("name", "state_cls", "handler", "args"), ADMIN_HANDLERS, ids=[h[0] for h in ADMIN_HANDLERS]
)
def test_a_customer_calling_a_provisioning_admin_handler_is_refused(
    identity_world: IdentityWorld,
    name: str,
    state_cls: type[rx.State],
    handler: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    world = identity_world
    customer = state_for(state_cls, world.host_a, world.session_cookie(world.a_customer, world.host_a))
    before = customer.dict()
    assert redirects(run(handler, customer, *args)) == ["/dashboard"], name
    assert customer.dict() == before
