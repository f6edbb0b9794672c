"""A local stand-in for the Stripe API that the real `stripe` SDK talks to.

Point the SDK at it with `StripeClient(api_key, base_addresses={"api": fake.base_url})` (or
`stripe.api_base = fake.base_url`). It speaks Stripe's wire format: form-encoded request bodies with
nested keys (`metadata[tenant_id]=3`, `line_items[0][price_data][unit_amount]=1190`, `expand[0]=...`),
JSON objects with their `"object"` names, `{"error": {...}}` bodies with Stripe's HTTP statuses (400
invalid request, 401 bad key, 402 card error, 404 missing resource), so the SDK raises its real
exception classes. Every POST honours `Idempotency-Key` like Stripe does.

Each API key is a separate Stripe account with its own objects, events and webhook endpoints (and
their signing secrets). Events are delivered, signed exactly like Stripe signs them, to the account's
endpoints: at once in the thread that caused them (`delivery="sync"`), or only when a test calls
`deliver()` (`delivery="manual"`). A webhook target is a URL or a callable
`(body: bytes, headers: dict[str, str]) -> int` (for an app mounted in a `TestClient`).

A hosted Checkout page (`GET /checkout/<session id>`) lets a browser pay or save a card; the test
card numbers and `pm_card_*` test payment methods behave like Stripe's. Test-only controls (Python
methods) play the parts Stripe's dashboard and the banks play: refunds from the dashboard, disputes,
payouts, asynchronous payments, declines of the next charges. Objects are simplified but keep the
fields, names and types the real API returns.

Typical fixture (the app's clock drives `created`; events go to the app's webhook route):

    with FakeStripe(["sk_test_tenant"]) as fake:
        fake.now = lambda: clock.now().timestamp()
        secret = fake.set_webhook("sk_test_tenant", f"{app_url}/api/webhooks/stripe")
        # or, for an app in a TestClient:
        # fake.set_webhook(key, lambda body, headers: client.post(
        #     "/api/webhooks/stripe", content=body, headers=headers).status_code)
        yield fake
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import httpx
import stripe

from tests.fakes.local_server import LocalHttpServer

Delivery = Literal["sync", "manual"]
WebhookTarget = str | Callable[[bytes, dict[str, str]], int]
JSON = dict[str, Any]

DEFAULT_API_KEY = "sk_test_fake"
API_VERSION = stripe.api_version  # what the installed SDK asks for (Stripe-Version)
DAY = 86_400

# Test card numbers (hosted page) -> (brand, behaviour). Behaviours:
#   succeed: every charge succeeds
#   <decline code>: every charge and every attempt to save the card is declined with that code
#   charge_customer_fail: saving works, later charges are declined (Stripe's 4000000000000341)
#   authentication_required: on-session payments authenticate and succeed, off-session charges
#     fail with authentication_required (Stripe's 4000002760003184)
TEST_CARDS: dict[str, tuple[str, str]] = {
    "4242424242424242": ("visa", "succeed"),
    "5555555555554444": ("mastercard", "succeed"),
    "4000000000000002": ("visa", "generic_decline"),
    "4000000000009995": ("visa", "insufficient_funds"),
    "4000000000000069": ("visa", "expired_card"),
    "4000000000000341": ("visa", "charge_customer_fail"),
    "4000002760003184": ("visa", "authentication_required"),
}
# Stripe's test PaymentMethod tokens; each use makes a new `pm_...` like Stripe does.
TEST_PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_authenticationRequired": "4000002760003184",
}
_DECLINING = {"generic_decline", "insufficient_funds", "expired_card"}
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv", "xaf"}
_SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}
_OPEN_DISPUTE = {"warning_needs_response", "warning_under_review", "needs_response", "under_review"}
_PAYOUT_FAILURES = {
    "account_closed": "The bank account has been closed.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "no_account": "The bank account details on file are probably incorrect. No bank account could be "
    "located with those details.",
    "invalid_account_number": "The routing number seems correct, but the account number is invalid.",
}


def _names(text: str) -> set[str]:
    return set(text.split())


# Request parameters the real endpoints accept (from the SDK's params types, request options left out).
_EXPAND = {"expand"}
_LIST = {"limit", "starting_after", "ending_before", "created", "expand"}
_CUSTOMER_PARAMS = _names(
    """
    address balance business_name cash_balance description email expand individual_name invoice_prefix
    invoice_settings metadata name next_invoice_sequence payment_method phone preferred_locales shipping
    source tax tax_exempt tax_id_data test_clock validate
    """
)
_CUSTOMER_UPDATE_PARAMS = _names(
    """
    address balance business_name cash_balance default_source description email expand individual_name
    invoice_prefix invoice_settings metadata name next_invoice_sequence phone preferred_locales shipping
    source tax tax_exempt validate
    """
)
_SESSION_PARAMS = _names(
    """
    adaptive_pricing after_expiration allow_promotion_codes allowed_payment_method_types automatic_tax
    billing_address_collection branding_settings cancel_url client_reference_id consent_collection
    currency custom_fields custom_text customer customer_account customer_creation customer_email
    customer_update discounts excluded_payment_method_types expand expires_at integration_identifier
    invoice_creation line_items locale managed_payments metadata mode name_collection optional_items
    origin_context payment_intent_data payment_method_collection payment_method_configuration
    payment_method_data payment_method_options payment_method_types permissions phone_number_collection
    redirect_on_completion return_url saved_payment_method_options setup_intent_data
    shipping_address_collection shipping_options submit_type subscription_data success_url
    tax_id_collection ui_mode wallet_options
    """
)
_LINE_ITEM_PARAMS = _names("adjustable_quantity metadata price price_data quantity tax_rates")
_PRICE_DATA_PARAMS = _names(
    """
    currency product product_data recurring tax_behavior unit_amount unit_amount_decimal
    """
)
_PRODUCT_DATA_PARAMS = _names("description images metadata name tax_code tax_details unit_label")
_PI_DATA_PARAMS = _names(
    """
    application_fee_amount capture_method description metadata on_behalf_of receipt_email
    setup_future_usage shipping statement_descriptor statement_descriptor_suffix transfer_data
    transfer_group
    """
)
_SI_DATA_PARAMS = _names("description metadata on_behalf_of")
_PI_CONFIRM_PARAMS = _names(
    """
    allowed_payment_method_types amount_details amount_to_confirm capture_method confirmation_token
    error_on_requires_action excluded_payment_method_types expand mandate mandate_data off_session
    payment_details payment_method payment_method_data payment_method_options payment_method_types
    radar_options receipt_email return_url setup_future_usage shipping use_stripe_sdk
    """
)
_PI_PARAMS = _names(
    """
    allowed_payment_method_types amount amount_details application_fee_amount automatic_payment_methods
    capture_method confirm confirmation_method confirmation_token currency customer customer_account
    description error_on_requires_action excluded_payment_method_types expand mandate mandate_data
    metadata off_session on_behalf_of payment_details payment_method payment_method_configuration
    payment_method_data payment_method_options payment_method_types radar_options receipt_email
    return_url setup_future_usage shipping statement_descriptor statement_descriptor_suffix
    transfer_data transfer_group use_stripe_sdk
    """
)
_REFUND_PARAMS = _names(
    """
    amount charge currency customer expand instructions_email metadata origin payment_intent reason
    refund_application_fee reverse_transfer
    """
)
_WEBHOOK_PARAMS = _names("api_version connect description enabled_events expand metadata url")


class FakeStripeError(Exception):
    """A test control call that Stripe would not allow (e.g. refunding more than was charged)."""


class StripeFail(FakeStripeError):
    """An API error: answered as `{"error": {...}}` with `status`; `store` = kept for idempotent replay."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        store: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.store = store
        error: JSON = {"message": message, "type": type}
        if code:
            error["code"] = code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            error["param"] = param
        error.update(extra)
        self.error = error


@dataclass
class WebhookEndpoint:
    id: str
    target: WebhookTarget
    secret: str
    enabled_events: list[str]
    created: int

    def wants(self, event_type: str) -> bool:
        return any(
            pattern in ("*", event_type) or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
            for pattern in self.enabled_events
        )


@dataclass
class Account:
    """One Stripe account (one API key): its objects by id, its events in order, its webhook endpoints."""

    api_key: str
    id: str
    objects: dict[str, JSON] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    endpoints: list[WebhookEndpoint] = field(default_factory=list)
    idempotency: dict[str, JSON] = field(default_factory=dict)
    declines: dict[str, list[str]] = field(default_factory=dict)  # customer id -> codes of the next charges

    @property
    def webhook_secret(self) -> str | None:
        return self.endpoints[0].secret if self.endpoints else None


@dataclass
class _Op:
    request: JSON
    emitted: list[tuple[Account, str]] = field(default_factory=list)


class FakeStripe(LocalHttpServer):
    def __init__(
        self,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        *,
        delivery: Delivery = "sync",
        webhook_timeout: float = 10.0,
    ) -> None:
        self.delivery: Delivery = delivery
        self.webhook_timeout = webhook_timeout
        # The clock for `created` on objects and events (set it to follow the app's moved clock) and the
        # one for webhook signature timestamps (what `Webhook.construct_event` checks: real time).
        self.now: Callable[[], float] = lambda: time.time()
        self.sign_clock: Callable[[], float] = lambda: time.time()
        self.requests: list[JSON] = []  # every API request: method, path, params, keys, status, replayed
        self.deliveries: list[JSON] = []  # every webhook POST: event, endpoint, status or error
        self._lock = threading.RLock()
        self._local = threading.local()
        self._accounts: dict[str, Account] = {}
        self._owner: dict[str, Account] = {}  # object id -> account
        self._seq = 0
        self._pending: list[tuple[Account, str]] = []  # events waiting for delivery, in order
        for key in api_keys:
            self.account(key)
        self._serve(self._handler_class(), "fake-stripe")

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return self.address

    def client(self, api_key: str = DEFAULT_API_KEY) -> stripe.StripeClient:
        """A real SDK client pointed at this fake (no network retries, so failures show at once)."""
        return stripe.StripeClient(api_key, base_addresses={"api": self.base_url}, max_network_retries=0)

    # ---------------------------------------------------------------- accounts and webhooks

    def account(self, api_key: str) -> Account:
        """The account behind `api_key`, made on first use (an unknown key answers 401 until then)."""
        with self._lock:
            if api_key not in self._accounts:
                self._accounts[api_key] = Account(api_key=api_key, id=_id("acct", 16))
            return self._accounts[api_key]

    def revoke_key(self, api_key: str) -> None:
        """The key stops working (401), like a rolled key; its objects stay for assertions."""
        with self._lock:
            self._accounts.pop(api_key, None)

    def set_webhook(
        self,
        api_key: str,
        url: WebhookTarget,
        secret: str | None = None,
        enabled_events: Iterable[str] = ("*",),
    ) -> str:
        """Make `url` the account's only webhook endpoint; returns its signing secret (`whsec_...`)."""
        with self._lock:
            account = self.account(api_key)
            endpoint = WebhookEndpoint(
                id=_id("we"),
                target=url,
                secret=secret or "whsec_" + _random(32),
                enabled_events=list(enabled_events),
                created=self._now(),
            )
            account.endpoints = [endpoint]
            return endpoint.secret

    @staticmethod
    def signed(
        event_or_payload: JSON | str | bytes, secret: str, timestamp: int | None = None
    ) -> tuple[bytes, str]:
        """The body and `Stripe-Signature` header Stripe would send for this event (or raw payload)."""
        if isinstance(event_or_payload, dict):
            body = json.dumps(event_or_payload, indent=2).encode()
        elif isinstance(event_or_payload, str):
            body = event_or_payload.encode()
        else:
            body = bytes(event_or_payload)
        stamp = int(time.time()) if timestamp is None else int(timestamp)
        header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=stamp)
        return body, header

    def pending_events(self) -> list[JSON]:
        """Events created but not yet delivered (manual delivery, or a failed sync delivery), oldest first."""
        with self._lock:
            return [_public(account.objects[event_id]) for account, event_id in self._pending]

    def deliver(self, event_id: str, times: int = 1, timestamp: int | None = None) -> list[int | None]:
        """POST the event to its account's endpoints `times` times (duplicates on purpose). Returns the
        HTTP statuses (None: no answer). A 2xx takes it off the pending list."""
        with self._lock:
            account = self._owner.get(event_id)
            if account is None or account.objects[event_id].get("object") != "event":
                raise FakeStripeError(f"No such event: {event_id!r}")
        statuses: list[int | None] = []
        for _ in range(times):
            statuses.extend(self._deliver(account, event_id, timestamp))
        return statuses

    def deliver_all(self) -> list[str]:
        """Deliver every pending event once, oldest first; returns their ids."""
        delivered = [event["id"] for event in self.pending_events()]
        for event_id in delivered:
            self.deliver(event_id)
        return delivered

    def events(self, api_key: str = DEFAULT_API_KEY, type: str | None = None) -> list[JSON]:
        """The account's events, oldest first (optionally of one type)."""
        with self._lock:
            account = self.account(api_key)
            found = [_public(account.objects[event_id]) for event_id in account.events]
        return [event for event in found if type is None or event["type"] == type]

    # ---------------------------------------------------------------- inspecting objects

    def get(self, object_id: str) -> JSON:
        """Any object by id, as the API would render it (whichever account owns it)."""
        with self._lock:
            account = self._owner.get(object_id)
            if account is None:
                raise FakeStripeError(f"No such object: {object_id!r}")
            return _public(account.objects[object_id])

    def objects(self, api_key: str, object_type: str) -> list[JSON]:
        """The account's objects of one type ("charge", "checkout.session", ...), oldest first."""
        with self._lock:
            account = self.account(api_key)
            return [
                _public(obj)
                for obj in sorted(account.objects.values(), key=lambda o: o["_seq"])
                if obj.get("object") == object_type and not obj.get("deleted")
            ]

    def requests_for(self, method: str, path: str) -> list[JSON]:
        """Recorded API requests with this method and path (e.g. "POST", "/v1/payment_intents")."""
        return [r for r in list(self.requests) if r["method"] == method.upper() and r["path"] == path]

    # ---------------------------------------------------------------- test controls (dashboard, banks)

    def decline_next(self, customer_id: str, n: int = 1, code: str = "card_declined") -> None:
        """The next `n` charges of this customer are declined with `code`, then charges succeed again."""
        with self._lock:
            account = self._owner_of(customer_id, "customer")
            account.declines.setdefault(customer_id, []).extend([code] * n)

    def complete_checkout(self, session_id: str, card: str = "4242424242424242") -> JSON:
        """What paying on the hosted page does: the session completes (payment or saved card)."""
        with self._operation():
            account = self._owner_of(session_id, "checkout.session")
            session = self._complete_session(account, account.objects[session_id], card)
            return _public(session)

    def expire_checkout(self, session_id: str) -> JSON:
        """Expire an open session (as when `expires_at` passes); emits `checkout.session.expired`."""
        with self._operation():
            account = self._owner_of(session_id, "checkout.session")
            return _public(self._expire_session(account, account.objects[session_id]))

    def expire_overdue(self) -> list[str]:
        """Expire every open session whose `expires_at` has passed on `now`; returns their ids."""
        with self._operation():
            expired = []
            for account in self._accounts.values():
                for obj in list(account.objects.values()):
                    if (
                        obj.get("object") == "checkout.session"
                        and obj["status"] == "open"
                        and self._now() >= obj["expires_at"]
                    ):
                        self._expire_session(account, obj)
                        expired.append(obj["id"])
            return expired

    def async_checkout(self, session_id: str, succeed: bool = True, settle: bool = True) -> JSON:
        """Complete a payment session with a delayed method (SEPA Direct Debit): the session completes
        unpaid (`checkout.session.completed`, payment intent processing); then, unless `settle=False`,
        the payment settles (`checkout.session.async_payment_succeeded` or `..._failed`)."""
        with self._operation():
            account = self._owner_of(session_id, "checkout.session")
            session = account.objects[session_id]
            if session["mode"] != "payment":
                raise FakeStripeError("async_checkout needs a payment mode session")
            self._complete_session(account, session, card=None)
            if settle:
                self._settle(account, session, succeed)
            return _public(session)

    def settle_async(self, session_id: str, succeed: bool = True) -> JSON:
        """Second half of `async_checkout(..., settle=False)`."""
        with self._operation():
            account = self._owner_of(session_id, "checkout.session")
            session = account.objects[session_id]
            self._settle(account, session, succeed)
            return _public(session)

    def refund_from_dashboard(
        self, charge_id: str, amount: int | None = None, reason: str | None = None
    ) -> JSON:
        """A refund made in the Stripe dashboard (no API request): emits `refund.created` and
        `charge.refunded`. `charge_id` may also be a payment intent id. Returns the refund."""
        with self._operation():
            account = self._owner_of(charge_id, "charge", "payment_intent")
            charge = self._charge_of(account, charge_id, "charge")
            return _public(self._refund(account, charge, amount, reason, {}))

    def open_dispute(self, charge_id: str, reason: str = "fraudulent", amount: int | None = None) -> JSON:
        """The cardholder disputes the charge: funds and the dispute fee are withdrawn;
        emits `charge.dispute.created` and `charge.dispute.funds_withdrawn`. Returns the dispute."""
        with self._operation():
            account = self._owner_of(charge_id, "charge", "payment_intent")
            charge = self._charge_of(account, charge_id, "charge")
            return _public(self._open_dispute(account, charge, reason, amount))

    def close_dispute(self, dispute_id: str, status: str = "won") -> JSON:
        """The dispute is decided ("won" | "lost"): emits `charge.dispute.closed` (and
        `charge.dispute.funds_reinstated` when won). Returns the dispute."""
        if status not in {"won", "lost"}:
            raise FakeStripeError("status must be 'won' or 'lost'")
        with self._operation():
            account = self._owner_of(dispute_id, "dispute")
            return _public(self._close_dispute(account, account.objects[dispute_id], status))

    def payout(
        self,
        api_key: str,
        amount: int,
        currency: str = "eur",
        status: str = "paid",
        failure_code: str = "account_closed",
    ) -> JSON:
        """An automatic payout to the account's bank: emits `payout.created`, then `payout.paid` or
        `payout.failed` (with `failure_code`/`failure_message`). Returns the payout."""
        if status not in {"paid", "failed"}:
            raise FakeStripeError("status must be 'paid' or 'failed'")
        with self._operation():
            account = self.account(api_key)
            return _public(self._payout(account, amount, currency.lower(), status, failure_code))

    # ================================================================ internals: operations and events

    def _now(self) -> int:
        return int(self.now())

    @contextmanager
    def _operation(self, request: JSON | None = None) -> Iterator[_Op]:
        """Hold the lock for one API call or control; deliver its events after the lock is released
        (sync mode), so a webhook handler that calls back into the fake does not deadlock."""
        outer = getattr(self._local, "op", None)
        if outer is not None:
            with self._lock:
                yield outer
            return
        op = _Op(request or {"id": None, "idempotency_key": None})
        self._local.op = op
        try:
            with self._lock:
                yield op
        finally:
            self._local.op = None
            if self.delivery == "sync":
                for account, event_id in op.emitted:
                    self._deliver(account, event_id, None)

    def _store(self, account: Account, obj: JSON) -> JSON:
        self._seq += 1
        obj["_seq"] = self._seq
        account.objects[obj["id"]] = obj
        self._owner[obj["id"]] = account
        return obj

    def _emit(self, account: Account, event_type: str, obj: JSON, previous: JSON | None = None) -> JSON:
        op: _Op | None = getattr(self._local, "op", None)
        request = op.request if op is not None else {"id": None, "idempotency_key": None}
        targets = [endpoint for endpoint in account.endpoints if endpoint.wants(event_type)]
        data: JSON = {"object": _public(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = self._store(
            account,
            {
                "id": _id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": self._now(),
                "data": data,
                "livemode": False,
                "pending_webhooks": len(targets),
                "request": dict(request),
                "type": event_type,
            },
        )
        account.events.append(event["id"])
        if targets:
            self._pending.append((account, event["id"]))
            if op is not None:
                op.emitted.append((account, event["id"]))
        return event

    def _deliver(self, account: Account, event_id: str, timestamp: int | None) -> list[int | None]:
        with self._lock:
            event = account.objects[event_id]
            endpoints = [endpoint for endpoint in account.endpoints if endpoint.wants(event["type"])]
            body = json.dumps(_public(event), indent=2).encode()
        statuses: list[int | None] = []
        for endpoint in endpoints:
            stamp = int(self.sign_clock()) if timestamp is None else int(timestamp)
            _, header = self.signed(body, endpoint.secret, stamp)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            }
            status: int | None = None
            error = ""
            try:
                if callable(endpoint.target):
                    status = int(endpoint.target(body, headers))
                else:
                    status = httpx.post(
                        endpoint.target, content=body, headers=headers, timeout=self.webhook_timeout
                    ).status_code
            except Exception as exc:  # the endpoint is down or broke: Stripe would retry later
                error = f"{type(exc).__name__}: {exc}"
            statuses.append(status)
            self.deliveries.append(
                {
                    "event_id": event_id,
                    "type": event["type"],
                    "endpoint": endpoint.id,
                    "url": endpoint.target if isinstance(endpoint.target, str) else repr(endpoint.target),
                    "timestamp": stamp,
                    "status": status,
                    "error": error,
                }
            )
        if any(status is not None and 200 <= status < 300 for status in statuses):
            with self._lock:
                event["pending_webhooks"] = 0
                self._pending = [(a, e) for a, e in self._pending if e != event_id]
        return statuses

    def _owner_of(self, object_id: str, *object_types: str) -> Account:
        account = self._owner.get(object_id)
        if account is None or account.objects[object_id].get("object") not in object_types:
            raise FakeStripeError(f"No such {' or '.join(object_types)}: {object_id!r}")
        return account

    # ================================================================ internals: the HTTP API

    def _api(
        self, method: str, path: str, params: JSON, headers: dict[str, str]
    ) -> tuple[int, JSON, dict[str, str]]:
        request_id = "req_" + _random(14)
        authorization = headers.get("authorization", "")
        api_key = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        idempotency_key = headers.get("idempotency-key") if method == "POST" else None
        record: JSON = {
            "method": method,
            "path": path,
            "params": params,
            "idempotency_key": idempotency_key,
            "api_key": api_key,
            "stripe_version": headers.get("stripe-version"),
            "request_id": request_id,
            "status": None,
            "replayed": False,
        }
        self.requests.append(record)
        reply_headers = {
            "Request-Id": request_id,
            "Stripe-Version": headers.get("stripe-version") or API_VERSION,
        }
        if idempotency_key:
            reply_headers["Idempotency-Key"] = idempotency_key
        with self._operation({"id": request_id, "idempotency_key": idempotency_key}):
            account = self._accounts.get(api_key)
            if account is None:
                shown = f"{api_key[:8]}{'*' * 12}{api_key[-4:]}" if api_key else ""
                message = (
                    f"Invalid API Key provided: {shown}"
                    if api_key
                    else "You did not provide an API key. You need to provide your API key in the "
                    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
                )
                status, body = 401, {"error": {"message": message, "type": "invalid_request_error"}}
            elif idempotency_key and idempotency_key in account.idempotency:
                stored = account.idempotency[idempotency_key]
                if (stored["method"], stored["path"]) != (method, path):
                    status, body = (
                        400,
                        _idempotency_error(
                            "Keys for idempotent requests can only be used for the same endpoint they were "
                            f"first used for ('{stored['method']} {stored['path']}' vs '{method} {path}'). "
                            f"Try using a key other than '{idempotency_key}' if you meant to execute a "
                            "different request."
                        ),
                    )
                elif stored["params"] != params:
                    status, body = (
                        400,
                        _idempotency_error(
                            "Keys for idempotent requests can only be used with the same parameters they "
                            f"were first used with. Try using a key other than '{idempotency_key}' if you "
                            "meant to execute a different request."
                        ),
                    )
                else:
                    status, body = stored["status"], copy.deepcopy(stored["body"])
                    record["replayed"] = True
                    reply_headers["Idempotent-Replayed"] = "true"
                    reply_headers["Original-Request"] = stored["request_id"]
            else:
                try:
                    status, body = 200, self._route(account, method, path, params)
                    stored_result = True
                except StripeFail as fail:
                    status, body, stored_result = fail.status, {"error": fail.error}, fail.store
                if idempotency_key and stored_result:
                    account.idempotency[idempotency_key] = {
                        "method": method,
                        "path": path,
                        "params": copy.deepcopy(params),
                        "status": status,
                        "body": copy.deepcopy(body),
                        "request_id": request_id,
                    }
        record["status"] = status
        return status, body, reply_headers

    def _route(self, account: Account, method: str, path: str, params: JSON) -> JSON:
        for route_method, pattern, handler, allowed in self._routes():
            match = pattern.fullmatch(path)
            if match and route_method == method:
                _only(params, allowed)
                result = handler(account, params, *match.groups())
                return self._expand(account, result, params.get("expand") or [])
        raise StripeFail(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
            "help at https://support.stripe.com/.",
        )

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., JSON], set[str]]]:
        routes = getattr(self, "_route_table", None)
        if routes is None:
            table = [
                ("POST", r"/v1/customers", self._create_customer, _CUSTOMER_PARAMS),
                ("GET", r"/v1/customers", self._list_customers, _LIST | {"email", "test_clock"}),
                ("GET", r"/v1/customers/([^/]+)", self._retrieve_customer, _EXPAND),
                ("POST", r"/v1/customers/([^/]+)", self._update_customer, _CUSTOMER_UPDATE_PARAMS),
                ("DELETE", r"/v1/customers/([^/]+)", self._delete_customer, set()),
                ("GET", r"/v1/customers/([^/]+)/payment_methods", self._customer_pms, _LIST | {"type"}),
                ("POST", r"/v1/checkout/sessions", self._create_session, _SESSION_PARAMS),
                (
                    "GET",
                    r"/v1/checkout/sessions",
                    self._list_sessions,
                    _LIST | {"customer", "payment_intent", "status", "customer_details", "payment_link"},
                ),
                ("GET", r"/v1/checkout/sessions/([^/]+)", self._retrieve_session, _EXPAND),
                ("GET", r"/v1/checkout/sessions/([^/]+)/line_items", self._session_line_items, _LIST),
                ("POST", r"/v1/checkout/sessions/([^/]+)/expire", self._api_expire_session, _EXPAND),
                ("POST", r"/v1/payment_intents", self._create_pi, _PI_PARAMS),
                ("GET", r"/v1/payment_intents", self._list_pis, _LIST | {"customer"}),
                (
                    "GET",
                    r"/v1/payment_intents/([^/]+)",
                    self._retrieve("payment_intent"),
                    _EXPAND | {"client_secret"},
                ),
                ("POST", r"/v1/payment_intents/([^/]+)/confirm", self._confirm_pi, _PI_CONFIRM_PARAMS),
                (
                    "POST",
                    r"/v1/payment_intents/([^/]+)/cancel",
                    self._cancel_pi,
                    _EXPAND | {"cancellation_reason"},
                ),
                (
                    "GET",
                    r"/v1/setup_intents",
                    self._list_setup_intents,
                    _LIST | {"customer", "payment_method"},
                ),
                (
                    "GET",
                    r"/v1/setup_intents/([^/]+)",
                    self._retrieve("setup_intent"),
                    _EXPAND | {"client_secret"},
                ),
                (
                    "GET",
                    r"/v1/payment_methods",
                    self._list_pms,
                    _LIST | {"customer", "type", "allow_redisplay"},
                ),
                ("GET", r"/v1/payment_methods/([^/]+)", self._retrieve_pm, _EXPAND),
                ("POST", r"/v1/payment_methods/([^/]+)/attach", self._attach_pm, _EXPAND | {"customer"}),
                ("POST", r"/v1/payment_methods/([^/]+)/detach", self._detach_pm, _EXPAND),
                ("GET", r"/v1/charges", self._list_charges, _LIST | {"customer", "payment_intent"}),
                ("GET", r"/v1/charges/([^/]+)", self._retrieve("charge"), _EXPAND),
                ("POST", r"/v1/refunds", self._create_refund, _REFUND_PARAMS),
                ("GET", r"/v1/refunds", self._list_refunds, _LIST | {"charge", "payment_intent"}),
                ("GET", r"/v1/refunds/([^/]+)", self._retrieve("refund"), _EXPAND),
                ("GET", r"/v1/events", self._list_events, _LIST | {"type", "types", "delivery_success"}),
                ("GET", r"/v1/events/([^/]+)", self._retrieve("event"), _EXPAND),
                (
                    "GET",
                    r"/v1/balance_transactions",
                    self._list_txns,
                    _LIST | {"type", "source", "payout", "currency"},
                ),
                ("GET", r"/v1/balance_transactions/([^/]+)", self._retrieve("balance_transaction"), _EXPAND),
                ("GET", r"/v1/disputes", self._list_disputes, _LIST | {"charge", "payment_intent"}),
                ("GET", r"/v1/disputes/([^/]+)", self._retrieve("dispute"), _EXPAND),
                (
                    "GET",
                    r"/v1/payouts",
                    self._list_payouts,
                    _LIST | {"status", "arrival_date", "destination"},
                ),
                ("GET", r"/v1/payouts/([^/]+)", self._retrieve("payout"), _EXPAND),
                ("POST", r"/v1/webhook_endpoints", self._create_webhook_endpoint, _WEBHOOK_PARAMS),
                ("GET", r"/v1/webhook_endpoints", self._list_webhook_endpoints, _LIST),
                ("GET", r"/v1/webhook_endpoints/([^/]+)", self._retrieve_webhook_endpoint, _EXPAND),
                ("DELETE", r"/v1/webhook_endpoints/([^/]+)", self._delete_webhook_endpoint, set()),
            ]
            routes = [(m, re.compile(p), h, a) for m, p, h, a in table]
            self._route_table = routes
        return routes

    # ---------------------------------------------------------------- lookup, list, expand

    def _find(
        self, account: Account, object_type: str, object_id: Any, param: str, status: int = 400
    ) -> JSON:
        """An object of this account, or Stripe's resource_missing error (404 for the URL's id)."""
        obj = account.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj.get("object") != object_type or obj.get("deleted"):
            label = {"payment_method": "PaymentMethod", "checkout.session": "checkout.session"}.get(
                object_type, object_type
            )
            raise StripeFail(status, f"No such {label}: '{object_id}'", code="resource_missing", param=param)
        return obj

    def _retrieve(self, object_type: str) -> Callable[..., JSON]:
        def retrieve(account: Account, params: JSON, object_id: str) -> JSON:
            return _public(self._find(account, object_type, object_id, "id", 404))

        return retrieve

    def _list(self, account: Account, object_type: str, params: JSON, url: str, **filters: Any) -> JSON:
        items = [
            obj
            for obj in account.objects.values()
            if obj.get("object") == object_type
            and not obj.get("deleted")
            and all(value is None or obj.get(name) == value for name, value in filters.items())
        ]
        items.sort(key=lambda o: (o["created"], o["_seq"]), reverse=True)
        limit = _int(params, "limit", default=10)
        if not 1 <= limit <= 100:
            raise StripeFail(
                400, f"This value must be between 1 and 100 (it currently is {limit}).", param="limit"
            )
        ids = [obj["id"] for obj in items]
        if params.get("starting_after"):
            after = params["starting_after"]
            items = items[ids.index(after) + 1 :] if after in ids else []
        elif params.get("ending_before"):
            before = params["ending_before"]
            items = items[: ids.index(before)][-limit:] if before in ids else []
        page = items[:limit]
        return {
            "object": "list",
            "data": [_public(obj) for obj in page],
            "has_more": len(items) > limit,
            "url": url,
        }

    def _expand(self, account: Account, obj: JSON, paths: Any) -> JSON:
        if isinstance(paths, str):
            paths = [paths]
        for path in paths:
            self._expand_path(account, obj, path.split("."), path)
        return obj

    def _expand_path(self, account: Account, node: Any, parts: list[str], full: str) -> None:
        if node is None or not parts:
            return
        if isinstance(node, dict) and node.get("object") == "list" and parts[0] == "data":
            for item in node["data"]:
                self._expand_path(account, item, parts[1:], full)
            return
        key = parts[0]
        if isinstance(node, dict) and node.get("object") == "checkout.session" and key == "line_items":
            node["line_items"] = self._line_items(account, node["id"], {})
        elif not isinstance(node, dict) or key not in node:
            raise StripeFail(400, f"This property cannot be expanded ({full}).", param="expand")
        value = node[key]
        if isinstance(value, str):
            target = account.objects.get(value)
            if target is None:
                raise StripeFail(400, f"This property cannot be expanded ({full}).", param="expand")
            node[key] = value = _public(target)
        self._expand_path(account, value, parts[1:], full)

    # ---------------------------------------------------------------- customers

    def _create_customer(self, account: Account, params: JSON) -> JSON:
        customer = self._store(
            account,
            {
                "id": _id("cus", 14),
                "object": "customer",
                "address": params.get("address") or None,
                "balance": 0,
                "created": self._now(),
                "currency": None,
                "default_source": None,
                "delinquent": False,
                "description": params.get("description") or None,
                "discount": None,
                "email": params.get("email") or None,
                "invoice_prefix": _random(8, string.ascii_uppercase + string.digits),
                "invoice_settings": {
                    "custom_fields": None,
                    "default_payment_method": None,
                    "footer": None,
                    "rendering_options": None,
                },
                "livemode": False,
                "metadata": _metadata({}, params.get("metadata"), "metadata"),
                "name": params.get("name") or None,
                "next_invoice_sequence": 1,
                "phone": params.get("phone") or None,
                "preferred_locales": list(params.get("preferred_locales") or []),
                "shipping": None,
                "tax_exempt": params.get("tax_exempt") or "none",
                "test_clock": None,
            },
        )
        self._emit(account, "customer.created", customer)
        if params.get("payment_method"):
            pm = self._resolve_pm(account, params["payment_method"], "payment_method")
            self._attach(account, pm, customer)
        default = (params.get("invoice_settings") or {}).get("default_payment_method")
        if default:
            self._set_default_pm(account, customer, default)
        return _public(customer)

    def _list_customers(self, account: Account, params: JSON) -> JSON:
        return self._list(account, "customer", params, "/v1/customers", email=params.get("email"))

    def _retrieve_customer(self, account: Account, params: JSON, customer_id: str) -> JSON:
        obj = account.objects.get(customer_id)
        if obj is not None and obj.get("object") == "customer" and obj.get("deleted"):
            return {"id": customer_id, "object": "customer", "deleted": True}
        return _public(self._find(account, "customer", customer_id, "id", 404))

    def _update_customer(self, account: Account, params: JSON, customer_id: str) -> JSON:
        customer = self._find(account, "customer", customer_id, "id", 404)
        previous: JSON = {}
        for name in ("email", "name", "description", "phone", "address", "tax_exempt"):
            if name in params:
                previous[name] = customer[name]
                customer[name] = params[name] or None
        if "metadata" in params:
            previous["metadata"] = customer["metadata"]
            customer["metadata"] = _metadata(customer["metadata"], params["metadata"], "metadata")
        settings = params.get("invoice_settings")
        if isinstance(settings, dict) and "default_payment_method" in settings:
            previous["invoice_settings"] = copy.deepcopy(customer["invoice_settings"])
            self._set_default_pm(account, customer, settings["default_payment_method"])
        if previous:
            self._emit(account, "customer.updated", customer, previous)
        return _public(customer)

    def _delete_customer(self, account: Account, params: JSON, customer_id: str) -> JSON:
        customer = self._find(account, "customer", customer_id, "id", 404)
        customer["deleted"] = True
        self._emit(account, "customer.deleted", customer)
        return {"id": customer_id, "object": "customer", "deleted": True}

    def _set_default_pm(self, account: Account, customer: JSON, pm_id: str) -> None:
        if pm_id:
            pm = account.objects.get(pm_id)
            if pm is None or pm.get("object") != "payment_method" or pm.get("customer") != customer["id"]:
                raise StripeFail(
                    400,
                    f"The customer does not have a payment method with the ID {pm_id}. The payment method "
                    "must be attached to the customer.",
                    code="resource_missing",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"]["default_payment_method"] = pm_id or None

    # ---------------------------------------------------------------- payment methods

    def _new_pm(self, account: Account, card: str | None) -> JSON:
        """A fresh PaymentMethod for a test card number (None: a SEPA Direct Debit mandate)."""
        now = self._now()
        billing = {
            "address": {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")},
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        }
        pm: JSON = {
            "id": _id("pm"),
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": billing,
            "created": now,
            "customer": None,
            "livemode": False,
            "metadata": {},
        }
        if card is None:
            pm.update(
                type="sepa_debit",
                sepa_debit={
                    "bank_code": "37040044",
                    "branch_code": "",
                    "country": "DE",
                    "fingerprint": _fingerprint(account, "DE89370400440532013000"),
                    "generated_from": {"charge": None, "setup_attempt": None},
                    "last4": "3000",
                },
                _behaviour="succeed",
            )
            return self._store(account, pm)
        if card not in TEST_CARDS:
            raise StripeFail(
                402, "Your card number is incorrect.", type="card_error", code="incorrect_number"
            )
        brand, behaviour = TEST_CARDS[card]
        pm.update(
            type="card",
            card={
                "brand": brand,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "country": "US",
                "display_brand": brand,
                "exp_month": 12,
                "exp_year": datetime.fromtimestamp(now, UTC).year + 4,
                "fingerprint": _fingerprint(account, card),
                "funding": "credit",
                "generated_from": None,
                "last4": card[-4:],
                "networks": {"available": [brand], "preferred": None},
                "regulated_status": "unregulated",
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            _behaviour=behaviour,
        )
        return self._store(account, pm)

    def _resolve_pm(self, account: Account, ref: Any, param: str) -> JSON:
        if isinstance(ref, str) and ref in TEST_PAYMENT_METHODS:
            return self._new_pm(account, TEST_PAYMENT_METHODS[ref])
        return self._find(account, "payment_method", ref, param)

    def _attach(self, account: Account, pm: JSON, customer: JSON) -> None:
        if pm["customer"] == customer["id"]:
            return
        if pm["customer"] is not None:
            raise StripeFail(
                400,
                "The payment method you provided has already been attached to a customer.",
                code="payment_method_unexpected_state",
            )
        if pm["_behaviour"] in _DECLINING:
            code, decline_code, message = _decline_details(pm["_behaviour"])
            raise StripeFail(
                402, message, type="card_error", code=code, decline_code=decline_code, param="", store=True
            )
        pm["customer"] = customer["id"]
        self._emit(account, "payment_method.attached", pm)

    def _list_pms(self, account: Account, params: JSON) -> JSON:
        if params.get("customer"):
            self._find(account, "customer", params["customer"], "customer")
        return self._list(
            account,
            "payment_method",
            params,
            "/v1/payment_methods",
            customer=params.get("customer"),
            type=params.get("type"),
        )

    def _customer_pms(self, account: Account, params: JSON, customer_id: str) -> JSON:
        self._find(account, "customer", customer_id, "id", 404)
        return self._list(
            account,
            "payment_method",
            params,
            f"/v1/customers/{customer_id}/payment_methods",
            customer=customer_id,
            type=params.get("type"),
        )

    def _retrieve_pm(self, account: Account, params: JSON, pm_id: str) -> JSON:
        return _public(self._find(account, "payment_method", pm_id, "id", 404))

    def _attach_pm(self, account: Account, params: JSON, pm_id: str) -> JSON:
        if not params.get("customer"):
            raise StripeFail(
                400, "Missing required param: customer.", code="parameter_missing", param="customer"
            )
        customer = self._find(account, "customer", params["customer"], "customer")
        if pm_id in TEST_PAYMENT_METHODS:
            pm = self._resolve_pm(account, pm_id, "id")
        else:
            pm = self._find(account, "payment_method", pm_id, "id", 404)
        self._attach(account, pm, customer)
        return _public(pm)

    def _detach_pm(self, account: Account, params: JSON, pm_id: str) -> JSON:
        pm = self._find(account, "payment_method", pm_id, "id", 404)
        if pm["customer"] is None:
            raise StripeFail(
                400,
                f"The payment method {pm_id} is not attached to a customer so detachment is impossible.",
                code="payment_method_unexpected_state",
            )
        customer = account.objects.get(pm["customer"])
        if customer and customer["invoice_settings"]["default_payment_method"] == pm_id:
            customer["invoice_settings"]["default_payment_method"] = None
        previous = {"customer": pm["customer"]}
        pm["customer"] = None
        self._emit(account, "payment_method.detached", pm, previous)
        return _public(pm)

    # ---------------------------------------------------------------- checkout sessions

    def _create_session(self, account: Account, params: JSON) -> JSON:
        now = self._now()
        mode = params.get("mode")
        if not mode:
            raise StripeFail(400, "Missing required param: mode.", code="parameter_missing", param="mode")
        if mode not in {"payment", "setup"}:
            raise StripeFail(
                400,
                f"The fake supports `mode` payment and setup, not {mode!r}.",
                code="parameter_invalid_string",
                param="mode",
            )
        customer_id = params.get("customer") or None
        if customer_id:
            self._find(account, "customer", customer_id, "customer")
        if customer_id and params.get("customer_email"):
            raise StripeFail(
                400,
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer",
            )
        pi_data = _dict_param(params, "payment_intent_data", _PI_DATA_PARAMS)
        si_data = _dict_param(params, "setup_intent_data", _SI_DATA_PARAMS)
        if mode == "setup" and pi_data:
            raise StripeFail(
                400, "You can not pass `payment_intent_data` in `setup` mode.", param="payment_intent_data"
            )
        if mode == "payment" and si_data:
            raise StripeFail(
                400, "You can not pass `setup_intent_data` in `payment` mode.", param="setup_intent_data"
            )
        session_id = "cs_test_a1" + _random(56)
        items = self._session_items(params, mode)
        currency = items[0]["currency"] if items else (params.get("currency") or "").lower() or None
        total = sum(item["amount_total"] for item in items) if items else None
        expires_at = _int(params, "expires_at", default=now + DAY)
        if expires_at < now + 1800:
            raise StripeFail(
                400,
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                code="parameter_invalid_integer",
                param="expires_at",
            )
        if expires_at > now + DAY:
            raise StripeFail(
                400,
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                code="parameter_invalid_integer",
                param="expires_at",
            )
        reference = params.get("client_reference_id") or None
        if reference is not None and len(reference) > 200:
            raise StripeFail(
                400,
                "Invalid client_reference_id: must be at most 200 characters",
                param="client_reference_id",
            )
        if pi_data.get("metadata") is not None:
            pi_data["metadata"] = _metadata({}, pi_data["metadata"], "payment_intent_data[metadata]")
        if si_data.get("metadata") is not None:
            si_data["metadata"] = _metadata({}, si_data["metadata"], "setup_intent_data[metadata]")
        email = params.get("customer_email") or None
        session = self._store(
            account,
            {
                "id": session_id,
                "object": "checkout.session",
                "after_expiration": None,
                "allow_promotion_codes": None,
                "amount_subtotal": total,
                "amount_total": total,
                "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
                "billing_address_collection": params.get("billing_address_collection") or None,
                "cancel_url": params.get("cancel_url") or None,
                "client_reference_id": reference,
                "client_secret": None,
                "consent": None,
                "consent_collection": None,
                "created": now,
                "currency": currency,
                "custom_fields": [],
                "custom_text": {
                    "after_submit": None,
                    "shipping_address": None,
                    "submit": None,
                    "terms_of_service_acceptance": None,
                },
                "customer": customer_id,
                "customer_creation": None if customer_id or mode == "setup" else "if_required",
                "customer_details": {"email": email} if email else None,
                "customer_email": email,
                "expires_at": expires_at,
                "invoice": None,
                "invoice_creation": None,
                "livemode": False,
                "locale": params.get("locale") or None,
                "metadata": _metadata({}, params.get("metadata"), "metadata"),
                "mode": mode,
                "payment_intent": None,
                "payment_link": None,
                "payment_method_collection": "always" if mode == "setup" else "if_required",
                "payment_method_options": {},
                "payment_method_types": list(params.get("payment_method_types") or ["card"]),
                "payment_status": "unpaid" if mode == "payment" else "no_payment_required",
                "phone_number_collection": {"enabled": False},
                "recovered_from": None,
                "setup_intent": None,
                "shipping_address_collection": None,
                "shipping_cost": None,
                "shipping_options": [],
                "status": "open",
                "submit_type": params.get("submit_type") or None,
                "subscription": None,
                "success_url": params.get("success_url") or None,
                "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
                if items
                else None,
                "ui_mode": params.get("ui_mode") or "hosted",
                "url": f"{self.base_url}/checkout/{session_id}",
                "_items": items,
                "_pi_data": pi_data,
                "_si_data": si_data,
            },
        )
        return _public(session)

    def _session_items(self, params: JSON, mode: str) -> list[JSON]:
        raw = params.get("line_items")
        if mode == "setup":
            if raw:
                raise StripeFail(400, "You can not pass `line_items` in `setup` mode.", param="line_items")
            return []
        if not raw:
            raise StripeFail(
                400, "Missing required param: line_items.", code="parameter_missing", param="line_items"
            )
        if not isinstance(raw, list):
            raise StripeFail(400, "Invalid array", code="parameter_invalid_array", param="line_items")
        items = []
        for index, item in enumerate(raw):
            label = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise StripeFail(400, f"Invalid object: {label}", param=label)
            _only(item, _LINE_ITEM_PARAMS, label)
            if item.get("price"):
                raise StripeFail(
                    400, f"No such price: '{item['price']}'", code="resource_missing", param=f"{label}[price]"
                )
            price = item.get("price_data")
            if not isinstance(price, dict):
                raise StripeFail(
                    400,
                    f"You must specify either `price` or `price_data` in {label}.",
                    code="parameter_missing",
                    param=label,
                )
            _only(price, _PRICE_DATA_PARAMS, f"{label}[price_data]")
            if price.get("recurring"):
                raise StripeFail(
                    400,
                    "You must be in `subscription` mode to use recurring prices.",
                    param=f"{label}[price_data][recurring]",
                )
            if not price.get("currency"):
                raise StripeFail(
                    400,
                    f"Missing required param: {label}[price_data][currency].",
                    code="parameter_missing",
                    param=f"{label}[price_data][currency]",
                )
            unit = _int(price, "unit_amount", required=True, label=f"{label}[price_data][unit_amount]")
            quantity = _int(item, "quantity", required=True, label=f"{label}[quantity]")
            product = price.get("product_data")
            if isinstance(product, dict):
                _only(product, _PRODUCT_DATA_PARAMS, f"{label}[price_data][product_data]")
            if not (isinstance(product, dict) and product.get("name")) and not price.get("product"):
                raise StripeFail(
                    400,
                    f"Missing required param: {label}[price_data][product_data][name].",
                    code="parameter_missing",
                    param=f"{label}[price_data][product_data][name]",
                )
            if unit < 0 or quantity < 1:
                raise StripeFail(400, "Invalid non-negative integer", param=f"{label}[quantity]")
            currency = price["currency"].lower()
            name = product.get("name") if isinstance(product, dict) else price["product"]
            items.append(
                {
                    "id": _id("li"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": unit * quantity,
                    "amount_tax": 0,
                    "amount_total": unit * quantity,
                    "currency": currency,
                    "description": name,
                    "price": {
                        "id": _id("price"),
                        "object": "price",
                        "active": False,
                        "billing_scheme": "per_unit",
                        "created": self._now(),
                        "currency": currency,
                        "livemode": False,
                        "lookup_key": None,
                        "metadata": {},
                        "nickname": None,
                        "product": price.get("product") or _id("prod", 14),
                        "recurring": None,
                        "tax_behavior": price.get("tax_behavior") or "unspecified",
                        "type": "one_time",
                        "unit_amount": unit,
                        "unit_amount_decimal": str(unit),
                    },
                    "quantity": quantity,
                }
            )
        if len({item["currency"] for item in items}) > 1:
            raise StripeFail(400, "All line items must use the same currency.", param="line_items")
        total = sum(item["amount_total"] for item in items)
        _check_minimum(total, items[0]["currency"], "line_items")
        return items

    def _line_items(self, account: Account, session_id: str, params: JSON) -> JSON:
        session = self._find(account, "checkout.session", session_id, "session", 404)
        items = copy.deepcopy(session["_items"])
        return {
            "object": "list",
            "data": items,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }

    def _session_line_items(self, account: Account, params: JSON, session_id: str) -> JSON:
        return self._line_items(account, session_id, params)

    def _list_sessions(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account,
            "checkout.session",
            params,
            "/v1/checkout/sessions",
            customer=params.get("customer"),
            payment_intent=params.get("payment_intent"),
            status=params.get("status"),
        )

    def _retrieve_session(self, account: Account, params: JSON, session_id: str) -> JSON:
        return _public(self._find(account, "checkout.session", session_id, "session", 404))

    def _api_expire_session(self, account: Account, params: JSON, session_id: str) -> JSON:
        session = self._find(account, "checkout.session", session_id, "session", 404)
        return _public(self._expire_session(account, session))

    def _expire_session(self, account: Account, session: JSON) -> JSON:
        if session["status"] != "open":
            raise StripeFail(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session '
                f'has a status of "{session["status"]}".',
            )
        session["status"] = "expired"
        session["url"] = None
        self._emit(account, "checkout.session.expired", session)
        return session

    def _complete_session(self, account: Account, session: JSON, card: str | None) -> JSON:
        """Pay (or save a card in) an open session. `card` None: a delayed method (SEPA), left processing."""
        if session["status"] == "open" and self._now() >= session["expires_at"]:
            self._expire_session(account, session)
        if session["status"] != "open":
            raise StripeFail(400, f"This Checkout Session is no longer active (status {session['status']}).")
        customer = account.objects.get(session["customer"]) if session["customer"] else None
        pm = self._new_pm(account, card)
        if session["mode"] == "setup":
            return self._complete_setup(account, session, customer, pm)
        pi_data = session["_pi_data"]
        pi = self._new_pi(
            account,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=customer,
            metadata=dict(pi_data.get("metadata") or {}),
            description=pi_data.get("description") or None,
            setup_future_usage=pi_data.get("setup_future_usage") or None,
            payment_method_types=[pm["type"]],
        )
        pi["payment_method"] = pm["id"]
        if card is None:  # SEPA Direct Debit: the charge stays pending for days
            charge = self._new_charge(account, pi, pm, status="pending")
            pi.update(status="processing", latest_charge=charge["id"], processing=None)
            self._emit(account, "charge.pending", charge)
            self._emit(account, "payment_intent.processing", pi)
            if pi["setup_future_usage"] and customer:
                self._attach(account, pm, customer)
        else:
            try:
                self._attempt(account, pi, pm, off_session=False, authenticated=True)
            except StripeFail as fail:
                # the page shows the decline; the session stays open for another card
                raise StripeFail(
                    402, fail.error["message"], type="card_error", code=fail.error.get("code")
                ) from None
        session.update(
            status="complete",
            payment_status="paid" if pi["status"] == "succeeded" else "unpaid",
            payment_intent=pi["id"],
            customer_details=self._customer_details(session, customer),
        )
        self._emit(account, "checkout.session.completed", session)
        return session

    def _complete_setup(self, account: Account, session: JSON, customer: JSON | None, pm: JSON) -> JSON:
        si_data = session["_si_data"]
        if pm["_behaviour"] in _DECLINING:
            code, _, message = _decline_details(pm["_behaviour"])
            raise StripeFail(402, message, type="card_error", code=code)
        if customer is not None:
            self._attach(account, pm, customer)
        seti = self._store(
            account,
            {
                "id": _id("seti"),
                "object": "setup_intent",
                "application": None,
                "automatic_payment_methods": None,
                "cancellation_reason": None,
                "client_secret": None,
                "created": self._now(),
                "customer": session["customer"],
                "description": si_data.get("description") or None,
                "flow_directions": None,
                "last_setup_error": None,
                "latest_attempt": None,
                "livemode": False,
                "mandate": None,
                "metadata": dict(si_data.get("metadata") or {}),
                "next_action": None,
                "on_behalf_of": None,
                "payment_method": pm["id"],
                "payment_method_options": {
                    "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
                },
                "payment_method_types": ["card"],
                "single_use_mandate": None,
                "status": "succeeded",
                "usage": "off_session",
            },
        )
        seti["client_secret"] = f"{seti['id']}_secret_{_random(24)}"
        self._emit(account, "setup_intent.created", seti)
        self._emit(account, "setup_intent.succeeded", seti)
        session.update(
            status="complete",
            setup_intent=seti["id"],
            customer_details=self._customer_details(session, customer),
        )
        self._emit(account, "checkout.session.completed", session)
        return session

    def _customer_details(self, session: JSON, customer: JSON | None) -> JSON:
        return {
            "address": {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")},
            "email": (customer or {}).get("email") or session["customer_email"],
            "name": (customer or {}).get("name"),
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }

    def _settle(self, account: Account, session: JSON, succeed: bool) -> None:
        pi = account.objects.get(session["payment_intent"] or "")
        if pi is None or pi["status"] != "processing":
            raise FakeStripeError(f"{session['id']} has no processing payment to settle")
        charge = account.objects[pi["latest_charge"]]
        pm = account.objects[charge["payment_method"]]
        if succeed:
            self._succeed_charge(account, pi, charge)
            session["payment_status"] = "paid"
            self._emit(account, "charge.succeeded", charge)
            self._emit(account, "payment_intent.succeeded", pi)
            self._emit(account, "checkout.session.async_payment_succeeded", session)
        else:
            message = "The customer's account has insufficient funds to cover this payment."
            charge.update(
                status="failed",
                failure_code="insufficient_funds",
                failure_message=message,
                outcome=_outcome(False, "insufficient_funds"),
            )
            pi.update(
                status="requires_payment_method",
                payment_method=None,
                last_payment_error={
                    "charge": charge["id"],
                    "code": "insufficient_funds",
                    "doc_url": "https://stripe.com/docs/error-codes/insufficient-funds",
                    "message": message,
                    "payment_method": _public(pm),
                    "type": "card_error",
                },
            )
            self._emit(account, "charge.failed", charge)
            self._emit(account, "payment_intent.payment_failed", pi)
            self._emit(account, "checkout.session.async_payment_failed", session)

    # ---------------------------------------------------------------- payment intents and charges

    def _new_pi(
        self,
        account: Account,
        *,
        amount: int,
        currency: str,
        customer: JSON | None,
        metadata: JSON,
        description: str | None,
        setup_future_usage: str | None = None,
        payment_method_types: list[str] | None = None,
    ) -> JSON:
        pi = self._store(
            account,
            {
                "id": _id("pi"),
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_details": {"tip": {}},
                "amount_received": 0,
                "application": None,
                "application_fee_amount": None,
                "automatic_payment_methods": None,
                "canceled_at": None,
                "cancellation_reason": None,
                "capture_method": "automatic",
                "client_secret": None,
                "confirmation_method": "automatic",
                "created": self._now(),
                "currency": currency,
                "customer": customer["id"] if customer else None,
                "description": description,
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": metadata,
                "next_action": None,
                "on_behalf_of": None,
                "payment_method": None,
                "payment_method_configuration_details": None,
                "payment_method_options": {
                    "card": {
                        "installments": None,
                        "mandate_options": None,
                        "network": None,
                        "request_three_d_secure": "automatic",
                    }
                },
                "payment_method_types": payment_method_types or ["card"],
                "processing": None,
                "receipt_email": None,
                "review": None,
                "setup_future_usage": setup_future_usage,
                "shipping": None,
                "statement_descriptor": None,
                "statement_descriptor_suffix": None,
                "status": "requires_payment_method",
                "transfer_data": None,
                "transfer_group": None,
            },
        )
        pi["client_secret"] = f"{pi['id']}_secret_{_random(25)}"
        self._emit(account, "payment_intent.created", pi)
        return pi

    def _create_pi(self, account: Account, params: JSON) -> JSON:
        amount = _int(params, "amount", required=True)
        currency = params.get("currency")
        if not currency:
            raise StripeFail(
                400, "Missing required param: currency.", code="parameter_missing", param="currency"
            )
        currency = currency.lower()
        if amount < 1:
            raise StripeFail(400, "This value must be greater than or equal to 1.", param="amount")
        _check_minimum(amount, currency, "amount")
        customer = (
            self._find(account, "customer", params["customer"], "customer")
            if params.get("customer")
            else None
        )
        confirm = _bool(params.get("confirm"))
        off_session = params.get("off_session")
        if off_session not in (None, "", "false") and not confirm:
            raise StripeFail(
                400, "You can only pass `off_session` when `confirm` is true.", param="off_session"
            )
        pm = self._pm_for_intent(account, params.get("payment_method"), customer)
        pi = self._new_pi(
            account,
            amount=amount,
            currency=currency,
            customer=customer,
            metadata=_metadata({}, params.get("metadata"), "metadata"),
            description=params.get("description") or None,
            setup_future_usage=params.get("setup_future_usage") or None,
        )
        pi["receipt_email"] = params.get("receipt_email") or None
        pi["statement_descriptor"] = params.get("statement_descriptor") or None
        if pm is not None:
            pi.update(payment_method=pm["id"], status="requires_confirmation")
        if confirm:
            self._confirm(account, pi, pm, params)
        return _public(pi)

    def _pm_for_intent(self, account: Account, ref: Any, customer: JSON | None) -> JSON | None:
        if not ref:
            return None
        pm = self._resolve_pm(account, ref, "payment_method")
        if pm["customer"] and customer is None:
            raise StripeFail(
                400,
                f"The PaymentMethod {pm['id']} belongs to the Customer {pm['customer']}. Please include the "
                "Customer in the `customer` parameter on the PaymentIntent.",
                param="payment_method",
            )
        if pm["customer"] and customer is not None and pm["customer"] != customer["id"]:
            raise StripeFail(
                400,
                f"The provided PaymentMethod {pm['id']} does not belong to the Customer {customer['id']}.",
                param="payment_method",
            )
        return pm

    def _confirm(self, account: Account, pi: JSON, pm: JSON | None, params: JSON) -> None:
        if pm is None:
            raise StripeFail(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "
                "PaymentIntent, specify a payment method along with the customer ID.",
                code="payment_intent_unexpected_state",
                payment_intent=_public(pi),
            )
        off_session = params.get("off_session") not in (None, "", "false")
        on_session_strict = _bool(params.get("error_on_requires_action"))
        self._attempt(account, pi, pm, off_session=off_session or on_session_strict)

    def _attempt(
        self, account: Account, pi: JSON, pm: JSON, *, off_session: bool, authenticated: bool = False
    ) -> None:
        """One payment attempt on the intent: succeeds, needs authentication, or is declined (402).
        `authenticated`: the customer is present and passes 3D Secure (the hosted page)."""
        queued = account.declines.get(pi["customer"] or "")
        code: str | None = queued.pop(0) if queued else None
        behaviour = pm["_behaviour"]
        if code is None and behaviour in _DECLINING | {"charge_customer_fail"}:
            code = "card_declined" if behaviour == "charge_customer_fail" else behaviour
        if code is None and behaviour == "authentication_required":
            if authenticated:
                pass  # the customer passed 3D Secure on the page
            elif not off_session:
                pi.update(
                    status="requires_action",
                    payment_method=pm["id"],
                    next_action={
                        "type": "use_stripe_sdk",
                        "use_stripe_sdk": {
                            "type": "three_d_secure_redirect",
                            "stripe_js": "",
                            "source": _id("src"),
                        },
                    },
                )
                self._emit(account, "payment_intent.requires_action", pi)
                return
            else:
                code = "authentication_required"
        if code is None:
            charge = self._new_charge(account, pi, pm, status="pending")
            pi["latest_charge"] = charge["id"]
            self._succeed_charge(account, pi, charge)
            self._emit(account, "charge.succeeded", charge)
            self._emit(account, "payment_intent.succeeded", pi)
            customer = account.objects.get(pi["customer"] or "")
            if pi["setup_future_usage"] and customer is not None and pm["customer"] is None:
                self._attach(account, pm, customer)
            return
        error_code, decline_code, message = _decline_details(code)
        charge = self._new_charge(account, pi, pm, status="failed")
        charge.update(failure_code=error_code, failure_message=message, outcome=_outcome(False, decline_code))
        error = {
            "charge": charge["id"],
            "code": error_code,
            "decline_code": decline_code,
            "doc_url": f"https://stripe.com/docs/error-codes/{error_code.replace('_', '-')}",
            "message": message,
            "payment_method": _public(pm),
            "type": "card_error",
        }
        pi.update(
            status="requires_payment_method",
            payment_method=None,
            latest_charge=charge["id"],
            last_payment_error=error,
            next_action=None,
        )
        self._emit(account, "charge.failed", charge)
        self._emit(account, "payment_intent.payment_failed", pi)
        raise StripeFail(
            402,
            message,
            type="card_error",
            code=error_code,
            decline_code=decline_code,
            charge=charge["id"],
            payment_intent=_public(pi),
            payment_method=_public(pm),
            store=True,
        )

    def _new_charge(self, account: Account, pi: JSON, pm: JSON, status: str) -> JSON:
        details: JSON = {"type": pm["type"], pm["type"]: copy.deepcopy(pm[pm["type"]])}
        if pm["type"] == "card":
            card = details["card"]
            for drop in ("display_brand", "generated_from", "networks", "three_d_secure_usage", "wallet"):
                card.pop(drop, None)
            card.update(network=pm["card"]["brand"], three_d_secure=None, wallet=None)
        charge = self._store(
            account,
            {
                "id": _id("ch"),
                "object": "charge",
                "amount": pi["amount"],
                "amount_captured": 0,
                "amount_refunded": 0,
                "application": None,
                "application_fee": None,
                "application_fee_amount": None,
                "balance_transaction": None,
                "billing_details": copy.deepcopy(pm["billing_details"]),
                "calculated_statement_descriptor": "BILLING CONSOLE",
                "captured": False,
                "created": self._now(),
                "currency": pi["currency"],
                "customer": pi["customer"],
                "description": pi["description"],
                "disputed": False,
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "fraud_details": {},
                "livemode": False,
                "metadata": dict(pi["metadata"]),
                "on_behalf_of": None,
                "outcome": _outcome(True, None) if status != "failed" else None,
                "paid": False,
                "payment_intent": pi["id"],
                "payment_method": pm["id"],
                "payment_method_details": details,
                "receipt_email": pi["receipt_email"],
                "receipt_number": None,
                "receipt_url": None,
                "refunded": False,
                "refunds": {"object": "list", "data": [], "has_more": False, "url": ""},
                "review": None,
                "shipping": None,
                "source_transfer": None,
                "statement_descriptor": None,
                "statement_descriptor_suffix": None,
                "status": status,
                "transfer_data": None,
                "transfer_group": None,
            },
        )
        charge["refunds"]["url"] = f"/v1/charges/{charge['id']}/refunds"
        charge["receipt_url"] = f"{self.base_url}/receipts/{charge['id']}"
        return charge

    def _succeed_charge(self, account: Account, pi: JSON, charge: JSON) -> None:
        amount = charge["amount"]
        fee = (amount * 15 + 500) // 1000 + 25  # 1.5 % + 25 minor units
        txn = self._txn(
            account, amount, charge["currency"], "charge", charge["id"], fee, "Stripe processing fees"
        )
        txn["description"] = charge["description"]
        charge.update(
            status="succeeded",
            paid=True,
            captured=True,
            amount_captured=amount,
            balance_transaction=txn["id"],
            outcome=_outcome(True, None),
        )
        pi.update(
            status="succeeded",
            amount_received=amount,
            latest_charge=charge["id"],
            payment_method=charge["payment_method"],
            last_payment_error=None,
            next_action=None,
        )

    def _txn(
        self,
        account: Account,
        amount: int,
        currency: str,
        kind: str,
        source: str,
        fee: int = 0,
        fee_description: str = "",
        category: str | None = None,
    ) -> JSON:
        now = self._now()
        return self._store(
            account,
            {
                "id": _id("txn"),
                "object": "balance_transaction",
                "amount": amount,
                "available_on": now + 2 * DAY,
                "balance_type": "payments",
                "created": now,
                "currency": currency,
                "description": None,
                "exchange_rate": None,
                "fee": fee,
                "fee_details": (
                    [
                        {
                            "amount": fee,
                            "application": None,
                            "currency": currency,
                            "description": fee_description,
                            "type": "stripe_fee",
                        }
                    ]
                    if fee
                    else []
                ),
                "net": amount - fee,
                "reporting_category": category or kind,
                "source": source,
                "status": "pending",
                "type": kind,
            },
        )

    def _list_pis(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account, "payment_intent", params, "/v1/payment_intents", customer=params.get("customer")
        )

    def _confirm_pi(self, account: Account, params: JSON, pi_id: str) -> JSON:
        pi = self._find(account, "payment_intent", pi_id, "intent", 404)
        if pi["status"] not in {"requires_payment_method", "requires_confirmation", "requires_action"}:
            raise StripeFail(
                400,
                f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}.",
                code="payment_intent_unexpected_state",
                payment_intent=_public(pi),
            )
        customer = account.objects.get(pi["customer"] or "")
        ref = (
            params.get("payment_method")
            or pi["payment_method"]
            or (pi["last_payment_error"] or {}).get("payment_method", {}).get("id")
        )
        pm = self._pm_for_intent(account, ref, customer)
        if (
            pi["status"] == "requires_action"
            and pm is not None
            and params.get("off_session") in (None, "", "false")
        ):
            # confirming on session again stands for the customer having passed 3D Secure in the browser
            self._attempt(account, pi, pm, off_session=False, authenticated=True)
            return _public(pi)
        self._confirm(account, pi, pm, params)
        return _public(pi)

    def _cancel_pi(self, account: Account, params: JSON, pi_id: str) -> JSON:
        pi = self._find(account, "payment_intent", pi_id, "intent", 404)
        if pi["status"] in {"succeeded", "canceled", "processing"}:
            raise StripeFail(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
                "PaymentIntent with one of the following statuses may be canceled: requires_payment_method, "
                "requires_capture, requires_confirmation, requires_action, processing.",
                code="payment_intent_unexpected_state",
            )
        pi.update(
            status="canceled",
            canceled_at=self._now(),
            cancellation_reason=params.get("cancellation_reason") or None,
            next_action=None,
        )
        self._emit(account, "payment_intent.canceled", pi)
        return _public(pi)

    def _list_setup_intents(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account,
            "setup_intent",
            params,
            "/v1/setup_intents",
            customer=params.get("customer"),
            payment_method=params.get("payment_method"),
        )

    def _list_charges(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account,
            "charge",
            params,
            "/v1/charges",
            customer=params.get("customer"),
            payment_intent=params.get("payment_intent"),
        )

    def _charge_of(self, account: Account, ref: Any, param: str) -> JSON:
        """The charge `ref` names (a ch_ id, or a pi_ id meaning its latest charge)."""
        if isinstance(ref, str) and ref.startswith("pi_"):
            pi = self._find(account, "payment_intent", ref, param)
            if pi["status"] != "succeeded" or not pi["latest_charge"]:
                raise StripeFail(
                    400,
                    f"This PaymentIntent ({ref}) does not have a successful charge to refund.",
                    param=param,
                )
            return account.objects[pi["latest_charge"]]
        return self._find(account, "charge", ref, param)

    # ---------------------------------------------------------------- refunds

    def _create_refund(self, account: Account, params: JSON) -> JSON:
        if params.get("payment_intent"):
            charge = self._charge_of(account, params["payment_intent"], "payment_intent")
            if params.get("charge") and params["charge"] != charge["id"]:
                raise StripeFail(400, "The charge does not belong to the payment intent.", param="charge")
        elif params.get("charge"):
            charge = self._charge_of(account, params["charge"], "charge")
        else:
            raise StripeFail(
                400,
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        amount = _int(params, "amount") if params.get("amount") not in (None, "") else None
        reason = params.get("reason") or None
        if reason not in {None, "duplicate", "fraudulent", "requested_by_customer"}:
            raise StripeFail(
                400, f"Invalid reason: {reason}", code="parameter_invalid_string", param="reason"
            )
        metadata = _metadata({}, params.get("metadata"), "metadata")
        return _public(self._refund(account, charge, amount, reason, metadata))

    def _refund(
        self, account: Account, charge: JSON, amount: int | None, reason: str | None, metadata: JSON
    ) -> JSON:
        if charge["status"] != "succeeded":
            raise StripeFail(
                400, f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge"
            )
        dispute = next(
            (
                o
                for o in account.objects.values()
                if o.get("object") == "dispute" and o["charge"] == charge["id"]
            ),
            None,
        )
        if dispute is not None and (dispute["status"] in _OPEN_DISPUTE or dispute["status"] == "lost"):
            raise StripeFail(
                400,
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeFail(
                400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        amount = remaining if amount is None else amount
        if amount < 1:
            raise StripeFail(
                400, "Invalid positive integer", code="parameter_invalid_integer", param="amount"
            )
        if amount > remaining:
            currency = charge["currency"]
            raise StripeFail(
                400,
                f"Refund amount ({_money(amount, currency)}) is greater than unrefunded amount on charge "
                f"({_money(remaining, currency)})",
                code="amount_too_large",
                param="amount",
            )
        refund = self._store(
            account,
            {
                "id": _id("re"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge["id"],
                "created": self._now(),
                "currency": charge["currency"],
                "destination_details": {
                    "card": {
                        "reference_status": "pending",
                        "reference_type": "acquirer_reference_number",
                        "type": "refund",
                    },
                    "type": "card",
                },
                "metadata": metadata,
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            },
        )
        txn = self._txn(account, -amount, charge["currency"], "refund", refund["id"])
        refund["balance_transaction"] = txn["id"]
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, _public(refund))
        self._emit(account, "refund.created", refund)
        self._emit(account, "charge.refunded", charge, previous)
        return refund

    def _list_refunds(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account,
            "refund",
            params,
            "/v1/refunds",
            charge=params.get("charge"),
            payment_intent=params.get("payment_intent"),
        )

    def _list_events(self, account: Account, params: JSON) -> JSON:
        result = self._list(account, "event", {**params, "limit": 100, "starting_after": None}, "/v1/events")
        wanted = params.get("types") or ([params["type"]] if params.get("type") else None)
        events = result["data"]
        if wanted:
            events = [
                e
                for e in events
                if any(w == e["type"] or (w.endswith("*") and e["type"].startswith(w[:-1])) for w in wanted)
            ]
        ids = [e["id"] for e in events]
        after = params.get("starting_after")
        if after:
            events = events[ids.index(after) + 1 :] if after in ids else []
        limit = _int(params, "limit", default=10)
        return {
            "object": "list",
            "data": events[:limit],
            "has_more": len(events) > limit,
            "url": "/v1/events",
        }

    def _list_txns(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account,
            "balance_transaction",
            params,
            "/v1/balance_transactions",
            type=params.get("type"),
            source=params.get("source"),
            currency=params.get("currency"),
        )

    # ---------------------------------------------------------------- disputes and payouts

    def _open_dispute(self, account: Account, charge: JSON, reason: str, amount: int | None) -> JSON:
        if charge["status"] != "succeeded":
            raise FakeStripeError(f"{charge['id']} did not succeed; it cannot be disputed")
        if charge["disputed"]:
            raise FakeStripeError(f"{charge['id']} is already disputed")
        now = self._now()
        amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
        pm = account.objects.get(charge["payment_method"])
        brand = pm["card"]["brand"] if pm and pm["type"] == "card" else None
        dispute = self._store(
            account,
            {
                "id": _id("dp"),
                "object": "dispute",
                "amount": amount,
                "balance_transactions": [],
                "charge": charge["id"],
                "created": now,
                "currency": charge["currency"],
                "evidence": {
                    "customer_email_address": None,
                    "customer_name": None,
                    "product_description": None,
                    "uncategorized_text": None,
                },
                "evidence_details": {
                    "due_by": now + 7 * DAY,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "payment_method_details": {
                    "card": {"brand": brand, "case_type": "chargeback", "network_reason_code": "10.4"},
                    "type": "card",
                },
                "reason": reason,
                "status": "needs_response",
            },
        )
        fee = 2000 if charge["currency"] == "eur" else 1500
        txn = self._txn(
            account, -amount, charge["currency"], "adjustment", dispute["id"], fee, "Dispute fee", "dispute"
        )
        txn["description"] = f"Chargeback withdrawal for {charge['id']}"
        dispute["balance_transactions"].append(_public(txn))
        charge["disputed"] = True
        self._emit(account, "charge.dispute.created", dispute)
        self._emit(account, "charge.dispute.funds_withdrawn", dispute)
        return dispute

    def _close_dispute(self, account: Account, dispute: JSON, status: str) -> JSON:
        if dispute["status"] not in _OPEN_DISPUTE:
            raise FakeStripeError(f"{dispute['id']} is already closed ({dispute['status']})")
        previous = {"status": dispute["status"]}
        dispute["status"] = status
        if status == "won":
            txn = self._txn(
                account,
                dispute["amount"],
                dispute["currency"],
                "adjustment",
                dispute["id"],
                category="dispute_reversal",
            )
            txn["description"] = f"Chargeback reversal for {dispute['charge']}"
            dispute["balance_transactions"].append(_public(txn))
            self._emit(account, "charge.dispute.funds_reinstated", dispute)
        self._emit(account, "charge.dispute.closed", dispute, previous)
        return dispute

    def _list_disputes(self, account: Account, params: JSON) -> JSON:
        return self._list(
            account,
            "dispute",
            params,
            "/v1/disputes",
            charge=params.get("charge"),
            payment_intent=params.get("payment_intent"),
        )

    def _payout(self, account: Account, amount: int, currency: str, status: str, failure_code: str) -> JSON:
        now = self._now()
        payout = self._store(
            account,
            {
                "id": _id("po"),
                "object": "payout",
                "amount": amount,
                "application_fee": None,
                "application_fee_amount": None,
                "arrival_date": now + 2 * DAY,
                "automatic": True,
                "balance_transaction": None,
                "created": now,
                "currency": currency,
                "description": "STRIPE PAYOUT",
                "destination": _id("ba"),
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "livemode": False,
                "metadata": {},
                "method": "standard",
                "original_payout": None,
                "reconciliation_status": "not_applicable",
                "reversed_by": None,
                "source_type": "card",
                "statement_descriptor": None,
                "status": "pending",
                "trace_id": None,
                "type": "bank_account",
            },
        )
        txn = self._txn(account, -amount, currency, "payout", payout["id"])
        txn["description"] = "STRIPE PAYOUT"
        payout["balance_transaction"] = txn["id"]
        self._emit(account, "payout.created", payout)
        if status == "paid":
            payout.update(status="paid", reconciliation_status="completed")
            self._emit(account, "payout.paid", payout, {"status": "pending"})
        else:
            back = self._txn(
                account, amount, currency, "payout_failure", payout["id"], category="payout_reversal"
            )
            payout.update(
                status="failed",
                failure_code=failure_code,
                failure_message=_PAYOUT_FAILURES.get(failure_code, "The payout failed."),
                failure_balance_transaction=back["id"],
            )
            self._emit(account, "payout.failed", payout, {"status": "pending"})
        return payout

    def _list_payouts(self, account: Account, params: JSON) -> JSON:
        return self._list(account, "payout", params, "/v1/payouts", status=params.get("status"))

    # ---------------------------------------------------------------- webhook endpoints (API)

    def _create_webhook_endpoint(self, account: Account, params: JSON) -> JSON:
        url = params.get("url")
        events = params.get("enabled_events")
        if not url:
            raise StripeFail(400, "Missing required param: url.", code="parameter_missing", param="url")
        if not events:
            raise StripeFail(
                400,
                "Missing required param: enabled_events.",
                code="parameter_missing",
                param="enabled_events",
            )
        endpoint = WebhookEndpoint(
            id=_id("we"),
            target=url,
            secret="whsec_" + _random(32),
            enabled_events=list(events),
            created=self._now(),
        )
        account.endpoints.append(endpoint)
        return {**self._endpoint_json(endpoint, params), "secret": endpoint.secret}

    def _endpoint_json(self, endpoint: WebhookEndpoint, params: JSON | None = None) -> JSON:
        params = params or {}
        return {
            "id": endpoint.id,
            "object": "webhook_endpoint",
            "api_version": params.get("api_version") or None,
            "application": None,
            "created": endpoint.created,
            "description": params.get("description") or None,
            "enabled_events": list(endpoint.enabled_events),
            "livemode": False,
            "metadata": dict(params.get("metadata") or {}),
            "status": "enabled",
            "url": endpoint.target if isinstance(endpoint.target, str) else "callable:",
        }

    def _endpoint(self, account: Account, endpoint_id: str) -> WebhookEndpoint:
        for endpoint in account.endpoints:
            if endpoint.id == endpoint_id:
                return endpoint
        raise StripeFail(
            404, f"No such webhook_endpoint: '{endpoint_id}'", code="resource_missing", param="id"
        )

    def _list_webhook_endpoints(self, account: Account, params: JSON) -> JSON:
        data = [self._endpoint_json(e) for e in reversed(account.endpoints)]
        return {"object": "list", "data": data, "has_more": False, "url": "/v1/webhook_endpoints"}

    def _retrieve_webhook_endpoint(self, account: Account, params: JSON, endpoint_id: str) -> JSON:
        return self._endpoint_json(self._endpoint(account, endpoint_id))

    def _delete_webhook_endpoint(self, account: Account, params: JSON, endpoint_id: str) -> JSON:
        account.endpoints.remove(self._endpoint(account, endpoint_id))
        return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}

    # ================================================================ the hosted Checkout page

    def _page(self, method: str, path: str, form: JSON) -> tuple[int, dict[str, str], bytes]:
        parts = path.strip("/").split("/")
        if len(parts) not in (2, 3) or parts[0] != "checkout":
            return 404, {}, _html("Not found", "<p>There is nothing here.</p>")
        session_id = parts[1]
        action = parts[2] if len(parts) == 3 else ""
        with self._operation():
            account = self._owner.get(session_id)
            session = account.objects.get(session_id) if account else None
            if account is None or session is None or session.get("object") != "checkout.session":
                return 404, {}, _html("Not found", "<p>This checkout link is not valid.</p>")
            if session["status"] == "open" and self._now() >= session["expires_at"]:
                self._expire_session(account, session)
            if method == "GET" and action == "":
                return 200, {}, self._checkout_html(session)
            if method == "GET" and action == "cancel":
                if session["status"] != "open":
                    return 400, {}, self._inactive_html(session)
                if session["cancel_url"]:
                    return 303, {"Location": session["cancel_url"]}, b""
                return 200, {}, _html("Cancelled", "<p>You cancelled the payment.</p>")
            if method == "POST" and action == "pay":
                if session["status"] != "open":
                    return 400, {}, self._inactive_html(session)
                card = str(form.get("card_number") or "4242424242424242").replace(" ", "")
                try:
                    self._complete_session(account, session, card)
                except StripeFail as fail:
                    return 402, {}, self._checkout_html(session, error=fail.error["message"])
                success = session["success_url"]
                if success:
                    return 303, {"Location": success.replace("{CHECKOUT_SESSION_ID}", session_id)}, b""
                return 200, {}, _html("Thank you", "<p>Your payment is complete.</p>")
        return 405, {}, _html("Not allowed", "<p>Method not allowed.</p>")

    def _inactive_html(self, session: JSON) -> bytes:
        text = {
            "expired": "This checkout session has expired.",
            "complete": "This checkout session is already complete.",
        }.get(session["status"], "This checkout session is no longer active.")
        return _html("Session no longer active", f'<p class="error" role="alert" id="error">{text}</p>')

    def _checkout_html(self, session: JSON, error: str = "") -> bytes:
        if session["status"] != "open":
            return self._inactive_html(session)
        sid = html.escape(session["id"])
        lines = "".join(
            f"<li>{html.escape(str(item['description']))} × {item['quantity']}: "
            f"{html.escape(_money(item['amount_total'], item['currency']))}</li>"
            for item in session["_items"]
        )
        description = session["_pi_data"].get("description") or session["_si_data"].get("description") or ""
        if session["mode"] == "payment":
            amount = _money(session["amount_total"], session["currency"])
            heading = f'<p class="amount" id="amount" data-testid="amount">{html.escape(amount)}</p>'
            button = f"Pay {html.escape(amount)}"
        else:
            heading = '<p class="amount" id="amount">Save a card for later payments</p>'
            button = "Save card"
        body = f"""
<main>
  <h1>{"Pay" if session["mode"] == "payment" else "Save card"}</h1>
  {heading}
  <p class="description" id="description">{html.escape(description)}</p>
  <ul class="items">{lines}</ul>
  {f'<p class="error" role="alert" id="error">{html.escape(error)}</p>' if error else ""}
  <form method="post" action="/checkout/{sid}/pay">
    <label>Card number <input name="card_number" id="card_number" value="4242 4242 4242 4242"
      inputmode="numeric" autocomplete="cc-number"></label>
    <button type="submit" id="pay" data-testid="pay">{button}</button>
  </form>
  <p><a id="cancel" data-testid="cancel" href="/checkout/{sid}/cancel">Cancel</a></p>
</main>"""
        return _html("Checkout", body)

    # ================================================================ HTTP plumbing

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def _handle(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                pairs = parse_qsl(url.query, keep_blank_values=True) + parse_qsl(raw, keep_blank_values=True)
                params = parse_form(pairs)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if url.path.startswith("/v1/"):
                    status, body, extra = fake._api(method, url.path, params, headers)
                    self._send(status, "application/json", json.dumps(body, indent=2).encode(), extra)
                else:
                    status, extra, page = fake._page(method, url.path, params)
                    self._send(status, "text/html; charset=utf-8", page, extra)

            def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


# ==================================================================== helpers


_KEY_PART = re.compile(r"\[([^\]]*)\]")


def parse_form(pairs: Iterable[tuple[str, str]]) -> JSON:
    """Stripe's form encoding back into nested data: `a[b][0][c]=1` -> {"a": {"b": [{"c": "1"}]}};
    `expand[]=x` appends. Values stay strings, like Stripe receives them."""
    root: JSON = {}
    for raw_key, value in pairs:
        head, bracket, rest = raw_key.partition("[")
        parts = [head, *(_KEY_PART.findall(bracket + rest) if bracket else [])]
        node = root
        for index, part in enumerate(parts):
            key = part if part != "" else str(len(node))
            if index == len(parts) - 1:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
    return _listify(root, "")


def _listify(node: Any, key: str) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v, k) for k, v in node.items()}
    if key != "metadata" and converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def _only(params: JSON, allowed: set[str], prefix: str = "") -> None:
    for name in params:
        if name not in allowed:
            shown = f"{prefix}[{name}]" if prefix else name
            raise StripeFail(
                400, f"Received unknown parameter: {shown}", code="parameter_unknown", param=shown
            )


def _dict_param(params: JSON, name: str, allowed: set[str]) -> JSON:
    value = params.get(name)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise StripeFail(400, f"Invalid object: {name}", code="parameter_invalid_object", param=name)
    _only(value, allowed, name)
    return copy.deepcopy(value)


def _int(
    params: JSON, name: str, *, required: bool = False, default: int | None = None, label: str | None = None
) -> Any:
    label = label or name
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise StripeFail(400, f"Missing required param: {label}.", code="parameter_missing", param=label)
        return default
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise StripeFail(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=label)
    return int(value)


def _bool(value: Any) -> bool:
    return value is True or value == "true"


def _metadata(existing: JSON, update: Any, param: str) -> JSON:
    """Stripe's metadata rules: string values, `""` deletes a key (or all of it), 50 keys of 40/500 chars."""
    if update is None:
        return dict(existing)
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise StripeFail(400, f"Invalid object: {param}", code="parameter_invalid_object", param=param)
    merged = dict(existing)
    for key, value in update.items():
        if len(key) > 40:
            raise StripeFail(
                400, f"Metadata keys must be at most 40 characters (key {key!r}).", param=f"{param}[{key}]"
            )
        if not isinstance(value, str):
            raise StripeFail(400, f"Invalid string: {param}[{key}]", param=f"{param}[{key}]")
        if len(value) > 500:
            raise StripeFail(400, "Metadata values can have up to 500 characters.", param=f"{param}[{key}]")
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > 50:
        raise StripeFail(400, "You can have up to 50 metadata keys.", param=param)
    return merged


def _check_minimum(amount: int, currency: str, param: str) -> None:
    minimum = 50 if currency not in _ZERO_DECIMAL else 1
    if amount < minimum:
        raise StripeFail(
            400,
            f"Amount must be at least {_money(minimum, currency)}",
            code="amount_too_small",
            param=param,
        )


def _decline_details(code: str) -> tuple[str, str, str]:
    """(error code, decline code, message) Stripe answers for a decline reason."""
    known = {
        "authentication_required": (
            "authentication_required",
            "authentication_required",
            "Your card was declined. This transaction requires authentication.",
        ),
        "expired_card": ("expired_card", "expired_card", "Your card has expired."),
        "incorrect_cvc": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
        "processing_error": (
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        "insufficient_funds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
        "card_declined": ("card_declined", "generic_decline", "Your card was declined."),
        "generic_decline": ("card_declined", "generic_decline", "Your card was declined."),
    }
    return known.get(code, ("card_declined", code, "Your card was declined."))


def _outcome(approved: bool, reason: str | None) -> JSON:
    if approved:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "try_again_later" if reason == "insufficient_funds" else "do_not_try_again",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": reason,
        "risk_level": "normal",
        "risk_score": 32,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _idempotency_error(message: str) -> JSON:
    return {"error": {"message": message, "type": "idempotency_error"}}


def _public(obj: JSON) -> JSON:
    """A deep copy without the fake's own bookkeeping (keys starting with "_")."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


def _random(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{_random(length)}"


def _fingerprint(account: Account, number: str) -> str:
    return hashlib.sha256(f"{account.id}:{number}".encode()).hexdigest()[:16]


def _money(amount: int, currency: str) -> str:
    currency = (currency or "").lower()
    text = f"{amount:,}" if currency in _ZERO_DECIMAL else f"{amount / 100:,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _html(title: str, body: str) -> bytes:
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · Fake Stripe</title>'
        "<style>body{font-family:sans-serif;max-width:30rem;margin:3rem auto}"
        ".error{color:#b00}.amount{font-size:2rem}</style></head>"
        f"<body>{body}</body></html>"
    ).encode()
