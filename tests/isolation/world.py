"""Two tenants for the isolation tables, made through the real services on a frozen clock.

Tenant A has billing in every state a cross-tenant call could reach (and a note on its first
customer): an active subscription with
an addon and a promotion, one whose cancellation is due, one past due, one being canceled (still
resumable and within its withdrawal period); a paid invoice with a credit note and a promotion use,
an overdue one, an issued one past its due date, a void one; unbilled charges; an exchange rate;
sessions, API tokens, account codes and an idempotency key. Its second customer lives in Austria
(the issuer is in Germany): that customer's invoices and the credit note of the void one are
cross-border consumer sales, counted toward the OSS threshold. At `NOW` its subscriptions and
invoices are due, so a call that lost its tenant filter finds them. It also has a manual draft
invoice and a queued "bill now" run for Alice.

Tenant B has a customer in Germany, a yearly plan with an addon, a subscription, a paid invoice and
an exchange rate of another currency, and at `NOW` nothing of B is due and B has sold nothing
across a border: whatever a "due" or OSS query of B returns can only be A's. Both remind 3 and 50
days after the due date (B suspends no service): A's overdue invoice had its first reminder at T3,
and its second and last is due at NOW.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend import clock
from backend.audit.service import Actor
from backend.billing.repository import OpenPositionRepository
from backend.catalog.addons import create_addon
from backend.catalog.plans import allow_addon, create_plan
from backend.catalog.promotion_codes import create_promotion
from backend.catalog.repository import PromotionRedemptionRepository
from backend.catalog.schemas import AddonInput, PlanInput, PromotionInput, ServiceTypeInput
from backend.catalog.service_types import create_service_type
from backend.currency import service as exchange_rates
from backend.customers import members, notes
from backend.customers.repository import CustomerProfileRepository
from backend.dunning import service as reminders
from backend.dunning import settings as dunning
from backend.idempotency import service as idempotency
from backend.identity import api_tokens, auth, passwords, registration, sessions
from backend.identity.repository import AccountCodeRepository, UserRepository
from backend.identity.users import create_user
from backend.integrations.mail import MailBatch
from backend.invoicing import billing_runs, manual_drafts
from backend.invoicing import service as invoicing
from backend.invoicing.repository import InvoiceLineRepository, InvoiceRepository
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.kit.tokens import digest
from backend.models import (
    AccountCodePurpose,
    BalanceTransaction,
    Dispute,
    DocumentAlarm,
    DocumentKind,
    InboundWebhookEvent,
    IntervalUnit,
    Invoice,
    ItemStatus,
    OpenPosition,
    Payment,
    PaymentLink,
    PaymentProcessor,
    PaymentStatus,
    Payout,
    ProcessorAccount,
    ProviderKind,
    Refund,
    SubscriptionItem,
    UserRole,
    WebhookResult,
)
from backend.models import PromotionBenefit as Benefit
from backend.scheduling import simulation
from backend.settings import load_settings
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tenancy import settings_service as tenant_settings
from backend.tenancy.service import create_tenant

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)  # orders; the customers' billing day is the 4th
T1 = datetime(2027, 2, 4, 9, tzinfo=UTC)  # a tick: February periods, invoice run, overdue marking
T2 = datetime(2027, 2, 20, 9, tzinfo=UTC)  # a plan change: a credit note and unbilled charges
T3 = datetime(2027, 3, 5, 9, tzinfo=UTC)  # a late order, canceled the next day
NOW = datetime(2027, 3, 10, 9, tzinfo=UTC)  # when the tables call: March periods are due
PASSWORD = "Isolation-Pass-2027"
RATE_DAY = date(2027, 1, 1)  # A: USD 1.0850 per EUR from this day on; B: GBP 0.8500
DUNNING_DAYS = (3, 50)  # both tenants' reminder steps (days after the due date)
LOST_INVOICE = "INV-2026-09999"  # A: an alarm about a lost document that did not rebuild


@dataclass(frozen=True)
class Side:
    """One tenant's objects by role; B has only the first few (the others stay 0)."""

    scope: TenantScope
    admin: SignedInUser
    user_id: int  # the first customer's user
    customer_id: int  # the first customer
    plan_id: int  # A: the plan the first customer ordered
    addon_id: int
    active_sub: int  # A: active, with the addon and the promotion, a period due at NOW
    paid_invoice: int  # A: with a partial credit note and the promotion's redemption
    paid_line: int  # a line of `paid_invoice`
    session_token_hash: str
    ticket_hash: str
    api_token_hash: str
    code_hash: str  # a password reset code, live at T0
    idempotency_key: str  # of the admin's API token, reserved at T0 and never answered
    order_key: str  # the customer user's order wizard key, reserved at T0 and never answered
    other_customer_id: int = 0  # a second customer, whose number B does not have
    service_type_id: int = 0
    other_plan_id: int = 0
    spare_plan_id: int = 0  # never ordered: can be deleted
    promotion_id: int = 0
    promotion_code: str = ""
    redemption_id: int = 0  # the promotion on `active_sub`, used by `paid_invoice`
    expiring_sub: int = 0  # pending cancel, effective before NOW
    past_due_sub: int = 0
    canceling_sub: int = 0  # pending cancel, effective after NOW, ordered 5 days before NOW
    overdue_invoice: int = 0
    issued_invoice: int = 0  # issued, due before NOW
    void_invoice: int = 0
    issued_line: int = 0  # a line of `issued_invoice`
    credit_note_id: int = 0
    unbilled_position: int = 0
    unbilled_ref: str = ""
    # A: members of Alice's account besides her (viewer Vera, billing member Bill), and a pending
    # invitation (its emailed token) to it
    viewer_user_id: int = 0
    billing_user_id: int = 0
    viewer_member_id: int = 0
    invitation_id: int = 0
    invitation_token: str = ""
    invitee_user_id: int = 0  # Paul: invited, signed up without an account, not accepted yet
    draft_invoice: int = 0  # A: a manual draft for Alice, not issued
    bill_now_run: int = 0  # A: a "bill now" for Alice, queued, never run
    # A, on `paid_invoice`: a bank transfer, a card payment with a refund still waiting for Stripe
    # and a dispute on its charge; a payout and a balance transaction (payment_refund_probes.py)
    payment_id: int = 0
    card_payment_id: int = 0
    refund_id: int = 0
    checkout_payment: int = 0  # A: Alice's pending Checkout payment of `issued_invoice`
    checkout_session: str = ""  # its Checkout Session's id (its payment intent: "pi_" + the same)
    payment_link_id: int = 0  # A: a payment link of `issued_invoice`, live at NOW
    payment_link_token: str = ""

    @property
    def tenant_id(self) -> int:
        return self.scope.tenant_id

    @property
    def actor(self) -> Actor:
        """The tenant's admin as the policy sees them: may do every operation the tables call."""
        return Actor.for_user(self.admin)


def unbilled(session: Session, scope: TenantScope, customer_account_id: int) -> list[OpenPosition]:
    """The customer's charges not on an invoice yet, in time order."""
    return sorted(
        (
            p
            for p in OpenPositionRepository(session, scope).list(limit=10_000)
            if p.customer_account_id == customer_account_id and p.invoice_id is None
        ),
        key=lambda p: (p.period_start, p.id),
    )


def build_pair(session: Session, suffix: str) -> tuple[Side, Side]:
    """Tenant A (billing in every state) and tenant B (a little of its own), in `session`."""
    with clock.frozen(T0) as frozen:
        a = _build_a(session, frozen, f"iso-a-{suffix}")
        from tests.isolation import server_probes  # it builds on this module's Side

        server_probes.prepare(session, a)  # A's servers: running, failed and pending
        from tests.isolation import export_probes  # it builds on this module's Side

        export_probes.prepare(session, a)  # A's queued export job
        from tests.isolation import rollup_probes  # it builds on this module's Side

        rollup_probes.prepare(session, a)  # A's closed days rolled up at NOW
        frozen.set(T0)
        b = _build_b(session, f"iso-b-{suffix}")
    session.flush()
    session.expire_all()
    return a, b


@dataclass(frozen=True)
class _Start:
    """A new tenant with its admin, its first customer, and identity rows of that customer."""

    scope: TenantScope
    admin: SignedInUser
    user_id: int
    customer_id: int
    identity: dict[str, str]

    def side(
        self, session: Session, *, plan: int, addon: int, subscription: int, invoice: int, **roles: Any
    ) -> Side:
        return Side(
            scope=self.scope,
            admin=self.admin,
            user_id=self.user_id,
            customer_id=self.customer_id,
            plan_id=plan,
            addon_id=addon,
            active_sub=subscription,
            paid_invoice=invoice,
            paid_line=_first_line(session, self.scope, invoice),
            **self.identity,
            **roles,
        )


def _tenant(session: Session, slug: str, customer: str) -> _Start:
    tenant = create_tenant(session, slug=slug, name=slug.upper(), settings=load_settings())
    scope = TenantScope(tenant.id or 0)
    email = f"admin@{slug}.example"
    user = create_user(session, scope, email=email, password=PASSWORD, role=UserRole.ADMIN)
    admin = auth.signed_in_user(session, scope, user)
    user_id, customer_id = _customer(session, scope, f"{customer}@{slug}.example")
    identity = _identity_rows(session, scope, admin, user_id)
    return _Start(scope, admin, user_id, customer_id, identity)


def _customer(session: Session, scope: TenantScope, email: str) -> tuple[int, int]:
    """A customer signed up like on the web: (user id, customer account id)."""
    settings, name = load_settings(), email.split("@")[0]
    registration.register(session, scope, settings, MailBatch(), email=email, password=PASSWORD, name=name)
    user = UserRepository(session, scope).by_email(email)
    assert user is not None and user.id is not None
    account_id = auth.signed_in_user(session, scope, user).customer_account_id
    assert account_id is not None
    return user.id, account_id


def _plan(session: Session, scope: TenantScope, key: str, price: str, **fields: Any) -> int:
    data = PlanInput(key=key, name=key.title(), base_price=Decimal(price), **fields)
    return create_plan(session, scope, data, _admin(scope)).id or 0


def _addon(
    session: Session, scope: TenantScope, key: str, price: str, plans: list[int], **fields: Any
) -> int:
    data = AddonInput(key=key, name=key.title(), price=Decimal(price), **fields)
    addon = create_addon(session, scope, data, _admin(scope)).id or 0
    for plan in plans:
        allow_addon(session, scope, plan, addon, _admin(scope))
    return addon


def _admin(scope: TenantScope) -> Actor:
    """Who builds the world: the tenant's admin."""
    return Actor.admin(scope.tenant_id)


def _first_line(session: Session, scope: TenantScope, invoice_id: int) -> int:
    return InvoiceLineRepository(session, scope).for_invoice(invoice_id)[0].id or 0


def _build_a(session: Session, frozen: clock.FrozenClock, slug: str) -> Side:
    start = _tenant(session, slug, "alice")
    scope, alice = start.scope, start.customer_id
    _, bob = _customer(session, scope, f"bob@{slug}.example")
    bob_profile = CustomerProfileRepository(session, scope).for_account(bob)
    assert bob_profile is not None
    bob_profile.country = "AT"  # a consumer in another member state: his sales count toward OSS
    exchange_rates.add_exchange_rate(
        session, scope, currency="USD", valid_from=RATE_DAY, rate="1.0850", actor=_admin(scope)
    )
    vps = ServiceTypeInput(key="vps", name="VPS")
    service_type = create_service_type(session, scope, vps, _admin(scope)).id or 0
    basic = _plan(session, scope, "basic", "10.00", service_type_id=service_type)
    pro = _plan(session, scope, "pro", "20.00")
    spare = _plan(session, scope, "spare", "5.00")
    addon = _addon(session, scope, "backup", "2.00", [basic, pro])
    welcome = PromotionInput(
        code="WELCOME",
        benefit=Benefit.PERCENT_OFF,
        percent_off=Decimal(10),
        max_per_customer=10,
        eligible_plan_ids=[basic, pro],
    )
    promotion = create_promotion(session, scope, welcome, _admin(scope))
    lifecycle = Lifecycle(session, scope, _admin(scope))
    active = lifecycle.order(OrderRequest(alice, basic, addons={addon: 1}, promotion_code="WELCOME"), T0)
    expiring = lifecycle.order(OrderRequest(alice, pro), T0)
    past_due = lifecycle.order(OrderRequest(bob, basic), T0)
    # A live server of the VPS service type (the status poller's query reaches it by service type).
    item = SubscriptionItem(
        subscription_id=active.id,
        provider=ProviderKind.NONE,
        hostname="a1.example",
        service_type_id=service_type,
        provider_ref="srv-a1",
    )
    item.tenant_id, item.status = scope.tenant_id, ItemStatus.ACTIVE
    session.add(item)
    [paid] = invoicing.bill_now(session, scope, T0, customer_account_id=alice, actor=_admin(scope))
    [overdue] = invoicing.bill_now(session, scope, T0, customer_account_id=bob, actor=_admin(scope))
    paid_line = _first_line(session, scope, paid.id or 0)
    note = invoicing.credit_invoice(
        session, scope, paid.id or 0, {paid_line: Decimal("1.00")}, "Goodwill", T0, actor=_admin(scope)
    )
    invoicing.mark_paid(session, scope, paid.id or 0, T0, actor=_admin(scope), reason="Paid by transfer")

    frozen.set(T1)
    simulation.tick(session, scope, T1)  # February periods, invoice run (billing day 4), overdue
    issued, void = _invoices_issued_at(session, scope, T1, alice, bob)
    invoicing.void_invoice(session, scope, void, "Wrong address", T1, actor=_admin(scope))
    lifecycle.cancel(expiring.id or 0, T1)
    lifecycle.mark_past_due(past_due.id or 0, T1, suspend=True)

    frozen.set(T2)
    lifecycle.change_plan(active.id or 0, pro, T2)  # a credit note on `issued`, unbilled charges

    frozen.set(T3)
    canceling = lifecycle.order(OrderRequest(alice, basic), T3)
    lifecycle.cancel(canceling.id or 0, T3 + timedelta(days=1))
    [position, *_] = unbilled(session, scope, alice)
    bob_profile.vat_id = "ATU13585627"  # never checked: due for a VIES check
    # Bob saved a card and pays automatically (from when A took cards): his overdue invoice is one
    # auto-billing would charge, though A now takes bank transfers only.
    bob_profile.payment_customer_ref, bob_profile.default_payment_method_ref = "cus_bob", "pm_bob"
    bob_profile.payment_method_brand, bob_profile.payment_method_last4 = "visa", "4242"
    bob_profile.auto_billing = True
    _declined_auto_charge(session, scope, overdue)
    [redemption] = PromotionRedemptionRepository(session, scope).active_for_subscriptions({active.id or 0})
    notes.add_note(session, scope, _admin(scope), alice, "=Prefers invoices by email.")
    # Reminders 3 and 50 days after the due date: at T3 the overdue invoice (due 18 January) had
    # its first, at NOW its second and last is due.
    dunning.update_dunning_settings(
        session, scope, _admin(scope), reminder_offsets_days=list(DUNNING_DAYS), suspend_service=True
    )
    # A's mails come from A's own sender (B keeps the deployment's).
    tenant_settings.update_tenant_settings(
        session,
        scope,
        _admin(scope),
        {"mail_from_name": "A Billing", "mail_from_address": "billing@a.example"},
    )
    reminders.send_due_reminders(session, scope, 0, 10**9, T3)
    line = DraftLineInput(description="Migration service", unit_price=Decimal("150.00"))
    draft = manual_drafts.create_draft(
        session, scope, _admin(scope), DraftInput(customer_account_id=alice, lines=[line]), T3
    )
    run = billing_runs.request_bill_now(session, scope, _admin(scope), T3, customer_account_id=alice)
    session.add(
        DocumentAlarm(
            tenant_id=scope.tenant_id,
            document_kind=DocumentKind.INVOICE,
            document_number=LOST_INVOICE,
            expected_sha256="0" * 64,
            actual_sha256="1" * 64,
        )
    )
    people = _members_of(session, scope, alice, start.user_id, slug)
    people |= _payment_rows(session, scope, paid.id or 0, alice)
    checkout = _checkout_payment(session, scope, alice, issued, slug)
    link_token = f"iso-link-{slug}"
    link = PaymentLink(
        tenant_id=scope.tenant_id,
        invoice_id=issued,
        token_sha256=digest(link_token),
        email="alice@example.com",
        expires_at=T3 + timedelta(days=3650),
    )
    session.add(link)
    # A's own Stripe account row with a publishable key only: something for B's scope to miss,
    # while A still pays by bank transfer (no secret key, so no processor is ever called).
    session.add(
        ProcessorAccount(
            tenant_id=scope.tenant_id,
            processor=PaymentProcessor.STRIPE,
            publishable_key=f"pk_test_iso_{slug}",
        )
    )
    session.flush()
    return start.side(
        session,
        plan=basic,
        addon=addon,
        subscription=active.id or 0,
        invoice=paid.id or 0,
        other_customer_id=bob,
        service_type_id=service_type,
        other_plan_id=pro,
        spare_plan_id=spare,
        promotion_id=promotion.id or 0,
        promotion_code=promotion.code,
        redemption_id=redemption[0].id or 0,
        expiring_sub=expiring.id or 0,
        past_due_sub=past_due.id or 0,
        canceling_sub=canceling.id or 0,
        overdue_invoice=overdue.id or 0,
        issued_invoice=issued,
        void_invoice=void,
        issued_line=_first_line(session, scope, issued),
        checkout_payment=checkout.id or 0,
        checkout_session=checkout.external_id or "",
        credit_note_id=note.id or 0,
        unbilled_position=position.id or 0,
        unbilled_ref=position.source_ref,
        draft_invoice=draft.id or 0,
        bill_now_run=run.id or 0,
        payment_link_id=link.id or 0,
        payment_link_token=link_token,
        **people,
    )


def _payment_rows(session: Session, scope: TenantScope, invoice_id: int, account: int) -> dict[str, int]:
    """Rows of the payments tables on A's paid invoice, as the webhook and the admin leave them."""

    def add(row: Any) -> Any:
        row.tenant_id = scope.tenant_id
        session.add(row)
        session.flush()
        return row

    paid = {"invoice_id": invoice_id, "customer_account_id": account, "status": PaymentStatus.SUCCEEDED}
    transfer = add(
        Payment(
            **paid, processor=PaymentProcessor.MANUAL, kind="manual", idempotency_key="manual:iso",
            amount=Decimal("5.00"), note="Transfer 4711", succeeded_at=T0,
        )
    )  # fmt: skip
    card = add(
        Payment(
            **paid, processor=PaymentProcessor.STRIPE, kind="checkout", idempotency_key="checkout:iso",
            external_id=f"cs_iso_{scope.tenant_id}", payment_intent_ref=f"pi_iso_{scope.tenant_id}",
            charge_ref=f"ch_iso_{scope.tenant_id}", amount=Decimal("20.00"), succeeded_at=T0,
        )
    )  # fmt: skip
    refund = add(
        Refund(
            payment_id=card.id, idempotency_key="refund:iso", external_id=f"re_iso_{scope.tenant_id}",
            amount=Decimal("2.00"), reason="Isolation",
        )
    )  # fmt: skip
    stripe = {"processor": PaymentProcessor.STRIPE}
    add(
        Dispute(
            **stripe, external_id=f"dp_iso_{scope.tenant_id}", payment_id=card.id, invoice_id=invoice_id,
            charge_ref=card.charge_ref, amount=Decimal("20.00"), reason="fraudulent",
        )
    )  # fmt: skip
    add(Payout(**stripe, external_id=f"po_iso_{scope.tenant_id}", amount=Decimal("15.00"), status="paid"))
    add(
        BalanceTransaction(
            **stripe, external_id=f"txn_iso_{scope.tenant_id}", type="charge", source_ref=card.charge_ref,
            amount=Decimal("20.00"), fee=Decimal("0.59"), net=Decimal("19.41"), occurred_at=T0,
        )
    )  # fmt: skip
    # Stripe's events as the webhook stored them: one handled, one failed, in the overview's week
    for result, hours, error in ((WebhookResult.PROCESSED, 30, ""), (WebhookResult.FAILED, 2, "Probe")):
        add(
            InboundWebhookEvent(
                **stripe, event_id=f"evt_iso_{scope.tenant_id}_{result}", event_type="charge.refunded",
                payload_sha256="0" * 64, result=result, error=error, received_at=NOW - timedelta(hours=hours),
            )
        )  # fmt: skip
    return {"payment_id": transfer.id, "card_payment_id": card.id, "refund_id": refund.id}


def _members_of(session: Session, scope: TenantScope, account: int, owner: int, slug: str) -> dict[str, Any]:
    """Alice invites Vera (viewer) and Bill (billing), who accept, and Paul, who has not yet."""
    alice = Actor.for_user(
        auth.signed_in_user(session, scope, UserRepository(session, scope).get_or_raise(owner))
    )
    found: dict[str, Any] = {}
    for name, role in (("vera", "viewer"), ("bill", "billing"), ("paul", "viewer")):
        email = f"{name}@{slug}.example"
        mail = MailBatch()
        invitation = members.invite_member(
            session, scope, alice, account, email=email, role=role, settings=load_settings(), mail=mail
        )
        token = mail.messages[0].text.split("/invitations/")[1].split()[0]
        user = create_user(session, scope, email=email, password=PASSWORD, role=UserRole.CUSTOMER)
        if name == "paul":
            found |= {"invitation_id": invitation.id, "invitation_token": token, "invitee_user_id": user.id}
            continue
        members.accept_invitation(
            session, scope, Actor.for_user(auth.signed_in_user(session, scope, user)), token
        )
        found[f"{'viewer' if name == 'vera' else 'billing'}_user_id"] = user.id
    viewer = members.list_members(session, scope, alice, account).members
    found["viewer_member_id"] = next(m.id for m in viewer if m.role == "viewer")
    return found


def _declined_auto_charge(session: Session, scope: TenantScope, invoice: Invoice) -> None:
    """The first automatic charge of `invoice`, declined at T3 (the second is due then too), and an
    open Checkout Session of it."""
    session.add(
        Payment(
            tenant_id=scope.tenant_id,
            invoice_id=invoice.id,
            customer_account_id=invoice.customer_account_id,
            processor=PaymentProcessor.STRIPE,
            idempotency_key=f"auto:{invoice.id}:1",
            amount=invoice.balance_due,
            currency=invoice.currency,
            kind="off_session",
            status=PaymentStatus.FAILED,
            failure_code="card_declined",
            created_at=T3,
        )
    )
    session.add(  # and a Checkout Session Bob opened before that, never paid nor expired
        Payment(
            tenant_id=scope.tenant_id,
            invoice_id=invoice.id,
            customer_account_id=invoice.customer_account_id,
            processor=PaymentProcessor.STRIPE,
            external_id=f"cs_test_isolation_{scope.tenant_id}",
            idempotency_key=f"checkout:{invoice.id}:1",
            amount=invoice.balance_due,
            currency=invoice.currency,
            kind="checkout",
            created_at=T3,
        )
    )
    invoice.payment_attempts, invoice.next_payment_attempt_at = 1, T3
    session.flush()


def _invoices_issued_at(session: Session, scope: TenantScope, at: datetime, *customers: int) -> list[int]:
    """The id of the invoice issued at `at` to each of `customers`."""
    issued = {
        invoice.customer_account_id: invoice.id or 0
        for customer in customers
        for invoice in InvoiceRepository(session, scope).list(limit=10_000)
        if invoice.customer_account_id == customer
        if invoice.issued_at == at
    }
    return [issued[customer] for customer in customers]


def _identity_rows(session: Session, scope: TenantScope, admin: SignedInUser, user_id: int) -> dict[str, str]:
    """A signed-in session, an unused sign-in ticket, an API token with an idempotency key whose
    request never finished, and a password reset code."""
    user = UserRepository(session, scope).get_or_raise(user_id)
    policy = sessions.SessionPolicy(timedelta(hours=1), timedelta(hours=8))
    signed_in = auth.signed_in_user(session, scope, user)
    token, _ = sessions.exchange_ticket(
        session, scope, sessions.issue_ticket(session, scope, signed_in, policy)
    )
    ticket = sessions.issue_ticket(session, scope, signed_in, policy)
    created = api_tokens.create_token(
        session, scope, admin, name="isolation", scopes=["read", "admin"], actor=Actor.for_user(admin)
    )
    secret, key = created.token, f"iso-{scope.tenant_id}"
    idempotency.begin(session, scope, created.summary.id, key, "0" * 64, T0)
    order_key = f"order-{scope.tenant_id}"
    idempotency.begin_for_user(session, scope, user_id, order_key, "0" * 64, T0)
    passwords.request_password_reset(session, scope, load_settings(), MailBatch(), email=user.email)
    codes = AccountCodeRepository(session, scope).live_for_user(
        user_id, AccountCodePurpose.RESET_PASSWORD, T0
    )
    return {
        "session_token_hash": digest(token),
        "ticket_hash": digest(ticket),
        "api_token_hash": digest(secret),
        "code_hash": codes[0].code_hash,
        "idempotency_key": key,
        "order_key": order_key,
    }


def _build_b(session: Session, slug: str) -> Side:
    """B: a customer in Germany with a yearly subscription, invoiced and paid at T0 (nothing due at
    NOW, nothing sold across a border), and a GBP rate."""
    start = _tenant(session, slug, "carol")
    scope, carol = start.scope, start.customer_id
    yearly = {"interval_unit": IntervalUnit.YEAR}
    plan = _plan(session, scope, "b-yearly", "120.00", **yearly)
    addon = _addon(session, scope, "b-extra", "12.00", [plan], **yearly)
    subscription = Lifecycle(session, scope, _admin(scope)).order(OrderRequest(carol, plan), T0)
    exchange_rates.add_exchange_rate(
        session, scope, currency="GBP", valid_from=RATE_DAY, rate="0.8500", actor=_admin(scope)
    )
    [invoice] = invoicing.bill_now(session, scope, T0, customer_account_id=carol, actor=_admin(scope))
    invoicing.mark_paid(session, scope, invoice.id or 0, T0, actor=_admin(scope), reason="Paid by transfer")
    dunning.update_dunning_settings(
        session, scope, _admin(scope), reminder_offsets_days=list(DUNNING_DAYS), suspend_service=False
    )
    simulation.tick(session, scope, T0, only={"mail_delivery"})  # B's order mail is sent: nothing due at NOW
    return start.side(
        session, plan=plan, addon=addon, subscription=subscription.id or 0, invoice=invoice.id or 0
    )


def _checkout_payment(session: Session, scope: TenantScope, alice: int, invoice: int, slug: str) -> Payment:
    """Alice pressed Pay on her issued invoice: a pending Checkout payment with its session."""
    payment = Payment(
        tenant_id=scope.tenant_id,
        invoice_id=invoice,
        customer_account_id=alice,
        processor=PaymentProcessor.STRIPE,
        external_id=f"cs_iso_{slug}",
        payment_intent_ref=f"pi_cs_iso_{slug}",
        idempotency_key=f"checkout:{invoice}:1",
        amount=Decimal("10.00"),
        checkout_url=f"https://checkout.example/cs_iso_{slug}",
        checkout_expires_at=NOW + timedelta(hours=1),
        kind="checkout",
    )
    session.add(payment)
    session.flush()
    return payment
