"""Payments' DTOs out: what starting a payment returns to the page or the API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CheckoutStarted(BaseModel):
    """Where the customer pays: the processor's hosted Checkout page, and its session's id."""

    url: str = Field(description="Open it in the customer's browser: the processor's payment page")
    session_id: str = Field(description="The Checkout Session (cs_...); the invoice page shows its result")
