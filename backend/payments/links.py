"""Payment links: an ad-hoc invoice an admin sends to a customer or to an email address, paid on a
public page without sign-in (SPEC §5, issue #14).

- The invoice is a manual draft issued at once (`invoicing.manual_drafts`): the same lines, tax and
  gapless number as any invoice an admin writes.
- For an email address that no billing profile of the tenant has, a guest customer account is
  opened with that address as its name, in the tenant's own country (a private buyer: domestic
  tax). An address some profile already has reuses that customer, so a second link to the same
  person is not a second customer (docs/decisions.md "Payment links").
- The link is a random token (256 bits); only its SHA-256 is stored, so the database never holds a
  usable link. It expires (14 days unless the admin chose otherwise) and can be revoked. It is
  shown to the admin once and mailed as an account mail whose record keeps no link.
- The token is looked up within the tenant of the request's host: a link of another tenant is
  "not valid" there, exactly like a made-up one.
- Paying starts a Stripe Checkout through `start_link_checkout`, following the rule of every
  online payment: the pending `Payment` row is committed before the processor is called, and its id
  travels in the metadata, so the webhook settles it once (`payments.settlement`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.customers.service import billing_profile, open_customer_account
from backend.integrations.mail import MailBatch
from backend.integrations.payment_processor import CheckoutRequest, CheckoutSession, Processor, ProcessorError
from backend.invoicing import manual_drafts
from backend.invoicing.drafts import InvoicingContext
from backend.invoicing.schemas import DraftInput
from backend.kit.errors import Conflict, FieldErrors, NotFoundError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.kit.tokens import digest, new_token
from backend.mail.service import account_mail
from backend.models import (
    CustomerProfile,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    MailKind,
    Payment,
    PaymentLink,
    PaymentProcessor,
    PaymentStatus,
)
from backend.money import Money
from backend.payments.accounts import processor_for
from backend.payments.repository import PaymentLinkRepository, PaymentRepository
from backend.payments.schemas import PaymentLinkCreated, PaymentLinkInput, PaymentLinkView
from backend.tenancy.service import normalise_email

PAY_PATH = "/pay"
KIND = "payment_link"  # Payment.kind of a payment made on a link's page
CHECKOUT_LIFETIME = timedelta(hours=24)  # Stripe's default for a Checkout Session
CLOSED = (InvoiceStatus.VOID, InvoiceStatus.UNCOLLECTIBLE)


def pay_path(token: str) -> str:
    return f"{PAY_PATH}/{token}"


class PaymentLinkNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("This payment link is not valid. Check that you copied the whole link.")


class PaymentLinkUnusable(Conflict):
    """The link can no longer start a payment (paid, expired, revoked, voided, or bank transfer)."""


STATUS_MESSAGES = {
    "paid": "This invoice is paid. Thank you.",
    "expired": "This payment link has expired. Ask the sender for a new one.",
    "revoked": "This payment link was withdrawn by the sender. Ask them for a new one if you still owe it.",
    "void": "This invoice was canceled; nothing is owed on it.",
}


def link_status(link: PaymentLink, invoice: Invoice, now: datetime) -> str:
    """active, or why not: a paid invoice says so whatever the link's state (the customer's last
    question is whether the money arrived), then a voided one, a withdrawn link, an expired one."""
    if invoice.status == InvoiceStatus.PAID or (
        invoice.status != InvoiceStatus.DRAFT and invoice.balance_due <= 0
    ):
        return "paid"
    if invoice.status in CLOSED:
        return "void"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "active"


# --- the admin: create, list, revoke -------------------------------------------------------------


def create_payment_link(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    wanted: PaymentLinkInput,
    now: datetime,
    *,
    mail: MailBatch,
    base_url: str,
) -> PaymentLinkCreated:
    """Issue an invoice with `wanted.lines` to the customer (or the email address) and mail its
    payment link; the returned URL is the only time the link is shown. Bad input changes nothing."""
    authorize(actor, scope, Action.MANAGE_PAYMENT_LINKS)
    profile, guest = _recipient(session, scope, wanted)
    draft = DraftInput(customer_account_id=profile.customer_account_id, lines=wanted.lines)
    invoice = manual_drafts.create_draft(session, scope, actor, draft, now)
    assert invoice.id is not None
    invoice = manual_drafts.issue_invoice(session, scope, actor, invoice.id, now)
    token = new_token()
    link = PaymentLinkRepository(session, scope).add(
        PaymentLink(
            invoice_id=invoice.id,
            token_sha256=digest(token),
            email=profile.email,
            expires_at=now + timedelta(days=wanted.expires_in_days),
            created_by_user_id=actor.user_id,
            created_at=now,
        )
    )
    assert link.id is not None and invoice.number is not None and invoice.due_at is not None
    context = {
        "customer_name": profile.name,
        "link": pay_path(token),
        "invoice_number": invoice.number,
        "total": str(invoice.gross),
        "currency": invoice.currency,
        "due_date": InvoicingContext(session, scope).local_date(invoice.due_at).isoformat(),
        "expires_date": InvoicingContext(session, scope).local_date(link.expires_at).isoformat(),
    }
    account_mail(
        session, scope, mail, MailKind.PAYMENT_LINK, profile.email, context,
        customer_id=profile.customer_account_id,
    )  # fmt: skip
    audit.record(
        session, scope, actor, "payment_link.created", object_type="payment_link", object_id=link.id,
        after={
            "invoice_number": invoice.number, "email": profile.email, "guest_customer_opened": guest,
            "customer_account_id": profile.customer_account_id, "expires_at": link.expires_at.isoformat(),
        },
    )  # fmt: skip
    return PaymentLinkCreated(
        id=link.id,
        invoice_number=invoice.number,
        url=f"{base_url.rstrip('/')}{pay_path(token)}",
        expires_at=link.expires_at,
    )


def revoke_payment_link(
    session: Session, scope: TenantScope, actor: audit.Actor, link_id: int, now: datetime
) -> PaymentLinkView:
    """Withdraw a link: its page says so and starts no payment. Revoking twice changes nothing; a
    Checkout already open may still be paid (the invoice stays owed until paid either way)."""
    authorize(actor, scope, Action.MANAGE_PAYMENT_LINKS)
    links = PaymentLinkRepository(session, scope)
    link = links.lock(link_id)
    if link is None:
        raise NotFoundError("Payment link not found.")
    invoice = InvoicingContext(session, scope).invoices.get(link.invoice_id)
    assert invoice is not None
    if link.revoked_at is None:
        link.revoked_at = now
        session.add(link)
        session.flush()
        audit.record(
            session, scope, actor, "payment_link.revoked", object_type="payment_link", object_id=link_id,
            after={"invoice_number": invoice.number, "email": link.email},
        )  # fmt: skip
    return _view(link, invoice, now)


def payment_links_of_invoice(
    session: Session, scope: TenantScope, actor: audit.Actor, invoice_id: int, now: datetime
) -> list[PaymentLinkView]:
    """The invoice's links, newest first (the admin invoice page)."""
    authorize(actor, scope, Action.BROWSE_INVOICES)
    invoice = InvoicingContext(session, scope).invoices.get(invoice_id)
    if invoice is None:
        raise NotFoundError("Invoice not found.")
    return [
        _view(link, invoice, now) for link in PaymentLinkRepository(session, scope).of_invoice(invoice_id)
    ]


def recent_payment_links(
    session: Session, scope: TenantScope, actor: audit.Actor, now: datetime, limit: int = 25
) -> list[PaymentLinkView]:
    """The tenant's newest links (the payment links page)."""
    authorize(actor, scope, Action.BROWSE_INVOICES)
    return [
        _view(link, invoice, now)
        for link, invoice in PaymentLinkRepository(session, scope).recent_with_invoices(limit)
    ]


def _view(link: PaymentLink, invoice: Invoice, now: datetime) -> PaymentLinkView:
    assert link.id is not None
    return PaymentLinkView(
        id=link.id,
        invoice_id=link.invoice_id,
        invoice_number=invoice.number or "",
        email=link.email,
        status=link_status(link, invoice, now),  # type: ignore[arg-type]
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        created_at=link.created_at,
    )


def _recipient(
    session: Session, scope: TenantScope, wanted: PaymentLinkInput
) -> tuple[CustomerProfile, bool]:
    """The billing profile the invoice is addressed to, and whether a guest customer was opened."""
    email = (wanted.email or "").strip()
    if (wanted.customer_account_id is None) == (not email):
        message = (
            "Choose a customer or enter an email address, not both."
            if email
            else ("Choose a customer or enter the email address to send the invoice to.")
        )
        raise FieldErrors({"email": message})
    if wanted.customer_account_id is not None:
        profile = billing_profile(session, scope, wanted.customer_account_id)
        if profile is None:
            raise FieldErrors(
                {"customer_account_id": "Customer: no customer with a billing profile has this id."}
            )
        return profile, False
    try:
        address = normalise_email(email)
    except ValidationFailed:
        raise FieldErrors({"email": f"Email: {email!r} is not a valid email address."}) from None
    found = PaymentLinkRepository(session, scope).profile_with_email(address)
    if found is not None:
        return found, False
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    assert tenant is not None
    account = open_customer_account(
        session, scope, name=address, email=address, country=tenant.issuer_country or "DE"
    )
    assert account.id is not None
    profile = billing_profile(session, scope, account.id)
    assert profile is not None
    return profile, True


# --- the public page ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal


@dataclass(frozen=True, slots=True)
class BankTransfer:
    """What the customer needs to pay by bank transfer: the invoice's issuer account and reference."""

    holder: str
    iban: str
    bic: str
    reference: str


@dataclass(frozen=True, slots=True)
class PublicInvoice:
    status: str  # link_status
    message: str  # "" when active
    invoice_number: str
    issued_at: datetime | None
    due_at: datetime | None
    currency: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    balance_due: Decimal
    issuer: dict[str, str]
    buyer_name: str
    buyer_email: str
    expires_at: datetime
    time_zone: str
    online: bool  # the tenant takes card payments (Stripe keys apply)
    bank: BankTransfer | None
    lines: list[PublicLine] = field(default_factory=list)
    invoice_id: int = 0


def usable_link(session: Session, scope: TenantScope, token: str) -> tuple[PaymentLink, Invoice]:
    """The link with this token in this tenant, with its invoice; `PaymentLinkNotFound` otherwise."""
    if not token or len(token) > 100:
        raise PaymentLinkNotFound()
    link = PaymentLinkRepository(session, scope).by_token_hash(digest(token))
    if link is None:
        raise PaymentLinkNotFound()
    invoice = InvoicingContext(session, scope).invoices.get(link.invoice_id)
    if invoice is None:
        raise PaymentLinkNotFound()
    return link, invoice


def public_invoice(session: Session, scope: TenantScope, token: str, now: datetime) -> PublicInvoice:
    """What the link's page shows anyone holding the token: the invoice as issued (issuer, lines,
    totals, due date) and whether it can be paid now. The token is the permission (like an
    invitation's); nothing here changes anything."""
    link, invoice = usable_link(session, scope, token)
    status = link_status(link, invoice, now)
    processor = processor_for(session, scope)
    issuer = {key: str(value or "") for key, value in (invoice.issuer_snapshot or {}).items()}
    buyer = invoice.buyer_snapshot or {}
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    bank = None
    if issuer.get("iban"):
        bank = BankTransfer(
            issuer.get("legal_name", ""), issuer["iban"], issuer.get("bic", ""), invoice.number or ""
        )
    lines = InvoicingContext(session, scope).lines.for_invoice(link.invoice_id)
    return PublicInvoice(
        status=status,
        message=STATUS_MESSAGES.get(status, ""),
        invoice_number=invoice.number or "",
        issued_at=invoice.issued_at,
        due_at=invoice.due_at,
        currency=invoice.currency,
        net=invoice.net,
        tax=invoice.tax,
        gross=invoice.gross,
        balance_due=invoice.balance_due,
        issuer=issuer,
        buyer_name=str(buyer.get("company_name") or buyer.get("name") or ""),
        buyer_email=str(buyer.get("email") or link.email),
        expires_at=link.expires_at,
        time_zone=tenant.time_zone if tenant else "UTC",
        online=processor.online,
        bank=bank,
        lines=[_public_line(line) for line in lines],
        invoice_id=invoice.id or 0,
    )


def _public_line(line: InvoiceLine) -> PublicLine:
    return PublicLine(line.description, line.quantity, line.unit_price, line.tax_rate, line.net)


# --- paying: a Checkout Session for the invoice's balance -----------------------------------------


@dataclass(frozen=True, slots=True)
class PreparedCheckout:
    """A pending payment, committed, and what the processor is asked for (or an open session's URL)."""

    processor: Processor
    request: CheckoutRequest | None
    payment_id: int
    open_url: str = ""


def prepare_link_payment(
    session: Session, scope: TenantScope, token: str, now: datetime, *, base_url: str
) -> PreparedCheckout:
    """Write the pending payment of the link's invoice (its balance), to be committed before the
    processor is called. A Checkout still open for it is offered again instead of a second one."""
    link, invoice = usable_link(session, scope, token)
    assert invoice.id is not None and link.id is not None
    invoice = InvoicingContext(session, scope).locked_invoice(invoice.id)  # two clicks: one payment row
    status = link_status(link, invoice, now)
    if status != "active":
        raise PaymentLinkUnusable(STATUS_MESSAGES[status])
    processor = processor_for(session, scope)
    if not processor.online:
        raise PaymentLinkUnusable("This invoice is paid by bank transfer; the details are on this page.")
    payments = PaymentRepository(session, scope)
    earlier = payments.of_invoice(invoice.id)
    for payment in reversed(earlier):
        if payment.status != PaymentStatus.PENDING:
            continue
        if payment.kind != KIND:
            raise PaymentLinkUnusable("A payment of this invoice is in progress; try again in a few minutes.")
        fresh = payment.checkout_expires_at is not None and payment.checkout_expires_at > now + timedelta(
            minutes=5
        )
        if payment.checkout_url and fresh and payment.amount == invoice.balance_due:
            assert payment.id is not None
            return PreparedCheckout(processor, None, payment.id, open_url=payment.checkout_url)
    attempt = len(earlier) + 1
    payment = payments.add(
        Payment(
            invoice_id=invoice.id,
            customer_account_id=invoice.customer_account_id,
            processor=PaymentProcessor.STRIPE,
            idempotency_key=f"payment-link:{invoice.id}:{attempt}",
            amount=invoice.balance_due,
            currency=invoice.currency,
            attempt=attempt,
            kind=KIND,
            created_at=now,
        )
    )
    assert payment.id is not None and invoice.number is not None
    profile = billing_profile(session, scope, invoice.customer_account_id)
    page = f"{base_url.rstrip('/')}{pay_path(token)}"
    request = CheckoutRequest(
        mode="payment",
        tenant_id=scope.tenant_id,
        customer_ref=profile.payment_customer_ref if profile else "",
        success_url=f"{page}?paid={{CHECKOUT_SESSION_ID}}",
        cancel_url=page,
        idempotency_key=payment.idempotency_key,
        amount=Money.of(invoice.balance_due, invoice.currency),
        description=f"Invoice {invoice.number}",
        invoice_id=invoice.id,
        invoice_number=invoice.number,
        metadata={
            "payment_id": str(payment.id),
            "invoice_id": str(invoice.id),
            "tenant_id": str(scope.tenant_id),
            "payment_link_id": str(link.id),
        },
    )
    return PreparedCheckout(processor, request, payment.id)


def record_checkout(
    session: Session, scope: TenantScope, payment_id: int, checkout: CheckoutSession, now: datetime
) -> None:
    """Name the pending payment with its Checkout Session (the webhook may have been faster)."""
    payment = PaymentRepository(session, scope).lock(payment_id)
    if payment is None:
        return
    payment.external_id = payment.external_id or checkout.id
    payment.checkout_url = checkout.url
    payment.checkout_expires_at = now + CHECKOUT_LIFETIME
    payment.payment_intent_ref = payment.payment_intent_ref or checkout.payment_intent
    session.add(payment)
    session.flush()


def checkout_failed(session: Session, scope: TenantScope, payment_id: int, error: ProcessorError) -> None:
    """The processor refused to open the session: the pending row is closed (nothing was taken)."""
    payment = PaymentRepository(session, scope).lock(payment_id)
    if payment is None or payment.status != PaymentStatus.PENDING:
        return
    payment.status = PaymentStatus.FAILED
    payment.failure_code = error.code[:100]
    payment.failure_reason = str(error)[:1000]
    session.add(payment)
    session.flush()


Unit = Callable[[], AbstractContextManager[Session]]


def start_link_checkout(unit: Unit, scope: TenantScope, token: str, now: datetime, *, base_url: str) -> str:
    """Start paying the link's invoice; returns the Checkout page to send the customer to.

    Three units of work, by the rule of every online payment: the pending payment is committed
    first, then the processor is called (with `payment_id` in the metadata), then the session is
    recorded on the payment. If the process dies between, the webhook still finds the row by
    `payment_id`. (The Checkout service of #14 may take over the middle step; this is its boundary.)
    """
    with unit() as session:
        prepared = prepare_link_payment(session, scope, token, now, base_url=base_url)
    if prepared.request is None:
        return prepared.open_url
    try:
        checkout = prepared.processor.create_checkout(prepared.request)
    except ProcessorError as error:
        with unit() as session:
            checkout_failed(session, scope, prepared.payment_id, error)
        raise PaymentLinkUnusable("The payment could not be started; try again in a minute.") from error
    with unit() as session:
        record_checkout(session, scope, prepared.payment_id, checkout, now)
    return checkout.url
