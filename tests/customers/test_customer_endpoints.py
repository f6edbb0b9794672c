"""/api/v1/profile and /api/v1/members with personal access tokens: the owner edits the profile (a
wrong field is a 422 naming it), invites, changes roles and removes; a viewer's token reads but is
refused every change, whatever scopes it carries (the policy, not the page, says no)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.identity import api_tokens, auth
from backend.identity.users import create_user
from backend.integrations.mail import FileOutbox
from backend.kit.repository import TenantScope
from backend.models import UserRole
from backend.settings import get_settings
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)
PROFILE = {
    "customer_type": "business",
    "name": "Erika Muster",
    "company_name": "Muster Hosting GmbH",
    "address_line1": "Hauptstr. 1",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "de",
    "email": "Billing@Muster.example",
}


@dataclass(frozen=True)
class Api:
    world: IdentityWorld
    shop: Shop
    client: Any

    def as_owner(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_customer.token), **options)

    def invitation_token(self, email: str) -> str:
        """The token of the newest invitation mailed to `email` (the file outbox of MAIL_DIR)."""
        outbox = FileOutbox(Path(get_settings().mail_dir), "test")
        texts = [m.get_body(("plain",)).get_content() for m in outbox.messages() if m["To"] == email]
        links = [found.group(1) for text in texts for found in re.finditer(r"/invitations/([\w-]+)", text)]
        assert links, f"no invitation mailed to {email}"
        return links[-1]

    def member_with_token(self, email: str, role: str) -> str:
        """Invite `email` with `role` as the owner, accept it as a new user, and return the new
        member's API token (read and write scopes)."""
        invited = self.as_owner("POST", "/api/v1/members/invitations", json={"email": email, "role": role})
        assert invited.status_code == 201, invited.text
        from backend.customers import members

        scope = TenantScope(self.world.a_admin.tenant_id)
        with unit_of_work(self.world.engine) as session:
            user = create_user(
                session, scope, email=email, password="Member-pass-2027", role=UserRole.CUSTOMER
            )
            signed_in = auth.signed_in_user(session, scope, user)
            members.accept_invitation(session, scope, Actor.for_user(signed_in), self.invitation_token(email))
            signed_in = auth.signed_in_user(session, scope, user)
            return api_tokens.create_token(
                session,
                scope,
                signed_in,
                name="cli",
                scopes=["read", "write"],
                actor=Actor.for_user(signed_in),
            ).token


@pytest.fixture
def api(identity_world: IdentityWorld) -> Iterator[Api]:
    world = identity_world
    with clock.frozen(NOW):
        shop = stock(world.engine, world.a_admin, world.a_customer)
        yield Api(world, shop, world.client(world.host_a))


def test_the_owner_reads_and_saves_the_profile_and_a_wrong_field_is_named(api: Api) -> None:
    read = api.as_owner("GET", "/api/v1/profile")
    assert read.status_code == 200, read.text
    assert read.json()["vat_id_status"] == "unchecked"
    wrong = problem_of(
        api.as_owner("PUT", "/api/v1/profile", json=PROFILE | {"postal_code": "", "vat_id": "XX1"}), 422
    )
    assert {e["field"] for e in wrong["errors"]} == {"postal_code", "vat_id"}
    saved = api.as_owner("PUT", "/api/v1/profile", json=PROFILE)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["country"], body["email"], body["company_name"]) == (
        "DE",
        "billing@muster.example",
        "Muster Hosting GmbH",
    )
    assert body["missing_for_order"] == []


def test_the_owner_invites_changes_a_role_and_removes_a_member(api: Api) -> None:
    headers = {**bearer(api.world.a_customer.token), "Idempotency-Key": "invite-1"}
    first = api.client.post("/api/v1/members/invitations", json={"email": "ana@example.com"}, headers=headers)
    again = api.client.post("/api/v1/members/invitations", json={"email": "ana@example.com"}, headers=headers)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    listed = api.as_owner("GET", "/api/v1/members").json()
    assert [(m["email"], m["role"]) for m in listed["members"]] == [(api.world.a_customer.email, "owner")]
    assert [(i["email"], i["role"]) for i in listed["invitations"]] == [("ana@example.com", "viewer")]
    revoked = api.as_owner("DELETE", f"/api/v1/members/invitations/{first.json()['id']}")
    assert revoked.status_code == 204
    assert api.as_owner("GET", "/api/v1/members").json()["invitations"] == []

    api.member_with_token("bea@example.com", "viewer")
    bea = next(
        m for m in api.as_owner("GET", "/api/v1/members").json()["members"] if m["email"] == "bea@example.com"
    )
    changed = api.as_owner("PATCH", f"/api/v1/members/{bea['id']}", json={"role": "billing"})
    assert changed.status_code == 200 and changed.json()["role"] == "billing"
    assert api.as_owner("DELETE", f"/api/v1/members/{bea['id']}").status_code == 204
    owner = api.as_owner("GET", "/api/v1/members").json()["members"][0]
    last = problem_of(api.as_owner("DELETE", f"/api/v1/members/{owner['id']}"), 409)
    assert "last owner" in last["detail"]


def test_a_viewer_reads_but_is_refused_every_change(api: Api) -> None:
    viewer = bearer(api.member_with_token("vera@example.com", "viewer"))
    ordered = api.as_owner("POST", "/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id})
    number = ordered.json()["number"]
    assert api.client.get(f"/api/v1/subscriptions/{number}", headers=viewer).status_code == 200
    assert api.client.get("/api/v1/profile", headers=viewer).status_code == 200
    assert api.client.get("/api/v1/members", headers=viewer).status_code == 200
    refusals = [
        api.client.post(f"/api/v1/subscriptions/{number}/cancel", headers=viewer),
        api.client.post("/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id}, headers=viewer),
        api.client.post(
            f"/api/v1/subscriptions/{number}/plan-change",
            json={"plan_id": api.shop.pro_plan_id},
            headers=viewer,
        ),
        api.client.put("/api/v1/profile", json=PROFILE, headers=viewer),
        api.client.post("/api/v1/members/invitations", json={"email": "x@example.com"}, headers=viewer),
    ]
    for refused in refusals:
        assert "Only owners" in problem_of(refused, 403)["detail"]
    assert api.as_owner("GET", f"/api/v1/subscriptions/{number}").json()["status"] == "active"


def test_a_billing_member_orders_but_does_not_manage_members(api: Api) -> None:
    billing = bearer(api.member_with_token("bill@example.com", "billing"))
    ordered = api.client.post(
        "/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id}, headers=billing
    )
    assert ordered.status_code == 201, ordered.text
    refused = api.client.post("/api/v1/members/invitations", json={"email": "x@example.com"}, headers=billing)
    assert "Only owners of the customer account" in problem_of(refused, 403)["detail"]


def test_an_admin_token_has_no_account_of_its_own(api: Api) -> None:
    answer = api.client.get("/api/v1/members", headers=bearer(api.world.a_admin.token))
    assert "no customer account" in problem_of(answer, 404)["detail"]
