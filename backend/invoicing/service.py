"""Invoicing: accumulated invoices, gapless numbers, tax, credit notes, paid/unpaid, overdue (SPEC §4).

Rules enforced here:
- one accumulated invoice per customer and currency on the customer's billing day (or "bill now"),
  holding every unbilled position; an invoice below the tenant's minimum waits, a zero invoice is
  issued as paid, and credits alone never make an invoice (they wait for charges);
- line-wise rounding: each line's net is a rounded position amount, its tax is rounded half-up per
  line, totals are sums of rounded lines, so lines = net and net + tax = gross always hold;
- numbers are assigned at issue, gapless per tenant and year (`INV-2026-00001`), from a counter row
  locked until commit, so two concurrent runs queue behind each other instead of skipping numbers;
- issued invoices never change their lines or totals; corrections are credit notes
  (`INV-2026-00001-CN1`): a void credits everything, a partial credit note credits part of lines.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import Charger, parse_range
from backend.billing.repository import OpenPositionRepository
from backend.catalog.repository import PromotionRedemptionRepository
from backend.customers.repository import CustomerProfileRepository
from backend.invoicing import promotions
from backend.invoicing.repository import (
    CreditNoteRepository,
    DocumentSequenceRepository,
    InvoiceLineRepository,
    InvoiceRepository,
)
from backend.kit.coordination import Coordinator
from backend.kit.errors import DomainError, NotFoundError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import (
    CreditNote,
    CreditNoteLine,
    CustomerProfile,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    Promotion,
    PromotionRedemption,
    TaxCategory,
    TaxMode,
    Tenant,
)
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.money import Money
from backend.tax import OssLedger, TaxBuyer, TaxDecision, TaxIssuer, country_code, decide_tax

log = logging.getLogger(__name__)

BUCKET_SIZE = 500
HUNDRED = Decimal(100)


class InvoiceError(DomainError):
    """An invoice operation that the invoice's state does not allow."""


@dataclass(slots=True)
class LineDraft:
    description: str
    net: Decimal
    tax_category: TaxCategory
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    period_start: datetime | None = None
    period_end: datetime | None = None
    open_position_id: int | None = None


@dataclass(slots=True)
class InvoiceDraft:
    customer_account_id: int
    currency: str
    positions: list[OpenPosition]
    lines: list[LineDraft] = field(default_factory=list)
    promotion_usages: list[promotions.PromotionUsage] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TaxBreakdownRow:
    category: TaxCategory
    rate: Decimal
    net: Decimal
    tax: Decimal


def round_money(amount: Decimal, currency: str) -> Decimal:
    return Money.of(amount, currency).round_to_minor().amount


def line_tax(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    return round_money(net * rate / HUNDRED, currency)


def tax_breakdown(lines: list[InvoiceLine]) -> list[TaxBreakdownRow]:
    """Net and tax per (category, rate), as an invoice shows them."""
    groups: dict[tuple[TaxCategory, Decimal], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        sums = groups[(TaxCategory(line.tax_category), line.tax_rate)]
        sums[0] += line.net
        sums[1] += line.tax
    return [TaxBreakdownRow(cat, rate, net, tax) for (cat, rate), (net, tax) in sorted(groups.items())]


# --- settings and context -------------------------------------------------------------------


def billing_settings(tenant: Tenant) -> dict[str, Any]:
    return dict((tenant.settings or {}).get("billing", {}))


def minimum_invoice_amount(tenant: Tenant) -> Decimal:
    return Decimal(str(billing_settings(tenant).get("minimum_invoice_amount", "0")))


class InvoicingContext:
    """What invoicing needs about one tenant, loaded once per unit."""

    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        if tenant is None:
            raise NotFoundError("Tenant not found.")
        self.tenant = tenant
        self.zone = ZoneInfo(tenant.time_zone)
        self.invoices = InvoiceRepository(session, scope)
        self.lines = InvoiceLineRepository(session, scope)
        self.positions = OpenPositionRepository(session, scope)
        self.profiles = CustomerProfileRepository(session, scope)
        self.sequences = DocumentSequenceRepository(session, scope)
        self.redemptions = PromotionRedemptionRepository(session, scope)
        self._oss: OssLedger | None = None
        self._decisions: dict[tuple[Any, ...], TaxDecision] = {}
        self._rates: dict[tuple[TaxDecision, TaxCategory], Decimal] = {}
        self._snapshots: dict[TaxDecision, dict[str, Any]] = {}
        self.issuer = issuer_snapshot(tenant)

    def rate(self, decision: TaxDecision, category: TaxCategory) -> Decimal:
        key = (decision, category)
        if key not in self._rates:
            self._rates[key] = decision.rate(category)
        return self._rates[key]

    def snapshot(self, decision: TaxDecision) -> dict[str, Any]:
        if decision not in self._snapshots:
            self._snapshots[decision] = decision.snapshot()
        return self._snapshots[decision]

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    @property
    def oss(self) -> OssLedger:
        """The tenant's OSS totals, read on the first sale to a consumer in another member state."""
        if self._oss is None:
            self._oss = OssLedger(self.session, self.scope, self.tenant)
        return self._oss

    def decide(self, profile: CustomerProfile, on: date, currency: str, net: Decimal) -> TaxDecision:
        """The tax decision for a sale of `net` in `currency` to `profile` on `on`; a sale to a
        consumer in another member state is taxed at destination when the OSS threshold says so
        (`backend.tax.oss`). Raises `MissingExchangeRate` when a needed rate is missing."""
        buyer = TaxBuyer(profile.country, profile.customer_type, profile.vat_id, profile.vat_id_status)
        below = self._decision(buyer, on, exceeded=False)
        if self._consumer_abroad(profile, below) and self.oss.destination_taxed(on, currency, net):
            return self._decision(buyer, on, exceeded=True)
        return below

    def record_sale(
        self, profile: CustomerProfile, decision: TaxDecision, on: date, currency: str, net: Decimal
    ) -> None:
        """Count an invoice that is being issued toward the OSS totals (sales to consumers abroad)."""
        if self._consumer_abroad(profile, decision):
            self.oss.record(on, currency, net)

    @staticmethod
    def _consumer_abroad(profile: CustomerProfile, decision: TaxDecision) -> bool:
        if decision.mode == TaxMode.EU_B2C:
            return True
        return decision.mode == TaxMode.DOMESTIC and country_code(profile.country) != decision.country

    def _decision(self, buyer: TaxBuyer, on: date, *, exceeded: bool) -> TaxDecision:
        key = (buyer, on, exceeded)
        if key not in self._decisions:
            issuer = TaxIssuer(self.tenant.issuer_country, self.tenant.issuer_vat_id)
            self._decisions[key] = decide_tax(issuer, buyer, on, oss_threshold_exceeded=exceeded)
        return self._decisions[key]


# --- building and issuing -------------------------------------------------------------------


def build_drafts(ctx: InvoicingContext, positions: list[OpenPosition]) -> list[InvoiceDraft]:
    """Group unbilled positions per customer and currency into invoice drafts with promotions."""
    grouped: dict[tuple[int, str], list[OpenPosition]] = defaultdict(list)
    for position in positions:
        grouped[(position.customer_account_id, position.currency)].append(position)
    subscription_ids = {p.subscription_id for p in positions if p.subscription_id is not None}
    redemptions = ctx.redemptions.active_for_subscriptions(subscription_ids)
    drafts = []
    for (customer_id, currency), items in sorted(grouped.items()):
        items.sort(key=lambda p: (p.period_start or datetime.min.replace(tzinfo=UTC), p.id or 0))
        draft = InvoiceDraft(customer_id, currency, items)
        for position in items:
            draft.lines.append(
                LineDraft(
                    description=position.description,
                    net=position.amount,
                    tax_category=TaxCategory(position.tax_category),
                    quantity=position.quantity,
                    unit_price=position.unit_price,
                    period_start=position.period_start,
                    period_end=position.period_end,
                    open_position_id=position.id,
                )
            )
        apply_promotions(draft, redemptions, ctx.tenant.time_zone)
        drafts.append(draft)
    return drafts


def apply_promotions(
    draft: InvoiceDraft, redemptions: list[tuple[PromotionRedemption, Promotion]], time_zone: str
) -> None:
    """Promotions apply when an invoice is created (SPEC §4): each redemption the draft's charges
    use adds a discount line per tax category (the rules are in backend/invoicing/promotions.py)."""
    for usage in promotions.usages(draft.positions, redemptions, draft.currency, time_zone):
        for category, amount in usage.discounts.items():
            draft.lines.append(
                LineDraft(description=usage.label, net=-amount, tax_category=category, unit_price=-amount)
            )
        draft.promotion_usages.append(usage)


def issue_drafts(
    ctx: InvoicingContext, drafts: list[InvoiceDraft], now: datetime, *, force: bool = False
) -> list[int]:
    """Turn drafts into issued invoices with numbers; below-minimum and credit-only drafts wait.

    Returns the ids of the issued invoices. Rows are written with set-based INSERTs: an invoice
    run over thousands of customers costs a few statements per batch, not a few per invoice.
    """
    minimum = minimum_invoice_amount(ctx.tenant)
    on = ctx.local_date(now)
    ready: list[tuple[InvoiceDraft, dict[str, Any], list[dict[str, Any]]]] = []
    profiles = ctx.profiles.for_accounts({d.customer_account_id for d in drafts})
    for draft in drafts:
        profile = profiles.get(draft.customer_account_id)
        if profile is None:
            log.warning("customer %s has no billing profile; its positions wait", draft.customer_account_id)
            continue
        net_total = sum((line.net for line in draft.lines), Decimal(0))
        decision = ctx.decide(profile, on, draft.currency, net_total)
        invoice, lines = _invoice_from_draft(ctx, draft, profile, decision)
        if invoice["gross"] < 0:
            continue
        if not force and 0 < invoice["gross"] < minimum:
            continue
        ctx.record_sale(profile, decision, on, draft.currency, net_total)  # only drafts that are issued
        ready.append((draft, invoice, lines))
    if not ready:
        return []
    numbers = ctx.sequences.take(DocumentKind.INVOICE, on.year, len(ready))
    due_at = now + timedelta(days=ctx.tenant.payment_terms_days)
    for number, (_, invoice, _) in zip(numbers, ready, strict=True):
        zero = invoice["gross"] == 0
        invoice.update(
            number=f"INV-{on.year}-{number:05d}",
            issued_at=now,
            due_at=due_at,
            status=InvoiceStatus.PAID if zero else InvoiceStatus.ISSUED,
            paid_at=now if zero else None,
            balance_due=Decimal(0) if zero else invoice["gross"],
        )
    ids = ctx.invoices.insert_issued([(invoice, lines) for _, invoice, lines in ready])
    ctx.positions.mark_billed(
        [
            (position, invoice_id)
            for (draft, _, _), invoice_id in zip(ready, ids, strict=True)
            for position in draft.positions
        ]
    )
    promotions.record_uses(
        ctx.session,
        ctx.scope,
        [(invoice_id, draft.promotion_usages) for (draft, _, _), invoice_id in zip(ready, ids, strict=True)],
    )
    ctx.session.flush()
    return ids


def _invoice_from_draft(
    ctx: InvoicingContext, draft: InvoiceDraft, profile: CustomerProfile, decision: TaxDecision
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = []
    for position, line in enumerate(draft.lines, start=1):
        rate = ctx.rate(decision, line.tax_category)
        tax = line_tax(line.net, rate, draft.currency)
        lines.append(
            {
                "position": position,
                "open_position_id": line.open_position_id,
                "description": line.description[:500],
                "period_start": line.period_start,
                "period_end": line.period_end,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_category": line.tax_category,
                "tax_rate": rate,
                "net": line.net,
                "tax": tax,
                "gross": line.net + tax,
            }
        )
    net = sum((line["net"] for line in lines), Decimal(0))
    tax = sum((line["tax"] for line in lines), Decimal(0))
    invoice = {
        "customer_account_id": draft.customer_account_id,
        "currency": draft.currency,
        "net": net,
        "tax": tax,
        "gross": net + tax,
        "tax_mode": decision.mode,
        "tax_country": decision.country,
        "buyer_country": profile.country,
        "buyer_vat_id": decision.buyer_vat_id,
        "tax_note": decision.note,
        "buyer_snapshot": buyer_snapshot(profile) | {"tax": ctx.snapshot(decision)},
        "issuer_snapshot": ctx.issuer,
    }
    return invoice, lines


def buyer_snapshot(profile: CustomerProfile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "company_name": profile.company_name,
        "customer_type": str(profile.customer_type),
        "address_line1": profile.address_line1,
        "address_line2": profile.address_line2,
        "postal_code": profile.postal_code,
        "city": profile.city,
        "country": profile.country,
        "email": profile.email,
        "vat_id": profile.vat_id,
        "vat_id_status": str(profile.vat_id_status),
    }


def issuer_snapshot(tenant: Tenant) -> dict[str, Any]:
    return {
        "legal_name": tenant.issuer_legal_name or tenant.name,
        "address": tenant.issuer_address,
        "country": tenant.issuer_country,
        "vat_id": tenant.issuer_vat_id,
        "iban": tenant.issuer_iban,
        "bic": tenant.issuer_bic,
        "email": tenant.issuer_email,
    }


# --- the invoice run and bill now -----------------------------------------------------------


def last_billing_date(today: date, billing_day: int) -> date:
    """The most recent date with day `billing_day` on or before `today` (billing days are 1-28)."""
    if today.day >= billing_day:
        return today.replace(day=billing_day)
    first = today.replace(day=1) - timedelta(days=1)
    return first.replace(day=billing_day)


def is_due_for_invoice_run(
    ctx: InvoicingContext, billing_day: int, earliest_unbilled: datetime, now: datetime
) -> bool:
    """Due on the billing day, and also after it when a run was missed (positions older than the
    last billing day are still unbilled)."""
    today = ctx.local_date(now)
    if today.day == billing_day:
        return True
    boundary = datetime.combine(last_billing_date(today, billing_day), time(), ctx.zone).astimezone(UTC)
    return earliest_unbilled < boundary


def due_customers(
    ctx: InvoicingContext, now: datetime, first: int | None = None, last: int | None = None
) -> list[int]:
    """Customers the invoice run invoices at `now`: due by their billing day (see
    `is_due_for_invoice_run`), and not issued an invoice yet on today's local date. The run is
    hourly, so a charge created later on the billing day waits for the next billing day (or a
    "bill now"): one accumulated invoice per customer per billing day."""
    candidates = [
        customer_id
        for customer_id, billing_day, earliest in ctx.positions.unbilled_customers(now, first, last)
        if is_due_for_invoice_run(ctx, billing_day, earliest, now)
    ]
    midnight = datetime.combine(ctx.local_date(now), time(), ctx.zone).astimezone(UTC)
    invoiced_today = ctx.invoices.customers_invoiced_since(midnight, candidates)
    return [customer_id for customer_id in candidates if customer_id not in invoiced_today]


def find_invoice_run_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    buckets = sorted(
        {customer_id // BUCKET_SIZE for customer_id in due_customers(InvoicingContext(session, scope), now)}
    )
    return [f"ids:{b * BUCKET_SIZE}-{(b + 1) * BUCKET_SIZE - 1}" for b in buckets]


def run_invoice_run_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Invoice the due customers of one id range. Positions are locked and re-read, so a second
    run (or a concurrent one) finds them billed and issues nothing."""
    first, last = parse_range(key)
    ctx = InvoicingContext(session, scope)
    positions = ctx.positions.lock_unbilled(due_customers(ctx, now, first, last), now)
    return len(issue_drafts(ctx, build_drafts(ctx, positions), now))


def bill_now(
    session: Session,
    scope: TenantScope,
    now: datetime,
    *,
    customer_account_id: int | None = None,
    actor: audit.Actor,
) -> list[Invoice]:
    """Invoice unbilled positions right away, for one customer or all, ignoring the billing day
    and the minimum amount (an admin asked for it)."""
    authorize(actor, scope, Action.BILL_NOW)
    charger = Charger(session, scope)
    ctx = InvoicingContext(session, scope)
    if customer_account_id is not None:
        customers = [customer_account_id]
        if ctx.profiles.for_account(customer_account_id) is None:
            raise NotFoundError("Customer not found.")
    else:
        customers = sorted({row[0] for row in ctx.positions.unbilled_customers(now)})
    for subscription in charger.subscriptions.due_for_customers(customers, now):
        charger.bill([subscription], now)
    if customer_account_id is None:
        customers = sorted({row[0] for row in ctx.positions.unbilled_customers(now)})
    positions = ctx.positions.lock_unbilled(customers, now)
    invoices = ctx.invoices.by_ids(issue_drafts(ctx, build_drafts(ctx, positions), now, force=True))
    audit.record(
        session,
        scope,
        actor,
        "invoices.bill_now",
        object_type="customer_account" if customer_account_id else "tenant",
        object_id=customer_account_id or scope.tenant_id,
        after={"invoices": [invoice.number for invoice in invoices]},
    )
    return invoices


# --- corrections and settlement -------------------------------------------------------------


def credited_by_line(ctx: InvoicingContext, invoice: Invoice) -> dict[int, Decimal]:
    assert invoice.id is not None
    return CreditNoteRepository(ctx.session, ctx.scope).credited_net_by_line(invoice.id)


def credit_invoice(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    credits: dict[int, Decimal],
    reason: str,
    now: datetime,
    *,
    actor: audit.Actor,
) -> CreditNote:
    """An admin's partial credit note: `credits` maps invoice line ids to the net amount credited.

    An unpaid invoice's balance goes down; whatever was already paid is owed back (refund_amount).
    """
    authorize(actor, scope, Action.CREDIT_INVOICE)
    return issue_credit_note(session, scope, invoice_id, credits, reason, now, actor=actor)


def issue_credit_note(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    credits: dict[int, Decimal],
    reason: str,
    now: datetime,
    *,
    periods: dict[int, tuple[datetime, datetime]] | None = None,
    actor: audit.Actor,
) -> CreditNote:
    """The credit note of `credit_invoice` (`periods` optionally maps lines to the time each
    credit is for), without a policy check of its own: it is a step of an operation that checked
    its actor (an admin's credit, or a plan change, withdrawal or cancellation crediting unused
    time through `credits.UnusedTime`)."""
    ctx = InvoicingContext(session, scope)
    invoice = _locked_invoice(ctx, invoice_id)
    if invoice.status not in (*UNPAID_INVOICE_STATUSES, InvoiceStatus.PAID):
        raise InvoiceError(
            f"Invoice {invoice.number or invoice_id} is {invoice.status};"
            " only issued, overdue or paid invoices can be credited."
        )
    note = _credit_note(ctx, invoice, credits, reason, now, periods=periods)
    if invoice.status == InvoiceStatus.PAID:
        note.refund_amount = note.gross
    else:
        reduced = min(note.gross, invoice.balance_due)
        invoice.balance_due -= reduced
        note.refund_amount = note.gross - reduced
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.credit",
        object_type="invoice",
        object_id=invoice.id,
        after={"credit_note": note.number, "gross": str(note.gross), "reason": reason},
    )
    return note


def void_invoice(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    reason: str,
    now: datetime,
    *,
    actor: audit.Actor,
) -> CreditNote:
    """Void an issued or overdue, unpaid invoice: a credit note for everything not yet credited;
    promotions it used are given back."""
    authorize(actor, scope, Action.VOID_INVOICE)
    ctx = InvoicingContext(session, scope)
    invoice = _locked_invoice(ctx, invoice_id)
    if invoice.status not in UNPAID_INVOICE_STATUSES:
        raise InvoiceError(
            f"Invoice {invoice.number or invoice_id} is {invoice.status};"
            " only issued or overdue unpaid invoices can be voided."
            + (" Refund it with a credit note instead." if invoice.status == InvoiceStatus.PAID else "")
        )
    credited = credited_by_line(ctx, invoice)
    assert invoice.id is not None
    remaining = {
        line.id: line.net - credited.get(line.id, Decimal(0))
        for line in ctx.lines.for_invoice(invoice.id)
        if line.id is not None and line.net - credited.get(line.id, Decimal(0)) != 0
    }
    before = {"status": str(invoice.status), "balance_due": str(invoice.balance_due)}
    note = _credit_note(ctx, invoice, remaining, reason or "Invoice voided", now, allow_negative=True)
    invoice.status, invoice.voided_at, invoice.balance_due = InvoiceStatus.VOID, now, Decimal(0)
    promotions.give_back(session, scope, invoice.id, now)
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.void",
        object_type="invoice",
        object_id=invoice.id,
        before=before,
        after={"status": "void", "credit_note": note.number, "reason": reason},
    )
    return note


def _credit_note(
    ctx: InvoicingContext,
    invoice: Invoice,
    credits: dict[int, Decimal],
    reason: str,
    now: datetime,
    *,
    allow_negative: bool = False,
    periods: dict[int, tuple[datetime, datetime]] | None = None,
) -> CreditNote:
    assert invoice.id is not None
    if not credits:
        raise ValidationFailed("Choose at least one line and an amount to credit.")
    lines = {line.id: line for line in ctx.lines.for_invoice(invoice.id)}
    credited = credited_by_line(ctx, invoice)
    note_lines = []
    for position, (line_id, amount) in enumerate(sorted(credits.items()), start=1):
        line = lines.get(line_id)
        if line is None:
            raise NotFoundError(f"Invoice line {line_id} is not on invoice {invoice.number}.")
        amount = Decimal(amount)
        if round_money(amount, invoice.currency) != amount:
            raise ValidationFailed(
                f"Credit amounts are in whole {invoice.currency} minor units; got {amount}."
            )
        left = line.net - credited.get(line_id, Decimal(0))
        if not allow_negative and not (0 < amount <= left):
            raise ValidationFailed(
                f"Line {line.position} ('{line.description}') can be credited by at most"
                f" {left} {invoice.currency}; got {amount}."
            )
        tax = line_tax(amount, line.tax_rate, invoice.currency)
        period_start, period_end = (periods or {}).get(line_id, (line.period_start, line.period_end))
        note_lines.append(
            CreditNoteLine(
                tenant_id=ctx.scope.tenant_id,
                position=position,
                invoice_line_id=line_id,
                description=line.description,
                period_start=period_start,
                period_end=period_end,
                quantity=Decimal(1),
                unit_price=amount,
                tax_rate=line.tax_rate,
                net=amount,
                tax=tax,
                gross=amount + tax,
            )
        )
    notes = CreditNoteRepository(ctx.session, ctx.scope)
    sequence = notes.count_for_invoice(invoice.id) + 1
    net = sum((line.net for line in note_lines), Decimal(0))
    tax = sum((line.tax for line in note_lines), Decimal(0))
    note = notes.add(
        CreditNote(
            invoice_id=invoice.id,
            number=f"{invoice.number}-CN{sequence}",
            reason=reason[:500],
            currency=invoice.currency,
            net=net,
            tax=tax,
            gross=net + tax,
            issued_at=now,
        )
    )
    for line in note_lines:
        line.credit_note_id = note.id  # type: ignore[assignment]
        ctx.session.add(line)
    ctx.session.flush()
    return note


def mark_paid(
    session: Session, scope: TenantScope, invoice_id: int, now: datetime, *, actor: audit.Actor
) -> Invoice:
    """An admin records the payment of an issued or overdue invoice in full."""
    authorize(actor, scope, Action.MARK_INVOICE_PAID)
    ctx = InvoicingContext(session, scope)
    invoice = _locked_invoice(ctx, invoice_id)
    if invoice.status not in UNPAID_INVOICE_STATUSES:
        raise InvoiceError(
            f"Invoice {invoice.number} is {invoice.status};"
            " only issued or overdue invoices can be marked paid."
        )
    before = {"status": str(invoice.status), "balance_due": str(invoice.balance_due)}
    invoice.status, invoice.paid_at, invoice.balance_due = InvoiceStatus.PAID, now, Decimal(0)
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.mark_paid",
        object_type="invoice",
        object_id=invoice.id,
        before=before,
        after={"status": "paid"},
    )
    return invoice


def mark_unpaid(
    session: Session, scope: TenantScope, invoice_id: int, now: datetime, *, actor: audit.Actor
) -> Invoice:
    """Undo a wrong "paid": the balance is the gross less what credit notes took off."""
    authorize(actor, scope, Action.MARK_INVOICE_UNPAID)
    ctx = InvoicingContext(session, scope)
    invoice = _locked_invoice(ctx, invoice_id)
    if invoice.status != InvoiceStatus.PAID or invoice.gross == 0:
        raise InvoiceError(
            f"Invoice {invoice.number} is {invoice.status};"
            " only a paid invoice with an amount can be marked unpaid."
        )
    assert invoice.id is not None
    credited = CreditNoteRepository(session, scope).credited_total(invoice.id)
    invoice.balance_due = max(invoice.gross - credited, Decimal(0))
    invoice.paid_at = None
    overdue = invoice.due_at is not None and invoice.due_at < now
    invoice.status = InvoiceStatus.OVERDUE if overdue else InvoiceStatus.ISSUED
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.mark_unpaid",
        object_type="invoice",
        object_id=invoice.id,
        before={"status": "paid"},
        after={"status": str(invoice.status), "balance_due": str(invoice.balance_due)},
    )
    return invoice


def mark_overdue(session: Session, scope: TenantScope, now: datetime) -> int:
    """Issued invoices past their due date with something left to pay become overdue."""
    return InvoiceRepository(session, scope).mark_overdue(now)


def _locked_invoice(ctx: InvoicingContext, invoice_id: int) -> Invoice:
    invoice = ctx.invoices.lock(invoice_id)
    if invoice is None:
        raise NotFoundError("Invoice not found.")
    return invoice


def find_overdue_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return ["all"] if InvoiceRepository(session, scope).count_overdue_candidates(now) else []


def run_overdue_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    return mark_overdue(session, scope, now)


INVOICE_RUN = Coordinator(
    name="invoice_run",
    queue="billing",
    description="Accumulated invoice per customer whose billing day is today",
    find_units=find_invoice_run_units,
    run_unit=run_invoice_run_unit,
    interval_seconds=3600,
)
OVERDUE_MARKING = Coordinator(
    name="overdue_marking",
    queue="billing",
    description="Mark unpaid invoices past their due date overdue",
    find_units=find_overdue_units,
    run_unit=run_overdue_unit,
    interval_seconds=3600,
)
