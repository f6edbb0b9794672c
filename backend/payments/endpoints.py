"""Payments' HTTP routes: Stripe's webhooks, and a customer paying an invoice through Checkout.

The webhook routes take no session or token (the signature on the raw body is the credential),
no Idempotency-Key (that is for /api/v1; Stripe's event id deduplicates) and no per-address rate
limit (backend/api/rate_limit.py leaves /api/webhooks/ out: Stripe sends bursts from few
addresses). Their errors are problem documents like every other /api answer.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from backend.api.security import TokenPrincipal, request_context, token_actor, token_scope
from backend.payments import checkout_flow
from backend.payments.errors import WebhookFailed, WebhookRefused
from backend.payments.schemas import CheckoutStarted
from backend.payments.webhooks import WebhookAnswer, receive_stripe_event

router = APIRouter(tags=["webhooks"])
v1 = APIRouter(prefix="/api/v1", tags=["v1"])

InvoiceNumber = Annotated[
    str,
    Path(
        pattern=r"^INV-[0-9]{4}-[0-9]{5,12}$",
        max_length=22,
        description="The invoice's number",
        examples=["INV-2026-00001"],
    ),
]
TenantSlug = Annotated[str, Path(max_length=63, description="The tenant's slug", examples=["acme"])]


@router.post("/api/webhooks/stripe", summary="Stripe events of the deployment's account")
async def stripe_webhook(request: Request) -> JSONResponse:
    """An event from the deployment's Stripe account, signed with STRIPE_WEBHOOK_SECRET. 200 once it
    is stored (processed, ignored or a duplicate), 400 for a bad or stale signature, 500 when
    handling failed (Stripe delivers it again)."""
    return await _receive(request, None)


@router.post("/api/webhooks/stripe/{tenant_slug}", summary="Stripe events of a tenant's own account")
async def tenant_stripe_webhook(tenant_slug: TenantSlug, request: Request) -> JSONResponse:
    """An event from a tenant's own Stripe account, verified with that tenant's webhook secret only."""
    return await _receive(request, tenant_slug)


async def _receive(request: Request, tenant_slug: str | None) -> JSONResponse:
    payload = await request.body()  # the raw bytes: the signature is over them, not over parsed JSON
    signature = request.headers.get("stripe-signature", "")
    answer = await asyncio.to_thread(receive_stripe_event, payload, signature, tenant_slug)
    return _response(answer)


def _response(answer: WebhookAnswer) -> JSONResponse:
    if answer.status == 200:
        return JSONResponse(answer.body())
    raise WebhookRefused(answer.detail) if answer.status == 400 else WebhookFailed(answer.detail)


@v1.post("/invoices/{invoice_number}/checkout", summary="Pay an invoice (Stripe Checkout)")
def start_checkout(
    invoice_number: InvoiceNumber, request: Request, principal: TokenPrincipal
) -> CheckoutStarted:
    """A Checkout Session for the invoice's balance: open `url` in the customer's browser. The invoice
    is paid once Stripe confirms the payment (the webhook), never by this call. An open session for
    the same amount is returned again. For owners and billing members of the invoice's account,
    with a "write" token. 409 when the invoice is not open, an automatic payment of it is in
    progress, or the tenant takes bank transfers only. Send an `Idempotency-Key`."""
    context = request_context(request)
    return checkout_flow.pay_invoice(
        token_scope(principal),
        token_actor(request, principal),
        invoice_number,
        console_url=f"{context.scheme}://{context.host}",
    )
