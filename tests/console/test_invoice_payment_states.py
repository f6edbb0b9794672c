"""Pay on the invoice pages as their states run it, with tenant A on the fake Stripe (the deployment's
account): Pay sends the browser to the hosted page; back with `?paid=`, the page waits for the
webhook (watch_payment) or shows it paid; `?canceled=1` says nothing was charged. The invoices are
those of tests/console/test_invoice_pages.py (INV-2027-00001 open, 14.28 EUR)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend import clock
from backend.gateway import invoices as invoices_gateway
from backend.settings import get_settings
from billing_console.state.invoices import InvoicesState, InvoiceState
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run
from tests.console.test_invoice_pages import NOW, Billed, billed
from tests.fakes.stripe_server import FakeStripe

pytestmark = pytest.mark.redis
__all__ = ["billed"]

KEY, SECRET = "sk_test_console_states", "whsec_console_states"
OPEN = "INV-2027-00001"


@pytest.fixture
def stripe_fake(billed: Billed, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    with FakeStripe([KEY]) as fake:
        fake.now = lambda: clock.now().timestamp()
        monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        get_settings.cache_clear()
        client = billed.world.client(billed.world.host_a)
        fake.set_webhook(
            KEY,
            lambda body, headers: (
                client.post("/api/webhooks/stripe", content=body, headers=headers).status_code
            ),
            secret=SECRET,
        )
        yield fake
    get_settings.cache_clear()


def test_pay_redirects_to_checkout_and_the_return_shows_it_paid(
    billed: Billed, stripe_fake: FakeStripe
) -> None:
    world = billed.world
    with clock.frozen(NOW):
        listing = page_state(InvoicesState, world, world.a_customer, "/invoices")
        run(InvoicesState.load.fn, listing)
        state = page_state(InvoiceState, world, world.a_customer, f"/invoices/{OPEN}")
        run(InvoiceState.load.fn, state)
        assert listing.pays_online and state.can_pay and state.invoice.bank.iban  # both ways to pay

        [url] = redirects(run(InvoiceState.pay.fn, state))
        [session] = stripe_fake.objects(KEY, "checkout.session")
        assert url == session["url"] and session["amount_total"] == 1428
        assert session["success_url"] == f"http://{world.host_a}/invoices/{OPEN}?paid={{CHECKOUT_SESSION_ID}}"
        assert invoices_gateway.payment_status(world_user(state), OPEN, session["id"]) == "pending"

        stripe_fake.complete_checkout(session["id"])

        assert invoices_gateway.payment_status(world_user(state), OPEN, session["id"]) == "succeeded"
        back = page_state(InvoiceState, world, world.a_customer, f"/invoices/{OPEN}?paid={session['id']}")
        assert run(InvoiceState.load.fn, back) == []  # paid already: nothing to watch
        assert (back.confirmation, back.invoice.status, back.can_pay) == ("paid", "paid", False)


def test_back_before_the_webhook_the_page_waits_and_watches(billed: Billed, stripe_fake: FakeStripe) -> None:
    world = billed.world
    with clock.frozen(NOW):
        state = page_state(InvoiceState, world, world.a_customer, f"/invoices/{OPEN}?paid=cs_test_unknown")
        events = run(InvoiceState.load.fn, state)
    assert (state.confirmation, state.awaiting_confirmation, state.can_pay) == ("waiting", True, False)
    assert [getattr(e, "fn", e) for e in events] == [InvoiceState.watch_payment.fn]


def test_a_canceled_checkout_leaves_the_invoice_open_with_a_note(
    billed: Billed, stripe_fake: FakeStripe
) -> None:
    world = billed.world
    with clock.frozen(NOW):
        state = page_state(InvoiceState, world, world.a_customer, f"/invoices/{OPEN}?canceled=1")
        run(InvoiceState.load.fn, state)
    assert (state.confirmation, state.invoice.is_open, state.can_pay) == ("canceled", True, True)


def world_user(state: InvoiceState):  # type: ignore[no-untyped-def]
    """The signed-in user of the state's websocket, as the handlers resolve it."""
    import asyncio

    from billing_console.state.session import signed_in_user

    user = asyncio.run(signed_in_user(state))
    assert user is not None
    return user
