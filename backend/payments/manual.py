"""The manual processor: bank transfer. The invoice shows the IBAN, the reference and an EPC QR
code; an admin records what arrived (in full or in part). It has no online operations."""

from __future__ import annotations

from backend.integrations.payment_processor import (
    BalanceTransactionInfo,
    ChargeRequest,
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    CustomerRequest,
    InvalidSignature,
    NotSupported,
    RefundRequest,
    RefundResult,
    SavedMethod,
    WebhookEvent,
)


class ManualProcessor:
    name = "manual"

    @property
    def online(self) -> bool:
        return False

    def ensure_customer(self, request: CustomerRequest) -> str:
        raise NotSupported("Bank transfer has no processor customers.")

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise NotSupported("Online payment is not set up for this tenant: pay by bank transfer.")

    def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        raise NotSupported("Bank transfer has no checkout sessions.")

    def expire_checkout(self, session_id: str) -> CheckoutSession:
        raise NotSupported("Bank transfer has no checkout sessions.")

    def saved_method_of_setup(self, setup_intent_id: str) -> SavedMethod:
        raise NotSupported("Bank transfer has no saved payment methods.")

    def charge_off_session(self, request: ChargeRequest) -> ChargeResult:
        raise NotSupported("Bank transfer cannot charge a saved method.")

    def detach_payment_method(self, payment_method_ref: str) -> None:
        raise NotSupported("Bank transfer has no saved payment methods.")

    def refund(self, request: RefundRequest) -> RefundResult:
        raise NotSupported("A bank transfer is refunded by transfer; record it with a credit note.")

    def balance_transaction(self, transaction_id: str) -> BalanceTransactionInfo:
        raise NotSupported("Bank transfer has no processor balance.")

    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        raise InvalidSignature("Bank transfer sends no webhooks.")
