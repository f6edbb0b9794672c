"""The admin listing API with personal access tokens: customers with their standing, notes, every
subscription filtered, and the immediate cancellation with its preview; plus the console's CSV
download of the notes with the browser's session cookie.

Tenant A's customer (Erika Muster, Germany) orders Basic (10.00 + 20 % margin = 12.00 net a month,
billed in advance) through the API at NOW.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from backend import clock
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

    def as_admin(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_admin.token), **options)

    def as_customer(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_customer.token), **options)


@pytest.fixture
def api(identity_world: IdentityWorld) -> Iterator[Api]:
    with clock.frozen(NOW):
        shop = stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)
        yield Api(identity_world, shop, identity_world.client(identity_world.host_a))


def _order(api: Api) -> str:
    ordered = api.as_customer("POST", "/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id})
    assert ordered.status_code == 201, ordered.text
    return str(ordered.json()["number"])


def test_admins_search_customers_and_read_one_with_its_standing(api: Api) -> None:
    _order(api)
    found = api.as_admin("GET", "/api/v1/admin/customers", params={"search": "erika"})
    assert found.status_code == 200, found.text
    [customer] = found.json()["data"]
    assert (customer["id"], customer["name"], customer["subscriptions"]) == (
        api.shop.account_id,
        "Erika Muster",
        1,
    )
    assert customer["standing"] == "good" and found.json()["has_more"] is False
    nobody = api.as_admin("GET", "/api/v1/admin/customers", params={"search": "nobody"})
    assert nobody.json() == {"data": [], "has_more": False}
    read = api.as_admin("GET", f"/api/v1/admin/customers/{api.shop.account_id}")
    assert read.status_code == 200, read.text
    body = read.json()
    # The first month is charged but not invoiced yet: nothing paid, nothing open.
    assert body["standing"] == {
        "standing": "good",
        "overdue_invoices": 0,
        "unpaid_invoices": 0,
        "by_currency": [],
    }
    assert body["profile"]["country"] == "DE" and [m["role"] for m in body["members"]] == ["owner"]


def test_customers_are_refused_and_another_tenants_customer_is_not_found(api: Api) -> None:
    problem_of(api.as_customer("GET", "/api/v1/admin/customers"), 403)
    problem_of(api.as_customer("GET", f"/api/v1/admin/customers/{api.shop.account_id}/notes"), 403)
    other = api.world.client(api.world.host_b)
    b_admin = bearer(api.world.b_admin.token)
    problem_of(other.get(f"/api/v1/admin/customers/{api.shop.account_id}", headers=b_admin), 404)
    posted = other.post(
        f"/api/v1/admin/customers/{api.shop.account_id}/notes", json={"body": "Hi"}, headers=b_admin
    )
    problem_of(posted, 404)


def test_admins_add_notes_and_read_them_newest_first(api: Api) -> None:
    path = f"/api/v1/admin/customers/{api.shop.account_id}/notes"
    for key, text in (("note-1", "First call."), ("note-2", "Second call.")):
        added = api.client.post(
            path, json={"body": text}, headers={**bearer(api.world.a_admin.token), "Idempotency-Key": key}
        )
        assert added.status_code == 201, added.text
        assert added.json()["author"] == api.world.a_admin.email
    listed = api.as_admin("GET", path, params={"limit": 1})
    assert [n["body"] for n in listed.json()["data"]] == ["Second call."] and listed.json()["has_more"]
    older = api.as_admin("GET", path, params={"starting_after": listed.json()["data"][0]["id"]})
    assert [n["body"] for n in older.json()["data"]] == ["First call."]
    refused = problem_of(api.as_admin("POST", path, json={"body": "  "}), 422)
    assert [(e["field"], e["message"]) for e in refused["errors"]] == [("body", "Write the note first.")]


def test_the_console_downloads_the_notes_as_csv_with_the_admins_session(api: Api) -> None:
    api.as_admin("POST", f"/api/v1/admin/customers/{api.shop.account_id}/notes", json={"body": "=1+1"})
    path = f"/api/admin/customers/{api.shop.account_id}/notes.csv"
    problem_of(api.client.get(path), 401)
    customer = api.world.session_cookie(api.world.a_customer, api.world.host_a)
    problem_of(api.world.client(api.world.host_a).get(path, cookies={"bc_session": customer}), 403)
    admin = api.world.session_cookie(api.world.a_admin, api.world.host_a)
    downloaded = api.world.client(api.world.host_a).get(path, cookies={"bc_session": admin})
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.headers["content-type"] == "text/csv; charset=utf-8"
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(downloaded.content.decode("utf-8-sig"))))
    assert rows[1][1:] == [api.world.a_admin.email, "'=1+1"]


def test_admins_filter_every_subscription(api: Api) -> None:
    number = _order(api)
    listed = api.as_admin("GET", "/api/v1/admin/subscriptions", params={"status": "active"})
    assert [s["number"] for s in listed.json()["data"]] == [number]
    plan = api.as_admin("GET", "/api/v1/admin/subscriptions", params={"plan_id": api.shop.pro_plan_id})
    assert plan.json()["data"] == []
    customer = api.as_admin("GET", "/api/v1/admin/subscriptions", params={"customer": "muster"})
    assert [s["number"] for s in customer.json()["data"]] == [number]
    problem_of(api.as_admin("GET", "/api/v1/admin/subscriptions", params={"status": "gone"}), 422)
    problem_of(api.as_customer("GET", "/api/v1/admin/subscriptions"), 403)


def test_an_admin_previews_then_cancels_immediately_and_the_unused_month_is_credited(api: Api) -> None:
    number = _order(api)
    path = f"/api/v1/admin/subscriptions/{number}/cancel-immediately"
    preview = api.as_admin("POST", f"{path}/preview")
    assert preview.status_code == 200, preview.text
    # Canceled the moment it was ordered: the whole first month (12.00 net) is unused and credited.
    body = preview.json()
    assert (body["credited"], body["charged"], body["total"]) == ("12.00", "0.00", "-12.00")
    assert [line["amount"] for line in body["lines"]] == ["-12.00"]
    problem_of(api.as_customer("POST", path), 403)
    canceled = api.as_admin("POST", path)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    problem_of(api.as_admin("POST", path), 409)
