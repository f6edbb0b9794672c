"""/api/v1/admin/... for the whole catalog: service types, plans, addons and promotions are listed
(search, filters, cursor pages), read, created (with `Idempotency-Key`), changed, deactivated and
reactivated by admins only; a promotion lists its redemptions. Amounts are worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.invoicing import service as invoicing
from backend.kit.repository import TenantScope
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)


@pytest.fixture
def shop(identity_world: IdentityWorld) -> Iterator[Shop]:
    with clock.frozen(NOW):
        yield stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)


def call(world: IdentityWorld, method: str, path: str, token: str, **options: Any) -> Any:
    headers = bearer(token) | options.pop("headers", {})
    return world.client(world.host_a).request(method, path, headers=headers, **options)


def keys(response: Any, field: str = "key") -> list[str]:
    assert response.status_code == 200, response.text
    return [item[field] for item in response.json()["data"]]


def test_admins_list_every_plan_with_search_filters_and_cursor_pages(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world, token = identity_world, identity_world.a_admin.token
    cloud = call(world, "POST", "/api/v1/admin/service-types", token, json={"key": "cloud", "name": "Cloud"})
    assert cloud.status_code == 201, cloud.text
    typed = {
        "key": "cx22",
        "name": "CX22 server",
        "base_price": "4.50",
        "service_type_id": cloud.json()["id"],
    }
    assert call(world, "POST", "/api/v1/admin/plans", token, json=typed).status_code == 201

    assert keys(call(world, "GET", "/api/v1/admin/plans", token)) == ["basic", "pro", "old", "cx22"]
    assert keys(call(world, "GET", "/api/v1/admin/plans", token, params={"status": "inactive"})) == ["old"]
    assert keys(call(world, "GET", "/api/v1/admin/plans", token, params={"status": "active"})) == [
        "basic",
        "pro",
        "cx22",
    ]
    assert keys(call(world, "GET", "/api/v1/admin/plans", token, params={"q": "SERVER"})) == ["cx22"]
    by_type = {"service_type_id": cloud.json()["id"]}
    assert keys(call(world, "GET", "/api/v1/admin/plans", token, params=by_type)) == ["cx22"]

    first = call(world, "GET", "/api/v1/admin/plans", token, params={"limit": 2})
    assert keys(first) == ["basic", "pro"] and first.json()["has_more"] is True
    after = {"limit": 2, "starting_after": first.json()["data"][-1]["id"]}
    second = call(world, "GET", "/api/v1/admin/plans", token, params=after)
    assert keys(second) == ["old", "cx22"] and second.json()["has_more"] is False

    old = call(world, "GET", f"/api/v1/admin/plans/{shop.retired_plan_id}", token)
    # the admin sees the base price and margins: 5.00 base, no margin
    assert old.status_code == 200
    assert (Decimal(old.json()["base_price"]), old.json()["active"]) == (Decimal("5.00"), False)
    back = call(world, "POST", f"/api/v1/admin/plans/{shop.retired_plan_id}/reactivate", token)
    assert back.status_code == 200 and back.json()["active"] is True
    assert "old" in keys(call(world, "GET", "/api/v1/plans", world.a_customer.token))


def test_service_types_addons_and_promotions_are_created_once_changed_deactivated_and_reactivated(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world, token = identity_world, identity_world.a_admin.token
    bodies = {
        "service-types": {"key": "web", "name": "Web hosting"},
        "addons": {"key": "backup", "name": "Backups", "price": "1.20"},
        "promotions": {"code": "spring10", "benefit": "percent_off", "percent_off": "10"},
    }
    changes = {
        "service-types": {"name": "Webspace"},
        "addons": {"price": "1.50"},
        "promotions": {"description": "Spring"},
    }
    for kind, body in bodies.items():
        path = f"/api/v1/admin/{kind}"
        retry = {"headers": {"Idempotency-Key": f"create-{kind}"}}
        created = call(world, "POST", path, token, json=body, **retry)
        assert created.status_code == 201, created.text
        again = call(world, "POST", path, token, json=body, **retry)  # a retry creates nothing
        assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
        item = f"{path}/{created.json()['id']}"
        changed = call(world, "PATCH", item, token, json=changes[kind])
        assert changed.status_code == 200, changed.text
        for field, value in changes[kind].items():
            assert changed.json()[field] == value or Decimal(changed.json()[field]) == Decimal(value)
        assert call(world, "POST", f"{item}/deactivate", token).json()["active"] is False
        assert call(world, "GET", item, token).json()["active"] is False
        assert len(call(world, "GET", path, token, params={"status": "inactive"}).json()["data"]) == 1
        assert call(world, "POST", f"{item}/reactivate", token).json()["active"] is True
        assert len(call(world, "GET", path, token).json()["data"]) == 1
    promotion = call(world, "GET", "/api/v1/admin/promotions", token, params={"q": "SPRING"}).json()["data"]
    assert [(p["code"], p["benefit_display"], p["state"]) for p in promotion] == [
        ("SPRING10", "10 % off", "active")
    ]


def test_promotions_filter_by_state(identity_world: IdentityWorld, shop: Shop) -> None:
    world, token = identity_world, identity_world.a_admin.token
    percent = {"benefit": "percent_off", "percent_off": "5"}
    with clock.frozen(NOW):
        for code, window in {
            "NOW": {},
            "LATER": {"valid_from": "2027-06-01T00:00:00Z"},
            "PAST": {"valid_from": "2027-01-01T00:00:00Z", "valid_until": "2027-02-01T00:00:00Z"},
        }.items():
            body = {"code": code, **percent, **window}
            assert call(world, "POST", "/api/v1/admin/promotions", token, json=body).status_code == 201
        for state, codes in {"active": ["NOW"], "scheduled": ["LATER"], "expired": ["PAST"]}.items():
            listed = call(world, "GET", "/api/v1/admin/promotions", token, params={"state": state})
            assert keys(listed, "code") == codes, state


def test_wrong_fields_each_get_their_own_error_and_nothing_is_created(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world, token = identity_world, identity_world.a_admin.token
    addon = call(
        world, "POST", "/api/v1/admin/addons", token, json={"key": "Bad Key!", "name": "", "price": "-2"}
    )
    assert {e["field"]: e["message"] for e in problem_of(addon, 422)["errors"]} == {
        "key": "Key must be 1-64 lowercase letters, digits, dashes or underscores, starting and ending "
        "with a letter or digit, e.g. 'cloud-cx22' (got 'Bad Key!').",
        "name": "Name must not be empty.",
        "price": "Price must not be negative (got -2).",
    }
    promotion = call(
        world,
        "POST",
        "/api/v1/admin/promotions",
        token,
        json={
            "code": "X",
            "benefit": "percent_off",
            "percent_off": "150",
            "free_days": 3,
            "max_redemptions": 0,
        },
    )
    assert [e["field"] for e in problem_of(promotion, 422)["errors"]] == [
        "max_redemptions",
        "percent_off",
        "free_days",
    ]
    for kind in ("addons", "promotions"):
        assert call(world, "GET", f"/api/v1/admin/{kind}", token).json()["data"] == []


def test_a_promotion_lists_its_redemptions_with_customer_subscription_invoice_and_discount(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world, token = identity_world, identity_world.a_admin.token
    with clock.frozen(NOW):
        body = {"code": "WELCOME10", "benefit": "percent_off", "percent_off": "10"}
        promotion = call(world, "POST", "/api/v1/admin/promotions", token, json=body).json()
        order = {"plan_id": shop.basic_plan_id, "promotion_code": "welcome10"}
        ordered = call(world, "POST", "/api/v1/subscriptions", world.a_customer.token, json=order)
        assert ordered.status_code == 201, ordered.text
        with unit_of_work(world.engine) as session:  # the admin invoices the order right away
            admin = Actor.admin(world.a_admin.tenant_id, user_id=world.a_admin.user_id)
            scope = TenantScope(world.a_admin.tenant_id)
            issued = invoicing.bill_now(session, scope, NOW, customer_account_id=shop.account_id, actor=admin)
            assert len(issued) == 1
        listed = call(world, "GET", f"/api/v1/admin/promotions/{promotion['id']}/redemptions", token)
    assert listed.status_code == 200, listed.text
    [redemption] = listed.json()["data"]
    assert redemption["customer"].startswith("Erika Muster (")
    assert redemption["subscription_number"] == ordered.json()["number"]
    assert redemption["given_back"] is False
    # The first invoice bills the month in advance and took 10 % of 12.00 net = 1.20 off.
    assert redemption["invoice_number"] and redemption["invoice_id"]
    assert (Decimal(redemption["discount"]), redemption["currency"]) == (Decimal("1.20"), "EUR")


def test_customers_are_refused_every_admin_route_and_other_tenants_objects_are_not_found(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world = identity_world
    customer = world.a_customer.token
    for kind in ("service-types", "plans", "addons", "promotions"):
        assert (
            "Only admins" in problem_of(call(world, "GET", f"/api/v1/admin/{kind}", customer), 403)["detail"]
        )
        problem_of(call(world, "POST", f"/api/v1/admin/{kind}", customer, json={}), 422 if kind else 403)
    problem_of(call(world, "GET", f"/api/v1/admin/plans/{shop.basic_plan_id}", customer), 403)
    problem_of(call(world, "POST", f"/api/v1/admin/plans/{shop.retired_plan_id}/reactivate", customer), 403)

    b_token = world.b_admin.token
    st = call(
        world, "POST", "/api/v1/admin/service-types", world.a_admin.token, json={"key": "a", "name": "A"}
    )
    addon = call(world, "POST", "/api/v1/admin/addons", world.a_admin.token, json={"key": "a", "name": "A"})
    promo = call(
        world,
        "POST",
        "/api/v1/admin/promotions",
        world.a_admin.token,
        json={"code": "A", "benefit": "free_days", "free_days": 7},
    )
    b_client = world.client(world.host_b)
    for path in (
        f"/api/v1/admin/service-types/{st.json()['id']}",
        f"/api/v1/admin/addons/{addon.json()['id']}",
        f"/api/v1/admin/promotions/{promo.json()['id']}",
        f"/api/v1/admin/plans/{shop.basic_plan_id}",
    ):
        problem_of(b_client.get(path, headers=bearer(b_token)), 404)
        problem_of(b_client.post(f"{path}/deactivate", headers=bearer(b_token)), 404)
        problem_of(
            b_client.patch(
                path, json={"description": "x"} if "promo" in path else {"name": "x"}, headers=bearer(b_token)
            ),
            404,
        )
    redemptions = f"/api/v1/admin/promotions/{promo.json()['id']}/redemptions"
    problem_of(b_client.get(redemptions, headers=bearer(b_token)), 404)
    assert b_client.get("/api/v1/admin/promotions", headers=bearer(b_token)).json()["data"] == []
