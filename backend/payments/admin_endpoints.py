"""The admin payments API of an invoice: its payments, refunds and disputes; a bank transfer
received (in part or in full); a refund of one of its payments, with its credit note. And the
tenant's own Stripe keys (write-only: never read back) and payment links for ad-hoc invoices
(`POST /payment-links` issues one invoice and mails its link once per `Idempotency-Key`; the link's
URL is in that answer only).

Admins' tokens with the "admin" scope only (the services ask the policy); an invoice is addressed
by its number, another tenant's is 404. The `Idempotency-Key` a POST carries (the middleware
replays its answer) is also the key of the payment or refund, so a retry never pays or refunds twice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from backend import clock
from backend.api.params import Id
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.integrations.branding import brand
from backend.integrations.mail import MailBatch
from backend.invoicing import admin_reads
from backend.mail.tasks import send_account_mails
from backend.payments import links, manual_payments, refunds, settings_service
from backend.payments.invoice_payments import InvoicePayments, invoice_payments, payment_to_refund
from backend.payments.schemas import (
    PaymentLinkCreated,
    PaymentLinkInput,
    PaymentLinkView,
    StripeSettingsInput,
    StripeSettingsView,
)
from backend.settings import get_settings

router = APIRouter(prefix="/api/v1/admin", tags=["v1"])

Reference = Annotated[
    str,
    Path(
        pattern=r"^(INV-[0-9]{4}-[0-9]{5,12}|[0-9]{1,19})$",
        max_length=48,
        description="The invoice's number",
        examples=["INV-2027-00001"],
    ),
]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2, examples=["120.00"])]


class BankTransferInput(BaseModel):
    """Money received by bank transfer: at most the balance due, with the bank's reference."""

    model_config = ConfigDict(str_strip_whitespace=True)

    amount: Amount
    reference: str = Field(min_length=1, max_length=manual_payments.REFERENCE_MAX_LENGTH)


class RefundInput(BaseModel):
    """Give back `amount` (at most what is left of the payment) of `payment_id` (default: the
    invoice's only refundable payment), saying why; a credit note of the amount is issued."""

    model_config = ConfigDict(str_strip_whitespace=True)

    amount: Amount
    reason: str = Field(min_length=1, max_length=refunds.REASON_MAX_LENGTH)
    payment_id: int | None = Field(default=None, ge=1, lt=2**63)


@router.get("/invoices/{reference}/payments", summary="List an invoice's payments")
def list_payments(reference: Reference, request: Request, principal: TokenPrincipal) -> InvoicePayments:
    """Its payments (card and bank transfer) with what was refunded, its refunds and disputes."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        invoice_id = admin_reads.invoice_id_for_reference(session, scope, actor, reference)
        return invoice_payments(session, scope, actor, invoice_id)


@router.post("/invoices/{reference}/payments", status_code=201, summary="Record a bank transfer")
def record_transfer(
    reference: Reference, body: BankTransferInput, request: Request, principal: TokenPrincipal
) -> InvoicePayments:
    """Money received by bank transfer for an issued or overdue invoice, in full or in part (at
    most the balance due; 422 otherwise); at zero the invoice is paid."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        invoice_id = admin_reads.invoice_id_for_reference(session, scope, actor, reference)
        manual_payments.record_bank_transfer(
            session, scope, actor, invoice_id, body.amount, body.reference, clock.now(),
            idempotency_key=_key(request),
        )  # fmt: skip
        return invoice_payments(session, scope, actor, invoice_id)


@router.post("/invoices/{reference}/refunds", status_code=201, summary="Refund a payment")
def refund(
    reference: Reference, body: RefundInput, request: Request, principal: TokenPrincipal
) -> InvoicePayments:
    """A card payment is refunded through the processor (409 if it refuses, 503 if it cannot be
    reached: the same key sends it again), a bank transfer is recorded as refunded by transfer.
    Either way a credit note of the amount is issued and listed on the invoice."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        invoice_id = admin_reads.invoice_id_for_reference(session, scope, actor, reference)
        payment_id = payment_to_refund(session, scope, actor, invoice_id, body.payment_id)
    refunds.refund_payment(
        scope, actor, payment_id, body.amount, body.reason, clock.now(), idempotency_key=_key(request)
    )
    with unit_of_work() as session:
        return invoice_payments(session, scope, actor, invoice_id)


def _key(request: Request) -> str:
    return request.headers.get("Idempotency-Key", "").strip()[:200] or uuid.uuid4().hex


# --- the tenant's own Stripe keys (write-only) and payment links ---------------------------------


@router.get("/settings/stripe", summary="Get the payment settings")
def get_stripe_settings(request: Request, principal: TokenPrincipal) -> StripeSettingsView:
    """Which processor the tenant's customers pay through (`manual`: bank transfer only;
    `deployment`: the operator's Stripe account; `tenant`: the tenant's own), whether its own keys
    are stored, and the webhook URL to give Stripe. Keys are never returned."""
    with unit_of_work() as session:
        return settings_service.stripe_settings(
            session, token_scope(principal), token_actor(request, principal)
        )


@router.put("/settings/stripe", summary="Store the tenant's own Stripe keys")
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


@router.delete("/settings/stripe", summary="Disconnect the tenant's own Stripe account")
def delete_stripe_settings(request: Request, principal: TokenPrincipal) -> StripeSettingsView:
    """Forget the stored keys: the deployment's Stripe account, else bank transfer, applies again."""
    with unit_of_work() as session:
        return settings_service.disconnect_stripe(
            session, token_scope(principal), token_actor(request, principal)
        )


@router.post("/payment-links", status_code=201, summary="Issue an invoice and send its payment link")
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


@router.post("/payment-links/{link_id}/revoke", summary="Withdraw a payment link")
def revoke_payment_link(link_id: Id, request: Request, principal: TokenPrincipal) -> PaymentLinkView:
    """The link's page stops offering payment; the invoice stays owed."""
    with unit_of_work() as session:
        return links.revoke_payment_link(
            session, token_scope(principal), token_actor(request, principal), link_id, clock.now()
        )
