"""A customer's saved payment method and the auto-billing switch (SPEC §5 auto-billing).

The customer saves a card through Checkout in setup mode: the card itself stays at the processor;
the profile keeps its reference (`default_payment_method_ref`) and what the page shows of it (brand,
last four digits). The processor reports the saved card twice, as `setup_intent.succeeded` and as
`checkout.session.completed` in setup mode, in any order and maybe more than once; both store the
same method, and a report of a setup older than the one that saved (or removed) the current card is
ignored, so a late event never brings back a replaced or removed card. The account named in the
metadata is looked up inside the event's tenant: a setup that names another tenant's account id
finds nothing and changes nothing.

Auto-billing is on only with a saved card (and an online processor); removing the card detaches it
at the processor and switches auto-billing off. Who may change either: the account's paying members
(`Action.MANAGE_PAYMENT_METHOD`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.integrations.payment_processor import (
    CheckoutRequest,
    CustomerRequest,
    ProcessorError,
    SavedMethod,
)
from backend.kit.errors import NotFoundError
from backend.kit.policy import SYSTEM, Action, authorize
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile
from backend.payments.accounts import processor_for
from backend.payments.errors import CardNotRemoved, CardPaymentsUnavailable, NoSavedMethod
from backend.payments.events import EventContext, handles
from backend.payments.repository import PaymentProfileRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SavedMethodView:
    online: bool  # the tenant takes card payments; without, the profile says "bank transfer"
    has_card: bool
    brand: str  # "visa", "" when unknown
    last4: str
    auto_billing: bool


def _profile(session: Session, scope: TenantScope, account_id: int, *, lock: bool = False) -> CustomerProfile:
    profile = PaymentProfileRepository(session, scope).of_account(account_id, lock=lock)
    if profile is None:
        raise NotFoundError("This customer account has no billing profile yet.")
    return profile


def _view(profile: CustomerProfile, online: bool) -> SavedMethodView:
    has_card = bool(profile.default_payment_method_ref)
    return SavedMethodView(
        online=online,
        has_card=has_card,
        brand=profile.payment_method_brand if has_card else "",
        last4=profile.payment_method_last4 if has_card else "",
        auto_billing=profile.auto_billing and has_card,
    )


def saved_method(
    session: Session, scope: TenantScope, actor: audit.Actor, account_id: int
) -> SavedMethodView:
    """The account's saved card and whether auto-billing is on; every member may read it."""
    authorize(actor, scope, Action.READ_BILLING_PROFILE, owner_account_id=account_id)
    online = processor_for(session, scope).online
    return _view(_profile(session, scope, account_id), online)


def start_card_setup(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    account_id: int,
    *,
    success_url: str,
    cancel_url: str,
    now: datetime,
) -> str:
    """Open a Checkout Session in setup mode for the account and return its URL (the page redirects
    there). The processor customer is created once per account (its idempotency key is the account)
    and kept on the profile, so every saved card and charge hangs on one customer."""
    authorize(actor, scope, Action.MANAGE_PAYMENT_METHOD, owner_account_id=account_id)
    profile = _profile(session, scope, account_id, lock=True)
    processor = processor_for(session, scope)
    if not processor.online:
        raise CardPaymentsUnavailable()
    if not profile.payment_customer_ref:
        profile.payment_customer_ref = processor.ensure_customer(
            CustomerRequest(
                tenant_id=scope.tenant_id,
                account_id=account_id,
                name=profile.company_name or profile.name,
                email=profile.email,
                idempotency_key=f"customer:{scope.tenant_id}:{account_id}",
            )
        )
        session.flush()
    checkout = processor.create_checkout(
        CheckoutRequest(
            mode="setup",
            tenant_id=scope.tenant_id,
            customer_ref=profile.payment_customer_ref,
            success_url=success_url,
            cancel_url=cancel_url,
            # one session per click: a second click a second later is a new setup, a retried call is not
            idempotency_key=f"setup:{scope.tenant_id}:{account_id}:{int(now.timestamp() * 1000)}",
            metadata={"account_id": str(account_id)},
        )
    )
    audit.record(
        session,
        scope,
        actor,
        "payment_method.setup_started",
        object_type="customer_account",
        object_id=account_id,
        after={"checkout_session": checkout.id},
    )
    return checkout.url


def remove_saved_method(
    session: Session, scope: TenantScope, actor: audit.Actor, account_id: int
) -> SavedMethodView:
    """Detach the saved card at the processor, then forget it here and switch auto-billing off. The
    setup time stays, so a late report of the removed card's setup does not bring it back.

    The processor is asked before this unit locks or writes anything (the profile is read without a
    lock), so no row waits on its answer. If it refuses, `CardNotRemoved` and the card stays saved
    here as it is there. A card replaced by a new setup while the processor answered is not this
    removal's business: the new card stays. With bank transfer only (the tenant removed its keys),
    the card is forgotten here; the processor account it lives in is no longer reachable."""
    authorize(actor, scope, Action.MANAGE_PAYMENT_METHOD, owner_account_id=account_id)
    processor = processor_for(session, scope)
    read = _profile(session, scope, account_id)
    card = read.default_payment_method_ref
    if card and processor.online:
        try:
            processor.detach_payment_method(card)
        except ProcessorError as error:
            log.warning("card of account %s not detached: %s", account_id, error)
            raise CardNotRemoved(str(error)) from error
    elif card:
        log.warning("card of account %s forgotten without detaching: no online processor", account_id)
    session.expire(read)  # the locked read below sees a card saved meanwhile
    profile = _profile(session, scope, account_id, lock=True)
    if profile.default_payment_method_ref != card:
        return _view(profile, processor.online)
    before = {"card": _card(profile), "auto_billing": profile.auto_billing}
    profile.default_payment_method_ref, profile.payment_method_brand, profile.payment_method_last4 = (
        "",
        "",
        "",
    )
    profile.auto_billing = False
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "payment_method.removed",
        object_type="customer_account",
        object_id=account_id,
        before=before,
        after={"card": "", "auto_billing": False, "detached": bool(card) and processor.online},
    )
    return _view(profile, processor.online)


def set_auto_billing(
    session: Session, scope: TenantScope, actor: audit.Actor, account_id: int, *, enabled: bool
) -> SavedMethodView:
    """Switch automatic payment of issued invoices on or off. On needs a saved card and an online
    processor; invoices already open are charged too once it is on (the coordinator's next run)."""
    authorize(actor, scope, Action.MANAGE_PAYMENT_METHOD, owner_account_id=account_id)
    online = processor_for(session, scope).online
    profile = _profile(session, scope, account_id, lock=True)
    if enabled and not online:
        raise CardPaymentsUnavailable()
    if enabled and not profile.default_payment_method_ref:
        raise NoSavedMethod()
    if profile.auto_billing != enabled:
        before = profile.auto_billing
        profile.auto_billing = enabled
        session.flush()
        audit.record(
            session,
            scope,
            actor,
            "customer.auto_billing",
            object_type="customer_account",
            object_id=account_id,
            before={"auto_billing": before, "card": _card(profile)},
            after={"auto_billing": enabled, "card": _card(profile)},
        )
    return _view(profile, online)


def _card(profile: CustomerProfile) -> str:
    if not profile.default_payment_method_ref:
        return ""
    return f"{profile.payment_method_brand or 'card'} ending {profile.payment_method_last4 or '?'}"


def store_saved_method(session: Session, scope: TenantScope, account_id: int, method: SavedMethod) -> str:
    """Make `method` the account's saved card, once, whatever order the processor reports it in.

    Ignored (with a note): an account not in this tenant, a card of another processor customer, a
    setup older than the one that saved or removed the current card, a setup that did not succeed."""
    profile = PaymentProfileRepository(session, scope).of_account(account_id, lock=True)
    if profile is None:
        return f"no customer account {account_id} here; card not saved"
    if method.setup_status and method.setup_status != "succeeded":
        return f"setup {method.setup_status}; card not saved"
    if not method.payment_method:
        return "setup without a payment method; card not saved"
    if (
        profile.payment_customer_ref
        and method.customer_ref
        and method.customer_ref != profile.payment_customer_ref
    ):
        return f"card of another processor customer; account {account_id} unchanged"
    created = datetime.fromtimestamp(method.setup_created, UTC)
    last = profile.payment_method_changed_at
    if profile.default_payment_method_ref == method.payment_method:
        if method.brand and not profile.payment_method_brand:
            profile.payment_method_brand, profile.payment_method_last4 = method.brand[:20], method.last4[:4]
            session.flush()
        return f"card already saved for account {account_id}"
    # A tie with no card saved is the removed card's own setup reported again.
    if last is not None and (created < last or (created == last and not profile.default_payment_method_ref)):
        return f"setup older than account {account_id}'s current card; ignored"
    before = _card(profile)
    profile.default_payment_method_ref = method.payment_method[:100]
    profile.payment_method_brand, profile.payment_method_last4 = method.brand[:20], method.last4[:4]
    profile.payment_method_changed_at = created
    if not profile.payment_customer_ref:
        profile.payment_customer_ref = method.customer_ref[:100]
    session.flush()
    audit.record(
        session,
        scope,
        SYSTEM,
        "payment_method.saved",
        object_type="customer_account",
        object_id=account_id,
        before={"card": before},
        after={"card": _card(profile)},
    )
    return f"card saved for account {account_id}"


def _account_id(metadata: object) -> int | None:
    value = (metadata or {}).get("account_id") if isinstance(metadata, dict) else None
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _ref(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


@handles("setup_intent.succeeded")
def setup_succeeded(context: EventContext) -> str | None:
    """A card saved by a setup (Checkout in setup mode, or any setup carrying our account id)."""
    intent = context.event.object
    account_id = _account_id(intent.get("metadata"))
    if account_id is None:
        return None
    method = intent.get("payment_method")
    card = (method.get("card") or {}) if isinstance(method, dict) else {}
    saved = SavedMethod(
        payment_method=_ref(method),
        customer_ref=_ref(intent.get("customer")),
        brand=str(card.get("brand") or ""),
        last4=str(card.get("last4") or ""),
        setup_created=int(intent.get("created") or 0),
        setup_status=str(intent.get("status") or "succeeded"),
    )
    if not saved.brand and saved.payment_method:
        saved = _with_card(context, str(intent.get("id") or ""), saved)
    return store_saved_method(context.session, context.scope, account_id, saved)


@handles("checkout.session.completed")
def setup_checkout_completed(context: EventContext) -> str | None:
    """Checkout in setup mode completed: the setup it ran saved the card. Payment mode is not ours."""
    checkout = context.event.object
    if checkout.get("mode") != "setup":
        return None
    account_id = _account_id(checkout.get("metadata"))
    setup_intent = _ref(checkout.get("setup_intent"))
    if account_id is None or not setup_intent:
        return "setup checkout without an account or a setup; ignored"
    saved = processor_for(context.session, context.scope).saved_method_of_setup(setup_intent)
    return store_saved_method(context.session, context.scope, account_id, saved)


def _with_card(context: EventContext, setup_intent: str, saved: SavedMethod) -> SavedMethod:
    """The brand and last four digits, asked of the processor when the event did not carry them; a
    failed lookup still saves the card (the page then says "Card")."""
    try:
        found = processor_for(context.session, context.scope).saved_method_of_setup(setup_intent)
    except ProcessorError:
        return saved
    if found.payment_method != saved.payment_method:
        return saved
    return SavedMethod(
        saved.payment_method,
        saved.customer_ref,
        found.brand,
        found.last4,
        saved.setup_created,
        saved.setup_status,
    )
