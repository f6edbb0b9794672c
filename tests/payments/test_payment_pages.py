"""The payment pages as their states run them, against the identity world (tenants A and B on their
own hosts): the settings page never holds a key, refuses per field and saves nothing then; the
admin issues a payment link and revokes it; the public page shows the invoice to a visitor without
sign-in on A's host, and nothing on B's host."""

from __future__ import annotations

import json
from typing import Any

import pytest
from reflex.istate.data import RouterData
from reflex.state import State

from backend.db import unit_of_work
from backend.kit.repository import TenantScope
from backend.payments import accounts
from billing_console.state.invoice_links import InvoiceLinksState
from billing_console.state.pay_link import PayLinkState
from billing_console.state.payment_links import PaymentLinksState
from billing_console.state.payment_settings import PaymentSettingsState
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run

pytestmark = pytest.mark.redis

SECRET = "sk_test_" + "a1B2c3D4e5" * 3
WEBHOOK = "whsec_" + "Q1w2E3r4T5" * 3


def visitor_state(host: str, path: str) -> Any:
    """A fresh state tree for a websocket without any session cookie, on `host` at `path`."""
    root = State(_reflex_internal_init=True)  # type: ignore[call-arg]
    router_data = {"headers": {"host": host}, "ip": "192.0.2.77", "pathname": path, "asPath": path}
    root.router_data = router_data
    root.router = RouterData.from_router_data(router_data)
    return root.get_substate(PayLinkState.get_full_name().split(".")[1:])


def own_keys(world: IdentityWorld) -> Any:
    with unit_of_work(world.engine) as session:
        return accounts.tenant_stripe_credentials(session, TenantScope(world.a_admin.tenant_id))


def test_the_settings_page_refuses_per_field_and_never_holds_a_key(
    identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = identity_world
    page = page_state(PaymentSettingsState, world, world.a_admin, "/admin/settings/payments")
    run(PaymentSettingsState.load.fn, page)
    assert (page.loading, page.mode_label, page.secret_key_configured) == (False, "Bank transfer only", False)
    assert page.webhook_url.endswith("/api/webhooks/stripe/" + world.host_a.removesuffix(".test"))

    run(PaymentSettingsState.save.fn, page, {"secret_key": "sk_nope", "webhook_secret": WEBHOOK})
    assert set(page.errors) == {"secret_key"} and own_keys(world) is None

    events = run(PaymentSettingsState.save.fn, page, {"secret_key": SECRET, "webhook_secret": WEBHOOK})
    assert page.errors == {} and page.mode_label == "Your own Stripe account" and page.secret_key_configured
    assert any("toast" in str(event) for event in events)
    assert SECRET not in json.dumps(page.dict(), default=str) and WEBHOOK not in json.dumps(
        page.dict(), default=str
    )
    assert own_keys(world).secret_key == SECRET

    run(PaymentSettingsState.disconnect.fn, page)
    assert page.mode_label == "Bank transfer only" and own_keys(world) is None


def test_a_customer_calling_the_settings_handlers_is_sent_away_and_changes_nothing(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    page = page_state(PaymentSettingsState, world, world.a_customer, "/admin/settings/payments")
    for handler, args in (
        (PaymentSettingsState.load.fn, ()),
        (PaymentSettingsState.save.fn, ({"secret_key": SECRET, "webhook_secret": WEBHOOK},)),
        (PaymentSettingsState.disconnect.fn, ()),
    ):
        assert redirects(run(handler, page, *args)) == ["/dashboard"]
    assert own_keys(world) is None


def test_the_admin_issues_a_link_the_visitor_sees_it_on_a_only_and_the_admin_revokes_it(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    admin = page_state(PaymentLinksState, world, world.a_admin, "/admin/payment-links")
    run(PaymentLinksState.load.fn, admin)
    assert admin.rows == []
    run(PaymentLinksState.create.fn, admin)  # nothing filled in
    assert "Add at least one line" in admin.form_error and admin.created_url == ""
    run(PaymentLinksState.type_email.fn, admin, "walk-in@example.test")
    run(PaymentLinksState.edit_line.fn, admin, 0, "description", "Migration")
    run(PaymentLinksState.edit_line.fn, admin, 0, "unit_price", "12,00")
    run(PaymentLinksState.create.fn, admin)
    assert "lines.0.unit_price" not in admin.errors and admin.line_errors[0] != "" and admin.created_url == ""
    run(PaymentLinksState.edit_line.fn, admin, 0, "unit_price", "120.00")
    run(PaymentLinksState.create.fn, admin)
    assert admin.created_url.startswith("http") and "/pay/" in admin.created_url, admin.form_error
    [row] = admin.rows
    assert (row.email, row.status, row.invoice_number) == (
        "walk-in@example.test",
        "active",
        admin.created_number,
    )

    path = "/pay/" + admin.created_url.rsplit("/", 1)[-1]
    visitor = visitor_state(world.host_a, path)
    run(PayLinkState.load.fn, visitor)
    assert visitor.unusable == "" and visitor.invoice_number == admin.created_number
    assert [line.description for line in visitor.lines] == ["Migration"] and visitor.status == "active"
    elsewhere = visitor_state(world.host_b, path)
    run(PayLinkState.load.fn, elsewhere)
    assert elsewhere.unusable.startswith("This payment link is not valid") and elsewhere.invoice_number == ""

    on_invoice = page_state(InvoiceLinksState, world, world.a_admin, f"/admin/invoices/{row.invoice_number}")
    run(InvoiceLinksState.load.fn, on_invoice)
    assert [(r.id, r.status) for r in on_invoice.rows] == [(row.id, "active")]
    run(InvoiceLinksState.ask_revoke.fn, on_invoice, row.id)
    run(InvoiceLinksState.revoke.fn, on_invoice)
    assert [(r.id, r.status) for r in on_invoice.rows] == [(row.id, "revoked")]
    run(PaymentLinksState.load.fn, admin)
    assert admin.rows[0].status == "revoked" and admin.created_url == ""  # shown once only
    again = visitor_state(world.host_a, path)
    run(PayLinkState.load.fn, again)
    assert again.status == "revoked" and "withdrawn" in again.message
