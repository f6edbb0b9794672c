"""/api/v1/subscriptions with personal access tokens: preview, order, read, cancel, resume, change plan.

Amounts are worked out by hand: plan Basic costs 10.00 + 20 % margin = 12.00 net a month, Pro
20.00; the customer is a German consumer of a German issuer (19 % VAT).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.identity import api_tokens, auth
from backend.identity.repository import UserRepository
from backend.kit.repository import TenantScope
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Api:
    world: IdentityWorld
    shop: Shop
    client: Any

    def as_customer(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_customer.token), **options)

    def as_admin(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_admin.token), **options)


@pytest.fixture
def api(identity_world: IdentityWorld) -> Iterator[Api]:
    world = identity_world
    with clock.frozen(NOW):
        shop = stock(world.engine, world.a_admin, world.a_customer)
        yield Api(world, shop, world.client(world.host_a))


def test_a_customer_previews_then_orders_and_the_order_charges_what_the_preview_said(api: Api) -> None:
    order = {"plan_id": api.shop.basic_plan_id}
    preview = api.as_customer("POST", "/api/v1/subscriptions/preview", json=order)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    # A whole month in advance: 12.00 net, 2.28 VAT, 14.28 gross; the same every month.
    assert (body["first_invoice"]["net"], body["first_invoice"]["tax"], body["first_invoice"]["gross"]) == (
        "12.00",
        "2.28",
        "14.28",
    )
    assert body["recurring"]["gross"] == "14.28" and body["tax"]["mode"] == "domestic"
    assert api.as_customer("GET", "/api/v1/subscriptions").json() == {"data": [], "has_more": False}

    ordered = api.as_customer("POST", "/api/v1/subscriptions", json=order)
    assert ordered.status_code == 201, ordered.text
    subscription = ordered.json()
    assert subscription["number"].startswith("SUB-") and subscription["status"] == "active"
    assert (subscription["plan_name"], subscription["price"]) == ("Basic", "12.00")
    assert subscription["customer_account_id"] == api.shop.account_id
    read = api.as_customer("GET", f"/api/v1/subscriptions/{subscription['number']}")
    assert read.status_code == 200 and read.json() == subscription


def test_an_order_sent_twice_with_one_idempotency_key_orders_once(api: Api) -> None:
    headers = {**bearer(api.world.a_customer.token), "Idempotency-Key": "order-7f3a"}
    order = {"plan_id": api.shop.basic_plan_id}
    first = api.client.post("/api/v1/subscriptions", json=order, headers=headers)
    again = api.client.post("/api/v1/subscriptions", json=order, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    listed = api.as_customer("GET", "/api/v1/subscriptions").json()["data"]
    assert [s["number"] for s in listed] == [first.json()["number"]]


def test_cancel_resume_and_change_plan_with_its_preview(api: Api) -> None:
    number = api.as_customer(
        "POST", "/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id}
    ).json()["number"]
    canceled = api.as_customer("POST", f"/api/v1/subscriptions/{number}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "pending_cancel"
    assert canceled.json()["cancel_effective_at"] is not None
    again = problem_of(api.as_customer("POST", f"/api/v1/subscriptions/{number}/cancel"), 409)
    assert "already" in again["detail"]
    resumed = api.as_customer("POST", f"/api/v1/subscriptions/{number}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"

    change = {"plan_id": api.shop.pro_plan_id}
    preview = api.as_customer("POST", f"/api/v1/subscriptions/{number}/plan-change/preview", json=change)
    assert preview.status_code == 200, preview.text
    # Changed the moment it was ordered: all of Basic's 12.00 is credited, all of Pro's 20.00 charged.
    assert [line["amount"] for line in preview.json()["lines"]] == ["-12.00", "20.00"]
    assert preview.json()["total"] == "8.00"
    changed = api.as_customer("POST", f"/api/v1/subscriptions/{number}/plan-change", json=change)
    assert changed.status_code == 200 and changed.json() == preview.json()
    assert api.as_customer("GET", f"/api/v1/subscriptions/{number}").json()["plan_name"] == "Pro"


def test_a_read_only_token_previews_but_cannot_order(api: Api) -> None:
    read_only = _read_only_token(api)
    order = {"plan_id": api.shop.basic_plan_id}
    assert api.client.post("/api/v1/subscriptions/preview", json=order, headers=read_only).status_code == 200
    refused = problem_of(api.client.post("/api/v1/subscriptions", json=order, headers=read_only), 403)
    assert "write" in refused["detail"]
    assert api.as_customer("GET", "/api/v1/subscriptions").json()["data"] == []


def test_refused_orders_say_why_and_order_nothing(api: Api) -> None:
    retired = api.as_customer("POST", "/api/v1/subscriptions", json={"plan_id": api.shop.retired_plan_id})
    assert problem_of(retired, 422)["detail"] == "The plan Old is no longer available."
    code = {"plan_id": api.shop.basic_plan_id, "promotion_code": "NOPE"}
    assert (
        "NOPE"
        in problem_of(api.as_customer("POST", "/api/v1/subscriptions/preview", json=code), 422)["detail"]
    )
    bad = problem_of(api.as_customer("POST", "/api/v1/subscriptions", json={"plan_id": "x"}), 422)
    assert bad["errors"][0]["field"] == "plan_id"
    admin_without_account = problem_of(
        api.as_admin("POST", "/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id}), 422
    )
    assert "customer_account_id" in admin_without_account["detail"]
    assert api.as_admin("GET", "/api/v1/subscriptions").json()["data"] == []


def test_admins_see_every_subscription_page_by_page_and_order_for_a_customer(api: Api) -> None:
    for _ in range(3):
        order = {"plan_id": api.shop.basic_plan_id, "customer_account_id": api.shop.account_id}
        assert api.as_admin("POST", "/api/v1/subscriptions", json=order).status_code == 201
    first = api.as_admin("GET", "/api/v1/subscriptions", params={"limit": 2}).json()
    assert len(first["data"]) == 2 and first["has_more"] is True
    rest = api.as_admin(
        "GET", "/api/v1/subscriptions", params={"limit": 2, "starting_after": first["data"][-1]["id"]}
    ).json()
    assert len(rest["data"]) == 1 and rest["has_more"] is False
    numbers = [s["number"] for s in first["data"] + rest["data"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    mine = api.as_customer("GET", "/api/v1/subscriptions").json()["data"]
    assert [s["number"] for s in mine] == numbers  # the customer's own account


def test_another_tenants_subscription_is_not_found(api: Api) -> None:
    world = api.world
    shop_b = stock(world.engine, world.b_admin, world.b_customer)
    client_b = world.client(world.host_b)
    number_b = client_b.post(
        "/api/v1/subscriptions",
        json={"plan_id": shop_b.basic_plan_id},
        headers=bearer(world.b_customer.token),
    ).json()["number"]
    for method, path in (("GET", ""), ("POST", "/cancel")):
        problem_of(api.as_admin(method, f"/api/v1/subscriptions/{number_b}{path}"), 404)
    foreign_plan = {"plan_id": shop_b.basic_plan_id}
    problem_of(api.as_customer("POST", "/api/v1/subscriptions/preview", json=foreign_plan), 404)
    malformed = problem_of(api.as_customer("GET", "/api/v1/subscriptions/SUB-1'--"), 422)
    assert malformed["errors"][0]["field"] == "number"


def test_every_subscription_route_documents_a_summary_and_its_body_example(api: Api) -> None:
    document = api.client.get("/api/openapi.json").json()
    operations = {
        (method, path): operation
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/subscriptions")
        for method, operation in methods.items()
    }
    assert len(operations) == 14  # 8, and add/remove an addon and withdraw, each with its preview
    for key, operation in operations.items():
        assert operation.get("summary"), key
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"].get("examples"), key


def _read_only_token(api: Api) -> dict[str, str]:
    member = api.world.a_customer
    scope = TenantScope(member.tenant_id)
    with unit_of_work(api.world.engine) as session:
        user = auth.signed_in_user(
            session, scope, UserRepository(session, scope).get_or_raise(member.user_id)
        )
        token = api_tokens.create_token(
            session, scope, user, name="ro", scopes=["read"], actor=Actor.for_user(user)
        ).token
    return bearer(token)
