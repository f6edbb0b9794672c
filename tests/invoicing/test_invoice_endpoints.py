"""/api/v1/invoices with personal access tokens: the statement, one invoice, and who gets a 404.

Amounts are worked out by hand: plan Basic costs 10.00 + 20 % margin = 12.00 net a month, Pro
20.00; the customers are German consumers of a German issuer (19 % VAT), billed a whole month in
advance when they order. Tenant A: Erika (the identity world's customer) has INV-2027-00001
(Basic: 14.28, open, due 14 days after issue) and INV-2027-00002 (Pro: 23.80, paid); another
customer of A, Max, has INV-2027-00003. Tenant B issued four invoices, so its INV-2027-00004 is a
number A never had.
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
from backend.customers.service import open_account_for_user
from backend.db import unit_of_work
from backend.identity.users import create_user
from backend.invoicing import service as invoicing
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, UserRole
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld, Member
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Api:
    world: IdentityWorld
    client: Any

    def get(self, member: Member, path: str, **options: Any) -> Any:
        return self.client.get(path, headers=bearer(member.token), **options)


def _invoice(engine: Any, admin: Member, account_id: int, plan_id: int, *, paid: bool = False) -> str:
    """Order `plan_id` for the account and invoice it at once; the invoice's number."""
    scope, actor = TenantScope(admin.tenant_id), Actor.admin(admin.tenant_id, user_id=admin.user_id)
    with unit_of_work(engine) as session:
        Lifecycle(session, scope, actor).order(OrderRequest(account_id, plan_id), NOW)
        [invoice] = invoicing.bill_now(session, scope, NOW, customer_account_id=account_id, actor=actor)
        if paid:
            invoicing.mark_paid(session, scope, invoice.id or 0, NOW, actor=actor, reason="Transfer received")
        return str(invoice.number)


def _another_customer(engine: Any, admin: Member) -> int:
    scope = TenantScope(admin.tenant_id)
    with unit_of_work(engine) as session:
        user = create_user(
            session, scope, email="max@example.com", password="Max-pass-2027", role=UserRole.CUSTOMER
        )
        profile = CustomerProfile(
            customer_account_id=0, name="Max Stranger", country="DE", email="max@example.com", billing_day=1
        )
        return open_account_for_user(session, scope, user, profile).id or 0


@pytest.fixture
def api(identity_world: IdentityWorld) -> Iterator[Api]:
    world = identity_world
    with clock.frozen(NOW):
        shop: Shop = stock(world.engine, world.a_admin, world.a_customer)
        assert _invoice(world.engine, world.a_admin, shop.account_id, shop.basic_plan_id) == "INV-2027-00001"
        paid = _invoice(world.engine, world.a_admin, shop.account_id, shop.pro_plan_id, paid=True)
        assert paid == "INV-2027-00002"
        stranger = _another_customer(world.engine, world.a_admin)
        assert _invoice(world.engine, world.a_admin, stranger, shop.basic_plan_id) == "INV-2027-00003"
        b_shop = stock(world.engine, world.b_admin, world.b_customer)
        b_numbers = [
            _invoice(world.engine, world.b_admin, b_shop.account_id, b_shop.basic_plan_id) for _ in "1234"
        ]
        assert b_numbers[-1] == "INV-2027-00004"
        yield Api(world, world.client(world.host_a))


def test_a_customer_lists_their_invoices_open_first_with_amounts_as_decimal_strings(api: Api) -> None:
    response = api.get(api.world.a_customer, "/api/v1/invoices")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["has_more"] is False
    rows = [(i["number"], i["status"], i["gross"], i["balance_due"], i["due_at"]) for i in body["data"]]
    assert rows == [
        ("INV-2027-00001", "issued", "14.28", "14.28", "2027-05-24T08:00:00Z"),
        ("INV-2027-00002", "paid", "23.80", "0.00", "2027-05-24T08:00:00Z"),
    ]
    first = body["data"][0]
    assert (first["net"], first["tax"], first["currency"]) == ("12.00", "2.28", "EUR")
    assert first["pdf_url"] == "/api/v1/invoices/INV-2027-00001/pdf"
    assert first["credit_notes"] == []


def test_the_list_pages_by_cursor_and_filters_by_status(api: Api) -> None:
    first = api.get(api.world.a_customer, "/api/v1/invoices", params={"limit": 1}).json()
    assert [i["number"] for i in first["data"]] == ["INV-2027-00001"] and first["has_more"] is True
    cursor = first["data"][0]["id"]
    rest = api.get(api.world.a_customer, "/api/v1/invoices", params={"limit": 1, "starting_after": cursor})
    assert [i["number"] for i in rest.json()["data"]] == ["INV-2027-00002"]
    assert rest.json()["has_more"] is False
    paid = api.get(api.world.a_customer, "/api/v1/invoices", params={"status": "paid"}).json()
    assert [i["number"] for i in paid["data"]] == ["INV-2027-00002"]
    for wrong in ("draft", "unpaid"):
        refused = problem_of(api.get(api.world.a_customer, "/api/v1/invoices", params={"status": wrong}), 422)
        assert "status" in str(refused)


def test_an_admin_lists_every_customers_invoices(api: Api) -> None:
    body = api.get(api.world.a_admin, "/api/v1/invoices").json()
    assert [i["number"] for i in body["data"]] == ["INV-2027-00001", "INV-2027-00003", "INV-2027-00002"]


def test_one_invoice_in_full(api: Api) -> None:
    response = api.get(api.world.a_customer, "/api/v1/invoices/INV-2027-00001")
    assert response.status_code == 200, response.text
    invoice = response.json()
    assert (invoice["number"], invoice["status"], invoice["buyer_name"]) == (
        "INV-2027-00001",
        "issued",
        "Erika Muster",
    )
    assert (invoice["net"], invoice["tax"], invoice["gross"], invoice["balance_due"]) == (
        "12.00",
        "2.28",
        "14.28",
        "14.28",
    )
    [line] = invoice["lines"]
    assert (line["quantity"], line["net"], line["tax"], line["gross"]) == (
        "1",
        "12.00",
        "2.28",
        "14.28",
    )
    assert line["tax_rate"] == "19" and line["period_start"] == "2027-05-10T08:00:00Z"
    [rate] = invoice["tax_breakdown"]
    assert (rate["category"], Decimal(rate["rate"]), rate["net"], rate["tax"]) == (
        "standard",
        19,
        "12.00",
        "2.28",
    )
    assert (invoice["tax_mode"], invoice["pdf_url"]) == ("domestic", "/api/v1/invoices/INV-2027-00001/pdf")


def test_another_customers_invoice_is_404_like_one_that_does_not_exist(api: Api) -> None:
    strangers = problem_of(api.get(api.world.a_customer, "/api/v1/invoices/INV-2027-00003"), 404)
    missing = problem_of(api.get(api.world.a_customer, "/api/v1/invoices/INV-2027-00099"), 404)
    assert strangers["detail"] == missing["detail"] == "Invoice not found."
    assert api.get(api.world.a_admin, "/api/v1/invoices/INV-2027-00003").status_code == 200


def test_another_tenants_invoice_is_not_found_and_its_token_unknown(api: Api) -> None:
    problem_of(api.get(api.world.a_admin, "/api/v1/invoices/INV-2027-00004"), 404)
    assert api.get(api.world.b_admin, "/api/v1/invoices").status_code == 401
    b_client = api.world.client(api.world.host_b)
    b_list = b_client.get("/api/v1/invoices", headers=bearer(api.world.b_customer.token)).json()
    # B's own four, all due the same day: by id
    assert [i["number"] for i in b_list["data"]] == [f"INV-2027-0000{n}" for n in range(1, 5)]


def test_a_malformed_number_or_cursor_is_a_422_naming_it(api: Api) -> None:
    for wrong in ("SUB-000001", "INV-2027-1", "inv-2027-00001-CN1"):
        refused = problem_of(api.get(api.world.a_customer, f"/api/v1/invoices/{wrong}"), 422)
        assert "invoice_number" in str(refused)
    stranger_cursor = api.get(api.world.a_admin, "/api/v1/invoices").json()["data"][1]["id"]  # Max's
    refused = problem_of(
        api.get(api.world.a_customer, "/api/v1/invoices", params={"starting_after": stranger_cursor}), 422
    )
    assert "starting_after" in refused["detail"]
