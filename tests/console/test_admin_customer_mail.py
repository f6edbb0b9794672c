"""The mail section of the admin customer page, as its state runs it (tenant A of the identity
world with the stocked shop of tests/console/test_admin_pages.py: Erika orders Basic at NOW)."""

from __future__ import annotations

import pytest

from backend import clock
from backend.db import unit_of_work
from backend.kit.repository import TenantScope
from backend.mail import MailKind, MailRequest, queue_mail
from billing_console.state.admin_customer_mail import AdminCustomerMailState
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import NOW, page_state, shop  # noqa: F401 - the fixture
from tests.console.test_identity_states import redirects, run
from tests.subscriptions.shop import Shop

pytestmark = pytest.mark.redis


def test_the_admin_sees_the_customers_mail_newest_first_ten_at_a_time(
    identity_world: IdentityWorld,
    shop: tuple[Shop, str],  # noqa: F811 - the fixture
) -> None:
    world, (stocked, number) = identity_world, shop
    scope = TenantScope(world.a_admin.tenant_id)
    with clock.frozen(NOW):
        with unit_of_work(world.engine) as session:
            for step in range(1, 11):
                context = {
                    "customer_name": "Erika Muster",
                    "link": "/invoices/INV-1",
                    "invoice_number": "INV-1",
                    "balance": "12.00",
                    "currency": "EUR",
                    "due_date": "2027-05-01",
                    "step": step,
                    "days_overdue": 9,
                }
                request = MailRequest(
                    MailKind.PAYMENT_REMINDER, "erika@example.test", stocked.account_id, context
                )
                queue_mail(session, scope, request)
        page = page_state(
            AdminCustomerMailState, world, world.a_admin, f"/admin/customers/{stocked.account_id}"
        )
        run(AdminCustomerMailState.load.fn, page)
        assert not page.mail_loading and page.more_deliveries and len(page.deliveries) == 10
        assert (
            page.deliveries[0].kind == "Payment reminder"
            and "10. Zahlungserinnerung" in page.deliveries[0].subject
        )
        assert page.deliveries[0].status == "queued" and page.deliveries[0].queued == "2027-05-10 10:00"

        run(AdminCustomerMailState.load_older.fn, page)
        assert not page.more_deliveries and len(page.deliveries) == 11
        oldest = page.deliveries[-1]
        assert oldest.kind == "Subscription created"
        assert number in oldest.subject


def test_a_customer_calling_the_mail_handlers_is_sent_to_the_dashboard(
    identity_world: IdentityWorld,
    shop: tuple[Shop, str],  # noqa: F811 - the fixture
) -> None:
    account = shop[0].account_id
    for handler in (AdminCustomerMailState.load.fn, AdminCustomerMailState.load_older.fn):
        state = page_state(
            AdminCustomerMailState, identity_world, identity_world.a_customer, f"/admin/customers/{account}"
        )
        with clock.frozen(NOW):
            assert redirects(run(handler, state)) == ["/dashboard"]
        assert state.deliveries == []
