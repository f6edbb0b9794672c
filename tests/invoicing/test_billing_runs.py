"""Bill now as a billing run: the job bills customer after customer, counts what it issued, what
waits below the tenant's minimum and what failed, and a second execution changes nothing.

Plans are billed monthly in advance from an order on 10 January 2027 (Berlin): the first period
10 Jan - 1 Feb is charged at order, prorated; the amounts below are only compared between runs.
"""

from __future__ import annotations

import pytest

from backend.invoicing import billing_runs
from backend.invoicing.tasks import BILL_NOW
from backend.kit.errors import NotFoundError, PermissionDenied
from backend.kit.policy import Actor
from backend.models import BillingRunStatus, CustomerAccount, InvoiceStatus
from tests.billing.world import World, utc


def _run(world: World, customer: CustomerAccount | None = None) -> int:
    run = billing_runs.request_bill_now(
        world.session,
        world.scope,
        world.admin,
        world.now,
        customer_account_id=customer.id if customer else None,
    )
    assert run.id is not None and run.status == BillingRunStatus.QUEUED
    return run.id


def test_a_run_for_all_issues_what_is_due_and_counts_what_waits_below_the_minimum(world: World) -> None:
    world.tenant.settings = {"billing": {"minimum_invoice_amount": "20.00"}}
    world.at(utc(2027, 1, 10, 9))
    big, small = world.customer(billing_day=1), world.customer(billing_day=1)
    world.order(big, world.plan("dedicated", "90.00"))
    world.order(small, world.plan("mail", "1.00"))  # under 1 EUR for the rest of January
    run_id = _run(world)
    assert BILL_NOW.find_units(world.session, world.scope, world.now) == [f"run:{run_id}"]

    assert BILL_NOW.run_unit(world.session, world.scope, f"run:{run_id}", world.now) == 2

    view = billing_runs.billing_run(world.session, world.scope, world.admin, run_id)
    assert (view.status, view.done, view.total) == ("done", 2, 2)
    assert (view.issued, view.skipped_below_minimum, view.errors) == (1, 1, 0)
    [invoice] = [i for i in world.invoices() if i.customer_account_id == big.id]
    assert view.invoice_numbers == [invoice.number] == ["INV-2027-00001"]
    assert invoice.status == InvoiceStatus.ISSUED
    assert [i.customer_account_id for i in world.invoices()] == [big.id]
    assert BILL_NOW.find_units(world.session, world.scope, world.now) == []


def test_running_a_finished_run_again_changes_nothing(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    customer = world.customer()
    world.order(customer, world.plan("web", "10.00"))
    run_id = _run(world, customer)
    assert BILL_NOW.run_unit(world.session, world.scope, f"run:{run_id}", world.now) == 1
    assert BILL_NOW.run_unit(world.session, world.scope, f"run:{run_id}", world.now) == 0
    view = billing_runs.billing_run(world.session, world.scope, world.admin, run_id)
    assert (view.issued, view.done, view.total) == (1, 1, 1)
    assert len(world.invoices()) == 1


def _customer_without_a_usd_rate(world: World) -> CustomerAccount:
    """A consumer in Austria ordering in USD: the OSS threshold is counted in EUR, and the tenant
    has no USD exchange rate, so invoicing them fails (MissingExchangeRate) until one is added."""
    customer = world.customer(country="AT")
    world.order(customer, world.plan("usd-web", "10.00", currency="USD"))
    return customer


def test_a_customer_that_cannot_be_billed_is_counted_as_an_error_and_the_others_are_billed(
    world: World,
) -> None:
    world.at(utc(2027, 1, 10, 9))
    fine = world.customer()
    world.order(fine, world.plan("web", "10.00"))
    _customer_without_a_usd_rate(world)
    run_id = _run(world)
    BILL_NOW.run_unit(world.session, world.scope, f"run:{run_id}", world.now)
    view = billing_runs.billing_run(world.session, world.scope, world.admin, run_id)
    assert (view.status, view.issued, view.errors, view.done, view.total) == ("done", 1, 1, 2, 2)
    assert "USD" in view.last_error
    assert [i.customer_account_id for i in world.invoices()] == [fine.id]


def test_a_run_for_one_customer_needs_an_admin_and_a_customer_of_the_tenant(world: World) -> None:
    customer = world.customer()
    with pytest.raises(PermissionDenied):
        billing_runs.request_bill_now(
            world.session, world.scope, Actor.customer(world.scope.tenant_id, customer.id or 0), world.now
        )
    with pytest.raises(NotFoundError):
        billing_runs.request_bill_now(
            world.session, world.scope, world.admin, world.now, customer_account_id=(customer.id or 0) + 1000
        )
    assert billing_runs.latest_run(world.session, world.scope, world.admin) is None


def test_a_run_where_every_customer_fails_is_marked_failed(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    _customer_without_a_usd_rate(world)
    run_id = _run(world)
    BILL_NOW.run_unit(world.session, world.scope, f"run:{run_id}", world.now)
    latest = billing_runs.latest_run(world.session, world.scope, world.admin)
    assert latest is not None and (latest.job_id, latest.status, latest.errors) == (run_id, "failed", 1)
    assert world.invoices() == []
