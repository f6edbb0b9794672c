"""The admin payments API: a bank transfer in part, then the rest; more than the balance is a 422
problem changing nothing; a replayed POST pays once; a refund answers its credit note; another
tenant's invoice is 404.

The invoice: 2 x 45.50 = 91.00 net, 19 % = 17.29 tax, 108.29 gross (Erika Muster, Germany).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from backend import clock
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)
LINES = [{"description": "Migration", "quantity": "2", "unit_price": "45.50", "tax_category": "standard"}]


class Admin:
    def __init__(self, world: IdentityWorld, account_id: int) -> None:
        self.world, self.account_id = world, account_id
        self.client = world.client(world.host_a)

    def call(self, method: str, path: str, key: str = "", **options: Any) -> Any:
        headers = bearer(self.world.a_admin.token) | ({"Idempotency-Key": key} if key else {})
        return self.client.request(method, path, headers=headers, **options)

    def issued(self) -> str:
        body = {"customer_account_id": self.account_id, "lines": LINES}
        draft = self.call("POST", "/api/v1/admin/invoices", json=body).json()["invoice"]["id"]
        return str(self.call("POST", f"/api/v1/admin/invoices/{draft}/issue").json()["invoice"]["number"])

    def invoice(self, number: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/v1/admin/invoices/{number}").json())


@pytest.fixture
def admin(identity_world: IdentityWorld) -> Iterator[Admin]:
    with clock.frozen(NOW):
        shop = stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)
        yield Admin(identity_world, shop.account_id)


def test_a_transfer_in_part_then_the_rest_then_a_refund_with_its_credit_note(admin: Admin) -> None:
    number = admin.issued()
    path = f"/api/v1/admin/invoices/{number}/payments"
    first = admin.call("POST", path, key="t1", json={"amount": "100.00", "reference": "SEPA 1"})
    assert first.status_code == 201, first.text
    assert admin.invoice(number)["invoice"]["balance_due"] == "8.29"  # 108.29 - 100.00
    too_much = admin.call("POST", path, key="t2", json={"amount": "8.30", "reference": "SEPA 2"})
    assert [e["field"] for e in problem_of(too_much, 422)["errors"]] == ["amount"]
    replay = admin.call("POST", path, key="t1", json={"amount": "100.00", "reference": "SEPA 1"})
    assert replay.status_code == 201 and len(replay.json()["payments"]) == 1
    rest = admin.call("POST", path, key="t3", json={"amount": "8.29", "reference": "SEPA 2"})
    assert rest.status_code == 201
    assert [(p["amount"], p["status"], p["reference"]) for p in rest.json()["payments"]] == [
        ("100.00", "succeeded", "SEPA 1"),
        ("8.29", "succeeded", "SEPA 2"),
    ]
    assert admin.invoice(number)["invoice"]["status"] == "paid"

    refunds = f"/api/v1/admin/invoices/{number}/refunds"
    several = admin.call("POST", refunds, key="r0", json={"amount": "1.00", "reason": "Goodwill"})
    assert [e["field"] for e in problem_of(several, 422)["errors"]] == ["payment_id"]
    payment_id = rest.json()["payments"][0]["id"]
    body = {"amount": "11.90", "reason": "Goodwill", "payment_id": payment_id}
    refunded = admin.call("POST", refunds, key="r1", json=body)
    assert refunded.status_code == 201, refunded.text
    [refund] = refunded.json()["refunds"]
    assert (refund["amount"], refund["status"], refund["credit_note"]) == (
        "11.90",
        "succeeded",
        f"{number}-CN1",
    )
    # 11.90 gross at 19 %: 11.90 / 1.19 = 10.00 net, 1.90 tax.
    [note] = admin.invoice(number)["credit_notes"]
    assert (note["net"], note["tax"], note["gross"], note["refund_amount"]) == (
        "10.00",
        "1.90",
        "11.90",
        "11.90",
    )
    assert refunded.json()["payments"][0]["refundable"] == "88.10"


def test_another_tenants_invoice_is_not_found(admin: Admin) -> None:
    number = admin.issued()
    other = admin.world.client(admin.world.host_b)
    headers = bearer(admin.world.b_admin.token)
    response = other.post(
        f"/api/v1/admin/invoices/{number}/payments",
        headers=headers,
        json={"amount": "1.00", "reference": "X"},
    )
    assert response.status_code == 404
    assert admin.invoice(number)["invoice"]["balance_due"] == "108.29"
