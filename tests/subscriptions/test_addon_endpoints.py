"""/api/v1/subscriptions/{number}/addons and /withdraw with personal access tokens: previews that
equal the change, Idempotency-Key on adding, named refusals, scopes.

Hand-computed: Basic is 12.00 net a month in advance; the addon Backup 3.10 a month. Ordered on
May 10 at 10:00 Berlin (08:00 UTC): the period runs to June 10, 31 days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from backend import clock
from backend.audit.service import Actor
from backend.catalog import addons, plans
from backend.catalog.schemas import AddonInput
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
    clock: clock.FrozenClock
    backup_id: int  # allowed with Basic
    ssd_id: int  # allowed with no plan

    def as_customer(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_customer.token), **options)

    def ordered(self) -> str:
        answer = self.as_customer("POST", "/api/v1/subscriptions", json={"plan_id": self.shop.basic_plan_id})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["number"])


@pytest.fixture
def api(identity_world: IdentityWorld) -> Iterator[Api]:
    world = identity_world
    admin = world.a_admin
    with clock.frozen(NOW) as frozen:
        shop = stock(world.engine, admin, world.a_customer)
        scope, actor = TenantScope(admin.tenant_id), Actor.admin(admin.tenant_id, user_id=admin.user_id)
        with unit_of_work(world.engine) as session:
            backup = addons.create_addon(
                session, scope, AddonInput(key="backup", name="Backup", price=Decimal("3.10")), actor
            )
            ssd = addons.create_addon(
                session, scope, AddonInput(key="ssd", name="SSD", price=Decimal(5)), actor
            )
            plans.allow_addon(session, scope, shop.basic_plan_id, backup.id or 0, actor)
            ids = (backup.id or 0, ssd.id or 0)
        yield Api(world, shop, world.client(world.host_a), frozen, *ids)


def test_a_customer_adds_an_addon_with_its_preview_once_and_removes_it(api: Api) -> None:
    number = api.ordered()
    api.clock.set(datetime(2027, 5, 20, 8, tzinfo=UTC))
    body = {"addon_id": api.backup_id, "quantity": 2}

    preview = api.as_customer("POST", f"/api/v1/subscriptions/{number}/addons/preview", json=body)

    assert preview.status_code == 200, preview.text
    # May 20 to June 10 is 21 of 31 days: 2 x 3.10 x 21/31 = 4.20 now; then 12.00 + 6.20 a month.
    assert [(line["description"], line["amount"]) for line in preview.json()["lines"]] == [
        ("Backup (prorated)", "4.20")
    ]
    assert (preview.json()["total"], preview.json()["recurring_after"]) == ("4.20", "18.20")
    assert api.as_customer("GET", f"/api/v1/subscriptions/{number}").json()["addons"] == []

    headers = {**bearer(api.world.a_customer.token), "Idempotency-Key": "addon-91c2"}
    added = api.client.post(f"/api/v1/subscriptions/{number}/addons", json=body, headers=headers)
    again = api.client.post(f"/api/v1/subscriptions/{number}/addons", json=body, headers=headers)
    assert added.status_code == again.status_code == 201, added.text
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == added.json()
    assert added.json() == preview.json()
    attached = api.as_customer("GET", f"/api/v1/subscriptions/{number}").json()["addons"]
    assert attached == [{"addon_id": api.backup_id, "name": "Backup", "quantity": 2}]

    api.clock.set(datetime(2027, 5, 31, 8, tzinfo=UTC))
    path = f"/api/v1/subscriptions/{number}/addons/{api.backup_id}/remove"
    removal = api.as_customer("POST", f"{path}/preview")
    assert removal.status_code == 200, removal.text
    # The 4.20 covered May 20 - June 10 (21 days); May 31 - June 10 (10 days) goes back: 2.00.
    assert [line["amount"] for line in removal.json()["lines"]] == ["-2.00"]
    assert (removal.json()["total"], removal.json()["recurring_after"]) == ("-2.00", "12.00")
    removed = api.as_customer("POST", path)
    assert removed.status_code == 200 and removed.json() == removal.json()
    assert api.as_customer("GET", f"/api/v1/subscriptions/{number}").json()["addons"] == []


def test_refused_addon_changes_say_why(api: Api) -> None:
    number = api.ordered()
    base = f"/api/v1/subscriptions/{number}/addons"
    not_allowed = problem_of(api.as_customer("POST", base, json={"addon_id": api.ssd_id}), 422)
    assert "SSD is not available with Basic" in not_allowed["detail"]
    assert api.as_customer("POST", base, json={"addon_id": api.backup_id}).status_code == 201
    again = problem_of(api.as_customer("POST", base, json={"addon_id": api.backup_id}), 409)
    assert "already part of this subscription" in again["detail"]
    absent = problem_of(api.as_customer("POST", f"{base}/{api.ssd_id}/remove"), 409)
    assert "SSD is not part of this subscription" in absent["detail"]
    problem_of(api.as_customer("POST", f"{base}/999999/remove/preview"), 404)
    problem_of(api.as_customer("POST", base, json={"addon_id": api.backup_id, "quantity": 0}), 422)


def test_a_read_only_token_previews_addon_changes_but_cannot_make_them(api: Api) -> None:
    number = api.ordered()
    member = api.world.a_customer
    scope = TenantScope(member.tenant_id)
    with unit_of_work(api.world.engine) as session:
        user = auth.signed_in_user(
            session, scope, UserRepository(session, scope).get_or_raise(member.user_id)
        )
        token = api_tokens.create_token(
            session, scope, user, name="ro", scopes=["read"], actor=Actor.for_user(user)
        )
    read_only = bearer(token.token)
    body = {"addon_id": api.backup_id}
    base = f"/api/v1/subscriptions/{number}"
    assert api.client.post(f"{base}/addons/preview", json=body, headers=read_only).status_code == 200
    assert api.client.post(f"{base}/withdraw/preview", headers=read_only).status_code == 200
    refused = problem_of(api.client.post(f"{base}/addons", json=body, headers=read_only), 403)
    assert "write" in refused["detail"]
    problem_of(api.client.post(f"{base}/withdraw", headers=read_only), 403)
    assert api.as_customer("GET", base).json()["addons"] == []


def test_a_consumer_previews_the_withdrawal_then_withdraws(api: Api) -> None:
    number = api.ordered()
    api.clock.set(datetime(2027, 5, 20, 8, tzinfo=UTC))

    preview = api.as_customer("POST", f"/api/v1/subscriptions/{number}/withdraw/preview")

    assert preview.status_code == 200, preview.text
    body = preview.json()
    # 14 days from May 10 10:00 Berlin; the uninvoiced 12.00 is credited for May 20 - June 10:
    # 12.00 x 21/31 = 8.129... -> 8.13, on the next invoice (no credit note).
    assert (body["possible"], body["refusal"], body["deadline"]) == (True, "", "2027-05-24T08:00:00Z")
    assert [line["amount"] for line in body["lines"]] == ["-8.13"]
    assert (body["total"], body["credit_note_amount"]) == ("-8.13", "0.00")
    withdrawn = api.as_customer("POST", f"/api/v1/subscriptions/{number}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "canceled"
    after = api.as_customer("POST", f"/api/v1/subscriptions/{number}/withdraw/preview").json()
    assert after["possible"] is False and "already ended" in after["refusal"]
    problem_of(api.as_customer("POST", f"/api/v1/subscriptions/{number}/withdraw"), 409)
