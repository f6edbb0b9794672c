"""Payments over REST for admins with the "admin" scope: the tenant's own Stripe keys (write-only)
and payment links for ad-hoc invoices. Bad input is a 422 naming each field, and changes nothing.

`POST /admin/payment-links` takes an `Idempotency-Key` like every create (the middleware): a retry
issues one invoice and sends one mail. The link's URL is in that answer only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from backend import clock
from backend.api.params import Id
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.integrations.branding import brand
from backend.integrations.mail import MailBatch
from backend.mail.tasks import send_account_mails
from backend.payments import links, settings_service
from backend.payments.schemas import (
    PaymentLinkCreated,
    PaymentLinkInput,
    PaymentLinkView,
    StripeSettingsInput,
    StripeSettingsView,
)
from backend.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/admin/settings/stripe", summary="Get the payment settings")
def get_stripe_settings(request: Request, principal: TokenPrincipal) -> StripeSettingsView:
    """Which processor the tenant's customers pay through (`manual`: bank transfer only;
    `deployment`: the operator's Stripe account; `tenant`: the tenant's own), whether its own keys
    are stored, and the webhook URL to give Stripe. Keys are never returned."""
    with unit_of_work() as session:
        return settings_service.stripe_settings(
            session, token_scope(principal), token_actor(request, principal)
        )


@router.put("/admin/settings/stripe", summary="Store the tenant's own Stripe keys")
def put_stripe_settings(
    body: StripeSettingsInput, request: Request, principal: TokenPrincipal
) -> StripeSettingsView:
    """An empty field keeps the stored key. The first connection needs the secret key and the
    webhook signing secret; a live secret key goes only with a live publishable key."""
    with unit_of_work() as session:
        return settings_service.save_stripe_settings(
            session,
            token_scope(principal),
            token_actor(request, principal),
            secret_key=body.secret_key,
            webhook_secret=body.webhook_secret,
            publishable_key=body.publishable_key,
        )


@router.delete("/admin/settings/stripe", summary="Disconnect the tenant's own Stripe account")
def delete_stripe_settings(request: Request, principal: TokenPrincipal) -> StripeSettingsView:
    """Forget the stored keys: the deployment's Stripe account, else bank transfer, applies again."""
    with unit_of_work() as session:
        return settings_service.disconnect_stripe(
            session, token_scope(principal), token_actor(request, principal)
        )


@router.post("/admin/payment-links", status_code=201, summary="Issue an invoice and send its payment link")
def create_payment_link(
    body: PaymentLinkInput, request: Request, principal: TokenPrincipal
) -> PaymentLinkCreated:
    """For `customer_account_id` or `email` (a guest customer is opened for an address no customer
    has): issues an invoice with the lines and emails a link to pay it without signing in, valid
    `expires_in_days` (default 14). The `url` is shown only in this answer."""
    scope, actor, settings, mail = (
        token_scope(principal),
        token_actor(request, principal),
        get_settings(),
        MailBatch(),
    )
    with unit_of_work() as session:
        created = links.create_payment_link(
            session,
            scope,
            actor,
            body,
            clock.now(),
            mail=mail,
            base_url=brand(session, scope, settings).base_url,
        )
    send_account_mails(mail, settings)
    return created


@router.post("/admin/payment-links/{link_id}/revoke", summary="Withdraw a payment link")
def revoke_payment_link(link_id: Id, request: Request, principal: TokenPrincipal) -> PaymentLinkView:
    """The link's page stops offering payment; the invoice stays owed."""
    with unit_of_work() as session:
        return links.revoke_payment_link(
            session, token_scope(principal), token_actor(request, principal), link_id, clock.now()
        )
