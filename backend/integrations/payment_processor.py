"""The processor interface every payment processor implements (SPEC §5).

The payments domain speaks only these dataclasses (they live here, below the domains, so the
implementations may import them); `backend.integrations.stripe_processor` turns them into
Stripe SDK calls, `ManualProcessor` (bank transfer) supports none of the online operations. Amounts
cross this boundary as `Money` (never floats); the implementation converts to minor units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from backend.money import Money


class ProcessorError(Exception):
    """The processor refused or failed a call; `code` is its machine-readable reason if it gave one."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class NotSupported(ProcessorError):
    """The processor cannot do this (the manual processor has no online checkout)."""


class InvalidSignature(ProcessorError):
    """A webhook whose signature is missing, wrong, or older than the tolerance."""


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """Pay one invoice (mode "payment") or save a method (mode "setup")."""

    mode: str  # "payment" | "setup"
    tenant_id: int
    customer_ref: str  # the processor's customer id ("cus_...")
    success_url: str
    cancel_url: str
    idempotency_key: str
    amount: Money | None = None  # payment mode only
    description: str = ""
    invoice_id: int | None = None  # payment mode: client_reference_id
    invoice_number: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # "open" | "complete" | "expired"
    payment_intent: str | None = None


@dataclass(frozen=True, slots=True)
class SavedMethod:
    """A payment method a setup saved, with what the profile shows of it (never the card number)."""

    payment_method: str  # "pm_..."
    customer_ref: str  # the processor customer it is attached to
    brand: str = ""  # "visa"
    last4: str = ""
    setup_created: int = 0  # the setup's creation time (Unix seconds): orders late setup events
    setup_status: str = ""  # the setup's status: only "succeeded" saves a method


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    """An off-session charge of a saved method (auto-billing)."""

    amount: Money
    customer_ref: str
    payment_method_ref: str
    idempotency_key: str
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PROCESSING = "processing"  # the webhook decides
    FAILED = "failed"
    REQUIRES_ACTION = "requires_action"  # counts as failed off-session (the customer must pay by hand)


@dataclass(frozen=True, slots=True)
class ChargeResult:
    status: ChargeStatus
    payment_intent: str | None
    failure_code: str = ""
    failure_message: str = ""


@dataclass(frozen=True, slots=True)
class RefundRequest:
    payment_intent: str
    amount: Money
    idempotency_key: str
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundResult:
    id: str
    status: str  # "succeeded" | "pending" | "failed"


@dataclass(frozen=True, slots=True)
class BalanceTransactionInfo:
    """One movement of the processor balance: a charge, refund or payout, with the processor's fee."""

    id: str
    type: str  # "charge" | "refund" | "payout" | ...
    amount: Money  # signed: a refund or payout takes money out
    fee: Money
    net: Money
    created: int  # Unix seconds
    source: str = ""  # the charge, refund or payout it is about


@dataclass(frozen=True, slots=True)
class CustomerRequest:
    tenant_id: int
    account_id: int
    name: str
    email: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified event: its id, type, creation time and the object it is about (a plain dict)."""

    id: str
    type: str
    created: int
    object: dict[str, Any]
    livemode: bool = False


class Processor(Protocol):
    name: str  # "stripe" | "manual"

    @property
    def online(self) -> bool:
        """True when the processor can take card payments (checkout, saved methods, charges)."""
        ...

    def ensure_customer(self, request: CustomerRequest) -> str: ...

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    def retrieve_checkout(self, session_id: str) -> CheckoutSession: ...

    def expire_checkout(self, session_id: str) -> CheckoutSession: ...

    def saved_method_of_setup(self, setup_intent_id: str) -> SavedMethod:
        """The method a setup (Checkout in setup mode) saved, with its brand and last four digits."""
        ...

    def charge_off_session(self, request: ChargeRequest) -> ChargeResult: ...

    def detach_payment_method(self, payment_method_ref: str) -> None:
        """Detach a saved method from its processor customer: it can never be charged again. One that
        is detached already (or unknown to the account) counts as done, so a removal can be repeated."""
        ...

    def refund(self, request: RefundRequest) -> RefundResult: ...

    def balance_transaction(self, transaction_id: str) -> BalanceTransactionInfo:
        """The balance transaction (amount, fee, net) a charge, refund or payout names."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        """Verify the signature on the raw body and parse it; `InvalidSignature` if it does not hold."""
        ...
