"""What the payment pages call: `/admin/settings/payments` (the tenant's Stripe keys, write-only),
`/admin/payment-links` (create, list, revoke) and the public `/pay/{token}` (no sign-in; the host
picks the tenant). The services ask the policy; pages get display-ready DTOs.

The public routes are guarded against token guessing: each lookup of a token that matches no link
counts against the visitor's IP in the throttle (`PAY_LINK_ACTION`); once at the limit, every
lookup from that IP is refused for the window, valid or not, so guessing costs the whole window.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend import clock
from backend.db import unit_of_work
from backend.documents import service as documents
from backend.documents.service import DocumentFile
from backend.gateway import admin_invoice_drafts
from backend.gateway.admin_invoice_drafts import CustomerChoice
from backend.gateway.units import actor, throttle, user_scope
from backend.integrations.branding import brand
from backend.integrations.mail import MailBatch
from backend.invoicing import admin_reads
from backend.invoicing.schemas import DraftLineInput
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Actor
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.mail.tasks import send_account_mails
from backend.money import Money
from backend.payments import links, settings_service
from backend.payments.schemas import DEFAULT_LINK_DAYS, PaymentLinkInput, PaymentLinkView, StripeSettingsView
from backend.reporting.subscriptions import moment
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host

PAY_LINK_ACTION = "pay_link"
MODE_LABELS = {
    "manual": "Bank transfer only",
    "deployment": "The deployment's Stripe account",
    "tenant": "Your own Stripe account",
}
MODE_HINTS = {
    "manual": "No Stripe keys apply: invoices show your bank details and you record transfers as paid.",
    "deployment": "Customers pay by card into the operator's Stripe account. Enter your own keys to be"
    " paid into yours.",
    "tenant": "Customers pay by card into your own Stripe account; payments are confirmed by its webhook.",
}
STATUS_LABELS = {
    "active": "Active",
    "expired": "Expired",
    "revoked": "Revoked",
    "paid": "Paid",
    "void": "Canceled",
}


@dataclass(frozen=True, slots=True)
class PaymentSettingsPage:
    mode: str
    mode_label: str
    mode_hint: str
    secret_key_configured: bool
    webhook_secret_configured: bool
    publishable_key: str
    live: bool
    webhook_url: str
    bank_holder: str
    bank_iban: str
    bank_bic: str


def _settings_page(session: object, scope: TenantScope, view: StripeSettingsView) -> PaymentSettingsPage:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)  # type: ignore[arg-type]
    assert tenant is not None
    return PaymentSettingsPage(
        mode=view.mode,
        mode_label=MODE_LABELS[view.mode],
        mode_hint=MODE_HINTS[view.mode],
        secret_key_configured=view.secret_key_configured,
        webhook_secret_configured=view.webhook_secret_configured,
        publishable_key=view.publishable_key,
        live=view.live,
        webhook_url=view.webhook_url,
        bank_holder=tenant.issuer_legal_name or tenant.name,
        bank_iban=tenant.issuer_iban,
        bank_bic=tenant.issuer_bic,
    )


def payment_settings_page(user: SignedInUser) -> PaymentSettingsPage:
    with unit_of_work() as session:
        scope = user_scope(user)
        return _settings_page(
            session, scope, settings_service.stripe_settings(session, scope, actor(None, user))
        )


def save_payment_settings(
    request: RequestContext, user: SignedInUser, secret_key: str, webhook_secret: str, publishable_key: str
) -> PaymentSettingsPage:
    """Store the keys typed (empty: unchanged); `FieldErrors` per field changes nothing."""
    with unit_of_work() as session:
        scope = user_scope(user)
        view = settings_service.save_stripe_settings(
            session,
            scope,
            actor(request, user),
            secret_key=secret_key[:255],
            webhook_secret=webhook_secret[:255],
            publishable_key=publishable_key[:255],
        )
        return _settings_page(session, scope, view)


def disconnect_stripe(request: RequestContext, user: SignedInUser) -> PaymentSettingsPage:
    with unit_of_work() as session:
        scope = user_scope(user)
        view = settings_service.disconnect_stripe(session, scope, actor(request, user))
        return _settings_page(session, scope, view)


# --- the admin's payment links --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    invoice_number: str
    invoice_href: str
    email: str
    status: str
    status_label: str
    expires: str
    created: str
    revocable: bool


@dataclass(frozen=True, slots=True)
class CreatedLink:
    invoice_number: str
    url: str
    expires: str
    email: str


def _zone(session: object, scope: TenantScope) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)  # type: ignore[arg-type]
    return ZoneInfo(tenant.time_zone if tenant else "UTC")


def _row(view: PaymentLinkView, zone: ZoneInfo) -> LinkRow:
    return LinkRow(
        id=view.id,
        invoice_number=view.invoice_number,
        invoice_href=f"/admin/invoices/{view.invoice_number}",
        email=view.email,
        status=view.status,
        status_label=STATUS_LABELS[view.status],
        expires=moment(view.expires_at, zone),
        created=moment(view.created_at, zone),
        revocable=view.status == "active",
    )


@dataclass(frozen=True, slots=True)
class LinksPage:
    rows: list[LinkRow]
    customers: list[CustomerChoice]
    currency: str


def payment_links_page(user: SignedInUser) -> LinksPage:
    """The newest links and the customers the form offers (as the manual draft form does)."""
    form = admin_invoice_drafts.draft_form(user)
    return LinksPage(payment_link_rows(user), form.customers, form.currency)


def payment_link_rows(user: SignedInUser) -> list[LinkRow]:
    with unit_of_work() as session:
        scope = user_scope(user)
        zone = _zone(session, scope)
        return [
            _row(v, zone) for v in links.recent_payment_links(session, scope, actor(None, user), clock.now())
        ]


def invoice_link_rows(user: SignedInUser, reference: str) -> list[LinkRow]:
    """The payment links of the invoice `reference` (a number, or a draft's id: none), newest first,
    for the admin invoice page."""
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(None, user)
        invoice_id = admin_reads.invoice_id_for_reference(session, scope, who, reference)
        zone = _zone(session, scope)
        views = links.payment_links_of_invoice(session, scope, who, invoice_id, clock.now())
        return [_row(v, zone) for v in views]


def link_input(
    email: str, lines: list[dict[str, str]], expires_in_days: str, customer_account_id: int | None = None
) -> PaymentLinkInput:
    """The form's fields, checked like the API's body; each refusal is named by its field
    (`lines.0.unit_price`). Rows without a description and an amount are left out."""
    from pydantic import ValidationError

    from backend.invoicing.manual_drafts import draft_input  # the same messages as a manual draft

    kept = [
        line for line in lines if line.get("description", "").strip() or line.get("unit_price", "").strip()
    ]
    if not kept:
        raise FieldErrors({"lines": "Add at least one line with a description and an amount."})
    draft_input(1, [{**line, "quantity": line.get("quantity") or "1"} for line in kept])
    days = expires_in_days.strip() or str(DEFAULT_LINK_DAYS)
    try:
        return PaymentLinkInput(
            email=email.strip() or None,
            customer_account_id=customer_account_id,
            lines=[
                DraftLineInput.model_validate({**line, "quantity": line.get("quantity") or "1"})
                for line in kept
            ],
            expires_in_days=int(days) if days.isdigit() else -1,
        )
    except ValidationError as exc:
        fields = {".".join(str(p) for p in e["loc"]): str(e["msg"]) for e in exc.errors()}
        if "expires_in_days" in fields:
            raise FieldErrors({"expires_in_days": "Valid for: a whole number of days from 1 to 90."}) from exc
        raise FieldErrors({name: f"{name}: {message}." for name, message in fields.items()}) from exc


def create_payment_link(request: RequestContext, user: SignedInUser, wanted: PaymentLinkInput) -> CreatedLink:
    """Issue the invoice and mail its link (sent once committed); the URL is shown this once."""
    settings, mail = get_settings(), MailBatch()
    with unit_of_work() as session:
        scope = user_scope(user)
        created = links.create_payment_link(
            session,
            scope,
            actor(request, user),
            wanted,
            clock.now(),
            mail=mail,
            base_url=brand(session, scope, settings).base_url,
        )
        expires = moment(created.expires_at, _zone(session, scope))
    with contextlib.suppress(Exception):
        send_account_mails(mail, settings)
    return CreatedLink(created.invoice_number, created.url, expires, wanted.email or "")


def revoke_payment_link(request: RequestContext, user: SignedInUser, link_id: int) -> None:
    with unit_of_work() as session:
        links.revoke_payment_link(session, user_scope(user), actor(request, user), link_id, clock.now())


# --- the public page ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayLine:
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    net: str


@dataclass(frozen=True, slots=True)
class PayPage:
    status: str  # active | paid | expired | revoked | void
    message: str
    invoice_number: str
    issued: str
    due: str
    net: str
    tax: str
    gross: str
    balance_due: str
    issuer_name: str
    issuer_address: str
    issuer_vat_id: str
    issuer_email: str
    buyer_name: str
    buyer_email: str
    expires: str
    online: bool
    bank_holder: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    bank_reference: str = ""
    lines: list[PayLine] = field(default_factory=list)


def _guarded_scope(session: object, request: RequestContext) -> tuple[TenantScope, list]:  # type: ignore[type-arg]
    scope = scope_for_host(session, request.host, get_settings())  # type: ignore[arg-type]
    guard = throttle()
    limits = guard.limits(PAY_LINK_ACTION, scope.tenant_id, ip=request.ip_address or "unknown")
    guard.check(limits)
    return scope, limits


def _quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def pay_page(request: RequestContext, token: str) -> PayPage:
    """What `/pay/{token}` shows; `NotFoundError` for a token no link of this host's tenant has
    (counted against the IP), `TooManyAttempts` once the IP guessed too often."""
    token = token[:100]
    with unit_of_work() as session:
        scope, limits = _guarded_scope(session, request)
        try:
            view = links.public_invoice(session, scope, token, clock.now())
        except NotFoundError:
            throttle().hit(limits)
            raise
        zone = ZoneInfo(view.time_zone)

        def money(amount: Decimal) -> str:
            return Money.of(amount, view.currency).format()

        bank = view.bank
        return PayPage(
            status=view.status,
            message=view.message,
            invoice_number=view.invoice_number,
            issued=view.issued_at.astimezone(zone).date().isoformat() if view.issued_at else "",
            due=view.due_at.astimezone(zone).date().isoformat() if view.due_at else "",
            net=money(view.net),
            tax=money(view.tax),
            gross=money(view.gross),
            balance_due=money(view.balance_due),
            issuer_name=view.issuer.get("legal_name", ""),
            issuer_address=view.issuer.get("address", ""),
            issuer_vat_id=view.issuer.get("vat_id", ""),
            issuer_email=view.issuer.get("email", ""),
            buyer_name=view.buyer_name,
            buyer_email="" if view.buyer_email == view.buyer_name else view.buyer_email,  # a guest's name
            expires=moment(view.expires_at, zone),
            online=view.online,
            bank_holder=bank.holder if bank else "",
            bank_iban=bank.iban if bank else "",
            bank_bic=bank.bic if bank else "",
            bank_reference=bank.reference if bank else "",
            lines=[
                PayLine(
                    line.description,
                    _quantity(line.quantity),
                    money(line.unit_price),
                    f"{_quantity(line.tax_rate)} %",
                    money(line.net),
                )
                for line in view.lines
            ],
        )


def start_payment(request: RequestContext, token: str) -> str:
    """The Checkout page to send the visitor to (`PaymentLinkUnusable` says why not)."""
    token = token[:100]
    with unit_of_work() as session:
        scope, limits = _guarded_scope(session, request)
        base_url = brand(session, scope, get_settings()).base_url
    try:
        return links.start_link_checkout(unit_of_work, scope, token, clock.now(), base_url=base_url)
    except NotFoundError:
        throttle().hit(limits)
        raise


def pay_pdf(request: RequestContext, token: str) -> DocumentFile:
    """The PDF of a payment link's invoice, for whoever holds the link (`/api/pay/{token}.pdf`).

    The token stands for the invoice's customer for this one read, as a viewer: the documents
    service asks the policy with that customer and the invoice's own account. Unknown tokens count
    against the IP like on the page. A revoked or expired link still shows its invoice (the page
    does too); only an unknown token is refused."""
    token = token[:100]
    with unit_of_work() as session:  # commits a first render or a restored file, like every download
        scope, limits = _guarded_scope(session, request)
        try:
            _, invoice = links.usable_link(session, scope, token)
        except NotFoundError:
            throttle().hit(limits)
            raise
        holder = Actor.customer(
            scope.tenant_id, invoice.customer_account_id, ip_address=request.ip_address, member_role="viewer"
        )
        return documents.invoice_pdf(session, scope, holder, invoice.number or "")
