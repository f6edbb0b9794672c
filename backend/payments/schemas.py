"""Payments' DTOs: what starting a payment returns to the page or the API; what admins send and
read about the tenant's Stripe keys (write-only) and payment links.

The payment link and key inputs check types and lengths only; the rules (key shapes, live against
test, one recipient) are the services', so the page and the API refuse the same input with the same
message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.invoicing.schemas import MAX_DRAFT_LINES, MAX_ID, DraftLineInput


class CheckoutStarted(BaseModel):
    """Where the customer pays: the processor's hosted Checkout page, and its session's id."""

    url: str = Field(description="Open it in the customer's browser: the processor's payment page")
    session_id: str = Field(description="The Checkout Session (cs_...); the invoice page shows its result")


DEFAULT_LINK_DAYS = 14
MAX_LINK_DAYS = 90


class StripeSettingsInput(BaseModel):
    """The keys to store; an empty or missing field keeps what is stored (the form never shows them)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    secret_key: str = Field(
        default="", max_length=255, description="sk_test_…, sk_live_… or a restricted rk_… key"
    )
    webhook_secret: str = Field(default="", max_length=255, description="whsec_… of the endpoint in Stripe")
    publishable_key: str = Field(default="", max_length=255, description="pk_test_… or pk_live_…")


class StripeSettingsView(BaseModel):
    """Which processor applies and whether keys are stored; never a secret."""

    model_config = ConfigDict(frozen=True)

    mode: Literal["manual", "deployment", "tenant"]
    secret_key_configured: bool
    webhook_secret_configured: bool
    publishable_key: str
    live: bool  # the tenant's own secret key is a live one
    webhook_url: str  # where the tenant's Stripe endpoint sends events


class PaymentLinkInput(BaseModel):
    """An ad-hoc invoice for an existing customer or for an email address, and how long its link works."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_account_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    email: str | None = Field(default=None, max_length=254)  # checked by the service
    lines: list[DraftLineInput] = Field(min_length=1, max_length=MAX_DRAFT_LINES)
    expires_in_days: int = Field(default=DEFAULT_LINK_DAYS, ge=1, le=MAX_LINK_DAYS)


class PaymentLinkCreated(BaseModel):
    """The link is shown once (only its hash is stored)."""

    id: int
    invoice_number: str
    url: str
    expires_at: datetime


class PaymentLinkView(BaseModel):
    id: int
    invoice_id: int
    invoice_number: str
    email: str
    status: Literal["active", "expired", "revoked", "paid", "void"]
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime
