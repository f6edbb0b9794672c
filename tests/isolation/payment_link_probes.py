"""Payments (backend/payments): payment links and the tenant's Stripe settings, run by tenant B
with tenant A's ids and token.

A has a payment link of its issued invoice, live at NOW (tests/isolation/world.py, only the token's
hash stored); B has none. Neither has Stripe keys, so both pay by bank transfer: A's own attempt to
start a Checkout is refused for that reason, which is why that probe has no control. The Stripe
settings live in B's own processor account, picked by the scope (B reads, saves and disconnects
its own; A's rows stay as they were).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.customers.repository import CustomerProfileRepository
from backend.integrations.mail import MailBatch
from backend.invoicing.schemas import DraftLineInput
from backend.kit.errors import FieldErrors
from backend.kit.tenants import TenantDirectory
from backend.kit.tokens import digest
from backend.payments import links, settings_service
from backend.payments.repository import PaymentLinkRepository
from backend.payments.schemas import PaymentLinkInput
from tests.isolation.probes import Probe, Raises, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side

SECRET = "sk_test_" + "is0lat10n" * 3
WEBHOOK = "whsec_" + "is0lat10n" * 3
BASE = "http://console.test"


def _alices_email(session: Session, a: Side) -> str:
    profile = CustomerProfileRepository(session, a.scope).for_account(a.customer_id)
    assert profile is not None
    return profile.email


def _link_for(customer_id: int) -> PaymentLinkInput:
    return PaymentLinkInput(
        customer_account_id=customer_id,
        lines=[DraftLineInput(description="Probe", unit_price=Decimal("5.00"))],
    )


def _bs_own_settings(result: Any, b: Side, session: Session) -> None:
    """B's settings view: its own webhook route, no keys."""
    tenant = TenantDirectory(session).by_id(b.tenant_id)
    assert tenant is not None
    assert result.webhook_url.endswith(f"/api/webhooks/stripe/{tenant.slug}"), result
    assert result.mode in ("manual", "deployment", "tenant"), result


PAYMENT_LINK_REPOSITORY_PROBES: list[Probe] = [
    R(PaymentLinkRepository.by_token_hash, lambda s, me, a: (digest(a.payment_link_token),)),
    R(PaymentLinkRepository.lock, lambda s, me, a: (a.payment_link_id,)),
    R(PaymentLinkRepository.of_invoice, lambda s, me, a: (a.issued_invoice,)),
    R(PaymentLinkRepository.recent_with_invoices, lambda s, me, a: (25,)),
    R(PaymentLinkRepository.profile_with_email, lambda s, me, a: (_alices_email(s, a),)),
]

PAYMENT_LINK_PROBES: list[Probe] = [
    S(links.usable_link, lambda s, me, a: links.usable_link(s, me.scope, a.payment_link_token)),
    S(links.public_invoice, lambda s, me, a: links.public_invoice(s, me.scope, a.payment_link_token, NOW)),
    # A has no Stripe keys: A's own call is refused (bank transfer), B's must not find the link at all.
    S(
        links.prepare_link_payment,
        lambda s, me, a: links.prepare_link_payment(s, me.scope, a.payment_link_token, NOW, base_url=BASE),
        control=False,
    ),
    S(
        links.revoke_payment_link,
        lambda s, me, a: links.revoke_payment_link(s, me.scope, me.actor, a.payment_link_id, NOW),
    ),
    S(
        links.payment_links_of_invoice,
        lambda s, me, a: links.payment_links_of_invoice(s, me.scope, me.actor, a.issued_invoice, NOW),
    ),
    S(
        links.recent_payment_links,
        lambda s, me, a: links.recent_payment_links(s, me.scope, me.actor, NOW),
        nothing,
    ),
    # A's customer is no customer of B: refused per field, nothing issued or mailed.
    S(
        links.create_payment_link,
        lambda s, me, a: links.create_payment_link(
            s, me.scope, me.actor, _link_for(a.customer_id), NOW, mail=MailBatch(), base_url=BASE
        ),
        Raises(FieldErrors),
    ),
    S(
        settings_service.stripe_settings,
        lambda s, me, a: settings_service.stripe_settings(s, me.scope, me.actor),
        _bs_own_settings,
        filtered=False,
    ),
    S(
        settings_service.stripe_settings_view,
        lambda s, me, a: settings_service.stripe_settings_view(s, me.scope),
        _bs_own_settings,
        filtered=False,
    ),
    S(
        settings_service.save_stripe_settings,
        lambda s, me, a: settings_service.save_stripe_settings(
            s, me.scope, me.actor, secret_key=SECRET, webhook_secret=WEBHOOK
        ),
        _bs_own_settings,
        filtered=False,
    ),
    S(
        settings_service.disconnect_stripe,
        lambda s, me, a: settings_service.disconnect_stripe(s, me.scope, me.actor),
        _bs_own_settings,
        filtered=False,
    ),
]

PAYMENT_LINK_EXEMPT: dict[str, str] = {
    "payments.links.record_checkout": (
        "names the pending payment that prepare_link_payment (probed) wrote in the same scope a moment"
        " before, found again through PaymentRepository.lock in that scope"
    ),
    "payments.links.checkout_failed": (
        "closes the pending payment that prepare_link_payment (probed) wrote in the same scope, through"
        " PaymentRepository.lock in that scope"
    ),
    "payments.links.start_link_checkout": (
        "three units of work around prepare_link_payment (probed), the processor call and"
        " record_checkout / checkout_failed, all in the one scope the host picked"
    ),
}
