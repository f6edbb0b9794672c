"""The admin overview's headline figures lead to the lists behind them: each list, filtered as the
figure's link filters it, holds exactly what the figure counts. On the demo as of `DEMO_AS_OF`.

Written out from the demo (tests/reporting/test_admin_read_models.py lists its invoices): unpaid are
Erika's INV-2026-00017 (overdue) and -00021 (issued) and Nordwind's -00016 (overdue); the demo's
seven subscriptions less the canceled one run.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session

from backend.invoicing import admin_reads
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models.statuses import INVOICE_STATUS_GROUPS, SUBSCRIPTION_STATUS_GROUPS
from backend.reporting import admin_subscriptions, customers, overview
from backend.tenancy.service import scope_for_slug
from billing_console.components.standing import INVOICE_STATUS_GROUP_LABELS
from billing_console.components.status import SUBSCRIPTION_STATUS_GROUP_LABELS
from billing_console.views.admin import FIGURE_LISTS


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


@pytest.fixture
def admin(scope: TenantScope) -> Actor:
    return Actor.admin(scope.tenant_id)


def _status(figure: str) -> str:
    return parse_qs(urlsplit(FIGURE_LISTS[figure]).query)["status"][0]


def _invoices(session: Session, scope: TenantScope, admin: Actor, status: str) -> set[str]:
    found = admin_reads.invoice_list(
        session, scope, admin, admin_reads.checked_filter(status=status), per_page=100
    )
    return {row.number or "" for row in found.invoices}


def test_the_invoice_figures_count_what_their_lists_show(
    demo_session: Session, scope: TenantScope, admin: Actor, demo_clock: object
) -> None:
    figures = overview.admin_overview(demo_session, scope, admin)
    unpaid = _invoices(demo_session, scope, admin, _status("unpaid_invoices"))
    overdue = _invoices(demo_session, scope, admin, _status("overdue_invoices"))
    assert unpaid == {"INV-2026-00016", "INV-2026-00017", "INV-2026-00021"}
    assert overdue == {"INV-2026-00016", "INV-2026-00017"}
    assert (figures.unpaid_invoices, figures.overdue_invoices) == (len(unpaid), len(overdue))
    paid = _invoices(demo_session, scope, admin, _status("paid_invoices"))
    assert "INV-2025-00001" in paid and not paid & unpaid


def test_the_customer_and_subscription_figures_count_what_their_lists_show(
    demo_session: Session, scope: TenantScope, admin: Actor, demo_clock: object
) -> None:
    figures = overview.admin_overview(demo_session, scope, admin)
    assert FIGURE_LISTS["customers"] == "/admin/customers"
    assert customers.customer_list(demo_session, scope, admin).total == figures.customers == 2
    running = admin_subscriptions.subscription_list(
        demo_session,
        scope,
        admin,
        admin_subscriptions.checked_filter(status=_status("running_subscriptions")),
    )
    assert running.total == figures.active_subscriptions == 6  # seven, less the canceled one
    assert "canceled" not in {row.status for row in running.subscriptions}


def test_the_status_groups_the_pages_offer_are_the_ones_the_lists_filter_by() -> None:
    assert set(INVOICE_STATUS_GROUP_LABELS) == set(INVOICE_STATUS_GROUPS)
    assert set(SUBSCRIPTION_STATUS_GROUP_LABELS) == set(SUBSCRIPTION_STATUS_GROUPS)
    # an unknown status is dropped (the whole list), a group is kept
    assert admin_reads.checked_filter(status="unpaid").status == "unpaid"
    assert admin_reads.checked_filter(status="owing").status == ""
