"""/api/v1/plans for any token of the tenant, /api/v1/admin/plans for admins."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis


@pytest.fixture
def shop(identity_world: IdentityWorld) -> Shop:
    return stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)


def call(world: IdentityWorld, method: str, path: str, token: str, **options: Any) -> Any:
    return world.client(world.host_a).request(method, path, headers=bearer(token), **options)


def test_customers_see_orderable_plans_at_the_price_they_pay_and_never_the_margin(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world = identity_world
    listed = call(world, "GET", "/api/v1/plans", world.a_customer.token)
    assert listed.status_code == 200
    body = listed.json()
    assert [plan["key"] for plan in body["data"]] == ["basic", "pro"] and body["has_more"] is False
    basic = body["data"][0]
    # 10.00 base + 20 % margin = 12.00 a month
    assert (basic["price"], basic["price_display"]) == ("12.00", "12.00 EUR / month")
    assert "base_price" not in basic and "margin_percent" not in basic and "margin_fixed" not in basic
    one = call(world, "GET", f"/api/v1/plans/{shop.basic_plan_id}", world.a_customer.token)
    assert one.status_code == 200 and one.json() == basic
    problem_of(call(world, "GET", f"/api/v1/plans/{shop.retired_plan_id}", world.a_customer.token), 404)
    page = call(world, "GET", "/api/v1/plans", world.a_customer.token, params={"limit": 1}).json()
    assert [plan["key"] for plan in page["data"]] == ["basic"] and page["has_more"] is True


def test_admins_create_change_and_deactivate_plans(identity_world: IdentityWorld, shop: Shop) -> None:
    world = identity_world
    token = world.a_admin.token
    created = call(
        world,
        "POST",
        "/api/v1/admin/plans",
        token,
        json={"key": "cloud-cx22", "name": "Cloud CX22", "base_price": "4.50", "margin_fixed": "0.50"},
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["price"], plan["base_price"], plan["active"]) == ("5.00", "4.50", True)
    changed = call(world, "PATCH", f"/api/v1/admin/plans/{plan['id']}", token, json={"base_price": "5.50"})
    assert changed.status_code == 200 and changed.json()["price_display"] == "6.00 EUR / month"
    offered = call(world, "GET", f"/api/v1/plans/{plan['id']}", world.a_customer.token)
    assert offered.json()["price"] == "6.00"
    gone = call(world, "POST", f"/api/v1/admin/plans/{plan['id']}/deactivate", token)
    assert gone.status_code == 200 and gone.json()["active"] is False
    problem_of(call(world, "GET", f"/api/v1/plans/{plan['id']}", world.a_customer.token), 404)


def test_a_rule_the_input_breaks_is_a_422_naming_the_field(identity_world: IdentityWorld, shop: Shop) -> None:
    world = identity_world
    token = world.a_admin.token
    duplicate = call(world, "POST", "/api/v1/admin/plans", token, json={"key": "basic", "name": "Again"})
    errors = problem_of(duplicate, 422)["errors"]
    assert [(e["field"], e["message"]) for e in errors] == [
        ("key", "Key: a plan with key 'basic' already exists.")
    ]
    negative = call(
        world,
        "PATCH",
        f"/api/v1/admin/plans/{shop.pro_plan_id}",
        token,
        json={"base_price": "-1", "trial_days": -2, "name": " "},
    )
    errors = problem_of(negative, 422)["errors"]  # every wrong field, each with its own message
    assert {e["field"]: e["message"] for e in errors} == {
        "name": "Name must not be empty.",
        "base_price": "Base price must not be negative (got -1).",
        "trial_days": "Trial days must not be negative (got -2).",
    }
    a_float = call(
        world, "POST", "/api/v1/admin/plans", token, json={"key": "f", "name": "F", "base_price": 9.9}
    )
    assert [error["field"] for error in problem_of(a_float, 422)["errors"]] == ["base_price"]
    listed = call(world, "GET", "/api/v1/plans", world.a_customer.token).json()["data"]
    assert [plan["key"] for plan in listed] == ["basic", "pro"]  # nothing was created or changed
    assert listed[1]["price"] == "20.00"


def test_customers_cannot_write_the_catalog_and_other_tenants_plans_are_not_found(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world = identity_world
    refused = call(
        world, "POST", "/api/v1/admin/plans", world.a_customer.token, json={"key": "x", "name": "X"}
    )
    assert "Only admins" in problem_of(refused, 403)["detail"]
    problem_of(
        call(world, "POST", f"/api/v1/admin/plans/{shop.basic_plan_id}/deactivate", world.a_customer.token),
        403,
    )
    shop_b = stock(world.engine, world.b_admin, world.b_customer)
    problem_of(call(world, "GET", f"/api/v1/plans/{shop_b.basic_plan_id}", world.a_customer.token), 404)
    foreign = call(
        world,
        "PATCH",
        f"/api/v1/admin/plans/{shop_b.pro_plan_id}",
        world.a_admin.token,
        json={"name": "Mine"},
    )
    problem_of(foreign, 404)


def test_every_catalog_route_documents_a_summary_and_its_body_example(identity_world: IdentityWorld) -> None:
    document = identity_world.client(identity_world.host_a).get("/api/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith(
            ("/api/v1/plans", "/api/v1/admin/plans", "/api/v1/admin/service-types", "/api/v1/admin/addons")
        )
        or path.startswith("/api/v1/admin/promotions")
        for method, operation in methods.items()
    ]
    # plans: 2 public + 6 admin; service types, addons, promotions: 6 each; promotion redemptions: 1
    assert len(operations) == 2 + 6 + 6 + 6 + 6 + 1
    for path, method, operation in operations:
        assert operation.get("summary"), (method, path)
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"].get("examples"), (method, path)
