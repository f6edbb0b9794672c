"""Stripe behind the processor interface (payment_processor.py), through the official SDK.

One `StripeProcessor` per set of keys (a tenant's own account or the deployment's). Amounts go to
Stripe in minor units; every call that creates something carries the caller's idempotency key, so a
retried job or a double click never creates a second session, charge or refund. Tests point
`api_base` at the fake Stripe server in tests/fakes.
"""

from __future__ import annotations

import json
from typing import Any

import stripe

from backend.integrations.payment_processor import (
    BalanceTransactionInfo,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    CheckoutRequest,
    CheckoutSession,
    CustomerRequest,
    InvalidSignature,
    ProcessorError,
    RefundRequest,
    RefundResult,
    SavedMethod,
    WebhookEvent,
)
from backend.money import Money

WEBHOOK_TOLERANCE_SECONDS = 300  # Stripe's own default: an older signature is a replay


class StripeProcessor:
    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str = "", *, api_base: str = "") -> None:
        self._secret_key = secret_key
        self._api_base = api_base.rstrip("/")
        self._webhook_secret = webhook_secret
        self._stripe_client: stripe.StripeClient | None = None

    @property
    def _client(self) -> stripe.StripeClient:
        """The SDK client, built on first use: verifying a webhook needs none, and building one
        costs milliseconds that every webhook delivery would pay."""
        if self._stripe_client is None:
            addresses: dict[str, str] = {"api": self._api_base} if self._api_base else {}
            self._stripe_client = stripe.StripeClient(
                self._secret_key,
                base_addresses=addresses,  # type: ignore[arg-type]
                max_network_retries=2,
            )
        return self._stripe_client

    @property
    def online(self) -> bool:
        return True

    def ensure_customer(self, request: CustomerRequest) -> str:
        customer = self._call(
            self._client.v1.customers.create,
            {
                "name": request.name,
                "email": request.email,
                "metadata": {"tenant_id": str(request.tenant_id), "account_id": str(request.account_id)},
            },
            request.idempotency_key,
        )
        return str(customer.id)

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {"tenant_id": str(request.tenant_id), **request.metadata}
        params: dict[str, Any] = {
            "mode": request.mode,
            "customer": request.customer_ref or None,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "metadata": metadata,
        }
        if request.expires_at is not None:
            params["expires_at"] = int(request.expires_at.timestamp())
        if request.mode == "payment":
            if request.amount is None or request.invoice_id is None:
                raise ProcessorError("A payment checkout needs an amount and an invoice.")
            params["client_reference_id"] = str(request.invoice_id)
            params["line_items"] = [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": request.amount.minor_units,
                        "product_data": {"name": request.description or f"Invoice {request.invoice_number}"},
                    },
                }
            ]
            params["payment_intent_data"] = {"metadata": metadata, "description": request.description}
        else:
            params["currency"] = None
            params["setup_intent_data"] = {"metadata": metadata}
        params = {key: value for key, value in params.items() if value is not None}
        session = self._call(self._client.v1.checkout.sessions.create, params, request.idempotency_key)
        return _session(session)

    def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        return _session(self._call(self._client.v1.checkout.sessions.retrieve, session_id))

    def expire_checkout(self, session_id: str) -> CheckoutSession:
        """Expire an open session; one that is no longer open is returned as it is."""
        current = self.retrieve_checkout(session_id)
        if current.status != "open":
            return current
        try:
            return _session(self._client.v1.checkout.sessions.expire(session_id))
        except stripe.InvalidRequestError:
            return self.retrieve_checkout(session_id)  # completed or expired in the meantime
        except stripe.StripeError as error:
            raise _processor_error(error) from error

    def saved_method_of_setup(self, setup_intent_id: str) -> SavedMethod:
        """The setup intent with its payment method expanded: one call gives the card's brand and
        last four digits, which the profile shows."""
        intent = _plain(
            self._call(
                self._client.v1.setup_intents.retrieve, setup_intent_id, None, {"expand": ["payment_method"]}
            )
        )
        method = intent.get("payment_method")
        method_id = method if isinstance(method, str) or method is None else method.get("id")
        card = (method.get("card") or {}) if method is not None and not isinstance(method, str) else {}
        customer = intent.get("customer")
        customer_id = customer if isinstance(customer, str) or customer is None else customer.get("id")
        return SavedMethod(
            payment_method=str(method_id or ""),
            customer_ref=str(customer_id or ""),
            brand=str(card.get("brand") or ""),
            last4=str(card.get("last4") or ""),
            setup_created=int(intent.get("created") or 0),
            setup_status=str(intent.get("status") or ""),
        )

    def charge_off_session(self, request: ChargeRequest) -> ChargeResult:
        params = {
            "amount": request.amount.minor_units,
            "currency": request.amount.currency.lower(),
            "customer": request.customer_ref,
            "payment_method": request.payment_method_ref,
            "off_session": True,
            "confirm": True,
            "description": request.description,
            "metadata": dict(request.metadata),
        }
        try:
            intent = self._client.v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as error:
            intent_id = _error_intent(error)
            code = error.code or "card_error"
            needs_customer = code == "authentication_required"
            status = ChargeStatus.REQUIRES_ACTION if needs_customer else ChargeStatus.FAILED
            return ChargeResult(status, intent_id, code, error.user_message or str(error))
        except stripe.StripeError as error:
            raise _processor_error(error) from error
        status = {
            "succeeded": ChargeStatus.SUCCEEDED,
            "processing": ChargeStatus.PROCESSING,
            "requires_action": ChargeStatus.REQUIRES_ACTION,
        }.get(str(intent.status), ChargeStatus.FAILED)
        failure = getattr(intent, "last_payment_error", None)
        return ChargeResult(
            status,
            str(intent.id),
            str(getattr(failure, "code", "") or "") if failure else "",
            str(getattr(failure, "message", "") or "") if failure else "",
        )

    def detach_payment_method(self, payment_method_ref: str) -> None:
        """Detach the method from its customer. Stripe refuses to detach one that is not attached (a
        removal whose local half failed, tried again): that, or a method this account does not
        know, is done already."""
        try:
            self._client.v1.payment_methods.detach(payment_method_ref)
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                return
            found = _plain(self._call(self._client.v1.payment_methods.retrieve, payment_method_ref))
            if found.get("customer") is None:
                return
            raise _processor_error(error) from error
        except stripe.StripeError as error:
            raise _processor_error(error) from error

    def refund(self, request: RefundRequest) -> RefundResult:
        params = {
            "payment_intent": request.payment_intent,
            "amount": request.amount.minor_units,
            "metadata": dict(request.metadata),
        }
        if request.reason in {"duplicate", "fraudulent", "requested_by_customer"}:
            params["reason"] = request.reason
        refund = self._call(self._client.v1.refunds.create, params, request.idempotency_key)
        return RefundResult(str(refund.id), str(refund.status))

    def balance_transaction(self, transaction_id: str) -> BalanceTransactionInfo:
        found = self._call(self._client.v1.balance_transactions.retrieve, transaction_id)
        return balance_transaction_info(found)

    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        if not self._webhook_secret:
            raise InvalidSignature("No webhook secret is configured for this Stripe account.")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature_header, self._webhook_secret, WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise InvalidSignature(f"Invalid Stripe signature: {error}") from error
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise InvalidSignature("A signed body that is not JSON.") from error
        obj = (event.get("data") or {}).get("object") if isinstance(event, dict) else None
        if not isinstance(obj, dict) or not event.get("id") or not event.get("type"):
            raise InvalidSignature("A signed body that is not a Stripe event.")
        return WebhookEvent(
            id=str(event["id"]),
            type=str(event["type"]),
            created=int(event.get("created") or 0),
            object=obj,
            livemode=bool(event.get("livemode")),
        )

    def _call(self, method: Any, params: Any, idempotency_key: str | None = None, query: Any = None) -> Any:
        try:
            if idempotency_key:
                return method(params, {"idempotency_key": idempotency_key})
            if query is not None:
                return method(params, query)
            return method(params)
        except stripe.StripeError as error:
            raise _processor_error(error) from error


def _plain(obj: Any) -> dict[str, Any]:
    """An SDK object as a plain dict (stripe 16's objects are not dicts: no `.get`)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _session(session: Any) -> CheckoutSession:
    # SDK objects are not dicts (16.x removed .get): read attributes, which are None when absent.
    intent = getattr(session, "payment_intent", None)
    intent_id = intent if isinstance(intent, str) or intent is None else str(intent.id)
    return CheckoutSession(
        str(session.id), str(getattr(session, "url", "") or ""), str(session.status), intent_id
    )


def _error_intent(error: stripe.StripeError) -> str | None:
    body = error.json_body or {}
    intent = (body.get("error") or {}).get("payment_intent") or {}
    return intent.get("id") if isinstance(intent, dict) else None


def _processor_error(error: stripe.StripeError) -> ProcessorError:
    retryable = isinstance(error, stripe.APIConnectionError | stripe.RateLimitError) or (
        isinstance(error, stripe.APIError) and (error.http_status or 500) >= 500
    )
    return ProcessorError(error.user_message or str(error), code=error.code or "", retryable=retryable)


def money_from_minor(minor: int, currency: str) -> Money:
    """A Stripe amount (minor units, lower-case currency) as Money."""
    return Money.from_minor(int(minor), currency.upper())


def balance_transaction_info(found: Any) -> BalanceTransactionInfo:
    """A Stripe balance transaction: an SDK object (read by attribute) or the plain dict of an
    expanded field in a webhook payload."""

    def read(name: str) -> Any:
        return found.get(name) if isinstance(found, dict) else getattr(found, name, None)

    currency = str(read("currency") or "eur")
    source = read("source")
    if source is not None and not isinstance(source, str):
        source = source.get("id") if isinstance(source, dict) else getattr(source, "id", None)
    return BalanceTransactionInfo(
        id=str(read("id")),
        type=str(read("type") or ""),
        amount=money_from_minor(int(read("amount") or 0), currency),
        fee=money_from_minor(int(read("fee") or 0), currency),
        net=money_from_minor(int(read("net") or 0), currency),
        created=int(read("created") or 0),
        source=str(source or ""),
    )
