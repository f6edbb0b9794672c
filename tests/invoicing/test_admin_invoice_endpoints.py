"""The admin invoice API with personal access tokens: a manual draft issued, searched, voided with
its credit note, marked paid and unpaid with a reason; bill now as a job read under /admin/jobs;
idempotent POSTs, problem+json refusals and 404 across tenants.

Tenant A's customer Erika Muster (Germany, private) is billed German VAT: a draft line of
2 × 45.50 = 91.00 net carries 17.29 tax (91.00 × 19 % = 17.29), 108.29 gross.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from backend import clock
from jobs import tasks
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)
DRAFT_LINES = [
    {"description": "Migration", "quantity": "2", "unit_price": "45.50", "tax_category": "standard"}
]


@dataclass(frozen=True)
class Api:
    world: IdentityWorld
    shop: Shop
    client: Any

    def as_admin(self, method: str, path: str, key: str = "", **options: Any) -> Any:
        headers = bearer(self.world.a_admin.token) | ({"Idempotency-Key": key} if key else {})
        return self.client.request(method, path, headers=headers, **options)

    def as_customer(self, method: str, path: str, **options: Any) -> Any:
        return self.client.request(method, path, headers=bearer(self.world.a_customer.token), **options)

    def as_other_admin(self, method: str, path: str, **options: Any) -> Any:
        other = self.world.client(self.world.host_b)
        return other.request(method, path, headers=bearer(self.world.b_admin.token), **options)


@pytest.fixture
def api(identity_world: IdentityWorld) -> Iterator[Api]:
    with clock.frozen(NOW):
        shop = stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)
        yield Api(identity_world, shop, identity_world.client(identity_world.host_a))


def _issued(api: Api) -> str:
    body = {"customer_account_id": api.shop.account_id, "lines": DRAFT_LINES}
    draft = api.as_admin("POST", "/api/v1/admin/invoices", json=body)
    assert draft.status_code == 201, draft.text
    assert draft.json()["invoice"]["status"] == "draft" and draft.json()["invoice"]["number"] == ""
    issued = api.as_admin("POST", f"/api/v1/admin/invoices/{draft.json()['invoice']['id']}/issue")
    assert issued.status_code == 200, issued.text
    return str(issued.json()["invoice"]["number"])


def test_an_admin_writes_a_draft_issues_it_and_finds_it(api: Api) -> None:
    number = _issued(api)
    assert number == "INV-2027-00001"
    found = api.as_admin("GET", "/api/v1/admin/invoices", params={"number": "00001", "status": "issued"})
    assert found.status_code == 200, found.text
    [row] = found.json()["data"]
    assert (row["number"], row["customer_name"], row["net"], row["gross"], row["balance_due"]) == (
        number, "Erika Muster", "91.00", "108.29", "108.29"
    )  # fmt: skip
    file = api.as_admin("GET", f"/api/v1/admin/invoices/{number}").json()
    shown = [
        (line["quantity"], line["unit_price"], line["net"], line["tax"], line["tax_rate"])
        for line in file["lines"]
    ]
    assert shown == [("2", "45.50", "91.00", "17.29", "19")]
    assert [entry["action"] for entry in file["history"]] == ["invoice.issue", "invoice.draft_created"]


def test_void_answers_the_credit_note_and_mark_paid_needs_a_reason(api: Api) -> None:
    number = _issued(api)
    refused = api.as_admin("POST", f"/api/v1/admin/invoices/{number}/mark-paid", json={"reason": " "})
    assert [error["field"] for error in problem_of(refused, 422)["errors"]] == ["reason"]
    paid = api.as_admin(
        "POST", f"/api/v1/admin/invoices/{number}/mark-paid", json={"reason": "Transfer 4711"}
    )
    assert paid.status_code == 200 and paid.json()["invoice"]["status"] == "paid"
    not_voidable = api.as_admin("POST", f"/api/v1/admin/invoices/{number}/void", json={"reason": "Mistake"})
    assert "Refund it with a credit note" in problem_of(not_voidable, 409)["detail"]
    unpaid = api.as_admin("POST", f"/api/v1/admin/invoices/{number}/mark-unpaid", json={"reason": "Bounced"})
    assert unpaid.status_code == 200 and unpaid.json()["invoice"]["balance_due"] == "108.29"
    voided = api.as_admin("POST", f"/api/v1/admin/invoices/{number}/void", json={"reason": "Mistake"})
    assert voided.status_code == 200, voided.text
    body = voided.json()
    assert body["invoice"]["status"] == "void" and body["invoice"]["balance_due"] == "0.00"
    assert [(n["number"], n["gross"], n["reason"]) for n in body["credit_notes"]] == [
        (f"{number}-CN1", "108.29", "Mistake")
    ]
    assert [(e["action"], e["reason"]) for e in body["history"][:3]] == [
        ("invoice.void", "Mistake"),
        ("invoice.mark_unpaid", "Bounced"),
        ("invoice.mark_paid", "Transfer 4711"),
    ]


def test_a_replayed_issue_answers_the_first_result_and_issues_once(api: Api) -> None:
    body = {"customer_account_id": api.shop.account_id, "lines": DRAFT_LINES}
    draft_id = api.as_admin("POST", "/api/v1/admin/invoices", json=body).json()["invoice"]["id"]
    first = api.as_admin("POST", f"/api/v1/admin/invoices/{draft_id}/issue", key="issue-1")
    again = api.as_admin("POST", f"/api/v1/admin/invoices/{draft_id}/issue", key="issue-1")
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    other_key = api.as_admin("POST", f"/api/v1/admin/invoices/{draft_id}/issue", key="issue-2")
    assert "only drafts" in problem_of(other_key, 409)["detail"]
    listed = api.as_admin("GET", "/api/v1/admin/invoices").json()["data"]
    assert [row["number"] for row in listed] == ["INV-2027-00001"]


def test_bill_now_answers_a_job_whose_summary_is_read_when_it_is_done(api: Api) -> None:
    ordered = api.as_customer("POST", "/api/v1/subscriptions", json={"plan_id": api.shop.basic_plan_id})
    assert ordered.status_code == 201, ordered.text
    asked = api.as_admin("POST", "/api/v1/admin/bill-now", key="bill-1", json={})
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert (job["status"], job["scope"], job["done"], job["total"]) == ("queued", "all", 0, 0)
    replayed = api.as_admin("POST", "/api/v1/admin/bill-now", key="bill-1", json={})
    assert replayed.json()["job_id"] == job["job_id"]

    with clock.frozen(NOW):
        assert tasks.run_unit("bill_now", api.world.a_admin.tenant_id, f"run:{job['job_id']}") == 1
    done = api.as_admin("GET", f"/api/v1/admin/jobs/{job['job_id']}").json()
    assert (done["status"], done["done"], done["total"], done["issued"]) == ("done", 1, 1, 1)
    assert (done["skipped_below_minimum"], done["errors"]) == (0, 0)
    assert done["invoice_numbers"] == ["INV-2027-00001"]


def test_other_tenants_and_customers_get_404_or_403(api: Api) -> None:
    number = _issued(api)
    job = api.as_admin("POST", "/api/v1/admin/bill-now", json={}).json()["job_id"]
    for method, path, body in [
        ("GET", f"/api/v1/admin/invoices/{number}", None),
        ("POST", f"/api/v1/admin/invoices/{number}/mark-paid", {"reason": "x"}),
        ("POST", f"/api/v1/admin/invoices/{number}/void", {"reason": "x"}),
        ("GET", f"/api/v1/admin/jobs/{job}", None),
        ("POST", "/api/v1/admin/bill-now", {"customer_account_id": api.shop.account_id}),
    ]:
        problem_of(api.as_other_admin(method, path, json=body), 404)
    problem_of(api.as_customer("GET", f"/api/v1/admin/invoices/{number}"), 403)
    problem_of(api.as_customer("POST", "/api/v1/admin/bill-now", json={}), 403)
    assert api.as_admin("GET", f"/api/v1/admin/invoices/{number}").json()["invoice"]["status"] == "issued"
