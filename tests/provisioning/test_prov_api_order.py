"""Ordering a plan that creates a server through the REST API (`POST /api/v1/subscriptions`) runs the
same steps as the console's wizard: the provider is asked for capacity, the subscription waits
PROVISIONING with its server recorded and nothing billed; a sold-out server is refused (409, naming
alternatives, nothing created) unless the order accepts a backorder."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from backend.audit import service as audit
from backend.db import unit_of_work
from backend.identity import api_tokens
from backend.models import Invoice, OpenPosition, Subscription, SubscriptionItem
from tests.api.conftest import bearer, client, problem_of
from tests.provisioning.test_prov_core_gateway import REQUEST, Shop, shop  # noqa: F401 - the fixture


def _token(world: Shop) -> str:
    with unit_of_work(world.engine) as session:
        return api_tokens.create_token(
            session,
            world.scope,
            world.user,
            name="orders",
            scopes=["read", "write"],
            actor=audit.Actor.for_user(world.user),
        ).token


def _count(world: Shop, model: type) -> int:
    with unit_of_work(world.engine) as session:
        statement = select(func.count()).select_from(model).where(model.tenant_id == world.scope.tenant_id)
        return int(session.scalar(statement) or 0)


def _order(world: Shop, token: str, **fields: object) -> object:
    body = {"plan_id": world.plan_id, "options": {"server_type": "cx22", "location": "nbg1"}, **fields}
    headers = {**bearer(token), "Idempotency-Key": f"order-{uuid.uuid4().hex}"}
    return client(REQUEST.host).post("/api/v1/subscriptions", json=body, headers=headers)


def test_a_rest_order_of_a_server_plan_waits_for_its_server_and_bills_nothing_yet(shop: Shop) -> None:  # noqa: F811
    token = _token(shop)
    answer = _order(shop, token)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "provisioning"
    with unit_of_work(shop.engine) as session:
        [item] = session.scalars(
            select(SubscriptionItem).where(SubscriptionItem.tenant_id == shop.scope.tenant_id)
        ).all()
        assert (item.status, item.server_type, item.location) == ("pending", "cx22", "nbg1")
        assert item.ssh_public_key.startswith("ssh-ed25519 ")
    assert _count(shop, OpenPosition) == 0 and _count(shop, Invoice) == 0

    shop.run_jobs()
    shop.fake.boot_now()
    shop.run_jobs()
    number = answer.json()["number"]
    assert shop.subscription(number).status == "active"
    assert _count(shop, OpenPosition) == 1  # billed from the moment the server runs


def test_a_sold_out_server_is_refused_with_alternatives_unless_backordered(shop: Shop) -> None:  # noqa: F811
    token = _token(shop)
    shop.fake.sold_out("cx22", "nbg1")
    refused = problem_of(_order(shop, token), 409)
    assert "cx22 in fsn1" in refused["detail"]
    assert _count(shop, Subscription) == 0 and _count(shop, SubscriptionItem) == 0

    answer = _order(shop, token, accept_backorder=True)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "pending_backorder"
    assert _count(shop, OpenPosition) == 0
